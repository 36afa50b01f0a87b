/*
 * test_http_body.c: unit tests of the request body reader
 * (src/http/sl_http_body.c) over socketpairs and a real event loop.
 *
 * Two kinds of test:
 *   - direct: a request built by hand on a connection of the loop, its
 *     head's bytes and the first body bytes in the connection buffer as
 *     the engine leaves them, then sl_http_body_read called as a module
 *     would, while the test plays the client on the other socket;
 *   - through the engine: a connection handed to sl_http_conn_init with
 *     one server whose location is a test module, so the engine parses
 *     real requests, the module ignores or echoes the body, and discarding
 *     (which ends in the engine's sl_http_conn_request_done) is seen from
 *     the client: the responses, the requests the module saw, and whether
 *     the connection stayed open; and how a fresh connection starts
 *     (TCP_DEFER_ACCEPT: read at once, registered only when it stays),
 *     with epoll_ctl wrapped (-Wl,--wrap) to count the registrations.
 *
 * sl_http_worker, the process's worker, is defined here: sl_http_worker.c
 * (which defines it for the server) brings in the worker's entry and the
 * module registry, which the tests do not need. Everything else is the
 * real engine.
 */
#include "sl_http.h"
#include "sl_shm.h"
#include "event/evtest.h"

#include <sys/epoll.h>

#define FX_BUFFER     1024       /* client_header_buffer */
#define FX_HEAD       "POST /upload HTTP/1.1\r\nHost: t\r\n\r\n"
#define FX_CONTINUE   "HTTP/1.1 100 Continue\r\n\r\n"

/* The worker of this test process (see the top of the file). */
sl_http_worker_t  *sl_http_worker;

typedef enum {
    FX_IGNORE = 0,               /* answer "ok" without reading the body */
    FX_ECHO                      /* read the body, answer with it */
} fx_mode_e;

typedef struct {
    evtest_log_t          log;
    sl_loop_t            *loop;
    sl_cycle_t            cycle;
    sl_http_worker_t      w;
    sl_http_main_conf_t   main;
    sl_http_module_t      module;
    sl_http_counters_t    counters;
    sl_http_location_t    loc;
    sl_http_location_t   *locs[1];
    sl_http_server_t      server;
    sl_http_server_t     *servers[1];
    sl_http_addr_t        addr;
    sl_listen_t           ls;

    int                   sv[2];        /* [0] server side, [1] client */
    sl_conn_t            *c;
    sl_http_request_t    *r;            /* direct tests */
    int                   woken;        /* r->read_handler ran */

    fx_mode_e             mode;
    char                  uris[256];    /* "/a;/b;" as the module saw */
    u_char                got[8192];    /* what the client received */
    size_t                ngot;
    int                   eof;          /* the client saw EOF */
} fx_t;

typedef struct {
    size_t                len;
    u_char                buf[4096];
} fx_echo_t;

static fx_t  *fx_current;
static int    fx_adds;           /* EPOLL_CTL_ADDs of fx_add_fd */
static int    fx_add_fd = -1;

int __real_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int __wrap_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);

int
__wrap_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    if (op == EPOLL_CTL_ADD && fd == fx_add_fd) {
        fx_adds++;
    }
    return __real_epoll_ctl(epfd, op, fd, ev);
}

/* Heap allocations made by the library while fx_counting is set. */
static int    fx_counting;
static int    fx_allocs;

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
int __real_posix_memalign(void **p, size_t align, size_t size);
int __wrap_posix_memalign(void **p, size_t align, size_t size);

void *
__wrap_malloc(size_t size)
{
    fx_allocs += fx_counting;
    return __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
    fx_allocs += fx_counting;
    return __real_calloc(n, size);
}

int
__wrap_posix_memalign(void **p, size_t align, size_t size)
{
    fx_allocs += fx_counting;
    return __real_posix_memalign(p, align, size);
}

static void fx_run(fx_t *fx, unsigned msec);


/* The test module --------------------------------------------------- */

static void
fx_echo_read(sl_http_request_t *r)
{
    fx_echo_t  *e;
    sl_str_t    body;
    ssize_t     n;
    sl_int_t    rc;

    e = r->ctx;
    for (;;) {
        n = sl_http_body_read(r, e->buf + e->len, sizeof(e->buf) - e->len);
        if (n > 0) {
            e->len += (size_t) n;
            continue;
        }
        if (n == SL_AGAIN) {
            return;
        }
        break;
    }
    if (n == SL_ERROR) {
        sl_http_finalize(r, r->body_status);
        return;
    }
    body.data = e->buf;
    body.len = e->len;
    rc = sl_http_send_simple(r, 200, &body, "text/plain");
    sl_http_finalize(r, rc == SL_ERROR ? SL_ERROR : SL_OK);
}


static sl_int_t
fx_handler(sl_http_request_t *r)
{
    static const sl_str_t  ok = sl_string("ok");
    fx_t                  *fx;
    sl_int_t               rc;

    fx = fx_current;
    (void) snprintf(fx->uris + strlen(fx->uris),
                    sizeof(fx->uris) - strlen(fx->uris), "%.*s;",
                    (int) r->uri.len, (const char *) r->uri.data);
    if (fx->mode == FX_IGNORE) {
        rc = sl_http_send_simple(r, 200, &ok, "text/plain");
        return rc == SL_ERROR ? SL_ERROR : SL_OK;
    }
    r->ctx = sl_pcalloc(r->pool, sizeof(fx_echo_t));
    if (r->ctx == NULL) {
        return 500;
    }
    r->read_handler = fx_echo_read;
    fx_echo_read(r);
    return SL_DONE;
}


