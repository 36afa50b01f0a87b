/*
 * test_http_cork.c: unit tests of the cork of pipelined responses
 * (src/http/sl_http_cork.c) on a connection of a real loop over a
 * socketpair, the test playing the client: which responses are taken (a
 * whole response in memory, on a keep-alive connection, while the next
 * request already waits in the read buffer) and which are not; the
 * responses leaving together and in order; a cork that waits for a full
 * socket under send_timeout and drains by itself, or times out and
 * closes; partial writes; and the buffers kept for reuse, at most 64.
 *
 * sl_http_worker is defined here, as in test_http_body.c: the worker's
 * own file brings in its entry and the module registry.
 */
#include "sl_http.h"
#include "sl_shm.h"
#include "event/evtest.h"

#define CK_BUFFER     256       /* client_header_buffer */
#define CK_HEADS      "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"
#define CK_FIRST      (sizeof("GET /a HTTP/1.1\r\n\r\n") - 1)
#define CK_FREE_MAX   SL_HTTP_FREE_CORKS

/* The worker of this test process (see the top of the file). */
sl_http_worker_t  *sl_http_worker;

typedef struct {
    evtest_log_t          log;
    sl_loop_t            *loop;
    sl_cycle_t            cycle;
    sl_http_main_conf_t   main;
    sl_http_worker_t      w;
    sl_http_counters_t    counters;
    int                   sv[2];       /* [0] server side, [1] client */
    sl_conn_t            *c;
    sl_http_conn_t       *hc;
    sl_pool_t            *pool;        /* the requests' */
    u_char                got[1 << 20];   /* what the client received */
    size_t                ngot;
} ck_t;


/* A connection buffer as the engine makes them, holding two request
 * heads: the first being answered, the second waiting. */
static sl_buf_t *
ck_buffer(void)
{
    sl_buf_t  *b;

    b = calloc(1, sizeof(sl_buf_t) + CK_BUFFER);
    assert_non_null(b);
    b->start = (u_char *) (b + 1);
    b->end = b->start + CK_BUFFER;
    b->pos = b->start;
    b->last = sl_cpymem(b->start, CK_HEADS, sizeof(CK_HEADS) - 1);
    b->temporary = 1;
    b->fd = -1;
    return b;
}


static int
ck_setup(void **state)
{
    ck_t  *ck;

    ck = calloc(1, sizeof(*ck));
    assert_non_null(ck);
    evtest_log_open(&ck->log);
    ck->loop = sl_loop_create(64, &ck->log.log);
    assert_non_null(ck->loop);
    ck->main.send_timeout = 5000;
    ck->main.client_header_buffer = CK_BUFFER;
    ck->cycle.shm = calloc(1, sizeof(sl_shm_t));
    assert_non_null(ck->cycle.shm);
    ck->w.cycle = &ck->cycle;
    ck->w.main = &ck->main;
    ck->w.loop = ck->loop;
    ck->w.conns = sl_conns_create(ck->loop, 4, &ck->log.log);
    assert_non_null(ck->w.conns);
    ck->w.hconns = calloc(4, sizeof(sl_http_conn_t));
    assert_non_null(ck->w.hconns);
    sl_queue_init(&ck->w.idle);
    assert_int_equal(sl_freelist_init(&ck->w.free_buffers,
                                      SL_HTTP_FREE_BUFFERS,
                                      sizeof(sl_buf_t) + CK_BUFFER), SL_OK);
    assert_int_equal(sl_freelist_init(&ck->w.free_corks, CK_FREE_MAX,
                                      sizeof(sl_buf_t) + SL_HTTP_CORK_SIZE),
                     SL_OK);
    sl_http_worker = &ck->w;

    evtest_socketpair(ck->sv);
    ck->c = sl_conns_get(ck->w.conns, ck->sv[0]);
    assert_non_null(ck->c);
    assert_int_equal(sl_loop_add_conn(ck->loop, ck->c), SL_OK);
    ck->hc = &ck->w.hconns[ck->c - ck->w.conns->conns];
    ck->c->data = ck->hc;
    ck->c->buffer = ck_buffer();
    ck->w.counters = &ck->counters;
    ck->counters.active = 1;
    ck->pool = sl_pool_create(4096);
    assert_non_null(ck->pool);
    *state = ck;
    return 0;
}


