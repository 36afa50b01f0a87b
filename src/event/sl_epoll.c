/*
 * sl_epoll.c: the loop itself on top of epoll (event layer): creation,
 * registration, closing, dispatch and one iteration; see sl_event.h.
 *
 * Stale events: epoll hands back a batch of up to max_events entries whose
 * data.ptr is the connection. When a handler closes or unregisters a
 * connection, the entries of that connection not yet dispatched in the
 * batch are cleared (the libuv approach rather than nginx's instance bit:
 * it is exact even when a slot is closed and reused twice in one batch).
 * The scan costs O(rest of the batch) per close during dispatch only.
 *
 * Deferred deletion: sl_loop_del_conn only marks c (del_pending) and
 * queues {c, fd} in loop->pending; the EPOLL_CTL_DEL is made just before
 * the next epoll_wait, for what is still queued then. Adding c back first
 * finds its entry and turns DEL + ADD into one EPOLL_CTL_MOD (which, like
 * ADD, re-polls the descriptor, so an edge that came meanwhile is
 * reported), or into nothing for a level-triggered re-add with the same
 * descriptor: the kernel then watches exactly what it watched before. No
 * event of c can reach a handler while it is queued: its entries in the
 * batch were cleared by the delete, and the queue is flushed before the
 * kernel can report anything else. Queue entries are matched by pointer
 * and descriptor only, never dereferenced, because the owner may free or
 * re-initialise c once it is unregistered; an entry that cannot be
 * trusted (c re-initialised, or its fd changed) is settled with real
 * system calls. Listen sockets are deleted at once: other processes hold
 * them, so close(2) alone would not take them out of our set.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_loop.h"

#include <sys/eventfd.h>

#define SL_LOOP_DEFAULT_EVENTS  512

static sl_int_t sl_loop_register(sl_loop_t *loop, sl_conn_t *c,
    unsigned level);
static int sl_loop_pending_take(sl_loop_t *loop, sl_conn_t *c,
    unsigned level);
static void sl_loop_pending_add(sl_loop_t *loop, sl_conn_t *c);
static void sl_loop_pending_cancel(sl_loop_t *loop, sl_conn_t *c);
static void sl_loop_pending_flush(sl_loop_t *loop);
static void sl_loop_pending_del(sl_loop_t *loop, int fd);
static void sl_loop_invalidate(sl_loop_t *loop, sl_conn_t *c);
static sl_int_t sl_loop_ctl(sl_loop_t *loop, sl_conn_t *c, int op,
    uint32_t events);
static sl_int_t sl_loop_poll(sl_loop_t *loop, int timeout);
static void sl_loop_dispatch(sl_loop_t *loop, struct epoll_event *ee);
static void sl_loop_deliver(sl_loop_t *loop, sl_event_t *ev);


void
sl_conn_init(sl_conn_t *c, int fd)
{
    memset(c, 0, sizeof(sl_conn_t));
    c->fd = fd;
    c->read.data = c;
    c->write.data = c;
    c->write.write = 1;
}


sl_loop_t *
sl_loop_create(unsigned max_events, sl_log_t *log)
{
    sl_loop_t  *loop;

    loop = calloc(1, sizeof(sl_loop_t));
    if (loop == NULL) {
        sl_log_error(SL_LOG_EMERG, log, errno, "malloc() of the loop failed");
        return NULL;
    }
    loop->log = log;
    loop->max_events = max_events ? max_events : SL_LOOP_DEFAULT_EVENTS;
    loop->current = -1;
    loop->wake.fd = -1;
    loop->sig.fd = -1;
    sl_queue_init(&loop->posted_accept);
    sl_queue_init(&loop->posted);
    (void) sigemptyset(&loop->sigmask);

    loop->events = calloc(loop->max_events, sizeof(struct epoll_event));
    if (loop->events == NULL) {
        sl_log_error(SL_LOG_EMERG, log, errno, "malloc() of %u events failed",
                     loop->max_events);
        free(loop);
        return NULL;
    }
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd == -1) {
        sl_log_error(SL_LOG_EMERG, log, errno, "epoll_create1() failed");
        free(loop->events);
        free(loop);
        return NULL;
    }
    sl_time_update();
    if (sl_wakeup_init(loop) != SL_OK) {
        sl_loop_destroy(loop);
        return NULL;
    }
    return loop;
}


void
sl_loop_destroy(sl_loop_t *loop)
{
    if (loop == NULL) {
        return;
    }
    sl_batch_destroy(loop);
    sl_wakeup_cleanup(loop);
    sl_evsignal_cleanup(loop);
    sl_timer_cleanup(loop);
    loop->npending = 0;                 /* closing epfd drops them all */
    if (close(loop->epfd) == -1) {
        sl_log_error(SL_LOG_ALERT, loop->log, errno, "close() of epoll failed");
    }
    free(loop->events);
    free(loop);
}


