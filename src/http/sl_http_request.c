/*
 * sl_http_request.c: what happens to a request once its head is parsed
 * (http layer): the checks the parser leaves to the engine, the keep-alive
 * decision, routing, the `return` answer or the content module's handler,
 * and finalizing: the standard response for a status, waiting for output
 * to drain, then handing the connection back (sl_http_conn.c).
 */
#include "sl_http.h"

static sl_int_t sl_http_request_check(sl_http_request_t *r);
static sl_int_t sl_http_request_route(sl_http_request_t *r);
static sl_int_t sl_http_request_return(sl_http_request_t *r);
static void sl_http_request_run(sl_http_request_t *r);
static void sl_http_request_keepalive(sl_http_request_t *r);
static void sl_http_request_terminate(sl_http_request_t *r);


void
sl_http_request_start(sl_http_request_t *r)
{
    sl_int_t  rc;

    r->body_pos = r->c->buffer->pos + r->head_len;
    r->body_last = r->c->buffer->last;
    r->body_left = r->head.chunked ? -1 : sl_max(r->head.content_length, 0);
    if (r->head.chunked) {
        sl_http_chunked_init(&r->chunked);
    }
    r->header_only = r->head.method == SL_HTTP_HEAD;
    sl_http_request_keepalive(r);

    rc = sl_http_request_check(r);
    if (rc == SL_OK) {
        rc = sl_http_request_route(r);
    }
    if (rc != SL_OK) {
        sl_http_finalize(r, rc);
        return;
    }
    sl_http_request_run(r);
}


static void
sl_http_request_keepalive(sl_http_request_t *r)
{
    sl_http_head_t  *h;

    h = &r->head;
    if (h->http_minor >= 1) {
        r->keepalive = !h->conn_close;
    } else {
        r->keepalive = h->conn_keep_alive && !h->conn_close;
    }
    if (r->main->keepalive_requests
        && r->hc->requests + 1 >= (sl_uint_t) r->main->keepalive_requests)
    {
        r->keepalive = 0;
    }
    if (sl_http_worker->shutting_down || r->main->keepalive_timeout == 0) {
        r->keepalive = 0;
    }
}


/* What the parser accepts but this server does not serve. */
static sl_int_t
sl_http_request_check(sl_http_request_t *r)
{
    sl_http_head_t  *h;
    const char      *err;
    u_char          *dst;

    h = &r->head;
    if (h->method == SL_HTTP_UNKNOWN || h->method == SL_HTTP_CONNECT
        || h->method == SL_HTTP_TRACE)
    {
        r->keepalive = 0;   /* we cannot know what follows its head */
        return 501;
    }
    if (h->expect_other) {
        return 417;
    }
    if (h->content_length > 0 && r->main->client_max_body_size
        && (uint64_t) h->content_length > r->main->client_max_body_size)
    {
        r->keepalive = 0;   /* the body stays unread */
        return 413;
    }
    if (h->target_form == SL_HTTP_TARGET_ASTERISK) {
        sl_str_set(&r->uri, "*");
        return SL_OK;
    }
    if (h->target_form == SL_HTTP_TARGET_AUTHORITY) {
        return 400;
    }
    dst = sl_pnalloc(r->pool, sl_max(h->path.len, (size_t) 1));
    if (dst == NULL) {
        return 500;
    }
    err = NULL;
    if (sl_http_parse_path(&h->path, dst, &r->uri, &r->uri_flags, &err)
        != SL_OK)
    {
        sl_http_request_error(SL_LOG_INFO, r, 0, "bad request path: %s",
                              err ? err : "invalid");
        return 400;
    }
    return SL_OK;
}


static sl_int_t
sl_http_request_route(sl_http_request_t *r)
{
    r->host = r->head.host;
    r->server = sl_http_route_server(r->hc->addr, &r->head.host);
    if (r->head.target_form == SL_HTTP_TARGET_ASTERISK) {
        return SL_OK;
    }
    r->loc = sl_http_route_location(r->server, &r->uri);
    return r->loc ? SL_OK : 404;
}


static void
sl_http_request_run(sl_http_request_t *r)
{
    sl_int_t  rc;

    if (r->head.target_form == SL_HTTP_TARGET_ASTERISK) {
        /* OPTIONS *: what the server as a whole allows. */
        r->status = 200;
        r->content_length = 0;
        if (sl_http_header_add(r, "Allow", (sl_str_t) sl_string(
                "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS")) != SL_OK
            || sl_http_send_header(r) != SL_OK)
        {
            sl_http_finalize(r, 500);
            return;
        }
        sl_http_finalize(r, sl_http_output(r, NULL) == SL_ERROR
                            ? SL_ERROR : SL_OK);
        return;
    }
    if (r->loc->module == NULL) {
        sl_http_finalize(r, sl_http_request_return(r));
        return;
    }
    rc = r->loc->module->handler(r);
    if (rc == SL_DONE) {
        return;   /* the module finalizes */
    }
    if (rc == SL_DECLINED) {
        rc = 404;
    } else if (rc == SL_ERROR) {
        rc = r->header_sent ? SL_ERROR : 500;
    }
    sl_http_finalize(r, rc);
}


static sl_int_t
sl_http_request_return(sl_http_request_t *r)
{
    sl_http_location_t  *loc;
    sl_int_t             rc;

    loc = r->loc;
    if (loc->return_location.len) {
        r->location = loc->return_location;
    }
    if (loc->return_body.len == 0 && loc->return_status >= 300) {
        return loc->return_status;   /* the standard page */
    }
    rc = sl_http_send_simple(r, (int) loc->return_status, &loc->return_body,
                             "text/plain");
    return rc == SL_ERROR ? SL_ERROR : SL_OK;
}


void
sl_http_finalize(sl_http_request_t *r, sl_int_t rc)
{
    sl_http_unwatch_client(r);
    if (rc >= 100 && !r->header_sent) {
        r->error_page = 1;
        rc = sl_http_send_simple(r, (int) rc, NULL, NULL);
        if (rc == SL_AGAIN) {
            rc = SL_OK;
        }
    } else if (rc >= 100) {
        /* Too late for a status: the client must see the body cut. */
        rc = SL_ERROR;
    }
    if (rc == SL_ERROR) {
        sl_http_request_terminate(r);
        return;
    }
    if (r->count > 0) {
        r->count--;
    }
    if (r->count > 0) {
        return;
    }
    r->finalized = 1;
    if (r->out) {
        return;   /* sl_http_request_write_handler finishes */
    }
    sl_http_conn_request_done(r);
}


/* Nothing more can be said on this connection: log and close. */
static void
sl_http_request_terminate(sl_http_request_t *r)
{
    sl_conn_t  *c;

    c = r->c;
    if (r->head.request_line.len && sl_http_worker->access_log) {
        sl_http_access_log_write(sl_http_worker->access_log, r);
    }
    sl_http_conn_close(c);
}
