/*
 * sl_batch.c: small sends of many connections in one system call (event
 * layer); see sl_event.h (sl_loop_send). In this machine's class of
 * virtual machines a system call costs about a microsecond on its own, a
 * tenth of what a keep-alive request costs in all, and a send is one of
 * the two calls each request needs. Sends queued during one iteration
 * leave together in one io_uring_enter at the start of the next one,
 * before epoll_wait. Not earlier: submitting every 8 sends within the
 * iteration measured no better than a writev each, while one burst per
 * iteration took 8-11 % off the worker's CPU per keep-alive request.
 * The calls saved are fewer than that suggests (the bursts make smaller
 * epoll batches); most of the gain is in waking the client's core once
 * per burst rather than once per response.
 *
 * The bytes are copied into a slot of the loop's own (a response of a few
 * KiB copies in far less than a system call), so the caller's buffers are
 * free at once and a connection closed meanwhile leaves nothing behind
 * that the kernel could still read. A send the socket cannot take whole
 * at submission (its buffer is full) stays in flight in the kernel; its
 * completion arrives through an eventfd registered for asynchronous
 * completions only, so the usual inline completions cost no wake-up.
 * While a connection has a send in flight, its owner must not write to it
 * any other way (sl_conn_send_busy): the slot's bytes go first. Closing
 * such a connection cancels the send.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_loop.h"

#ifdef SL_HAVE_LIBURING

#include <liburing.h>
#include <sys/eventfd.h>

#define SL_BATCH_SLOTS       64
#define SL_BATCH_RING        (SL_BATCH_SLOTS * 2)   /* room for cancels */
#define SL_BATCH_CANCEL      ((uint64_t) 1)         /* a cancel's user_data */

typedef struct sl_batch_slot_s  sl_batch_slot_t;

struct sl_batch_slot_s {
    sl_conn_t         *c;           /* NULL once the connection closed */
    sl_batch_slot_t   *next;        /* free list */
    size_t             len;
    size_t             off;         /* sent so far */
    int                fd;
    u_char             data[SL_LOOP_SEND_MAX];
};

struct sl_batch_s {
    struct io_uring    ring;
    sl_conn_t          notify;      /* eventfd: asynchronous completions */
    sl_batch_slot_t   *free;
    sl_batch_slot_t   *slots;
};

static sl_int_t sl_batch_ring_init(sl_loop_t *loop, sl_batch_t *b);
static void sl_batch_notify_handler(sl_event_t *ev);
static sl_int_t sl_batch_prep(sl_loop_t *loop, sl_batch_slot_t *s);
static void sl_batch_reap(sl_loop_t *loop);
static void sl_batch_complete(sl_loop_t *loop, sl_batch_slot_t *s,
    int res);
static void sl_batch_done(sl_loop_t *loop, sl_batch_slot_t *s);
static sl_batch_slot_t *sl_batch_find(sl_batch_t *b, sl_conn_t *c);


sl_int_t
sl_loop_batch_enable(sl_loop_t *loop)
{
    sl_batch_t  *b;
    unsigned     i;

    if (loop->batch) {
        return SL_OK;
    }
    b = calloc(1, sizeof(sl_batch_t));
    if (b == NULL) {
        sl_log_error(SL_LOG_EMERG, loop->log, errno,
                     "malloc() of the send batch failed");
        return SL_ERROR;
    }
    /* Untouched slots cost no memory: the free list hands out the most
     * recently used first, so only as many pages as are busy at once are
     * ever touched. */
    b->slots = malloc(SL_BATCH_SLOTS * sizeof(sl_batch_slot_t));
    if (b->slots == NULL) {
        sl_log_error(SL_LOG_EMERG, loop->log, errno,
                     "malloc() of the send slots failed");
        free(b);
        return SL_ERROR;
    }
    for (i = SL_BATCH_SLOTS; i > 0; i--) {
        b->slots[i - 1].next = b->free;
        b->free = &b->slots[i - 1];
    }
    if (sl_batch_ring_init(loop, b) != SL_OK) {
        free(b->slots);
        free(b);
        return SL_DECLINED;
    }
    loop->batch = b;
    return SL_OK;
}


