/*
 * sl_static_send.c: the response of the static module (modules layer),
 * once sl_static_resolve decided what answers: a redirect, a listing, an
 * error status, or a file (with its .gz sibling), for which the
 * preconditions and the ranges are evaluated (sl_static_cond.c) and the
 * body is queued as buffers: memory when the contents are cached (the
 * engine then sends header and body in one writev), the file range
 * otherwise (sendfile, with the engine's backpressure).
 *
 * The records sent are held by the request pool, so neither an eviction
 * nor a newer version of the file can pull the bytes from under a
 * response in flight.
 */
#include "sl_static.h"

static sl_int_t sl_static_send_redirect(sl_static_ctx_t *ctx);
static sl_int_t sl_static_send_listing(sl_static_ctx_t *ctx);
static sl_int_t sl_static_send_file(sl_static_ctx_t *ctx);
static sl_int_t sl_static_send_status(sl_static_ctx_t *ctx, int status);
static sl_int_t sl_static_send_headers(sl_static_ctx_t *ctx,
    sl_static_file_t *f, int status);
static sl_chain_t *sl_static_send_body(sl_http_request_t *r,
    sl_static_file_t *f, off_t start, off_t end);
static sl_int_t sl_static_send_single(sl_static_ctx_t *ctx,
    sl_static_file_t *f, sl_static_range_t *range);
static sl_int_t sl_static_send_multipart(sl_static_ctx_t *ctx,
    sl_static_file_t *f, sl_static_range_t *ranges, size_t n);
static sl_chain_t *sl_static_send_text(sl_http_request_t *r,
    const u_char *p, size_t len);
static sl_int_t sl_static_send_out(sl_http_request_t *r, sl_chain_t *cl);
static sl_int_t sl_static_send_range(sl_http_request_t *r,
    sl_static_file_t *f, off_t start, off_t end);
static sl_int_t sl_static_send_416(sl_http_request_t *r, off_t size);

/* Multipart boundaries: unique per process and response, not secret. */
static uint32_t  sl_static_boundary_seq;


sl_int_t
sl_static_send(sl_static_ctx_t *ctx)
{
    switch (ctx->result) {
    case SL_STATIC_FOUND:
        return sl_static_send_file(ctx);
    case SL_STATIC_LISTING:
        return sl_static_send_listing(ctx);
    case 301:
        return sl_static_send_redirect(ctx);
    default:
        return sl_static_send_status(ctx, ctx->result);
    }
}


/* An error status: logged here, where the path and errno are known. */
static sl_int_t
sl_static_send_status(sl_static_ctx_t *ctx, int status)
{
    sl_uint_t  level;

    level = SL_LOG_INFO;
    if (status == 403 && ctx->err) {
        level = SL_LOG_ERR;   /* a file we may not read: our setup */
    } else if (status >= 500) {
        level = ctx->err == EMFILE || ctx->err == ENFILE
                || ctx->err == ENOMEM ? SL_LOG_CRIT : SL_LOG_ERR;
    }
    if (ctx->err || status >= 500) {
        sl_http_request_error(level, ctx->r, ctx->err, "static: \"%s\" "
                              "under the root gives %d",
                              (const char *) (ctx->err_file
                                              ? ctx->err_file->key
                                              : ctx->path),
                              status);
    }
    return status;
}


/* "/dir" is a directory: 301 to "/dir/", keeping the query. */
static sl_int_t
sl_static_send_redirect(sl_static_ctx_t *ctx)
{
    sl_http_request_t  *r;
    sl_str_t           *q;
    u_char             *p;
    size_t              len;

    r = ctx->r;
    q = &r->head.query;
    len = sl_str_escape_len(r->uri.data, r->uri.len, sl_static_path_plain)
          + 2 + q->len;
    p = sl_pnalloc(r->pool, len);
    if (p == NULL) {
        return 500;
    }
    r->location.data = p;
    p = sl_str_escape(p, r->uri.data, r->uri.len, sl_static_path_plain);
    *p++ = '/';
    if (q->len) {
        *p++ = '?';
        p = sl_cpymem(p, q->data, q->len);
    }
    r->location.len = (size_t) (p - r->location.data);
    return 301;
}


static sl_int_t
sl_static_send_listing(sl_static_ctx_t *ctx)
{
    sl_http_request_t  *r;
    sl_buf_t           *b;
    sl_chain_t         *cl;

    r = ctx->r;
    if (ctx->listing.err) {
        ctx->err = ctx->listing.err;
        return sl_static_send_status(ctx, sl_static_errno_status(ctx->err));
    }
    sl_static_autoindex_sort(&ctx->listing);
    b = sl_static_autoindex_render(r->pool, &r->uri, &ctx->listing);
    cl = b ? sl_chain_alloc(r->pool, b) : NULL;
    if (cl == NULL) {
        return 500;
    }
    b->last_buf = 1;
    r->status = 200;
    sl_str_set(&r->content_type, "text/html; charset=utf-8");
    r->content_length = b->last - b->pos;
    if (sl_http_send_header(r) != SL_OK) {
        return SL_ERROR;
    }
    return sl_static_send_out(r, cl);
}


