/*
 * test_http_response.c: unit tests of the response head the engine writes
 * (src/http/sl_http_response.c, sl_http_send_header) for hand-built
 * requests: the status line (the code's text, an unknown code, a given
 * status line), Server and Date, Content-Length or chunked or a close-
 * delimited body by version, no length where no body may follow (1xx,
 * 204, 304), the validators and Location, the module's headers then the
 * location's add_headers in order, and Connection by version and
 * keep-alive. One table of whole heads, compared byte for byte with the
 * Date pinned; a failure names the row and its line. Then the head's
 * place at the front of the output and the header limit.
 */
#include "sl_http.h"
#include "event/evtest.h"

#define DATE     "Sun, 06 Nov 1994 08:49:37 GMT"
#define SUNDAY   784111777                        /* DATE as time_t */
#define TOP(s)   "HTTP/1.1 " s "\r\nServer: sluice\r\nDate: " DATE "\r\n"

typedef struct {
    const char  *name;
    int          line;
    int          status;
    const char  *status_line;     /* NULL: from the code */
    int          http_minor;
    int          keepalive;
    int          head;            /* a HEAD request: header_only already */
    off_t        length;          /* content_length: -1 unknown */
    const char  *type;            /* Content-Type, or NULL */
    time_t       mtime;           /* last_modified: -1 none */
    const char  *etag;
    const char  *location;
    const char  *out[3];          /* sl_http_header_add: name, value ... */
    const char  *add[3];          /* the location's add_headers */
    const char  *want;            /* the whole head */
    int          header_only;     /* afterwards */
    int          chunked;
    int          kept;            /* r->keepalive afterwards */
} rs_row_t;

/* name, status, status_line, minor, keepalive, head, length, then the
 * expected head and flags; the other fields are 0, NULL or -1 */
#define ROW(nm, st, sl, mi, ka, hd, len, want, ho, ch, kept)                 \
    { nm, __LINE__, st, sl, mi, ka, hd, len, NULL, -1, NULL, NULL,          \
      { NULL }, { NULL }, want, ho, ch, kept }

static const rs_row_t  rs_rows[] = {
    ROW("ok", 200, NULL, 1, 1, 0, 2,
        TOP("200 OK") "Content-Length: 2\r\n\r\n", 0, 0, 1),
    ROW("status_0_is_200", 0, NULL, 1, 1, 0, 2,
        TOP("200 OK") "Content-Length: 2\r\n\r\n", 0, 0, 1),
    ROW("unknown_code", 299, NULL, 1, 1, 0, 0,
        TOP("299 Unknown") "Content-Length: 0\r\n\r\n", 0, 0, 1),
    ROW("status_line_given", 201, "201 Made It", 1, 1, 0, 1,
        TOP("201 Made It") "Content-Length: 1\r\n\r\n", 0, 0, 1),
    ROW("error_code", 404, NULL, 1, 1, 0, 9,
        TOP("404 Not Found") "Content-Length: 9\r\n\r\n", 0, 0, 1),
    ROW("large_length", 200, NULL, 1, 1, 0, (off_t) 1 << 40,
        TOP("200 OK") "Content-Length: 1099511627776\r\n\r\n", 0, 0, 1),
    ROW("chunked_for_1_1", 200, NULL, 1, 1, 0, -1,
        TOP("200 OK") "Transfer-Encoding: chunked\r\n\r\n", 0, 1, 1),
    ROW("close_delimited_for_1_0", 200, NULL, 0, 1, 0, -1,
        TOP("200 OK") "Connection: close\r\n\r\n", 0, 0, 0),
    ROW("keep_alive_said_to_1_0", 200, NULL, 0, 1, 0, 3,
        TOP("200 OK") "Content-Length: 3\r\nConnection: keep-alive\r\n\r\n",
        0, 0, 1),
    ROW("close_1_1", 200, NULL, 1, 0, 0, 3,
        TOP("200 OK") "Content-Length: 3\r\nConnection: close\r\n\r\n",
        0, 0, 0),
    ROW("close_1_0", 200, NULL, 0, 0, 0, 3,
        TOP("200 OK") "Content-Length: 3\r\nConnection: close\r\n\r\n",
        0, 0, 0),
    ROW("head_keeps_the_length", 200, NULL, 1, 1, 1, 5,
        TOP("200 OK") "Content-Length: 5\r\n\r\n", 1, 0, 1),
    ROW("head_of_unknown_length", 200, NULL, 1, 1, 1, -1,
        TOP("200 OK") "Transfer-Encoding: chunked\r\n\r\n", 1, 1, 1),
    ROW("no_content", 204, NULL, 1, 1, 0, 0,
        TOP("204 No Content") "\r\n", 1, 0, 1),
    ROW("not_modified", 304, NULL, 1, 1, 0, 10,
        TOP("304 Not Modified") "\r\n", 1, 0, 1),
    ROW("interim", 100, NULL, 1, 1, 0, -1,
        TOP("100 Continue") "\r\n", 1, 0, 1),
    ROW("switching", 101, NULL, 1, 0, 0, -1,
        TOP("101 Switching Protocols") "Connection: close\r\n\r\n", 1, 0, 0),
    { "validators_and_location", __LINE__, 301, NULL, 1, 1, 0, 0,
      "text/html", SUNDAY, "\"5-a\"", "/dir/", { NULL }, { NULL },
      TOP("301 Moved Permanently") "Content-Type: text/html\r\n"
      "Content-Length: 0\r\nLast-Modified: " DATE "\r\nETag: \"5-a\"\r\n"
      "Location: /dir/\r\n\r\n", 0, 0, 1 },
    { "headers_then_add_headers", __LINE__, 200, NULL, 0, 1, 0, 2,
      "text/plain", -1, NULL, NULL,
      { "Vary", "Accept-Encoding", NULL },
      { "X-A: 1", "Strict-Transport-Security: max-age=60", NULL },
      TOP("200 OK") "Content-Type: text/plain\r\nContent-Length: 2\r\n"
      "Vary: Accept-Encoding\r\nX-A: 1\r\n"
      "Strict-Transport-Security: max-age=60\r\n"
      "Connection: keep-alive\r\n\r\n", 0, 0, 1 },
};


