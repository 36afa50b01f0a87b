/*
 * test_proxy_parse.c: unit tests of the backend response head parser
 * (modules/proxy/sl_proxy_parse.c). One table; each row is parsed whole,
 * split at every byte into two calls, and fed one byte more per call,
 * each call's input ending at a PROT_NONE page (guard.h): the result and
 * every field must not depend on the split, and a prefix of a valid head
 * must give SL_AGAIN.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sl_core.h"
#include "sl_proxy_parse.h"
#include "guard.h"

typedef struct {
    const char   *name;
    int           line;
    const char   *in;
    sl_int_t      rc;          /* > 0 the head's length; or SL_AGAIN,
                                  SL_ERROR */
    int           status;
    int64_t       clen;
    unsigned      chunked, close, keep_alive, conn_upgrade;
    size_t        nheaders;
    const char   *status_text;
    const char   *error;
} resp_row_t;

#define OK(nm, s, st, cl, nh, ...)                                          \
    { .name = nm, .line = __LINE__, .in = s, .rc = (sl_int_t) sizeof(s) - 1,\
      .status = st, .clen = cl, .nheaders = nh, __VA_ARGS__ }
#define OK_MORE(nm, s, head_len, st, cl, nh, ...)                           \
    { .name = nm, .line = __LINE__, .in = s, .rc = head_len, .status = st,  \
      .clen = cl, .nheaders = nh, __VA_ARGS__ }
#define AGAIN(nm, s)                                                        \
    { .name = nm, .line = __LINE__, .in = s, .rc = SL_AGAIN }
#define BAD(nm, s, e)                                                       \
    { .name = nm, .line = __LINE__, .in = s, .rc = SL_ERROR, .error = e }

