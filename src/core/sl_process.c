/*
 * sl_process.c: the master and its workers (core layer); see
 * sl_process.h. The master sleeps in ppoll on its workers' channels with
 * the handled signals unblocked only there; every wake-up runs the same
 * pass: read channels, reap children, act on signal flags, respawn, check
 * deadlines. State lives in one struct so the pass is easy to follow.
 */
#include "sl_core.h"
#include "sl_process.h"
#include "sl_signal.h"
#include "sl_shm.h"
#include "sl_notify.h"
#include "sl_rlimit.h"

#include <systemd/sd-daemon.h>

#include <poll.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define SL_MAX_CYCLES          16       /* current, pending, draining */
#define SL_MAX_DRAINING        4        /* more: the oldest is cut */
#define SL_HANDSHAKE_TIMEOUT   10000    /* ms for a new generation to start */
#define SL_KILL_GRACE          5000     /* ms past shutdown_timeout */
#define SL_RESPAWN_MAX_DELAY   10000
#define SL_QUICK_DEATH         2000     /* died this soon: back off */
#define SL_EXTEND_EVERY        5000     /* ms between EXTEND_TIMEOUT_USEC */
#define SL_MASTER_ERR_LEN      1200     /* why a start or reload failed */

typedef struct {
    pid_t        pid;           /* 0: free */
    sl_cycle_t  *cycle;
    sl_uint_t    index;
    int          channel;       /* the master's end, -1 when none */
    sl_msec_t    started;
    sl_msec_t    respawn_at;    /* > 0: to be respawned then */
    sl_msec_t    kill_at;       /* > 0: SIGKILL if still alive then */
    unsigned     failures;
    unsigned     ready:1;
    unsigned     draining:1;
} sl_slot_t;

typedef struct {
    sl_master_conf_t   conf;
    sl_slot_t          slots[SL_SHM_SLOTS];
    sl_cycle_t        *cycles[SL_MAX_CYCLES];
    sl_cycle_t        *current;
    sl_cycle_t        *pending;     /* reload waiting for its handshake */
    sl_msec_t          pending_deadline;
    sl_shm_t          *shm;
    sigset_t           sleep_mask;
    sl_uint_t          generation;
    sl_uint_t          reloads;      /* verdicts written */
    sl_msec_t          stop_deadline;
    sl_msec_t          extend_next;  /* next EXTEND_TIMEOUT_USEC, stopping */
    pid_t              upgrade;      /* the new binary's master, or 0 */
    sl_msec_t          watchdog_interval;
    sl_msec_t          watchdog_next;
    uint64_t           nofile_base;  /* our soft RLIMIT_NOFILE */
    unsigned           announced:1;  /* READY=1 sent for current */
    unsigned           stopping:1;
    unsigned           no_workers:1; /* after WINCH */
} sl_master_t;

static sl_master_t  sl_master;
static int          sl_worker_channel = -1;
static char        *sl_title_start;
static size_t       sl_title_room;

static sl_int_t sl_master_start(sl_cycle_t *cycle);
static sl_int_t sl_master_open(sl_cycle_t *cycle, sl_cycle_t *old, char *err,
    size_t errsize);
static sl_int_t sl_master_spawn_generation(sl_cycle_t *cycle);
static sl_int_t sl_master_spawn(sl_cycle_t *cycle, sl_uint_t index,
    sl_slot_t *reuse);
static void sl_master_worker_exec(sl_slot_t *slot, int channel);
static void sl_master_pass(void);
static void sl_master_poll(void);
static sl_int_t sl_master_next_wake(sl_msec_t *wait);
static void sl_master_earliest(sl_msec_t *at, sl_msec_t deadline);
static void sl_master_read_channel(sl_slot_t *slot);
static void sl_master_reap(void);
static void sl_master_worker_exited(sl_slot_t *slot, int status);
static void sl_master_reload(void);
static void sl_master_handshake(void);
static void sl_master_commit(void);
static void sl_master_abort_pending(const char *why);
static void sl_master_signal_cycle(sl_cycle_t *cycle, int signo);
static void sl_master_drain_cycle(sl_cycle_t *cycle);
static void sl_master_reopen(void);
static void sl_master_cut_oldest(void);
static void sl_master_verdict(const char *verdict, const char *why);
static void sl_master_verdict_remove(sl_cycle_t *cycle);
static void sl_master_upgrade(void);
static void sl_master_upgrade_exec(void);
static void sl_master_upgrade_exited(int status);
static void sl_master_pid_path(char *buf, size_t size, const char *suffix);
static void sl_master_stop(int signo);
static void sl_master_deadlines(void);
static void sl_master_extend_stop(void);
static void sl_master_respawns(void);
static void sl_master_watchdog(void);
static void sl_master_release_cycles(void);
static void sl_master_status(const char *what, char *buf, size_t size);
static sl_uint_t sl_master_count(sl_cycle_t *cycle, int ready_only);
static sl_uint_t sl_master_alive(void);
static sl_int_t sl_master_write_pid(sl_cycle_t *cycle);
static void sl_master_cycle_add(sl_cycle_t *cycle);
static sl_int_t sl_worker_drop_privileges(sl_cycle_t *cycle);
static void sl_worker_close_foreign(sl_cycle_t *cycle);


