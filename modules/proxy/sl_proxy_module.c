/*
 * sl_proxy_module.c: the reverse proxy module (modules layer): the module
 * object, per-worker state, and a request's life with its backends. A
 * request makes tries: each picks a peer (sl_proxy_upstream.c), takes a
 * kept connection or opens one (sl_proxy_pool.c), streams the request
 * (sl_proxy_send.c) and relays the response (sl_proxy_relay.c). A try
 * that fails before any of the response reached the client moves to the
 * next peer when that is safe (the method is idempotent or nothing was
 * sent, and the body can be replayed), within next_upstream_tries; else
 * the client gets 502, or 504 after a timeout. A failure after the
 * response head went out closes the client connection: the client must
 * never take a cut response for a complete one.
 *
 * The handler returns SL_DONE and holds the request's one reference
 * until sl_proxy_finish() hands it back with sl_http_finalize().
 */
#include "sl_proxy.h"

static sl_int_t sl_proxy_handler(sl_http_request_t *r);
static sl_int_t sl_proxy_init_worker(sl_http_worker_t *w, void *main_conf);
static void sl_proxy_exit_worker(sl_http_worker_t *w, void *main_conf);
static sl_freelist_t *sl_proxy_spares(sl_proxy_worker_t *pw, size_t size);
static sl_buf_t *sl_proxy_buf_take(sl_proxy_ctx_t *ctx,
    sl_proxy_worker_t *pw, size_t size);
static void sl_proxy_buf_give(sl_proxy_ctx_t *ctx, sl_proxy_worker_t *pw);
static sl_int_t sl_proxy_ctx_create(sl_http_request_t *r,
    sl_proxy_ctx_t **out);
static void sl_proxy_cleanup(void *data);
static void sl_proxy_try(sl_proxy_ctx_t *ctx);
static void sl_proxy_try_conn(sl_proxy_ctx_t *ctx, int use_pool);
static sl_int_t sl_proxy_addrs_add(sl_proxy_ctx_t *ctx,
    const sl_str_t *addr);
static int sl_proxy_may_retry(const sl_proxy_ctx_t *ctx);
static u_char *sl_proxy_log_handler(sl_http_request_t *r, u_char *buf,
    size_t len);
static void sl_proxy_client_gone(sl_http_request_t *r);

sl_http_module_t  sl_proxy_module = {
    .name = "proxy",
    .fields = sl_proxy_loc_fields,
    .conf_size = sizeof(sl_proxy_loc_conf_t),
    .conf_init = sl_proxy_loc_conf_init,
    .conf_check = sl_proxy_loc_conf_check,
    .main_name = "upstreams",
    .main_parse = sl_proxy_main_parse,
    .init_master = sl_proxy_init_master,
    .init_worker = sl_proxy_init_worker,
    .exit_worker = sl_proxy_exit_worker,
    .handler = sl_proxy_handler,
    .extra_fds = 1,                 /* the backend connection */
    .variables = sl_proxy_variables
};


/* This worker's proxy state (made by init_worker). */
sl_proxy_worker_t *
sl_proxy_worker_get(void)
{
    return sl_http_module_worker(sl_http_worker, &sl_proxy_module);
}


static sl_int_t
sl_proxy_init_worker(sl_http_worker_t *w, void *main_conf)
{
    sl_proxy_main_conf_t  *pmc;
    sl_proxy_worker_t     *pw;
    sl_uint_t              i;

    pmc = main_conf;
    pw = calloc(1, sizeof(sl_proxy_worker_t));
    if (pw == NULL) {
        sl_log_error(SL_LOG_EMERG, &w->cycle->log, errno,
                     "proxy: out of memory at worker start");
        return SL_ERROR;
    }
    sl_http_module_worker(w, &sl_proxy_module) = pw;
    pw->loop = w->loop;
    pw->log = &w->cycle->log;
    pw->checker = w->index == 0;
    pw->ups = calloc(pmc->nupstreams ? pmc->nupstreams : 1,
                     sizeof(sl_proxy_upstream_t));
    if (pw->ups == NULL
        || sl_freelist_init(&pw->free_conns, SL_PROXY_FREE_CONNS,
                            sizeof(sl_proxy_conn_t)) != SL_OK)
    {
        sl_log_error(SL_LOG_EMERG, pw->log, errno,
                     "proxy: out of memory at worker start");
        return SL_ERROR;
    }
    for (i = 0; i < pmc->nupstreams; i++) {
        if (sl_proxy_upstream_init(&pw->ups[i], pmc->upstreams[i], pw)
            != SL_OK)
        {
            sl_log_error(SL_LOG_EMERG, pw->log, errno,
                         "proxy: out of memory at worker start");
            return SL_ERROR;
        }
        pw->nups++;
    }
    return sl_proxy_health_start(pw);
}


