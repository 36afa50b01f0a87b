/*
 * test_static_range.c: unit tests of the Range parser
 * (modules/static/sl_static_range.c). One table: the field value, the
 * size of the representation, the status expected (206, 416 or 200 for
 * "ignore the field") and the ranges. Each row runs with its input at the
 * end of a guarded page, so reading one byte past the value faults; a
 * failure names the row and its line.
 */
#include "static/sl_static.h"

#include <setjmp.h>
#include <cmocka.h>
#include "guard.h"

typedef struct {
    const char   *name;
    int           line;
    const char   *value;
    off_t         size;
    int           status;
    size_t        n;
    off_t         r[4][2];
} range_row_t;

#define ROW(nm, v, sz, st, n, ...) \
    { nm, __LINE__, v, sz, st, n, { __VA_ARGS__ } }

static const range_row_t  range_rows[] = {
    ROW("single", "bytes=0-499", 1000, 206, 1, { 0, 499 }),
    ROW("single_middle", "bytes=500-599", 1000, 206, 1, { 500, 599 }),
    ROW("single_whole", "bytes=0-999", 1000, 206, 1, { 0, 999 }),
    ROW("last_pos_clamped", "bytes=900-5000", 1000, 206, 1, { 900, 999 }),
    ROW("one_byte", "bytes=0-0", 1000, 206, 1, { 0, 0 }),
    ROW("last_byte", "bytes=999-999", 1000, 206, 1, { 999, 999 }),
    ROW("open_ended", "bytes=9500-", 10000, 206, 1, { 9500, 9999 }),
    ROW("open_ended_zero", "bytes=0-", 10, 206, 1, { 0, 9 }),
    ROW("suffix", "bytes=-500", 10000, 206, 1, { 9500, 9999 }),
    ROW("suffix_longer_than_file", "bytes=-5000", 100, 206, 1, { 0, 99 }),
    ROW("suffix_whole", "bytes=-100", 100, 206, 1, { 0, 99 }),
    ROW("unit_case_insensitive", "Bytes=0-1", 10, 206, 1, { 0, 1 }),
    ROW("multiple", "bytes=0-1,5-6", 10, 206, 2, { 0, 1 }, { 5, 6 }),
    ROW("multiple_ows", "bytes=0-1 ,\t5-6", 10, 206, 2, { 0, 1 },
        { 5, 6 }),
    ROW("multiple_three", "bytes=0-0,2-2,-1", 10, 206, 3, { 0, 0 },
        { 2, 2 }, { 9, 9 }),
    ROW("empty_elements_skipped", "bytes=,0-1,,", 10, 206, 1, { 0, 1 }),
    ROW("adjacent_allowed", "bytes=0-4,5-9", 10, 206, 2, { 0, 4 },
        { 5, 9 }),
    ROW("unsatisfiable_dropped", "bytes=0-1,50-60", 10, 206, 1, { 0, 1 }),
    ROW("huge_last_pos_saturates", "bytes=0-99999999999999999999999", 10,
        206, 1, { 0, 9 }),

    ROW("unsatisfiable_start", "bytes=1000-", 1000, 416, 0),
    ROW("unsatisfiable_start_far", "bytes=5000-6000", 1000, 416, 0),
    ROW("unsatisfiable_huge_start", "bytes=99999999999999999999999-", 10,
        416, 0),
    ROW("suffix_zero", "bytes=-0", 1000, 416, 0),
    ROW("empty_file", "bytes=0-", 0, 416, 0),
    ROW("empty_file_suffix", "bytes=-5", 0, 416, 0),
    ROW("all_unsatisfiable", "bytes=20-30,40-", 10, 416, 0),

    ROW("other_unit", "items=0-1", 10, 200, 0),
    ROW("no_equals", "bytes 0-1", 10, 200, 0),
    ROW("no_ranges", "bytes=", 10, 200, 0),
    ROW("only_commas", "bytes=,,", 10, 200, 0),
    ROW("no_dash", "bytes=5", 10, 200, 0),
    ROW("last_before_first", "bytes=5-4", 10, 200, 0),
    ROW("double_dash", "bytes=--5", 10, 200, 0),
    ROW("negative_suffix_garbage", "bytes=-5-", 10, 200, 0),
    ROW("letters", "bytes=a-b", 10, 200, 0),
    ROW("space_in_number", "bytes=1 2-3", 10, 200, 0),
    ROW("missing_comma", "bytes=0-1 3-4", 10, 200, 0),
    ROW("trailing_garbage", "bytes=0-1;x", 10, 200, 0),
    ROW("overlapping", "bytes=0-5,3-8", 10, 200, 0),
    ROW("descending", "bytes=5-6,0-1", 10, 200, 0),
    ROW("same_twice", "bytes=0-1,0-1", 10, 200, 0),
    ROW("suffix_overlaps", "bytes=5-9,-3", 10, 200, 0),
    ROW("bad_last_pos_syntax_after_valid", "bytes=0-1,x", 10, 200, 0),
    ROW("empty_value", "", 10, 200, 0),
};


