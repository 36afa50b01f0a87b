/*
 * sl_cycle.c: loading one configuration generation (core layer); see
 * sl_cycle.h. The core directives are a field table; the top-level groups
 * registered as blocks are handed to their parsers.
 */
#include "sl_core.h"
#include "sl_cycle.h"

#include <pwd.h>
#include <grp.h>

static sl_cycle_block_t  sl_cycle_blocks[SL_CYCLE_MAX_BLOCKS];
static int               sl_cycle_nblocks;

static sl_int_t sl_cycle_parse_auto(sl_conf_t *cf, sl_conf_node_t *n,
    int64_t min, int64_t max, int64_t *out);
static sl_int_t sl_cycle_parse_workers(sl_conf_t *cf, sl_conf_node_t *n,
    void *field);
static sl_int_t sl_cycle_parse_rlimit(sl_conf_t *cf, sl_conf_node_t *n,
    void *field);
static void sl_cycle_fill_auto(sl_conf_node_t *root, const char *name);
static sl_int_t sl_cycle_parse_user(sl_conf_t *cf, sl_conf_node_t *n,
    void *field);
static sl_int_t sl_cycle_parse_error_log(sl_conf_t *cf, sl_conf_node_t *n,
    void *field);
static sl_int_t sl_cycle_parse(sl_conf_t *cf, sl_cycle_t *cycle);
static sl_int_t sl_cycle_parse_blocks(sl_conf_t *cf, sl_cycle_t *cycle);
static void sl_cycle_set_defaults(sl_cycle_t *cycle);
static sl_int_t sl_cycle_file_check(const sl_str_t *path, const char *what,
    const char *where, sl_log_t *log);

static const char *const  sl_cycle_accept_names[] = {
    "reuseport", "mutex", NULL
};

#define SL_MSEC(s)  ((int64_t) (s) * 1000)
#define SL_RLIMIT_NOFILE_MAX  (1 << 30)   /* the kernel's fs.nr_open cap */

static const sl_conf_field_t  sl_cycle_fields[] = {
    { "worker_processes", SL_CONF_CUSTOM,
      offsetof(sl_cycle_t, worker_processes), 0, 0,
      (const void *) (uintptr_t) sl_cycle_parse_workers, 0 },
    { "worker_connections", SL_CONF_INT,
      offsetof(sl_cycle_t, worker_connections), 16, 1000000, NULL, 0 },
    { "accept", SL_CONF_ENUM, offsetof(sl_cycle_t, accept), 0, 0,
      sl_cycle_accept_names, 0 },
    { "user", SL_CONF_CUSTOM, offsetof(sl_cycle_t, user), 0, 0,
      (const void *) (uintptr_t) sl_cycle_parse_user, 0 },
    { "pid_file", SL_CONF_PATH, offsetof(sl_cycle_t, pid_file), 1, 0,
      NULL, 0 },
    { "shutdown_timeout", SL_CONF_TIME,
      offsetof(sl_cycle_t, shutdown_timeout), 0, SL_MSEC(86400), NULL, 0 },
    { "daemon", SL_CONF_BOOL, offsetof(sl_cycle_t, daemon), 0, 0, NULL, 0 },
    { "io_uring", SL_CONF_BOOL, offsetof(sl_cycle_t, io_uring), 0, 0, NULL,
      0 },
    { "thread_pool_threads", SL_CONF_INT,
      offsetof(sl_cycle_t, thread_pool_threads), 0, 256, NULL, 0 },
    { "error_log", SL_CONF_CUSTOM, offsetof(sl_cycle_t, error_log_conf), 0,
      0, (const void *) (uintptr_t) sl_cycle_parse_error_log, 0 },
    { "worker_rlimit_nofile", SL_CONF_CUSTOM,
      offsetof(sl_cycle_t, rlimit_nofile), 0, 0,
      (const void *) (uintptr_t) sl_cycle_parse_rlimit, 0 },
    SL_CONF_END
};

static const sl_conf_field_t  sl_cycle_log_fields[] = {
    { "path", SL_CONF_STR, offsetof(sl_cycle_log_conf_t, path), 1, 0, NULL,
      0 },
    { "level", SL_CONF_ENUM, offsetof(sl_cycle_log_conf_t, level), 0, 0,
      sl_log_level_names, 0 },
    SL_CONF_END
};


int
sl_cycle_block_register(const sl_cycle_block_t *block)
{
    if (sl_cycle_nblocks == SL_CYCLE_MAX_BLOCKS) {
        return -1;
    }
    sl_cycle_blocks[sl_cycle_nblocks] = *block;
    return sl_cycle_nblocks++;
}


void *
sl_cycle_block_get(sl_cycle_t *cycle, int index)
{
    return cycle->blocks[index];
}