static int
ck_teardown(void **state)
{
    ck_t  *ck = *state;

    if (ck->c->fd != -1) {
        sl_http_conn_close(ck->c);   /* the cork and buffer go to lists */
    }
    (void) close(ck->sv[1]);
    if (evtest_log_count(&ck->log, "[alert]") != 0) {
        evtest_log_dump(&ck->log);
        fail_msg("an alert was logged");
    }
    sl_freelist_drain(&ck->w.free_corks);
    sl_freelist_drain(&ck->w.free_buffers);
    sl_pool_destroy(ck->pool);
    evtest_conns_destroy(ck->w.conns);
    free(ck->w.hconns);
    sl_loop_destroy(ck->loop);
    free(ck->cycle.shm);
    evtest_log_close(&ck->log);
    sl_http_worker = NULL;
    free(ck);
    return 0;
}


/* A link of memory holding text; last marks the response's end. */
static sl_chain_t *
ck_link(ck_t *ck, const char *text, int last)
{
    sl_buf_t    *b;
    sl_chain_t  *cl;

    b = sl_buf_calloc(ck->pool);
    assert_non_null(b);
    b->pos = (u_char *) text;
    b->last = b->pos + strlen(text);
    b->memory = 1;
    b->last_buf = last;
    cl = sl_chain_alloc(ck->pool, b);
    assert_non_null(cl);
    return cl;
}


/* The request to the first head, its response queued whole in memory. */
static sl_http_request_t *
ck_request(ck_t *ck, const char *response)
{
    sl_http_request_t  *r;

    r = sl_pcalloc(ck->pool, sizeof(*r));
    assert_non_null(r);
    r->proto = &sl_http_v1_proto;
    r->c = ck->c;
    r->hc = ck->hc;
    r->pool = ck->pool;
    r->main = &ck->main;
    r->keepalive = 1;
    r->body_pos = ck->c->buffer->pos + CK_FIRST;
    r->out = ck_link(ck, response, 1);
    return r;
}


/* Reads what the client can into ck->got. */
static void
ck_client_read(ck_t *ck)
{
    ssize_t  n;

    while ((n = recv(ck->sv[1], ck->got + ck->ngot,
                     sizeof(ck->got) - ck->ngot, 0)) > 0)
    {
        ck->ngot += (size_t) n;
    }
}


/* Fills the server side's socket until it takes no more (send() would
 * say EAGAIN); returns the bytes written. */
static size_t
ck_fill_socket(ck_t *ck)
{
    static const u_char  junk[4096];
    size_t               total;
    int                  size;
    ssize_t              n;

    size = 4096;
    assert_int_equal(setsockopt(ck->sv[0], SOL_SOCKET, SO_SNDBUF, &size,
                                sizeof(size)), 0);
    total = 0;
    while ((n = send(ck->sv[0], junk, sizeof(junk), 0)) > 0) {
        total += (size_t) n;
    }
    assert_int_equal(errno, EAGAIN);
    return total;
}


/* Turns the loop, the client reading when `reading`, until cond() holds
 * or msec passed; returns cond(). */
static int
ck_run_until(ck_t *ck, int (*cond)(ck_t *ck), int reading, unsigned msec)
{
    sl_event_t  guard;
    uint64_t    end;

    memset(&guard, 0, sizeof(guard));
    end = evtest_usec() + (uint64_t) msec * 1000;
    while (!cond(ck) && evtest_usec() < end) {
        if (reading) {
            ck_client_read(ck);
        }
        assert_int_equal(sl_timer_add(ck->loop, &guard, 10), SL_OK);
        assert_int_equal(sl_loop_run_once(ck->loop), SL_OK);
    }
    sl_timer_del(ck->loop, &guard);
    return cond(ck);
}


static int
ck_cork_gone(ck_t *ck)
{
    return ck->hc->cork == NULL;
}