typedef struct {
    evtest_log_t         log;
    sl_conn_t            c;
    sl_http_conn_t       hc;
    sl_http_location_t   loc;
    sl_str_t             add[3];
    sl_pool_t           *pool;
    sl_http_request_t   *r;
} rs_fixture_t;

static sl_str_t  rs_saved_date;


static int
rs_group_setup(void **state)
{
    (void) state;
    sl_time_update();
    rs_saved_date = sl_cached_http_time;
    sl_str_set(&sl_cached_http_time, DATE);
    return 0;
}


static int
rs_group_teardown(void **state)
{
    (void) state;
    sl_cached_http_time = rs_saved_date;
    return 0;
}


/* A request as the engine has it when a module answers. */
static int
rs_setup(void **state)
{
    rs_fixture_t  *f;

    f = calloc(1, sizeof(*f));
    assert_non_null(f);
    evtest_log_open(&f->log);
    f->c.fd = -1;
    f->c.log = &f->log.log;
    f->pool = sl_pool_create(4096);
    assert_non_null(f->pool);
    f->r = sl_pcalloc(f->pool, sizeof(sl_http_request_t));
    assert_non_null(f->r);
    f->r->pool = f->pool;
    f->r->proto = &sl_http_v1_proto;
    f->r->c = &f->c;
    f->r->hc = &f->hc;
    f->r->loc = &f->loc;
    f->r->keepalive = 1;
    f->r->head.http_major = 1;
    f->r->head.http_minor = 1;
    f->r->content_length = -1;
    f->r->last_modified = -1;
    *state = f;
    return 0;
}


static int
rs_teardown(void **state)
{
    rs_fixture_t  *f = *state;

    sl_pool_destroy(f->pool);
    evtest_log_close(&f->log);
    free(f);
    return 0;
}


static void
rs_set(sl_str_t *s, const char *text)
{
    s->data = (u_char *) text;
    s->len = text ? strlen(text) : 0;
}


/* Fills the request from the row, as a module would. */
static void
rs_request(rs_fixture_t *f, const rs_row_t *row)
{
    sl_http_request_t  *r;
    sl_str_t            v;
    size_t              i;

    r = f->r;
    r->status = row->status;
    rs_set(&r->status_line, row->status_line);
    r->head.http_minor = row->http_minor;
    r->keepalive = row->keepalive;
    r->header_only = row->head;
    r->content_length = row->length;
    rs_set(&r->content_type, row->type);
    r->last_modified = row->mtime;
    rs_set(&r->etag, row->etag);
    rs_set(&r->location, row->location);
    for (i = 0; i + 1 < sl_nelem(row->out) && row->out[i]; i += 2) {
        rs_set(&v, row->out[i + 1]);
        assert_int_equal(sl_http_header_add(r, row->out[i], v), SL_OK);
    }
    for (i = 0; i < sl_nelem(row->add) && row->add[i]; i++) {
        rs_set(&f->add[i], row->add[i]);
    }
    f->loc.add_headers.items = f->add;
    f->loc.add_headers.n = i;
}


