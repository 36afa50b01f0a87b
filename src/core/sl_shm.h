/*
 * sl_shm.h: memory shared by the master and every worker (core layer).
 *
 * Process control's own area (sl_shm_t) is mapped once by the master
 * before the first fork and lives as long as the master, across reloads,
 * so a heartbeat never depends on which generation a worker belongs to.
 *
 * The layers above ask for named zones instead (sl_shm_zone_add), from
 * the init_master hook of their configuration block, before a generation
 * forks. A zone a running generation already holds under the same name and
 * size is shared with the new one, so what it holds (the accept mutex,
 * counters, later TLS ticket keys or rate limits) carries across a reload;
 * otherwise a new zeroed zone is mapped. Core names nothing above it: it
 * only calls a zone's hooks when a worker slot is about to be filled or
 * has been left.
 */
#ifndef SL_SHM_H
#define SL_SHM_H

#define SL_SHM_SLOTS  512   /* worker slots: two full generations of 256 */

/*
 * One worker slot of process control, on a cache line of its own so that
 * workers never slow each other down (false sharing).
 */
typedef struct {
    volatile uint64_t   heartbeat;    /* sl_current_msec of the last loop
                                         iteration: the watchdog's proof */
    volatile uint64_t   pid;          /* 0: the slot is free */
    volatile uint64_t   generation;
} __attribute__((aligned(64))) sl_shm_slot_t;

struct sl_shm_s {
    /* Set by the master before it tells the workers to stop for good:
     * then the listen sockets close, so a stopping worker serves the
     * clients queued on them first; in a reload they live on. */
    volatile uint64_t   final_stop;
    /* Set by the master before the first fork when systemd's watchdog is
     * on: only then do workers keep their heartbeat. */
    volatile uint64_t   watchdog;
    sl_shm_slot_t       slots[SL_SHM_SLOTS];
};

/*
 * Maps a zeroed shared area; NULL with errno set on failure. The master
 * keeps it for its whole life (every generation of workers shares it),
 * so it is never unmapped.
 */
sl_shm_t *sl_shm_create(void);

typedef struct sl_shm_zone_s  sl_shm_zone_t;

/* A zone's hook, run in the master with a worker slot (0 to
 * SL_SHM_SLOTS - 1) and that worker's pid (0 before the fork). */
typedef void (*sl_shm_zone_slot_pt)(sl_shm_zone_t *zone, sl_uint_t slot,
    pid_t pid);

struct sl_shm_zone_s {
    char                 *name;
    size_t                size;
    void                 *addr;       /* zeroed when first mapped */
    sl_shm_zone_slot_pt   spawn;      /* before a worker forks into slot */
    sl_shm_zone_slot_pt   gone;       /* after the worker in slot exited */
    void                 *data;       /* the hooks' */
    sl_uint_t             refs;       /* cycles holding it */
    unsigned              own:1;      /* never shared with another cycle */
    sl_shm_zone_t        *next;
};

#define SL_SHM_ZONE_OWN  1   /* a zone of this cycle alone: what it holds
                                means nothing to another configuration */

/*
 * In the master, before cycle's workers fork: the zone name (a
 * NUL-terminated literal or a string that outlives the call) of size
 * bytes for cycle, shared with another cycle that holds one of that name
 * and size (unless either asked for SL_SHM_ZONE_OWN), else mapped anew,
 * zeroed. The cycle holds it until its pool is destroyed. The caller may
 * set the hooks and data. Returns the zone, or NULL with the reason in
 * err.
 */
sl_shm_zone_t *sl_shm_zone_add(sl_cycle_t *cycle, const char *name,
    size_t size, unsigned flags, char *err, size_t errsize);

/* In the master: runs every zone's spawn hook for slot (before the fork),
 * or its gone hook for slot and the pid that left it (after the reap). */
void sl_shm_zones_spawn(sl_uint_t slot);
void sl_shm_zones_gone(sl_uint_t slot, pid_t pid);

#endif /* SL_SHM_H */
