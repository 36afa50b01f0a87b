/*
 * sl_cycle.h: one configuration generation (core layer). A cycle owns a
 * pool holding its configuration, its listen sockets and its error log.
 * During a reload two cycles live side by side: the new workers run the new
 * one while the old workers drain on the old one. Core parses the core
 * directives itself; other top-level groups ("http") are parsed by blocks
 * that src/sluice.c registers, so core never names a higher layer.
 */
#ifndef SL_CYCLE_H
#define SL_CYCLE_H

#include "sl_conf.h"
#include "sl_listen.h"

#define SL_CYCLE_MAX_BLOCKS  4
#define SL_MAX_WORKERS       256
#define SL_CYCLE_MAX_FILES   16

enum {
    SL_ACCEPT_CONF_REUSEPORT = 0,
    SL_ACCEPT_CONF_MUTEX
};

typedef struct {
    const char  *name;
    /* Parses the block's group; stores its result with sl_cycle_block_set. */
    sl_int_t   (*parse)(sl_conf_t *cf, sl_conf_node_t *node,
                        sl_cycle_t *cycle);
    unsigned     required;
    /* In the master, before the cycle's workers fork (start and reload),
     * with the block's result: shared memory zones. NULL: nothing to do.
     * SL_OK, or SL_ERROR with the reason in err. */
    sl_int_t   (*init_master)(sl_cycle_t *cycle, void *conf, char *err,
                              size_t errsize);
} sl_cycle_block_t;

typedef struct {
    sl_str_t     path;
    int          level;
    const char  *where;    /* path's "file:line: \"path\"", NULL when the
                              default: for messages about opening it */
} sl_cycle_log_conf_t;

struct sl_cycle_s {
    sl_pool_t            *pool;
    sl_log_t              log;           /* writes to error_log below */
    sl_log_file_t         error_log;
    sl_uint_t             generation;
    sl_str_t              conf_file;

    int64_t               worker_processes;     /* "auto" resolved */
    int64_t               worker_connections;
    int                   accept;               /* SL_ACCEPT_CONF_* */
    sl_str_t              user;
    uid_t                 uid;
    gid_t                 gid;
    sl_str_t              pid_file;
    sl_msec_t             shutdown_timeout;
    int                   daemon;
    int                   io_uring;             /* batch small sends */
    int64_t               thread_pool_threads;
    sl_cycle_log_conf_t   error_log_conf;
    int64_t               rlimit_nofile;        /* 0: as needed (auto) */
    const char           *rlimit_where;         /* its file:line, if set */
    uint64_t              nofile_soft;          /* the workers' limits */
    uint64_t              nofile_hard;          /*   (sl_rlimit) */
    /* Descriptors one client connection may hold: 1, raised by the
     * blocks (a location that proxies opens a backend connection). */
    sl_uint_t             conn_fds;

    sl_listen_t          *listening;
    sl_str_t              files[SL_CYCLE_MAX_FILES];  /* logs workers write */
    const char           *files_where[SL_CYCLE_MAX_FILES];  /* their
                                                  "file:line: \"path\"" */
    sl_uint_t             nfiles;
    void                 *blocks[SL_CYCLE_MAX_BLOCKS];
    sl_shm_t             *shm;
};

/*
 * Registers a top-level block parser (before any cycle is loaded). Returns
 * its index for sl_cycle_block_get, or -1 when the table is full.
 */
int sl_cycle_block_register(const sl_cycle_block_t *block);
void *sl_cycle_block_get(sl_cycle_t *cycle, int index);
void sl_cycle_block_set(sl_cycle_t *cycle, int index, void *conf);

/*
 * Loads and validates the whole file into a new cycle. No side effects
 * besides memory: no socket, no file opened. Returns the cycle, or NULL with
 * the message ("file:line: ...") in err.
 */
sl_cycle_t *sl_cycle_load(const char *path, char *err, size_t errsize);

/* As sl_cycle_load; with dump, also writes the effective configuration
 * (the file with every default filled in) there. */
sl_cycle_t *sl_cycle_load_ex(const char *path, char *err, size_t errsize,
    FILE *dump);

/* Writes the effective configuration of path (for -T). */
sl_int_t sl_cycle_dump(const char *path, FILE *out, char *err,
    size_t errsize);

/*
 * Opens the cycle's error log (chowned to the worker user when running as
 * root). Returns SL_OK, or SL_ERROR with the reason in err (the config's
 * file:line, the path and the errno) for the caller to log or report.
 */
sl_int_t sl_cycle_open_logs(sl_cycle_t *cycle, char *err, size_t errsize);

/*
 * Registers a file the workers write to (an access log), while loading:
 * the master creates it and hands it to the worker user at start, reload
 * and USR1, so a worker that dropped privileges can (re)open it. path is
 * NUL-terminated and lives in the cycle pool; where is the config's
 * "file:line: \"key\"" for messages about it (sl_conf_where; NULL: none).
 * Returns SL_OK or SL_ERROR (too many).
 */
sl_int_t sl_cycle_file_add(sl_cycle_t *cycle, const sl_str_t *path,
    const char *where);

/*
 * Creates the registered files (0644) and, when running as root with a
 * worker user, makes that user their owner. Returns SL_OK, or SL_ERROR
 * with the reason (path and errno) in err, for the caller to log.
 */
sl_int_t sl_cycle_files_prepare(sl_cycle_t *cycle, char *err,
    size_t errsize);

/*
 * For `sluice -t`: whether the error log and the registered files could
 * be opened for writing, without creating or touching any (a file that
 * exists must be writable, else its directory must be). Returns SL_OK, or
 * SL_ERROR logged at emerg to log for the first that could not.
 */
sl_int_t sl_cycle_files_check(sl_cycle_t *cycle, sl_log_t *log);

/*
 * In the master, before cycle's workers fork: runs each block's
 * init_master. Returns SL_OK, or SL_ERROR with the reason in err.
 */
sl_int_t sl_cycle_init_master(sl_cycle_t *cycle, char *err, size_t errsize);

/* Closes the cycle's files and frees its pool (sockets: sl_listen). */
void sl_cycle_destroy(sl_cycle_t *cycle);

#endif /* SL_CYCLE_H */