void
sl_cycle_block_set(sl_cycle_t *cycle, int index, void *conf)
{
    cycle->blocks[index] = conf;
}


sl_int_t
sl_cycle_init_master(sl_cycle_t *cycle, char *err, size_t errsize)
{
    int  i;

    for (i = 0; i < sl_cycle_nblocks; i++) {
        if (sl_cycle_blocks[i].init_master && cycle->blocks[i]
            && sl_cycle_blocks[i].init_master(cycle, cycle->blocks[i], err,
                                              errsize) != SL_OK)
        {
            return SL_ERROR;
        }
    }
    return SL_OK;
}


static void
sl_cycle_set_defaults(sl_cycle_t *cycle)
{
    cycle->worker_processes = 0;                  /* auto */
    cycle->worker_connections = 4096;
    cycle->accept = SL_ACCEPT_CONF_REUSEPORT;
    cycle->shutdown_timeout = SL_MSEC(30);
    cycle->thread_pool_threads = 4;
    cycle->io_uring = 1;
    sl_str_set(&cycle->error_log_conf.path, "stderr");
    cycle->error_log_conf.level = SL_LOG_NOTICE;
    cycle->error_log.fd = -1;
    cycle->conn_fds = 1;
}


sl_cycle_t *
sl_cycle_load(const char *path, char *err, size_t errsize)
{
    return sl_cycle_load_ex(path, err, errsize, NULL);
}


sl_cycle_t *
sl_cycle_load_ex(const char *path, char *err, size_t errsize, FILE *dump)
{
    sl_pool_t   *pool;
    sl_cycle_t  *cycle;
    sl_conf_t   *cf;
    sl_int_t     rc;

    pool = sl_pool_create(16384);
    if (pool == NULL) {
        (void) snprintf(err, errsize, "out of memory");
        return NULL;
    }
    cycle = sl_pcalloc(pool, sizeof(sl_cycle_t));
    cf = sl_pcalloc(pool, sizeof(sl_conf_t));
    if (cycle == NULL || cf == NULL) {
        sl_pool_destroy(pool);
        (void) snprintf(err, errsize, "out of memory");
        return NULL;
    }
    cycle->pool = pool;
    sl_cycle_set_defaults(cycle);

    cf->fill_defaults = dump != NULL;
    rc = sl_conf_open(cf, pool, path);
    if (rc == SL_OK) {
        cycle->conf_file = cf->file;
        rc = sl_cycle_parse(cf, cycle);
    }
    if (rc == SL_OK && dump) {
        (void) fprintf(dump, "# configuration file %s, defaults filled in:\n",
                       path);
        rc = sl_conf_write(cf, dump);
    }
    if (rc != SL_OK) {
        (void) snprintf(err, errsize, "%s", cf->err);
    }
    sl_conf_close(cf);
    if (rc != SL_OK) {
        sl_pool_destroy(pool);
        return NULL;
    }
    return cycle;
}


static sl_int_t
sl_cycle_parse(sl_conf_t *cf, sl_cycle_t *cycle)
{
    static const char  *skip[SL_CYCLE_MAX_BLOCKS + 1];
    sl_conf_node_t     *root;
    long                ncpu;
    int                 i;

    for (i = 0; i < sl_cycle_nblocks; i++) {
        skip[i] = sl_cycle_blocks[i].name;
    }
    skip[i] = NULL;

    root = sl_conf_root(cf);
    if (sl_conf_parse_group_skip(cf, root, sl_cycle_fields, cycle, skip)
        != SL_OK)
    {
        return SL_ERROR;
    }
    if (cf->fill_defaults) {
        sl_cycle_fill_auto(root, "worker_processes");
        sl_cycle_fill_auto(root, "worker_rlimit_nofile");
    }

    if (cycle->worker_processes == 0) {
        ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        cycle->worker_processes = ncpu > 0 ? sl_min(ncpu, SL_MAX_WORKERS) : 1;
    }
    if (sl_log_std_fd(&cycle->error_log_conf.path) == -1) {
        cycle->error_log_conf.path.data = sl_conf_resolve_path(cf,
            (const char *) cycle->error_log_conf.path.data,
            &cycle->error_log_conf.path.len);
        if (cycle->error_log_conf.path.data == NULL) {
            return sl_conf_error(cf, root, "out of memory");
        }
    }
    return sl_cycle_parse_blocks(cf, cycle);
}


static sl_int_t
sl_cycle_parse_blocks(sl_conf_t *cf, sl_cycle_t *cycle)
{
    sl_conf_node_t  *root, *node;
    int              i;

    root = sl_conf_root(cf);
    for (i = 0; i < sl_cycle_nblocks; i++) {
        node = config_setting_get_member(root, sl_cycle_blocks[i].name);
        if (node == NULL) {
            if (sl_cycle_blocks[i].required) {
                return sl_conf_error(cf, root, "the \"%s\" block is missing",
                                     sl_cycle_blocks[i].name);
            }
            continue;
        }
        if (!config_setting_is_group(node)) {
            return sl_conf_error(cf, node, "must be a group { ... }");
        }
        if (sl_cycle_blocks[i].parse(cf, node, cycle) != SL_OK) {
            return SL_ERROR;
        }
    }
    return SL_OK;
}


