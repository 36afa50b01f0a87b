/*
 * sl_http_conn.c: the life of a client connection (http layer), as a set
 * of event handlers: waiting for a request (fresh or keep-alive, holding
 * no buffer and no pool), reading its head under one deadline, then
 * keep-alive, pipelining or closing. A connection's state is the handler
 * set on its read event.
 *
 * Memory: the read buffer (client_header_buffer bytes) is taken from the
 * worker's free list when bytes arrive and given back when the
 * connection goes idle, so an idle keep-alive connection costs only its
 * sl_conn_t and sl_http_conn_t.
 */
#include "sl_http.h"
#include "sl_process.h"
#include "sl_shm.h"

#define SL_HTTP_LINGER_TIMEOUT    2000

static void sl_http_wait_request_handler(sl_event_t *ev);
static void sl_http_read_head_handler(sl_event_t *ev);
static void sl_http_linger_handler(sl_event_t *ev);
static void sl_http_empty_handler(sl_event_t *ev);
static sl_int_t sl_http_conn_get_buffer(sl_conn_t *c);
static void sl_http_conn_put_buffer(sl_conn_t *c);
static ssize_t sl_http_conn_recv(sl_conn_t *c);
static void sl_http_conn_read_head(sl_http_request_t *r);
static sl_http_request_t *sl_http_request_create(sl_conn_t *c);
static void sl_http_pool_put(sl_pool_t *pool);
static void sl_http_conn_set_idle(sl_conn_t *c);
static void sl_http_conn_linger(sl_conn_t *c);
static void sl_http_pipelined_handler(sl_event_t *ev);
static u_char *sl_http_conn_log_client(sl_conn_t *c, u_char *p, u_char *end);
static u_char *sl_http_conn_log_conn(sl_log_t *log, u_char *buf,
    size_t len);
static u_char *sl_http_conn_log_request(sl_log_t *log, u_char *buf,
    size_t len);


void
sl_http_conn_init(sl_conn_t *c, void *listen_data)
{
    sl_http_worker_t  *w;
    sl_http_conn_t    *hc;
    sl_listen_t       *ls;

    w = sl_http_worker;
    ls = listen_data;
    hc = &w->hconns[c - w->conns->conns];
    hc->addr = ls->data;
    hc->request = NULL;
    hc->cork = NULL;
    hc->requests = 0;
    c->data = hc;

    /* TCP_NODELAY comes from the listen socket (see sl_listen.h). */
    c->read.handler = sl_http_wait_request_handler;
    c->write.handler = sl_http_empty_handler;
    (void) sl_timer_add(w->loop, &c->read, w->main->client_header_timeout);

    /* TCP_DEFER_ACCEPT queued the client with its request: read it now. A
     * client answered and closed here never enters the epoll set, which
     * saves Connection: close traffic an EPOLL_CTL_ADD and an epoll_wait. */
    if (ls->defer_accept) {
        c->read.ready = 1;
        c->read.handler(&c->read);
        if (!c->pooled) {
            return;
        }
    }
    if (sl_loop_add_conn(w->loop, c) != SL_OK) {
        sl_http_conn_close(c);
    }
}


static void
sl_http_empty_handler(sl_event_t *ev)
{
    (void) ev;
}


static sl_int_t
sl_http_conn_get_buffer(sl_conn_t *c)
{
    sl_http_worker_t  *w;
    sl_buf_t          *b;

    w = sl_http_worker;
    if (c->buffer) {
        return SL_OK;
    }
    b = sl_freelist_get(&w->free_buffers);
    if (b == NULL) {
        b = sl_buf_malloc(w->main->client_header_buffer);
        if (b == NULL) {
            sl_http_conn_error(SL_LOG_CRIT, c, 0, "out of memory for a "
                               "%zu byte read buffer",
                               w->main->client_header_buffer);
            return SL_ERROR;
        }
    }
    b->pos = b->start;
    b->last = b->start;
    c->buffer = b;
    return SL_OK;
}


static void
sl_http_conn_put_buffer(sl_conn_t *c)
{
    if (c->buffer == NULL) {
        return;
    }
    if (sl_freelist_put(&sl_http_worker->free_buffers, c->buffer) != SL_OK) {
        free(c->buffer);
    }
    c->buffer = NULL;
}


/*
 * Reads what fits after buffer->last. Returns bytes (> 0), 0 on EOF,
 * SL_AGAIN, or SL_ERROR (logged at info: a client's doing).
 */
