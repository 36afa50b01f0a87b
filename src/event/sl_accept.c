/*
 * sl_accept.c: accepting clients (event layer); see sl_accept.h for the
 * strategies. The loop calls sl_accept_prepare before each epoll_wait and
 * sl_accept_release after the posted accept events; everything else
 * happens in the listen sockets' read handler.
 *
 * States: `polling` (the sockets are in epoll), `held` (this worker holds
 * the mutex for this iteration), `paused` (a timer will resume accepting
 * after EMFILE and friends), `stopped` (for good). Running out of
 * connections is not a state: prepare simply does not poll while no
 * connection is free, and resumes on the first iteration after one frees.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_loop.h"
#include "sl_conns.h"
#include "sl_accept.h"
#include "sl_shm.h"

#define SL_ACCEPT_LOG_EVERY     1000   /* ms between crit lines */
#define SL_ACCEPT_MUTEX_STALE   1000   /* ms one owner may look stuck */

struct sl_accept_s {
    sl_loop_t             *loop;
    sl_conns_t            *conns;
    sl_log_t              *log;
    sl_accept_conf_t       conf;
    sl_conn_t             *lconns;       /* one per listen socket */
    sl_event_t             pause;        /* ends a pause */
    sl_msec_t              last_crit;    /* when crit was last logged */
    sl_uint_t              seen_owner;   /* mutex owner last seen */
    sl_msec_t              seen_since;
    sl_uint_t              skip;         /* try-locks skipped near the
                                            connection limit */
    sl_uint_t              accepted;     /* clients taken in this hold */
    sl_uint_t              rotate;       /* clients since registering
                                            (SL_ACCEPT_EXCLUSIVE) */
    sl_msec_t              yield_until;  /* no try-lock before, while
                                            another worker waits */
    sl_uint_t              pid;

    unsigned               polling:1;
    unsigned               held:1;
    unsigned               wanted:1;     /* our try-lock failed lately */
    unsigned               paused:1;
    unsigned               stopped:1;
};

typedef union {
    struct sockaddr       sa;
    struct sockaddr_in    sin;
    struct sockaddr_in6   sin6;
} sl_accept_addr_t;

static void sl_accept_mutex_gone(sl_shm_zone_t *zone, sl_uint_t slot,
    pid_t pid);
static sl_int_t sl_accept_check_conf(sl_loop_t *loop,
    const sl_accept_conf_t *conf);
static void sl_accept_init_listens(sl_accept_t *a);
static int sl_accept_prepare_mutex(sl_accept_t *a, int timeout);
static int sl_accept_is_busy(sl_accept_t *a);
static int sl_accept_is_yielding(sl_accept_t *a);
static sl_int_t sl_accept_enable(sl_accept_t *a);
static void sl_accept_disable(sl_accept_t *a);
static void sl_accept_pause(sl_accept_t *a);
static void sl_accept_resume_handler(sl_event_t *ev);
static void sl_accept_handler(sl_event_t *ev);
static sl_int_t sl_accept_one(sl_accept_t *a, sl_conn_t *lc, void *ldata);
static sl_int_t sl_accept_failed(sl_accept_t *a, sl_err_t err);
static int sl_accept_may_log(sl_accept_t *a);
static int sl_accept_mutex_trylock(sl_accept_t *a);
static void sl_accept_mutex_unlock(sl_accept_t *a);
static void sl_accept_mutex_check_owner(sl_accept_t *a, sl_uint_t owner);


sl_accept_t *
sl_accept_create(sl_loop_t *loop, sl_conns_t *cs,
    const sl_accept_conf_t *conf)
{
    sl_accept_t  *a;
    size_t        size;

    if (sl_accept_check_conf(loop, conf) != SL_OK) {
        return NULL;
    }
    size = sizeof(sl_accept_t) + conf->nlistens * sizeof(sl_conn_t)
           + conf->nlistens * sizeof(sl_accept_listen_t);
    a = calloc(1, size);
    if (a == NULL) {
        sl_log_error(SL_LOG_EMERG, loop->log, errno, "malloc() failed");
        return NULL;
    }
    a->loop = loop;
    a->conns = cs;
    a->log = loop->log;
    a->conf = *conf;
    a->conf.batch = conf->batch ? conf->batch : SL_ACCEPT_BATCH;
    a->pid = (sl_uint_t) getpid();
    a->lconns = (sl_conn_t *) (a + 1);
    a->conf.listens = (sl_accept_listen_t *) (a->lconns + conf->nlistens);
    memcpy((void *) a->conf.listens, conf->listens,
           conf->nlistens * sizeof(sl_accept_listen_t));
    sl_accept_init_listens(a);

    if (conf->strategy == SL_ACCEPT_REUSEPORT && sl_accept_enable(a) != SL_OK)
    {
        free(a);
        return NULL;
    }
    loop->accept = a;
    return a;
}