static void
test_response_head_rows(void **state)
{
    const rs_row_t  *row;
    rs_fixture_t    *f;
    sl_buf_t        *b;
    size_t           i, len;
    int              ok;

    for (i = 0; i < sl_nelem(rs_rows); i++) {
        row = &rs_rows[i];
        assert_int_equal(rs_setup(state), 0);
        f = *state;
        rs_request(f, row);
        assert_int_equal(sl_http_send_header(f->r), SL_OK);
        b = f->r->out->buf;
        len = (size_t) (b->last - b->pos);
        ok = len == strlen(row->want) && memcmp(b->pos, row->want, len) == 0
             && f->r->header_only == (unsigned) row->header_only
             && f->r->chunked_out == (unsigned) row->chunked
             && f->r->keepalive == (unsigned) row->kept
             && f->r->status == (row->status ? row->status : 200)
             && f->r->header_sent && f->r->header_bytes == (off_t) len
             && f->r->out->next == NULL;
        if (!ok) {
            fail_msg("row %s (line %d): header_only %u chunked %u keepalive "
                     "%u status %d, head:\n%.*s", row->name, row->line,
                     f->r->header_only, f->r->chunked_out, f->r->keepalive,
                     f->r->status, (int) len, b->pos);
        }
        assert_int_equal(rs_teardown(state), 0);
    }
}


/* The head goes before what a module queued already: nothing precedes
 * it on the wire. */
static void
test_response_head_leads_the_output(void **state)
{
    rs_fixture_t  *f = *state;
    sl_chain_t    *body;
    sl_buf_t      *b;

    b = sl_buf_calloc(f->pool);
    assert_non_null(b);
    body = sl_chain_alloc(f->pool, b);
    assert_non_null(body);
    f->r->out = body;
    f->r->content_length = 0;
    assert_int_equal(sl_http_send_header(f->r), SL_OK);
    assert_ptr_not_equal(f->r->out, body);
    assert_ptr_equal(f->r->out->next, body);
    assert_memory_equal(f->r->out->buf->pos, "HTTP/1.1 200 OK\r\n", 17);
}


/* Every header a module may add fits the head's buffer; one more is
 * refused and logged, and the head is still whole. */
static void
test_response_header_limit(void **state)
{
    static const char  *names[] = { "X-Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                    "X-Bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" };
    rs_fixture_t       *f = *state;
    sl_str_t            v;
    sl_buf_t           *b;
    size_t              i;

    memset(&v, 0, sizeof(v));
    v.data = sl_pnalloc(f->pool, 1000);
    assert_non_null(v.data);
    memset(v.data, 'v', 1000);
    v.len = 1000;
    for (i = 0; i < SL_HTTP_MAX_OUT_HEADERS; i++) {
        assert_int_equal(sl_http_header_add(f->r, names[i % 2], v), SL_OK);
    }
    assert_int_equal(sl_http_header_add(f->r, names[0], v), SL_ERROR);
    assert_int_equal(evtest_log_count(&f->log, "[error]"), 1);
    assert_int_equal(evtest_log_count(&f->log, "too many response headers"),
                     1);
    f->r->content_length = 0;
    assert_int_equal(sl_http_send_header(f->r), SL_OK);
    b = f->r->out->buf;
    assert_int_equal(f->r->header_bytes, b->last - b->pos);
    assert_true(f->r->header_bytes > SL_HTTP_MAX_OUT_HEADERS * 1000);
    assert_memory_equal(b->last - 4, "\r\n\r\n", 4);
    assert_true(b->last <= b->end);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_response_head_rows),
        cmocka_unit_test_setup_teardown(test_response_head_leads_the_output,
                                        rs_setup, rs_teardown),
        cmocka_unit_test_setup_teardown(test_response_header_limit,
                                        rs_setup, rs_teardown),
    };

    return cmocka_run_group_tests(tests, rs_group_setup, rs_group_teardown);
}