int
sl_master_run(sl_cycle_t *cycle, const sl_master_conf_t *mc)
{
    struct rlimit  rl;
    sl_err_t       err;

    sl_master.conf = *mc;
    /* What each generation's limit is raised from, and never below. */
    sl_master.nofile_base = getrlimit(RLIMIT_NOFILE, &rl) == 0
                            ? rl.rlim_cur : 0;
    err = 0;
    if (sl_signal_init_master(&sl_master.sleep_mask, &err) != SL_OK) {
        sl_log_error(SL_LOG_EMERG, sl_log_default, err,
                     "cannot set up signals");
        sl_cycle_destroy(cycle);
        return 1;
    }
    sl_master.shm = sl_shm_create();
    if (sl_master.shm == NULL) {
        sl_log_error(SL_LOG_EMERG, sl_log_default, errno,
                     "cannot map shared memory");
        sl_cycle_destroy(cycle);
        return 1;
    }
    /* Before the first fork: workers keep a heartbeat only for it. */
    sl_master.watchdog_interval = sl_notify_watchdog_interval();
    sl_master.watchdog_next = sl_current_msec;
    sl_master.shm->watchdog = sl_master.watchdog_interval != 0;
    if (sl_master_start(cycle) != SL_OK) {
        return 1;
    }
    sl_process_title_set("sluice: master");

    while (!sl_master.stopping || sl_master_alive() > 0) {
        sl_master_poll();
        sl_master_pass();
    }

    sl_log_error(SL_LOG_NOTICE, &sl_master.current->log, 0, "exit");
    if (sl_master.upgrade) {
        /* The new binary's master carries on: systemd follows it, and the
         * pid file is already its own. */
        (void) sd_notifyf(0, "MAINPID=%d", (int) sl_master.upgrade);
        return 0;
    }
    if (sl_master.current->pid_file.len) {
        (void) unlink((const char *) sl_master.current->pid_file.data);
        sl_master_verdict_remove(sl_master.current);
    }
    return 0;
}


static sl_int_t
sl_master_start(sl_cycle_t *cycle)
{
    char  status[128], err[SL_MASTER_ERR_LEN];

    /* Until it is added to the master's cycles, a failure frees it. */
    if (sl_master_open(cycle, NULL, err, sizeof(err)) != SL_OK) {
        sl_log_error(SL_LOG_EMERG, cycle->log.file ? &cycle->log
                                                   : sl_log_default,
                     0, "%s", err);
        sl_cycle_destroy(cycle);
        return SL_ERROR;
    }
    sl_listen_inherit_close_unused(&cycle->log);
    if (sl_master_write_pid(cycle) != SL_OK) {
        sl_listen_close_unshared(cycle, NULL);
        sl_cycle_destroy(cycle);
        return SL_ERROR;
    }
    cycle->shm = sl_master.shm;
    cycle->generation = ++sl_master.generation;
    sl_master_cycle_add(cycle);
    sl_master.current = cycle;
    sl_listen_store(cycle, NULL);

    sl_log_error(SL_LOG_NOTICE, &cycle->log, 0,
                 "sluice " PACKAGE_VERSION " started, master pid %d, "
                 "%lld workers", (int) getpid(),
                 (long long) cycle->worker_processes);
    if (sl_master_spawn_generation(cycle) != SL_OK) {
        sl_master_stop(SIGTERM);
        return SL_OK;
    }
    sl_master_status("starting", status, sizeof(status));
    sl_notify_status(status);
    sl_master_verdict("ok", "started");
    return SL_OK;
}


/*
 * What a cycle needs before its workers start, at start and reload: its
 * error log, the files its workers write, its listen sockets (sharing
 * old's), and the limit on open files its workers will set. Returns
 * SL_OK, or SL_ERROR with the reason in err (logged by the caller once,
 * and sent with a reload's verdict); the logs stay open for
 * sl_cycle_destroy, the sockets opened here are closed.
 */
static sl_int_t
sl_master_open(sl_cycle_t *cycle, sl_cycle_t *old, char *err, size_t errsize)
{
    if (sl_cycle_open_logs(cycle, err, errsize) != SL_OK
        || sl_cycle_files_prepare(cycle, err, errsize) != SL_OK
        || sl_listen_open_all(cycle, old, err, errsize) != SL_OK)
    {
        return SL_ERROR;
    }
    /* After the sockets: the workers' need counts them. */
    if (sl_rlimit_prepare(cycle, sl_master.nofile_base, err, errsize)
        != SL_OK
        || sl_cycle_init_master(cycle, err, errsize) != SL_OK)
    {
        sl_listen_close_unshared(cycle, old);
        return SL_ERROR;
    }
    return SL_OK;
}


static sl_int_t
sl_master_write_pid(sl_cycle_t *cycle)
{
    char      buf[32];
    int       fd, n;
    sl_err_t  err;

    if (cycle->pid_file.len == 0) {
        return SL_OK;
    }
    fd = open((const char *) cycle->pid_file.data,
              O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        err = errno;
        sl_log_error(SL_LOG_EMERG, &cycle->log, err,
                     "cannot open pid file \"%s\"", cycle->pid_file.data);
        return SL_ERROR;
    }
    n = snprintf(buf, sizeof(buf), "%d\n", (int) getpid());
    if (write(fd, buf, (size_t) n) != n) {
        err = errno;
        sl_log_error(SL_LOG_EMERG, &cycle->log, err,
                     "cannot write pid file \"%s\"", cycle->pid_file.data);
        (void) close(fd);
        return SL_ERROR;
    }
    (void) close(fd);
    return SL_OK;
}


static void
sl_master_cycle_add(sl_cycle_t *cycle)
{
    size_t  i;

    for (i = 0; i < SL_MAX_CYCLES; i++) {
        if (sl_master.cycles[i] == NULL) {
            sl_master.cycles[i] = cycle;
            return;
        }
    }
    /* sl_master_reload refuses a reload when the table is full. */
    sl_log_error(SL_LOG_ALERT, &cycle->log, 0, "cycle table full");
}


static sl_int_t
sl_master_spawn_generation(sl_cycle_t *cycle)
{
    sl_uint_t  i;

    for (i = 0; i < (sl_uint_t) cycle->worker_processes; i++) {
        if (sl_master_spawn(cycle, i, NULL) != SL_OK) {
            return SL_ERROR;
        }
    }
    return SL_OK;
}