static ssize_t
sl_http_conn_recv(sl_conn_t *c)
{
    sl_buf_t  *b;
    ssize_t    n;
    sl_err_t   err;

    b = c->buffer;
    if (b->last == b->end) {
        return SL_AGAIN;   /* the caller decides what a full buffer means */
    }
    n = recv(c->fd, b->last, (size_t) (b->end - b->last), 0);
    if (n > 0) {
        b->last += n;
        /* A short read drained the socket: the edge is consumed. */
        if (b->last < b->end) {
            c->read.ready = 0;
        }
        return n;
    }
    if (n == 0) {
        c->read.ready = 0;
        return 0;
    }
    err = errno;
    if (err == EAGAIN || err == EINTR) {
        c->read.ready = 0;
        return SL_AGAIN;
    }
    c->read.ready = 0;
    c->read.error = 1;
    sl_http_conn_error(SL_LOG_INFO, c, err, "recv() failed");
    return SL_ERROR;
}


/* An idle connection (new or keep-alive): wait for the first byte. */
static void
sl_http_wait_request_handler(sl_event_t *ev)
{
    sl_conn_t          *c;
    sl_http_conn_t     *hc;
    sl_http_request_t  *r;
    ssize_t             n;

    c = ev->data;
    hc = c->data;
    if (ev->timedout) {
        sl_http_conn_close(c);
        return;
    }
    if (sl_http_conn_get_buffer(c) != SL_OK) {
        sl_http_conn_close(c);
        return;
    }
    n = sl_http_conn_recv(c);
    if (n == SL_AGAIN) {
        sl_http_conn_put_buffer(c);
        return;
    }
    if (n <= 0) {
        sl_http_conn_close(c);
        return;
    }
    if (c->idle) {
        c->idle = 0;
        sl_queue_remove(&c->queue);
    }
    r = sl_http_request_create(c);
    if (r == NULL) {
        sl_http_conn_close(c);
        return;
    }
    hc->request = r;
    sl_http_conn_read_head(r);
}


/*
 * Ends a request pool's life: reset and kept for the next request (a
 * malloc and a free of SL_HTTP_POOL_SIZE saved per request), or freed
 * when enough are kept.
 */
static void
sl_http_pool_put(sl_pool_t *pool)
{
    sl_pool_reset(pool);
    if (sl_freelist_put(&sl_http_worker->free_pools, pool) != SL_OK) {
        sl_pool_destroy(pool);
    }
}


static sl_http_request_t *
sl_http_request_create(sl_conn_t *c)
{
    sl_http_worker_t   *w;
    sl_http_request_t  *r;
    sl_pool_t          *pool;

    /* The request lives in its pool's first block, which is kept with
     * the pool: a request bigger than a block would be a malloc and a
     * free every time (its header array alone is 4 KiB). */
    _Static_assert(sizeof(sl_http_request_t) + 2048 <= SL_HTTP_POOL_SIZE,
                   "a request fits in its pool's first block, with room");
    w = sl_http_worker;
    pool = sl_freelist_get(&w->free_pools);
    if (pool == NULL) {
        pool = sl_pool_create(SL_HTTP_POOL_SIZE);
    }
    if (pool == NULL) {
        sl_http_conn_error(SL_LOG_CRIT, c, 0, "out of memory for a request");
        return NULL;
    }
    r = sl_palloc(pool, sizeof(sl_http_request_t));
    if (r == NULL) {
        sl_http_pool_put(pool);
        sl_http_conn_error(SL_LOG_CRIT, c, 0, "out of memory for a request");
        return NULL;
    }
    /* Everything but the header array starts zeroed. */
    memset(r, 0, offsetof(sl_http_request_t, headers));
    memset(&r->head_len, 0, sizeof(*r) - offsetof(sl_http_request_t, head_len));
    r->proto = &sl_http_v1_proto;
    r->c = c;
    r->hc = c->data;
    r->pool = pool;
    r->main = w->main;
    r->count = 1;
    r->start_msec = sl_current_msec;
    r->content_length = -1;
    r->last_modified = -1;
    r->head.headers = r->headers;
    r->head.max_headers = SL_HTTP_MAX_HEADERS;
    sl_http_parse_init(&r->parse, w->main->client_header_buffer);
    c->pool = pool;

    /* client_header_timeout is a deadline for the whole head from its
     * first byte: armed once here, never pushed back by later reads. The
     * keep-alive timer it replaces is moved in the heap, not removed and
     * added again. */
    c->read.handler = sl_http_read_head_handler;
    (void) sl_timer_add(w->loop, &c->read, w->main->client_header_timeout);
    return r;
}


static void
sl_http_read_head_handler(sl_event_t *ev)
{
    sl_conn_t       *c;
    sl_http_conn_t  *hc;

    c = ev->data;
    hc = c->data;
    if (ev->timedout) {
        hc->request->action = "reading the request head";
        sl_http_request_error(SL_LOG_INFO, hc->request, 0,
                              "client timed out");
        hc->request->keepalive = 0;
        sl_http_finalize(hc->request, 408);
        return;
    }
    sl_http_conn_read_head(hc->request);
}


