/*
 * test_http_parse_chunked.c: unit tests of the chunked body decoder
 * (src/http/sl_http_parse_chunked.c). One table, one cmocka test per row,
 * each run whole, split at every byte into two deliveries, and one byte
 * per delivery: the decoded body, the bytes consumed, the final code and
 * the error must not change. Every call sees only the bytes not consumed
 * yet, at the end of a guarded page (guard.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sl_core.h"
#include "sl_http_parse.h"
#include "guard.h"

typedef struct {
    const char   *name;
    int           line;
    const char   *in;
    size_t        len;        /* 0: strlen(in) */
    sl_int_t      rc;         /* SL_DONE, SL_AGAIN or SL_ERROR at the end */
    const char   *body;       /* decoded bytes, for SL_DONE and SL_AGAIN */
    size_t        used;       /* for SL_DONE; 0: all of the input */
    const char   *error;      /* for SL_ERROR */
} chunked_t;

/* The outcome of one way of feeding a row. */
typedef struct {
    sl_int_t      rc;
    size_t        used;
    size_t        body_len;
    u_char        body[512];
    const char   *error;
} outcome_t;

#define DONE(nm, i, b, ...)                                                 \
    { .name = nm, .line = __LINE__, .in = i, .rc = SL_DONE, .body = b,      \
      __VA_ARGS__ }
#define AGAIN(nm, i, b)                                                     \
    { .name = nm, .line = __LINE__, .in = i, .rc = SL_AGAIN, .body = b }
#define BAD(nm, i, e, ...)                                                  \
    { .name = nm, .line = __LINE__, .in = i, .rc = SL_ERROR, .error = e,    \
      __VA_ARGS__ }

#define BAD_SIZE  "invalid chunk size"
#define BAD_EXT   "invalid chunk extension"
#define BARE_LF   "bare LF in chunked framing"
#define NO_CRLF   "no CRLF after chunk data"
#define BAD_TR    "invalid trailer field"
#define END       "0\r\n\r\n"