static sl_int_t
sl_master_spawn(sl_cycle_t *cycle, sl_uint_t index, sl_slot_t *reuse)
{
    sl_slot_t  *slot;
    int         sv[2];
    pid_t       pid;
    size_t      i;
    sl_err_t    err;

    slot = reuse;
    for (i = 0; slot == NULL && i < SL_SHM_SLOTS; i++) {
        if (sl_master.slots[i].pid == 0 && sl_master.slots[i].respawn_at == 0) {
            slot = &sl_master.slots[i];
            slot->failures = 0;
        }
    }
    if (slot == NULL) {
        sl_log_error(SL_LOG_CRIT, &cycle->log, 0, "no free worker slot");
        return SL_ERROR;
    }
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv)
        == -1)
    {
        err = errno;
        sl_log_error(SL_LOG_CRIT, &cycle->log, err, "socketpair() failed");
        return SL_ERROR;
    }

    slot->cycle = cycle;
    slot->index = index;
    slot->ready = 0;
    slot->draining = 0;
    slot->respawn_at = 0;
    slot->kill_at = 0;
    slot->started = sl_time_monotonic_msec();
    sl_master.shm->slots[slot - sl_master.slots].heartbeat = slot->started;
    sl_master.shm->slots[slot - sl_master.slots].generation =
        cycle->generation;
    sl_shm_zones_spawn((sl_uint_t) (slot - sl_master.slots));

    pid = fork();
    if (pid == -1) {
        err = errno;
        sl_log_error(SL_LOG_CRIT, &cycle->log, err, "fork() failed");
        (void) close(sv[0]);
        (void) close(sv[1]);
        return SL_ERROR;
    }
    if (pid == 0) {
        (void) close(sv[0]);
        sl_master_worker_exec(slot, sv[1]);
    }
    (void) close(sv[1]);
    slot->pid = pid;
    sl_master.shm->slots[slot - sl_master.slots].pid = (uint64_t) pid;
    slot->channel = sv[0];
    sl_log_error(SL_LOG_NOTICE, &cycle->log, 0,
                 "started worker %d (generation %lu, index %lu)", (int) pid,
                 (unsigned long) cycle->generation, (unsigned long) index);
    return SL_OK;
}


/* Runs in the child; never returns. */
static void
sl_master_worker_exec(sl_slot_t *slot, int channel)
{
    sl_cycle_t  *cycle;
    size_t       i;
    sl_err_t     err;
    int          rc;

    cycle = slot->cycle;
    for (i = 0; i < SL_SHM_SLOTS; i++) {
        if (sl_master.slots[i].pid && sl_master.slots[i].channel != -1) {
            (void) close(sl_master.slots[i].channel);
        }
    }
    sl_worker_channel = channel;
    sl_worker_close_foreign(cycle);

    err = 0;
    /* A worker whose master vanished (SIGKILL) drains and exits. */
    if (prctl(PR_SET_PDEATHSIG, SIGQUIT) == -1
        || sl_signal_reset_worker(&err) != SL_OK)
    {
        sl_log_error(SL_LOG_EMERG, &cycle->log, err ? err : errno,
                     "worker setup failed");
        _exit(2);
    }
    if (getppid() == 1) {
        _exit(2);   /* the master died between fork and prctl */
    }
    /* Ours, not the master's (sl_rlimit.h); while we may still raise it. */
    if (sl_rlimit_set(cycle, &err) != SL_OK) {
        sl_log_error(SL_LOG_EMERG, &cycle->log, err,
                     "setrlimit(RLIMIT_NOFILE) to %llu failed",
                     (unsigned long long) cycle->nofile_soft);
        _exit(2);
    }
    if (sl_worker_drop_privileges(cycle) != SL_OK) {
        _exit(2);
    }
    sl_process_title_set("sluice: worker");
    rc = sl_master.conf.worker_main(cycle, slot->index,
                                    (sl_uint_t) (slot - sl_master.slots));
    _exit(rc);
}


/*
 * A worker keeps only its own generation's sockets: a socket the master
 * closes at reload must really close, or the kernel would keep queuing
 * connections on it that nobody accepts.
 */
static void
sl_worker_close_foreign(sl_cycle_t *cycle)
{
    size_t  i;

    for (i = 0; i < SL_MAX_CYCLES; i++) {
        if (sl_master.cycles[i] && sl_master.cycles[i] != cycle) {
            sl_listen_close_unshared(sl_master.cycles[i], cycle);
        }
    }
}


static sl_int_t
sl_worker_drop_privileges(sl_cycle_t *cycle)
{
    sl_err_t  err;

    if (cycle->user.len == 0 || geteuid() != 0) {
        return SL_OK;
    }
    if (setgid(cycle->gid) == -1
        || initgroups((const char *) cycle->user.data, cycle->gid) == -1
        || setuid(cycle->uid) == -1)
    {
        err = errno;
        sl_log_error(SL_LOG_EMERG, &cycle->log, err,
                     "cannot switch to user \"%s\"", cycle->user.data);
        return SL_ERROR;
    }
    return SL_OK;
}


/* Sleeps until a signal, a channel message or the nearest deadline. */
static void
sl_master_poll(void)
{
    struct pollfd     pfd[SL_SHM_SLOTS];
    sl_slot_t        *map[SL_SHM_SLOTS];
    struct timespec   ts;
    sl_msec_t         wait;
    nfds_t            n;
    size_t            i;
    int               rc;

    n = 0;
    for (i = 0; i < SL_SHM_SLOTS; i++) {
        if (sl_master.slots[i].pid && sl_master.slots[i].channel != -1) {
            pfd[n].fd = sl_master.slots[i].channel;
            pfd[n].events = POLLIN;
            map[n++] = &sl_master.slots[i];
        }
    }
    /* An idle master does not wake at all: only a signal, a worker's
     * message or the nearest of its own deadlines ends the sleep. */
    if (sl_master_next_wake(&wait) == SL_OK) {
        ts.tv_sec = (time_t) (wait / 1000);
        ts.tv_nsec = (long) (wait % 1000) * 1000000;
        rc = ppoll(pfd, n, &ts, &sl_master.sleep_mask);
    } else {
        rc = ppoll(pfd, n, NULL, &sl_master.sleep_mask);
    }
    sl_time_update();
    if (rc <= 0) {
        return;
    }
    for (i = 0; i < n; i++) {
        if (pfd[i].revents & POLLIN) {
            sl_master_read_channel(map[i]);
        }
    }
}