/* "auto" (stored as 0) or an integer in [min, max]. */
static sl_int_t
sl_cycle_parse_auto(sl_conf_t *cf, sl_conf_node_t *n, int64_t min,
    int64_t max, int64_t *out)
{
    int64_t  v;

    if (config_setting_type(n) == CONFIG_TYPE_STRING
        && strcmp(config_setting_get_string(n), "auto") == 0)
    {
        *out = 0;
        return SL_OK;
    }
    if (config_setting_type(n) != CONFIG_TYPE_INT
        && config_setting_type(n) != CONFIG_TYPE_INT64)
    {
        return sl_conf_error(cf, n, "expected \"auto\" or an integer");
    }
    v = (int64_t) config_setting_get_int64(n);
    if (v < min || v > max) {
        return sl_conf_error(cf, n, "%lld is out of range (expected %lld to "
                             "%lld)", (long long) v, (long long) min,
                             (long long) max);
    }
    *out = v;
    return SL_OK;
}


/* For -T: an "auto" directive the file leaves out is shown as "auto". */
static void
sl_cycle_fill_auto(sl_conf_node_t *root, const char *name)
{
    sl_conf_node_t  *n;

    if (config_setting_get_member(root, name) == NULL) {
        n = config_setting_add(root, name, CONFIG_TYPE_STRING);
        (void) (n && config_setting_set_string(n, "auto"));
    }
}


static sl_int_t
sl_cycle_parse_workers(sl_conf_t *cf, sl_conf_node_t *n, void *field)
{
    return sl_cycle_parse_auto(cf, n, 1, SL_MAX_WORKERS, field);
}


/* Set by the master before each fork (sl_rlimit): keeps where it was
 * written, for a value the master then cannot set. */
static sl_int_t
sl_cycle_parse_rlimit(sl_conf_t *cf, sl_conf_node_t *n, void *field)
{
    sl_cycle_t  *cycle;

    if (sl_cycle_parse_auto(cf, n, 16, SL_RLIMIT_NOFILE_MAX, field)
        != SL_OK)
    {
        return SL_ERROR;
    }
    cycle = sl_container_of(field, sl_cycle_t, rlimit_nofile);
    cycle->rlimit_where = sl_conf_where(cf, n);
    if (cycle->rlimit_where == NULL) {
        return sl_conf_error(cf, n, "out of memory");
    }
    return SL_OK;
}


/*
 * The user is looked up while loading, so a typo fails -t and a reload
 * instead of failing in a freshly forked worker.
 */
static sl_int_t
sl_cycle_parse_user(sl_conf_t *cf, sl_conf_node_t *n, void *field)
{
    sl_cycle_t     *cycle;
    struct passwd  *pw;
    const char     *name;

    if (config_setting_type(n) != CONFIG_TYPE_STRING) {
        return sl_conf_error(cf, n, "expected a user name");
    }
    name = config_setting_get_string(n);
    pw = getpwnam(name);
    if (pw == NULL) {
        return sl_conf_error(cf, n, "unknown user \"%s\"", name);
    }
    cycle = sl_container_of(field, sl_cycle_t, user);
    cycle->uid = pw->pw_uid;
    cycle->gid = pw->pw_gid;
    cycle->user.len = strlen(name);
    cycle->user.data = sl_pstrdup(cf->pool, (const u_char *) name,
                                  cycle->user.len);
    if (cycle->user.data == NULL) {
        return sl_conf_error(cf, n, "out of memory");
    }
    return SL_OK;
}


/* Keeps where path was written: it is opened only at start or reload. */
static sl_int_t
sl_cycle_parse_error_log(sl_conf_t *cf, sl_conf_node_t *n, void *field)
{
    sl_cycle_log_conf_t  *lc;
    sl_conf_node_t       *path;

    if (sl_conf_parse_group(cf, n, sl_cycle_log_fields, field) != SL_OK) {
        return SL_ERROR;
    }
    lc = field;
    path = config_setting_get_member(n, "path");
    if (path) {
        lc->where = sl_conf_where(cf, path);
        if (lc->where == NULL) {
            return sl_conf_error(cf, n, "out of memory");
        }
    }
    return SL_OK;
}


sl_int_t
sl_cycle_dump(const char *path, FILE *out, char *err, size_t errsize)
{
    sl_cycle_t  *cycle;

    cycle = sl_cycle_load_ex(path, err, errsize, out);
    if (cycle == NULL) {
        return SL_ERROR;
    }
    sl_cycle_destroy(cycle);
    return SL_OK;
}