static void
sl_http_conn_read_head(sl_http_request_t *r)
{
    sl_conn_t  *c;
    sl_buf_t   *b;
    sl_int_t    rc;
    ssize_t     n;

    c = r->c;
    b = c->buffer;
    for (;;) {
        rc = sl_http_parse_request_head(&r->parse, b->pos,
                                        (size_t) (b->last - b->pos), &r->head);
        if (rc > 0) {
            r->head_len = (size_t) rc;
            sl_timer_del(sl_http_worker->loop, &c->read);
            c->read.handler = sl_http_empty_handler;
            sl_http_request_start(r);
            return;
        }
        if (rc == SL_ERROR) {
            sl_timer_del(sl_http_worker->loop, &c->read);
            c->read.handler = sl_http_empty_handler;
            sl_http_conn_error(SL_LOG_INFO, c, 0, "bad request: %s",
                               r->head.error ? r->head.error : "invalid");
            r->keepalive = 0;
            sl_http_finalize(r, r->head.status ? r->head.status : 400);
            return;
        }
        n = sl_http_conn_recv(c);
        if (n == SL_AGAIN) {
            /* Waiting for input: what is corked must go out now, the
             * client may be waiting for it before it sends more. */
            if (r->hc->cork && sl_http_cork_flush(c) == SL_ERROR) {
                r->keepalive = 0;
                sl_http_finalize(r, SL_ERROR);
            }
            return;   /* the deadline timer is armed */
        }
        if (n <= 0) {
            /* Half a request and then EOF or an error: nobody to answer. */
            r->keepalive = 0;
            sl_http_finalize(r, SL_ERROR);
            return;
        }
    }
}


/*
 * The response is written and the request finished: log it, free it, and
 * either close, serve the next pipelined request, or wait idle.
 */
void
sl_http_conn_request_done(sl_http_request_t *r)
{
    sl_http_worker_t  *w;
    sl_conn_t         *c;
    sl_http_conn_t    *hc;
    sl_buf_t          *b;
    u_char            *next;
    size_t             left;
    int                keepalive, unread;

    w = sl_http_worker;
    c = r->c;
    hc = r->hc;
    if (r->keepalive && !r->body_done && sl_http_has_body(r)
        && r->body_status == 0)
    {
        sl_http_body_discard(r);   /* calls us again once in sync */
        return;
    }

    if (w->access_log) {
        sl_http_access_log_write(w->access_log, r);
    }
    /* Not "&& !shutting_down": a request that began before QUIT got a
     * response without "Connection: close", so its client may send the
     * next request at once. Closing now would meet that request with EOF
     * or a reset; instead the connection goes on as promised, and the
     * next request (started while shutting down) is answered with
     * Connection: close. shutdown_timeout still bounds it. */
    keepalive = r->keepalive;
    next = r->body_pos ? r->body_pos : c->buffer->pos + r->head_len;
    /* Unread bytes at close would make the kernel send RST, which can
     * destroy the response before the client reads it. */
    unread = (sl_http_has_body(r) && !r->body_done) || r->error_page
             || c->read.ready || next < c->buffer->last;
    hc->request = NULL;
    hc->requests++;
    w->counters->requests++;
    sl_http_pool_put(r->pool);
    c->pool = NULL;

    if (!keepalive) {
        if (unread) {
            sl_http_conn_linger(c);
        } else {
            sl_http_conn_close(c);
        }
        return;
    }

    b = c->buffer;
    left = (size_t) (b->last - next);
    if (left) {
        /* Pipelined: the next request is already here. */
        memmove(b->start, next, left);
        b->pos = b->start;
        b->last = b->start + left;
        /* Posted, not called: a long pipeline must not grow the stack. */
        c->read.handler = sl_http_pipelined_handler;
        sl_event_post(w->loop, &c->read, SL_POSTED_NORMAL);
        return;
    }
    sl_http_conn_set_idle(c);
}


static void
sl_http_conn_set_idle(sl_conn_t *c)
{
    sl_http_worker_t  *w;

    w = sl_http_worker;
    sl_http_conn_put_buffer(c);
    c->read.handler = sl_http_wait_request_handler;
    c->write.handler = sl_http_empty_handler;
    if (((sl_http_conn_t *) c->data)->cork
        && sl_http_cork_flush(c) == SL_ERROR)
    {
        sl_http_conn_close(c);
        return;
    }
    c->idle = 1;
    sl_queue_insert_tail(&w->idle, &c->queue);
    /* During a graceful stop an idle connection waits for its next
     * request (answered with Connection: close) instead of being closed
     * under a request already on its way; the shutdown timer bounds it. */
    sl_timer_del(w->loop, &c->read);
    (void) sl_timer_add(w->loop, &c->read, w->main->keepalive_timeout);
    if (c->read.ready) {
        sl_http_wait_request_handler(&c->read);
    }
}