static sl_int_t
sl_accept_check_conf(sl_loop_t *loop, const sl_accept_conf_t *conf)
{
    if (loop->accept != NULL) {
        sl_log_error(SL_LOG_ALERT, loop->log, 0, "loop accepts already");
        return SL_ERROR;
    }
    if (conf->nlistens == 0 || conf->handler == NULL
        || (conf->strategy == SL_ACCEPT_MUTEX && conf->mutex == NULL))
    {
        sl_log_error(SL_LOG_ALERT, loop->log, 0, "bad accept configuration");
        return SL_ERROR;
    }
    return SL_OK;
}


static void
sl_accept_init_listens(sl_accept_t *a)
{
    sl_conn_t  *lc;
    sl_uint_t   i;

    for (i = 0; i < a->conf.nlistens; i++) {
        lc = &a->lconns[i];
        sl_conn_init(lc, a->conf.listens[i].fd);
        lc->listen = 1;
        lc->exclusive = a->conf.strategy == SL_ACCEPT_EXCLUSIVE;
        lc->data = a;
        lc->log = a->log;
        lc->read.handler = sl_accept_handler;
        lc->read.accept = 1;
    }
    a->pause.data = a;
    a->pause.handler = sl_accept_resume_handler;
    a->pause.cancelable = 1;
}


void
sl_accept_stop(sl_accept_t *a)
{
    a->stopped = 1;
    sl_accept_disable(a);
    sl_timer_del(a->loop, &a->pause);
    a->paused = 0;
}


void
sl_accept_drain(sl_accept_t *a)
{
    sl_uint_t  i;

    for (i = 0; i < a->conf.nlistens; i++) {
        while (sl_accept_one(a, &a->lconns[i], a->conf.listens[i].data)
               == SL_OK)
        {
            /* until the queue is empty (SL_AGAIN) or we cannot take more */
        }
    }
}


void
sl_accept_destroy(sl_accept_t *a)
{
    if (a == NULL) {
        return;
    }
    sl_accept_stop(a);
    sl_accept_release(a);
    if (a->loop->accept == a) {
        a->loop->accept = NULL;
    }
    free(a);
}


/*
 * Before epoll_wait. Returns the timeout to use: unchanged, or capped so
 * a worker without the mutex tries again soon.
 */
int
sl_accept_prepare(sl_accept_t *a, int timeout)
{
    if (a->stopped || a->paused) {
        return timeout;
    }
    if (a->conf.strategy == SL_ACCEPT_MUTEX) {
        return sl_accept_prepare_mutex(a, timeout);
    }
    if (sl_conns_free_n(a->conns) == 0
        || (a->conf.strategy == SL_ACCEPT_EXCLUSIVE && sl_accept_is_busy(a)))
    {
        sl_accept_disable(a);           /* resumed when one frees */
    } else if (sl_accept_enable(a) != SL_OK) {
        sl_accept_pause(a);
    }
    return timeout;
}


static int
sl_accept_prepare_mutex(sl_accept_t *a, int timeout)
{
    int  capped;

    capped = (timeout == -1 || timeout > SL_ACCEPT_MUTEX_DELAY)
             ? SL_ACCEPT_MUTEX_DELAY : timeout;

    if (sl_conns_free_n(a->conns) == 0 || sl_accept_is_busy(a)
        || sl_accept_is_yielding(a) || !sl_accept_mutex_trylock(a))
    {
        sl_accept_disable(a);
        return capped;
    }
    if (sl_accept_enable(a) != SL_OK) {
        sl_accept_mutex_unlock(a);
        sl_accept_pause(a);
        return capped;
    }
    /* Holding: handlers are posted so the accepts run first and the lock
     * is given back before the other work of this iteration. */
    a->held = 1;
    a->loop->post_events = 1;
    return timeout;
}


/*
 * Past 7/8 of its connections a worker skips as many try-locks in a row as
 * it has connections past that mark, so workers with room win new clients,
 * yet a lone worker can still fill all its connections.
 */
static int
sl_accept_is_busy(sl_accept_t *a)
{
    sl_uint_t  mark, used;

    used = sl_conns_used(a->conns);
    mark = a->conns->size - a->conns->size / 8;
    if (used <= mark) {
        a->skip = 0;
        return 0;
    }
    if (a->skip < used - mark) {
        a->skip++;
        return 1;
    }
    a->skip = 0;
    return 0;
}


/*
 * A holder that sleeps in epoll_wait keeps the lock, and after releasing
 * it takes it again at once, long before a waiting worker's next try: left
 * alone, one worker would take every client of a light load. So a holder
 * that accepted while another worker waits lets the lock go until that
 * worker took it (which clears `waiting`) or 2 * SL_ACCEPT_MUTEX_DELAY ms
 * passed (then no one was really waiting any more, and the flag is
 * cleared so the next hold does not yield for nothing).
 */