static void
test_range_rows(void **state)
{
    const range_row_t  *row;
    sl_static_range_t   out[SL_STATIC_MAX_RANGES];
    sl_guard_t          g;
    const u_char       *p;
    size_t              i, j, n, len;
    int                 st;

    (void) state;
    memset(&g, 0, sizeof(g));
    assert_int_equal(sl_guard_init(&g, 4096), 0);
    for (i = 0; i < sl_nelem(range_rows); i++) {
        row = &range_rows[i];
        len = strlen(row->value);
        p = sl_guard_put(&g, row->value, len);
        n = 12345;
        st = sl_static_range_parse(p, len, row->size, out,
                                   SL_STATIC_MAX_RANGES, &n);
        if (st != row->status || n != row->n) {
            fail_msg("row %s (line %d): status %d n %zu, expected %d n %zu",
                     row->name, row->line, st, n, row->status, row->n);
        }
        for (j = 0; j < n; j++) {
            if (out[j].start != row->r[j][0] || out[j].last != row->r[j][1]) {
                fail_msg("row %s (line %d): range %zu is %lld-%lld, "
                         "expected %lld-%lld", row->name, row->line, j,
                         (long long) out[j].start, (long long) out[j].last,
                         (long long) row->r[j][0], (long long) row->r[j][1]);
            }
        }
    }
    sl_guard_free(&g);
}


static void
test_range_cap_at_max(void **state)
{
    sl_static_range_t  out[SL_STATIC_MAX_RANGES];
    char               buf[1024], *p;
    size_t             n, i;

    (void) state;
    /* Exactly the maximum: 206; one more: the field is ignored. */
    p = buf + snprintf(buf, sizeof(buf), "bytes=");
    for (i = 0; i < SL_STATIC_MAX_RANGES; i++) {
        p += snprintf(p, sizeof(buf) - (size_t) (p - buf), "%s%zu-%zu",
                      i ? "," : "", i * 10, i * 10 + 1);
    }
    assert_int_equal(sl_static_range_parse((u_char *) buf, strlen(buf), 1000,
                                           out, SL_STATIC_MAX_RANGES, &n),
                     206);
    assert_int_equal(n, SL_STATIC_MAX_RANGES);
    (void) snprintf(p, sizeof(buf) - (size_t) (p - buf), ",900-901");
    assert_int_equal(sl_static_range_parse((u_char *) buf, strlen(buf), 1000,
                                           out, SL_STATIC_MAX_RANGES, &n),
                     200);
}


static void
test_range_many_unsatisfiable_do_not_count(void **state)
{
    sl_static_range_t  out[2];
    size_t             n;
    const char        *v = "bytes=100-,200-,300-,0-1";

    (void) state;
    /* Only satisfiable ranges fill the array. */
    assert_int_equal(sl_static_range_parse((const u_char *) v, strlen(v), 10,
                                           out, 2, &n), 206);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].last, 1);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_range_rows),
        cmocka_unit_test(test_range_cap_at_max),
        cmocka_unit_test(test_range_many_unsatisfiable_do_not_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
