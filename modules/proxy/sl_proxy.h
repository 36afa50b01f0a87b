/*
 * sl_proxy.h: the reverse proxy module's insides, shared by its files
 * (modules layer). Nothing outside modules/proxy includes this; the
 * engine sees only `sl_proxy_module`.
 *
 *   sl_proxy_conf.c      directives: http.upstreams, a location's proxy
 *   sl_proxy_upstream.c  per-worker upstream state, balancing, passive
 *                        health (max_fails / fail_timeout)
 *   sl_proxy_health.c    active health checks (worker 0, shared memory)
 *   sl_proxy_pool.c      backend connections: connect, keep-alive pools
 *   sl_proxy_head.c      the request head sent, the response head relayed
 *   sl_proxy_module.c    the handler and a request's life: tries, retries,
 *                        failure, the end
 *   sl_proxy_send.c      streaming the request (head and body) upstream
 *   sl_proxy_relay.c     reading the response and relaying it
 *   sl_proxy_tunnel.c    the two-way byte tunnel after a 101
 *   sl_proxy_parse.c     the response head parser (pure)
 *
 * Ownership: configuration lives in the cycle pool; per-worker state
 * (peers, pools, timers) is malloc'ed at init_worker and freed at
 * exit_worker; a request's context lives in its pool, and a pool cleanup
 * detaches it from any backend connection, so a request that the engine
 * ends early (the client vanished) never leaves a handler pointing at it.
 */
#ifndef SL_PROXY_H
#define SL_PROXY_H

#include "sl_http_module.h"
#include "sl_proxy_parse.h"

#define SL_PROXY_MAX_HEADERS      100      /* response fields */
#define SL_PROXY_MAX_CONN_TOKENS  16       /* names listed in Connection */
#define SL_PROXY_RING_POINTS      160      /* hash points per weight unit */
#define SL_PROXY_IDLE_TIMEOUT     60000    /* ms an idle kept connection
                                              lives without use */
#define SL_PROXY_SURPLUS_IDLE     1000     /* ms an idle connection
                                              beyond `keepalive` is kept */
#define SL_PROXY_HEALTH_BUFFER    1024     /* a check reads the status line
                                              from this much */

typedef struct sl_proxy_upstream_s   sl_proxy_upstream_t;
typedef struct sl_proxy_peer_s       sl_proxy_peer_t;
typedef struct sl_proxy_conn_s       sl_proxy_conn_t;
typedef struct sl_proxy_ctx_s        sl_proxy_ctx_t;
typedef struct sl_proxy_worker_s     sl_proxy_worker_t;

enum {
    SL_PROXY_BALANCE_RR = 0,
    SL_PROXY_BALANCE_LEAST_CONN,
    SL_PROXY_BALANCE_HASH
};

/* Configuration ------------------------------------------------------- */

typedef struct {
    union {
        struct sockaddr       sa;
        struct sockaddr_in    sin;
        struct sockaddr_in6   sin6;
    } u;
    socklen_t                 len;
} sl_proxy_addr_t;

typedef struct {
    sl_str_t                  address;      /* as written, NUL-terminated */
    int64_t                   weight;
    int64_t                   max_fails;
    sl_msec_t                 fail_timeout;
    sl_proxy_addr_t           addr;
} sl_proxy_server_t;

typedef struct {
    sl_str_t                  path;
    sl_msec_t                 interval;
    sl_msec_t                 timeout;
    int64_t                   healthy;
    int64_t                   unhealthy;
} sl_proxy_health_conf_t;

/* One piece of a compiled hash_key: literal text or a variable. */
enum {
    SL_PROXY_VAR_TEXT = 0,
    SL_PROXY_VAR_REMOTE_ADDR,
    SL_PROXY_VAR_REQUEST_URI,
    SL_PROXY_VAR_URI,
    SL_PROXY_VAR_ARGS,
    SL_PROXY_VAR_HOST,
    SL_PROXY_VAR_METHOD,
    SL_PROXY_VAR_HTTP               /* a request header: text is its name */
};

typedef struct {
    int                       type;
    sl_str_t                  text;
} sl_proxy_var_t;

typedef struct {
    uint32_t                  hash;
    uint32_t                  server;
} sl_proxy_ring_point_t;

