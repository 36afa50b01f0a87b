/*
 * sl_http_module.h: the contract between the HTTP engine and its modules
 * (http layer), and all of it: the module struct and its hooks, the
 * request a handler gets, and the calls a module may make to answer it,
 * read its body, watch or take over its client, and provide variables
 * (modules/README.md says how to write a module). A module includes this
 * header and core/event ones, never sl_http.h (the engine's internals):
 * build-aux/check-layers fails the build when one does. A request owns a
 * pool that dies with it; how its response leaves (HTTP/1.1 writes,
 * sendfile, batches, corking; HTTP/2 frames later) is the engine's.
 */
#ifndef SL_HTTP_MODULE_H
#define SL_HTTP_MODULE_H

#include "sl_core.h"
#include "sl_cycle.h"
#include "sl_event.h"
#include "sl_conns.h"
#include "sl_http_parse.h"

#define SL_HTTP_MAX_HEADERS      100
#define SL_HTTP_MAX_MODULES      8
#define SL_HTTP_MAX_OUT_HEADERS  24
#define SL_HTTP_CORK_SIZE        16384
#define SL_HTTP_FREE_POOLS       16      /* request pools kept for reuse */
#define SL_HTTP_FREE_BUFFERS     64      /* read buffers kept for reuse */
#define SL_HTTP_FREE_CORKS       64      /* cork buffers kept for reuse */
#define SL_HTTP_POOL_SIZE        8192    /* a request pool's block: the
                                            request and what it allocates */

typedef struct sl_http_module_s     sl_http_module_t;
typedef struct sl_http_request_s    sl_http_request_t;
typedef struct sl_http_server_s     sl_http_server_t;
typedef struct sl_http_location_s   sl_http_location_t;
typedef struct sl_http_main_conf_s  sl_http_main_conf_t;
typedef struct sl_http_conn_s       sl_http_conn_t;
typedef struct sl_http_worker_s     sl_http_worker_t;
typedef struct sl_http_access_log_s sl_http_access_log_t;
typedef struct sl_http_proto_s      sl_http_proto_t;

typedef sl_int_t (*sl_http_handler_pt)(sl_http_request_t *r);
typedef void (*sl_http_event_pt)(sl_http_request_t *r);

/*
 * A content module's part of a log line about request r (", upstream:
 * ..."), written at buf in at most len bytes; returns the end. Called
 * only when a line is written.
 */
typedef u_char *(*sl_http_log_handler_pt)(sl_http_request_t *r, u_char *buf,
    size_t len);

struct sl_http_location_s {
    sl_str_t                 match;       /* the path, without "= " */
    unsigned                 exact:1;
    const sl_http_module_t  *module;      /* NULL: a `return` location */
    void                    *module_conf;
    int64_t                  return_status;
    sl_str_t                 return_body;
    sl_str_t                 return_location;
    sl_str_list_t            add_headers; /* "Name: value" */
    sl_http_server_t        *server;
    sl_conf_node_t          *module_node; /* while loading: for conf_check */
    sl_uint_t                line;        /* config line, for messages */
};

struct sl_http_server_s {
    sl_str_list_t            listen;
    sl_str_list_t            server_names;
    sl_str_t                 root;        /* resolved, no trailing '/' */
    sl_http_location_t     **locations;   /* exact ones first, then prefix
                                             ones longest first */
    sl_uint_t                nlocations;
    sl_http_main_conf_t     *main;
};

/* One worker slot's HTTP counters, in the shared zone "http_counters"
 * (SL_SHM_SLOTS of them), each on a cache line of its own so that
 * workers counting requests never slow each other down. Each worker
 * updates its own without locks: readers get approximate snapshots. */
typedef struct {
    volatile uint64_t        accepted;     /* connections accepted */
    volatile uint64_t        requests;     /* requests finished */
    volatile uint64_t        active;       /* connections open now */
} __attribute__((aligned(64))) sl_http_counters_t;

