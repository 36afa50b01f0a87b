/*
 * test_static_etag.c: unit tests of the ETag format, entity-tag list
 * matching (strong and weak comparison, RFC 9110 8.8.3.2) and the
 * Accept-Encoding q-value parsing that decides gzip_static
 * (modules/static/sl_static_file.c, sl_static_cond.c). Table-driven; a
 * failure names the row and its line.
 */
#include "static/sl_static.h"

#include <setjmp.h>
#include <cmocka.h>
#include "guard.h"

#define TAG  "\"5f5e100-400\""


static void
test_etag_format(void **state)
{
    u_char  buf[SL_STATIC_ETAG_LEN];
    size_t  n;

    (void) state;
    n = sl_static_file_etag(buf, 100000000, 1024);
    assert_int_equal(n, strlen(TAG));
    assert_memory_equal(buf, TAG, n);
    n = sl_static_file_etag(buf, 0, 0);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "\"0-0\"", 5);
    /* The largest values still fit. */
    n = sl_static_file_etag(buf, (time_t) INT64_MAX, (off_t) INT64_MAX);
    assert_int_equal(n, 35);
    assert_true(n < SL_STATIC_ETAG_LEN);
}


typedef struct {
    const char  *name;
    int          line;
    const char  *list;
    int          strong;     /* comparison */
    int          match;
} etag_row_t;

#define E(nm, l, s, m)  { nm, __LINE__, l, s, m }

static const etag_row_t  etag_rows[] = {
    E("same_strong", TAG, 1, 1),
    E("same_weak_cmp", TAG, 0, 1),
    E("weak_tag_strong_cmp", "W/" TAG, 1, 0),
    E("weak_tag_weak_cmp", "W/" TAG, 0, 1),
    E("star", "*", 1, 1),
    E("star_ows", "  * ", 0, 1),
    E("star_in_list_is_malformed", "\"a\", *", 0, 0),
    E("other", "\"abc\"", 0, 0),
    E("prefix_only", "\"5f5e100-40\"", 0, 0),
    E("list_last", "\"a\", \"b\", " TAG, 1, 1),
    E("list_first", TAG ",\"b\"", 1, 1),
    E("list_ows_tabs", "\"a\"\t,\t" TAG "\t", 1, 1),
    E("empty_elements", ", ," TAG ",", 1, 1),
    E("unquoted", "5f5e100-400", 0, 0),
    E("unterminated", "\"5f5e100-400", 0, 0),
    E("space_inside", "\"5f5e100 400\"", 0, 0),
    E("garbage_after", TAG "x", 0, 0),
    E("garbage_before_match", "x, " TAG, 0, 0),
    E("lowercase_w", "w/" TAG, 0, 0),
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
        m = sl_static_etag_match(p, len, (const u_char *) TAG, strlen(TAG),
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
        cmocka_unit_test(test_etag_format),
        cmocka_unit_test(test_etag_match_rows),
        cmocka_unit_test(test_accept_encoding_rows),
        cmocka_unit_test(test_header_find_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
