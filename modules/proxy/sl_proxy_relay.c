/*
 * sl_proxy_relay.c: reading the backend's response and relaying it
 * (modules layer). The head is read into one buffer of buffer_size and
 * parsed in place; 1xx interim responses are skipped (a 101 starts the
 * tunnel); the framing is decided (RFC 9112 6.3) and the client's head
 * made. Body bytes go to the client straight from that buffer: one link,
 * owned by the context, handed to sl_http_output, so a small response
 * leaves in the same writev as its head, with no copy.
 *
 * Backpressure: while the engine still holds our buffer (sl_http_output
 * said SL_AGAIN), the backend is not read; r->write_handler resumes the
 * relay when the client has taken it all. The read timeout is off during
 * that time: a slow client is not the backend's fault.
 *
 * Framing to the client: Content-Length passes through; a chunked body is
 * decoded (sl_http_chunked_parse, data compacted in place) and chunked
 * again here, in the context's own buffers (sl_proxy_relay_out), not by
 * the engine; a body that ends at the backend's close becomes chunked
 * (or close for HTTP/1.0). A body that stops early, a bad chunk, or a
 * read error closes the client connection: never a short response that
 * looks complete.
 */
#include "sl_proxy.h"

static void sl_proxy_read_head(sl_proxy_ctx_t *ctx);
static sl_int_t sl_proxy_head_parsed(sl_proxy_ctx_t *ctx, size_t len);
static void sl_proxy_head_send(sl_proxy_ctx_t *ctx);
static void sl_proxy_upgrade(sl_proxy_ctx_t *ctx);
static void sl_proxy_frame_decide(sl_proxy_ctx_t *ctx);
static void sl_proxy_relay(sl_proxy_ctx_t *ctx);
static sl_int_t sl_proxy_relay_buffered(sl_proxy_ctx_t *ctx);
static sl_int_t sl_proxy_relay_chunked(sl_proxy_ctx_t *ctx);
static sl_int_t sl_proxy_relay_out(sl_proxy_ctx_t *ctx, u_char *p,
    size_t n, int last);
static sl_chain_t *sl_proxy_relay_link(sl_chain_t *cl, sl_buf_t *b,
    u_char *p, size_t n);
static void sl_proxy_relay_done(sl_proxy_ctx_t *ctx);
static ssize_t sl_proxy_recv(sl_proxy_ctx_t *ctx);
static void sl_proxy_wait_read(sl_proxy_ctx_t *ctx);


/* The backend's read event (or the client's drain) moves things on. */
void
sl_proxy_read(sl_proxy_ctx_t *ctx)
{
    if (!ctx->head_done) {
        sl_proxy_read_head(ctx);
        return;
    }
    if (!ctx->tunnel) {
        sl_proxy_relay(ctx);
    }
}


/*
 * recv into the free part of ctx->buf. Returns bytes (> 0), 0 at EOF,
 * SL_AGAIN, or SL_ERROR with errno. A short read means the socket is
 * drained, unless the kernel already reported the peer's FIN, which only
 * another read returns.
 */
static ssize_t
sl_proxy_recv(sl_proxy_ctx_t *ctx)
{
    sl_conn_t  *c;
    sl_buf_t   *b;
    ssize_t     n;
    size_t      size;

    c = &ctx->pc->c;
    b = ctx->buf;
    if (!c->read.ready) {
        return SL_AGAIN;
    }
    size = (size_t) (b->end - b->last);
    n = recv(c->fd, b->last, size, 0);
    if (n > 0) {
        b->last += n;
        if ((size_t) n < size && !c->read.eof) {
            c->read.ready = 0;
        }
        return n;
    }
    if (n == 0) {
        c->read.ready = 0;
        return 0;
    }
    if (errno == EAGAIN || errno == EINTR) {
        c->read.ready = 0;
        return SL_AGAIN;
    }
    return SL_ERROR;
}


/* Nothing to read for now: wait for the backend under read_timeout. */
static void
sl_proxy_wait_read(sl_proxy_ctx_t *ctx)
{
    if (ctx->request_sent || ctx->head_done) {
        (void) sl_timer_add(ctx->up->worker->loop, &ctx->pc->c.read,
                            ctx->lcf->read_timeout);
    }
}


/*
 * Reads until the response head is complete, then handles it. The
 * fields are parsed into an array on the stack: they are used (copied
 * into the client's head) before this returns, and the parser keeps
 * offsets only between calls.
 */
