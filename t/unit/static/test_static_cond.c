/*
 * test_static_cond.c: unit tests of the conditional request evaluation
 * (modules/static/sl_static_cond.c): RFC 9110 13.2.2 order and
 * precedence of If-Match, If-Unmodified-Since, If-None-Match,
 * If-Modified-Since, then If-Range and Range. One table: the method, the
 * request's fields, and the decision (200, 206, 304, 412, 416). Then the
 * parts it is made of: entity-tag list matching (strong and weak
 * comparison, RFC 9110 8.8.3.2) over guarded input, finding a field, and
 * the Accept-Encoding q-values that decide gzip_static. A failure names
 * the row and its line.
 */
#include "static/sl_static.h"

#include <setjmp.h>
#include <cmocka.h>
#include "guard.h"

#define MTIME    ((time_t) 1000000000)
#define SIZE     ((off_t) 100)
#define ETAG     "\"3b9aca00-64\""
#define D_EQUAL  "Sun, 09 Sep 2001 01:46:40 GMT"
#define D_BEFORE "Sun, 09 Sep 2001 01:46:39 GMT"
#define D_AFTER  "Sun, 09 Sep 2001 01:46:41 GMT"
#define D_850    "Sunday, 09-Sep-01 01:46:40 GMT"

enum { GET = 1, HEAD = 2 };

typedef struct {
    const char   *name;
    int           line;
    int           method;
    int           no_etag;     /* etag = false in the configuration */
    const char   *h[4][2];
    int           status;
    size_t        n;
} cond_row_t;

#define ROW(nm, m, st, n, ...)  { nm, __LINE__, m, 0, { __VA_ARGS__ }, st, n }
#define NOETAG(nm, m, st, ...)  { nm, __LINE__, m, 1, { __VA_ARGS__ }, st, 0 }

