/*
 * sl_proxy_tunnel.c: the two-way byte tunnel after a 101 (modules layer),
 * for WebSocket, the only upgrade forwarded (sl_proxy_upgrade_pick). Once
 * the client has the 101, the proxy takes over both connections' events
 * and copies bytes each way through one buffer per direction: a side is
 * read only while its buffer is empty, so a slow reader holds back its
 * peer instead of growing memory (backpressure both ways).
 *
 * A side's EOF is passed on as a half-close (shutdown SHUT_WR of the
 * other side, once its buffer drained); the tunnel ends when both
 * directions are closed, on an error, or after read_timeout without a
 * byte either way. Ending it closes both connections (the client's is
 * finalized with SL_ERROR: the engine closes it without lingering).
 */
#include "sl_proxy.h"

typedef struct {
    sl_conn_t  *src;
    sl_conn_t  *dst;
    sl_buf_t   *buf;
    unsigned    eof:1;
    unsigned    shut:1;
} sl_proxy_dir_t;

static void sl_proxy_tunnel_client_handler(sl_event_t *ev);
static void sl_proxy_tunnel_upstream_handler(sl_event_t *ev);
static void sl_proxy_tunnel_pump(sl_proxy_ctx_t *ctx);
static sl_int_t sl_proxy_tunnel_move(sl_proxy_dir_t *d, int *moved);
static void sl_proxy_tunnel_end(sl_proxy_ctx_t *ctx, const char *why,
    sl_err_t err);


/*
 * Called when the 101 is written. The backend's bytes after its 101 are
 * in ctx->buf already; the client's bytes after its request head (it may
 * speak the new protocol at once) are taken from the engine's buffer.
 */
void
sl_proxy_tunnel_start(sl_proxy_ctx_t *ctx)
{
    sl_http_request_t  *r;
    sl_conn_t          *c;
    sl_str_t            early;

    r = ctx->r;
    r->write_handler = NULL;
    c = sl_http_take_over(r, &early);
    ctx->up_buf = sl_buf_create_temp(r->pool,
                                     sl_max(ctx->lcf->buffer_size, early.len));
    if (ctx->up_buf == NULL) {
        sl_http_request_error(SL_LOG_CRIT, r, 0, "out of memory for a "
                              "tunnel");
        sl_proxy_finish(ctx, SL_ERROR);
        return;
    }
    ctx->up_buf->last = sl_cpymem(ctx->up_buf->last, early.data, early.len);
    ctx->down_buf = ctx->buf;
    r->action = "tunnelling";
    c->read.handler = sl_proxy_tunnel_client_handler;
    c->write.handler = sl_proxy_tunnel_client_handler;
    ctx->pc->c.read.handler = sl_proxy_tunnel_upstream_handler;
    ctx->pc->c.write.handler = sl_proxy_tunnel_upstream_handler;
    ctx->pc->c.read.ready = 1;
    ctx->pc->c.write.ready = 1;
    sl_proxy_tunnel_pump(ctx);
}


static void
sl_proxy_tunnel_client_handler(sl_event_t *ev)
{
    sl_http_request_t  *r;

    r = sl_http_conn_request(ev->data);
    sl_proxy_tunnel_pump(r->ctx);
}


static void
sl_proxy_tunnel_upstream_handler(sl_event_t *ev)
{
    sl_proxy_conn_t  *pc;
    sl_proxy_ctx_t   *ctx;

    pc = (sl_proxy_conn_t *) ev->data;
    ctx = pc->c.data;
    if (ev->timedout) {
        sl_proxy_tunnel_end(ctx, "tunnel idle for read_timeout", 0);
        return;
    }
    sl_proxy_tunnel_pump(ctx);
}


/* Moves bytes both ways until both wait; ends the tunnel when done. */
static void
sl_proxy_tunnel_pump(sl_proxy_ctx_t *ctx)
{
    sl_proxy_dir_t  up, down;
    int             moved;

    moved = 0;
    up.src = ctx->r->c;
    up.dst = &ctx->pc->c;
    up.buf = ctx->up_buf;
    up.eof = ctx->up_eof;
    up.shut = ctx->up_shut;
    down.src = &ctx->pc->c;
    down.dst = ctx->r->c;
    down.buf = ctx->down_buf;
    down.eof = ctx->down_eof;
    down.shut = ctx->down_shut;
    if (sl_proxy_tunnel_move(&up, &moved) != SL_OK
        || sl_proxy_tunnel_move(&down, &moved) != SL_OK)
    {
        sl_proxy_tunnel_end(ctx, "tunnel I/O failed", errno);
        return;
    }
    ctx->up_eof = up.eof;
    ctx->up_shut = up.shut;
    ctx->down_eof = down.eof;
    ctx->down_shut = down.shut;
    if (up.shut && down.shut) {
        sl_proxy_tunnel_end(ctx, NULL, 0);
        return;
    }
    if (moved || !ctx->pc->c.read.timer_set) {
        (void) sl_timer_add(ctx->up->worker->loop, &ctx->pc->c.read,
                            ctx->lcf->read_timeout);
    }
}


/*
 * One direction: write what the buffer holds, then read more while the
 * destination keeps up. Returns SL_OK (waiting), or SL_ERROR with errno.
 */
static sl_int_t
sl_proxy_tunnel_move(sl_proxy_dir_t *d, int *moved)
{
    sl_buf_t  *b;
    ssize_t    n;

    b = d->buf;
    for (;;) {
        if (b->pos < b->last) {
            if (sl_conn_send_busy(d->dst)) {
                return SL_OK;   /* its batched send (the 101) goes first */
            }
            n = send(d->dst->fd, b->pos, (size_t) (b->last - b->pos),
                     MSG_NOSIGNAL);
            if (n == -1) {
                if (errno == EAGAIN || errno == EINTR) {
                    d->dst->write.ready = 0;
                    return SL_OK;
                }
                return SL_ERROR;
            }
            b->pos += n;
            *moved = 1;
            continue;
        }
        b->pos = b->start;
        b->last = b->start;
        if (d->eof) {
            if (!d->shut && shutdown(d->dst->fd, SHUT_WR) == -1
                && errno != ENOTCONN)
            {
                return SL_ERROR;
            }
            d->shut = 1;
            return SL_OK;
        }
        if (!d->src->read.ready) {
            return SL_OK;
        }
        n = recv(d->src->fd, b->last, (size_t) (b->end - b->last), 0);
        if (n > 0) {
            b->last += n;
            *moved = 1;
            continue;
        }
        if (n == 0) {
            d->eof = 1;
            continue;
        }
        if (errno == EAGAIN || errno == EINTR) {
            d->src->read.ready = 0;
            return SL_OK;
        }
        return SL_ERROR;
    }
}


/* Closes both sides: the backend here, the client by the engine. */
static void
sl_proxy_tunnel_end(sl_proxy_ctx_t *ctx, const char *why, sl_err_t err)
{
    if (why) {
        sl_http_request_error(SL_LOG_INFO, ctx->r, err, "%s", why);
    }
    sl_proxy_finish(ctx, SL_ERROR);
}