static int
sl_accept_is_yielding(sl_accept_t *a)
{
    sl_accept_mutex_t  *m;

    if (a->yield_until == 0) {
        return 0;
    }
    m = a->conf.mutex;
    if (!__atomic_load_n(&m->waiting, __ATOMIC_RELAXED)) {
        a->yield_until = 0;
        return 0;
    }
    if (sl_current_msec < a->yield_until) {
        return 1;
    }
    __atomic_store_n(&m->waiting, 0, __ATOMIC_RELAXED);
    a->yield_until = 0;
    return 0;
}


void
sl_accept_release(sl_accept_t *a)
{
    if (!a->held) {
        return;
    }
    a->held = 0;
    a->loop->post_events = 0;
    if (a->accepted
        && __atomic_load_n(&a->conf.mutex->waiting, __ATOMIC_RELAXED))
    {
        /* Twice the retry period, so the waiter's next try falls in it. */
        a->yield_until = sl_current_msec + 2 * SL_ACCEPT_MUTEX_DELAY;
    }
    a->accepted = 0;
    sl_accept_mutex_unlock(a);
}


static sl_int_t
sl_accept_enable(sl_accept_t *a)
{
    sl_uint_t  i;

    if (a->polling) {
        return SL_OK;
    }
    for (i = 0; i < a->conf.nlistens; i++) {
        if (sl_loop_add_level(a->loop, &a->lconns[i]) != SL_OK) {
            sl_accept_disable(a);
            return SL_ERROR;
        }
    }
    a->polling = 1;
    return SL_OK;
}


/* Also drops accept events already posted or pending in the batch. */
static void
sl_accept_disable(sl_accept_t *a)
{
    sl_uint_t  i;

    for (i = 0; i < a->conf.nlistens; i++) {
        (void) sl_loop_del_conn(a->loop, &a->lconns[i]);
    }
    a->polling = 0;
}


/*
 * Stops polling for SL_ACCEPT_PAUSE ms. Should the timer not fit (out of
 * memory), the next iteration simply tries again.
 */
static void
sl_accept_pause(sl_accept_t *a)
{
    sl_accept_disable(a);
    if (sl_timer_add(a->loop, &a->pause, SL_ACCEPT_PAUSE) == SL_OK) {
        a->paused = 1;
    }
}


static void
sl_accept_resume_handler(sl_event_t *ev)
{
    sl_accept_t  *a;

    a = ev->data;
    a->paused = 0;                      /* prepare polls again */
}


static void
sl_accept_handler(sl_event_t *ev)
{
    sl_conn_t    *lc;
    sl_accept_t  *a;
    void         *ldata;
    sl_uint_t     i;

    lc = ev->data;
    a = lc->data;
    ldata = a->conf.listens[lc - a->lconns].data;

    for (i = 0; i < a->conf.batch && a->polling; i++) {
        if (sl_accept_one(a, lc, ldata) != SL_OK) {
            break;
        }
    }
    /* To the back of the kernel's queue of exclusive waiters (see
     * SL_ACCEPT_EXCLUSIVE in sl_accept.h). */
    if (lc->exclusive && a->polling && a->rotate >= SL_ACCEPT_ROTATE) {
        a->rotate = 0;
        sl_accept_disable(a);
        if (sl_accept_enable(a) != SL_OK) {
            sl_accept_pause(a);
        }
    }
}


/*
 * Accepts one client. SL_OK: accepted, or a client gave up (try the
 * next); SL_AGAIN: nothing more to take now; SL_ERROR: accepting paused.
 */
static sl_int_t
sl_accept_one(sl_accept_t *a, sl_conn_t *lc, void *ldata)
{
    sl_accept_addr_t   addr;
    socklen_t          len;
    sl_conn_t         *c;
    int                fd;

    if (sl_conns_free_n(a->conns) == 0) {
        if (sl_accept_may_log(a)) {
            sl_log_error(SL_LOG_CRIT, a->log, 0,
                         "%lu worker_connections are not enough, "
                         "clients wait in the backlog",
                         (unsigned long) a->conns->size);
        }
        sl_accept_disable(a);
        return SL_AGAIN;
    }

    len = sizeof(addr);
    fd = accept4(lc->fd, &addr.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd == -1) {
        return sl_accept_failed(a, errno);
    }

    c = sl_conns_get(a->conns, fd);     /* one is free: checked above */
    memcpy(&c->addr, &addr, sizeof(c->addr));
    c->socklen = sl_min(len, (socklen_t) sizeof(c->addr));

    a->accepted++;
    a->rotate++;
    a->conf.handler(c, ldata);
    return SL_OK;
}


