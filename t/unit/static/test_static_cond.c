/*
 * test_static_cond.c: unit tests of the conditional request evaluation
 * (modules/static/sl_static_cond.c): RFC 9110 13.2.2 order and
 * precedence of If-Match, If-Unmodified-Since, If-None-Match,
 * If-Modified-Since, then If-Range and Range. One table: the method, the
 * request's fields, and the decision (200, 206, 304, 412, 416). A
 * failure names the row and its line.
 */
#include "static/sl_static.h"

#include <setjmp.h>
#include <cmocka.h>

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


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_cond_rows),
        cmocka_unit_test(test_cond_inm_unsafe_method_is_412),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