static int
ck_closed(ck_t *ck)
{
    return ck->c->fd == -1;
}


static void
test_cork_takes_a_pipelined_response(void **state)
{
    ck_t               *ck = *state;
    sl_http_request_t  *r;
    char                byte;

    r = ck_request(ck, "HTTP/1.1 200 OK\r\n\r\n");
    assert_int_equal(sl_http_cork_take(r), SL_OK);
    assert_null(r->out);
    assert_true(r->last_sent);
    assert_int_equal(r->bytes_sent, 19);
    assert_non_null(ck->hc->cork);
    assert_memory_equal(ck->hc->cork->pos, "HTTP/1.1 200 OK\r\n\r\n", 19);
    /* Nothing was written: the next response goes with it. */
    assert_int_equal(recv(ck->sv[1], &byte, 1, 0), -1);
    assert_int_equal(errno, EAGAIN);
}


typedef struct {
    const char  *name;
    int          line;
    int          what;
} ck_decline_row_t;

enum {
    CK_CLOSE = 0,       /* the connection does not stay open */
    CK_NO_NEXT,         /* no further request in the read buffer */
    CK_NO_BUFFER,       /* the read buffer was given back */
    CK_BODY_UNREAD,     /* the request's body is not read to its end */
    CK_NOT_LAST,        /* the response is not all queued */
    CK_FILE,            /* part of it is a file */
    CK_TOO_BIG,         /* larger than the cork */
    CK_CORK_FULL        /* more than the room left in the cork */
};

static const ck_decline_row_t  ck_decline_rows[] = {
    { "connection_closes", __LINE__, CK_CLOSE },
    { "client_waits_for_it", __LINE__, CK_NO_NEXT },
    { "no_read_buffer", __LINE__, CK_NO_BUFFER },
    { "body_unread", __LINE__, CK_BODY_UNREAD },
    { "response_not_all_queued", __LINE__, CK_NOT_LAST },
    { "file_buffer", __LINE__, CK_FILE },
    { "larger_than_the_cork", __LINE__, CK_TOO_BIG },
    { "no_room_left", __LINE__, CK_CORK_FULL },
};


/* Makes the request what the row describes. */
static void
ck_decline_case(ck_t *ck, sl_http_request_t *r, int what)
{
    static char   big[SL_HTTP_CORK_SIZE + 2];
    sl_buf_t     *b;

    switch (what) {
    case CK_CLOSE:
        r->keepalive = 0;
        break;
    case CK_NO_NEXT:
        r->body_pos = ck->c->buffer->last;
        break;
    case CK_NO_BUFFER:
        r->body_pos = NULL;
        break;
    case CK_BODY_UNREAD:
        r->head.content_length = 5;
        break;
    case CK_NOT_LAST:
        r->out->buf->last_buf = 0;
        break;
    case CK_FILE:
        r->out->next = ck_link(ck, "", 1);
        r->out->buf->last_buf = 0;
        r->out->next->buf->in_file = 1;
        break;
    case CK_TOO_BIG:
        memset(big, 'x', sizeof(big) - 1);
        r->out = ck_link(ck, big, 1);
        break;
    default:
        b = calloc(1, sizeof(sl_buf_t) + SL_HTTP_CORK_SIZE);
        assert_non_null(b);
        b->start = (u_char *) (b + 1);
        b->end = b->start + SL_HTTP_CORK_SIZE;
        b->pos = b->start;
        b->last = b->end - 5;    /* fewer bytes left than the response */
        ck->hc->cork = b;
        break;
    }
}


static void
test_cork_declines_rows(void **state)
{
    const ck_decline_row_t  *row;
    ck_t                    *ck = *state;
    sl_http_request_t       *r;
    sl_chain_t              *out;
    size_t                   i;

    for (i = 0; i < sl_nelem(ck_decline_rows); i++) {
        row = &ck_decline_rows[i];
        r = ck_request(ck, "HTTP/1.1 200 OK\r\n\r\n");
        ck_decline_case(ck, r, row->what);
        out = r->out;
        if (sl_http_cork_take(r) != SL_DECLINED || r->out != out
            || r->bytes_sent != 0
            || (row->what != CK_CORK_FULL && ck->hc->cork != NULL))
        {
            fail_msg("row %s (line %d): taken", row->name, row->line);
        }
        sl_http_cork_release(ck->c);
    }
}


