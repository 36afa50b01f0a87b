/*
 * sl_shm.h: memory shared by the master and every worker (core layer). It
 * is mapped once by the master before the first fork and lives as long as
 * the master, across reloads, so an accept lock or a heartbeat never
 * depends on which generation a worker belongs to.
 */
#ifndef SL_SHM_H
#define SL_SHM_H

#define SL_SHM_SLOTS  512   /* worker slots: two full generations of 256 */

struct sl_shm_s {
    /* pid of the worker holding the accept mutex, 0 when free. */
    volatile uint64_t   accept_lock;
    /* sl_current_msec of each worker slot's last loop iteration. */
    volatile uint64_t   heartbeat[SL_SHM_SLOTS];
    /* connections accepted by each slot: for balance checks and status. */
    volatile uint64_t   accepted[SL_SHM_SLOTS];
};

/* Maps a zeroed shared area; NULL with errno set on failure. */
sl_shm_t *sl_shm_create(void);
void sl_shm_destroy(sl_shm_t *shm);

#endif /* SL_SHM_H */
