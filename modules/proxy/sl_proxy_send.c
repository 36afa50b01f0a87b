/*
 * sl_proxy_send.c: streaming the request to the backend (modules layer).
 * The head goes first, then the body as the client sends it: bytes are
 * pulled with sl_http_body_read into one buffer of buffer_size and
 * written from it, so a slow backend holds at most one buffer per request
 * and a slow client simply leaves the backend waiting. A Content-Length
 * body is forwarded as it is; a chunked one is re-framed, one chunk per
 * read, so the buffer holds exactly the bytes the backend gets.
 *
 * A request that fits the loop's send batch (SL_LOOP_SEND_MAX) is copied
 * there and leaves with the iteration's other sends; while it is in
 * flight, further writes to the backend wait (sl_conn_send_busy).
 *
 * Replay: while the whole body still sits in the buffer from its first
 * byte, a retry can send it again. Once the buffer wraps, the first bytes
 * are gone and the request can no longer be retried.
 */
#include "sl_proxy.h"

/* Room a re-framed chunk needs besides its data: a size line of up to
 * 16 hex digits, the CRLF after the data, and the last chunk. */
#define SL_PROXY_CHUNK_HEAD   18
#define SL_PROXY_CHUNK_ROOM   (SL_PROXY_CHUNK_HEAD + 2 + 5)

static sl_int_t sl_proxy_send_fill(sl_proxy_ctx_t *ctx);
static sl_int_t sl_proxy_send_frame(sl_proxy_ctx_t *ctx, size_t room);
static sl_int_t sl_proxy_send_write(sl_proxy_ctx_t *ctx);
static sl_int_t sl_proxy_send_wait(sl_proxy_ctx_t *ctx);
static void sl_proxy_send_done(sl_proxy_ctx_t *ctx);
static size_t sl_proxy_send_pending(const sl_proxy_ctx_t *ctx);


/* True when every body byte sent so far can be sent again. */
int
sl_proxy_can_replay(const sl_proxy_ctx_t *ctx)
{
    return ctx->body == NULL || !ctx->body_wrapped;
}


/* Sends the request from its first byte on the next connection. */
void
sl_proxy_send_rewind(sl_proxy_ctx_t *ctx)
{
    ctx->head_sent = 0;
    ctx->request_sent = 0;
    ctx->sent_any = 0;
    if (ctx->body) {
        ctx->body_sent = ctx->body->start;
    }
}


/* r->read_handler: more body bytes came from the client. */
void
sl_proxy_body_ready(sl_http_request_t *r)
{
    sl_proxy_ctx_t  *ctx;

    ctx = r->ctx;
    ctx->body_waiting = 0;
    sl_proxy_send(ctx);
}


static size_t
sl_proxy_send_pending(const sl_proxy_ctx_t *ctx)
{
    size_t  n;

    n = ctx->head.len - ctx->head_sent;
    if (ctx->body) {
        n += (size_t) (ctx->body->last - ctx->body_sent);
    }
    return n;
}


/*
 * Moves the request along as far as the client and the backend allow:
 * read body bytes while the buffer has room, write while the socket
 * takes them. Returns when both sides wait; ctx may be gone when the
 * request failed.
 */
void
sl_proxy_send(sl_proxy_ctx_t *ctx)
{
    sl_int_t  rc;

    for (;;) {
        if (ctx->request_sent || ctx->send_dead) {
            return;
        }
        if (ctx->body && !ctx->body_eof && !ctx->body_waiting
            && sl_proxy_send_fill(ctx) != SL_OK)
        {
            return;
        }
        if (ctx->pc == NULL || ctx->pc->connecting) {
            return;
        }
        if (sl_proxy_send_pending(ctx) == 0) {
            if (ctx->body == NULL || ctx->body_eof) {
                sl_proxy_send_done(ctx);
                return;
            }
            if (ctx->body_waiting) {
                return;
            }
            continue;   /* the buffer is all sent: fill it again */
        }
        rc = sl_proxy_send_write(ctx);
        if (rc != SL_OK) {
            return;
        }
    }
}


/*
 * The backend answered before taking the whole request, and now refuses
 * the rest (it closed, or stopped reading for send_timeout): the answer
 * is what matters, so the request side stops and the response is relayed
 * to its end. The connection will not be kept.
 */
void
sl_proxy_send_stop(sl_proxy_ctx_t *ctx, sl_err_t err)
{
    ctx->send_dead = 1;
    sl_timer_del(ctx->up->worker->loop, &ctx->pc->c.write);
    sl_http_request_error(SL_LOG_INFO, ctx->r, err, "upstream stopped "
                          "taking the request body after it began to "
                          "answer");
}


/* The whole request is with the backend: now its answer is awaited. */
static void
sl_proxy_send_done(sl_proxy_ctx_t *ctx)
{
    sl_proxy_conn_t  *pc;
    sl_loop_t        *loop;

    pc = ctx->pc;
    loop = ctx->up->worker->loop;
    ctx->request_sent = 1;
    sl_timer_del(loop, &pc->c.write);
    if (!ctx->head_done) {
        ctx->r->action = "reading the response from upstream";
        (void) sl_timer_add(loop, &pc->c.read, ctx->lcf->read_timeout);
    }
    sl_proxy_watch_client(ctx);
}