static sl_int_t
sl_accept_failed(sl_accept_t *a, sl_err_t err)
{
    switch (err) {

    case EAGAIN:
        return SL_AGAIN;

    /* The client went away, a firewall refused it, or Linux passed on a
     * network error of the new socket (accept(2)): take the next one. */
    case ECONNABORTED: case EPROTO: case EPERM: case EINTR:
    case ENETDOWN: case ENOPROTOOPT: case EHOSTDOWN: case ENONET:
    case EHOSTUNREACH: case EOPNOTSUPP: case ENETUNREACH:
        sl_log_error(SL_LOG_INFO, a->log, err, "accept4() failed");
        return SL_OK;

    case EMFILE: case ENFILE: case ENOBUFS: case ENOMEM:
        if (sl_accept_may_log(a)) {
            sl_log_error(SL_LOG_CRIT, a->log, err,
                         "accept4() failed, not accepting for %d ms",
                         SL_ACCEPT_PAUSE);
        }
        sl_accept_pause(a);
        return SL_ERROR;

    default:
        /* A bug (EBADF, EINVAL...): pause too, so it cannot spin. */
        if (sl_accept_may_log(a)) {
            sl_log_error(SL_LOG_ALERT, a->log, err, "accept4() failed");
        }
        sl_accept_pause(a);
        return SL_ERROR;
    }
}


/* Rate limit for lines a flood of clients could repeat: one a second. */
static int
sl_accept_may_log(sl_accept_t *a)
{
    if (a->last_crit != 0
        && sl_current_msec - a->last_crit < SL_ACCEPT_LOG_EVERY)
    {
        return 0;
    }
    a->last_crit = sl_current_msec;
    return 1;
}


static int
sl_accept_mutex_trylock(sl_accept_t *a)
{
    sl_uint_t  owner;

    owner = 0;
    if (!__atomic_compare_exchange_n(&a->conf.mutex->owner, &owner, a->pid,
                                     0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)
        && owner != a->pid)             /* a dead holder's pid, now ours */
    {
        __atomic_store_n(&a->conf.mutex->waiting, 1, __ATOMIC_RELAXED);
        a->wanted = 1;
        sl_accept_mutex_check_owner(a, owner);
        return 0;
    }
    /* Only a worker that waited clears the flag: a holder taking the lock
     * back must not erase another worker's claim. */
    if (a->wanted) {
        __atomic_store_n(&a->conf.mutex->waiting, 0, __ATOMIC_RELAXED);
        a->wanted = 0;
    }
    return 1;
}


static void
sl_accept_mutex_unlock(sl_accept_t *a)
{
    sl_uint_t  owner;

    owner = a->pid;
    (void) __atomic_compare_exchange_n(&a->conf.mutex->owner, &owner, 0, 0,
                                       __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}


/*
 * A live holder gives the lock back every iteration, so seeing one owner
 * for SL_ACCEPT_MUTEX_STALE ms is worth a kill(pid, 0): ESRCH means it
 * died holding the lock, and we free it. (A reaped pid reused by an
 * unrelated process would keep the lock: the master's
 * sl_accept_mutex_force_unlock on reap covers that.)
 */
static void
sl_accept_mutex_check_owner(sl_accept_t *a, sl_uint_t owner)
{
    if (owner != a->seen_owner) {
        a->seen_owner = owner;
        a->seen_since = sl_current_msec;
        return;
    }
    if (sl_current_msec - a->seen_since < SL_ACCEPT_MUTEX_STALE) {
        return;
    }
    a->seen_since = sl_current_msec;
    if (kill((pid_t) owner, 0) == 0 || errno != ESRCH) {
        return;
    }
    if (sl_accept_mutex_force_unlock(a->conf.mutex, (pid_t) owner)) {
        sl_log_error(SL_LOG_NOTICE, a->log, 0,
                     "accept mutex of dead process %lu reclaimed",
                     (unsigned long) owner);
    }
}


int
sl_accept_mutex_force_unlock(sl_accept_mutex_t *m, pid_t pid)
{
    sl_uint_t  owner;

    owner = (sl_uint_t) pid;
    return __atomic_compare_exchange_n(&m->owner, &owner, 0, 0,
                                       __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}


sl_accept_mutex_t *
sl_accept_mutex_zone(sl_cycle_t *cycle, char *err, size_t errsize)
{
    sl_shm_zone_t  *z;

    z = sl_shm_zone_add(cycle, "accept_mutex", sizeof(sl_accept_mutex_t), 0,
                        err, errsize);
    if (z == NULL) {
        return NULL;
    }
    z->gone = sl_accept_mutex_gone;
    return z->addr;
}


/* A zone hook: the worker that left slot may have held the lock. */
static void
sl_accept_mutex_gone(sl_shm_zone_t *zone, sl_uint_t slot, pid_t pid)
{
    (void) slot;
    (void) sl_accept_mutex_force_unlock(zone->addr, pid);
}