struct sl_http_main_conf_s {
    sl_msec_t                keepalive_timeout;
    int64_t                  keepalive_requests;
    sl_msec_t                client_header_timeout;
    sl_msec_t                client_body_timeout;
    sl_msec_t                send_timeout;
    size_t                   client_max_body_size;   /* 0: no limit */
    size_t                   client_header_buffer;
    int                      deferred_accept;        /* TCP_DEFER_ACCEPT */
    sl_str_t                 access_log_path;        /* "off": none */
    sl_str_t                 access_log_format;
    size_t                   access_log_buffer;
    sl_msec_t                access_log_flush;
    sl_http_server_t       **servers;
    sl_uint_t                nservers;
    void                    *main_confs[SL_HTTP_MAX_MODULES];
    sl_cycle_t              *cycle;
    /* Shared zones, mapped by the master before the workers fork. */
    sl_http_counters_t      *counters;     /* by worker slot */
    void                    *accept_mutex; /* sl_accept_mutex_t */
};

/*
 * A variable a module provides: $name in an access log format (and in the
 * variable engine that grows from this table). get writes r's value into
 * *value, which may point into r's memory, the configuration, buf (size
 * bytes, at least SL_HTTP_VARIABLE_BUF) or memory get allocates from
 * r->pool when buf is too small; it returns SL_OK, or SL_DECLINED when r
 * has no such value (logged as "-"). It must not fail otherwise.
 */
typedef struct {
    const char              *name;         /* without the '$'; NULL ends a
                                              table */
    sl_int_t               (*get)(sl_http_request_t *r, sl_str_t *value,
                                  u_char *buf, size_t size);
} sl_http_variable_t;

#define SL_HTTP_VARIABLE_BUF  256

/*
 * The contract between the engine and a module (STYLE.md section 2). A
 * module is found by `name` inside a location; `main_name`, when set, is
 * a group or list of the http block it parses (e.g. "upstreams"). Every
 * member but name may be left out (designated initializers). The hooks,
 * in the order they run:
 *   config   main_parse (the http-level group), then per location
 *            conf_init, fields, and conf_check once the server is read;
 *   master   init_master, before the workers of a generation fork (start
 *            and every reload): shared memory zones (sl_shm_zone_add);
 *   worker   init_worker after fork, exit_worker before the worker ends;
 *   request  handler, for a location that names the module.
 */
struct sl_http_module_s {
    const char              *name;
    const sl_conf_field_t   *fields;       /* its location block */
    size_t                   conf_size;
    /* Defaults before fields are read. NULL: zeroed is the default. */
    void                   (*conf_init)(void *conf);
    /* Rules across fields, run once the whole server block is read (its
     * root, every location); may resolve names. */
    sl_int_t               (*conf_check)(sl_conf_t *cf, sl_conf_node_t *node,
                                         sl_http_location_t *loc, void *conf);
    /* The http-level group it reads (NULL: none); main_parse runs once
     * per configuration either way, node NULL when the group is absent,
     * and stores what init_master, init_worker and the handler read
     * through sl_http_module_main_conf. */
    const char              *main_name;
    sl_int_t               (*main_parse)(sl_conf_t *cf, sl_conf_node_t *node,
                                         sl_http_main_conf_t *mcf,
                                         void **main_conf);
    /* In the master: SL_OK, or SL_ERROR with the reason in err (the
     * start or reload fails with it). */
    sl_int_t               (*init_master)(sl_cycle_t *cycle, void *main_conf,
                                          char *err, size_t errsize);
    sl_int_t               (*init_worker)(sl_http_worker_t *w, void *main_conf);
    void                   (*exit_worker)(sl_http_worker_t *w, void *main_conf);
    sl_http_handler_pt       handler;
    /* Descriptors one of its requests may hold besides the client's
     * connection (the proxy: the backend's). The engine counts them in
     * cycle->conn_fds, for the limit on open files. */
    unsigned                 extra_fds;
    /* The variables it provides, or NULL. */
    const sl_http_variable_t *variables;
    /* Its place in sl_http_modules[], set by the engine at start
     * (sl_http_register): the index of its main_confs[] and of its
     * per-worker state (sl_http_module_worker). */
    sl_uint_t                index;
};