/*
 * Closes after the response without a reset: stop sending, then read and
 * drop what the client still sends for a while, so the kernel does not
 * answer unread data with RST and destroy the response in flight.
 */
static void
sl_http_conn_linger(sl_conn_t *c)
{
    /* A batched response goes out before the FIN. If the socket cannot
     * take it even now, the client has not read for a while: close. */
    if (c->send_queued) {
        sl_loop_send_flush(sl_http_worker->loop);
    }
    if (c->send_queued || shutdown(c->fd, SHUT_WR) == -1) {
        sl_http_conn_close(c);
        return;
    }
    c->read.handler = sl_http_linger_handler;
    c->write.handler = sl_http_empty_handler;
    sl_timer_del(sl_http_worker->loop, &c->read);
    (void) sl_timer_add(sl_http_worker->loop, &c->read,
                        SL_HTTP_LINGER_TIMEOUT);
    sl_http_linger_handler(&c->read);
}


static void
sl_http_linger_handler(sl_event_t *ev)
{
    sl_conn_t  *c;
    u_char      scratch[4096];
    ssize_t     n;

    c = ev->data;
    if (ev->timedout) {
        sl_http_conn_close(c);
        return;
    }
    for (;;) {
        n = recv(c->fd, scratch, sizeof(scratch), 0);
        if (n > 0) {
            continue;
        }
        if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
            c->read.ready = 0;
            return;
        }
        sl_http_conn_close(c);
        return;
    }
}


void
sl_http_conn_close(sl_conn_t *c)
{
    sl_http_worker_t  *w;
    sl_http_conn_t    *hc;

    w = sl_http_worker;
    hc = c->data;
    if (hc && hc->request) {
        sl_http_pool_put(hc->request->pool);
        hc->request = NULL;
    }
    c->pool = NULL;
    if (c->idle) {
        c->idle = 0;
        sl_queue_remove(&c->queue);
    }
    sl_http_cork_release(c);
    sl_http_conn_put_buffer(c);
    sl_conns_close(w->conns, c);
    w->counters->active--;
    /* Not while draining: a client of the queue may be answered and
     * closed at once (TCP_DEFER_ACCEPT) before the next one is taken. */
    if (w->shutting_down && !w->draining && sl_conns_used(w->conns) == 0) {
        sl_loop_stop(w->loop);
    }
}



static void
sl_http_pipelined_handler(sl_event_t *ev)
{
    sl_conn_t          *c;
    sl_http_conn_t     *hc;
    sl_http_request_t  *r;

    c = ev->data;
    hc = c->data;
    r = sl_http_request_create(c);
    if (r == NULL) {
        sl_http_conn_close(c);
        return;
    }
    r->pipelined = 1;
    hc->request = r;
    sl_http_conn_read_head(r);
}


/* ", client: 192.0.2.1" at p. */
static u_char *
sl_http_conn_log_client(sl_conn_t *c, u_char *p, u_char *end)
{
    u_char  text[SL_ADDR_HOST_LEN];
    size_t  n;

    /* Without the port: the address is what a reader greps for. */
    n = sl_addr_peer_text(&c->addr.sa, c->socklen, text);
    return sl_slprintf(p, end, ", client: %.*s", (int) n, text);
}


/* A line about a connection with no request in progress (log->data). */
static u_char *
sl_http_conn_log_conn(sl_log_t *log, u_char *buf, size_t len)
{
    return sl_http_conn_log_client(log->data, buf, buf + len);
}


/* A line about a request (log->data): client, server, request, module. */
static u_char *
sl_http_conn_log_request(sl_log_t *log, u_char *buf, size_t len)
{
    sl_http_request_t  *r;
    const sl_str_t     *name;
    u_char             *p, *end;

    r = log->data;
    end = buf + len;
    p = sl_http_conn_log_client(r->c, buf, end);
    if (r->server && r->server->server_names.n) {
        name = &r->server->server_names.items[0];
        p = sl_slprintf(p, end, ", server: %.*s", (int) name->len,
                        name->data);
    }
    if (r->head.request_line.len) {
        p = sl_slprintf(p, end, ", request: \"%.*s\"",
                        (int) r->head.request_line.len,
                        r->head.request_line.data);
    }
    if (r->log_handler) {
        p = r->log_handler(r, p, (size_t) (end - p));
    }
    return p;
}


void
sl_http_conn_log_init(sl_log_t *log, sl_conn_t *c, sl_http_request_t *r)
{
    sl_http_conn_t  *hc;

    *log = c->log ? *c->log : *sl_log_default;
    log->connection = c->number;
    log->action = r ? r->action : NULL;
    hc = c->data;
    if (r == NULL && hc != NULL) {
        r = hc->request;
    }
    log->handler = r ? sl_http_conn_log_request : sl_http_conn_log_conn;
    log->data = r ? (void *) r : (void *) c;
}