/* Fixture ----------------------------------------------------------- */

static int
fx_setup(void **state)
{
    fx_t  *fx;

    fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    evtest_log_open(&fx->log);
    fx->log.log.level = SL_LOG_INFO;
    fx->loop = sl_loop_create(64, &fx->log.log);
    assert_non_null(fx->loop);

    fx->main.keepalive_timeout = 5000;
    fx->main.keepalive_requests = 100;
    fx->main.client_header_timeout = 5000;
    fx->main.client_body_timeout = 5000;
    fx->main.send_timeout = 5000;
    fx->main.client_max_body_size = 1024 * 1024;
    fx->main.client_header_buffer = FX_BUFFER;
    sl_str_set(&fx->main.access_log_path, "off");

    fx->cycle.shm = sl_shm_create();
    assert_non_null(fx->cycle.shm);
    fx->w.cycle = &fx->cycle;
    fx->w.main = &fx->main;
    fx->w.counters = &fx->counters;
    fx->w.loop = fx->loop;
    fx->w.conns = sl_conns_create(fx->loop, 8, &fx->log.log);
    assert_non_null(fx->w.conns);
    fx->w.hconns = calloc(8, sizeof(sl_http_conn_t));
    assert_non_null(fx->w.hconns);
    sl_queue_init(&fx->w.idle);
    assert_int_equal(sl_freelist_init(&fx->w.free_buffers,
                                      SL_HTTP_FREE_BUFFERS,
                                      sizeof(sl_buf_t) + FX_BUFFER), SL_OK);
    assert_int_equal(sl_freelist_init(&fx->w.free_corks, SL_HTTP_FREE_CORKS,
                                      sizeof(sl_buf_t) + SL_HTTP_CORK_SIZE),
                     SL_OK);
    assert_int_equal(sl_freelist_init(&fx->w.free_pools, SL_HTTP_FREE_POOLS,
                                      SL_HTTP_POOL_SIZE), SL_OK);
    sl_http_worker = &fx->w;

    fx->module.name = "test";
    fx->module.handler = fx_handler;
    sl_str_set(&fx->loc.match, "/");
    fx->loc.module = &fx->module;
    fx->loc.server = &fx->server;
    fx->locs[0] = &fx->loc;
    fx->server.locations = fx->locs;
    fx->server.nlocations = 1;
    fx->server.main = &fx->main;
    fx->servers[0] = &fx->server;
    fx->addr.servers = fx->servers;
    fx->addr.nservers = 1;
    fx->ls.data = &fx->addr;

    evtest_socketpair(fx->sv);
    fx_adds = 0;
    fx_add_fd = fx->sv[0];
    fx_current = fx;
    *state = fx;
    return 0;
}


static int
fx_teardown(void **state)
{
    fx_t       *fx;
    sl_pool_t  *pool;

    fx = *state;
    if (fx->c && fx->c->fd != -1) {
        sl_http_conn_close(fx->c);
    }
    if (fx->sv[1] != -1) {
        (void) close(fx->sv[1]);
    }
    if (evtest_log_count(&fx->log, "[alert]") != 0) {
        evtest_log_dump(&fx->log);
        fail_msg("an alert was logged");
    }
    while ((pool = sl_freelist_get(&fx->w.free_pools)) != NULL) {
        sl_pool_destroy(pool);
    }
    sl_freelist_drain(&fx->w.free_pools);
    sl_freelist_drain(&fx->w.free_buffers);
    sl_freelist_drain(&fx->w.free_corks);
    evtest_conns_destroy(fx->w.conns);
    free(fx->w.hconns);
    sl_loop_destroy(fx->loop);
    (void) munmap(fx->cycle.shm, sizeof(sl_shm_t));
    evtest_log_close(&fx->log);
    sl_http_worker = NULL;
    fx_current = NULL;
    free(fx);
    return 0;
}


/* A connection buffer as the engine makes them: header, then bytes. */
static sl_buf_t *
fx_buffer(void)
{
    sl_buf_t  *b;

    b = calloc(1, sizeof(sl_buf_t) + FX_BUFFER);
    assert_non_null(b);
    b->start = (u_char *) (b + 1);
    b->end = b->start + FX_BUFFER;
    b->pos = b->start;
    b->last = b->start;
    b->temporary = 1;
    b->fd = -1;
    return b;
}


static void
fx_woken(sl_http_request_t *r)
{
    (void) r;
    fx_current->woken = 1;
}


/*
 * A request whose head (FX_HEAD, or head_len bytes of 'H' when head_len
 * is not 0) and then the bytes `after` are in the connection buffer, as
 * the engine leaves them before the module runs. content_length < 0 makes
 * it chunked.
 */
