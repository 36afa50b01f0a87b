/*
 * sl_proxy_pool.c: backend connections (modules layer): opening one
 * (non-blocking connect, registered once edge-triggered with the loop),
 * closing one, and the per-worker keep-alive pools. A backend connection
 * is an sl_proxy_conn_t the module allocates itself (never one of the
 * client array's), recycled through a small free list so a busy worker
 * does not malloc per connection.
 *
 * Pool: each upstream keeps `keepalive` idle connections per worker, on a
 * list per peer (the most recently used is reused first: its route and
 * the backend's state are warm) and on one list per upstream in age order
 * (the oldest is closed first when the pool is full). A connection that
 * comes back while `keepalive` are idle already is kept too, but only for
 * SL_PROXY_SURPLUS_IDLE: under more concurrent requests than `keepalive`,
 * closing it at once meant opening another a moment later (a third of
 * the requests paid a TCP handshake in the benchmark), while the backend
 * never sees more connections than the peak of concurrent requests. Twice
 * `keepalive` idle is the hard limit. An idle
 * connection is watched by its read event: EOF, an error or unexpected
 * bytes (the backend closing, or talking out of turn) close it at once,
 * so a request rarely picks a connection that is already gone.
 */
#include "sl_proxy.h"

static sl_proxy_conn_t *sl_proxy_conn_alloc(sl_proxy_worker_t *pw);
static void sl_proxy_pool_unlink(sl_proxy_conn_t *pc);
static void sl_proxy_pool_idle_handler(sl_event_t *ev);
static void sl_proxy_pool_write_handler(sl_event_t *ev);


static sl_proxy_conn_t *
sl_proxy_conn_alloc(sl_proxy_worker_t *pw)
{
    sl_proxy_conn_t  *pc;

    pc = sl_freelist_get(&pw->free_conns);
    return pc ? pc : malloc(sizeof(sl_proxy_conn_t));
}


/*
 * Opens a connection to peer: socket, connect (usually EINPROGRESS:
 * pc->connecting is then set and the write event says when it is done),
 * registration with the loop. log is where the connection logs (the
 * worker's). Returns the connection, or NULL with the errno in *err (0
 * for an out-of-memory or epoll failure, already logged); nothing is
 * logged for a failed socket() or connect(): the caller knows the
 * request and logs once.
 */
sl_proxy_conn_t *
sl_proxy_conn_open(sl_proxy_worker_t *pw, sl_proxy_peer_t *peer,
    sl_log_t *log, sl_err_t *err)
{
    const sl_proxy_addr_t  *a;
    sl_proxy_conn_t        *pc;
    int                     fd, rc, on;

    a = &peer->conf->addr;
    *err = 0;
    fd = socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd == -1) {
        *err = errno;
        return NULL;
    }
    on = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    rc = connect(fd, &a->u.sa, a->len);
    if (rc == -1 && errno != EINPROGRESS) {
        *err = errno;
        (void) close(fd);
        return NULL;
    }
    pc = sl_proxy_conn_alloc(pw);
    if (pc == NULL) {
        sl_log_error(SL_LOG_CRIT, log, 0, "out of memory for a backend "
                     "connection");
        (void) close(fd);
        return NULL;
    }
    sl_conn_init(&pc->c, fd);
    sl_queue_init(&pc->c.queue);
    sl_queue_init(&pc->lru);
    pc->c.log = pw->log;
    pc->peer = peer;
    pc->requests = 0;
    pc->connecting = rc == -1;
    pc->reused = 0;
    memcpy(&pc->c.addr, &a->u, a->len);
    pc->c.socklen = a->len;
    if (sl_loop_add_conn(pw->loop, &pc->c) != SL_OK) {
        sl_proxy_conn_close(pw, pc);
        return NULL;
    }
    return pc;
}


/* Closes pc (pool lists, timers, events, descriptor) and recycles it. */
void
sl_proxy_conn_close(sl_proxy_worker_t *pw, sl_proxy_conn_t *pc)
{
    sl_proxy_pool_unlink(pc);
    sl_conn_close(pw->loop, &pc->c);
    pc->c.data = NULL;
    if (sl_freelist_put(&pw->free_conns, pc) != SL_OK) {
        free(pc);
    }
}