typedef struct {
    sl_str_t                  name;
    int                       balance;
    sl_str_t                  hash_key;     /* empty: the client address */
    int64_t                   keepalive;
    sl_proxy_server_t        *servers;
    sl_uint_t                 nservers;
    sl_proxy_health_conf_t    health;
    unsigned                  has_health:1;
    unsigned                  implicit:1;   /* made for a `pass` */
    sl_proxy_var_t           *key;          /* compiled hash_key */
    sl_uint_t                 nkey;
    sl_proxy_ring_point_t    *ring;         /* sorted by hash */
    sl_uint_t                 nring;
    volatile uint32_t        *shared;       /* per server: 1 = down by the
                                               active checks; NULL without
                                               health_check */
    sl_uint_t                 index;        /* in the main conf's list */
    sl_uint_t                 line;
} sl_proxy_upstream_conf_t;

typedef struct {
    sl_proxy_upstream_conf_t **upstreams;
    sl_uint_t                 nupstreams;
    sl_uint_t                 nalloc;
} sl_proxy_main_conf_t;

typedef struct {
    sl_str_t                  upstream_name;
    sl_str_t                  pass;
    sl_str_t                  host;         /* empty: the client's */
    int                       strip_prefix;
    sl_msec_t                 connect_timeout;
    sl_msec_t                 read_timeout;
    sl_msec_t                 send_timeout;
    int64_t                   next_upstream_tries;
    size_t                    buffer_size;
    sl_proxy_upstream_conf_t *upstream;     /* resolved by the check */
    sl_str_t                  prefix;       /* the location's match */
} sl_proxy_loc_conf_t;

/* Per-worker state ---------------------------------------------------- */

struct sl_proxy_peer_s {
    const sl_proxy_server_t  *conf;
    sl_proxy_upstream_t      *up;
    sl_uint_t                 index;
    int64_t                   current;      /* smooth weighted round robin */
    sl_uint_t                 active;       /* requests in progress */
    sl_uint_t                 fails;        /* within the window */
    sl_msec_t                 fail_start;   /* the window's first failure */
    sl_msec_t                 down_until;   /* passive: down before this */
    sl_queue_t                idle;         /* kept connections (c.queue) */
    sl_uint_t                 nidle;

    /* Active checks, run by worker 0 only. */
    sl_event_t                hc_timer;
    sl_proxy_conn_t          *hc_conn;
    u_char                   *hc_buf;       /* request, then the answer */
    size_t                    hc_req_len;
    size_t                    hc_sent;
    size_t                    hc_len;
    sl_uint_t                 hc_pass;      /* checks in a row */
    sl_uint_t                 hc_fail;
};

struct sl_proxy_upstream_s {
    const sl_proxy_upstream_conf_t *conf;
    sl_proxy_worker_t        *worker;
    sl_proxy_peer_t          *peers;
    sl_uint_t                 npeers;
    sl_uint_t                 next;         /* least_conn tie breaking */
    sl_queue_t                lru;          /* kept connections, oldest
                                               first (sl_proxy_conn.lru) */
    sl_uint_t                 nidle;
};

#define SL_PROXY_SPARES       16    /* response buffers kept per size */
#define SL_PROXY_SPARE_SIZES  4     /* sizes of them kept */
#define SL_PROXY_FREE_CONNS   256   /* sl_proxy_conn_t kept for reuse */

struct sl_proxy_worker_s {
    sl_loop_t                *loop;
    sl_log_t                 *log;
    sl_proxy_upstream_t      *ups;
    sl_uint_t                 nups;
    sl_freelist_t             free_conns;   /* sl_proxy_conn_t to reuse */
    /* Response buffers (buffer_size, 16 KiB by default) of finished
     * requests: as a pool allocation each was a malloc and a free per
     * request, beyond what glibc keeps at hand for small sizes.
     * buffer_size is per location: a list per size, each claimed by the
     * first request of its size; beyond SL_PROXY_SPARE_SIZES sizes
     * buffers are not kept. */
    sl_freelist_t             spares[SL_PROXY_SPARE_SIZES];
    unsigned                  checker:1;    /* runs the active checks */
};

/* A backend connection. c comes first: c.data names the owner. */
struct sl_proxy_conn_s {
    sl_conn_t                 c;
    sl_queue_t                lru;          /* in up->lru while idle */
    sl_proxy_peer_t          *peer;
    sl_uint_t                 requests;     /* responses read on it */
    unsigned                  connecting:1;
    unsigned                  reused:1;     /* taken from the pool */
};

/* Request context ----------------------------------------------------- */