/* The ring and its eventfd; SL_DECLINED (logged at notice) if refused. */
static sl_int_t
sl_batch_ring_init(sl_loop_t *loop, sl_batch_t *b)
{
    int  rc, fd;

    rc = io_uring_queue_init(SL_BATCH_RING, &b->ring, 0);
    if (rc < 0) {
        sl_log_error(SL_LOG_NOTICE, loop->log, -rc, "io_uring_queue_init() "
                     "failed: sends are not batched");
        return SL_DECLINED;
    }
    fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd == -1) {
        sl_log_error(SL_LOG_NOTICE, loop->log, errno, "eventfd() failed: "
                     "sends are not batched");
        io_uring_queue_exit(&b->ring);
        return SL_DECLINED;
    }
    rc = io_uring_register_eventfd_async(&b->ring, fd);
    sl_conn_init(&b->notify, fd);
    b->notify.read.handler = sl_batch_notify_handler;
    b->notify.data = loop;
    if (rc < 0 || sl_loop_add_level(loop, &b->notify) != SL_OK) {
        sl_log_error(SL_LOG_NOTICE, loop->log, rc < 0 ? -rc : 0,
                     "io_uring eventfd failed: sends are not batched");
        sl_conn_close(loop, &b->notify);
        io_uring_queue_exit(&b->ring);
        return SL_DECLINED;
    }
    return SL_OK;
}


void
sl_batch_destroy(sl_loop_t *loop)
{
    sl_batch_t  *b;

    b = loop->batch;
    if (b == NULL) {
        return;
    }
    /* Exiting the ring cancels what is still in flight: only sends to
     * clients that stopped reading. */
    io_uring_queue_exit(&b->ring);
    sl_conn_close(loop, &b->notify);
    free(b->slots);
    free(b);
    loop->batch = NULL;
}


int
sl_loop_batch_enabled(sl_loop_t *loop)
{
    return loop->batch != NULL;
}


ssize_t
sl_loop_send(sl_loop_t *loop, sl_conn_t *c, const struct iovec *iov, int n)
{
    sl_batch_t       *b;
    sl_batch_slot_t  *s;
    size_t            len;
    u_char           *p;
    int               i;

    b = loop->batch;
    if (sl_conn_send_busy(c)) {
        return SL_AGAIN;
    }
    if (b == NULL || c->fd == -1) {
        return SL_DECLINED;
    }
    for (len = 0, i = 0; i < n; i++) {
        len += iov[i].iov_len;
    }
    if (len == 0 || len > SL_LOOP_SEND_MAX) {
        return SL_DECLINED;
    }
    if (b->free == NULL) {
        sl_loop_send_flush(loop);   /* inline completions free slots */
        if (b->free == NULL) {
            return SL_DECLINED;     /* all held by stuck clients */
        }
    }
    s = b->free;
    for (p = s->data, i = 0; i < n; i++) {
        p = sl_cpymem(p, iov[i].iov_base, iov[i].iov_len);
    }
    s->fd = c->fd;
    s->len = len;
    s->off = 0;
    if (sl_batch_prep(loop, s) != SL_OK) {
        return SL_DECLINED;
    }
    b->free = s->next;
    s->c = c;
    c->send_queued = 1;
    return (ssize_t) len;
}


int
sl_conn_send_busy(sl_conn_t *c)
{
    if (!c->send_queued) {
        return 0;
    }
    c->send_wait = 1;
    c->write.ready = 0;
    return 1;
}


/*
 * Queues the unsent rest of s. The queue has room for a send per slot and
 * a cancel (submitted at once) besides, so it is never full; it runs
 * while completions are reaped, and must not submit.
 */
static sl_int_t
sl_batch_prep(sl_loop_t *loop, sl_batch_slot_t *s)
{
    struct io_uring_sqe  *sqe;

    sqe = io_uring_get_sqe(&loop->batch->ring);
    if (sqe == NULL) {
        return SL_ERROR;
    }
    io_uring_prep_send(sqe, s->fd, s->data + s->off, s->len - s->off,
                       MSG_NOSIGNAL);
    io_uring_sqe_set_data(sqe, s);
    return SL_OK;
}


/*
 * Submits what was queued and handles every completion there is; a
 * partly sent slot is queued again and submitted in the same call. The
 * rounds are bounded: a kernel that keeps taking only part of a send
 * cannot hold the loop here.
 */
void
sl_loop_send_flush(sl_loop_t *loop)
{
    sl_batch_t  *b;
    unsigned     round;
    int          rc;

    b = loop->batch;
    if (b == NULL) {
        return;
    }
    for (round = 0; round < 8; round++) {
        if (io_uring_sq_ready(&b->ring)) {
            rc = io_uring_submit(&b->ring);
            if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
                sl_log_error(SL_LOG_ALERT, loop->log, -rc,
                             "io_uring_submit() failed");
            }
        }
        if (io_uring_cq_ready(&b->ring) == 0) {
            break;
        }
        sl_batch_reap(loop);
    }
}