static void
sl_proxy_exit_worker(sl_http_worker_t *w, void *main_conf)
{
    sl_proxy_worker_t  *pw;
    sl_uint_t           i;

    (void) main_conf;
    pw = sl_http_module_worker(w, &sl_proxy_module);
    if (pw == NULL) {
        return;
    }
    sl_proxy_health_stop(pw);
    for (i = 0; i < pw->nups; i++) {
        sl_proxy_pool_drain(pw, &pw->ups[i]);
        sl_proxy_upstream_free(&pw->ups[i]);
    }
    sl_freelist_drain(&pw->free_conns);
    for (i = 0; i < SL_PROXY_SPARE_SIZES; i++) {
        sl_freelist_drain(&pw->spares[i]);
    }
    free(pw->ups);
    free(pw);
    sl_http_module_worker(w, &sl_proxy_module) = NULL;
}


static sl_int_t
sl_proxy_handler(sl_http_request_t *r)
{
    sl_proxy_ctx_t  *ctx;

    if (sl_proxy_ctx_create(r, &ctx) != SL_OK) {
        return 500;
    }
    r->ctx = ctx;
    if (ctx->body) {
        r->read_handler = sl_proxy_body_ready;
    }
    sl_proxy_try(ctx);
    return SL_DONE;
}


static sl_int_t
sl_proxy_ctx_create(sl_http_request_t *r, sl_proxy_ctx_t **out)
{
    const sl_proxy_loc_conf_t  *lcf;
    sl_proxy_worker_t          *pw;
    sl_proxy_ctx_t             *ctx;
    sl_pool_cleanup_t          *cln;
    sl_http_head_t             *h;
    sl_str_t                    upg;

    lcf = r->loc->module_conf;
    pw = sl_proxy_worker_get();
    h = &r->head;
    ctx = sl_pcalloc(r->pool, sizeof(sl_proxy_ctx_t));
    if (ctx == NULL) {
        return SL_ERROR;
    }
    ctx->r = r;
    ctx->lcf = lcf;
    ctx->up = &pw->ups[lcf->upstream->index];
    r->log_handler = sl_proxy_log_handler;
    upg.len = 0;
    upg.data = NULL;
    ctx->upgrade = !sl_http_has_body(r) && sl_proxy_upgrade_pick(h, &upg);
    ctx->tried = sl_palloc(r->pool, sizeof(sl_proxy_peer_t *)
                                    * (size_t) lcf->next_upstream_tries);
    ctx->try_log = sl_pcalloc(r->pool, sizeof(sl_proxy_try_t)
                                       * (size_t) lcf->next_upstream_tries);
    cln = sl_pool_cleanup_add(r->pool, sl_proxy_cleanup, ctx);
    ctx->buf = cln ? sl_proxy_buf_take(ctx, pw, lcf->buffer_size) : NULL;
    if (ctx->tried == NULL || ctx->try_log == NULL || ctx->buf == NULL
        || sl_proxy_head_build(r, lcf, &upg, &ctx->head) != SL_OK)
    {
        return SL_ERROR;
    }
    if (sl_http_has_body(r)) {
        ctx->body = sl_buf_create_temp(r->pool, lcf->buffer_size);
        if (ctx->body == NULL) {
            return SL_ERROR;
        }
        ctx->body_sent = ctx->body->start;
        ctx->body_len = h->chunked ? -1 : h->content_length;
    }
    *out = ctx;
    return SL_OK;
}


/*
 * The worker's list of spare response buffers of size bytes, claimed for
 * that size when first asked for; NULL when every list holds another
 * size (or there is no memory for a new one): such buffers are not kept.
 */
static sl_freelist_t *
sl_proxy_spares(sl_proxy_worker_t *pw, size_t size)
{
    sl_freelist_t  *fl;
    sl_uint_t       i;

    for (i = 0; i < SL_PROXY_SPARE_SIZES; i++) {
        fl = &pw->spares[i];
        if (fl->max == 0) {
            return sl_freelist_init(fl, SL_PROXY_SPARES, size) == SL_OK
                   ? fl : NULL;
        }
        if (fl->size == size) {
            return fl;
        }
    }
    return NULL;
}