static const chunked_t  chunked_rows[] = {
    DONE("last_chunk_only", END, ""),
    DONE("one_chunk", "5\r\nhello\r\n" END, "hello"),
    DONE("two_chunks", "3\r\nabc\r\n2\r\nde\r\n" END, "abcde"),
    DONE("one_byte_chunks", "1\r\na\r\n1\r\nb\r\n1\r\nc\r\n" END, "abc"),
    DONE("hex_upper", "A\r\n0123456789\r\n" END, "0123456789"),
    DONE("hex_lower_two_digits", "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n" END,
         "abcdefghijklmnopqrstuvwxyz"),
    DONE("leading_zeros", "0005\r\nhello\r\n000\r\n\r\n", "hello"),
    DONE("data_holds_crlf", "5\r\n\r\n0\r\n\r\n" END, "\r\n0\r\n"),
    DONE("ext_token", "5;a=b\r\nhello\r\n" END, "hello"),
    DONE("ext_name_only", "5;a\r\nhello\r\n" END, "hello"),
    DONE("ext_quoted", "5;a=\"q s;\\\"x\\\\\"\r\nhello\r\n" END, "hello"),
    DONE("ext_quoted_empty", "5;a=\"\"\r\nhello\r\n" END, "hello"),
    DONE("ext_quoted_obs_text", "5;a=\"\xe9\"\r\nhello\r\n" END, "hello"),
    DONE("ext_bws_before_semicolon", "5 ;a=b\r\nhello\r\n" END, "hello"),
    DONE("ext_bws_everywhere", "5 \t; a \t= \"b\" ;c\r\nhello\r\n" END,
         "hello"),
    DONE("ext_several", "5;a;b=c;d=\"e\"\r\nhello\r\n" END, "hello"),
    DONE("ext_on_last_chunk", "0;x=y\r\n\r\n", ""),
    DONE("trailers", "1\r\nx\r\n0\r\nX: a\r\nY-Z:  b c \r\n\r\n", "x"),
    DONE("trailer_empty_value", "0\r\nX:\r\n\r\n", ""),
    DONE("trailer_obs_text", "0\r\nX: \xff\r\n\r\n", ""),
    DONE("next_request_follows",
         "1\r\nx\r\n" END "GET / HTTP/1.1\r\n", "x",
         .used = sizeof("1\r\nx\r\n" END) - 1),
    AGAIN("size_just_below_2_62", "3fffffffffffffff\r\nabc", "abc"),
    AGAIN("incomplete_data", "5\r\nhel", "hel"),
    AGAIN("incomplete_size", "5", ""),
    AGAIN("incomplete_after_data", "5\r\nhello\r", "hello"),
    AGAIN("incomplete_trailer", "0\r\nX: a\r\n", ""),
    AGAIN("incomplete_end", "0\r\n\r", ""),

    BAD("size_not_hex", "x\r\n", BAD_SIZE),
    BAD("size_empty", "\r\n", BAD_SIZE),
    BAD("size_negative", "-1\r\n", BAD_SIZE),
    BAD("size_plus", "+5\r\n", BAD_SIZE),
    BAD("size_0x", "0x5\r\n", BAD_SIZE),
    BAD("size_leading_space", " 5\r\n", BAD_SIZE),
    BAD("size_2_62", "4000000000000000\r\n", "chunk size too large"),
    BAD("size_2_64", "10000000000000000\r\n", "chunk size too large"),
    BAD("size_huge", "ffffffffffffffffffffffff\r\n", "chunk size too large"),
    BAD("size_bws_without_ext", "5 \r\nhello\r\n" END, BAD_EXT),
    BAD("data_longer_than_size", "3\r\nhello\r\n" END, NO_CRLF),
    BAD("data_missing_crlf", "5\r\nhelloX", NO_CRLF),
    BAD("data_cr_without_lf", "5\r\nhello\rX", NO_CRLF),
    BAD("bare_lf_after_data", "5\r\nhello\n" END, BARE_LF),
    BAD("bare_lf_after_size", "5\nhello\r\n" END, BARE_LF),
    BAD("bare_lf_last_chunk", "0\n\n", BARE_LF),
    BAD("bare_cr_after_size", "5\rhello", "bare CR in chunk line"),
    BAD("ext_empty_name", "5;\r\nhello\r\n" END, BAD_EXT),
    BAD("ext_empty_name_with_value", "5;=b\r\n", BAD_EXT),
    BAD("ext_empty_value", "5;a=\r\n", BAD_EXT),
    BAD("ext_unterminated_quote", "5;a=\"b\r\nhello\r\n", BAD_EXT),
    BAD("ext_space_in_token", "5;a=b c\r\n", BAD_EXT),
    BAD("ext_bws_before_cr", "5;a \r\n", BAD_EXT),
    BAD("ext_bws_after_value", "5;a=b \r\n", BAD_EXT),
    BAD("ext_bad_char", "5;a@b\r\n", BAD_EXT),
    BAD("ext_ctl_in_quote", "5;a=\"\x01\"\r\n", BAD_EXT),
    BAD("ext_ctl_in_quoted_pair", "5;a=\"\\\x01\"\r\n", BAD_EXT),
    BAD("ext_junk_after_quote", "5;a=\"b\"c\r\n", BAD_EXT),
    BAD("ext_two_equals", "5;a==b\r\n", BAD_EXT),
    BAD("ext_bare_lf", "5;a=b\nhello", BARE_LF),
    BAD("ext_quote_bare_lf", "5;a=\"b\n", BARE_LF),
    BAD("trailer_obs_fold", "0\r\nX: a\r\n b\r\n\r\n",
        "obsolete line folding in trailer"),
    BAD("trailer_space_before_colon", "0\r\nX : a\r\n\r\n", BAD_TR),
    BAD("trailer_empty_name", "0\r\n: a\r\n\r\n", BAD_TR),
    BAD("trailer_no_colon", "0\r\nX\r\n\r\n", BAD_TR),
    BAD("trailer_bad_name", "0\r\nX(Y: a\r\n\r\n", BAD_TR),
    BAD("trailer_nul", "0\r\nX: a\0\r\n\r\n", BAD_TR,
        .len = sizeof("0\r\nX: a\0\r\n\r\n") - 1),
    BAD("trailer_del", "0\r\nX: \x7f\r\n\r\n", BAD_TR),
    BAD("trailer_bare_lf", "0\r\nX: a\n\r\n", BARE_LF),
    BAD("trailer_bare_cr", "0\r\nX: a\rb\r\n\r\n", "bare CR in trailer"),
    BAD("end_bare_cr", "0\r\n\r\r", "bare CR in trailer"),
    BAD("end_bare_lf", "0\r\n\n", BARE_LF),
};

static sl_guard_t  guard;


#define ROW_FAIL(row, ...)                                                  \
    do {                                                                    \
        print_error("row \"%s\" (" __FILE__ ":%d): ", (row)->name,          \
                    (row)->line);                                           \
        fail_msg(__VA_ARGS__);                                              \
    } while (0)


static size_t
row_len(const chunked_t *row)
{
    return row->len ? row->len : strlen(row->in);
}


/*
 * Decodes in[0..n) delivered up to each of the cuts in turn (the last cut
 * is n). Each call gets the delivered bytes not consumed yet, moved to the
 * end of the guard; body bytes are copied out at once.
 */