/*
 * The time to the nearest deadline the pass checks: respawns, kills, the
 * reload's handshake, the stop, systemd's extension and watchdog pings.
 * The checks fire once the clock is strictly past some of them, so the
 * wait reaches one millisecond beyond. SL_DECLINED when none is set.
 */
static sl_int_t
sl_master_next_wake(sl_msec_t *wait)
{
    sl_msec_t   at;
    size_t      i;
    sl_slot_t  *slot;

    at = 0;
    for (i = 0; i < SL_SHM_SLOTS; i++) {
        slot = &sl_master.slots[i];
        sl_master_earliest(&at, slot->respawn_at);
        if (slot->pid) {
            sl_master_earliest(&at, slot->kill_at);
        }
    }
    if (sl_master.pending) {
        sl_master_earliest(&at, sl_master.pending_deadline);
    }
    if (sl_master.stopping) {
        sl_master_earliest(&at, sl_master.stop_deadline);
        sl_master_earliest(&at, sl_master.extend_next);
    }
    if (sl_master.watchdog_interval) {
        sl_master_earliest(&at, sl_master.watchdog_next);
    }
    if (at == 0) {
        return SL_DECLINED;
    }
    *wait = at > sl_current_msec ? at - sl_current_msec + 1 : 0;
    return SL_OK;
}


/* Keeps in *at the earliest of the deadlines set so far (0: none set). */
static void
sl_master_earliest(sl_msec_t *at, sl_msec_t deadline)
{
    if (deadline && (*at == 0 || deadline < *at)) {
        *at = deadline;
    }
}


static void
sl_master_read_channel(sl_slot_t *slot)
{
    char     msg[16];
    ssize_t  n;

    for (;;) {
        n = recv(slot->channel, msg, sizeof(msg), 0);
        if (n <= 0) {
            return;
        }
        if (msg[0] == 'R' && !slot->ready) {
            /* failures is reset by a long life, not by a start: a worker
             * that crashes on its first request must still back off. */
            slot->ready = 1;
        }
    }
}


static void
sl_master_pass(void)
{
    if (sl_signal_flags.child) {
        sl_signal_flags.child = 0;
        sl_master_reap();
    }
    if (sl_signal_flags.terminate) {
        sl_signal_flags.terminate = 0;
        sl_master_stop(SIGTERM);
    }
    if (sl_signal_flags.quit) {
        sl_signal_flags.quit = 0;
        sl_master_stop(SIGQUIT);
    }
    if (sl_signal_flags.reopen) {
        sl_signal_flags.reopen = 0;
        sl_master_reopen();
    }
    if (sl_signal_flags.reload) {
        sl_signal_flags.reload = 0;
        sl_master_reload();
    }
    if (sl_signal_flags.winch) {
        sl_signal_flags.winch = 0;
        if (!sl_master.stopping) {
            sl_log_error(SL_LOG_NOTICE, &sl_master.current->log, 0,
                         "WINCH: stopping workers gracefully, HUP restarts");
            sl_master.no_workers = 1;
            sl_master_drain_cycle(sl_master.current);
        }
    }
    if (sl_signal_flags.upgrade) {
        sl_signal_flags.upgrade = 0;
        sl_master_upgrade();
    }
    sl_master_handshake();
    sl_master_respawns();
    sl_master_deadlines();
    sl_master_extend_stop();
    sl_master_watchdog();
    sl_master_release_cycles();
}


static void
sl_master_reap(void)
{
    pid_t   pid;
    int     status;
    size_t  i;

    for (;;) {
        pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) {
            return;
        }
        if (pid == sl_master.upgrade) {
            sl_master_upgrade_exited(status);
            continue;
        }
        for (i = 0; i < SL_SHM_SLOTS; i++) {
            if (sl_master.slots[i].pid == pid) {
                sl_master_worker_exited(&sl_master.slots[i], status);
                break;
            }
        }
    }
}


static void
sl_master_worker_exited(sl_slot_t *slot, int status)
{
    sl_cycle_t  *cycle;
    sl_msec_t    delay;
    int          expected, sig;
    sl_uint_t    level;

    cycle = slot->cycle;
    expected = slot->draining || sl_master.stopping;
    sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;

    /* A crash is a bug (alert); any other surprise exit is a warning. */
    level = expected ? SL_LOG_NOTICE
            : (sig == SIGSEGV || sig == SIGABRT || sig == SIGBUS
               || sig == SIGILL || sig == SIGFPE) ? SL_LOG_ALERT
            : SL_LOG_WARN;
    if (sig) {
        sl_log_error(level, &cycle->log, 0,
                     "worker %d exited on signal %d (%s)%s", (int) slot->pid,
                     sig, strsignal(sig), expected ? "" : ", respawning");
    } else {
        sl_log_error(level, &cycle->log, 0, "worker %d exited with code %d%s",
                     (int) slot->pid, WEXITSTATUS(status),
                     expected ? "" : ", respawning");
    }

    /* What the worker held in shared memory (the accept mutex, say) must
     * not stall the others until they notice: each zone's owner frees it
     * now. */
    sl_shm_zones_gone((sl_uint_t) (slot - sl_master.slots), slot->pid);
    (void) close(slot->channel);
    slot->channel = -1;
    slot->pid = 0;
    sl_master.shm->slots[slot - sl_master.slots].pid = 0;

    if (cycle == sl_master.pending) {
        sl_master_abort_pending("a new worker exited during startup");
        return;
    }
    if (expected || cycle != sl_master.current || sl_master.no_workers) {
        slot->cycle = NULL;
        return;
    }

    /* Back off when a worker keeps dying young: a crash loop must not
     * burn the CPU or flood the log. */
    if (sl_current_msec - slot->started < SL_QUICK_DEATH) {
        slot->failures++;
    } else {
        slot->failures = 0;
    }
    delay = slot->failures
            ? sl_min((sl_msec_t) 100 << sl_min(slot->failures, 7u),
                     (sl_msec_t) SL_RESPAWN_MAX_DELAY)
            : 1;
    slot->respawn_at = sl_current_msec + delay;
}