/* The modules compiled in, NULL-terminated (modules/sl_modules.c). */
extern sl_http_module_t *const  sl_http_modules[];

/* m's http-level configuration (what its main_parse stored), or NULL. */
#define sl_http_module_main_conf(mcf, m)  ((mcf)->main_confs[(m)->index])

/* m's state in worker w (what its init_worker stored), or NULL. */
#define sl_http_module_worker(w, m)  ((w)->module_worker[(m)->index])

/* r's context of module m: r->ctx when m answers r, else NULL. */
#define sl_http_request_ctx(r, m)                                           \
    ((r)->loc && (r)->loc->module == (m) ? (r)->ctx : NULL)

/*
 * The variable name (len bytes, without '$') of a module, or NULL when no
 * module provides it. For config loading: a linear search.
 */
const sl_http_variable_t *sl_http_variable_find(const u_char *name,
    size_t len);

/* One per worker process. */
struct sl_http_worker_s {
    sl_cycle_t              *cycle;
    sl_http_main_conf_t     *main;
    sl_loop_t               *loop;
    sl_conns_t              *conns;
    sl_http_conn_t          *hconns;       /* parallel to conns->conns */
    sl_http_access_log_t    *access_log;
    sl_queue_t               idle;         /* idle keep-alive connections */
    sl_freelist_t            free_buffers; /* read buffers (sl_buf_malloc,
                                              client_header_buffer) */
    sl_freelist_t            free_corks;   /* SL_HTTP_CORK_SIZE buffers */
    sl_freelist_t            free_pools;   /* reset request pools */
    sl_uint_t                index;
    sl_uint_t                slot;
    sl_http_counters_t      *counters;     /* this worker's slot */
    sl_event_t               heartbeat;
    sl_event_t               shutdown_timer;
    sl_msec_t                drain_until;  /* a final stop's last accept
                                              on TCP_DEFER_ACCEPT sockets */
    void                    *module_worker[SL_HTTP_MAX_MODULES];
    unsigned                 shutting_down:1;
    unsigned                 draining:1;   /* still accepting on a
                                              final stop */
    void                    *thread_pool;  /* sl_thread_pool_t, or NULL */
};

/* The worker this process runs (one per process). */
extern sl_http_worker_t  *sl_http_worker;

typedef struct {
    sl_str_t                 name;
    sl_str_t                 value;
} sl_http_out_header_t;

/* One chunk's framing around a body buffer (sl_http_output with chunked
 * framing): reused once the chunk is written. */
typedef struct sl_http_frame_s  sl_http_frame_t;

struct sl_http_frame_s {
    sl_chain_t               head_cl;      /* the size line */
    sl_chain_t               data_cl;      /* the caller's buffer */
    sl_chain_t               tail_cl;      /* CRLF, or the last chunk */
    sl_buf_t                 head;
    sl_buf_t                 tail;
    u_char                   line[sizeof(size_t) * 2 + 2];
    sl_http_frame_t         *next;         /* busy or free */
};

struct sl_http_request_s {
    const sl_http_proto_t   *proto;        /* how it travels: the calls
                                              below go through it */
    sl_conn_t               *c;
    sl_http_conn_t          *hc;
    sl_pool_t               *pool;
    sl_http_main_conf_t     *main;
    sl_http_server_t        *server;
    sl_http_location_t      *loc;

    sl_http_head_t           head;
    sl_http_parse_t          parse;
    sl_http_header_t         headers[SL_HTTP_MAX_HEADERS];
    size_t                   head_len;     /* bytes of the head in buffer */
    sl_str_t                 uri;          /* decoded, normalised path */
    unsigned                 uri_flags;    /* SL_HTTP_PATH_* */
    sl_str_t                 host;         /* effective host, for logs */

    /* The response. */
    int                      status;
    sl_str_t                 status_line;  /* "404 Not Found": optional */
    sl_str_t                 content_type;
    off_t                    content_length;   /* -1: unknown (chunked) */
    time_t                   last_modified;    /* -1: none */
    sl_str_t                 etag;
    sl_str_t                 location;
    sl_http_out_header_t     out_headers[SL_HTTP_MAX_OUT_HEADERS];
    sl_uint_t                nout_headers;
    sl_chain_t              *out;          /* not yet written */
    sl_http_frame_t         *frames_busy;  /* chunk framing queued */
    sl_http_frame_t         *frames_free;  /*   and written */
    off_t                    bytes_sent;   /* header and body */
    off_t                    header_bytes;