static sl_http_request_t *
fx_request(fx_t *fx, int64_t content_length, const char *after,
    size_t head_len)
{
    sl_http_request_t  *r;
    sl_http_conn_t     *hc;
    sl_pool_t          *pool;
    sl_buf_t           *b;

    fx->c = sl_conns_get(fx->w.conns, fx->sv[0]);
    assert_non_null(fx->c);
    assert_int_equal(sl_loop_add_conn(fx->loop, fx->c), SL_OK);
    hc = &fx->w.hconns[fx->c - fx->w.conns->conns];
    memset(hc, 0, sizeof(*hc));
    hc->addr = &fx->addr;
    fx->c->data = hc;
    b = fx_buffer();
    if (head_len == 0) {
        head_len = sizeof(FX_HEAD) - 1;
        memcpy(b->last, FX_HEAD, head_len);
    } else {
        memset(b->last, 'H', head_len);
    }
    b->last += head_len;
    assert_true(strlen(after) <= (size_t) (b->end - b->last));
    b->last = sl_cpymem(b->last, after, strlen(after));
    fx->c->buffer = b;

    pool = sl_pool_create(4096);
    assert_non_null(pool);
    r = sl_pcalloc(pool, sizeof(*r));
    assert_non_null(r);
    r->proto = &sl_http_v1_proto;
    r->c = fx->c;
    r->hc = hc;
    r->pool = pool;
    r->main = &fx->main;
    r->count = 1;
    r->keepalive = 1;
    r->head.headers = r->headers;
    r->head.http_major = 1;
    r->head.http_minor = 1;
    r->head_len = head_len;
    r->head.content_length = content_length < 0 ? -1 : content_length;
    r->head.chunked = content_length < 0;
    r->body_pos = b->pos + head_len;
    r->body_last = b->last;
    r->body_left = content_length < 0 ? -1 : content_length;
    if (r->head.chunked) {
        sl_http_chunked_init(&r->chunked);
    }
    r->read_handler = fx_woken;
    hc->request = r;
    fx->c->pool = pool;
    fx->r = r;
    /* A first turn of the loop, as the engine's would have been: the
     * kernel reports what is readable. */
    fx_run(fx, 0);
    return r;
}


/* Writes s from the client side. */
static void
fx_send(fx_t *fx, const void *s, size_t n)
{
    assert_int_equal(send(fx->sv[1], s, n, MSG_NOSIGNAL), (ssize_t) n);
}

#define fx_sends(fx, s)  fx_send(fx, s, sizeof(s) - 1)


/* Reads what the client has received so far into fx->got. */
static void
fx_client_drain(fx_t *fx)
{
    ssize_t  n;

    for (;;) {
        n = recv(fx->sv[1], fx->got + fx->ngot, sizeof(fx->got) - 1
                 - fx->ngot, 0);
        if (n > 0) {
            fx->ngot += (size_t) n;
            fx->got[fx->ngot] = '\0';
            continue;
        }
        if (n == 0) {
            fx->eof = 1;
        }
        return;
    }
}


/* Runs the loop for msec ms at most (at least one iteration). */
static void
fx_run(fx_t *fx, unsigned msec)
{
    sl_event_t  guard;
    uint64_t    end;

    memset(&guard, 0, sizeof(guard));
    end = evtest_usec() + (uint64_t) msec * 1000;
    do {
        assert_int_equal(sl_timer_add(fx->loop, &guard, 5), SL_OK);
        assert_int_equal(sl_loop_run_once(fx->loop), SL_OK);
        sl_timer_del(fx->loop, &guard);
    } while (evtest_usec() < end && !fx->woken);
}


/* Runs the loop until r->read_handler ran; fails after 2 s. */
static void
fx_wait_woken(fx_t *fx)
{
    fx->woken = 0;
    fx_run(fx, 2000);
    assert_true(fx->woken);
}


/* Runs the loop until the client has count occurrences of needle. */
static int
fx_count(const char *hay, const char *needle)
{
    int  n;

    for (n = 0; (hay = strstr(hay, needle)) != NULL; hay += strlen(needle)) {
        n++;
    }
    return n;
}


static void
fx_run_until_responses(fx_t *fx, int count)
{
    uint64_t  end;

    end = evtest_usec() + 2000000;
    do {
        fx_run(fx, 0);
        fx_client_drain(fx);
    } while (fx_count((char *) fx->got, "HTTP/1.1 200 OK") < count
             && !fx->eof && evtest_usec() < end);
    if (fx_count((char *) fx->got, "HTTP/1.1 200 OK") < count) {
        fail_msg("%d responses expected, got: %s", count, fx->got);
    }
}


static void
fx_run_until_eof(fx_t *fx)
{
    uint64_t  end;

    end = evtest_usec() + 3000000;
    while (!fx->eof && evtest_usec() < end) {
        fx_run(fx, 0);
        fx_client_drain(fx);
    }
    assert_true(fx->eof);
}


/* Reads the whole body with reads of size; returns the last code. */
static ssize_t
fx_read_all(fx_t *fx, size_t size, u_char *out, size_t *len)
{
    u_char   buf[4096];
    ssize_t  n;

    *len = 0;
    for (;;) {
        n = sl_http_body_read(fx->r, buf, size);
        if (n > 0) {
            assert_true((size_t) n <= size);
            memcpy(out + *len, buf, (size_t) n);
            *len += (size_t) n;
            continue;
        }
        if (n != SL_AGAIN) {
            return n;
        }
        fx_wait_woken(fx);
    }
}


/* Direct: Content-Length --------------------------------------------- */

static void
test_has_body(void **state)
{
    sl_http_request_t  r;

    (void) state;
    memset(&r, 0, sizeof(r));
    r.head.content_length = -1;
    assert_false(sl_http_has_body(&r));
    r.head.content_length = 0;
    assert_false(sl_http_has_body(&r));
    r.head.content_length = 1;
    assert_true(sl_http_has_body(&r));
    r.head.content_length = -1;
    r.head.chunked = 1;
    assert_true(sl_http_has_body(&r));
}