sl_log_t *
sl_loop_log(sl_loop_t *loop)
{
    return loop->log;
}


sl_int_t
sl_loop_add_conn(sl_loop_t *loop, sl_conn_t *c)
{
    if (sl_loop_register(loop, c, 0) != SL_OK) {
        return SL_ERROR;
    }
    c->write.active = 1;
    return SL_OK;
}


sl_int_t
sl_loop_add_level(sl_loop_t *loop, sl_conn_t *c)
{
    return sl_loop_register(loop, c, 1);
}


sl_int_t
sl_loop_del_conn(sl_loop_t *loop, sl_conn_t *c)
{
    if (!c->registered) {
        return SL_OK;
    }
    c->registered = 0;
    c->read.active = 0;
    c->write.active = 0;
    sl_loop_invalidate(loop, c);
    sl_event_unpost(&c->read);
    sl_event_unpost(&c->write);

    if (c->listen) {
        return sl_loop_ctl(loop, c, EPOLL_CTL_DEL, 0);
    }
    sl_loop_pending_add(loop, c);
    return SL_OK;
}


void
sl_conn_close(sl_loop_t *loop, sl_conn_t *c)
{
    if (c->send_queued) {
        sl_batch_detach(loop, c);
    }
    sl_timer_del(loop, &c->read);
    sl_timer_del(loop, &c->write);
    sl_event_unpost(&c->read);
    sl_event_unpost(&c->write);
    sl_loop_invalidate(loop, c);

    /* Removed explicitly rather than left to close(2): a level-triggered
     * descriptor may be shared (listen sockets are open in every worker),
     * and a deferred DEL must not outlive the descriptor, whose number the
     * next socket may get. */
    if (c->registered && c->level) {
        (void) sl_loop_ctl(loop, c, EPOLL_CTL_DEL, 0);
    }
    if (c->del_pending) {
        sl_loop_pending_cancel(loop, c);
    }
    c->registered = 0;
    c->read.active = 0;
    c->write.active = 0;
    c->read.ready = 0;
    c->write.ready = 0;

    if (c->fd == -1) {
        return;
    }
    if (close(c->fd) == -1) {
        sl_log_error(SL_LOG_ALERT, c->log ? c->log : loop->log, errno,
                     "close() of socket %d failed", c->fd);
    }
    c->fd = -1;
}


/*
 * Registers c edge-triggered for reading and writing, or level-triggered
 * for reading. A queued deletion of c's descriptor becomes a MOD, or
 * nothing (see sl_loop_pending_take).
 */
static sl_int_t
sl_loop_register(sl_loop_t *loop, sl_conn_t *c, unsigned level)
{
    uint32_t  events;
    int       op;

    op = loop->npending ? sl_loop_pending_take(loop, c, level)
                        : EPOLL_CTL_ADD;
    if (op != 0) {
        events = level ? EPOLLIN | (c->exclusive ? EPOLLEXCLUSIVE : 0)
                       : EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        if (sl_loop_ctl(loop, c, op, events) != SL_OK) {
            /* The entry left the queue: a registration a failed MOD
             * left in the kernel must not stay there. */
            if (op == EPOLL_CTL_MOD) {
                sl_loop_pending_del(loop, c->fd);
            }
            c->del_pending = 0;
            return SL_ERROR;
        }
    }
    c->registered = 1;
    c->level = level;
    c->del_pending = 0;
    c->read.active = 1;
    return SL_OK;
}


/*
 * Settles the queue with c about to be registered in mode level; returns
 * the epoll_ctl op still needed, or 0 for none. An entry of c under
 * another descriptor is deleted now (c's fd changed while queued); an
 * entry under c's descriptor, whoever queued it, is still in the kernel
 * for that descriptor unless it was closed, so it is modified (re-pointed
 * at c). Only c's own entry, with del_pending still set, in the same
 * level-triggered mode needs nothing.
 */