typedef enum {
    SL_PROXY_FRAME_NONE = 0,                /* no body: head, 1xx, 204,
                                               304, HEAD */
    SL_PROXY_FRAME_LENGTH,
    SL_PROXY_FRAME_CHUNKED,
    SL_PROXY_FRAME_CLOSE                    /* until the backend closes */
} sl_proxy_frame_e;

/* Why a try failed: decides 502 or 504 and whether to retry. */
typedef enum {
    SL_PROXY_FAIL_ERROR = 1,                /* refused, reset, EOF */
    SL_PROXY_FAIL_TIMEOUT,
    SL_PROXY_FAIL_INVALID                   /* not valid HTTP */
} sl_proxy_fail_e;

/* One backend tried for a request ($upstream_status and
 * $upstream_response_time list them all). */
typedef struct {
    int                       status;       /* 0: no answer came */
    sl_msec_t                 time;         /* spent with the backend */
} sl_proxy_try_t;

struct sl_proxy_ctx_s {
    sl_http_request_t        *r;
    const sl_proxy_loc_conf_t *lcf;
    sl_proxy_upstream_t      *up;
    sl_proxy_peer_t          *peer;         /* of the current try */
    sl_proxy_conn_t          *pc;           /* NULL between tries */

    /* The request, sent upstream. */
    sl_str_t                  head;         /* built once for all tries */
    size_t                    head_sent;
    sl_buf_t                 *body;         /* framed body bytes */
    u_char                   *body_sent;    /* next byte to send */
    int64_t                   body_len;     /* Content-Length, -1 chunked,
                                               0 none */

    /* The response. */
    sl_buf_t                 *buf;          /* buffer_size */
    void                     *buf_mem;      /* its memory, the worker's */
    sl_proxy_parse_t          parse;
    sl_proxy_resp_t           resp;         /* resp.headers is only valid
                                               while the head is handled */
    sl_proxy_frame_e          frame;
    int64_t                   left;         /* Content-Length bytes */
    sl_http_chunked_t         chunked;
    sl_chain_t                out_cl;       /* the reused link to the */
    sl_buf_t                  out_buf;      /*   engine (which frames) */

    /* Tries. */
    sl_uint_t                 tries;
    sl_proxy_peer_t         **tried;
    sl_proxy_try_t           *try_log;      /* status, time: one per try */
    sl_msec_t                 try_start;
    u_char                   *addrs;        /* "a, b" for $upstream_addr */
    size_t                    addrs_len;
    sl_proxy_fail_e           last_fail;

    /* Tunnel (after a 101). */
    sl_buf_t                 *up_buf;       /* client to backend */
    sl_buf_t                 *down_buf;     /* backend to client */

    unsigned                  body_eof:1;     /* the whole body is framed */
    unsigned                  body_wrapped:1; /* body bytes were dropped:
                                                 no replay */
    unsigned                  body_waiting:1; /* body read said AGAIN */
    unsigned                  request_sent:1;
    unsigned                  send_dead:1;    /* the backend stopped taking
                                                 the request after it began
                                                 to answer: only read */
    unsigned                  sent_any:1;     /* this try wrote bytes */
    unsigned                  upgrade:1;      /* the client asked for it */
    unsigned                  head_done:1;    /* response head relayed */
    unsigned                  out_busy:1;     /* engine writes our buf */
    unsigned                  done:1;         /* response read to its end */
    unsigned                  extra:1;        /* bytes after the response */
    unsigned                  tunnel:1;
    unsigned                  up_eof:1;       /* tunnel: client sent EOF */
    unsigned                  down_eof:1;     /* tunnel: backend EOF */
    unsigned                  up_shut:1;      /* backend write shut */
    unsigned                  down_shut:1;    /* client write shut */
};

/* sl_proxy_module.c: the module object. */
extern sl_http_module_t  sl_proxy_module;

/* sl_proxy_vars.c: $upstream_addr, $upstream_status and
 * $upstream_response_time, from the request's proxy context. */
extern const sl_http_variable_t  sl_proxy_variables[];

/* sl_proxy_conf.c */
extern const sl_conf_field_t  sl_proxy_loc_fields[];
void sl_proxy_loc_conf_init(void *conf);
sl_int_t sl_proxy_loc_conf_check(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_location_t *loc, void *conf);
sl_int_t sl_proxy_main_parse(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_main_conf_t *mcf, void **main_conf);
/* The module's init_master: the health checks' shared verdicts. */
sl_int_t sl_proxy_init_master(sl_cycle_t *cycle, void *main_conf, char *err,
    size_t errsize);