static void
test_no_body_reads_as_the_end_at_once(void **state)
{
    fx_t     *fx;
    u_char    buf[16];

    fx = *state;
    fx_request(fx, 0, "GET /next", 0);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), 0);
    assert_true(fx->r->body_done);
    assert_int_equal(fx->r->body_pos, fx->c->buffer->pos
                                      + sizeof(FX_HEAD) - 1);
}


static void
test_length_body_in_the_buffer_leaves_the_next_request(void **state)
{
    fx_t     *fx;
    u_char    buf[64], peek[8];

    fx = *state;
    fx_sends(fx, "XYZ");                     /* not the body's */
    fx_request(fx, 5, "helloGET /next", 0);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_true(fx->r->body_done);
    assert_int_equal(fx->r->body_received, 5);
    assert_int_equal(fx->c->buffer->last - fx->r->body_pos, 9);
    assert_memory_equal(fx->r->body_pos, "GET /next", 9);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), 0);
    /* The socket was never read. */
    assert_int_equal(recv(fx->sv[0], peek, sizeof(peek), MSG_PEEK), 3);
}


static void
test_length_body_from_the_socket_stops_at_its_end(void **state)
{
    fx_t     *fx;
    u_char    out[64], rest[64];
    size_t    len;

    fx = *state;
    fx_sends(fx, " world" "GET /next HTTP/1.1\r\n");
    fx_request(fx, 11, "hello", 0);
    assert_int_equal(fx_read_all(fx, 64, out, &len), 0);
    assert_int_equal(len, 11);
    assert_memory_equal(out, "hello world", 11);
    assert_int_equal(fx->r->body_pos, fx->c->buffer->last);
    assert_int_equal(fx->r->body_last, fx->c->buffer->last);
    /* Nothing past the body was taken from the socket. */
    assert_int_equal(recv(fx->sv[0], rest, sizeof(rest), 0), 20);
    assert_memory_equal(rest, "GET /next HTTP/1.1\r\n", 20);
}


static void
test_length_body_in_one_byte_reads(void **state)
{
    fx_t     *fx;
    u_char    out[64];
    size_t    len;

    fx = *state;
    fx_sends(fx, "defgh");
    fx_request(fx, 8, "abc", 0);
    assert_int_equal(fx_read_all(fx, 1, out, &len), 0);
    assert_int_equal(len, 8);
    assert_memory_equal(out, "abcdefgh", 8);
}


static void
test_length_body_waits_for_the_client(void **state)
{
    fx_t     *fx;
    u_char    buf[64];

    fx = *state;
    fx_request(fx, 6, "", 0);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_AGAIN);
    assert_true(fx->c->read.timer_set);
    assert_ptr_equal(fx->c->read.handler, sl_http_body_read_handler);
    fx_sends(fx, "abc");
    fx_wait_woken(fx);
    assert_false(fx->c->read.timer_set);     /* the handler removed it */
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), 3);
    assert_false(fx->c->read.timer_set);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_AGAIN);
    fx_sends(fx, "def");
    fx_wait_woken(fx);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "def", 3);
    assert_true(fx->r->body_done);
    assert_null(fx->c->read.handler);        /* no more wake-ups */
    assert_false(fx->c->read.timer_set);
}


static void
test_client_closing_early_is_400(void **state)
{
    fx_t     *fx;
    u_char    out[64];
    size_t    len;

    fx = *state;
    fx_sends(fx, "lo");
    assert_int_equal(shutdown(fx->sv[1], SHUT_WR), 0);
    fx_request(fx, 10, "hel", 0);
    assert_int_equal(fx_read_all(fx, 64, out, &len), SL_ERROR);
    assert_int_equal(len, 5);                /* what came is delivered */
    assert_int_equal(fx->r->body_status, 400);
    assert_false(fx->r->keepalive);
    assert_int_equal(evtest_log_count(&fx->log, "[info]"), 1);
    /* Final: the same answer, logged once. */
    assert_int_equal(sl_http_body_read(fx->r, out, 64), SL_ERROR);
    assert_int_equal(evtest_log_count(&fx->log, "[info]"), 1);
    assert_int_equal(evtest_log_count(&fx->log, "reading the request body"),
                     1);
}


static void
test_silence_is_408(void **state)
{
    fx_t     *fx;
    u_char    buf[64];

    fx = *state;
    fx->main.client_body_timeout = 40;
    fx_request(fx, 10, "abc", 0);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), 3);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_AGAIN);
    fx_wait_woken(fx);
    assert_true(fx->c->read.timedout);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_ERROR);
    assert_int_equal(fx->r->body_status, 408);
    assert_false(fx->r->keepalive);
    assert_int_equal(evtest_log_count(&fx->log, "client timed out"), 1);
}


static void
test_a_finalized_request_is_not_woken(void **state)
{
    fx_t     *fx;
    u_char    buf[64];

    fx = *state;
    fx->main.client_body_timeout = 20;
    fx_request(fx, 10, "", 0);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_AGAIN);
    fx->r->finalized = 1;                    /* the module gave up */
    fx_sends(fx, "abc");
    fx->woken = 0;
    fx_run(fx, 100);
    assert_false(fx->woken);
}


/* Direct: chunked ----------------------------------------------------- */