static int
sl_loop_pending_take(sl_loop_t *loop, sl_conn_t *c, unsigned level)
{
    sl_loop_pending_t  *p;
    unsigned            i;
    int                 op;

    op = EPOLL_CTL_ADD;
    i = 0;
    while (i < loop->npending) {
        p = &loop->pending[i];
        if (p->fd == c->fd) {
            op = (p->c == c && c->del_pending && c->level && level)
                 ? 0 : EPOLL_CTL_MOD;
        } else if (p->c == c) {
            sl_loop_pending_del(loop, p->fd);
        } else {
            i++;
            continue;
        }
        *p = loop->pending[--loop->npending];
    }
    return op;
}


/* Queues c's deletion; a full queue is flushed first. */
static void
sl_loop_pending_add(sl_loop_t *loop, sl_conn_t *c)
{
    if (loop->npending == SL_LOOP_PENDING_MAX) {
        sl_loop_pending_flush(loop);
    }
    loop->pending[loop->npending].c = c;
    loop->pending[loop->npending].fd = c->fd;
    loop->npending++;
    c->del_pending = 1;
}


/* Deletes c's queued registration now, before its descriptor is closed. */
static void
sl_loop_pending_cancel(sl_loop_t *loop, sl_conn_t *c)
{
    unsigned  i;

    c->del_pending = 0;
    for (i = 0; i < loop->npending; i++) {
        if (loop->pending[i].c == c) {
            sl_loop_pending_del(loop, loop->pending[i].fd);
            loop->pending[i] = loop->pending[--loop->npending];
            return;
        }
    }
}


/* The queued deletions; before epoll_wait, and when the queue is full. */
static void
sl_loop_pending_flush(sl_loop_t *loop)
{
    unsigned  i;

    for (i = 0; i < loop->npending; i++) {
        sl_loop_pending_del(loop, loop->pending[i].fd);
    }
    loop->npending = 0;
}


/*
 * EPOLL_CTL_DEL of a queued descriptor. ENOENT and EBADF are expected:
 * the owner may have closed it with close(2) since, which removed it.
 */
static void
sl_loop_pending_del(sl_loop_t *loop, int fd)
{
    struct epoll_event  ee;
    sl_err_t            err;

    memset(&ee, 0, sizeof(ee));
    if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, &ee) == 0) {
        return;
    }
    err = errno;
    if (err != ENOENT && err != EBADF) {
        sl_log_error(SL_LOG_ALERT, loop->log, err,
                     "epoll_ctl(%d, %d) failed", EPOLL_CTL_DEL, fd);
    }
}


int
sl_loop_has_exclusive(void)
{
    struct epoll_event  ee;
    int                 ep, fd, ok;

    ok = 0;
    ep = epoll_create1(EPOLL_CLOEXEC);
    fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ep != -1 && fd != -1) {
        memset(&ee, 0, sizeof(ee));
        ee.events = EPOLLIN | EPOLLEXCLUSIVE;
        ok = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ee) == 0;
    }
    if (fd != -1) {
        (void) close(fd);
    }
    if (ep != -1) {
        (void) close(ep);
    }
    return ok;
}


static void
sl_loop_invalidate(sl_loop_t *loop, sl_conn_t *c)
{
    int  i;

    if (loop->current < 0) {
        return;
    }
    /* The entry being dispatched is included: after its read handler
     * closed c, the dispatcher sees the cleared pointer and skips the
     * write half. */
    for (i = loop->current; i < loop->nevents; i++) {
        if (loop->events[i].data.ptr == c) {
            loop->events[i].data.ptr = NULL;
        }
    }
}


static sl_int_t
sl_loop_ctl(sl_loop_t *loop, sl_conn_t *c, int op, uint32_t events)
{
    struct epoll_event  ee;
    sl_err_t            err;

    ee.events = events;
    ee.data.ptr = c;
    if (epoll_ctl(loop->epfd, op, c->fd, &ee) == 0) {
        return SL_OK;
    }
    err = errno;

    /* A MOD replaces a queued DEL. ENOENT: the descriptor was closed since
     * (which removed it) and its number reused, so it is new to the set. */
    if (op == EPOLL_CTL_MOD && err == ENOENT) {
        op = EPOLL_CTL_ADD;
        if (epoll_ctl(loop->epfd, op, c->fd, &ee) == 0) {
            return SL_OK;
        }
        err = errno;
    }
    sl_log_error(SL_LOG_ALERT, c->log ? c->log : loop->log, err,
                 "epoll_ctl(%d, %d) failed", op, c->fd);
    return SL_ERROR;
}


/*
 * One iteration; the steps are listed at the top of sl_event.h. Posted
 * work left over (posted while posted events ran) makes the next wait
 * non-blocking.
 */