    /* The request body, read by sl_http_body_read. */
    int64_t                  body_left;    /* Content-Length bytes unread */
    sl_http_chunked_t        chunked;
    off_t                    body_received;
    u_char                  *body_pos;     /* unread body bytes that came */
    u_char                  *body_last;    /*   with the head (buffer) */
    int                      body_status;  /* 400, 408, 413 after an error */

    sl_msec_t                start_msec;
    sl_uint_t                count;        /* references: async work */
    sl_http_event_pt         read_handler;  /* module: body bytes came */
    sl_http_event_pt         write_handler; /* module: output drained */
    sl_http_event_pt         gone_handler;  /* module: client went away */
    void                    *ctx;          /* the content module's
                                              (sl_http_request_ctx) */
    const char              *action;       /* what the request is doing,
                                              for the log ("reading the
                                              request body"), or NULL */
    sl_http_log_handler_pt   log_handler;  /* the content module's part
                                              of a log line, or NULL */

    unsigned                 header_only:1;    /* HEAD, 204, 304 */
    unsigned                 upgrade:1;        /* 101: sl_http_upgrade */
    unsigned                 header_sent:1;
    unsigned                 keepalive:1;
    unsigned                 chunked_out:1;
    unsigned                 last_sent:1;      /* the last buffer queued */
    unsigned                 finalized:1;
    unsigned                 body_done:1;
    unsigned                 continue_sent:1;
    unsigned                 error_page:1;
    unsigned                 sendfile_ok:1;
    unsigned                 pipelined:1;      /* came behind another */
};

/* Logging about a connection and its request -------------------------- */

/*
 * The one way the engine and the modules log about a client: like
 * sl_log_error, with the context of the line nginx-style,
 *
 *   ... [info] 1234#0: *17 <message> while <action>, client: 192.0.2.1,
 *   server: example.com, request: "GET / HTTP/1.1", upstream: "..."
 *
 * each part when it is known: "*17" the connection's number; the action
 * of the request (r->action; sl_http_request_error only); the client's
 * address; the server it was routed to (its first name) and the request
 * line, once parsed; then the content module's part (r->log_handler).
 * sl_http_conn_error is about connection c and takes the request in
 * progress on it, if any; sl_http_request_error is about request r.
 * Connections share the worker's log (an idle one must stay small) and
 * nobody writes into it: the context is put together on the stack, and
 * only when the level is enabled.
 */
#define sl_http_conn_error(lvl, c, err, ...)                                \
    sl_http_log_error_(lvl, c, NULL, err, __VA_ARGS__)
#define sl_http_request_error(lvl, r, err, ...)                             \
    sl_http_log_error_(lvl, (r)->c, r, err, __VA_ARGS__)

#define sl_http_log_error_(lvl, c, r, err, ...)                             \
    do {                                                                    \
        if (sl_log_enabled((sl_uint_t) (lvl),                              \
                           (c)->log ? (c)->log : sl_log_default)) {         \
            sl_log_t  sl_log_ctx_;                                          \
            sl_http_conn_log_init(&sl_log_ctx_, c, r);                      \
            sl_log_error_core(lvl, &sl_log_ctx_, err, __VA_ARGS__);         \
        }                                                                   \
    } while (0)

/*
 * Fills log (the caller's, on its stack) with c's log and the context
 * above: of request r with its action, or, when r is NULL, of c and the
 * request in progress on it without an action. c and r must outlive log.
 */
void sl_http_conn_log_init(sl_log_t *log, sl_conn_t *c,
    sl_http_request_t *r);

/* Request ------------------------------------------------------------- */

/*
 * Ends the request from a module: rc is SL_OK (the response is complete
 * or queued), SL_ERROR (close the connection: nothing sane can be sent),
 * or an HTTP status >= 300 when no header was sent yet (the engine sends
 * its standard response). Drops one reference (r->count); the request is
 * freed when the output is written and no reference is left.
 */
