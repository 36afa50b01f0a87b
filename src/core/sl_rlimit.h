/*
 * sl_rlimit.h: the limit on open files the workers run under (core
 * layer). A worker holds a descriptor per connection (more when its
 * requests open their own: cycle->conn_fds), its listen sockets and a few
 * of its own. Before forking a generation the master decides its limit:
 * worker_rlimit_nofile when the configuration sets it, else the soft
 * limit raised toward the hard one as far as the configuration needs
 * (never below what the master started with). When the limit is still
 * below the need, one warning says by how much; past the limit, a worker
 * refuses connections (accept fails with EMFILE).
 *
 * Where it is set: a hard limit above the current one is raised in the
 * master (only root may, and the failure must stop the start or reload),
 * so every child inherits room for it; the soft limit is set by each
 * worker just after fork, before it drops privileges. The master keeps
 * its own soft limit: a low worker_rlimit_nofile cannot starve it of
 * descriptors, and a worker respawned later gets its own generation's
 * limit whatever reload happened or failed since.
 *
 * Known limit: files the static module's cache keeps open are not
 * counted; they are bounded by its own size.
 */
#ifndef SL_RLIMIT_H
#define SL_RLIMIT_H

#include "sl_cycle.h"

/* What a worker holds besides connections and listen sockets: epoll,
 * signal and wake-up descriptors, its channel, logs, io_uring. */
#define SL_RLIMIT_RESERVE  32

typedef struct {
    uint64_t   needed;      /* descriptors a worker may need */
    uint64_t   wanted;      /* worker_rlimit_nofile, 0: as needed */
    uint64_t   base;        /* the soft limit the master started with */
    uint64_t   soft;        /* the limits now (RLIM_INFINITY is the */
    uint64_t   hard;        /*   largest value, and works as one) */
    unsigned   root:1;      /* may try to raise the hard limit */
} sl_rlimit_in_t;

typedef struct {
    uint64_t   soft;        /* the limits to set */
    uint64_t   hard;
    unsigned   refuse:1;    /* wanted is above hard and we are not root:
                               set nothing, fail */
    unsigned   tight:1;     /* soft stays below needed: warn */
} sl_rlimit_plan_t;

/*
 * Decides the limits for in (pure; also for tests): wanted when set (the
 * hard limit raised to it if need be, which only root may try), else
 * soft = max(base, min(needed, hard)). out is always filled.
 */
void sl_rlimit_plan(const sl_rlimit_in_t *in, sl_rlimit_plan_t *out);

/* The descriptors one worker of cycle may need: worker_connections times
 * conn_fds, its listen sockets (once opened) and SL_RLIMIT_RESERVE. */
uint64_t sl_rlimit_needed(const sl_cycle_t *cycle);

/*
 * In the master, before forking cycle's workers: decides their limits
 * with sl_rlimit_plan (base: the soft limit the master started with) into
 * cycle->nofile_soft and nofile_hard, raising the master's hard limit
 * when they need more, and logs once at warn to cycle->log when the soft
 * limit stays below the need (with needed, soft and hard). Returns SL_OK,
 * or SL_ERROR with the reason in err (worker_rlimit_nofile's file:line,
 * and the cause) when worker_rlimit_nofile cannot be had; then nothing
 * changed.
 */
sl_int_t sl_rlimit_prepare(sl_cycle_t *cycle, uint64_t base, char *err,
    size_t errsize);

/*
 * In a worker of cycle, before it drops privileges: sets the limits
 * sl_rlimit_prepare decided. Returns SL_OK, or SL_ERROR with errno in
 * err.
 */
sl_int_t sl_rlimit_set(const sl_cycle_t *cycle, sl_err_t *err);

#endif /* SL_RLIMIT_H */