/* Responses corked one after the other leave in one write, in order; the
 * buffer is then kept for the next cork. */
static void
test_cork_flush_sends_them_in_order(void **state)
{
    ck_t      *ck = *state;
    sl_buf_t  *cork;

    assert_int_equal(sl_http_cork_take(ck_request(ck, "one ")), SL_OK);
    assert_int_equal(sl_http_cork_take(ck_request(ck, "two ")), SL_OK);
    assert_int_equal(sl_http_cork_take(ck_request(ck, "three")), SL_OK);
    cork = ck->hc->cork;
    assert_int_equal(sl_http_cork_flush(ck->c), SL_OK);
    assert_null(ck->hc->cork);
    ck_client_read(ck);
    assert_int_equal(ck->ngot, 13);
    assert_memory_equal(ck->got, "one two three", 13);
    assert_int_equal(ck->w.free_corks.n, 1);

    /* The next cork is the same memory: no malloc per batch. */
    assert_int_equal(sl_http_cork_take(ck_request(ck, "four")), SL_OK);
    assert_ptr_equal(ck->hc->cork, cork);
    assert_int_equal(ck->w.free_corks.n, 0);
}


/* n bytes of a writev that led with the cork were the cork's. */
static void
test_cork_consumed_in_parts(void **state)
{
    ck_t  *ck = *state;

    assert_int_equal(sl_http_cork_take(ck_request(ck, "abcdef")), SL_OK);
    sl_http_cork_consumed(ck->c, 2);
    assert_non_null(ck->hc->cork);
    assert_memory_equal(ck->hc->cork->pos, "cdef", 4);
    sl_http_cork_consumed(ck->c, 4);
    assert_null(ck->hc->cork);
    assert_int_equal(ck->w.free_corks.n, 1);
}


/* A client that does not read: the cork waits on the write event under
 * send_timeout, and drains by itself once the client reads. */
static void
test_cork_waits_for_a_full_socket(void **state)
{
    ck_t    *ck = *state;
    size_t   junk;

    junk = ck_fill_socket(ck);
    assert_int_equal(sl_http_cork_take(ck_request(ck, "late")), SL_OK);
    assert_int_equal(sl_http_cork_flush(ck->c), SL_AGAIN);
    assert_non_null(ck->hc->cork);
    assert_true(ck->c->write.timer_set);
    assert_true(ck_run_until(ck, ck_cork_gone, 1, 2000));
    assert_false(ck->c->write.timer_set);
    ck_client_read(ck);
    assert_int_equal(ck->ngot, junk + 4);
    assert_memory_equal(ck->got + junk, "late", 4);
    assert_true(ck->c->fd != -1);
}


/* ... and when the client never reads, send_timeout closes it. */
static void
test_cork_times_out(void **state)
{
    ck_t  *ck = *state;

    ck->main.send_timeout = 50;
    (void) ck_fill_socket(ck);
    assert_int_equal(sl_http_cork_take(ck_request(ck, "never read")),
                     SL_OK);
    assert_int_equal(sl_http_cork_flush(ck->c), SL_AGAIN);
    assert_true(ck_run_until(ck, ck_closed, 0, 2000));
    assert_int_equal(evtest_log_count(&ck->log, "[info]"), 1);
    assert_int_equal(evtest_log_count(&ck->log, "client timed out while "
                                      "reading pipelined responses"), 1);
    assert_int_equal(ck->w.free_corks.n, 1);
}


/* Released corks are kept for reuse up to a bound, then freed. */
static void
test_cork_free_list_is_bounded(void **state)
{
    ck_t  *ck = *state;
    int    i;

    for (i = 0; i < CK_FREE_MAX + 1; i++) {
        ck->hc->cork = malloc(sizeof(sl_buf_t) + SL_HTTP_CORK_SIZE);
        assert_non_null(ck->hc->cork);
        sl_http_cork_release(ck->c);
        assert_null(ck->hc->cork);
    }
    assert_int_equal(ck->w.free_corks.n, CK_FREE_MAX);
}


