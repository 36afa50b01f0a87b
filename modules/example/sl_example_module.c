/*
 * sl_example_module.c: the example module (modules layer), written to be
 * read: modules/README.md walks through it. It is not part of the server;
 * make check links it into a test binary (t/example/sluice-example) and
 * runs that binary (t/integration/test_example_module.py).
 *
 * A location with `example = { greeting = "hello"; };` answers GET and
 * HEAD with "hello, visitor N\n", where N counts the requests every worker
 * of every generation has answered so far: one counter in a shared memory
 * zone, so it goes on across reloads. $example_visitor prints N in the
 * access log. Each worker also counts its own answers and logs the count
 * when it exits.
 */
#include "sl_http_module.h"
#include "sl_shm.h"

#define SL_EXAMPLE_GREETING_MAX  64

/* The location block: one directive. */
typedef struct {
    sl_str_t    greeting;
} sl_example_conf_t;

/* What every worker shares: the visitor count (zone "example"). */
typedef struct {
    volatile uint64_t   visitors;
} sl_example_shared_t;

/* The http-level state: where the zone is once the master mapped it. */
typedef struct {
    sl_example_shared_t  *shared;
} sl_example_main_t;

/* A worker's own state (init_worker). */
typedef struct {
    uint64_t    answered;
} sl_example_worker_t;

/* A request's context: its visitor number, for the variable. */
typedef struct {
    uint64_t    visitor;
} sl_example_ctx_t;

static void sl_example_conf_init(void *conf);
static sl_int_t sl_example_conf_check(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_location_t *loc, void *conf);
static sl_int_t sl_example_main_parse(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_main_conf_t *mcf, void **main_conf);
static sl_int_t sl_example_init_master(sl_cycle_t *cycle, void *main_conf,
    char *err, size_t errsize);
static sl_int_t sl_example_init_worker(sl_http_worker_t *w, void *main_conf);
static void sl_example_exit_worker(sl_http_worker_t *w, void *main_conf);
static sl_int_t sl_example_handler(sl_http_request_t *r);
static sl_int_t sl_example_var_visitor(sl_http_request_t *r,
    sl_str_t *value, u_char *buf, size_t size);

static const sl_conf_field_t  sl_example_fields[] = {
    { "greeting", SL_CONF_STR, offsetof(sl_example_conf_t, greeting), 0, 0,
      NULL, 0 },
    SL_CONF_END
};

static const sl_http_variable_t  sl_example_variables[] = {
    { "example_visitor", sl_example_var_visitor },
    { NULL, NULL }
};

sl_http_module_t  sl_example_module = {
    .name = "example",
    .fields = sl_example_fields,
    .conf_size = sizeof(sl_example_conf_t),
    .conf_init = sl_example_conf_init,
    .conf_check = sl_example_conf_check,
    .main_parse = sl_example_main_parse,  /* no main_name: no group */
    .init_master = sl_example_init_master,
    .init_worker = sl_example_init_worker,
    .exit_worker = sl_example_exit_worker,
    .handler = sl_example_handler,
    .variables = sl_example_variables
};


/* Config: defaults before the block's fields are read. */
static void
sl_example_conf_init(void *conf)
{
    sl_example_conf_t  *ecf;

    ecf = conf;
    sl_str_set(&ecf->greeting, "hello");
}


/* Config: rules across fields, once the whole server block is read. */
static sl_int_t
sl_example_conf_check(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_location_t *loc, void *conf)
{
    sl_example_conf_t  *ecf;
    size_t              i;

    (void) loc;
    ecf = conf;
    if (ecf->greeting.len == 0 || ecf->greeting.len > SL_EXAMPLE_GREETING_MAX)
    {
        return sl_conf_error(cf, node, "\"greeting\" must have 1 to %d "
                             "characters", SL_EXAMPLE_GREETING_MAX);
    }
    for (i = 0; i < ecf->greeting.len; i++) {
        if (ecf->greeting.data[i] < 0x20 || ecf->greeting.data[i] == 0x7f) {
            return sl_conf_error(cf, node, "\"greeting\" must not hold "
                                 "control characters");
        }
    }
    return SL_OK;
}


/*
 * Config, http level: once per configuration (node is NULL: the module
 * reads no http-level group); the state it returns is what init_master,
 * init_worker and the handler get.
 */
