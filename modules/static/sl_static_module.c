/*
 * sl_static_module.c: the static file module (modules layer): the
 * sl_http_module_t the engine knows, the worker hooks that open each
 * location's root and set up its open-file cache, and the handler.
 *
 * A request, in order:
 *   1. GET and HEAD only (else 405 with Allow); a path with an encoded
 *      slash (%2F) is 404: no file name holds a '/', so the client cannot
 *      mean a file; a hidden path under `dotfiles = "deny"` is 404.
 *   2. The path is resolved from the open-file cache alone. When every
 *      record it needs is there and fresh, the response is built at once:
 *      for a small file that is no file system call at all.
 *   3. Otherwise the lookups (open, fstat, reading a small file, reading a
 *      directory for a listing) run on the worker's thread pool and the
 *      request continues on the loop when they are done (the handler
 *      returns SL_DONE and the completion finalizes). Without a thread
 *      pool (thread_pool_threads = 0), or when its queue is full, they run
 *      inline.
 *   4. The fresh records go into the cache (sl_static_cache_insert keeps
 *      the old record when the file has not changed), then the response
 *      is sent (sl_static_send.c).
 */
#include "sl_static.h"

static sl_int_t sl_static_handler(sl_http_request_t *r);
static sl_int_t sl_static_init_worker(sl_http_worker_t *w, void *main_conf);
static void sl_static_exit_worker(sl_http_worker_t *w, void *main_conf);
static sl_static_loc_t *sl_static_loc_create(sl_http_worker_t *w,
    sl_static_conf_t *conf);
static int sl_static_root_open(const sl_http_server_t *srv);
static sl_static_loc_t *sl_static_loc_get(const sl_static_conf_t *conf);
static sl_static_ctx_t *sl_static_ctx_create(sl_http_request_t *r,
    sl_static_conf_t *conf);
static sl_int_t sl_static_disk(sl_static_ctx_t *ctx);
static void sl_static_work(void *data);
static void sl_static_done_handler(sl_event_t *ev);
static sl_int_t sl_static_finish(sl_static_ctx_t *ctx);
static void sl_static_adopt(sl_static_ctx_t *ctx);
static void sl_static_adopt_follow(sl_static_ctx_t *ctx,
    const sl_static_file_t *old, sl_static_file_t *use);

sl_http_module_t  sl_static_module = {
    .name = "static",               /* the key inside a location */
    .fields = sl_static_conf_fields,
    .conf_size = sizeof(sl_static_conf_t),
    .conf_init = sl_static_conf_init,
    .conf_check = sl_static_conf_check,
    .main_parse = sl_static_main_parse,
    .init_worker = sl_static_init_worker,
    .exit_worker = sl_static_exit_worker,
    .handler = sl_static_handler
    /* extra_fds 0: open files are the cache's, see sl_rlimit.h */
};


static int
sl_static_root_open(const sl_http_server_t *srv)
{
    if (srv->root.len == 0) {
        errno = ENOENT;
        return -1;
    }
    return open((const char *) srv->root.data,
                O_PATH | O_DIRECTORY | O_CLOEXEC);
}


static sl_static_loc_t *
sl_static_loc_create(sl_http_worker_t *w, sl_static_conf_t *conf)
{
    sl_static_loc_t  *sl;
    sl_err_t          err;

    sl = calloc(1, sizeof(sl_static_loc_t));
    if (sl == NULL || sl_static_cache_init(&sl->cache,
                                           &conf->open_file_cache) != SL_OK)
    {
        free(sl);
        sl_log_error(SL_LOG_CRIT, &w->cycle->log, 0, "static: out of memory "
                     "for the open-file cache");
        return NULL;
    }
    sl->root_fd = sl_static_root_open(conf->loc->server);
    if (sl->root_fd == -1) {
        /* Not fatal: requests get 404 until the root exists. */
        err = errno;
        sl_log_error(SL_LOG_ERR, &w->cycle->log, err, "static: cannot open "
                     "the root \"%s\" of location \"%s\" (line %lu)",
                     conf->loc->server->root.len
                     ? (const char *) conf->loc->server->root.data : "",
                     (const char *) conf->loc->match.data,
                     (unsigned long) conf->loc->line);
    }
    return sl;
}