/*
 * The response buffer: a spare of the same size when the worker has one,
 * else new memory. It goes back to the worker with the request's pool
 * (sl_proxy_cleanup, registered first), parked: in ASan builds a use after
 * the request is reported.
 */
static sl_buf_t *
sl_proxy_buf_take(sl_proxy_ctx_t *ctx, sl_proxy_worker_t *pw, size_t size)
{
    sl_freelist_t  *fl;
    sl_buf_t       *b;

    b = sl_buf_calloc(ctx->r->pool);
    if (b == NULL) {
        return NULL;
    }
    fl = sl_proxy_spares(pw, size);
    ctx->buf_mem = fl ? sl_freelist_get(fl) : NULL;
    if (ctx->buf_mem == NULL) {
        ctx->buf_mem = malloc(size);
        if (ctx->buf_mem == NULL) {
            return NULL;
        }
    }
    b->start = ctx->buf_mem;
    b->pos = b->start;
    b->last = b->start;
    b->end = b->start + size;
    b->temporary = 1;
    return b;
}


/* pw is NULL when the worker's proxy state is gone already (its exit). */
static void
sl_proxy_buf_give(sl_proxy_ctx_t *ctx, sl_proxy_worker_t *pw)
{
    sl_freelist_t  *fl;

    fl = pw ? sl_proxy_spares(pw, ctx->lcf->buffer_size) : NULL;
    if (fl == NULL || sl_freelist_put(fl, ctx->buf_mem) != SL_OK) {
        free(ctx->buf_mem);
    }
    ctx->buf_mem = NULL;
}


/* The request's pool is going: no backend connection may outlive it. */
static void
sl_proxy_cleanup(void *data)
{
    sl_proxy_ctx_t  *ctx;

    ctx = data;
    if (ctx->pc) {
        sl_proxy_release(ctx, 0);
    }
    if (ctx->buf_mem) {
        sl_proxy_buf_give(ctx, sl_proxy_worker_get());
    }
}


/* A new try: pick a peer that was not tried yet. */
static void
sl_proxy_try(sl_proxy_ctx_t *ctx)
{
    sl_proxy_peer_t  *peer;
    uint32_t          hash;

    hash = 0;
    if (ctx->up->conf->balance == SL_PROXY_BALANCE_HASH) {
        hash = sl_proxy_key_hash(ctx->up->conf, ctx->r);
    }
    peer = sl_proxy_balance(ctx->up, hash, ctx->tried, ctx->tries,
                            sl_current_msec);
    if (peer == NULL) {
        /* After a failed try, running out of peers is that failure's
         * end, already logged. */
        if (ctx->tries == 0) {
            sl_http_request_error(SL_LOG_ERR, ctx->r, 0, "no live upstreams "
                                  "in \"%s\"", ctx->up->conf->name.data);
        }
        sl_proxy_finish(ctx, ctx->last_fail == SL_PROXY_FAIL_TIMEOUT ? 504
                                                                     : 502);
        return;
    }
    ctx->tried[ctx->tries++] = peer;
    ctx->peer = peer;
    if (sl_proxy_addrs_add(ctx, &peer->conf->address) != SL_OK) {
        sl_proxy_finish(ctx, 500);
        return;
    }
    sl_proxy_try_conn(ctx, 1);
}


/* Starts the try on ctx->peer: a kept connection (use_pool) or a new. */
static void
sl_proxy_try_conn(sl_proxy_ctx_t *ctx, int use_pool)
{
    sl_proxy_worker_t  *pw;
    sl_proxy_conn_t    *pc;
    sl_err_t            err;

    pw = ctx->up->worker;
    ctx->peer->active++;
    ctx->try_start = sl_current_msec;
    pc = use_pool ? sl_proxy_pool_get(ctx->peer) : NULL;
    if (pc == NULL) {
        pc = sl_proxy_conn_open(pw, ctx->peer, pw->log, &err);
        if (pc == NULL) {
            ctx->peer->active--;
            ctx->r->action = "connecting to upstream";
            sl_proxy_fail(ctx, SL_PROXY_FAIL_ERROR, err, "connect() failed");
            return;
        }
    }
    ctx->pc = pc;
    pc->c.data = ctx;
    pc->c.read.handler = sl_proxy_upstream_read_handler;
    pc->c.write.handler = sl_proxy_upstream_write_handler;
    ctx->buf->pos = ctx->buf->start;
    ctx->buf->last = ctx->buf->start;
    sl_proxy_parse_init(&ctx->parse);
    sl_proxy_send_rewind(ctx);
    if (pc->connecting) {
        /* The body starts coming in (and 100 Continue goes out) while
         * the connection is made: sl_proxy_send only fills for now. */
        ctx->r->action = "connecting to upstream";
        (void) sl_timer_add(pw->loop, &pc->c.write, ctx->lcf->connect_timeout);
    }
    sl_proxy_send(ctx);
}