sl_int_t sl_proxy_addr_parse(const char *text, sl_proxy_addr_t *addr,
    char *err, size_t errsize);
sl_int_t sl_proxy_key_compile(sl_pool_t *pool, const sl_str_t *text,
    sl_proxy_var_t **vars, sl_uint_t *nvars, char *err, size_t errsize);
sl_int_t sl_proxy_ring_build(sl_pool_t *pool, sl_proxy_upstream_conf_t *uc);
uint32_t sl_proxy_hash(const u_char *p, size_t len);

/* sl_proxy_upstream.c */
sl_int_t sl_proxy_upstream_init(sl_proxy_upstream_t *up,
    const sl_proxy_upstream_conf_t *conf, sl_proxy_worker_t *pw);
void sl_proxy_upstream_free(sl_proxy_upstream_t *up);
sl_proxy_peer_t *sl_proxy_balance(sl_proxy_upstream_t *up, uint32_t hash,
    sl_proxy_peer_t *const *tried, sl_uint_t ntried, sl_msec_t now);
int sl_proxy_peer_is_up(const sl_proxy_peer_t *peer, sl_msec_t now);
void sl_proxy_peer_failed(sl_proxy_peer_t *peer, sl_msec_t now);
void sl_proxy_peer_ok(sl_proxy_peer_t *peer);
uint32_t sl_proxy_key_hash(const sl_proxy_upstream_conf_t *uc,
    sl_http_request_t *r);

/* sl_proxy_health.c */
sl_int_t sl_proxy_health_start(sl_proxy_worker_t *pw);
void sl_proxy_health_stop(sl_proxy_worker_t *pw);
int sl_proxy_health_status_ok(const u_char *p, size_t len);

/* sl_proxy_pool.c */
sl_proxy_conn_t *sl_proxy_conn_open(sl_proxy_worker_t *pw,
    sl_proxy_peer_t *peer, sl_log_t *log, sl_err_t *err);
void sl_proxy_conn_close(sl_proxy_worker_t *pw, sl_proxy_conn_t *pc);
sl_proxy_conn_t *sl_proxy_pool_get(sl_proxy_peer_t *peer);
void sl_proxy_pool_put(sl_proxy_worker_t *pw, sl_proxy_conn_t *pc);
void sl_proxy_pool_drain(sl_proxy_worker_t *pw, sl_proxy_upstream_t *up);

/* sl_proxy_head.c */
int sl_proxy_upgrade_pick(const sl_http_head_t *h, sl_str_t *token);
sl_int_t sl_proxy_head_build(sl_http_request_t *r,
    const sl_proxy_loc_conf_t *lcf, const sl_str_t *upg, sl_str_t *out);
sl_int_t sl_proxy_head_target(sl_pool_t *pool, const sl_http_head_t *h,
    const sl_str_t *uri, const sl_proxy_loc_conf_t *lcf, sl_str_t *out);
sl_int_t sl_proxy_head_response(sl_http_request_t *r,
    const sl_proxy_resp_t *resp, int tunnel);
int sl_proxy_method_idempotent(sl_http_method_e m);

/* sl_proxy_module.c */
sl_proxy_worker_t *sl_proxy_worker_get(void);
void sl_proxy_fail(sl_proxy_ctx_t *ctx, sl_proxy_fail_e how, sl_err_t err,
    const char *what);
void sl_proxy_finish(sl_proxy_ctx_t *ctx, sl_int_t rc);
void sl_proxy_release(sl_proxy_ctx_t *ctx, int keep);
void sl_proxy_watch_client(sl_proxy_ctx_t *ctx);
void sl_proxy_upstream_read_handler(sl_event_t *ev);
void sl_proxy_upstream_write_handler(sl_event_t *ev);

/* sl_proxy_send.c */
void sl_proxy_send(sl_proxy_ctx_t *ctx);
void sl_proxy_body_ready(sl_http_request_t *r);
int sl_proxy_can_replay(const sl_proxy_ctx_t *ctx);
void sl_proxy_send_rewind(sl_proxy_ctx_t *ctx);
void sl_proxy_send_stop(sl_proxy_ctx_t *ctx, sl_err_t err);

/* sl_proxy_relay.c */
void sl_proxy_read(sl_proxy_ctx_t *ctx);
void sl_proxy_client_drained(sl_http_request_t *r);

/* sl_proxy_tunnel.c */
void sl_proxy_tunnel_start(sl_proxy_ctx_t *ctx);

#endif /* SL_PROXY_H */
