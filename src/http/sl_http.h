/*
 * sl_http.h: the HTTP/1.1 engine's internals, shared by the files of
 * src/http (http layer); the contract with modules is sl_http_module.h,
 * which this includes. A connection owns an sl_http_conn_t (from a
 * per-worker array parallel to the connection array, so an idle
 * keep-alive connection costs no allocation). Routing picks the server by
 * listen address and Host, then the location; the location's content
 * module (or its `return`) answers.
 */
#ifndef SL_HTTP_H
#define SL_HTTP_H

#include "sl_http_module.h"

/* What a listen address serves: stored in sl_listen_t.data. */
typedef struct {
    sl_http_server_t       **servers;     /* the first is the default */
    sl_uint_t                nservers;
} sl_http_addr_t;

struct sl_http_conn_s {
    sl_http_addr_t          *addr;
    sl_http_request_t       *request;      /* the one in progress, or NULL */
    sl_buf_t                *cork;         /* finished responses to
                                              pipelined requests, not yet
                                              written (sl_http_cork.c) */
    sl_uint_t                requests;     /* served on this connection */
};

/*
 * How a request's response leaves and its body arrives (sl_http_proto.c):
 * the module calls that depend on the protocol go through r->proto. The
 * HTTP/1.1 connection implements it (sl_http_v1_proto); an HTTP/2 stream
 * will be a second implementation, not a second engine. Each member has
 * the contract of the module call of the same name (sl_http_module.h).
 */
struct sl_http_proto_s {
    sl_int_t               (*send_header)(sl_http_request_t *r);
    sl_int_t               (*output)(sl_http_request_t *r, sl_chain_t *in);
    ssize_t                (*body_read)(sl_http_request_t *r, u_char *buf,
                                        size_t size);
    void                   (*watch_client)(sl_http_request_t *r,
                                           sl_http_event_pt gone);
    void                   (*unwatch_client)(sl_http_request_t *r);
    sl_conn_t             *(*take_over)(sl_http_request_t *r,
                                        sl_str_t *early);
};

extern const sl_http_proto_t  sl_http_v1_proto;

/* The HTTP/1.1 implementations (response, body and client files). */
sl_int_t sl_http_v1_send_header(sl_http_request_t *r);
sl_int_t sl_http_v1_output(sl_http_request_t *r, sl_chain_t *in);
ssize_t sl_http_v1_body_read(sl_http_request_t *r, u_char *buf, size_t size);
void sl_http_v1_watch_client(sl_http_request_t *r, sl_http_event_pt gone);
void sl_http_v1_unwatch_client(sl_http_request_t *r);
sl_conn_t *sl_http_v1_take_over(sl_http_request_t *r, sl_str_t *early);

/* Engine internals shared by the http files -------------------------- */

sl_int_t sl_http_conf_block_parse(sl_conf_t *cf, sl_conf_node_t *node,
    sl_cycle_t *cycle);
extern int  sl_http_conf_block_index;

sl_http_server_t *sl_http_route_server(sl_http_addr_t *addr,
    const sl_str_t *host);
sl_http_location_t *sl_http_route_location(sl_http_server_t *srv,
    const sl_str_t *uri);

void sl_http_conn_init(sl_conn_t *c, void *listen_data);
void sl_http_request_start(sl_http_request_t *r);
void sl_http_conn_request_done(sl_http_request_t *r);
void sl_http_conn_close(sl_conn_t *c);
void sl_http_request_write_handler(sl_event_t *ev);
sl_int_t sl_http_output_flush(sl_http_request_t *r);
void sl_http_body_discard(sl_http_request_t *r);
void sl_http_body_read_handler(sl_event_t *ev);

/* Corking pipelined responses (sl_http_cork.c). */
sl_int_t sl_http_cork_take(sl_http_request_t *r);
sl_int_t sl_http_cork_flush(sl_conn_t *c);
void sl_http_cork_release(sl_conn_t *c);
void sl_http_cork_consumed(sl_conn_t *c, size_t n);
int sl_http_out_in_memory(sl_http_request_t *r, size_t *total);

/* Access log (sl_http_access_log.c). */
sl_int_t sl_http_access_log_check(const sl_str_t *format, char *err,
    size_t errsize);
sl_http_access_log_t *sl_http_access_log_open(sl_http_main_conf_t *main,
    sl_loop_t *loop, sl_log_t *log);
void sl_http_access_log_write(sl_http_access_log_t *al, sl_http_request_t *r);
void sl_http_access_log_flush(sl_http_access_log_t *al);
void sl_http_access_log_reopen(sl_http_access_log_t *al);
void sl_http_access_log_close(sl_http_access_log_t *al);

/* Worker (sl_http_worker.c): the entry the master forks into. */
int sl_http_worker_main(sl_cycle_t *cycle, sl_uint_t index, sl_uint_t slot);
sl_int_t sl_http_register(void);

#endif /* SL_HTTP_H */
