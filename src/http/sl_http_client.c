/*
 * sl_http_client.c: what a module may ask of a request's client
 * connection without touching it (http layer): to be told when the client
 * goes away while the module waits on something else, to switch protocols
 * (a 101 answer), and to take the connection over for a tunnel. The
 * module never sets the connection's handlers or reads its buffer itself:
 * with HTTP/2 a request is a stream, and these calls are what a second
 * implementation provides.
 */
#include "sl_http.h"

static void sl_http_client_watch_handler(sl_event_t *ev);


void
sl_http_v1_watch_client(sl_http_request_t *r, sl_http_event_pt gone)
{
    sl_conn_t  *c;

    c = r->c;
    r->gone_handler = gone;
    c->read.handler = sl_http_client_watch_handler;
    if (c->read.eof || c->read.error) {
        sl_http_client_watch_handler(&c->read);
    }
}


/*
 * A read event while a module waits: peeks, so bytes the client sends
 * meanwhile (a pipelined request) stay where they are for the engine.
 */
static void
sl_http_client_watch_handler(sl_event_t *ev)
{
    sl_http_request_t  *r;
    sl_conn_t          *c;
    u_char              b[1];
    ssize_t             n;
    sl_err_t            err;

    c = ev->data;
    r = ((sl_http_conn_t *) c->data)->request;
    n = recv(c->fd, b, sizeof(b), MSG_PEEK);
    err = errno;
    if (n > 0 || (n == -1 && (err == EAGAIN || err == EINTR))) {
        return;
    }
    c->read.handler = NULL;   /* the request is about to end */
    sl_http_conn_error(SL_LOG_INFO, c, n == 0 ? 0 : err, "client closed the "
                       "connection before the response ended");
    r->gone_handler(r);
}


void
sl_http_v1_unwatch_client(sl_http_request_t *r)
{
    if (r->c->read.handler == sl_http_client_watch_handler) {
        r->c->read.handler = NULL;   /* events recorded until the engine
                                        takes over again */
    }
}


void
sl_http_upgrade(sl_http_request_t *r)
{
    r->upgrade = 1;
    r->keepalive = 1;   /* the connection ends with the tunnel, not now */
    r->content_length = -1;
}


sl_conn_t *
sl_http_v1_take_over(sl_http_request_t *r, sl_str_t *early)
{
    sl_http_worker_t  *w;
    sl_conn_t         *c;
    u_char            *from;

    w = sl_http_worker;
    c = r->c;
    from = r->body_pos ? r->body_pos : c->buffer->pos + r->head_len;
    early->data = from;
    early->len = c->buffer && c->buffer->last > from
                 ? (size_t) (c->buffer->last - from) : 0;
    if (early->len) {
        c->buffer->last = from;   /* the module's now */
    }
    sl_timer_del(w->loop, &c->read);
    sl_timer_del(w->loop, &c->write);
    c->read.handler = NULL;
    c->write.handler = NULL;
    /* Whatever the client sent while we waited was recorded, not read:
     * the module tries both directions at once. */
    c->read.ready = 1;
    c->write.ready = 1;
    return c;
}


sl_http_request_t *
sl_http_conn_request(sl_conn_t *c)
{
    return ((sl_http_conn_t *) c->data)->request;
}
