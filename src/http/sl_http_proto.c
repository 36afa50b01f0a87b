/*
 * sl_http_proto.c: the module calls that depend on how a request travels
 * (http layer). A request carries its protocol's implementation
 * (r->proto): the HTTP/1.1 connection's today (sl_http_v1_proto: status
 * line and fields, writev, sendfile, the loop's batched sends and corking,
 * chunked framing; Content-Length and chunked bodies read from the socket;
 * a 101 and a tunnel on the connection itself), an HTTP/2 stream's next.
 * Modules call the functions below and never learn which.
 */
#include "sl_http.h"

const sl_http_proto_t  sl_http_v1_proto = {
    .send_header = sl_http_v1_send_header,
    .output = sl_http_v1_output,
    .body_read = sl_http_v1_body_read,
    .watch_client = sl_http_v1_watch_client,
    .unwatch_client = sl_http_v1_unwatch_client,
    .take_over = sl_http_v1_take_over
};


sl_int_t
sl_http_send_header(sl_http_request_t *r)
{
    return r->proto->send_header(r);
}


sl_int_t
sl_http_output(sl_http_request_t *r, sl_chain_t *in)
{
    return r->proto->output(r, in);
}


ssize_t
sl_http_body_read(sl_http_request_t *r, u_char *buf, size_t size)
{
    return r->proto->body_read(r, buf, size);
}


void
sl_http_watch_client(sl_http_request_t *r, sl_http_event_pt gone)
{
    r->proto->watch_client(r, gone);
}


void
sl_http_unwatch_client(sl_http_request_t *r)
{
    r->proto->unwatch_client(r);
}


sl_conn_t *
sl_http_take_over(sl_http_request_t *r, sl_str_t *early)
{
    return r->proto->take_over(r, early);
}