static void
sl_master_respawns(void)
{
    size_t      i;
    sl_slot_t  *slot;

    for (i = 0; i < SL_SHM_SLOTS; i++) {
        slot = &sl_master.slots[i];
        if (slot->respawn_at && slot->respawn_at <= sl_current_msec) {
            if (sl_master.stopping || slot->cycle != sl_master.current) {
                slot->respawn_at = 0;
                slot->cycle = NULL;
                continue;
            }
            if (sl_master_spawn(slot->cycle, slot->index, slot) != SL_OK) {
                slot->respawn_at = sl_current_msec + 1000;
            }
        }
    }
}


static void
sl_master_reload(void)
{
    char         err[SL_MASTER_ERR_LEN];
    sl_cycle_t  *cycle;
    size_t       i, used;

    if (sl_master.stopping) {
        return;
    }
    sl_notify_reloading();
    /* The reload ends with the handshake, or with its timeout. */
    sl_notify_extend_timeout((uint64_t) (SL_HANDSHAKE_TIMEOUT + SL_KILL_GRACE)
                             * 1000);
    sl_log_error(SL_LOG_NOTICE, &sl_master.current->log, 0,
                 "reloading configuration from %s", sl_master.conf.conf_path);
    if (sl_master.pending) {
        sl_master_abort_pending("superseded by a newer reload");
    }
    sl_master_cut_oldest();
    for (used = 0, i = 0; i < SL_MAX_CYCLES; i++) {
        used += sl_master.cycles[i] != NULL;
    }
    if (used >= SL_MAX_CYCLES - 1) {
        /* Only workers that ignore even SIGTERM can bring us here. */
        sl_master_abort_pending("too many generations still draining");
        return;
    }

    cycle = sl_cycle_load(sl_master.conf.conf_path, err, sizeof(err));
    if (cycle == NULL) {
        sl_log_error(SL_LOG_EMERG, &sl_master.current->log, 0, "%s", err);
        sl_master_abort_pending(err);
        return;
    }
    if (sl_master_open(cycle, sl_master.current, err, sizeof(err))
        != SL_OK)
    {
        sl_cycle_destroy(cycle);
        sl_master_abort_pending(err);
        return;
    }
    cycle->shm = sl_master.shm;
    cycle->generation = ++sl_master.generation;
    sl_master_cycle_add(cycle);
    sl_master.pending = cycle;
    sl_master.pending_deadline = sl_current_msec + SL_HANDSHAKE_TIMEOUT;
    sl_master.no_workers = 0;
    if (sl_master_spawn_generation(cycle) != SL_OK) {
        sl_master_abort_pending("cannot start new workers");
    }
}


/*
 * Gives up a reload: the new generation (if any) is stopped and the
 * running one keeps serving untouched, and systemd hears it is ready.
 */
static void
sl_master_abort_pending(const char *why)
{
    char  status[256];

    if (sl_master.pending) {
        sl_master_drain_cycle(sl_master.pending);
        sl_master.pending = NULL;
    }
    sl_log_error(SL_LOG_EMERG, &sl_master.current->log, 0,
                 "reload failed: %s; the running configuration stays", why);
    (void) snprintf(status, sizeof(status), "reload failed: %s", why);
    sl_notify_ready(status);
    sl_master_verdict("failed", why);
}


static void
sl_master_verdict_remove(sl_cycle_t *cycle)
{
    char  path[PATH_MAX];

    if (snprintf(path, sizeof(path), "%s.reload", cycle->pid_file.data)
        < (int) sizeof(path))
    {
        (void) unlink(path);
    }
}


/*
 * Writes "<n> ok|failed <reason>" to <pid_file>.reload, replacing it in
 * one rename: `sluice -s reload` waits for n to change and reports.
 */
static void
sl_master_verdict(const char *verdict, const char *why)
{
    sl_cycle_t  *cycle;
    char         path[PATH_MAX], tmp[PATH_MAX + 8];
    char         line[SL_MASTER_ERR_LEN + 64];
    int          fd, n;

    cycle = sl_master.current;
    if (cycle->pid_file.len == 0
        || snprintf(path, sizeof(path), "%s.reload", cycle->pid_file.data)
           >= (int) sizeof(path))
    {
        return;
    }
    (void) snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    n = snprintf(line, sizeof(line), "%lu %s %s\n",
                 (unsigned long) ++sl_master.reloads, verdict, why);
    if (n >= (int) sizeof(line)) {
        n = (int) sizeof(line) - 1;   /* a long reason: cut, one line */
        line[n - 1] = '\n';
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        return;
    }
    if (write(fd, line, (size_t) n) != n || rename(tmp, path) == -1) {
        sl_log_error(SL_LOG_ERR, &cycle->log, errno,
                     "cannot write the reload verdict to \"%s\"", path);
        (void) unlink(tmp);
    }
    (void) close(fd);
}


