/*
 * test_http_parse_path.c: unit tests of the path normaliser
 * (src/http/sl_http_parse_path.c). One table, one cmocka test per row; a
 * failure names the row and its line. The input sits at the end of a
 * guarded page and the output buffer is exactly in->len bytes at the end
 * of another, so a read or a write one byte too far faults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sl_core.h"
#include "sl_http_parse.h"
#include "guard.h"

#define ENC    SL_HTTP_PATH_ENCODED
#define SLASH  SL_HTTP_PATH_ENCODED_SLASH
#define NORM   SL_HTTP_PATH_NORMALIZED

#define ABOVE_ROOT  "path climbs above the root"
#define BAD_ESCAPE  "invalid percent-escape in path"

typedef struct {
    const char   *name;
    int           line;
    const char   *in;
    const char   *out;        /* NULL: SL_ERROR expected */
    unsigned      flags;
    const char   *error;      /* when out is NULL */
} path_t;

#define OK(nm, i, o, f)    { nm, __LINE__, i, o, f, NULL }
#define BAD(nm, i, e)      { nm, __LINE__, i, NULL, 0, e }

static const path_t  path_rows[] = {
    OK("root", "/", "/", 0),
    OK("plain", "/a/b.html", "/a/b.html", 0),
    OK("trailing_slash_kept", "/a/b/", "/a/b/", 0),
    OK("duplicate_slashes", "//a///b", "/a/b", NORM),
    OK("only_slashes", "////", "/", NORM),
    OK("dot", "/a/./b", "/a/b", NORM),
    OK("dot_dot", "/a/../b", "/b", NORM),
    OK("two_dot_dots", "/a/b/../../c", "/c", NORM),
    OK("dot_dot_at_end_keeps_slash", "/a/b/..", "/a/", NORM),
    OK("dot_dot_to_root", "/a/..", "/", NORM),
    OK("dot_at_end_keeps_slash", "/a/.", "/a/", NORM),
    OK("dot_only", "/.", "/", NORM),
    OK("dot_then_up_then_down", "/a/b/./../c/", "/a/c/", NORM),
    OK("empty_segment_before_dot_dot", "/a//../b", "/b", NORM),
    OK("three_dots_is_a_name", "/...", "/...", 0),
    OK("dot_prefix_is_a_name", "/.a/..b/b..", "/.a/..b/b..", 0),
    OK("encoded_dot_dot", "/a/%2e%2e/b", "/b", ENC | NORM),
    OK("encoded_dot_upper", "/a/%2E/b", "/a/b", ENC | NORM),
    OK("half_encoded_dot_dot", "/a/.%2e/b", "/b", ENC | NORM),
    OK("double_encoding_decoded_once", "/%252e%252e/x", "/%2e%2e/x", ENC),
    OK("encoded_percent", "/100%25", "/100%", ENC),
    OK("encoded_space", "/a%20b", "/a b", ENC),
    OK("encoded_utf8", "/caf%C3%a9", "/caf\xc3\xa9", ENC),
    OK("encoded_slash_flagged", "/a%2fb", "/a/b", ENC | SLASH),
    OK("encoded_slash_separates_dots", "/a%2F..%2Fb", "/b",
       ENC | SLASH | NORM),
    OK("encoded_slash_double", "/a%2F%2Fb", "/a/b", ENC | SLASH | NORM),
    OK("backslash_is_a_byte", "/a\\..\\b", "/a\\..\\b", 0),
    OK("query_chars_untouched", "/a;b=c,d", "/a;b=c,d", 0),
    BAD("above_root", "/..", ABOVE_ROOT),
    BAD("above_root_trailing", "/../", ABOVE_ROOT),
    BAD("above_root_later", "/a/../..", ABOVE_ROOT),
    BAD("above_root_first", "/../a", ABOVE_ROOT),
    BAD("above_root_after_dot", "/./../a", ABOVE_ROOT),
    BAD("above_root_encoded", "/%2e%2e/a", ABOVE_ROOT),
    BAD("above_root_encoded_slash", "/a%2f..%2f..%2fetc", ABOVE_ROOT),
    BAD("above_root_deep", "/a/b/../../../etc/passwd", ABOVE_ROOT),
    BAD("encoded_nul", "/a%00b", "NUL in path"),
    BAD("encoded_newline", "/a%0ab", "control character in path"),
    BAD("encoded_del", "/a%7f", "control character in path"),
    BAD("raw_control", "/a\x01", "control character in path"),
    BAD("escape_not_hex", "/%zz", BAD_ESCAPE),
    BAD("escape_half_hex", "/%2g", BAD_ESCAPE),
    BAD("escape_cut_two", "/a%2", BAD_ESCAPE),
    BAD("escape_cut_one", "/a%", BAD_ESCAPE),
    BAD("escape_sign", "/%+1", BAD_ESCAPE),
    BAD("relative", "a/b", "path does not start with /"),
    BAD("empty", "", "path does not start with /"),
};