static void
sl_proxy_read_head(sl_proxy_ctx_t *ctx)
{
    sl_http_header_t  headers[SL_PROXY_MAX_HEADERS];
    sl_buf_t         *b;
    ssize_t           n;
    sl_int_t          rc;

    b = ctx->buf;
    ctx->r->action = "reading the response head from upstream";
    for (;;) {
        if (b->last == b->end) {
            sl_proxy_fail(ctx, SL_PROXY_FAIL_INVALID, 0, "upstream sent a "
                          "response head larger than buffer_size");
            return;
        }
        n = sl_proxy_recv(ctx);
        if (n == SL_AGAIN) {
            sl_proxy_wait_read(ctx);
            return;
        }
        if (n == SL_ERROR) {
            sl_proxy_fail(ctx, SL_PROXY_FAIL_ERROR, errno, "recv() failed");
            return;
        }
        if (n == 0) {
            sl_proxy_fail(ctx, SL_PROXY_FAIL_ERROR, 0, "upstream closed the "
                          "connection before sending a response head");
            return;
        }
        ctx->resp.headers = headers;
        ctx->resp.max_headers = SL_PROXY_MAX_HEADERS;
        rc = sl_proxy_parse_response(&ctx->parse, b->pos,
                                     (size_t) (b->last - b->pos), &ctx->resp);
        if (rc == SL_ERROR) {
            sl_proxy_fail(ctx, SL_PROXY_FAIL_INVALID, 0,
                          ctx->resp.error ? ctx->resp.error
                                          : "invalid response head");
            return;
        }
        if (rc > 0 && sl_proxy_head_parsed(ctx, (size_t) rc) != SL_AGAIN) {
            return;   /* ctx may be gone */
        }
    }
}


/*
 * A complete head of len bytes at buf->pos. Returns SL_AGAIN when it was
 * an interim 1xx (skipped: the next head is read), else SL_OK (the
 * request moved on, or ended).
 */
static sl_int_t
sl_proxy_head_parsed(sl_proxy_ctx_t *ctx, size_t len)
{
    sl_buf_t  *b;
    sl_int_t   rc;
    int        status;

    b = ctx->buf;
    status = ctx->resp.status;
    if (status >= 100 && status < 200 && status != 101) {
        /* 100, 102, 103: informational, not for the client. What came
         * after it (the real head, maybe) moves to the front. */
        b->pos += len;
        memmove(b->start, b->pos, (size_t) (b->last - b->pos));
        b->last = b->start + (b->last - b->pos);
        b->pos = b->start;
        sl_proxy_parse_init(&ctx->parse);
        rc = sl_proxy_parse_response(&ctx->parse, b->pos,
                                     (size_t) (b->last - b->pos), &ctx->resp);
        if (rc == SL_ERROR) {
            sl_proxy_fail(ctx, SL_PROXY_FAIL_INVALID, 0, ctx->resp.error);
            return SL_OK;
        }
        return rc > 0 ? sl_proxy_head_parsed(ctx, (size_t) rc) : SL_AGAIN;
    }
    if (status == 101 && !ctx->upgrade) {
        sl_proxy_fail(ctx, SL_PROXY_FAIL_INVALID, 0, "upstream switched "
                      "protocols without being asked to");
        return SL_OK;
    }
    sl_proxy_peer_ok(ctx->peer);
    ctx->try_log[ctx->tries - 1].status = status;
    b->pos += len;
    if (status == 101) {
        sl_proxy_upgrade(ctx);
        return SL_OK;
    }
    sl_proxy_frame_decide(ctx);
    sl_proxy_head_send(ctx);
    return SL_OK;
}


/* How the response body ends (RFC 9112 6.3), and what the client gets. */
static void
sl_proxy_frame_decide(sl_proxy_ctx_t *ctx)
{
    sl_http_request_t  *r;
    sl_proxy_resp_t    *resp;

    r = ctx->r;
    resp = &ctx->resp;
    r->content_length = -1;
    if (r->head.method == SL_HTTP_HEAD || resp->status == 204
        || resp->status == 304)
    {
        ctx->frame = SL_PROXY_FRAME_NONE;
        r->content_length = resp->content_length;
    } else if (resp->chunked) {
        ctx->frame = SL_PROXY_FRAME_CHUNKED;
        sl_http_chunked_init(&ctx->chunked);
    } else if (resp->content_length >= 0) {
        ctx->frame = SL_PROXY_FRAME_LENGTH;
        ctx->left = resp->content_length;
        r->content_length = resp->content_length;
    } else {
        ctx->frame = SL_PROXY_FRAME_CLOSE;
    }
}