static void
decode(const chunked_t *row, const char *in, const size_t *cuts,
    size_t ncuts, outcome_t *o)
{
    sl_http_chunked_t  st;
    sl_http_chunk_t    out;
    const u_char      *p;
    size_t             i, avail;

    memset(&st, 0xA5, sizeof(st));
    sl_http_chunked_init(&st);
    memset(o, 0, sizeof(*o));
    o->rc = SL_AGAIN;
    for (i = 0; i < ncuts && o->rc == SL_AGAIN; i++) {
        avail = cuts[i];
        for ( ;; ) {
            p = sl_guard_put(&guard, in + o->used, avail - o->used);
            assert_non_null(p);
            memset(&out, 0xA5, sizeof(out));
            o->rc = sl_http_chunked_parse(&st, p, avail - o->used, &out);
            if (out.used > avail - o->used
                || (out.len && (out.data < p || out.data + out.len > p
                                + out.used)))
            {
                ROW_FAIL(row, "result outside the input");
            }
            if (o->rc == SL_OK) {
                if (out.len == 0 || o->body_len + out.len > sizeof(o->body)) {
                    ROW_FAIL(row, "SL_OK with %zu bytes", out.len);
                }
                memcpy(o->body + o->body_len, out.data, out.len);
                o->body_len += out.len;
            } else if (out.len != 0) {
                ROW_FAIL(row, "rc %ld with body bytes", (long) o->rc);
            }
            o->used += out.used;
            if (o->rc != SL_OK) {
                break;
            }
        }
    }
    if (o->rc == SL_ERROR) {
        o->error = st.error;
        if (st.status != 400) {
            ROW_FAIL(row, "status %d", st.status);
        }
    }
}


static void
check_outcome(const chunked_t *row, const outcome_t *o, const char *how)
{
    size_t  used;

    if (o->rc != row->rc) {
        ROW_FAIL(row, "%s: returned %ld (%s), want %ld", how, (long) o->rc,
                 o->error ? o->error : "-", (long) row->rc);
    }
    if (row->rc == SL_ERROR) {
        if (o->error == NULL || strcmp(o->error, row->error) != 0) {
            ROW_FAIL(row, "%s: error \"%s\", want \"%s\"", how,
                     o->error ? o->error : "(null)", row->error);
        }
        return;
    }
    if (o->body_len != strlen(row->body)
        || memcmp(o->body, row->body, o->body_len) != 0)
    {
        ROW_FAIL(row, "%s: body \"%.*s\", want \"%s\"", how,
                 (int) o->body_len, o->body, row->body);
    }
    used = row->used && row->rc == SL_DONE ? row->used : row_len(row);
    if (o->used != used) {
        ROW_FAIL(row, "%s: used %zu, want %zu", how, o->used, used);
    }
}


static void
test_chunked_row(void **state)
{
    const chunked_t  *row = *state;
    outcome_t         whole, o;
    size_t            n, k, cuts[2], *bytes;
    char              how[32];

    n = row_len(row);
    cuts[0] = n;
    decode(row, row->in, cuts, 1, &whole);
    check_outcome(row, &whole, "whole");

    for (k = 1; k < n; k++) {
        cuts[0] = k;
        cuts[1] = n;
        decode(row, row->in, cuts, 2, &o);
        (void) snprintf(how, sizeof(how), "split at %zu", k);
        check_outcome(row, &o, how);
    }

    bytes = malloc(n * sizeof(*bytes));
    assert_non_null(bytes);
    for (k = 0; k < n; k++) {
        bytes[k] = k + 1;
    }
    decode(row, row->in, bytes, n, &o);
    check_outcome(row, &o, "byte by byte");
    free(bytes);
}


/* Decodes one generated input whole; returns the code, sets *error. */
static sl_int_t
decode_whole(const char *in, size_t n, const char **error)
{
    chunked_t  row = { .name = "generated", .line = __LINE__, .in = in };
    outcome_t  o;

    decode(&row, in, &n, 1, &o);
    *error = o.error;
    return o.rc;
}


/* A chunk line of exactly SL_HTTP_CHUNK_LINE_MAX bytes, then one more. */
static void
test_chunked_line_limit(void **state)
{
    char         in[SL_HTTP_CHUNK_LINE_MAX + 64];
    const char  *error;
    size_t       n;

    (void) state;
    /* "1;" + name: the line is everything before its CRLF */
    memcpy(in, "1;", 2);
    memset(in + 2, 'e', SL_HTTP_CHUNK_LINE_MAX - 2);
    n = SL_HTTP_CHUNK_LINE_MAX;
    memcpy(in + n, "\r\nx\r\n" END, 10);
    assert_int_equal(decode_whole(in, n + 10, &error), SL_DONE);

    memcpy(in + n, "e\r\nx\r\n" END, 11);
    assert_int_equal(decode_whole(in, n + 11, &error), SL_ERROR);
    assert_string_equal(error, "chunk line too long");
}