/*
 * A try's backend connection is writable: the connect finished (or
 * failed, or timed out under connect_timeout), or the socket took more of
 * the request (send_timeout).
 */
void
sl_proxy_upstream_write_handler(sl_event_t *ev)
{
    sl_proxy_conn_t  *pc;
    sl_proxy_ctx_t   *ctx;
    sl_err_t          err;
    socklen_t         len;

    pc = (sl_proxy_conn_t *) ev->data;
    ctx = pc->c.data;
    if (ev->timedout) {
        if (ctx->head_done) {
            sl_proxy_send_stop(ctx, ETIMEDOUT);
            return;
        }
        sl_proxy_fail(ctx, SL_PROXY_FAIL_TIMEOUT, ETIMEDOUT,
                      pc->connecting ? "connect() timed out"
                                     : "upstream timed out");
        return;
    }
    if (pc->connecting) {
        err = 0;
        len = sizeof(err);
        if (getsockopt(pc->c.fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) {
            err = errno;
        }
        if (err) {
            sl_proxy_fail(ctx, SL_PROXY_FAIL_ERROR, err, "connect() failed");
            return;
        }
        pc->connecting = 0;
        sl_timer_del(ctx->up->worker->loop, &pc->c.write);
    }
    sl_proxy_send(ctx);
}


/* A try's backend connection is readable, or read_timeout passed. */
void
sl_proxy_upstream_read_handler(sl_event_t *ev)
{
    sl_proxy_conn_t  *pc;
    sl_proxy_ctx_t   *ctx;

    pc = (sl_proxy_conn_t *) ev->data;
    ctx = pc->c.data;
    if (ev->timedout) {
        sl_proxy_fail(ctx, SL_PROXY_FAIL_TIMEOUT, ETIMEDOUT,
                      "upstream timed out");
        return;
    }
    if (pc->connecting) {
        return;   /* the write event reports how the connect went */
    }
    sl_proxy_read(ctx);
}


/*
 * A retry must not change what the backend sees: it needs an idempotent
 * method or a first try that sent nothing, and the body bytes to send
 * again.
 */
static int
sl_proxy_may_retry(const sl_proxy_ctx_t *ctx)
{
    return (sl_proxy_method_idempotent(ctx->r->head.method) || !ctx->sent_any)
           && sl_proxy_can_replay(ctx);
}


/*
 * The current try failed (how, with errno err or 0; what happened, for
 * the log). Logs once, closes the connection, counts the failure against
 * the peer, then retries, or ends the request: 502/504 when nothing was
 * sent to the client yet, else the client connection is closed. ctx may
 * be gone when this returns.
 */
void
sl_proxy_fail(sl_proxy_ctx_t *ctx, sl_proxy_fail_e how, sl_err_t err,
    const char *what)
{
    sl_proxy_peer_t  *peer;
    int               stale;

    peer = ctx->peer;
    stale = ctx->pc && ctx->pc->reused && !ctx->head_done
            && how == SL_PROXY_FAIL_ERROR && ctx->parse.pos == 0;
    if (!stale) {
        sl_http_request_error(SL_LOG_ERR, ctx->r, err, "%s", what);
    }
    sl_proxy_release(ctx, 0);
    ctx->last_fail = how;
    if (ctx->head_done) {
        sl_proxy_finish(ctx, SL_ERROR);
        return;
    }
    if (stale && sl_proxy_may_retry(ctx)) {
        /* A kept connection the backend had closed: not the peer's
         * fault, and not a try of its own. */
        sl_proxy_try_conn(ctx, 0);
        return;
    }
    /* The try ends without an answer: logged as the one it leads to. (A
     * stale kept connection retried above is not a try of its own.) */
    if (ctx->tries && ctx->try_log[ctx->tries - 1].status == 0) {
        ctx->try_log[ctx->tries - 1].status =
            how == SL_PROXY_FAIL_TIMEOUT ? 504 : 502;
    }
    if (!stale) {
        sl_proxy_peer_failed(peer, sl_current_msec);
    } else {
        sl_http_request_error(SL_LOG_ERR, ctx->r, err,
                              "%s on a kept connection", what);
    }
    if (how != SL_PROXY_FAIL_INVALID
        && ctx->tries < (sl_uint_t) ctx->lcf->next_upstream_tries
        && sl_proxy_may_retry(ctx))
    {
        sl_proxy_try(ctx);
        return;
    }
    sl_proxy_finish(ctx, how == SL_PROXY_FAIL_TIMEOUT ? 504 : 502);
}


/*
 * Lets go of the current connection: kept for reuse (keep) or closed.
 * Accounts the time spent with the backend.
 */
void
sl_proxy_release(sl_proxy_ctx_t *ctx, int keep)
{
    sl_proxy_conn_t    *pc;
    sl_proxy_worker_t  *pw;

    pc = ctx->pc;
    if (pc == NULL) {
        return;
    }
    pw = ctx->up->worker;
    ctx->pc = NULL;
    ctx->peer->active--;
    ctx->try_log[ctx->tries - 1].time += sl_current_msec - ctx->try_start;
    if (keep) {
        pc->requests++;
        sl_proxy_pool_put(pw, pc);
    } else {
        sl_proxy_conn_close(pw, pc);
    }
}


/*
 * Ends the request: fills the access log's upstream variables and hands
 * the reference back (rc as for sl_http_finalize). ctx is gone after.
 */
void
sl_proxy_finish(sl_proxy_ctx_t *ctx, sl_int_t rc)
{
    sl_http_request_t  *r;

    r = ctx->r;
    sl_proxy_release(ctx, 0);
    r->read_handler = NULL;
    r->write_handler = NULL;
    sl_http_finalize(r, rc);
}


/*
 * Watches the client while the backend works: a client that closes its
 * connection before the response ends has nobody left to answer, and
 * the backend connection is let go at once instead of after a slow
 * backend's answer. Only installed once the engine's body reader is done
 * with the read event. Bytes the client sends meanwhile (a pipelined
 * request) are left where they are for the engine.
 */
void
sl_proxy_watch_client(sl_proxy_ctx_t *ctx)
{
    if (ctx->tunnel || (ctx->body && !ctx->body_eof)) {
        return;
    }
    sl_http_watch_client(ctx->r, sl_proxy_client_gone);
}


/* The client left (the engine logged it): nobody is left to answer. */
static void
sl_proxy_client_gone(sl_http_request_t *r)
{
    sl_proxy_ctx_t  *ctx;

    ctx = r->ctx;
    r->action = NULL;
    sl_proxy_finish(ctx, SL_ERROR);
}


/* Appends addr to "$upstream_addr": "a, b" after a retry. */
static sl_int_t
sl_proxy_addrs_add(sl_proxy_ctx_t *ctx, const sl_str_t *addr)
{
    u_char  *p, *s;

    if (ctx->addrs == NULL) {
        ctx->addrs = addr->data;   /* NUL-terminated, in the cycle pool */
        ctx->addrs_len = addr->len;
        return SL_OK;
    }
    s = sl_pnalloc(ctx->r->pool, ctx->addrs_len + 2 + addr->len + 1);
    if (s == NULL) {
        return SL_ERROR;
    }
    p = sl_cpymem(s, ctx->addrs, ctx->addrs_len);
    *p++ = ',';
    *p++ = ' ';
    p = sl_cpymem(p, addr->data, addr->len);
    *p = '\0';
    ctx->addrs = s;
    ctx->addrs_len = (size_t) (p - s);
    return SL_OK;
}


/* ", upstream: \"...\"" after a line about a request we proxy. */
static u_char *
sl_proxy_log_handler(sl_http_request_t *r, u_char *buf, size_t len)
{
    sl_proxy_ctx_t  *ctx;

    ctx = r->ctx;
    if (ctx == NULL || ctx->peer == NULL) {
        return buf;
    }
    return sl_slprintf(buf, buf + len, ", upstream: \"%s\"",
                       (const char *) ctx->peer->conf->address.data);
}