/*
 * Reads body bytes into the free part of the buffer. Returns SL_OK (the
 * buffer is full, the body ended, or the client has no more for now:
 * body_waiting), or SL_ERROR when the body failed and the request was
 * ended.
 */
static sl_int_t
sl_proxy_send_fill(sl_proxy_ctx_t *ctx)
{
    sl_buf_t  *b;
    size_t     room;
    sl_int_t   rc;

    b = ctx->body;
    room = ctx->body_len < 0 ? SL_PROXY_CHUNK_ROOM : 0;
    for (;;) {
        if (ctx->body_sent == b->last && b->last != b->start
            && (size_t) (b->end - b->last) <= room + 1024)
        {
            /* All sent and little room left: start over at the top. The
             * bytes dropped cannot be sent again. */
            b->last = b->start;
            ctx->body_sent = b->start;
            ctx->body_wrapped = 1;
        }
        if ((size_t) (b->end - b->last) <= room) {
            return SL_OK;
        }
        rc = sl_proxy_send_frame(ctx, room);
        if (rc != SL_OK) {
            return rc == SL_AGAIN ? SL_OK : SL_ERROR;
        }
    }
}


/*
 * One sl_http_body_read into the buffer, framed. Returns SL_OK (bytes
 * came), SL_AGAIN (the end, or nothing more for now), or SL_ERROR (the
 * request was ended).
 */
static sl_int_t
sl_proxy_send_frame(sl_proxy_ctx_t *ctx, size_t room)
{
    sl_http_request_t  *r;
    sl_buf_t           *b;
    u_char              line[SL_PROXY_CHUNK_HEAD], *dst;
    ssize_t             n;
    size_t              hl;

    r = ctx->r;
    b = ctx->body;
    dst = b->last + (room ? SL_PROXY_CHUNK_HEAD : 0);
    n = sl_http_body_read(r, dst, (size_t) (b->end - b->last) - room);
    if (n == SL_AGAIN) {
        ctx->body_waiting = 1;
        return SL_AGAIN;
    }
    if (n == SL_ERROR) {
        ctx->r->action = "reading the request body";
        sl_proxy_finish(ctx, ctx->head_done || r->body_status == 0
                             ? SL_ERROR : r->body_status);
        return SL_ERROR;
    }
    if (n == 0) {
        ctx->body_eof = 1;
        if (room) {
            b->last = sl_cpymem_lit(b->last, "0\r\n\r\n");
        }
        return SL_AGAIN;
    }
    if (room) {
        hl = sl_http_chunk_size_line(line, (size_t) n);
        memmove(b->last + hl, dst, (size_t) n);
        memcpy(b->last, line, hl);
        b->last += hl + (size_t) n;
        *b->last++ = '\r';
        *b->last++ = '\n';
        return SL_OK;
    }
    b->last += n;
    return SL_OK;
}


/*
 * One write of what is pending (head rest, body bytes): into the loop's
 * send batch when it fits, else a writev. Returns SL_OK when it all went,
 * SL_AGAIN when the socket is full or an earlier batched send is still in
 * flight (the write event continues under send_timeout), SL_ERROR when
 * the try failed (handled).
 */
static sl_int_t
sl_proxy_send_write(sl_proxy_ctx_t *ctx)
{
    struct iovec      iov[2];
    sl_proxy_conn_t  *pc;
    size_t            total, h;
    ssize_t           n;
    int               cnt;

    pc = ctx->pc;
    cnt = 0;
    h = ctx->head.len - ctx->head_sent;
    if (h) {
        iov[cnt].iov_base = ctx->head.data + ctx->head_sent;
        iov[cnt++].iov_len = h;
    }
    if (ctx->body && ctx->body->last > ctx->body_sent) {
        iov[cnt].iov_base = ctx->body_sent;
        iov[cnt++].iov_len = (size_t) (ctx->body->last - ctx->body_sent);
    }
    total = sl_proxy_send_pending(ctx);
    ctx->r->action = "sending the request to upstream";
    /* Batched, the backend is woken once per burst of requests. */
    n = sl_loop_send(ctx->up->worker->loop, &pc->c, iov, cnt);
    if (n == SL_AGAIN) {
        return sl_proxy_send_wait(ctx);   /* an earlier batched send */
    }
    if (n == SL_DECLINED) {
        n = writev(pc->c.fd, iov, cnt);
    }
    if (n == -1) {
        if (errno == EAGAIN || errno == EINTR) {
            return sl_proxy_send_wait(ctx);
        }
        if (ctx->head_done) {
            sl_proxy_send_stop(ctx, errno);
            return SL_ERROR;
        }
        sl_proxy_fail(ctx, SL_PROXY_FAIL_ERROR, errno, "writev() failed");
        return SL_ERROR;
    }
    ctx->sent_any = 1;
    ctx->head_sent += sl_min((size_t) n, h);
    if ((size_t) n > h) {
        ctx->body_sent += (size_t) n - h;
    }
    if ((size_t) n < total) {
        return sl_proxy_send_wait(ctx);
    }
    return SL_OK;
}


/* The socket takes no more for now: the write event goes on, under
 * send_timeout. Returns SL_AGAIN. */
static sl_int_t
sl_proxy_send_wait(sl_proxy_ctx_t *ctx)
{
    ctx->pc->c.write.ready = 0;
    (void) sl_timer_add(ctx->up->worker->loop, &ctx->pc->c.write,
                        ctx->lcf->send_timeout);
    return SL_AGAIN;
}
