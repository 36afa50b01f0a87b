/*
 * sl_static_resolve.c: which file answers a request path (modules layer,
 * static module). One decision procedure, two ways of looking paths up:
 * from the open-file cache only (on the loop, no system call; "not known"
 * stops the procedure and the request goes to the disk), or from the disk
 * (on a thread-pool thread, or inline when the worker has none). Running
 * the same code both ways means a cached answer can never differ from
 * what the disk would say within the validity window.
 *
 * The decisions:
 *   /path       a regular file: send it; a directory: 301 to "/path/";
 *               anything else: 404.
 *   /path/      the index files in order; one that exists but cannot be
 *               read is a 403 (not a silent fall-through to the next); no
 *               index: a listing with autoindex, else 403; the path being
 *               a file: 404.
 *   gzip_static the chosen file's ".gz" sibling, if it is a regular file
 *               and not older than the file.
 * Errors: EACCES, EPERM are 403; ENOENT, ENOTDIR, ELOOP, EXDEV (a path
 * escaping the root), ENAMETOOLONG are 404, with the same body as any
 * other 404; anything else is 500.
 */
#include "sl_static.h"

static sl_int_t sl_static_resolve_index(sl_static_ctx_t *ctx,
    sl_static_lookup_pt lookup);
static sl_int_t sl_static_resolve_gzip(sl_static_ctx_t *ctx,
    sl_static_lookup_pt lookup);
static sl_int_t sl_static_resolve_error(sl_static_ctx_t *ctx,
    sl_static_file_t *f);
static size_t sl_static_resolve_join(sl_static_ctx_t *ctx,
    const sl_str_t *name);


sl_int_t
sl_static_resolve(sl_static_ctx_t *ctx, sl_static_lookup_pt lookup)
{
    sl_static_file_t  *f;
    sl_int_t           rc;

    ctx->file = NULL;
    ctx->gz = NULL;
    ctx->dir = NULL;
    ctx->err = 0;
    ctx->err_file = NULL;
    if (ctx->dir_request) {
        rc = sl_static_resolve_index(ctx, lookup);
        if (rc != SL_OK || ctx->file == NULL) {
            return rc;
        }
    } else {
        f = lookup(ctx, ctx->path, ctx->path_len);
        if (f == NULL) {
            return SL_AGAIN;
        }
        if (f->err) {
            return sl_static_resolve_error(ctx, f);
        }
        if (f->is_dir) {
            ctx->result = 301;
            return SL_OK;
        }
        ctx->file = f;
    }
    ctx->result = SL_STATIC_FOUND;
    return ctx->conf->gzip_static ? sl_static_resolve_gzip(ctx, lookup)
                                  : SL_OK;
}


static sl_int_t
sl_static_resolve_index(sl_static_ctx_t *ctx, sl_static_lookup_pt lookup)
{
    sl_static_file_t  *f;
    size_t             i, len;

    for (i = 0; i < ctx->conf->index.n; i++) {
        len = sl_static_resolve_join(ctx, &ctx->conf->index.items[i]);
        f = lookup(ctx, ctx->key, len);
        if (f == NULL) {
            return SL_AGAIN;
        }
        if (f->err == 0 && f->is_reg) {
            ctx->file = f;
            return SL_OK;
        }
        if (f->err == EACCES || f->err == EPERM) {
            return sl_static_resolve_error(ctx, f);
        }
    }
    f = lookup(ctx, ctx->path, ctx->path_len);
    if (f == NULL) {
        return SL_AGAIN;
    }
    if (f->err) {
        return sl_static_resolve_error(ctx, f);
    }
    if (!f->is_dir) {
        ctx->result = 404;   /* "/file/": a file is not a directory */
        return SL_OK;
    }
    ctx->dir = f;
    ctx->result = ctx->conf->autoindex ? SL_STATIC_LISTING : 403;
    return SL_OK;
}


static sl_int_t
sl_static_resolve_gzip(sl_static_ctx_t *ctx, sl_static_lookup_pt lookup)
{
    sl_static_file_t  *f, *g;
    u_char            *p;

    f = ctx->file;
    p = sl_cpymem(ctx->key, f->key, f->key_len);
    p = sl_cpymem_lit(p, ".gz");
    *p = '\0';
    g = lookup(ctx, ctx->key, (size_t) (p - ctx->key));
    if (g == NULL) {
        return SL_AGAIN;
    }
    if (g->err == 0 && g->is_reg && g->mtime >= f->mtime) {
        ctx->gz = g;
    }
    return SL_OK;
}


static sl_int_t
sl_static_resolve_error(sl_static_ctx_t *ctx, sl_static_file_t *f)
{
    ctx->err = f->err;
    ctx->err_file = f;
    ctx->result = sl_static_errno_status(f->err);
    return SL_OK;
}


int
sl_static_errno_status(int err)
{
    switch (err) {
    case EACCES:
    case EPERM:
        return 403;
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
    case EXDEV:
    case ENAMETOOLONG:
        return 404;
    default:
        return 500;
    }
}


/* ctx->key = path "/" name (name alone at the root); returns its length. */
static size_t
sl_static_resolve_join(sl_static_ctx_t *ctx, const sl_str_t *name)
{
    u_char  *p;

    p = ctx->key;
    if (!(ctx->path_len == 1 && ctx->path[0] == '.')) {
        p = sl_cpymem(p, ctx->path, ctx->path_len);
        *p++ = '/';
    }
    p = sl_cpymem(p, name->data, name->len);
    *p = '\0';
    return (size_t) (p - ctx->key);
}


sl_static_file_t *
sl_static_lookup_cached(sl_static_ctx_t *ctx, const u_char *key, size_t len)
{
    return sl_static_cache_get(&ctx->sl->cache, key, len, sl_current_msec);
}


sl_static_file_t *
sl_static_lookup_disk(sl_static_ctx_t *ctx, const u_char *key, size_t len)
{
    sl_static_file_t  *f;
    unsigned           flags;
    size_t             small;

    if (ctx->nlooked == ctx->max_looked) {
        ctx->oom = 1;   /* cannot happen: sized for the worst case */
        return NULL;
    }
    flags = ctx->conf->symlinks == SL_STATIC_SYMLINKS_OFF
            ? SL_STATIC_OPEN_NO_SYMLINKS : 0;
    small = sl_min((size_t) SL_STATIC_SMALL_MAX,
                   ctx->conf->open_file_cache.max_bytes);
    if (ctx->sl->cache.buckets) {
        flags |= SL_STATIC_OPEN_READ_SMALL;
    }
    f = sl_static_file_open(ctx->sl->root_fd, key, len, flags, small);
    if (f == NULL) {
        ctx->oom = 1;
        return NULL;
    }
    ctx->looked[ctx->nlooked++] = f;
    return f;
}