/* An endless run of zeros is cut by the line limit, not by overflow. */
static void
test_chunked_leading_zeros_limit(void **state)
{
    char         in[SL_HTTP_CHUNK_LINE_MAX + 8];
    const char  *error;

    (void) state;
    memset(in, '0', sizeof(in));
    assert_int_equal(decode_whole(in, sizeof(in), &error), SL_ERROR);
    assert_string_equal(error, "chunk line too long");
}


/* Trailers of exactly SL_HTTP_TRAILER_MAX bytes pass, one more fails. */
static void
test_chunked_trailer_limit(void **state)
{
    static char  in[SL_HTTP_TRAILER_MAX + 64];
    const char  *error;
    size_t       n, section;

    (void) state;
    /* "X: vvv...\r\n" then the final "\r\n": the section is all of it */
    section = SL_HTTP_TRAILER_MAX;
    memcpy(in, "0\r\nX: ", 6);
    n = 6;
    memset(in + n, 'v', section - 3 - 4);
    n += section - 3 - 4;
    memcpy(in + n, "\r\n\r\n", 4);
    n += 4;
    assert_int_equal(decode_whole(in, n, &error), SL_DONE);

    memmove(in + 7, in + 6, n - 6);
    assert_int_equal(decode_whole(in, n + 1, &error), SL_ERROR);
    assert_string_equal(error, "trailer section too large");
}


/* After SL_DONE or SL_ERROR, a call consumes nothing and repeats. */
static void
test_chunked_final_results_repeat(void **state)
{
    sl_http_chunked_t  st;
    sl_http_chunk_t    out;

    (void) state;
    sl_http_chunked_init(&st);
    assert_int_equal(sl_http_chunked_parse(&st, (u_char *) END "x", 6, &out),
                     SL_DONE);
    assert_int_equal(out.used, 5);
    assert_int_equal(sl_http_chunked_parse(&st, (u_char *) "x", 1, &out),
                     SL_DONE);
    assert_int_equal(out.used, 0);

    sl_http_chunked_init(&st);
    assert_int_equal(sl_http_chunked_parse(&st, (u_char *) "z", 1, &out),
                     SL_ERROR);
    assert_int_equal(sl_http_chunked_parse(&st, (u_char *) END, 5, &out),
                     SL_ERROR);
    assert_int_equal(out.used, 0);
}


/* A chunk bigger than any buffer comes back in pieces, in order. */
static void
test_chunked_big_chunk_in_pieces(void **state)
{
    sl_http_chunked_t  st;
    sl_http_chunk_t    out;
    u_char             buf[4096];
    uint64_t           total;
    int                i;

    (void) state;
    sl_http_chunked_init(&st);
    assert_int_equal(sl_http_chunked_parse(&st, (u_char *) "100000\r\n", 8,
                                           &out), SL_AGAIN);
    assert_int_equal(out.used, 8);
    memset(buf, 'b', sizeof(buf));
    total = 0;
    for (i = 0; i < 256; i++) {
        assert_int_equal(sl_http_chunked_parse(&st, buf, sizeof(buf), &out),
                         SL_OK);
        assert_ptr_equal(out.data, buf);
        assert_int_equal(out.len, sizeof(buf));
        total += out.len;
    }
    assert_int_equal(total, 0x100000);
    assert_int_equal(sl_http_chunked_parse(&st, (u_char *) "\r\n" END, 7,
                                           &out), SL_DONE);
    assert_int_equal(out.used, 7);
}


static int
group_setup(void **state)
{
    (void) state;
    return sl_guard_init(&guard, 65536);
}


static int
group_teardown(void **state)
{
    (void) state;
    sl_guard_free(&guard);
    return 0;
}


int
main(void)
{
    static const struct CMUnitTest  misc[] = {
        cmocka_unit_test(test_chunked_line_limit),
        cmocka_unit_test(test_chunked_leading_zeros_limit),
        cmocka_unit_test(test_chunked_trailer_limit),
        cmocka_unit_test(test_chunked_final_results_repeat),
        cmocka_unit_test(test_chunked_big_chunk_in_pieces),
    };
    struct CMUnitTest  *t;
    size_t              i;
    int                 failed;

    t = calloc(sl_nelem(chunked_rows), sizeof(*t));
    if (t == NULL) {
        return 1;
    }
    for (i = 0; i < sl_nelem(chunked_rows); i++) {
        t[i].name = chunked_rows[i].name;
        t[i].test_func = test_chunked_row;
        t[i].initial_state = (void *) &chunked_rows[i];
    }
    /* the function behind cmocka_run_group_tests, for a runtime array */
    failed = _cmocka_run_group_tests("chunked", t, sl_nelem(chunked_rows),
                                     group_setup, group_teardown);
    failed += cmocka_run_group_tests_name("chunked_misc", misc, group_setup,
                                          group_teardown);
    free(t);
    return failed;
}