static const cond_row_t  cond_rows[] = {
    ROW("none", GET, 200, 0, { NULL, NULL }),
    ROW("unrelated_field", GET, 200, 0, { "Accept", "*/*" }),

    ROW("inm_match", GET, 304, 0, { "If-None-Match", ETAG }),
    ROW("inm_match_head", HEAD, 304, 0, { "If-None-Match", ETAG }),
    ROW("inm_name_any_case", GET, 304, 0, { "if-none-match", ETAG }),
    ROW("inm_other", GET, 200, 0, { "If-None-Match", "\"abc\"" }),
    ROW("inm_star", GET, 304, 0, { "If-None-Match", "*" }),
    ROW("inm_weak_matches", GET, 304, 0, { "If-None-Match", "W/" ETAG }),
    ROW("inm_list", GET, 304, 0, { "If-None-Match", "\"a\", " ETAG ",\"b\"" }),
    ROW("inm_list_two_fields", GET, 304, 0, { "If-None-Match", "\"a\"" },
        { "If-None-Match", ETAG }),
    ROW("inm_unquoted_is_malformed", GET, 200, 0,
        { "If-None-Match", "3b9aca00-64" }),
    ROW("inm_unterminated", GET, 200, 0, { "If-None-Match", "\"3b9aca00-64" }),

    ROW("ims_equal", GET, 304, 0, { "If-Modified-Since", D_EQUAL }),
    ROW("ims_later", GET, 304, 0, { "If-Modified-Since", D_AFTER }),
    ROW("ims_rfc850", GET, 304, 0, { "If-Modified-Since", D_850 }),
    ROW("ims_earlier", GET, 200, 0, { "If-Modified-Since", D_BEFORE }),
    ROW("ims_invalid", GET, 200, 0, { "If-Modified-Since", "yesterday" }),
    ROW("ims_twice_ignored", GET, 200, 0, { "If-Modified-Since", D_EQUAL },
        { "If-Modified-Since", D_EQUAL }),
    ROW("ims_ignored_with_inm", GET, 200, 0, { "If-None-Match", "\"x\"" },
        { "If-Modified-Since", D_AFTER }),
    ROW("ims_head", HEAD, 304, 0, { "If-Modified-Since", D_EQUAL }),

    ROW("im_match", GET, 200, 0, { "If-Match", ETAG }),
    ROW("im_other", GET, 412, 0, { "If-Match", "\"abc\"" }),
    ROW("im_star", GET, 200, 0, { "If-Match", "*" }),
    ROW("im_weak_never_matches", GET, 412, 0, { "If-Match", "W/" ETAG }),
    ROW("im_list", GET, 200, 0, { "If-Match", "\"a\"," ETAG }),
    ROW("im_malformed", GET, 412, 0, { "If-Match", "garbage" }),
    ROW("im_before_inm", GET, 412, 0, { "If-Match", "\"abc\"" },
        { "If-None-Match", ETAG }),
    ROW("im_match_then_inm_match", GET, 304, 0, { "If-Match", ETAG },
        { "If-None-Match", ETAG }),

    ROW("ius_earlier", GET, 412, 0, { "If-Unmodified-Since", D_BEFORE }),
    ROW("ius_equal", GET, 200, 0, { "If-Unmodified-Since", D_EQUAL }),
    ROW("ius_later", GET, 200, 0, { "If-Unmodified-Since", D_AFTER }),
    ROW("ius_invalid", GET, 200, 0, { "If-Unmodified-Since", "never" }),
    ROW("ius_ignored_with_im", GET, 200, 0, { "If-Match", ETAG },
        { "If-Unmodified-Since", D_BEFORE }),
    ROW("ius_before_inm", GET, 412, 0, { "If-Unmodified-Since", D_BEFORE },
        { "If-None-Match", ETAG }),

    ROW("range", GET, 206, 1, { "Range", "bytes=0-9" }),
    ROW("range_multi", GET, 206, 2, { "Range", "bytes=0-9,20-29" }),
    ROW("range_head_ignored", HEAD, 200, 0, { "Range", "bytes=0-9" }),
    ROW("range_twice_ignored", GET, 200, 0, { "Range", "bytes=0-9" },
        { "Range", "bytes=0-9" }),
    ROW("range_unsatisfiable", GET, 416, 0, { "Range", "bytes=100-" }),
    ROW("range_malformed", GET, 200, 0, { "Range", "bytes=x" }),
    ROW("if_range_etag_match", GET, 206, 1, { "Range", "bytes=0-9" },
        { "If-Range", ETAG }),
    ROW("if_range_etag_other", GET, 200, 0, { "Range", "bytes=0-9" },
        { "If-Range", "\"abc\"" }),
    ROW("if_range_weak_etag", GET, 200, 0, { "Range", "bytes=0-9" },
        { "If-Range", "W/" ETAG }),
    ROW("if_range_date_equal", GET, 206, 1, { "Range", "bytes=0-9" },
        { "If-Range", D_EQUAL }),
    ROW("if_range_date_later", GET, 200, 0, { "Range", "bytes=0-9" },
        { "If-Range", D_AFTER }),
    ROW("if_range_date_earlier", GET, 200, 0, { "Range", "bytes=0-9" },
        { "If-Range", D_BEFORE }),
    ROW("if_range_invalid", GET, 200, 0, { "Range", "bytes=0-9" },
        { "If-Range", "soon" }),
    ROW("if_range_mismatch_beats_416", GET, 200, 0, { "Range", "bytes=500-" },
        { "If-Range", "\"abc\"" }),
    ROW("if_range_without_range", GET, 200, 0, { "If-Range", ETAG }),
    ROW("inm_beats_range", GET, 304, 0, { "Range", "bytes=0-9" },
        { "If-None-Match", ETAG }),
    ROW("im_fail_beats_range", GET, 412, 0, { "Range", "bytes=0-9" },
        { "If-Match", "\"abc\"" }),
    ROW("ims_beats_range", GET, 304, 0, { "Range", "bytes=0-9" },
        { "If-Modified-Since", D_EQUAL }),

    NOETAG("no_etag_inm_never_matches", GET, 200, { "If-None-Match", ETAG }),
    NOETAG("no_etag_inm_star", GET, 304, { "If-None-Match", "*" }),
    NOETAG("no_etag_im_fails", GET, 412, { "If-Match", ETAG }),
    NOETAG("no_etag_im_star", GET, 200, { "If-Match", "*" }),
    NOETAG("no_etag_if_range_etag", GET, 200, { "Range", "bytes=0-1" },
           { "If-Range", ETAG }),
};