/* Whether the rest of a response is all queued in memory, and its size. */
static void
test_out_in_memory(void **state)
{
    ck_t               *ck = *state;
    sl_http_request_t  *r;
    size_t              total;

    r = ck_request(ck, "12345");
    total = 0;
    assert_true(sl_http_out_in_memory(r, &total));
    assert_int_equal(total, 5);
    r->out->next = ck_link(ck, "678", 0);
    assert_true(sl_http_out_in_memory(r, &total));
    assert_int_equal(total, 8);
    r->out->buf->last_buf = 0;
    assert_false(sl_http_out_in_memory(r, &total));   /* more to come */
    r->last_sent = 1;
    r->out = NULL;
    assert_true(sl_http_out_in_memory(r, &total));    /* all sent */
    assert_int_equal(total, 0);
    r->out = ck_link(ck, "", 1);
    r->out->buf->in_file = 1;
    assert_false(sl_http_out_in_memory(r, &total));
}


/*
 * Not the cork's own, but it needs this fixture's socket: a chunked body
 * handed over in many small buffers, each written at once, is framed in
 * one frame used again and again, so a long stream (an event stream
 * through the proxy) costs the request no memory per buffer; the client
 * gets every chunk and the last chunk, in order. (With a frame per
 * buffer, as before, nframes would be 201.)
 */
static void
test_chunked_framing_reuses_its_frames(void **state)
{
    static const char   want_one[] = "3\r\nabc\r\n";
    ck_t               *ck = *state;
    sl_http_request_t  *r;
    sl_http_frame_t    *f;
    size_t              nframes, i;

    r = ck_request(ck, "");
    r->out = NULL;
    r->header_sent = 1;
    r->chunked_out = 1;
    for (i = 0; i < 200; i++) {
        assert_int_equal(sl_http_output(r, ck_link(ck, "abc", 0)), SL_OK);
        ck_client_read(ck);
    }
    assert_int_equal(sl_http_output(r, ck_link(ck, "", 1)), SL_OK);
    nframes = 0;
    for (f = r->frames_busy; f; f = f->next) {
        nframes++;
    }
    for (f = r->frames_free; f; f = f->next) {
        nframes++;
    }
    assert_int_equal(nframes, 1);
    /* The fixture's connection has a pipelined request behind this one:
     * the end of the response waits in the cork for it. */
    assert_int_equal(sl_http_cork_flush(ck->c), SL_OK);
    ck_client_read(ck);
    assert_int_equal(ck->ngot, 200 * (sizeof(want_one) - 1) + 5);
    for (i = 0; i < 200; i++) {
        assert_memory_equal(ck->got + i * (sizeof(want_one) - 1), want_one,
                            sizeof(want_one) - 1);
    }
    assert_memory_equal(ck->got + ck->ngot - 5, "0\r\n\r\n", 5);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_chunked_framing_reuses_its_frames, ck_setup, ck_teardown),
        cmocka_unit_test_setup_teardown(test_cork_takes_a_pipelined_response,
                                        ck_setup, ck_teardown),
        cmocka_unit_test_setup_teardown(test_cork_declines_rows,
                                        ck_setup, ck_teardown),
        cmocka_unit_test_setup_teardown(test_cork_flush_sends_them_in_order,
                                        ck_setup, ck_teardown),
        cmocka_unit_test_setup_teardown(test_cork_consumed_in_parts,
                                        ck_setup, ck_teardown),
        cmocka_unit_test_setup_teardown(test_cork_waits_for_a_full_socket,
                                        ck_setup, ck_teardown),
        cmocka_unit_test_setup_teardown(test_cork_times_out,
                                        ck_setup, ck_teardown),
        cmocka_unit_test_setup_teardown(test_cork_free_list_is_bounded,
                                        ck_setup, ck_teardown),
        cmocka_unit_test_setup_teardown(test_out_in_memory,
                                        ck_setup, ck_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
