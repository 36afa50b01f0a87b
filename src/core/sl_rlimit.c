/*
 * sl_rlimit.c: the limit on open files of the workers (core layer); see
 * sl_rlimit.h. The decision is pure (sl_rlimit_plan); the master then
 * raises its hard limit if the decision needs it, and each worker sets
 * the decided limits after fork.
 */
#include "sl_core.h"
#include "sl_rlimit.h"

#include <sys/resource.h>

static void sl_rlimit_warn(sl_cycle_t *cycle, const sl_rlimit_in_t *in,
    const sl_rlimit_plan_t *plan);


void
sl_rlimit_plan(const sl_rlimit_in_t *in, sl_rlimit_plan_t *out)
{
    out->refuse = 0;
    out->hard = in->hard;
    if (in->wanted) {
        out->soft = in->wanted;
        if (in->wanted > in->hard) {
            out->hard = in->wanted;
            out->refuse = !in->root;
        }
    } else {
        out->soft = sl_min(sl_max(in->base, sl_min(in->needed, in->hard)),
                           in->hard);
    }
    out->tight = out->soft < in->needed;
}


uint64_t
sl_rlimit_needed(const sl_cycle_t *cycle)
{
    const sl_listen_t  *ls;
    uint64_t            n;

    n = (uint64_t) cycle->worker_connections * cycle->conn_fds
        + SL_RLIMIT_RESERVE;
    for (ls = cycle->listening; ls; ls = ls->next) {
        n += ls->nfds;
    }
    return n;
}


sl_int_t
sl_rlimit_prepare(sl_cycle_t *cycle, uint64_t base, char *err,
    size_t errsize)
{
    struct rlimit     rl;
    sl_rlimit_in_t    in;
    sl_rlimit_plan_t  plan;

    if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
        return sl_log_errtext(err, errsize, errno,
                              "getrlimit(RLIMIT_NOFILE) failed");
    }
    in.needed = sl_rlimit_needed(cycle);
    in.wanted = (uint64_t) cycle->rlimit_nofile;
    in.base = base;
    in.soft = rl.rlim_cur;
    in.hard = rl.rlim_max;
    in.root = geteuid() == 0;
    sl_rlimit_plan(&in, &plan);
    if (plan.refuse) {
        return sl_log_errtext(err, errsize, 0, "%s: %llu is above the hard "
                              "limit on open files (%llu), which only root "
                              "may raise", cycle->rlimit_where,
                              (unsigned long long) in.wanted,
                              (unsigned long long) in.hard);
    }
    if (plan.hard > in.hard) {
        rl.rlim_max = plan.hard;   /* the master's soft limit stays */
        if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
            return sl_log_errtext(err, errsize, errno, "%s: cannot raise the "
                                  "hard limit on open files from %llu to "
                                  "%llu", cycle->rlimit_where,
                                  (unsigned long long) in.hard,
                                  (unsigned long long) plan.hard);
        }
    }
    cycle->nofile_soft = plan.soft;
    cycle->nofile_hard = plan.hard;
    if (plan.tight) {
        sl_rlimit_warn(cycle, &in, &plan);
    }
    return SL_OK;
}


sl_int_t
sl_rlimit_set(const sl_cycle_t *cycle, sl_err_t *err)
{
    struct rlimit  rl;

    if (cycle->nofile_hard == 0) {
        return SL_OK;   /* not prepared (a cycle no master started) */
    }
    rl.rlim_cur = cycle->nofile_soft;
    rl.rlim_max = cycle->nofile_hard;
    if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
        *err = errno;
        return SL_ERROR;
    }
    return SL_OK;
}


/* The one line for a soft limit below the need. */
static void
sl_rlimit_warn(sl_cycle_t *cycle, const sl_rlimit_in_t *in,
    const sl_rlimit_plan_t *plan)
{
    sl_log_error(SL_LOG_WARN, &cycle->log, 0, "worker_connections %lld "
                 "may need more open files than a worker may have (needed "
                 "%llu, soft %llu, hard %llu): connections past the limit "
                 "are refused; raise %s", (long long) cycle->worker_connections,
                 (unsigned long long) in->needed,
                 (unsigned long long) plan->soft,
                 (unsigned long long) plan->hard,
                 in->wanted && plan->soft < plan->hard
                 ? "worker_rlimit_nofile"
                 : "the hard limit (ulimit -Hn, LimitNOFILE=)");
}