static sl_int_t
sl_static_send_file(sl_static_ctx_t *ctx)
{
    sl_http_request_t  *r;
    sl_static_file_t   *f;
    sl_static_cond_t    in;
    sl_static_range_t   ranges[SL_STATIC_MAX_RANGES];
    size_t              n;
    int                 status;

    r = ctx->r;
    f = ctx->file;
    if (ctx->gz && sl_static_accepts_gzip(r->head.headers,
                                          r->head.nheaders))
    {
        f = ctx->gz;
    }
    if (sl_static_file_hold(r->pool, f) != SL_OK) {
        return 500;
    }
    /* Before the preconditions: a 412 or 416 also depends on which of
     * the two files was chosen, so a cache must key it the same way. */
    if (ctx->gz && sl_http_header_add(r, "Vary", (sl_str_t)
                                      sl_string("Accept-Encoding")) != SL_OK)
    {
        return 500;
    }
    memset(&in, 0, sizeof(in));
    in.headers = r->head.headers;
    in.nheaders = r->head.nheaders;
    in.get = r->head.method == SL_HTTP_GET;
    in.safe = 1;
    in.mtime = f->mtime;
    in.etag = ctx->conf->etag ? f->etag : NULL;
    in.etag_len = f->etag_len;
    in.size = f->size;
    status = sl_static_cond_evaluate(&in, ranges, &n);
    if (status == 412) {
        return 412;
    }
    if (status == 416) {
        return sl_static_send_416(r, f->size);
    }
    if (sl_static_send_headers(ctx, f, status) != SL_OK) {
        return 500;
    }
    if (status == 304) {
        r->status = 304;
        return sl_http_send_header(r) == SL_OK ? sl_static_send_out(r, NULL)
                                               : SL_ERROR;
    }
    if (status == 206 && n > 1) {
        return sl_static_send_multipart(ctx, f, ranges, n);
    }
    if (status == 206) {
        return sl_static_send_single(ctx, f, &ranges[0]);
    }
    r->status = 200;
    r->content_length = f->size;
    return sl_static_send_range(r, f, 0, f->size);
}


/* The header, then [start, end) of f as the whole body. */
static sl_int_t
sl_static_send_range(sl_http_request_t *r, sl_static_file_t *f, off_t start,
    off_t end)
{
    sl_chain_t  *cl;

    cl = NULL;
    if (!r->header_only) {
        cl = sl_static_send_body(r, f, start, end);
        if (cl == NULL) {
            return 500;
        }
        cl->buf->last_buf = 1;
    }
    if (sl_http_send_header(r) != SL_OK) {
        return SL_ERROR;
    }
    return sl_static_send_out(r, cl);
}


/* 416 with the size, so the client can ask again (RFC 9110 15.5.17). */
static sl_int_t
sl_static_send_416(sl_http_request_t *r, off_t size)
{
    sl_str_t  v;
    u_char   *p;

    p = sl_pnalloc(r->pool, sl_lit_len("bytes */") + 20);
    if (p == NULL) {
        return 500;
    }
    v.data = p;
    p = sl_cpymem_lit(p, "bytes */");
    p = sl_utoa(p, (uint64_t) size);
    v.len = (size_t) (p - v.data);
    if (sl_http_header_add(r, "Content-Range", v) != SL_OK) {
        return 500;
    }
    return 416;
}


/*
 * The headers every 200, 206 and 304 of f carries: validators,
 * Content-Encoding when f is the .gz sibling, and Accept-Ranges. (Vary is
 * added before, for every answer about a file with a usable sibling.)
 */
static sl_int_t
sl_static_send_headers(sl_static_ctx_t *ctx, sl_static_file_t *f,
    int status)
{
    sl_http_request_t  *r;

    r = ctx->r;
    r->last_modified = f->mtime;
    if (ctx->conf->etag) {
        r->etag.data = f->etag;
        r->etag.len = f->etag_len;
    }
    /* The type follows from the name (of the file, not its .gz), so a
     * cached file looks it up once. */
    if (ctx->file->type == NULL) {
        ctx->file->type = sl_static_conf_type(ctx->conf, ctx->file->key,
                                              ctx->file->key_len);
    }
    r->content_type = *ctx->file->type;
    if (f == ctx->gz && status != 304
        && sl_http_header_add(r, "Content-Encoding",
                              (sl_str_t) sl_string("gzip")) != SL_OK)
    {
        return SL_ERROR;
    }
    if (status != 304
        && sl_http_header_add(r, "Accept-Ranges", (sl_str_t)
                              sl_string("bytes")) != SL_OK)
    {
        return SL_ERROR;
    }
    return SL_OK;
}