static void
test_chunked_body_split_across_reads(void **state)
{
    static const char *const  parts[] = {
        "lo\r\n", "6", "\r\n wor", "ld\r\n0\r", "\n\r\nGET /n"
    };
    fx_t                     *fx;
    u_char                    buf[64], out[64];
    size_t                    len, i;
    ssize_t                   n;

    fx = *state;
    fx_request(fx, -1, "5\r\nhel", 0);
    len = 0;
    for (i = 0; i <= sl_nelem(parts); i++) {
        while ((n = sl_http_body_read(fx->r, buf, sizeof(buf))) > 0) {
            memcpy(out + len, buf, (size_t) n);
            len += (size_t) n;
        }
        if (i == sl_nelem(parts)) {
            break;
        }
        assert_int_equal(n, SL_AGAIN);
        fx_send(fx, parts[i], strlen(parts[i]));
        fx_wait_woken(fx);
    }
    assert_int_equal(n, 0);
    assert_int_equal(len, 11);
    assert_memory_equal(out, "hello world", 11);
    assert_int_equal(fx->r->body_received, 11);
    /* The head is untouched; the next request waits after the body. */
    assert_memory_equal(fx->c->buffer->pos, FX_HEAD, sizeof(FX_HEAD) - 1);
    assert_int_equal(fx->c->buffer->last - fx->r->body_pos, 6);
    assert_memory_equal(fx->r->body_pos, "GET /n", 6);
    assert_ptr_equal(fx->r->body_last, fx->c->buffer->last);
}


static void
test_chunked_body_in_the_buffer_leaves_the_next_request(void **state)
{
    fx_t     *fx;
    u_char    out[64];
    size_t    len;

    fx = *state;
    fx_sends(fx, "XYZ");
    fx_request(fx, -1, "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: v\r\n\r\nGET /",
               0);
    assert_int_equal(fx_read_all(fx, 64, out, &len), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(out, "abcde", 5);
    assert_int_equal(fx->c->buffer->last - fx->r->body_pos, 5);
    assert_memory_equal(fx->r->body_pos, "GET /", 5);
}


static void
test_chunked_body_with_tiny_reads(void **state)
{
    static const char  chunked[] = "4\r\nWiki\r\n5\r\npedia\r\n"
                                   "E\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
    fx_t              *fx;
    u_char             out[64];
    size_t             len, size;

    for (size = 1; size <= 4; size++) {
        fx = *state;
        if (size > 1) {
            assert_int_equal(fx_teardown(state), 0);
            assert_int_equal(fx_setup(state), 0);
            fx = *state;
        }
        fx_send(fx, chunked + 9, strlen(chunked + 9));
        fx_request(fx, -1, "4\r\nWiki\r\n", 0);
        assert_int_equal(fx_read_all(fx, size, out, &len), 0);
        assert_int_equal(len, 23);
        assert_memory_equal(out, "Wikipedia in\r\n\r\nchunks.", 23);
    }
}


static void
test_chunked_body_over_the_limit_is_413(void **state)
{
    fx_t     *fx;
    u_char    buf[64];

    fx = *state;
    fx->main.client_max_body_size = 10;
    fx_request(fx, -1, "6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n", 0);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), 6);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_ERROR);
    assert_int_equal(fx->r->body_status, 413);
    assert_false(fx->r->keepalive);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_ERROR);
    assert_int_equal(evtest_log_count(&fx->log, "client_max_body_size"), 1);
}


static void
test_chunked_body_at_the_limit_passes(void **state)
{
    fx_t     *fx;
    u_char    out[64];
    size_t    len;

    fx = *state;
    fx->main.client_max_body_size = 10;
    fx_request(fx, -1, "6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n", 0);
    assert_int_equal(fx_read_all(fx, 64, out, &len), 0);
    assert_int_equal(len, 10);
}


static void
test_bad_chunk_is_400(void **state)
{
    fx_t     *fx;
    u_char    buf[64];

    fx = *state;
    fx_request(fx, -1, "3\r\nabcX\r\n0\r\n\r\n", 0);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), 3);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_ERROR);
    assert_int_equal(fx->r->body_status, 400);
    assert_false(fx->r->keepalive);
}


static void
test_no_room_after_the_head_for_a_chunked_body_is_413(void **state)
{
    fx_t     *fx;
    u_char    buf[64];

    fx = *state;
    fx_sends(fx, "3\r\nabc\r\n0\r\n\r\n");
    fx_request(fx, -1, "", FX_BUFFER);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_ERROR);
    assert_int_equal(fx->r->body_status, 413);
}


static void
test_a_nearly_full_buffer_still_reads_a_chunked_body(void **state)
{
    fx_t     *fx;
    u_char    out[64];
    size_t    len;

    fx = *state;
    fx_sends(fx, "3\r\nabc\r\n0\r\n\r\n");
    fx_request(fx, -1, "", FX_BUFFER - 2);   /* two bytes of room */
    assert_int_equal(fx_read_all(fx, 64, out, &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "abc", 3);
}


/* Direct: Expect: 100-continue --------------------------------------- */

static void
test_100_continue_is_sent_once_before_the_first_read(void **state)
{
    fx_t     *fx;
    u_char    buf[64];

    fx = *state;
    fx_request(fx, 4, "", 0);
    fx->r->head.expect_continue = 1;
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_AGAIN);
    assert_true(fx->r->continue_sent);
    fx_client_drain(fx);
    assert_string_equal((char *) fx->got, FX_CONTINUE);
    fx_sends(fx, "ab");
    fx_wait_woken(fx);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), 2);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_AGAIN);
    fx_sends(fx, "cd");
    fx_wait_woken(fx);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), 2);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), 0);
    fx->ngot = 0;
    fx_client_drain(fx);
    assert_int_equal(fx->ngot, 0);           /* only one 100 */
}