static void
sl_batch_reap(sl_loop_t *loop)
{
    sl_batch_t           *b;
    struct io_uring_cqe  *cqe;
    sl_batch_slot_t      *s;
    unsigned              head, seen;
    int                   res;

    b = loop->batch;
    seen = 0;
    io_uring_for_each_cqe(&b->ring, head, cqe) {
        seen++;
        s = io_uring_cqe_get_data(cqe);
        res = cqe->res;
        if ((uint64_t) (uintptr_t) s != SL_BATCH_CANCEL) {
            sl_batch_complete(loop, s, res);
        }
    }
    io_uring_cq_advance(&b->ring, seen);
}


static void
sl_batch_complete(sl_loop_t *loop, sl_batch_slot_t *s, int res)
{
    sl_conn_t  *c;

    c = s->c;
    if (c == NULL) {
        sl_batch_done(loop, s);         /* closed: sent or cancelled */
        return;
    }
    if (res > 0 && s->off + (size_t) res < s->len) {
        s->off += (size_t) res;
        if (sl_batch_prep(loop, s) == SL_OK) {
            return;
        }
        res = -ENOBUFS;
    }
    if (res < 0) {
        c->write.error = 1;
        sl_log_error(SL_LOG_INFO, c->log ? c->log : loop->log, -res,
                     "send() failed");
    }
    c->send_queued = 0;
    if (c->send_wait) {
        c->send_wait = 0;
        c->write.ready = 1;
        if (c->write.handler) {
            sl_event_post(loop, &c->write, SL_POSTED_NORMAL);
        }
    }
    sl_batch_done(loop, s);
}


static void
sl_batch_done(sl_loop_t *loop, sl_batch_slot_t *s)
{
    s->c = NULL;
    s->next = loop->batch->free;
    loop->batch->free = s;
}


/* Completions that came after the submitting call returned. */
static void
sl_batch_notify_handler(sl_event_t *ev)
{
    sl_conn_t  *c;
    sl_loop_t  *loop;
    uint64_t    count;

    c = ev->data;
    loop = c->data;
    if (read(c->fd, &count, sizeof(count)) == -1 && errno != EAGAIN) {
        sl_log_error(SL_LOG_ALERT, loop->log, errno,
                     "read() of the io_uring eventfd failed");
    }
    sl_loop_send_flush(loop);
}


/*
 * c is closing with a send in flight. The send is submitted now if it was
 * not yet, ahead of a cancel: what the socket takes at once still goes
 * out (before the FIN of the close that follows), what it cannot take is
 * dropped, since nobody waits for it any more. Both are submitted before
 * the descriptor is closed, so neither can reach a socket that gets its
 * number next, and before the slot can be reused, so the cancel cannot
 * hit another connection's send.
 */
void
sl_batch_detach(sl_loop_t *loop, sl_conn_t *c)
{
    sl_batch_t           *b;
    sl_batch_slot_t      *s;
    struct io_uring_sqe  *sqe;

    b = loop->batch;
    c->send_queued = 0;
    c->send_wait = 0;
    if (b == NULL) {
        return;
    }
    s = sl_batch_find(b, c);
    if (s == NULL) {
        return;
    }
    s->c = NULL;
    sqe = io_uring_get_sqe(&b->ring);
    if (sqe != NULL) {
        io_uring_prep_cancel(sqe, s, 0);
        io_uring_sqe_set_data64(sqe, SL_BATCH_CANCEL);
    }
    sl_loop_send_flush(loop);
}


static sl_batch_slot_t *
sl_batch_find(sl_batch_t *b, sl_conn_t *c)
{
    unsigned  i;

    for (i = 0; i < SL_BATCH_SLOTS; i++) {
        if (b->slots[i].c == c) {
            return &b->slots[i];
        }
    }
    return NULL;
}

#else /* !SL_HAVE_LIBURING */

sl_int_t
sl_loop_batch_enable(sl_loop_t *loop)
{
    sl_log_error(SL_LOG_NOTICE, loop->log, 0, "built without liburing: "
                 "sends are not batched");
    return SL_DECLINED;
}


int
sl_loop_batch_enabled(sl_loop_t *loop)
{
    return 0;
}


ssize_t
sl_loop_send(sl_loop_t *loop, sl_conn_t *c, const struct iovec *iov, int n)
{
    return SL_DECLINED;
}


int
sl_conn_send_busy(sl_conn_t *c)
{
    return 0;
}


void
sl_loop_send_flush(sl_loop_t *loop)
{
}


void
sl_batch_detach(sl_loop_t *loop, sl_conn_t *c)
{
}


void
sl_batch_destroy(sl_loop_t *loop)
{
}

#endif /* SL_HAVE_LIBURING */