static sl_guard_t  in_guard, out_guard;


#define ROW_FAIL(row, ...)                                                  \
    do {                                                                    \
        print_error("row \"%s\" (" __FILE__ ":%d): ", (row)->name,          \
                    (row)->line);                                           \
        fail_msg(__VA_ARGS__);                                              \
    } while (0)


static void
test_path_row(void **state)
{
    const path_t  *row = *state;
    sl_str_t       in, out;
    u_char        *dst;
    unsigned       flags;
    const char    *err;
    sl_int_t       rc;

    in.len = strlen(row->in);
    in.data = sl_guard_put(&in_guard, row->in, in.len);
    dst = sl_guard_buf(&out_guard, in.len);
    assert_non_null(in.data);
    assert_non_null(dst);
    out.data = (u_char *) "sentinel";
    out.len = 8;
    flags = 0xdead;
    err = "sentinel";

    rc = sl_http_parse_path(&in, dst, &out, &flags, &err);
    if (row->out == NULL) {
        if (rc != SL_ERROR) {
            ROW_FAIL(row, "returned %ld, want SL_ERROR", (long) rc);
        }
        if (strcmp(err, row->error) != 0) {
            ROW_FAIL(row, "error \"%s\", want \"%s\"", err, row->error);
        }
        return;
    }
    if (rc != SL_OK) {
        ROW_FAIL(row, "returned %ld (%s), want SL_OK", (long) rc, err);
    }
    if (out.data != dst || out.len != strlen(row->out)
        || memcmp(out.data, row->out, out.len) != 0)
    {
        ROW_FAIL(row, "got \"%.*s\", want \"%s\"", (int) out.len, out.data,
                 row->out);
    }
    if (flags != row->flags) {
        ROW_FAIL(row, "flags 0x%x, want 0x%x", flags, row->flags);
    }
    if (memcmp(in.data, row->in, in.len) != 0) {
        ROW_FAIL(row, "the input was changed");
    }
}


/* Normalising the output again changes nothing: the result is a fixpoint. */
static void
test_path_output_is_stable(void **state)
{
    size_t       i;
    sl_str_t     in, out, again;
    u_char       a[256], b[256];
    unsigned     flags;
    const char  *err;

    (void) state;
    for (i = 0; i < sl_nelem(path_rows); i++) {
        if (path_rows[i].out == NULL) {
            continue;
        }
        in.data = (u_char *) path_rows[i].in;
        in.len = strlen(path_rows[i].in);
        assert_int_equal(sl_http_parse_path(&in, a, &out, &flags, &err),
                         SL_OK);
        if (memchr(out.data, '%', out.len) != NULL) {
            continue;   /* decoded '%': decoding again would differ */
        }
        assert_int_equal(sl_http_parse_path(&out, b, &again, &flags, &err),
                         SL_OK);
        assert_int_equal(again.len, out.len);
        assert_memory_equal(again.data, out.data, out.len);
        assert_int_equal(flags, 0);
    }
}


static int
group_setup(void **state)
{
    (void) state;
    if (sl_guard_init(&in_guard, 4096) != 0) {
        return -1;
    }
    return sl_guard_init(&out_guard, 4096);
}


static int
group_teardown(void **state)
{
    (void) state;
    sl_guard_free(&in_guard);
    sl_guard_free(&out_guard);
    return 0;
}


int
main(void)
{
    static const struct CMUnitTest  misc[] = {
        cmocka_unit_test(test_path_output_is_stable),
    };
    struct CMUnitTest  *t;
    size_t              i;
    int                 failed;

    t = calloc(sl_nelem(path_rows), sizeof(*t));
    if (t == NULL) {
        return 1;
    }
    for (i = 0; i < sl_nelem(path_rows); i++) {
        t[i].name = path_rows[i].name;
        t[i].test_func = test_path_row;
        t[i].initial_state = (void *) &path_rows[i];
    }
    /* the function behind cmocka_run_group_tests, for a runtime array */
    failed = _cmocka_run_group_tests("path", t, sl_nelem(path_rows),
                                     group_setup, group_teardown);
    failed += cmocka_run_group_tests_name("path_misc", misc, NULL, NULL);
    free(t);
    return failed;
}