static void
sl_master_handshake(void)
{
    char  status[128];

    if (sl_master.pending) {
        if (sl_master_count(sl_master.pending, 1)
            == (sl_uint_t) sl_master.pending->worker_processes)
        {
            sl_master_commit();
        } else if (sl_current_msec > sl_master.pending_deadline) {
            sl_master_abort_pending("new workers did not become ready");
        }
        return;
    }
    if (!sl_master.announced && !sl_master.stopping
        && sl_master_count(sl_master.current, 1)
           == (sl_uint_t) sl_master.current->worker_processes)
    {
        sl_master.announced = 1;
        sl_log_error(SL_LOG_NOTICE, &sl_master.current->log, 0,
                     "all %lld workers are accepting",
                     (long long) sl_master.current->worker_processes);
        sl_master_status("ready", status, sizeof(status));
        sl_notify_ready(status);
    }
}


/* The new generation accepts: the old one may now drain. */
static void
sl_master_commit(void)
{
    char         status[128];
    sl_cycle_t  *old;

    old = sl_master.current;
    sl_master.current = sl_master.pending;
    sl_master.pending = NULL;
    /* An address the new configuration dropped stops taking clients now;
     * the draining workers take what is queued and close their copies
     * too. Ours first, so theirs is the last close (see sl_master_stop). */
    sl_listen_close_unshared(old, sl_master.current);
    sl_master_drain_cycle(old);
    sl_listen_store(sl_master.current, old);
    sl_master_status("reloaded", status, sizeof(status));
    sl_notify_ready(status);
    sl_log_error(SL_LOG_NOTICE, &sl_master.current->log, 0,
                 "reload done: generation %lu serving",
                 (unsigned long) sl_master.current->generation);
    (void) snprintf(status, sizeof(status), "generation %lu serving",
                    (unsigned long) sl_master.current->generation);
    sl_master_verdict("ok", status);
}


static void
sl_master_drain_cycle(sl_cycle_t *cycle)
{
    size_t      i;
    sl_slot_t  *slot;

    for (i = 0; i < SL_SHM_SLOTS; i++) {
        slot = &sl_master.slots[i];
        if (slot->cycle != cycle) {
            continue;
        }
        slot->respawn_at = 0;
        if (slot->pid && !slot->draining) {
            slot->draining = 1;
            slot->kill_at = sl_current_msec + cycle->shutdown_timeout
                            + SL_KILL_GRACE;
            (void) kill(slot->pid, SIGQUIT);
        }
        if (slot->pid == 0) {
            slot->cycle = NULL;
        }
    }
}


/*
 * Frequent reloads must not pile up draining generations (each holds its
 * memory and connections): past SL_MAX_DRAINING the oldest is stopped
 * fast, and logged.
 */
static void
sl_master_cut_oldest(void)
{
    sl_cycle_t  *c, *oldest;
    size_t       i, draining;

    draining = 0;
    oldest = NULL;
    for (i = 0; i < SL_MAX_CYCLES; i++) {
        c = sl_master.cycles[i];
        if (c == NULL || c == sl_master.current || c == sl_master.pending) {
            continue;
        }
        draining++;
        if (oldest == NULL || c->generation < oldest->generation) {
            oldest = c;
        }
    }
    if (draining < SL_MAX_DRAINING || oldest == NULL) {
        return;
    }
    sl_log_error(SL_LOG_WARN, &sl_master.current->log, 0,
                 "%zu generations draining: stopping generation %lu now",
                 draining, (unsigned long) oldest->generation);
    sl_master_signal_cycle(oldest, SIGTERM);
}


static void
sl_master_signal_cycle(sl_cycle_t *cycle, int signo)
{
    size_t  i;

    for (i = 0; i < SL_SHM_SLOTS; i++) {
        if (sl_master.slots[i].pid
            && (cycle == NULL || sl_master.slots[i].cycle == cycle))
        {
            (void) kill(sl_master.slots[i].pid, signo);
        }
    }
}


/*
 * USR1: the error log and the workers' files are opened again at their
 * paths (after logrotate renamed them), then the workers do the same.
 * "logs reopened" only when all were: each failure is logged once, with
 * its cause, and the old file stays in use.
 */
static void
sl_master_reopen(void)
{
    char      buf[SL_MASTER_ERR_LEN];
    sl_err_t  err;
    sl_int_t  rc;

    rc = SL_OK;
    err = 0;
    if (sl_log_file_reopen(&sl_master.current->error_log, &err) != SL_OK) {
        sl_log_error(SL_LOG_ERR, &sl_master.current->log, err,
                     "cannot reopen error log \"%s\"",
                     sl_master.current->error_log.path.data);
        rc = SL_ERROR;
    } else if (sl_master.current->user.len && geteuid() == 0
               && sl_master.current->error_log.fd > 2)
    {
        (void) fchown(sl_master.current->error_log.fd,
                      sl_master.current->uid, sl_master.current->gid);
    }
    /* Create the rotated-away files anew, owned by the worker user,
     * before the workers reopen them. */
    if (sl_cycle_files_prepare(sl_master.current, buf, sizeof(buf))
        != SL_OK)
    {
        sl_log_error(SL_LOG_ERR, &sl_master.current->log, 0,
                     "reopening logs: %s", buf);
        rc = SL_ERROR;
    }
    if (rc == SL_OK) {
        sl_log_error(SL_LOG_NOTICE, &sl_master.current->log, 0,
                     "logs reopened");
    }
    sl_master_signal_cycle(NULL, SIGUSR1);
}