static void
sl_proxy_head_send(sl_proxy_ctx_t *ctx)
{
    sl_http_request_t  *r;
    sl_int_t            rc;

    r = ctx->r;
    rc = sl_proxy_head_response(r, &ctx->resp, 0);
    ctx->resp.headers = NULL;   /* the stack array's life ends */
    if (rc != SL_OK || sl_http_send_header(r) != SL_OK) {
        sl_http_request_error(SL_LOG_CRIT, r, 0, "out of memory for the "
                              "response head");
        sl_proxy_finish(ctx, 500);
        return;
    }
    ctx->head_done = 1;
    ctx->r->action = "reading the response body from upstream";
    sl_proxy_relay(ctx);
}


/*
 * A 101 to an upgrade we forwarded: the client gets the 101, then both
 * sides are spliced (sl_proxy_tunnel.c) once it is written.
 */
static void
sl_proxy_upgrade(sl_proxy_ctx_t *ctx)
{
    sl_http_request_t  *r;
    sl_int_t            rc;

    r = ctx->r;
    sl_http_upgrade(r);
    rc = sl_proxy_head_response(r, &ctx->resp, 1);
    ctx->resp.headers = NULL;
    if (rc != SL_OK || sl_http_send_header(r) != SL_OK) {
        sl_proxy_finish(ctx, 500);
        return;
    }
    ctx->head_done = 1;
    ctx->tunnel = 1;
    sl_timer_del(ctx->up->worker->loop, &ctx->pc->c.read);
    rc = sl_http_output(r, NULL);
    if (rc == SL_ERROR) {
        sl_proxy_finish(ctx, SL_ERROR);
        return;
    }
    if (rc == SL_AGAIN) {
        ctx->out_busy = 1;
        r->write_handler = sl_proxy_client_drained;
        return;
    }
    sl_proxy_tunnel_start(ctx);
}


/* r->write_handler: the client took everything queued. */
void
sl_proxy_client_drained(sl_http_request_t *r)
{
    sl_proxy_ctx_t  *ctx;

    ctx = r->ctx;
    ctx->out_busy = 0;
    r->write_handler = NULL;
    if (ctx->tunnel) {
        sl_proxy_tunnel_start(ctx);
        return;
    }
    sl_proxy_relay(ctx);
}


/*
 * Relays until the response ends, the client is full, or the backend has
 * nothing more for now.
 */
static void
sl_proxy_relay(sl_proxy_ctx_t *ctx)
{
    sl_buf_t  *b;
    sl_int_t   rc;
    ssize_t    n;

    b = ctx->buf;
    for (;;) {
        if (ctx->out_busy) {
            return;
        }
        rc = sl_proxy_relay_buffered(ctx);
        if (rc == SL_ERROR) {
            return;
        }
        if (rc == SL_DONE) {
            sl_proxy_relay_done(ctx);
            return;
        }
        if (ctx->out_busy) {
            sl_timer_del(ctx->up->worker->loop, &ctx->pc->c.read);
            return;
        }
        b->pos = b->start;
        b->last = b->start;
        n = sl_proxy_recv(ctx);
        if (n == SL_AGAIN) {
            sl_proxy_wait_read(ctx);
            return;
        }
        if (n == SL_ERROR) {
            sl_proxy_fail(ctx, SL_PROXY_FAIL_ERROR, errno, "recv() failed");
            return;
        }
        if (n == 0) {
            if (ctx->frame == SL_PROXY_FRAME_CLOSE) {
                sl_proxy_relay_done(ctx);
                return;
            }
            sl_proxy_fail(ctx, SL_PROXY_FAIL_ERROR, 0, "upstream closed the "
                          "connection in the middle of the response body");
            return;
        }
    }
}


/*
 * Relays the body bytes in the buffer. Returns SL_DONE when the response
 * ended (its last bytes may still be queued: out_busy), SL_OK when all
 * was handed on (or out_busy), SL_ERROR when the request was ended.
 */
static sl_int_t
sl_proxy_relay_buffered(sl_proxy_ctx_t *ctx)
{
    sl_buf_t  *b;
    size_t     n;

    b = ctx->buf;
    switch (ctx->frame) {
    case SL_PROXY_FRAME_NONE:
        ctx->extra = b->last > b->pos;
        return SL_DONE;
    case SL_PROXY_FRAME_LENGTH:
        n = (size_t) sl_min((int64_t) (b->last - b->pos), ctx->left);
        ctx->left -= (int64_t) n;
        b->pos += n;
        if (sl_proxy_relay_out(ctx, b->pos - n, n, ctx->left == 0)
            != SL_OK)
        {
            return SL_ERROR;
        }
        if (ctx->left == 0) {
            ctx->extra = b->last > b->pos;
            return SL_DONE;
        }
        return SL_OK;
    case SL_PROXY_FRAME_CHUNKED:
        return sl_proxy_relay_chunked(ctx);
    default:
        n = (size_t) (b->last - b->pos);
        b->pos = b->last;
        return sl_proxy_relay_out(ctx, b->pos - n, n, 0) == SL_OK ? SL_OK
                                                                : SL_ERROR;
    }
}