void sl_http_finalize(sl_http_request_t *r, sl_int_t rc);

/* Response ------------------------------------------------------------ */

/*
 * Adds a response header; name and value must live as long as the
 * request (the pool, the config or a literal). SL_OK or SL_ERROR (full).
 */
sl_int_t sl_http_header_add(sl_http_request_t *r, const char *name,
    sl_str_t value);

/*
 * Queues the status line and headers for r->status, r->content_type,
 * r->content_length (-1: chunked for HTTP/1.1, else close), validators,
 * Date, Server, Connection and the location's add_headers. With HEAD, 204
 * or 304 no body follows. Returns SL_OK or SL_ERROR (out of memory).
 */
sl_int_t sl_http_send_header(sl_http_request_t *r);

/*
 * Queues the chain in (memory or file buffers, in the request pool; a
 * buffer with last_buf ends the body) and writes what the socket takes.
 * Returns SL_OK when everything queued is written, SL_AGAIN when some is
 * left (r->write_handler is called once it drained), or SL_ERROR (the
 * connection failed; finalize with SL_ERROR).
 */
sl_int_t sl_http_output(sl_http_request_t *r, sl_chain_t *in);

/*
 * Sends a complete small response with a short HTML (or the given) body:
 * for errors and `return`. Finalizes nothing; returns like sl_http_output.
 */
sl_int_t sl_http_send_simple(sl_http_request_t *r, int status,
    const sl_str_t *body, const char *content_type);

/*
 * Writes the chunk size line for n (> 0) data bytes, hex digits and CRLF,
 * at p (sizeof(size_t) * 2 + 2 bytes suffice); returns its length. The
 * one chunk framer's size line: the engine's responses and a module's
 * request bodies (the proxy's) alike.
 */
size_t sl_http_chunk_size_line(u_char *p, size_t n);

/* "404 Not Found" for status, or NULL when we do not know the code. */
const char *sl_http_status_text(int status);

/* The client's connection (sl_http_client.c) ------------------------- */

/*
 * Calls gone(r) if r's client closes or resets its connection while the
 * module waits on something else (a backend); the engine logs it at info
 * first, and gone must end the request (sl_http_finalize). Only once the
 * module no longer reads the body. sl_http_unwatch_client stops it; the
 * engine does when the request ends.
 */
void sl_http_watch_client(sl_http_request_t *r, sl_http_event_pt gone);
void sl_http_unwatch_client(sl_http_request_t *r);

/*
 * Marks r's response as switching protocols (101): the engine writes
 * neither Connection nor framing (the module sends Connection: upgrade
 * and Upgrade), and keeps the connection open for sl_http_take_over.
 */
void sl_http_upgrade(sl_http_request_t *r);

/*
 * After a 101 was written: hands r's client connection to the module for
 * a tunnel. The engine stops its timers and handlers (the module sets its
 * own, and closes through sl_http_finalize), marks both directions ready,
 * and sets early to the bytes the client sent after the request, which
 * the module must copy at once. Returns the connection.
 */
sl_conn_t *sl_http_take_over(sl_http_request_t *r, sl_str_t *early);

/* The request of a connection taken over (for the module's handlers). */
sl_http_request_t *sl_http_conn_request(sl_conn_t *c);

/* Body ---------------------------------------------------------------- */

/*
 * True when the request has a body (Content-Length > 0 or chunked).
 */
int sl_http_has_body(sl_http_request_t *r);

/*
 * Reads up to size (> 0) decoded body bytes into buf. Returns the count (> 0),
 * 0 at the end of the body, SL_AGAIN (r->read_handler runs when more
 * arrives), or SL_ERROR with r->body_status (400 bad chunk, 408 timeout,
 * 413 over client_max_body_size, 400 for a client that vanished). Sends
 * 100 Continue first when the client asked for it.
 */
ssize_t sl_http_body_read(sl_http_request_t *r, u_char *buf, size_t size);

#endif /* SL_HTTP_MODULE_H */