/* One buffer for [start, end) of f: its cached bytes or its file range. */
static sl_chain_t *
sl_static_send_body(sl_http_request_t *r, sl_static_file_t *f, off_t start,
    off_t end)
{
    sl_buf_t  *b;

    b = sl_buf_calloc(r->pool);
    if (b == NULL) {
        return NULL;
    }
    if (f->data) {
        b->memory = 1;
        b->start = f->data;
        b->pos = f->data + start;
        b->last = f->data + end;
        b->end = f->data + f->size;
        b->fd = -1;
    } else {
        b->in_file = 1;
        b->fd = f->fd;
        b->file_pos = start;
        b->file_last = end;
    }
    return sl_chain_alloc(r->pool, b);
}


static sl_int_t
sl_static_send_single(sl_static_ctx_t *ctx, sl_static_file_t *f,
    sl_static_range_t *range)
{
    sl_http_request_t  *r;
    sl_str_t            v;
    u_char             *p;

    r = ctx->r;
    p = sl_pnalloc(r->pool, 80);
    if (p == NULL) {
        return 500;
    }
    v.data = p;
    p = sl_slprintf(p, p + 80, "bytes %lld-%lld/%lld",
                    (long long) range->start, (long long) range->last,
                    (long long) f->size);
    v.len = (size_t) (p - v.data);
    if (sl_http_header_add(r, "Content-Range", v) != SL_OK) {
        return 500;
    }
    r->status = 206;
    r->content_length = range->last - range->start + 1;
    return sl_static_send_range(r, f, range->start, range->last + 1);
}


/*
 * multipart/byteranges (RFC 9110 14.6): each part is a boundary line, its
 * Content-Type and Content-Range, and the bytes; the Content-Length is
 * known before anything is sent.
 */
static sl_int_t
sl_static_send_multipart(sl_static_ctx_t *ctx, sl_static_file_t *f,
    sl_static_range_t *ranges, size_t n)
{
    sl_http_request_t  *r;
    sl_chain_t         *head, **tail, *cl;
    sl_str_t            type;
    u_char              boundary[32], part[512], *p;
    size_t              blen, i;

    r = ctx->r;
    type = r->content_type;   /* the parts' type; the whole's is below */
    p = sl_slprintf(boundary, boundary + sizeof(boundary), "%08x%08x%08x",
                    (unsigned) getpid(), (unsigned) sl_current_sec,
                    ++sl_static_boundary_seq);
    blen = (size_t) (p - boundary);
    p = sl_pnalloc(r->pool, sizeof("multipart/byteranges; boundary=") + blen);
    if (p == NULL) {
        return 500;
    }
    r->content_type.data = p;
    p = sl_cpymem_lit(p, "multipart/byteranges; boundary=");
    p = sl_cpymem(p, boundary, blen);
    r->content_type.len = (size_t) (p - r->content_type.data);

    head = NULL;
    tail = &head;
    for (i = 0; i <= n; i++) {
        if (i < n) {
            p = sl_slprintf(part, part + sizeof(part), "\r\n--%.*s\r\n"
                            "Content-Type: %.*s\r\nContent-Range: bytes "
                            "%lld-%lld/%lld\r\n\r\n", (int) blen, boundary,
                            (int) type.len, type.data,
                            (long long) ranges[i].start,
                            (long long) ranges[i].last, (long long) f->size);
        } else {
            p = sl_slprintf(part, part + sizeof(part), "\r\n--%.*s--\r\n",
                            (int) blen, boundary);
        }
        cl = sl_static_send_text(r, part, (size_t) (p - part));
        if (cl == NULL) {
            return 500;
        }
        *tail = cl;
        tail = &cl->next;
        if (i == n) {
            cl->buf->last_buf = 1;
            break;
        }
        cl = sl_static_send_body(r, f, ranges[i].start, ranges[i].last + 1);
        if (cl == NULL) {
            return 500;
        }
        *tail = cl;
        tail = &cl->next;
    }
    r->status = 206;
    r->content_length = sl_chain_size(head);   /* parts and their heads */
    if (sl_http_send_header(r) != SL_OK) {
        return SL_ERROR;
    }
    return sl_static_send_out(r, r->header_only ? NULL : head);
}


/* A copy of p[0..len) in the request pool, as a chain link. */
static sl_chain_t *
sl_static_send_text(sl_http_request_t *r, const u_char *p, size_t len)
{
    sl_buf_t  *b;

    b = sl_buf_create_temp(r->pool, len);
    if (b == NULL) {
        return NULL;
    }
    b->last = sl_cpymem(b->last, p, len);
    return sl_chain_alloc(r->pool, b);
}


/* Queues cl (NULL: the header alone) and tells the engine how it went. */
static sl_int_t
sl_static_send_out(sl_http_request_t *r, sl_chain_t *cl)
{
    return sl_http_output(r, cl) == SL_ERROR ? SL_ERROR : SL_OK;
}
