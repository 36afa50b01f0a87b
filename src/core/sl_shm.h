/*
 * sl_shm.h: memory shared by the master and every worker (core layer). It
 * is mapped once by the master before the first fork and lives as long as
 * the master, across reloads, so an accept lock or a heartbeat never
 * depends on which generation a worker belongs to.
 */
#ifndef SL_SHM_H
#define SL_SHM_H

#define SL_SHM_SLOTS  512   /* worker slots: two full generations of 256 */

/*
 * One worker slot's counters, on a cache line of its own so that workers
 * counting requests never slow each other down (false sharing).
 */
typedef struct {
    volatile uint64_t   heartbeat;    /* sl_current_msec of the last loop
                                         iteration: the watchdog's proof */
    volatile uint64_t   pid;          /* 0: the slot is free */
    volatile uint64_t   generation;
    volatile uint64_t   accepted;     /* connections accepted */
    volatile uint64_t   requests;     /* requests finished */
    volatile uint64_t   active;       /* connections open now */
} __attribute__((aligned(64))) sl_shm_slot_t;

struct sl_shm_s {
    /* The accept mutex (the event layer's sl_accept_mutex_t: the pid of
     * the worker holding it, 0 when free, then a "waiting" word). */
    volatile uint64_t   accept_lock[2] __attribute__((aligned(64)));
    /* Set by the master before it tells the workers to stop for good:
     * then the listen sockets close, so a stopping worker serves the
     * clients queued on them first; in a reload they live on. */
    volatile uint64_t   final_stop;
    /* Set by the master before the first fork when systemd's watchdog is
     * on: only then do workers keep their heartbeat. */
    volatile uint64_t   watchdog;
    sl_shm_slot_t       slots[SL_SHM_SLOTS];
};

/* Maps a zeroed shared area; NULL with errno set on failure. */
sl_shm_t *sl_shm_create(void);
void sl_shm_destroy(sl_shm_t *shm);

#endif /* SL_SHM_H */
