/*
 * sl_accept.h: accepting clients on listen sockets (event layer). Three
 * strategies; the config value `accept` picks reuseport, or "mutex", which
 * is SL_ACCEPT_EXCLUSIVE where the kernel has EPOLLEXCLUSIVE (Linux 4.5)
 * and the shared-memory lock elsewhere:
 *
 *   SL_ACCEPT_REUSEPORT  each worker has its own SO_REUSEPORT sockets and
 *                        polls only those, all the time.
 *   SL_ACCEPT_EXCLUSIVE  the workers share the sockets, each polls them
 *                        with EPOLLEXCLUSIVE: the kernel wakes one idle
 *                        worker per client instead of all. It wakes the
 *                        first in its wait queue, so a worker that
 *                        accepted SL_ACCEPT_ROTATE clients registers
 *                        again, which puts it last: idle workers take
 *                        turns. A worker past 7/8 of its connections
 *                        stops polling every other iteration. Measured
 *                        against the lock with 2 workers and Connection:
 *                        close load: 21,500 against 3,300 requests/s
 *                        (no client waits for a try-lock period), and
 *                        connections as evenly spread.
 *   SL_ACCEPT_MUTEX      the workers share the sockets and take turns: a
 *                        non-blocking try-lock on a word in shared memory,
 *                        once per iteration; the holder polls the sockets
 *                        and releases the lock after its accepts. A worker
 *                        not holding it wakes at least every
 *                        SL_ACCEPT_MUTEX_DELAY ms to try again. Load
 *                        spreads two ways: a holder that accepted while
 *                        another worker was waiting for the lock yields
 *                        until that worker took it (at most
 *                        2 * SL_ACCEPT_MUTEX_DELAY ms), and a worker past 7/8
 *                        of its connections tries less often.
 *
 * In both, a listen socket is polled level-triggered and up to `batch`
 * clients are accepted per event. A client gets a connection from the
 * worker's sl_conns array; when none is free the worker stops polling until
 * one is (clients wait in the backlog, they are not reset). When accept4
 * fails for lack of descriptors or memory (EMFILE, ENFILE, ENOBUFS,
 * ENOMEM) the worker logs at crit (at most once a second) and stops
 * accepting for SL_ACCEPT_PAUSE ms instead of spinning.
 *
 * Loop thread only. The sl_accept_t is made in the worker after fork.
 */
#ifndef SL_ACCEPT_H
#define SL_ACCEPT_H

#define SL_ACCEPT_MUTEX_DELAY  25      /* ms between try-locks */
#define SL_ACCEPT_PAUSE        100     /* ms without accepting after EMFILE */
#define SL_ACCEPT_BATCH        32      /* default clients per event */
#define SL_ACCEPT_ROTATE       8       /* clients between re-registrations
                                          (SL_ACCEPT_EXCLUSIVE) */

typedef enum {
    SL_ACCEPT_REUSEPORT = 0,
    SL_ACCEPT_MUTEX,
    SL_ACCEPT_EXCLUSIVE
} sl_accept_strategy_e;

/*
 * The accept mutex: a word that holds the owner's pid, 0 when free, and a
 * flag set by workers that failed to take it. It lives in memory every
 * worker shares (mmap MAP_SHARED|MAP_ANONYMOUS made by the master before
 * fork) and starts zeroed. A lock whose owner has died is reclaimed by the
 * next worker that finds it held by the same pid for a second; the master
 * may also free it at once when it reaps a worker
 * (sl_accept_mutex_force_unlock).
 */
typedef struct {
    sl_uint_t   owner;      /* the master may CAS(owner, pid, 0) alone */
    sl_uint_t   waiting;
} sl_accept_mutex_t;        /* 16 bytes of the shared memory */

/*
 * Called with each new client: c is non-blocking and close-on-exec, has
 * the peer address, a number and the worker's log, NULL handlers, and is
 * NOT registered with the loop yet. The callee owns c: it sets the
 * handlers (and c->data), and either registers c (sl_loop_add_conn, which
 * reports readiness already present on the next iteration) or is done
 * with it and frees it with sl_conns_close. Leaving registration to the
 * callee lets a client whose request is already there (TCP_DEFER_ACCEPT)
 * be read, answered and closed without ever entering the epoll set.
 */
typedef void (*sl_accept_handler_pt)(sl_conn_t *c, void *listen_data);

typedef struct {
    int          fd;         /* listening, non-blocking */
    void        *data;       /* handed to the handler, e.g. an sl_listen_t */
} sl_accept_listen_t;

typedef struct {
    sl_accept_strategy_e        strategy;
    const sl_accept_listen_t   *listens;    /* copied by sl_accept_create */
    sl_uint_t                   nlistens;
    sl_accept_mutex_t          *mutex;      /* SL_ACCEPT_MUTEX only */
    sl_accept_handler_pt        handler;
    sl_uint_t                   batch;      /* 0: SL_ACCEPT_BATCH */
} sl_accept_conf_t;

/*
 * Starts accepting on conf's sockets for loop, taking connections from cs.
 * Reuseport adds the sockets to epoll now; mutex adds them while this
 * worker holds the lock. One per loop. The descriptors stay the caller's:
 * they are never closed here. Returns NULL on failure, logged to the
 * loop's log.
 */
sl_accept_t *sl_accept_create(sl_loop_t *loop, sl_conns_t *cs,
    const sl_accept_conf_t *conf);

/*
 * Stops for good (graceful shutdown): the sockets leave epoll, the mutex
 * is released, no client is accepted again, pending accept events are
 * dropped. Idempotent.
 */
void sl_accept_stop(sl_accept_t *a);

/*
 * After sl_accept_stop, before the sockets close for good: accepts every
 * client already queued on them (as many as free connections allow) and
 * hands each to the handler, so closing them resets nobody.
 */
void sl_accept_drain(sl_accept_t *a);

/* Stops, detaches from the loop and frees. NULL is ok. */
void sl_accept_destroy(sl_accept_t *a);

/*
 * Frees the mutex if pid holds it (the master, after reaping pid).
 * Returns 1 when it did, 0 otherwise.
 */
int sl_accept_mutex_force_unlock(sl_accept_mutex_t *m, pid_t pid);

/*
 * In the master, before cycle's workers fork: the accept mutex, in a
 * shared zone every generation holds (a reload does not reset a lock an
 * old worker holds), with a hook that frees it at once when a worker that
 * held it is reaped. Returns the mutex, or NULL with the reason in err.
 */
sl_accept_mutex_t *sl_accept_mutex_zone(sl_cycle_t *cycle, char *err,
    size_t errsize);

#endif /* SL_ACCEPT_H */