sl_int_t
sl_loop_run_once(sl_loop_t *loop)
{
    int       timeout;
    sl_int_t  rc;

    /* 0. The last iteration's sends, in one system call; completions
     * of sends that had to wait post their write events. */
    if (loop->batch) {
        sl_loop_send_flush(loop);
    }

    /* 1. Nearest timer; no sleep while posted work waits. */
    timeout = sl_timer_timeout(loop);
    if (!sl_queue_empty(&loop->posted)
        || !sl_queue_empty(&loop->posted_accept))
    {
        timeout = 0;
    }
    if (loop->accept) {
        timeout = sl_accept_prepare(loop->accept, timeout);
    }

    /* 2, 3. Wait, read the clock once, dispatch (or post) the batch. */
    rc = sl_loop_poll(loop, timeout);

    /* 4. New connections first, so the accept mutex is held briefly. */
    sl_event_run_posted(&loop->posted_accept);
    if (loop->accept) {
        sl_accept_release(loop->accept);
    }

    /* 5. Expired timers. */
    sl_timer_expire(loop);

    /* 6. Posted events. */
    sl_event_run_posted(&loop->posted);
    return rc;
}


static sl_int_t
sl_loop_poll(sl_loop_t *loop, int timeout)
{
    int       n;
    sl_err_t  err;

    /* Deletions still queued are made now: from here on the kernel may
     * report events, and none may be of an unregistered connection. */
    if (loop->npending) {
        sl_loop_pending_flush(loop);
    }
    n = epoll_wait(loop->epfd, loop->events, (int) loop->max_events,
                   timeout);
    err = errno;
    sl_time_update();
    if (n == -1) {
        if (err == EINTR) {
            return SL_OK;
        }
        sl_log_error(SL_LOG_ALERT, loop->log, err, "epoll_wait() failed");
        return SL_ERROR;
    }

    loop->nevents = n;
    for (loop->current = 0; loop->current < n; loop->current++) {
        if (loop->events[loop->current].data.ptr != NULL) {
            sl_loop_dispatch(loop, &loop->events[loop->current]);
        }
    }
    loop->current = -1;
    loop->nevents = 0;
    return SL_OK;
}


static void
sl_loop_dispatch(sl_loop_t *loop, struct epoll_event *ee)
{
    sl_conn_t  *c;
    uint32_t    revents;

    c = ee->data.ptr;
    revents = ee->events;

    /* Cannot happen while the pending queue is flushed before each wait
     * and a delete clears the rest of the batch; kept so that an event of
     * an unregistered connection can never reach its handler. */
    if (!c->registered) {
        return;
    }

    /* An error or hang-up is reported to both handlers, which learn the
     * details from their next read or write. */
    if (revents & (EPOLLERR | EPOLLHUP)) {
        revents |= EPOLLIN | EPOLLOUT;
    }

    if (revents & (EPOLLIN | EPOLLRDHUP)) {
        c->read.ready = 1;
        c->read.eof |= (revents & (EPOLLRDHUP | EPOLLHUP)) != 0;
        c->read.error |= (revents & EPOLLERR) != 0;
        sl_loop_deliver(loop, &c->read);
        if (ee->data.ptr != c) {
            return;                     /* closed by the read handler */
        }
    }

    if ((revents & EPOLLOUT) && !c->level) {
        c->write.ready = 1;
        c->write.eof |= (revents & EPOLLHUP) != 0;
        c->write.error |= (revents & EPOLLERR) != 0;
        sl_loop_deliver(loop, &c->write);
    }
}


static void
sl_loop_deliver(sl_loop_t *loop, sl_event_t *ev)
{
    if (ev->handler == NULL) {
        return;
    }
    if (loop->post_events) {
        sl_event_post(loop, ev,
                      ev->accept ? SL_POSTED_ACCEPT : SL_POSTED_NORMAL);
        return;
    }
    ev->handler(ev);
}


sl_int_t
sl_loop_run(sl_loop_t *loop)
{
    sl_int_t  rc;

    rc = SL_OK;
    while (!__atomic_load_n(&loop->stop, __ATOMIC_ACQUIRE)) {
        rc = sl_loop_run_once(loop);
        if (rc != SL_OK) {
            break;
        }
    }
    __atomic_store_n(&loop->stop, 0, __ATOMIC_RELEASE);
    return rc;
}


void
sl_loop_stop(sl_loop_t *loop)
{
    __atomic_store_n(&loop->stop, 1, __ATOMIC_RELEASE);
    sl_loop_wakeup(loop);
}