static sl_int_t
sl_static_init_worker(sl_http_worker_t *w, void *main_conf)
{
    sl_http_location_t  *loc;
    sl_static_conf_t    *conf;
    sl_static_main_t    *smc;
    sl_static_worker_t  *sw;
    sl_uint_t            i, j;

    smc = main_conf;
    sw = calloc(1, sizeof(sl_static_worker_t));
    if (sw) {
        sw->locs = calloc(sl_max(smc->nlocs, 1), sizeof(sl_static_loc_t *));
    }
    if (sw == NULL || sw->locs == NULL) {
        free(sw);
        sl_log_error(SL_LOG_EMERG, &w->cycle->log, errno, "static: out of "
                     "memory at worker start");
        return SL_ERROR;
    }
    sl_http_module_worker(w, &sl_static_module) = sw;
    for (i = 0; i < w->main->nservers; i++) {
        for (j = 0; j < w->main->servers[i]->nlocations; j++) {
            loc = w->main->servers[i]->locations[j];
            if (loc->module != &sl_static_module) {
                continue;
            }
            conf = loc->module_conf;
            sw->locs[conf->slot] = sl_static_loc_create(w, conf);
            if (sw->locs[conf->slot] == NULL) {
                return SL_ERROR;
            }
            sw->nlocs = sl_max(sw->nlocs, conf->slot + 1);
        }
    }
    return SL_OK;
}


static void
sl_static_exit_worker(sl_http_worker_t *w, void *main_conf)
{
    sl_static_worker_t  *sw;
    sl_uint_t            i;

    (void) main_conf;
    sw = sl_http_module_worker(w, &sl_static_module);
    if (sw == NULL) {
        return;
    }
    for (i = 0; i < sw->nlocs; i++) {
        /* A thread may still be reading below the root: the pool is
         * destroyed after us, so the descriptor stays open. */
        if (sw->locs[i]) {
            sl_static_cache_destroy(&sw->locs[i]->cache);
        }
    }
    free(sw->locs);
    free(sw);
    sl_http_module_worker(w, &sl_static_module) = NULL;
}


/* This worker's state of the static location conf. */
static sl_static_loc_t *
sl_static_loc_get(const sl_static_conf_t *conf)
{
    sl_static_worker_t  *sw;

    sw = sl_http_module_worker(sl_http_worker, &sl_static_module);
    return sw->locs[conf->slot];
}


static sl_int_t
sl_static_handler(sl_http_request_t *r)
{
    sl_static_conf_t  *conf;
    sl_static_ctx_t   *ctx;
    sl_static_loc_t   *sl;

    conf = r->loc->module_conf;
    if (r->head.method != SL_HTTP_GET && r->head.method != SL_HTTP_HEAD) {
        return sl_http_header_add(r, "Allow", (sl_str_t)
                                  sl_string("GET, HEAD")) == SL_OK
               ? 405 : 500;
    }
    if ((r->uri_flags & SL_HTTP_PATH_ENCODED_SLASH)
        || memchr(r->uri.data, '\0', r->uri.len) != NULL
        || (conf->dotfiles == SL_STATIC_DOTFILES_DENY
            && sl_static_path_hidden(r->uri.data, r->uri.len)))
    {
        return 404;
    }
    sl = sl_static_loc_get(conf);
    if (sl->root_fd == -1) {
        sl->root_fd = sl_static_root_open(r->loc->server);
        if (sl->root_fd == -1) {
            return 404;   /* logged when the worker started */
        }
    }
    ctx = sl_static_ctx_create(r, conf);
    if (ctx == NULL) {
        return 500;
    }
    if (sl_static_resolve(ctx, sl_static_lookup_cached) == SL_OK
        && ctx->result != SL_STATIC_LISTING)
    {
        return sl_static_send(ctx);
    }
    return sl_static_disk(ctx);
}