/* Takes pc off the pool lists if it is idle there. */
static void
sl_proxy_pool_unlink(sl_proxy_conn_t *pc)
{
    if (!pc->c.idle) {
        return;
    }
    pc->c.idle = 0;
    sl_queue_remove(&pc->c.queue);
    sl_queue_remove(&pc->lru);
    pc->peer->nidle--;
    pc->peer->up->nidle--;
}


/*
 * An idle connection to peer, the most recently used one, or NULL. It is
 * the caller's from then on (timers cleared, off the lists).
 */
sl_proxy_conn_t *
sl_proxy_pool_get(sl_proxy_peer_t *peer)
{
    sl_proxy_worker_t  *pw;
    sl_proxy_conn_t    *pc;
    sl_queue_t         *q;

    pw = peer->up->worker;
    while (!sl_queue_empty(&peer->idle)) {
        q = sl_queue_last(&peer->idle);
        pc = (sl_proxy_conn_t *) sl_queue_data(q, sl_conn_t, queue);
        if (pc->c.read.eof || pc->c.read.error) {
            /* Reported in this very batch, its handler not run yet. */
            sl_proxy_conn_close(pw, pc);
            continue;
        }
        sl_proxy_pool_unlink(pc);
        sl_timer_del(pw->loop, &pc->c.read);
        pc->c.read.cancelable = 0;
        pc->reused = 1;
        return pc;
    }
    return NULL;
}


/*
 * Keeps pc for reuse, or closes it when the upstream keeps none. Beyond
 * `keepalive` idle it is kept briefly; at twice that, the oldest idle
 * connection of the upstream makes room.
 * pc must have nothing in flight: its response was read to the end.
 */
void
sl_proxy_pool_put(sl_proxy_worker_t *pw, sl_proxy_conn_t *pc)
{
    sl_proxy_upstream_t  *up;
    sl_proxy_conn_t      *old;
    sl_msec_t             timeout;

    up = pc->peer->up;
    /* A request still in the send batch: the backend answered without
     * reading all of it, so the connection's state is unknown. */
    if (up->conf->keepalive == 0 || pc->c.read.eof || pc->c.read.error
        || pc->c.write.error || pc->c.send_queued)
    {
        sl_proxy_conn_close(pw, pc);
        return;
    }
    if (up->nidle >= 2 * (sl_uint_t) up->conf->keepalive) {
        old = sl_queue_data(sl_queue_head(&up->lru), sl_proxy_conn_t, lru);
        sl_proxy_conn_close(pw, old);
    }
    timeout = up->nidle >= (sl_uint_t) up->conf->keepalive
              ? SL_PROXY_SURPLUS_IDLE : SL_PROXY_IDLE_TIMEOUT;
    pc->c.data = pc;
    pc->c.read.handler = sl_proxy_pool_idle_handler;
    pc->c.write.handler = sl_proxy_pool_write_handler;
    pc->c.idle = 1;
    sl_queue_insert_tail(&pc->peer->idle, &pc->c.queue);
    sl_queue_insert_tail(&up->lru, &pc->lru);
    pc->peer->nidle++;
    up->nidle++;
    sl_timer_del(pw->loop, &pc->c.write);
    sl_timer_del(pw->loop, &pc->c.read);
    pc->c.read.cancelable = 1;   /* never holds up a graceful exit */
    (void) sl_timer_add(pw->loop, &pc->c.read, timeout);
}


/* Nothing is expected from an idle backend: any event ends it. */
static void
sl_proxy_pool_idle_handler(sl_event_t *ev)
{
    sl_conn_t          *c;
    sl_proxy_conn_t    *pc;
    sl_proxy_worker_t  *pw;
    u_char              b[1];
    ssize_t             n;

    c = ev->data;
    pc = c->data;
    pw = pc->peer->up->worker;
    if (!ev->timedout) {
        n = recv(c->fd, b, sizeof(b), MSG_PEEK);
        if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
            ev->ready = 0;
            return;   /* a spurious wake-up: still fine */
        }
    }
    sl_proxy_conn_close(pw, pc);
}


static void
sl_proxy_pool_write_handler(sl_event_t *ev)
{
    (void) ev;
}


/* Closes every idle connection of up (the worker is leaving). */
void
sl_proxy_pool_drain(sl_proxy_worker_t *pw, sl_proxy_upstream_t *up)
{
    sl_proxy_conn_t  *pc;

    while (!sl_queue_empty(&up->lru)) {
        pc = sl_queue_data(sl_queue_head(&up->lru), sl_proxy_conn_t, lru);
        sl_proxy_conn_close(pw, pc);
    }
}