static sl_int_t
sl_example_main_parse(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_main_conf_t *mcf, void **main_conf)
{
    (void) node;
    (void) mcf;
    *main_conf = sl_pcalloc(cf->pool, sizeof(sl_example_main_t));
    return *main_conf ? SL_OK : SL_ERROR;
}


/*
 * Master, before a generation forks: the shared zone. Same name and size
 * as the running generation's, so a reload keeps counting.
 */
static sl_int_t
sl_example_init_master(sl_cycle_t *cycle, void *main_conf, char *err,
    size_t errsize)
{
    sl_example_main_t  *em;
    sl_shm_zone_t      *z;

    em = main_conf;
    z = sl_shm_zone_add(cycle, "example", sizeof(sl_example_shared_t), 0,
                        err, errsize);
    if (z == NULL) {
        return SL_ERROR;
    }
    em->shared = z->addr;
    return SL_OK;
}


/* Worker, after fork: state no other process sees. */
static sl_int_t
sl_example_init_worker(sl_http_worker_t *w, void *main_conf)
{
    sl_example_worker_t  *ew;

    (void) main_conf;
    ew = calloc(1, sizeof(sl_example_worker_t));
    if (ew == NULL) {
        sl_log_error(SL_LOG_EMERG, &w->cycle->log, errno, "example: out of "
                     "memory");
        return SL_ERROR;
    }
    sl_http_module_worker(w, &sl_example_module) = ew;
    return SL_OK;
}


/* Worker, before it ends. */
static void
sl_example_exit_worker(sl_http_worker_t *w, void *main_conf)
{
    sl_example_worker_t  *ew;

    (void) main_conf;
    ew = sl_http_module_worker(w, &sl_example_module);
    if (ew == NULL) {
        return;
    }
    sl_log_error(SL_LOG_NOTICE, &w->cycle->log, 0, "example: this worker "
                 "greeted %llu visitors", (unsigned long long) ew->answered);
    free(ew);
    sl_http_module_worker(w, &sl_example_module) = NULL;
}


/*
 * Request: the content handler. Returning a status of 300 or more lets the
 * engine answer; SL_OK after the whole response is queued lets it end the
 * request.
 */
static sl_int_t
sl_example_handler(sl_http_request_t *r)
{
    sl_example_conf_t    *ecf;
    sl_example_main_t    *em;
    sl_example_worker_t  *ew;
    sl_example_ctx_t     *ctx;
    sl_buf_t             *b;
    sl_chain_t           *cl;

    if (r->head.method != SL_HTTP_GET && r->head.method != SL_HTTP_HEAD) {
        return sl_http_header_add(r, "Allow", (sl_str_t) sl_string(
                                  "GET, HEAD")) == SL_OK ? 405 : 500;
    }
    ecf = r->loc->module_conf;
    em = sl_http_module_main_conf(r->main, &sl_example_module);
    ew = sl_http_module_worker(sl_http_worker, &sl_example_module);
    ctx = sl_palloc(r->pool, sizeof(sl_example_ctx_t));
    b = sl_buf_create_temp(r->pool, ecf->greeting.len + 32);
    cl = b ? sl_chain_alloc(r->pool, b) : NULL;
    if (ctx == NULL || cl == NULL) {
        return 500;
    }
    ctx->visitor = __atomic_add_fetch(&em->shared->visitors, 1,
                                      __ATOMIC_RELAXED);
    r->ctx = ctx;
    ew->answered++;
    b->last = sl_slprintf(b->last, b->end, "%s, visitor %llu\n",
                          (const char *) ecf->greeting.data,
                          (unsigned long long) ctx->visitor);
    b->last_buf = 1;
    r->status = 200;
    r->content_length = b->last - b->pos;
    sl_str_set(&r->content_type, "text/plain");
    if (sl_http_send_header(r) != SL_OK) {
        return 500;
    }
    return sl_http_output(r, cl) == SL_ERROR ? SL_ERROR : SL_OK;
}


/* $example_visitor: the request's number, "-" where we did not answer. */
static sl_int_t
sl_example_var_visitor(sl_http_request_t *r, sl_str_t *value, u_char *buf,
    size_t size)
{
    sl_example_ctx_t  *ctx;

    ctx = sl_http_request_ctx(r, &sl_example_module);
    if (ctx == NULL) {
        return SL_DECLINED;
    }
    value->data = buf;
    value->len = (size_t) (sl_slprintf(buf, buf + size, "%llu",
                           (unsigned long long) ctx->visitor) - buf);
    return SL_OK;
}