static void
test_cond_rows(void **state)
{
    const cond_row_t   *row;
    sl_http_header_t    h[4];
    sl_static_cond_t    in;
    sl_static_range_t   ranges[SL_STATIC_MAX_RANGES];
    size_t              i, j, n;
    int                 st;

    (void) state;
    for (i = 0; i < sl_nelem(cond_rows); i++) {
        row = &cond_rows[i];
        memset(&in, 0, sizeof(in));
        for (j = 0; j < 4 && row->h[j][0]; j++) {
            h[j].name.data = (u_char *) row->h[j][0];
            h[j].name.len = strlen(row->h[j][0]);
            h[j].value.data = (u_char *) row->h[j][1];
            h[j].value.len = strlen(row->h[j][1]);
        }
        in.headers = h;
        in.nheaders = j;
        in.get = row->method == GET;
        in.safe = 1;
        in.mtime = MTIME;
        in.etag = row->no_etag ? NULL : (const u_char *) ETAG;
        in.etag_len = strlen(ETAG);
        in.size = SIZE;
        n = 999;
        st = sl_static_cond_evaluate(&in, ranges, &n);
        if (st != row->status || n != row->n) {
            fail_msg("row %s (line %d): %d with %zu ranges, expected %d "
                     "with %zu", row->name, row->line, st, n, row->status,
                     row->n);
        }
    }
}


/* A method other than GET and HEAD: If-None-Match fails with 412. */
static void
test_cond_inm_unsafe_method_is_412(void **state)
{
    sl_http_header_t   h;
    sl_static_cond_t   in;
    sl_static_range_t  ranges[1];
    size_t             n;

    (void) state;
    memset(&in, 0, sizeof(in));
    sl_str_set(&h.name, "If-None-Match");
    sl_str_set(&h.value, ETAG);
    in.headers = &h;
    in.nheaders = 1;
    in.mtime = MTIME;
    in.etag = (const u_char *) ETAG;
    in.etag_len = strlen(ETAG);
    in.size = SIZE;
    assert_int_equal(sl_static_cond_evaluate(&in, ranges, &n), 412);
}


/* The tag the entity-tag list rows look for. */
#define LTAG  "\"5f5e100-400\""

typedef struct {
    const char  *name;
    int          line;
    const char  *list;
    int          strong;     /* comparison */
    int          match;
} etag_row_t;

#define E(nm, l, s, m)  { nm, __LINE__, l, s, m }

static const etag_row_t  etag_rows[] = {
    E("same_strong", LTAG, 1, 1),
    E("same_weak_cmp", LTAG, 0, 1),
    E("weak_tag_strong_cmp", "W/" LTAG, 1, 0),
    E("weak_tag_weak_cmp", "W/" LTAG, 0, 1),
    E("star", "*", 1, 1),
    E("star_ows", "  * ", 0, 1),
    E("star_in_list_is_malformed", "\"a\", *", 0, 0),
    E("other", "\"abc\"", 0, 0),
    E("prefix_only", "\"5f5e100-40\"", 0, 0),
    E("list_last", "\"a\", \"b\", " LTAG, 1, 1),
    E("list_first", LTAG ",\"b\"", 1, 1),
    E("list_ows_tabs", "\"a\"\t,\t" LTAG "\t", 1, 1),
    E("empty_elements", ", ," LTAG ",", 1, 1),
    E("unquoted", "5f5e100-400", 0, 0),
    E("unterminated", "\"5f5e100-400", 0, 0),
    E("space_inside", "\"5f5e100 400\"", 0, 0),
    E("garbage_after", LTAG "x", 0, 0),
    E("garbage_before_match", "x, " LTAG, 0, 0),
    E("lowercase_w", "w/" LTAG, 0, 0),
    E("empty", "", 0, 0),
};


static void
test_etag_match_rows(void **state)
{
    const etag_row_t  *row;
    sl_guard_t         g;
    const u_char      *p;
    size_t             i, len;
    int                m;

    (void) state;
    memset(&g, 0, sizeof(g));
    assert_int_equal(sl_guard_init(&g, 4096), 0);
    for (i = 0; i < sl_nelem(etag_rows); i++) {
        row = &etag_rows[i];
        len = strlen(row->list);
        p = sl_guard_put(&g, row->list, len);
        m = sl_static_etag_match(p, len, (const u_char *) LTAG, strlen(LTAG),
                                 row->strong);
        if (m != row->match) {
            fail_msg("row %s (line %d): %d, expected %d", row->name,
                     row->line, m, row->match);
        }
    }
    sl_guard_free(&g);
}