static void
sl_master_stop(int signo)
{
    sl_msec_t  limit;
    size_t     i;

    limit = signo == SIGQUIT
            ? sl_master.current->shutdown_timeout + SL_KILL_GRACE
            : SL_KILL_GRACE;
    if (sl_master.stopping && signo == SIGQUIT) {
        return;
    }
    sl_master.stopping = 1;
    sl_master.stop_deadline = sl_current_msec + limit;
    sl_master.extend_next = 0;
    sl_log_error(SL_LOG_NOTICE, &sl_master.current->log, 0, "%s",
                 signo == SIGQUIT ? "graceful stop" : "fast stop");
    sl_notify_stopping(signo == SIGQUIT ? "stopping gracefully"
                                        : "stopping");
    /* Nobody will accept again: a client connecting now must be refused
     * at once, not queued until we exit and then reset. A new binary
     * (USR2) holds sockets of its own. Our copies close before the
     * workers hear of the stop: a worker takes the clients queued on a
     * socket and then closes it, and that close must be the last one, or
     * clients queued after the worker looked would be reset when ours
     * closes. And no client may join a queue after the worker looked:
     * new connection attempts are ignored from now on (unless a new
     * binary serves on the same sockets). */
    sl_master.shm->final_stop = 1;
    for (i = 0; i < SL_MAX_CYCLES; i++) {
        if (sl_master.cycles[i] && !sl_master.upgrade) {
            sl_listen_refuse_new(sl_master.cycles[i],
                                 &sl_master.current->log);
        }
        if (sl_master.cycles[i]) {
            sl_listen_close_unshared(sl_master.cycles[i], NULL);
        }
    }
    sl_master_signal_cycle(NULL, signo);
}


static void
sl_master_deadlines(void)
{
    size_t      i;
    sl_slot_t  *slot;

    for (i = 0; i < SL_SHM_SLOTS; i++) {
        slot = &sl_master.slots[i];
        if (slot->pid == 0) {
            continue;
        }
        if ((slot->kill_at && sl_current_msec > slot->kill_at)
            || (sl_master.stopping && sl_current_msec > sl_master.stop_deadline))
        {
            sl_log_error(SL_LOG_WARN, &slot->cycle->log, 0,
                         "worker %d did not exit in time: killing it",
                         (int) slot->pid);
            (void) kill(slot->pid, SIGKILL);
            slot->kill_at = 0;
            slot->draining = 1;
        }
    }
}


/*
 * A graceful stop may take shutdown_timeout, longer than systemd's
 * TimeoutStopSec: while stopping, systemd is told every SL_EXTEND_EVERY
 * how long we may still need (our own deadline, which is bounded, plus
 * the time to the next message), so it does not kill a healthy drain.
 */
static void
sl_master_extend_stop(void)
{
    sl_msec_t  left;

    if (!sl_master.stopping || sl_current_msec < sl_master.extend_next) {
        return;
    }
    sl_master.extend_next = sl_current_msec + SL_EXTEND_EVERY;
    left = sl_master.stop_deadline > sl_current_msec
           ? sl_master.stop_deadline - sl_current_msec : 0;
    sl_notify_extend_timeout((uint64_t) (left + SL_EXTEND_EVERY) * 1000);
}


/* WATCHDOG=1 only while every current worker's loop is turning. */
static void
sl_master_watchdog(void)
{
    size_t      i;
    sl_slot_t  *slot;
    sl_msec_t   beat, stale;

    if (sl_master.watchdog_interval == 0
        || sl_current_msec < sl_master.watchdog_next)
    {
        return;
    }
    sl_master.watchdog_next = sl_current_msec + sl_master.watchdog_interval;
    stale = sl_max(sl_master.watchdog_interval, (sl_msec_t) 3000);
    for (i = 0; i < SL_SHM_SLOTS; i++) {
        slot = &sl_master.slots[i];
        if (slot->pid && slot->cycle == sl_master.current && slot->ready) {
            beat = sl_master.shm->slots[i].heartbeat;
            if (sl_current_msec > beat + stale) {
                sl_log_error(SL_LOG_WARN, &slot->cycle->log, 0,
                             "worker %d is not responding: no watchdog ping",
                             (int) slot->pid);
                return;
            }
        }
    }
    sl_notify_watchdog();
}


/* Frees the cycles whose workers are all gone. */
static void
sl_master_release_cycles(void)
{
    size_t       i, j;
    sl_cycle_t  *c;
    int          busy;

    for (i = 0; i < SL_MAX_CYCLES; i++) {
        c = sl_master.cycles[i];
        if (c == NULL || c == sl_master.current || c == sl_master.pending) {
            continue;
        }
        busy = 0;
        for (j = 0; j < SL_SHM_SLOTS; j++) {
            busy |= sl_master.slots[j].cycle == c;
        }
        if (!busy) {
            sl_listen_close_unshared(c, sl_master.current);
            sl_log_error(SL_LOG_NOTICE, &sl_master.current->log, 0,
                         "generation %lu finished", (unsigned long) c->generation);
            sl_cycle_destroy(c);
            sl_master.cycles[i] = NULL;
        }
    }
}


static sl_uint_t
sl_master_count(sl_cycle_t *cycle, int ready_only)
{
    size_t     i;
    sl_uint_t  n;

    for (n = 0, i = 0; i < SL_SHM_SLOTS; i++) {
        if (sl_master.slots[i].pid && sl_master.slots[i].cycle == cycle
            && !sl_master.slots[i].draining
            && (!ready_only || sl_master.slots[i].ready))
        {
            n++;
        }
    }
    return n;
}


static sl_uint_t
sl_master_alive(void)
{
    size_t     i;
    sl_uint_t  n;

    for (n = 0, i = 0; i < SL_SHM_SLOTS; i++) {
        n += sl_master.slots[i].pid != 0;
    }
    return n;
}


static void
sl_master_status(const char *what, char *buf, size_t size)
{
    (void) snprintf(buf, size, "%s: generation %lu, %lu of %lld workers",
                    what, (unsigned long) sl_master.current->generation,
                    (unsigned long) sl_master_count(sl_master.current, 1),
                    (long long) sl_master.current->worker_processes);
}