static sl_static_ctx_t *
sl_static_ctx_create(sl_http_request_t *r, sl_static_conf_t *conf)
{
    sl_static_ctx_t  *ctx;
    size_t            len;

    ctx = sl_pcalloc(r->pool, sizeof(sl_static_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }
    ctx->r = r;
    ctx->conf = conf;
    ctx->sl = sl_static_loc_get(conf);
    ctx->dir_request = r->uri.data[r->uri.len - 1] == '/';
    len = r->uri.len - 1 - (r->uri.len > 1 && ctx->dir_request);
    if (len == 0) {
        ctx->path = (u_char *) ".";
        ctx->path_len = 1;
    } else {
        ctx->path = sl_pstrdup(r->pool, r->uri.data + 1, len);
        ctx->path_len = len;
    }
    ctx->key = sl_pnalloc(r->pool, ctx->path_len + conf->index_max + 8);
    ctx->max_looked = conf->index.n + 3;
    ctx->looked = sl_palloc(r->pool, ctx->max_looked
                                     * sizeof(sl_static_file_t *));
    if (ctx->path == NULL || ctx->key == NULL || ctx->looked == NULL) {
        return NULL;
    }
    return ctx;
}


/* The lookups the cache could not answer: on a thread, or inline. */
static sl_int_t
sl_static_disk(sl_static_ctx_t *ctx)
{
    sl_thread_pool_t  *tp;

    tp = sl_http_worker ? sl_http_worker->thread_pool : NULL;
    if (tp) {
        ctx->task.work = sl_static_work;
        ctx->task.ctx = ctx;
        ctx->task.event.handler = sl_static_done_handler;
        ctx->task.event.data = ctx;
        if (sl_thread_pool_post(tp, &ctx->task) == SL_OK) {
            return SL_DONE;   /* sl_static_done_handler finalizes */
        }
    }
    sl_static_work(ctx);
    return sl_static_finish(ctx);
}


/*
 * The blocking part; may run on a pool thread. It reads and writes only
 * ctx and new records (the request sleeps meanwhile: nothing else
 * touches ctx), and the root descriptor stays open for the worker's life.
 */
static void
sl_static_work(void *data)
{
    sl_static_ctx_t  *ctx;

    ctx = data;
    ctx->nlooked = 0;
    if (sl_static_resolve(ctx, sl_static_lookup_disk) != SL_OK
        || ctx->result != SL_STATIC_LISTING)
    {
        return;
    }
    sl_static_autoindex_read(ctx->sl->root_fd, (const char *) ctx->path,
                             ctx->conf->symlinks == SL_STATIC_SYMLINKS_OFF
                             ? SL_STATIC_OPEN_NO_SYMLINKS : 0,
                             ctx->conf->dotfiles == SL_STATIC_DOTFILES_ALLOW,
                             &ctx->listing);
}


static void
sl_static_done_handler(sl_event_t *ev)
{
    sl_static_ctx_t  *ctx;

    ctx = ev->data;
    sl_http_finalize(ctx->r, sl_static_finish(ctx));
}


/* Back on the loop: cache what was found, answer, drop what is unused. */
static sl_int_t
sl_static_finish(sl_static_ctx_t *ctx)
{
    sl_int_t  rc;
    size_t    i;

    sl_static_adopt(ctx);
    if (ctx->oom) {
        sl_http_request_error(SL_LOG_CRIT, ctx->r, 0, "static: out of "
                              "memory looking up \"%s\"",
                              (const char *) ctx->path);
        rc = 500;
    } else {
        rc = sl_static_send(ctx);
    }
    for (i = 0; i < ctx->nlooked; i++) {
        ctx->looked[i]->refs--;
        sl_static_file_drop(ctx->looked[i]);
    }
    sl_static_autoindex_free(&ctx->listing);
    return rc;
}


/*
 * Offers each fresh record to the cache. Every record is pinned (refs)
 * meanwhile, so an insertion that evicts another record of this very
 * request cannot free it before the response holds it.
 */
static void
sl_static_adopt(sl_static_ctx_t *ctx)
{
    sl_static_file_t  *f, *use;
    size_t             i;

    for (i = 0; i < ctx->nlooked; i++) {
        ctx->looked[i]->refs++;
    }
    for (i = 0; i < ctx->nlooked; i++) {
        f = ctx->looked[i];
        use = sl_static_cache_insert(&ctx->sl->cache, f, sl_current_msec);
        if (use == f) {
            continue;
        }
        use->refs++;
        ctx->looked[i] = use;
        sl_static_adopt_follow(ctx, f, use);
        f->refs--;
        sl_static_file_drop(f);
    }
}


/*
 * Points every record pointer the request keeps from old to use. The
 * table below is the one list of them: a field added to sl_static_ctx_t
 * that points at a record belongs here, or the request would keep a
 * pointer into the record the adoption frees.
 */
static void
sl_static_adopt_follow(sl_static_ctx_t *ctx, const sl_static_file_t *old,
    sl_static_file_t *use)
{
    sl_static_file_t  **held[] = { &ctx->file, &ctx->gz, &ctx->dir,
                                   &ctx->err_file };
    size_t              i;

    for (i = 0; i < sl_nelem(held); i++) {
        if (*held[i] == old) {
            *held[i] = use;
        }
    }
}