sl_int_t
sl_cycle_open_logs(sl_cycle_t *cycle, char *err, size_t errsize)
{
    const char  *where;
    sl_err_t     e;

    cycle->error_log.path = cycle->error_log_conf.path;
    where = cycle->error_log_conf.where ? cycle->error_log_conf.where
                                        : "error_log";
    e = 0;
    if (sl_log_file_open(&cycle->error_log, &e) != SL_OK) {
        return sl_log_errtext(err, errsize, e, "%s: cannot open error log "
                              "\"%s\"", where, cycle->error_log.path.data);
    }
    if (cycle->user.len && geteuid() == 0 && cycle->error_log.fd > 2
        && fchown(cycle->error_log.fd, cycle->uid, cycle->gid) == -1)
    {
        return sl_log_errtext(err, errsize, errno, "%s: cannot chown error "
                              "log \"%s\"", where, cycle->error_log.path.data);
    }
    cycle->log.file = &cycle->error_log;
    cycle->log.level = (sl_uint_t) cycle->error_log_conf.level;
    return SL_OK;
}


sl_int_t
sl_cycle_files_check(sl_cycle_t *cycle, sl_log_t *log)
{
    sl_uint_t  i;

    if (sl_log_std_fd(&cycle->error_log_conf.path) == -1
        && sl_cycle_file_check(&cycle->error_log_conf.path, "error log",
                               cycle->error_log_conf.where, log) != SL_OK)
    {
        return SL_ERROR;
    }
    for (i = 0; i < cycle->nfiles; i++) {
        if (sl_cycle_file_check(&cycle->files[i], "log",
                                cycle->files_where[i], log) != SL_OK)
        {
            return SL_ERROR;
        }
    }
    return SL_OK;
}


/* One path of sl_cycle_files_check; what names it in the message, where
 * (may be NULL) is the config's file:line for it. */
static sl_int_t
sl_cycle_file_check(const sl_str_t *path, const char *what,
    const char *where, sl_log_t *log)
{
    struct stat  st;
    char         dir[PATH_MAX];
    char        *slash;
    sl_err_t     err;

    if (access((const char *) path->data, W_OK) == 0) {
        if (stat((const char *) path->data, &st) == 0
            && S_ISDIR(st.st_mode))
        {
            err = EISDIR;   /* root may write to it, but not open it */
            goto failed;
        }
        return SL_OK;
    }
    err = errno;
    if (err == ENOENT && path->len < sizeof(dir)) {
        memcpy(dir, path->data, path->len + 1);
        slash = strrchr(dir, '/');
        if (slash == dir) {
            slash[1] = '\0';
        } else if (slash) {
            *slash = '\0';
        } else {
            dir[0] = '.';
            dir[1] = '\0';
        }
        if (access(dir, W_OK | X_OK) == 0) {
            return SL_OK;   /* it would be created */
        }
        err = errno;
    }
failed:
    sl_log_error(SL_LOG_EMERG, log, err, "%s%scannot open %s \"%s\" for "
                 "writing", where ? where : "", where ? ": " : "", what,
                 path->data);
    return SL_ERROR;
}


void
sl_cycle_destroy(sl_cycle_t *cycle)
{
    sl_log_file_close(&cycle->error_log);
    sl_pool_destroy(cycle->pool);
}


sl_int_t
sl_cycle_file_add(sl_cycle_t *cycle, const sl_str_t *path,
    const char *where)
{
    if (cycle->nfiles == SL_CYCLE_MAX_FILES) {
        return SL_ERROR;
    }
    cycle->files_where[cycle->nfiles] = where;
    cycle->files[cycle->nfiles++] = *path;
    return SL_OK;
}


sl_int_t
sl_cycle_files_prepare(sl_cycle_t *cycle, char *err, size_t errsize)
{
    sl_uint_t  i;
    sl_err_t   e;
    int        fd;

    for (i = 0; i < cycle->nfiles; i++) {
        fd = open((const char *) cycle->files[i].data,
                  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd == -1) {
            return sl_log_errtext(err, errsize, errno, "%s%scannot open "
                                  "\"%s\"", cycle->files_where[i]
                                  ? cycle->files_where[i] : "",
                                  cycle->files_where[i] ? ": " : "",
                                  cycle->files[i].data);
        }
        if (cycle->user.len && geteuid() == 0
            && fchown(fd, cycle->uid, cycle->gid) == -1)
        {
            e = errno;
            (void) close(fd);
            return sl_log_errtext(err, errsize, e, "cannot chown \"%s\"",
                                  cycle->files[i].data);
        }
        (void) close(fd);
    }
    return SL_OK;
}