void
sl_process_worker_ready(void)
{
    static const char  ready = 'R';

    if (sl_worker_channel != -1) {
        (void) send(sl_worker_channel, &ready, sizeof(ready), MSG_DONTWAIT);
    }
}


int
sl_process_watchdog_on(sl_cycle_t *cycle)
{
    return cycle->shm != NULL && cycle->shm->watchdog != 0;
}


void
sl_process_worker_heartbeat(sl_cycle_t *cycle, sl_uint_t slot)
{
    if (cycle->shm && slot < SL_SHM_SLOTS) {
        cycle->shm->slots[slot].heartbeat = sl_current_msec;
    }
}


void
sl_process_title_init(int argc, char **argv)
{
    extern char  **environ;
    char          *end;
    size_t         i, n;
    char         **env;

    if (argc == 0 || argv[0] == NULL) {
        return;
    }
    end = argv[0] + strlen(argv[0]) + 1;
    for (i = 1; i < (size_t) argc && argv[i] == end; i++) {
        end = argv[i] + strlen(argv[i]) + 1;
    }
    for (n = 0; environ[n]; n++) {
        if (environ[n] == end) {
            end = environ[n] + strlen(environ[n]) + 1;
        }
    }
    /* The environment lives right after argv: move it to the heap so the
     * title may use the whole area. */
    env = malloc((n + 1) * sizeof(char *));
    if (env == NULL) {
        return;
    }
    for (i = 0; i < n; i++) {
        env[i] = strdup(environ[i]);
        if (env[i] == NULL) {
            return;
        }
    }
    env[n] = NULL;
    environ = env;
    sl_title_start = argv[0];
    sl_title_room = (size_t) (end - argv[0]);
}


void
sl_process_title_set(const char *title)
{
    size_t  n;

    (void) prctl(PR_SET_NAME, title, 0, 0, 0);
    if (sl_title_start == NULL || sl_title_room < 2) {
        return;
    }
    n = sl_min(strlen(title), sl_title_room - 1);
    memcpy(sl_title_start, title, n);
    memset(sl_title_start + n, 0, sl_title_room - n);
}


static void
sl_master_pid_path(char *buf, size_t size, const char *suffix)
{
    (void) snprintf(buf, size, "%s%s", sl_master.current->pid_file.data,
                    suffix);
}


/*
 * USR2: start the binary found at our path again, handing it the listen
 * sockets, nginx style. Both generations serve until this master is told
 * QUIT (the new one carries on), or the new master dies (we carry on).
 */
static void
sl_master_upgrade(void)
{
    char   pid[PATH_MAX], old[PATH_MAX];
    pid_t  child;

    if (sl_master.upgrade || sl_master.stopping || sl_master.conf.exe == NULL
        || sl_master.conf.argv == NULL)
    {
        sl_log_error(SL_LOG_WARN, &sl_master.current->log, 0, "USR2 ignored: "
                     "%s", sl_master.upgrade ? "an upgrade is running"
                                             : "cannot upgrade now");
        return;
    }
    if (sl_master.current->pid_file.len) {
        sl_master_pid_path(pid, sizeof(pid), "");
        sl_master_pid_path(old, sizeof(old), ".oldbin");
        if (rename(pid, old) == -1) {
            sl_log_error(SL_LOG_ERR, &sl_master.current->log, errno,
                         "USR2: cannot rename the pid file: upgrade refused");
            return;
        }
    }
    child = fork();
    if (child == -1) {
        sl_log_error(SL_LOG_CRIT, &sl_master.current->log, errno,
                     "USR2: fork() failed");
        sl_master_upgrade_exited(0);
        return;
    }
    if (child == 0) {
        sl_master_upgrade_exec();
    }
    sl_master.upgrade = child;
    sl_log_error(SL_LOG_NOTICE, &sl_master.current->log, 0,
                 "USR2: started %s as pid %d", sl_master.conf.exe, (int) child);
}


/* In the child: the sockets stay open across exec, everything else not. */
static void
sl_master_upgrade_exec(void)
{
    char      fds[4096];
    sigset_t  none;
    size_t    i;

    for (i = 0; i < SL_SHM_SLOTS; i++) {
        if (sl_master.slots[i].channel != -1 && sl_master.slots[i].pid) {
            (void) close(sl_master.slots[i].channel);
        }
    }
    if (sl_listen_export(sl_master.current, fds, sizeof(fds)) == NULL
        || setenv(SL_LISTEN_ENV, fds, 1) == -1)
    {
        _exit(2);
    }
    (void) sigemptyset(&none);
    (void) sigprocmask(SIG_SETMASK, &none, NULL);
    execv(sl_master.conf.exe, sl_master.conf.argv);
    sl_log_error(SL_LOG_EMERG, &sl_master.current->log, errno,
                 "USR2: cannot execute %s", sl_master.conf.exe);
    _exit(2);
}


/* The new binary's master is gone: take the pid file back and serve. */
static void
sl_master_upgrade_exited(int status)
{
    char  pid[PATH_MAX], old[PATH_MAX];

    if (sl_master.upgrade) {
        sl_log_error(SL_LOG_WARN, &sl_master.current->log, 0,
                     "the new binary's master %d exited (status %d): this "
                     "master carries on", (int) sl_master.upgrade, status);
    }
    sl_master.upgrade = 0;
    if (sl_master.current->pid_file.len) {
        sl_master_pid_path(pid, sizeof(pid), "");
        sl_master_pid_path(old, sizeof(old), ".oldbin");
        if (rename(old, pid) == -1) {
            (void) sl_master_write_pid(sl_master.current);
        }
    }
    if (sl_master.no_workers && !sl_master.stopping) {
        /* After WINCH our workers were stopped: bring them back. */
        sl_master.no_workers = 0;
        (void) sl_master_spawn_generation(sl_master.current);
    }
}