typedef struct {
    const char  *name;
    int          line;
    const char  *v[2];       /* one or two Accept-Encoding fields */
    int          gzip;
} ae_row_t;

#define A(nm, v1, v2, r)  { nm, __LINE__, { v1, v2 }, r }

static const ae_row_t  ae_rows[] = {
    A("absent", NULL, NULL, 0),
    A("gzip", "gzip", NULL, 1),
    A("gzip_upper", "GZIP", NULL, 1),
    A("x_gzip", "x-gzip", NULL, 1),
    A("list", "br, gzip, deflate", NULL, 1),
    A("list_without", "br, deflate", NULL, 0),
    A("identity_only", "identity", NULL, 0),
    A("q_zero", "gzip;q=0", NULL, 0),
    A("q_zero_dot", "gzip; q=0.0", NULL, 0),
    A("q_zero_three", "gzip;q=0.000", NULL, 0),
    A("q_small", "gzip;q=0.001", NULL, 1),
    A("q_half", "gzip;q=0.5", NULL, 1),
    A("q_one", "gzip;q=1", NULL, 1),
    A("q_one_dot", "gzip;q=1.000", NULL, 1),
    A("q_upper_name", "gzip;Q=0", NULL, 0),
    A("q_ows", "gzip ; q=0 ", NULL, 0),
    A("q_too_many_digits", "gzip;q=0.0001", NULL, 0),
    A("q_above_one", "gzip;q=1.5", NULL, 0),
    A("q_garbage", "gzip;q=abc", NULL, 0),
    A("other_param", "gzip;level=1", NULL, 1),
    A("star", "*", NULL, 1),
    A("star_zero", "*;q=0", NULL, 0),
    A("star_but_gzip_refused", "gzip;q=0, *", NULL, 0),
    A("star_refused_gzip_named", "gzip, *;q=0", NULL, 1),
    A("empty", "", NULL, 0),
    A("empty_elements", ",,gzip,,", NULL, 1),
    A("two_fields", "br", "gzip", 1),
    A("two_fields_refused", "gzip;q=0", "br", 0),
    A("gzipped_is_not_gzip", "gzipped", NULL, 0),
    A("syntax_error_before", "br;;, gzip", NULL, 0),
};


static void
test_accept_encoding_rows(void **state)
{
    const ae_row_t    *row;
    sl_http_header_t   h[3];
    size_t             i, j, n;
    int                r;

    (void) state;
    for (i = 0; i < sl_nelem(ae_rows); i++) {
        row = &ae_rows[i];
        n = 0;
        sl_str_set(&h[n].name, "Host");
        sl_str_set(&h[n].value, "x");
        n++;
        for (j = 0; j < 2 && row->v[j]; j++, n++) {
            sl_str_set(&h[n].name, "accept-encoding");
            h[n].value.data = (u_char *) row->v[j];
            h[n].value.len = strlen(row->v[j]);
        }
        r = sl_static_accepts_gzip(h, n);
        if (r != row->gzip) {
            fail_msg("row %s (line %d): %d, expected %d", row->name,
                     row->line, r, row->gzip);
        }
    }
}


static void
test_header_find_counts(void **state)
{
    sl_http_header_t  h[3];
    const sl_str_t   *v;
    size_t            count;

    (void) state;
    sl_str_set(&h[0].name, "Range");
    sl_str_set(&h[0].value, "bytes=0-1");
    sl_str_set(&h[1].name, "Host");
    sl_str_set(&h[1].value, "x");
    sl_str_set(&h[2].name, "RANGE");
    sl_str_set(&h[2].value, "bytes=2-3");
    v = sl_static_header_find(h, 2, "range", &count);
    assert_non_null(v);
    assert_int_equal(count, 1);
    assert_ptr_equal(v, &h[0].value);
    /* Twice: counted, but no single value to use. */
    v = sl_static_header_find(h, 3, "Range", &count);
    assert_null(v);
    assert_int_equal(count, 2);
    v = sl_static_header_find(h, 3, "If-Range", &count);
    assert_null(v);
    assert_int_equal(count, 0);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_cond_rows),
        cmocka_unit_test(test_cond_inm_unsafe_method_is_412),
        cmocka_unit_test(test_etag_match_rows),
        cmocka_unit_test(test_accept_encoding_rows),
        cmocka_unit_test(test_header_find_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