static void
test_no_100_continue_when_body_bytes_came(void **state)
{
    fx_t     *fx;
    u_char    buf[64];

    fx = *state;
    fx_request(fx, 4, "ab", 0);
    fx->r->head.expect_continue = 1;
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), 2);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_AGAIN);
    assert_false(fx->r->continue_sent);
    fx_client_drain(fx);
    assert_int_equal(fx->ngot, 0);
}


/*
 * A response of the connection still in the loop's send batch: a 100 now
 * would overtake it, so none is sent (the client goes on after its own
 * timeout), and the client gets the batched bytes alone.
 */
static void
test_no_100_continue_behind_a_batched_send(void **state)
{
    fx_t          *fx;
    u_char         buf[64];
    struct iovec   iov;

    fx = *state;
    if (sl_loop_batch_enable(fx->loop) != SL_OK) {
        skip();
    }
    fx_request(fx, 4, "", 0);
    fx->r->head.expect_continue = 1;
    iov.iov_base = "earlier";
    iov.iov_len = 7;
    assert_int_equal(sl_loop_send(fx->loop, fx->c, &iov, 1), 7);
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_AGAIN);
    assert_false(fx->r->continue_sent);
    sl_loop_send_flush(fx->loop);
    fx_client_drain(fx);
    assert_string_equal((char *) fx->got, "earlier");
}


/*
 * The cork of pipelined responses waits for a batched send of the same
 * connection, then follows it: the client reads them in order.
 */
static void
test_cork_waits_for_a_batched_send(void **state)
{
    fx_t          *fx;
    struct iovec   iov;
    sl_chain_t     cl;
    sl_buf_t       b;

    fx = *state;
    if (sl_loop_batch_enable(fx->loop) != SL_OK) {
        skip();
    }
    fx_request(fx, 0, "GET /next", 0);   /* a pipelined head, in part */
    iov.iov_base = "earlier,";
    iov.iov_len = 8;
    assert_int_equal(sl_loop_send(fx->loop, fx->c, &iov, 1), 8);
    memset(&b, 0, sizeof(b));
    b.pos = (u_char *) "corked";
    b.last = b.pos + 6;
    b.last_buf = 1;
    memset(&cl, 0, sizeof(cl));
    cl.buf = &b;
    fx->r->out = &cl;
    assert_int_equal(sl_http_cork_take(fx->r), SL_OK);
    assert_int_equal(sl_http_cork_flush(fx->c), SL_AGAIN);
    fx_client_drain(fx);
    assert_int_equal(fx->ngot, 0);           /* nothing left yet */
    fx_run(fx, 50);                          /* the batch, then the cork */
    fx_client_drain(fx);
    assert_string_equal((char *) fx->got, "earlier,corked");
    assert_null(((sl_http_conn_t *) fx->c->data)->cork);
}


static void
test_no_100_continue_to_http_1_0_or_after_the_header(void **state)
{
    fx_t     *fx;
    u_char    buf[64];

    fx = *state;
    fx_request(fx, 4, "", 0);
    fx->r->head.expect_continue = 1;
    fx->r->head.http_minor = 0;
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_AGAIN);
    fx->r->head.http_minor = 1;
    fx->r->header_sent = 1;
    assert_int_equal(sl_http_body_read(fx->r, buf, sizeof(buf)), SL_AGAIN);
    assert_false(fx->r->continue_sent);
    fx_client_drain(fx);
    assert_int_equal(fx->ngot, 0);
}


/* Through the engine: reading and discarding ------------------------- */

/* Hands the server side to the engine as a freshly accepted client. */
static void
fx_engine(fx_t *fx, fx_mode_e mode)
{
    fx->mode = mode;
    fx->c = sl_conns_get(fx->w.conns, fx->sv[0]);
    assert_non_null(fx->c);
    sl_http_conn_init(fx->c, &fx->ls);      /* registers fx->c */
}


