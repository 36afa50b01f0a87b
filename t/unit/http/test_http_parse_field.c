/*
 * test_http_parse_field.c: the check of a whole header field line written
 * in a configuration (src/http/sl_http_parse_field.c,
 * sl_http_parse_field_line, which add_headers uses). One table over
 * guarded input (guard.h), so a read past the line faults: the result,
 * and for a refusal the offset at fault and a reason. The fields the
 * request parser digests are tested through it, in test_http_parse.c.
 */
#include "sl_core.h"
#include "sl_http_parse.h"

#include <setjmp.h>
#include <cmocka.h>

#include "guard.h"

static sl_guard_t  sl_test_guard;


typedef struct {
    const char  *name;
    const char  *in;
    size_t       len;        /* 0: strlen(in) */
    sl_int_t     rc;
    size_t       bad;        /* for SL_ERROR: the offset reported */
    int          line;
} sl_field_row_t;

static const sl_field_row_t  sl_field_rows[] = {
    { "plain", "Cache-Control: max-age=3600", 0, SL_OK, 0, __LINE__ },
    { "no space after colon", "X-A:1", 0, SL_OK, 0, __LINE__ },
    { "empty value", "X-Empty:", 0, SL_OK, 0, __LINE__ },
    { "every tchar", "!#$%&'*+-.^_`|~09azAZ: v", 0, SL_OK, 0, __LINE__ },
    { "htab, obs-text", "X-A: a\tb \x80\xff", 0, SL_OK, 0, __LINE__ },
    { "variables stay text", "X-Id: $request_id", 0, SL_OK, 0, __LINE__ },
    { "colon in value", "Link: <http://a/>; rel=x", 0, SL_OK, 0, __LINE__ },
    { "no colon", "X-A 1", 0, SL_ERROR, 3, __LINE__ },
    { "name only", "X-A", 0, SL_ERROR, 3, __LINE__ },
    { "empty name", ": v", 0, SL_ERROR, 0, __LINE__ },
    { "space before colon", "X-A : v", 0, SL_ERROR, 3, __LINE__ },
    { "space in name", "X A: v", 0, SL_ERROR, 1, __LINE__ },
    { "leading space", " X-A: v", 0, SL_ERROR, 0, __LINE__ },
    { "CR LF injection", "X-A: 1\r\nSet-Cookie: x", 0, SL_ERROR, 6,
      __LINE__ },
    { "bare LF", "X-A: 1\nEvil: 1", 0, SL_ERROR, 6, __LINE__ },
    { "NUL in value", "X-A: a\0b", 8, SL_ERROR, 6, __LINE__ },
    { "NUL in name", "X\0A: b", 6, SL_ERROR, 1, __LINE__ },
    { "other CTL", "X-A: \x01", 0, SL_ERROR, 5, __LINE__ },
    { "DEL", "X-A: \x7f", 0, SL_ERROR, 5, __LINE__ },
    { "non-ASCII name", "X-\xc3\xa9: v", 0, SL_ERROR, 2, __LINE__ },
};


static void
test_field_line_rows(void **state)
{
    const sl_field_row_t  *row;
    const char            *error;
    u_char                *p;
    size_t                 i, len, bad;
    sl_int_t               rc;

    (void) state;
    for (i = 0; i < sl_nelem(sl_field_rows); i++) {
        row = &sl_field_rows[i];
        len = row->len ? row->len : strlen(row->in);
        p = sl_guard_put(&sl_test_guard, row->in, len);
        bad = (size_t) -1;
        error = NULL;
        rc = sl_http_parse_field_line(p, len, &bad, &error);
        if (rc != row->rc || (rc == SL_ERROR
                              && (bad != row->bad || error == NULL)))
        {
            fail_msg("row \"%s\" (line %d): rc %d bad %zu (%s)", row->name,
                     row->line, (int) rc, bad, error ? error : "-");
        }
    }
}


static int
sl_test_setup(void **state)
{
    (void) state;
    return sl_guard_init(&sl_test_guard, 4096) == 0 ? 0 : -1;
}


static int
sl_test_teardown(void **state)
{
    (void) state;
    sl_guard_free(&sl_test_guard);
    return 0;
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_field_line_rows),
    };

    return cmocka_run_group_tests(tests, sl_test_setup, sl_test_teardown);
}