static const resp_row_t  resp_rows[] = {
    OK("minimal", "HTTP/1.1 200 OK\r\n\r\n", 200, -1, 0,
       .status_text = "200 OK"),
    OK("content_length", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n",
       200, 12, 1),
    OK("chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
       200, -1, 1, .chunked = 1),
    OK("chunked_case_ows", "HTTP/1.1 200 OK\r\ntransfer-encoding:  CHUNKED  "
       "\r\n\r\n", 200, -1, 1, .chunked = 1),
    OK("chunked_list_empty_elements", "HTTP/1.1 200 OK\r\n"
       "Transfer-Encoding: , chunked ,\r\n\r\n", 200, -1, 1, .chunked = 1),
    OK("no_reason", "HTTP/1.1 204\r\n\r\n", 204, -1, 0,
       .status_text = "204"),
    OK("empty_reason", "HTTP/1.1 204 \r\n\r\n", 204, -1, 0,
       .status_text = "204 "),
    OK("reason_obs_text_tab", "HTTP/1.1 200 \xc3\xa9t\xc3\xa9\tok\r\n\r\n",
       200, -1, 0, .status_text = "200 \xc3\xa9t\xc3\xa9\tok"),
    OK("http10", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", 200,
       -1, 1, .keep_alive = 1),
    OK("connection_list", "HTTP/1.1 101 Switching Protocols\r\n"
       "Connection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n", 101, -1, 2,
       .close = 1, .conn_upgrade = 1),
    OK("interim_100", "HTTP/1.1 100 Continue\r\n\r\n", 100, -1, 0),
    OK("empty_value", "HTTP/1.1 200 OK\r\nX-Empty:\r\nX-B:   \r\n\r\n", 200,
       -1, 2),
    OK("599", "HTTP/1.1 599 Whatever\r\n\r\n", 599, -1, 0),
    OK("http_1_2_is_1x", "HTTP/1.2 200 OK\r\n\r\n", 200, -1, 0),
    OK_MORE("body_follows", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
            (sl_int_t) sizeof("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
            - 1, 200, 2, 1),
    OK_MORE("next_response_follows", "HTTP/1.1 304 NM\r\n\r\nHTTP/1.1 200",
            (sl_int_t) sizeof("HTTP/1.1 304 NM\r\n\r\n") - 1, 304, -1, 0),

    AGAIN("status_line_only", "HTTP/1.1 200 OK\r\n"),
    AGAIN("half_crlf", "HTTP/1.1 200 OK\r\nA: b\r\n\r"),
    AGAIN("empty", ""),

    BAD("not_http", "SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.x status line"),
    BAD("http09_body", "<html>", "not an HTTP/1.x status line"),
    BAD("lowercase_proto", "http/1.1 200 OK\r\n\r\n",
        "not an HTTP/1.x status line"),
    BAD("http2", "HTTP/2.0 200 OK\r\n\r\n", "not HTTP/1.x"),
    BAD("bad_version", "HTTP/1.x 200 OK\r\n\r\n", "invalid status line"),
    BAD("two_spaces", "HTTP/1.1  200 OK\r\n\r\n", "invalid status code"),
    BAD("status_short", "HTTP/1.1 20 OK\r\n\r\n", "invalid status code"),
    BAD("status_line_short", "HTTP/1.1 20\r\n\r\n", "invalid status line"),
    BAD("status_long", "HTTP/1.1 2000 OK\r\n\r\n", "invalid status code"),
    BAD("status_600", "HTTP/1.1 600 OK\r\n\r\n", "invalid status code"),
    BAD("status_099", "HTTP/1.1 099 OK\r\n\r\n", "invalid status code"),
    BAD("status_letters", "HTTP/1.1 2x0 OK\r\n\r\n", "invalid status code"),
    BAD("reason_ctl", "HTTP/1.1 200 O\x01K\r\n\r\n", "invalid reason phrase"),
    BAD("bare_lf_status", "HTTP/1.1 200 OK\n\r\n", "bare LF"),
    BAD("bare_lf_field", "HTTP/1.1 200 OK\r\nA: b\n\r\n", "bare LF"),
    BAD("bare_lf_end", "HTTP/1.1 200 OK\r\n\n", "bare LF"),
    BAD("bare_cr", "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", "bare CR"),
    BAD("obs_fold", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n",
        "obsolete line folding"),
    BAD("space_before_colon", "HTTP/1.1 200 OK\r\nA : b\r\n\r\n",
        "invalid field name"),
    BAD("no_colon", "HTTP/1.1 200 OK\r\nAb\r\n\r\n", "invalid field name"),
    BAD("empty_name", "HTTP/1.1 200 OK\r\n: b\r\n\r\n", "invalid field name"),
    BAD("bad_name_char", "HTTP/1.1 200 OK\r\nA(b: c\r\n\r\n",
        "invalid field name"),
    BAD("del_in_value", "HTTP/1.1 200 OK\r\nA: x\x7f\r\n\r\n",
        "invalid field value"),
    BAD("ctl_in_value", "HTTP/1.1 200 OK\r\nA: x\x01y\r\n\r\n",
        "invalid field value"),
    BAD("cl_twice_same", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
        "Content-Length: 5\r\n\r\n", "duplicate Content-Length"),
    BAD("cl_twice_different", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
        "Content-Length: 6\r\n\r\n", "duplicate Content-Length"),
    BAD("cl_list", "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
        "invalid Content-Length"),
    BAD("cl_sign", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
        "invalid Content-Length"),
    BAD("cl_empty", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
        "invalid Content-Length"),
    BAD("cl_overflow", "HTTP/1.1 200 OK\r\nContent-Length: "
        "99999999999999999999\r\n\r\n", "invalid Content-Length"),
    BAD("cl_and_te", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
        "Transfer-Encoding: chunked\r\n\r\n",
        "Content-Length with Transfer-Encoding"),
    BAD("te_and_cl", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
        "Content-Length: 5\r\n\r\n", "Content-Length with Transfer-Encoding"),
    BAD("te_gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
        "\r\n", "unsupported transfer coding"),
    BAD("te_chunked_twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
        "Transfer-Encoding: chunked\r\n\r\n", "chunked applied twice"),
    BAD("te_empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n",
        "empty Transfer-Encoding"),
    BAD("te_param", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n"
        "\r\n", "unsupported transfer coding"),
    BAD("te_http10", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "Transfer-Encoding in HTTP/1.0"),
};


/* Checks a successful parse against the row. */
static void
check_ok(const resp_row_t *row, const sl_proxy_resp_t *resp)
{
    if (row->status) {
        assert_int_equal(resp->status, row->status);
    }
    assert_int_equal(resp->content_length, row->clen);
    assert_int_equal(resp->chunked, row->chunked);
    assert_int_equal(resp->conn_close, row->close);
    assert_int_equal(resp->conn_keep_alive, row->keep_alive);
    assert_int_equal(resp->conn_upgrade, row->conn_upgrade);
    assert_int_equal(resp->nheaders, row->nheaders);
    if (row->status_text) {
        assert_int_equal(resp->status_text.len, strlen(row->status_text));
        assert_memory_equal(resp->status_text.data, row->status_text,
                            resp->status_text.len);
    }
}


/*
 * Feeds the row's bytes in steps: first the first `first` bytes, then
 * `step` more each call (0: everything at once after the first). Every
 * call sees its bytes at the end of the guard. Returns the final code.
 */
static sl_int_t
feed(sl_guard_t *g, const resp_row_t *row, size_t first, size_t step,
    sl_proxy_resp_t *resp, sl_http_header_t *hs)
{
    sl_proxy_parse_t  st;
    size_t            len, n;
    sl_int_t          rc;
    u_char           *p;

    len = strlen(row->in);
    sl_proxy_parse_init(&st);
    n = sl_min(first, len);
    for (;;) {
        memset(resp, 0xA5, sizeof(*resp));   /* sentinels */
        resp->headers = hs;
        resp->max_headers = 8;
        p = sl_guard_put(g, row->in, n);
        assert_non_null(p);
        rc = sl_proxy_parse_response(&st, p, n, resp);
        if (rc != SL_AGAIN || n == len) {
            if (rc > 0) {
                check_ok(row, resp);
            }
            return rc;
        }
        if (rc == SL_AGAIN && row->rc > 0) {
            assert_true(n < (size_t) row->rc);
        }
        n = step ? sl_min(n + step, len) : len;
    }
}


static void
test_row(void **state)
{
    const resp_row_t  *row;
    sl_proxy_resp_t    resp;
    sl_http_header_t   hs[8];
    sl_guard_t         g = { 0 };
    size_t             len, k;
    sl_int_t           rc;

    row = *state;
    print_message("row %s (line %d)\n", row->name, row->line);
    assert_int_equal(sl_guard_init(&g, 4096), 0);
    len = strlen(row->in);
    rc = feed(&g, row, len, 0, &resp, hs);
    assert_int_equal(rc, row->rc);
    if (rc == SL_ERROR) {
        assert_non_null(resp.error);
        assert_string_equal(resp.error, row->error);
    }
    for (k = 0; k < len; k++) {
        assert_int_equal(feed(&g, row, k, 0, &resp, hs), row->rc);
        assert_int_equal(feed(&g, row, k, 1, &resp, hs), row->rc);
    }
    sl_guard_free(&g);
}


/* Field names and values point into the input, OWS trimmed. */
static void
test_fields_point_into_input(void **state)
{
    static const char  in[] = "HTTP/1.1 200 OK\r\nSet-Cookie:  a=b \t\r\n"
                              "X:y\r\n\r\n";
    sl_proxy_parse_t   st;
    sl_proxy_resp_t    resp;
    sl_http_header_t   hs[4];

    (void) state;
    resp.headers = hs;
    resp.max_headers = 4;
    sl_proxy_parse_init(&st);
    assert_int_equal(sl_proxy_parse_response(&st, (const u_char *) in,
                                             sizeof(in) - 1, &resp),
                     (sl_int_t) sizeof(in) - 1);
    assert_int_equal(resp.nheaders, 2);
    assert_ptr_equal(hs[0].name.data, (const u_char *) in + 17);
    assert_int_equal(hs[0].name.len, 10);
    assert_int_equal(hs[0].value.len, 3);
    assert_memory_equal(hs[0].value.data, "a=b", 3);
    assert_int_equal(hs[1].value.len, 1);
    assert_memory_equal(hs[1].value.data, "y", 1);
}


static void
test_too_many_fields(void **state)
{
    static const char  in[] = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    sl_proxy_parse_t   st;
    sl_proxy_resp_t    resp;
    sl_http_header_t   hs[2];

    (void) state;
    resp.headers = hs;
    resp.max_headers = 2;
    sl_proxy_parse_init(&st);
    assert_int_equal(sl_proxy_parse_response(&st, (const u_char *) in,
                                             sizeof(in) - 1, &resp),
                     SL_ERROR);
    assert_string_equal(resp.error, "too many header fields");
    /* An error is final. */
    assert_int_equal(sl_proxy_parse_response(&st, (const u_char *) in,
                                             sizeof(in) - 1, &resp),
                     SL_ERROR);
}


static void
test_upgrade_value(void **state)
{
    static const char  in[] = "HTTP/1.1 101 Switching Protocols\r\n"
                              "Upgrade: websocket\r\nConnection: upgrade\r\n"
                              "\r\n";
    sl_proxy_parse_t   st;
    sl_proxy_resp_t    resp;
    sl_http_header_t   hs[4];

    (void) state;
    resp.headers = hs;
    resp.max_headers = 4;
    sl_proxy_parse_init(&st);
    assert_true(sl_proxy_parse_response(&st, (const u_char *) in,
                                        sizeof(in) - 1, &resp) > 0);
    assert_int_equal(resp.upgrade.len, 9);
    assert_memory_equal(resp.upgrade.data, "websocket", 9);
    assert_true(resp.conn_upgrade);
}


/*
 * Mutated heads (a poor man's fuzzer, deterministic): whatever the bytes,
 * the parser never reads past its input (guard page) and the result does
 * not depend on how the input is split.
 */
static void
test_mutations_are_split_invariant(void **state)
{
    static const char *const  seeds[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello",
        "HTTP/1.1 101 S\r\nUpgrade: ws\r\nConnection: upgrade\r\n\r\n",
        "HTTP/1.0 204 \r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    static const u_char  alphabet[] = "\r\n :,\t0a-HTP/1.\x7f\x80";
    sl_proxy_parse_t     st;
    sl_proxy_resp_t      whole, split;
    sl_http_header_t     hs[8];
    sl_guard_t           g = { 0 };
    u_char               in[128], *p;
    size_t               len, k;
    sl_int_t             rc, rc2;
    unsigned             seed;
    int                  i, m;

    (void) state;
    assert_int_equal(sl_guard_init(&g, 4096), 0);
    seed = 12345;
    for (i = 0; i < 3000; i++) {
        len = strlen(seeds[i % 3]);
        memcpy(in, seeds[i % 3], len);
        for (m = 0; m < 1 + i % 4; m++) {
            seed = seed * 1103515245u + 12345u;
            in[(seed >> 8) % len] = alphabet[(seed >> 20)
                                             % (sizeof(alphabet) - 1)];
        }
        whole.headers = hs;
        whole.max_headers = 8;
        sl_proxy_parse_init(&st);
        p = sl_guard_put(&g, in, len);
        rc = sl_proxy_parse_response(&st, p, len, &whole);
        split.headers = hs;
        split.max_headers = 8;
        sl_proxy_parse_init(&st);
        rc2 = SL_AGAIN;
        for (k = 1; k <= len && rc2 == SL_AGAIN; k++) {
            p = sl_guard_put(&g, in, k);
            rc2 = sl_proxy_parse_response(&st, p, k, &split);
        }
        if (rc != rc2) {
            fail_msg("mutation %d: whole %ld, split %ld: %.*s", i, (long) rc,
                     (long) rc2, (int) len, in);
        }
        if (rc > 0) {
            assert_int_equal(whole.status, split.status);
            assert_int_equal(whole.content_length, split.content_length);
            assert_int_equal(whole.chunked, split.chunked);
        }
    }
    sl_guard_free(&g);
}


int
main(void)
{
    struct CMUnitTest  tests[sl_nelem(resp_rows) + 4];
    size_t             i;

    for (i = 0; i < sl_nelem(resp_rows); i++) {
        tests[i].name = resp_rows[i].name;
        tests[i].test_func = test_row;
        tests[i].setup_func = NULL;
        tests[i].teardown_func = NULL;
        tests[i].initial_state = (void *) &resp_rows[i];
    }
    tests[i++] = (struct CMUnitTest) cmocka_unit_test(
        test_fields_point_into_input);
    tests[i++] = (struct CMUnitTest) cmocka_unit_test(test_too_many_fields);
    tests[i++] = (struct CMUnitTest) cmocka_unit_test(test_upgrade_value);
    tests[i++] = (struct CMUnitTest) cmocka_unit_test(
        test_mutations_are_split_invariant);
    return _cmocka_run_group_tests("proxy_parse", tests, i, NULL, NULL);
}
