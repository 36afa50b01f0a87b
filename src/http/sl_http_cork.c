/*
 * sl_http_cork.c: one write for a batch of pipelined responses (http
 * layer). When a client pipelines requests, a finished small response is
 * copied into the connection's cork buffer instead of being written while
 * the next request already waits in the read buffer; the cork goes out in
 * one writev (ahead of the next response that is written normally), or
 * before the connection waits for input, goes idle or closes. Copying a
 * few hundred bytes costs far less than a system call.
 *
 * Only complete responses held in memory are corked, only on keep-alive
 * connections, and only while a further request's bytes are already in
 * the read buffer: a client that waits for a response before sending
 * more is never kept waiting.
 */
#include "sl_http.h"

static sl_buf_t *sl_http_cork_get(sl_conn_t *c);
static void sl_http_cork_write_handler(sl_event_t *ev);
static sl_int_t sl_http_cork_wait(sl_conn_t *c);


static sl_buf_t *
sl_http_cork_get(sl_conn_t *c)
{
    sl_http_conn_t  *hc;
    sl_buf_t        *b;

    hc = c->data;
    if (hc->cork) {
        return hc->cork;
    }
    b = sl_freelist_get(&sl_http_worker->free_corks);
    if (b == NULL) {
        b = sl_buf_malloc(SL_HTTP_CORK_SIZE);
        if (b == NULL) {
            return NULL;   /* the response is simply written uncorked */
        }
    }
    b->pos = b->start;
    b->last = b->start;
    hc->cork = b;
    return b;
}


void
sl_http_cork_release(sl_conn_t *c)
{
    sl_http_conn_t  *hc;

    hc = c->data;
    if (hc == NULL || hc->cork == NULL) {
        return;
    }
    if (sl_freelist_put(&sl_http_worker->free_corks, hc->cork) != SL_OK) {
        free(hc->cork);
    }
    hc->cork = NULL;
}


/*
 * True when the rest of r's response is all queued in memory (its last
 * buffer included); *total is its size.
 */
int
sl_http_out_in_memory(sl_http_request_t *r, size_t *total)
{
    sl_chain_t  *cl;
    size_t       n;
    int          last;

    n = 0;
    last = r->last_sent;
    for (cl = r->out; cl; cl = cl->next) {
        if (cl->buf->in_file) {
            return 0;
        }
        n += (size_t) (cl->buf->last - cl->buf->pos);
        last |= cl->buf->last_buf;
    }
    *total = n;
    return last;
}


/*
 * Called before writing r->out: takes the response into the cork when
 * that is worth it. Returns SL_OK when taken (r->out is empty), else
 * SL_DECLINED and the caller writes as usual.
 */
sl_int_t
sl_http_cork_take(sl_http_request_t *r)
{
    sl_conn_t       *c;
    sl_http_conn_t  *hc;
    sl_buf_t        *cork;
    sl_chain_t      *cl;
    size_t           total;

    c = r->c;
    hc = r->hc;
    if (!r->keepalive || r->body_pos == NULL || c->buffer == NULL
        || r->body_pos >= c->buffer->last
        || (sl_http_has_body(r) && !r->body_done)
        || !sl_http_out_in_memory(r, &total) || total > SL_HTTP_CORK_SIZE)
    {
        return SL_DECLINED;
    }
    cork = hc->cork;
    if (cork && (size_t) (cork->end - cork->last) < total) {
        return SL_DECLINED;   /* full: this writev sends cork + response */
    }
    cork = sl_http_cork_get(c);
    if (cork == NULL) {
        return SL_DECLINED;
    }
    for (cl = r->out; cl; cl = cl->next) {
        cork->last = sl_cpymem(cork->last, cl->buf->pos,
                               (size_t) (cl->buf->last - cl->buf->pos));
        cl->buf->pos = cl->buf->last;
        r->last_sent |= cl->buf->last_buf;
    }
    r->bytes_sent += (off_t) total;
    r->out = NULL;
    return SL_OK;
}


/* n bytes of a writev that led with the cork were the cork's. */
void
sl_http_cork_consumed(sl_conn_t *c, size_t n)
{
    sl_http_conn_t  *hc;

    hc = c->data;
    hc->cork->pos += n;
    if (hc->cork->pos == hc->cork->last) {
        sl_http_cork_release(c);
    }
}


/*
 * Writes what the cork holds. Returns SL_OK (empty, released), SL_AGAIN
 * (the write event finishes it) or SL_ERROR (logged at info).
 */
sl_int_t
sl_http_cork_flush(sl_conn_t *c)
{
    sl_http_conn_t  *hc;
    sl_buf_t        *b;
    ssize_t          n;
    sl_err_t         err;

    hc = c->data;
    b = hc->cork;
    while (b && b->pos < b->last) {
        if (sl_conn_send_busy(c)) {
            return sl_http_cork_wait(c);   /* a batched send goes first */
        }
        n = send(c->fd, b->pos, (size_t) (b->last - b->pos), 0);
        if (n > 0) {
            sl_http_cork_consumed(c, (size_t) n);
            b = hc->cork;
            continue;
        }
        err = errno;
        if (n == -1 && (err == EAGAIN || err == EINTR)) {
            c->write.ready = 0;
            return sl_http_cork_wait(c);
        }
        sl_http_conn_error(SL_LOG_INFO, c, err, "send() failed");
        return SL_ERROR;
    }
    sl_http_cork_release(c);
    return SL_OK;
}


/* The write event goes on with the cork, under send_timeout. */
static sl_int_t
sl_http_cork_wait(sl_conn_t *c)
{
    c->write.handler = sl_http_cork_write_handler;
    (void) sl_timer_add(sl_http_worker->loop, &c->write,
                        sl_http_worker->main->send_timeout);
    return SL_AGAIN;
}


/* The cork drains on its own while no request is writing. */
static void
sl_http_cork_write_handler(sl_event_t *ev)
{
    sl_conn_t       *c;
    sl_http_conn_t  *hc;

    c = ev->data;
    hc = c->data;
    if (ev->timedout) {
        sl_http_conn_error(SL_LOG_INFO, c, 0, "client timed out while "
                           "reading pipelined responses");
        sl_http_conn_close(c);
        return;
    }
    if (hc->request && hc->request->out) {
        /* A request took over writing; its writev leads with the cork. */
        sl_http_request_write_handler(ev);
        return;
    }
    if (sl_http_cork_flush(c) == SL_ERROR) {
        sl_http_conn_close(c);
        return;
    }
    if (hc->cork == NULL && c->write.timer_set) {
        sl_timer_del(sl_http_worker->loop, &c->write);
    }
}