static void
test_engine_module_reads_a_chunked_body(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx_engine(fx, FX_ECHO);
    fx_sends(fx, "POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked"
             "\r\n\r\n5\r\nhello\r\n");
    fx_run(fx, 20);
    fx_sends(fx, "6\r\n world\r\n0\r\n\r\n"
             "GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    fx_run_until_eof(fx);
    assert_string_equal(fx->uris, "/a;/b;");
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1 200 OK"), 2);
    assert_non_null(strstr((char *) fx->got, "\r\n\r\nhello world"));
}


static void
test_engine_discards_an_unread_body_and_serves_the_next(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx_engine(fx, FX_IGNORE);
    fx_sends(fx, "POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n"
             "0123456789"
             "GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    fx_run_until_eof(fx);
    assert_string_equal(fx->uris, "/a;/b;");
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1 200 OK"), 2);
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1"), 2);
}


static void
test_engine_discards_a_slow_body_asynchronously(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx_engine(fx, FX_IGNORE);
    fx_sends(fx, "POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n"
             "012");
    fx_run_until_responses(fx, 1);
    assert_false(fx->eof);
    fx_sends(fx, "3456");
    fx_run(fx, 20);
    fx_sends(fx, "789GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    fx_run_until_eof(fx);
    assert_string_equal(fx->uris, "/a;/b;");
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1 200 OK"), 2);
}


static void
test_engine_discards_a_chunked_body(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx_engine(fx, FX_IGNORE);
    fx_sends(fx, "POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked"
             "\r\n\r\n3\r\nabc\r\n");
    fx_run_until_responses(fx, 1);
    fx_sends(fx, "4\r\ndefg\r\n0\r\n\r\n"
             "GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    fx_run_until_eof(fx);
    assert_string_equal(fx->uris, "/a;/b;");
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1 200 OK"), 2);
}


static void
test_engine_discards_a_large_body_in_slices(void **state)
{
    static u_char  junk[65536];
    fx_t          *fx;
    size_t         sent;
    ssize_t        n;
    char           head[128];
    uint64_t       end;

    fx = *state;
    fx_engine(fx, FX_IGNORE);
    memset(junk, 'j', sizeof(junk));
    (void) snprintf(head, sizeof(head), "POST /a HTTP/1.1\r\nHost: t\r\n"
                    "Content-Length: %zu\r\n\r\n", (size_t) 1024 * 1024);
    fx_send(fx, head, strlen(head));
    sent = 0;
    end = evtest_usec() + 5000000;
    while (sent < 1024 * 1024 && evtest_usec() < end) {
        n = send(fx->sv[1], junk, sl_min(sizeof(junk), 1024 * 1024 - sent),
                 MSG_NOSIGNAL);
        if (n > 0) {
            sent += (size_t) n;
        }
        fx_run(fx, 0);
        fx_client_drain(fx);
    }
    assert_int_equal(sent, 1024 * 1024);
    fx_sends(fx, "GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    fx_run_until_eof(fx);
    assert_string_equal(fx->uris, "/a;/b;");
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1 200 OK"), 2);
}


/*
 * The rest of the body is exactly one discarding slice (256 KiB, read in
 * 16 KiB pieces; both are sl_http_body.c's): the slice ends with the
 * body, and the discard must end there too rather than wait for a read
 * event that never brings anything. The whole request is in the socket
 * before the engine starts, so every read is full and the count exact.
 */
static void
test_engine_discard_slice_that_ends_with_the_body(void **state)
{
    static u_char  body[256 * 1024 + FX_BUFFER];
    fx_t          *fx;
    char           head[128];
    size_t         len, rest;
    int            size;

    fx = *state;
    size = 4 * 1024 * 1024;
    if (setsockopt(fx->sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &size,
                   sizeof(size)) == -1)
    {
        skip();   /* not root: the request would not fit in the socket */
    }
    len = (size_t) snprintf(head, sizeof(head), "POST /a HTTP/1.1\r\n"
                            "Host: t\r\nContent-Length: %6zu\r\n\r\n",
                            (size_t) 0);
    /* The engine's first read takes FX_BUFFER bytes: the head and the
     * first body bytes; one slice then takes the rest. */
    rest = 256 * 1024 + (FX_BUFFER - len);
    (void) snprintf(head, sizeof(head), "POST /a HTTP/1.1\r\nHost: t\r\n"
                    "Content-Length: %6zu\r\n\r\n", rest);
    memset(body, 'j', rest);
    fx_send(fx, head, len);
    fx_send(fx, (char *) body, rest);
    fx_sends(fx, "GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    fx_engine(fx, FX_IGNORE);
    fx_run_until_eof(fx);
    assert_string_equal(fx->uris, "/a;/b;");
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1 200 OK"), 2);
}


static void
test_engine_closes_when_100_continue_was_never_sent(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx_engine(fx, FX_IGNORE);
    fx_sends(fx, "POST /a HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
             "Content-Length: 10\r\n\r\n");
    fx_run_until_eof(fx);
    assert_string_equal(fx->uris, "/a;");
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1 200 OK"), 1);
    assert_null(strstr((char *) fx->got, "100 Continue"));
}


static void
test_engine_keeps_a_100_continue_client_that_sent_its_body(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx_engine(fx, FX_IGNORE);
    fx_sends(fx, "POST /a HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
             "Content-Length: 3\r\n\r\nabc"
             "GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    fx_run_until_eof(fx);
    assert_string_equal(fx->uris, "/a;/b;");
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1 200 OK"), 2);
    assert_null(strstr((char *) fx->got, "100 Continue"));
}


static void
test_engine_echo_with_100_continue(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx_engine(fx, FX_ECHO);
    fx_sends(fx, "POST /a HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
             "Content-Length: 5\r\nConnection: close\r\n\r\n");
    fx_run(fx, 20);
    fx_client_drain(fx);
    assert_string_equal((char *) fx->got, FX_CONTINUE);
    fx_sends(fx, "hello");
    fx_run_until_eof(fx);
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1 200 OK"), 1);
    assert_non_null(strstr((char *) fx->got, "\r\n\r\nhello"));
}


static void
test_engine_discard_timeout_closes(void **state)
{
    fx_t      *fx;
    uint64_t   start;

    fx = *state;
    fx->main.client_body_timeout = 50;
    fx_engine(fx, FX_IGNORE);
    fx_sends(fx, "POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n"
             "012");
    start = evtest_usec();
    fx_run_until_eof(fx);
    assert_true(evtest_usec() - start >= 40000);
    assert_string_equal(fx->uris, "/a;");
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1 200 OK"), 1);
    assert_int_equal(evtest_log_count(&fx->log, "client timed out"), 1);
}


static void
test_engine_body_error_answers_and_closes(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx->main.client_max_body_size = 4;
    fx_engine(fx, FX_ECHO);
    fx_sends(fx, "POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked"
             "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    fx_run_until_eof(fx);
    assert_non_null(strstr((char *) fx->got, "HTTP/1.1 413 "));
}


/* What the client has received so far, without running the loop. */
static size_t
fx_recv_now(fx_t *fx)
{
    ssize_t  n;

    for (;;) {
        n = recv(fx->sv[1], fx->got + fx->ngot, sizeof(fx->got) - 1 - fx->ngot,
                 MSG_DONTWAIT);
        if (n <= 0) {
            fx->eof = n == 0;
            break;
        }
        fx->ngot += (size_t) n;
    }
    fx->got[fx->ngot] = '\0';
    return fx->ngot;
}


/* A kept-alive client's next request reuses the pool, the buffers and
 * the request the first one left: no malloc per request. */
static void
test_engine_keepalive_request_allocates_nothing(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx_engine(fx, FX_IGNORE);
    fx_sends(fx, "GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
    fx_run_until_responses(fx, 1);
    fx_allocs = 0;
    fx_counting = 1;
    fx_sends(fx, "GET /b HTTP/1.1\r\nHost: t\r\nUser-Agent: u\r\n"
             "Accept: */*\r\n\r\n");
    fx_run_until_responses(fx, 2);
    fx_counting = 0;
    assert_string_equal(fx->uris, "/a;/b;");
#ifdef SL_POOL_DEBUG
    /* Debug pools (sanitizer builds) make every allocation a malloc. */
    assert_true(fx_allocs > 0);
#else
    assert_int_equal(fx_allocs, 0);
#endif
}


static void
test_engine_deferred_client_is_answered_before_any_event(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx->ls.defer_accept = 1;
    fx_sends(fx, "GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    fx_engine(fx, FX_IGNORE);
    /* Answered and closed inside sl_http_conn_init: no loop turn, and the
     * descriptor never entered the epoll set. */
    assert_true(fx_recv_now(fx) > 0);
    assert_true(fx->eof);
    assert_string_equal(fx->uris, "/a;");
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1 200 OK"), 1);
    assert_int_equal(fx_adds, 0);
    assert_false(fx->c->pooled);
}


static void
test_engine_deferred_keepalive_client_is_registered(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx->ls.defer_accept = 1;
    fx_sends(fx, "GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
    fx_engine(fx, FX_IGNORE);
    assert_true(fx_recv_now(fx) > 0);
    assert_false(fx->eof);
    assert_int_equal(fx_adds, 1);
    /* The next request arrives through the loop. */
    fx_sends(fx, "GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    fx_run_until_eof(fx);
    assert_string_equal(fx->uris, "/a;/b;");
    assert_int_equal(fx_count((char *) fx->got, "HTTP/1.1 200 OK"), 2);
}


static void
test_engine_deferred_silent_client_waits_for_its_request(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx->ls.defer_accept = 1;          /* the kernel gave up waiting */
    fx_engine(fx, FX_IGNORE);
    assert_int_equal(fx_recv_now(fx), 0);
    assert_false(fx->eof);
    assert_int_equal(fx_adds, 1);
    fx_sends(fx, "GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    fx_run_until_eof(fx);
    assert_string_equal(fx->uris, "/a;");
}


static void
test_engine_fresh_client_is_registered_before_reading(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx_sends(fx, "GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    fx_engine(fx, FX_IGNORE);
    /* Without TCP_DEFER_ACCEPT the request waits for the loop. */
    assert_int_equal(fx_recv_now(fx), 0);
    assert_int_equal(fx_adds, 1);
    fx_run_until_eof(fx);
    assert_string_equal(fx->uris, "/a;");
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_has_body),
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
        T(test_no_body_reads_as_the_end_at_once),
        T(test_length_body_in_the_buffer_leaves_the_next_request),
        T(test_length_body_from_the_socket_stops_at_its_end),
        T(test_length_body_in_one_byte_reads),
        T(test_length_body_waits_for_the_client),
        T(test_client_closing_early_is_400),
        T(test_silence_is_408),
        T(test_a_finalized_request_is_not_woken),
        T(test_chunked_body_split_across_reads),
        T(test_chunked_body_in_the_buffer_leaves_the_next_request),
        T(test_chunked_body_with_tiny_reads),
        T(test_chunked_body_over_the_limit_is_413),
        T(test_chunked_body_at_the_limit_passes),
        T(test_bad_chunk_is_400),
        T(test_no_room_after_the_head_for_a_chunked_body_is_413),
        T(test_a_nearly_full_buffer_still_reads_a_chunked_body),
        T(test_100_continue_is_sent_once_before_the_first_read),
        T(test_no_100_continue_when_body_bytes_came),
        T(test_no_100_continue_to_http_1_0_or_after_the_header),
        T(test_no_100_continue_behind_a_batched_send),
        T(test_cork_waits_for_a_batched_send),
        T(test_engine_module_reads_a_chunked_body),
        T(test_engine_discards_an_unread_body_and_serves_the_next),
        T(test_engine_discards_a_slow_body_asynchronously),
        T(test_engine_discards_a_chunked_body),
        T(test_engine_discards_a_large_body_in_slices),
        T(test_engine_discard_slice_that_ends_with_the_body),
        T(test_engine_closes_when_100_continue_was_never_sent),
        T(test_engine_keeps_a_100_continue_client_that_sent_its_body),
        T(test_engine_echo_with_100_continue),
        T(test_engine_discard_timeout_closes),
        T(test_engine_body_error_answers_and_closes),
        T(test_engine_keepalive_request_allocates_nothing),
        T(test_engine_deferred_client_is_answered_before_any_event),
        T(test_engine_deferred_keepalive_client_is_registered),
        T(test_engine_deferred_silent_client_waits_for_its_request),
        T(test_engine_fresh_client_is_registered_before_reading),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