/*
 * Decodes the chunks in the buffer, moving their data together at the
 * front (decoded bytes never outgrow the framing they came in), and
 * relays that as one piece.
 */
static sl_int_t
sl_proxy_relay_chunked(sl_proxy_ctx_t *ctx)
{
    sl_http_chunk_t   out;
    sl_buf_t         *b;
    u_char           *w, *p, *start;
    sl_int_t          rc;

    b = ctx->buf;
    start = b->pos;
    w = b->pos;
    p = b->pos;
    rc = SL_AGAIN;
    while (p < b->last) {
        rc = sl_http_chunked_parse(&ctx->chunked, p, (size_t) (b->last - p),
                                   &out);
        if (rc == SL_ERROR) {
            sl_proxy_fail(ctx, SL_PROXY_FAIL_INVALID, 0,
                          ctx->chunked.error ? ctx->chunked.error
                                             : "invalid chunked body");
            return SL_ERROR;
        }
        if (out.len) {
            memmove(w, out.data, out.len);
            w += out.len;
        }
        p += out.used;
        if (rc == SL_DONE) {
            break;
        }
    }
    b->pos = b->last;
    if (rc == SL_DONE) {
        ctx->extra = p < b->last;
    }
    if (sl_proxy_relay_out(ctx, start, (size_t) (w - start), rc == SL_DONE)
        != SL_OK)
    {
        return SL_ERROR;
    }
    return rc == SL_DONE ? SL_DONE : SL_OK;
}


/* Sets b to describe [p, p + n) of memory nobody writes to meanwhile. */
static sl_chain_t *
sl_proxy_relay_link(sl_chain_t *cl, sl_buf_t *b, u_char *p, size_t n)
{
    memset(b, 0, sizeof(*b));
    b->pos = p;
    b->last = p + n;
    b->start = p;
    b->end = p + n;
    b->memory = 1;
    b->fd = -1;
    cl->buf = b;
    cl->next = NULL;
    return cl;
}


/*
 * Hands [p, p + n) to the engine through the context's own link; last
 * marks the end of the body. The engine frames it when the client gets
 * chunked framing, in frames it reuses. Returns SL_OK (written or queued:
 * out_busy says which) or SL_ERROR (the client is gone: the request was
 * ended).
 */
static sl_int_t
sl_proxy_relay_out(sl_proxy_ctx_t *ctx, u_char *p, size_t n, int last)
{
    sl_chain_t  *cl;
    sl_int_t     rc;

    if (n == 0 && !last) {
        return SL_OK;
    }
    ctx->done |= last;
    cl = sl_proxy_relay_link(&ctx->out_cl, &ctx->out_buf, p, n);
    cl->buf->last_buf = last;
    rc = sl_http_output(ctx->r, cl);
    if (rc == SL_ERROR) {
        sl_proxy_finish(ctx, SL_ERROR);
        return SL_ERROR;
    }
    if (rc == SL_AGAIN) {
        ctx->out_busy = 1;
        ctx->r->write_handler = sl_proxy_client_drained;
    }
    return SL_OK;
}


/*
 * The response was read to its end: keep the connection if the backend
 * allows, queue the end of the body if it is not queued yet, and finish.
 * The links are free here: the end is only seen while nothing is queued.
 */
static void
sl_proxy_relay_done(sl_proxy_ctx_t *ctx)
{
    sl_proxy_resp_t  *resp;
    int               keep;

    resp = &ctx->resp;
    keep = ctx->request_sent && !ctx->extra
           && ctx->frame != SL_PROXY_FRAME_CLOSE && !resp->conn_close
           && (resp->http_minor >= 1 || resp->conn_keep_alive)
           && !sl_http_worker->shutting_down;
    sl_proxy_release(ctx, keep);
    if (!ctx->done && sl_proxy_relay_out(ctx, ctx->buf->start, 0, 1)
        != SL_OK)
    {
        return;
    }
    sl_proxy_finish(ctx, SL_OK);
}
