/*
 * test_str.c: unit tests of the string helpers (core layer, sl_str.c):
 * comparison, pool copies, integer parsing and bounded formatting. Cases
 * are table rows; a failure names the row and its line.
 */
#include "sl_core.h"

#include <setjmp.h>
#include <cmocka.h>

#define TEST_ROW(name)  name, __LINE__


static int
test_str_setup(void **state)
{
    *state = sl_pool_create(1024);
    return *state == NULL ? -1 : 0;
}


static int
test_str_teardown(void **state)
{
    sl_pool_destroy(*state);
    return 0;
}


static int
test_str_sign(int v)
{
    return (v > 0) - (v < 0);
}


typedef struct {
    const char  *name;
    int          line;
    const char  *a;
    const char  *b;
    size_t       n;
    int          sign;     /* expected sign of the result */
} test_str_case_row_t;

static const test_str_case_row_t  test_str_case_rows[] = {
    { TEST_ROW("empty compare is equal"), "", "", 0, 0 },
    { TEST_ROW("n = 0 ignores content"), "abc", "xyz", 0, 0 },
    { TEST_ROW("same case"), "Host", "Host", 4, 0 },
    { TEST_ROW("mixed case"), "cOnTeNt-LeNgTh", "Content-Length", 14, 0 },
    { TEST_ROW("all upper vs lower"), "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
      "abcdefghijklmnopqrstuvwxyz", 26, 0 },
    { TEST_ROW("only first n compared"), "keep-alive", "KEEP-ALIVE!", 10, 0 },
    { TEST_ROW("less"), "abc", "abd", 3, -1 },
    { TEST_ROW("greater ignoring case"), "ABD", "abc", 3, 1 },
    { TEST_ROW("at sign is not backquote"), "@", "`", 1, -1 },
    { TEST_ROW("open bracket is not brace"), "[", "{", 1, -1 },
    { TEST_ROW("digits compare as themselves"), "1", "2", 1, -1 },
    { TEST_ROW("NUL inside is a byte"), "a\0b", "a\0c", 3, -1 },
    { TEST_ROW("latin-1 letters are not folded"), "\xc0", "\xe0", 1, -1 },
    { TEST_ROW("high byte greater than ascii"), "\xff", "a", 1, 1 },
};


static void
test_str_strncasecmp_folds_ascii_only(void **state)
{
    const test_str_case_row_t  *r;
    size_t                      i;
    int                         got;

    (void) state;
    for (i = 0; i < sl_nelem(test_str_case_rows); i++) {
        r = &test_str_case_rows[i];
        got = test_str_sign(sl_strncasecmp((const u_char *) r->a,
                                           (const u_char *) r->b, r->n));
        if (got != r->sign) {
            fail_msg("row \"%s\" (line %d): sign %d, expected %d",
                     r->name, r->line, got, r->sign);
        }
        /* Swapping the operands flips the sign. */
        got = test_str_sign(sl_strncasecmp((const u_char *) r->b,
                                           (const u_char *) r->a, r->n));
        if (got != -r->sign) {
            fail_msg("row \"%s\" (line %d) swapped: sign %d, expected %d",
                     r->name, r->line, got, -r->sign);
        }
    }
}


typedef struct {
    const char  *name;
    int          line;
    const char  *data;     /* NULL with len 0: an unset string */
    size_t       len;
    const char  *lit;
    int          eq;
    int          eq_nocase;
} test_str_eq_row_t;

static const test_str_eq_row_t  test_str_eq_rows[] = {
    { TEST_ROW("identical"), "GET", 3, "GET", 1, 1 },
    { TEST_ROW("case differs"), "get", 3, "GET", 0, 1 },
    { TEST_ROW("prefix of literal"), "GE", 2, "GET", 0, 0 },
    { TEST_ROW("literal is prefix"), "GETX", 4, "GET", 0, 0 },
    { TEST_ROW("length bounds the data"), "GETX", 3, "GET", 1, 1 },
    { TEST_ROW("empty equals empty"), "", 0, "", 1, 1 },
    { TEST_ROW("empty differs from text"), "", 0, "a", 0, 0 },
    { TEST_ROW("last byte differs"), "chunked", 7, "chunkee", 0, 0 },
    { TEST_ROW("case and last byte"), "CHUNKED", 7, "chunkee", 0, 0 },
    { TEST_ROW("embedded NUL is not the end"), "ab\0", 3, "ab", 0, 0 },
};


static void
test_str_eq_compares_length_and_bytes(void **state)
{
    const test_str_eq_row_t  *r;
    sl_str_t                  s;
    size_t                    i;
    int                       eq, eq_nocase;

    (void) state;
    for (i = 0; i < sl_nelem(test_str_eq_rows); i++) {
        r = &test_str_eq_rows[i];
        s.len = r->len;
        s.data = (u_char *) r->data;
        eq = sl_str_eq(&s, r->lit) != 0;
        eq_nocase = sl_str_eq_nocase(&s, r->lit) != 0;
        if (eq != r->eq || eq_nocase != r->eq_nocase) {
            fail_msg("row \"%s\" (line %d): eq %d nocase %d, expected %d %d",
                     r->name, r->line, eq, eq_nocase, r->eq, r->eq_nocase);
        }
    }
}


static void
test_str_eq_accepts_unset_string(void **state)
{
    sl_str_t  unset = sl_null_string;

    (void) state;
    /* {0, NULL} is what a pcalloc'd struct holds: comparing it must not
     * hand NULL to memcmp (undefined even for length 0; UBSan aborts). */
    assert_false(sl_str_eq(&unset, "a"));
    assert_false(sl_str_eq_nocase(&unset, "a"));
    assert_true(sl_str_eq_nocase(&unset, ""));
    assert_true(sl_str_eq(&unset, ""));
}


static void
test_str_macros_set_length_without_nul(void **state)
{
    sl_str_t  a = sl_string("hello");
    sl_str_t  b = sl_null_string;
    sl_str_t  c;

    (void) state;
    assert_int_equal(a.len, 5);
    assert_memory_equal(a.data, "hello", 5);
    assert_int_equal(b.len, 0);
    assert_null(b.data);
    sl_str_set(&c, "sluice/0.1");
    assert_int_equal(c.len, 10);
    assert_true(sl_str_eq(&c, "sluice/0.1"));
    assert_int_equal(sl_tolower('Q'), 'q');
    assert_int_equal(sl_tolower('['), '[');
    assert_int_equal(sl_tolower(0xC9), 0xC9);
}


static void
test_str_pstrdup_copies_and_nul_terminates(void **state)
{
    sl_pool_t  *pool = *state;
    u_char      src[] = "Content-Type: text/html";
    u_char     *copy;

    copy = sl_pstrdup(pool, src, 12);
    assert_non_null(copy);
    assert_ptr_not_equal(copy, src);
    assert_memory_equal(copy, "Content-Type", 12);
    assert_int_equal(copy[12], '\0');
    assert_string_equal((char *) copy, "Content-Type");

    /* The copy is independent of the source. */
    src[0] = 'X';
    assert_int_equal(copy[0], 'C');
}


static void
test_str_pstrdup_of_empty_is_empty_string(void **state)
{
    sl_pool_t  *pool = *state;
    u_char     *copy;

    copy = sl_pstrdup(pool, NULL, 0);
    assert_non_null(copy);
    assert_int_equal(copy[0], '\0');

    copy = sl_pstrdup(pool, (const u_char *) "abc", 0);
    assert_non_null(copy);
    assert_string_equal((char *) copy, "");
}


static void
test_str_pstrdup_keeps_embedded_nul_and_long_input(void **state)
{
    sl_pool_t  *pool = *state;
    u_char      big[5000], *copy;
    size_t      i;

    for (i = 0; i < sizeof(big); i++) {
        big[i] = (u_char) (i * 7);
    }
    copy = sl_pstrdup(pool, big, sizeof(big));
    assert_non_null(copy);
    assert_memory_equal(copy, big, sizeof(big));
    assert_int_equal(copy[sizeof(big)], '\0');
}


typedef struct {
    const char  *name;
    int          line;
    const char  *in;
    size_t       len;      /* bytes of in to parse */
    int64_t      want;
} test_str_atoi_row_t;

#define TEST_ATOI(name, s, want)  { TEST_ROW(name), s, sizeof(s) - 1, want }

static const test_str_atoi_row_t  test_str_atoi_rows[] = {
    TEST_ATOI("empty", "", -1),
    TEST_ATOI("zero", "0", 0),
    TEST_ATOI("single digit", "7", 7),
    TEST_ATOI("several digits", "1234567890", 1234567890),
    TEST_ATOI("leading zeros", "000042", 42),
    TEST_ATOI("beyond 32 bits", "4294967296", INT64_C(4294967296)),
    TEST_ATOI("max int64", "9223372036854775807", INT64_MAX),
    TEST_ATOI("max int64 with leading zeros", "009223372036854775807",
              INT64_MAX),
    TEST_ATOI("max int64 plus one", "9223372036854775808", -1),
    TEST_ATOI("max int64 plus ten", "9223372036854775817", -1),
    TEST_ATOI("max uint64", "18446744073709551615", -1),
    TEST_ATOI("twenty nines", "99999999999999999999", -1),
    TEST_ATOI("max int64 times ten", "92233720368547758070", -1),
    TEST_ATOI("minus sign", "-1", -1),
    TEST_ATOI("plus sign", "+1", -1),
    TEST_ATOI("leading space", " 1", -1),
    TEST_ATOI("trailing space", "1 ", -1),
    TEST_ATOI("trailing letter", "12a", -1),
    TEST_ATOI("hex prefix", "0x10", -1),
    TEST_ATOI("colon after 9", "9:", -1),
    TEST_ATOI("slash before 0", "/0", -1),
    TEST_ATOI("embedded NUL", "1\0002", -1),
    { TEST_ROW("length bounds the input"), "12345", 3, 123 },
    { TEST_ROW("zero length of digits"), "12345", 0, -1 },
};


static void
test_str_atoi64_parses_digits_and_rejects_the_rest(void **state)
{
    const test_str_atoi_row_t  *r;
    size_t                      i;
    int64_t                     got;

    (void) state;
    for (i = 0; i < sl_nelem(test_str_atoi_rows); i++) {
        r = &test_str_atoi_rows[i];
        got = sl_atoi64((const u_char *) r->in, r->len);
        if (got != r->want) {
            fail_msg("row \"%s\" (line %d): got %lld, expected %lld",
                     r->name, r->line, (long long) got, (long long) r->want);
        }
    }
}


/* A table for the tests: letters, '/' and byte 0xff stay plain. */
static const uint8_t  test_str_plain[256] = {
    ['a' ... 'z'] = 1, ['A' ... 'Z'] = 1, ['/'] = 1, [0xff] = 1
};

/* Every byte alone: as it is when the table says so, else "%XX". */
static void
test_str_escape_each_byte_by_the_table(void **state)
{
    u_char    in, buf[8], want[8], *end;
    unsigned  c;
    size_t    n;

    (void) state;
    for (c = 0; c < 256; c++) {
        in = (u_char) c;
        want[0] = in;
        n = test_str_plain[c] ? 1
            : (size_t) snprintf((char *) want, sizeof(want), "%%%02X", c);
        memset(buf, 'Z', sizeof(buf));
        end = sl_str_escape(buf, &in, 1, test_str_plain);
        if ((size_t) (end - buf) != n || memcmp(buf, want, n) != 0
            || sl_str_escape_len(&in, 1, test_str_plain) != n)
        {
            fail_msg("byte 0x%02x: \"%.*s\", expected \"%.*s\"", c,
                     (int) (end - buf), buf, (int) n, want);
        }
        assert_int_equal(buf[n], 'Z');   /* nothing past the end */
    }
}


/* A run of bytes: each in turn, NUL included; nothing for nothing. */
static void
test_str_escape_runs_in_order(void **state)
{
    static const u_char  in[] = "a b/%\0\xff\xfe";
    static const char    want[] = "a%20b/%25%00\xff%FE";
    u_char               buf[32], *end;

    (void) state;
    end = sl_str_escape(buf, in, sizeof(in) - 1, test_str_plain);
    assert_int_equal(end - buf, sizeof(want) - 1);
    assert_memory_equal(buf, want, sizeof(want) - 1);
    assert_int_equal(sl_str_escape_len(in, sizeof(in) - 1, test_str_plain),
                     sizeof(want) - 1);
    assert_ptr_equal(sl_str_escape(buf, in, 0, test_str_plain), buf);
    assert_int_equal(sl_str_escape_len(in, 0, test_str_plain), 0);
}


static void
test_str_slprintf_returns_pointer_past_output(void **state)
{
    u_char  buf[64], *p;

    (void) state;
    p = sl_slprintf(buf, buf + sizeof(buf), "%s=%d;%05.1f", "k", -12, 2.5);
    assert_ptr_equal(p, buf + 11);
    assert_memory_equal(buf, "k=-12;002.5", 11);

    /* Consecutive calls append. */
    p = sl_slprintf(buf, buf + sizeof(buf), "abc");
    p = sl_slprintf(p, buf + sizeof(buf), "%u", 42u);
    assert_ptr_equal(p, buf + 5);
    assert_memory_equal(buf, "abc42", 5);
}


static void
test_str_slprintf_truncation_never_writes_past_end(void **state)
{
    u_char  buf[32], *p, *end;
    size_t  room, i;

    (void) state;
    for (room = 0; room <= 16; room++) {
        memset(buf, '#', sizeof(buf));
        end = buf + 8 + room;
        p = sl_slprintf(buf + 8, end, "%s-%d", "abcdefghij", 12345);
        if (p < buf + 8 || p > end) {
            fail_msg("room %zu: returned offset %td outside the buffer",
                     room, p - (buf + 8));
        }
        assert_memory_equal(buf + 8, "abcdefghij-12345",
                            (size_t) (p - buf - 8));
        for (i = 0; i < sizeof(buf); i++) {
            if ((buf + i < buf + 8 || buf + i >= end) && buf[i] != '#') {
                fail_msg("room %zu: byte at offset %td outside [buf, end) "
                         "was written", room, (ptrdiff_t) i - 8);
            }
        }
    }
}


static void
test_str_slprintf_with_no_room_returns_buf(void **state)
{
    u_char  buf[4] = "xyz";

    (void) state;
    assert_ptr_equal(sl_slprintf(buf, buf, "hello"), buf);
    assert_ptr_equal(sl_slprintf(buf + 2, buf + 1, "hello"), buf + 2);
    assert_memory_equal(buf, "xyz", 4);
}


static void
test_str_slprintf_uses_every_byte_up_to_end(void **state)
{
    u_char  buf[8], *p;

    (void) state;
    /* Output that fits exactly is written whole; longer output is cut at
     * end, not one byte short of it. */
    memset(buf, '#', sizeof(buf));
    p = sl_slprintf(buf, buf + 5, "%s", "abcde");
    assert_ptr_equal(p, buf + 5);
    assert_memory_equal(buf, "abcde###", 8);

    memset(buf, '#', sizeof(buf));
    p = sl_slprintf(buf, buf + 5, "%d", 1234567);
    assert_ptr_equal(p, buf + 5);
    assert_memory_equal(buf, "12345###", 8);

    memset(buf, '#', sizeof(buf));
    p = sl_slprintf(buf, buf + 1, "%c", 'z');
    assert_ptr_equal(p, buf + 1);
    assert_int_equal(buf[0], 'z');
}


static void
test_str_slprintf_writes_nothing_after_returned_pointer(void **state)
{
    u_char  buf[16], *p;

    (void) state;
    /* The output is not NUL-terminated (sl_str.h): formatting into the
     * middle of a prepared line must leave the bytes after it alone. */
    memcpy(buf, "HTTP/1.1 ??? OK\n", 16);
    p = sl_slprintf(buf + 9, buf + sizeof(buf), "%d", 200);
    assert_ptr_equal(p, buf + 12);
    assert_memory_equal(buf, "HTTP/1.1 200 OK\n", 16);
}


static void
test_str_slprintf_truncated_output_is_prefix_of_full(void **state)
{
    u_char  a[40], b[40], *pa, *pb;

    (void) state;
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    pa = sl_slprintf(a, a + 10, "%s %d %s", "alpha", 2, "gamma");
    pb = sl_slprintf(b, b + sizeof(b), "%s %d %s", "alpha", 2, "gamma");
    assert_ptr_equal(pb, b + 13);
    assert_true(pa - a <= 10);
    assert_memory_equal(a, b, (size_t) (pa - a));
}


typedef struct {
    const char  *name;
    int          line;
    uint64_t     v;
    const char  *want;
} test_str_utoa_row_t;

static const test_str_utoa_row_t  test_str_utoa_rows[] = {
    { TEST_ROW("zero"), 0, "0" },
    { TEST_ROW("one digit"), 9, "9" },
    { TEST_ROW("power of ten"), 10, "10" },
    { TEST_ROW("status"), 404, "404" },
    { TEST_ROW("max uint32"), UINT32_MAX, "4294967295" },
    { TEST_ROW("max int64"), INT64_MAX, "9223372036854775807" },
    { TEST_ROW("1e19"), UINT64_C(10000000000000000000),
      "10000000000000000000" },
    { TEST_ROW("max uint64"), UINT64_MAX, "18446744073709551615" },
};


static void
test_str_utoa_writes_decimal_and_returns_end(void **state)
{
    const test_str_utoa_row_t  *r;
    u_char                      buf[24], *p;
    size_t                      i, n;

    (void) state;
    for (i = 0; i < sl_nelem(test_str_utoa_rows); i++) {
        r = &test_str_utoa_rows[i];
        memset(buf, '#', sizeof(buf));
        n = strlen(r->want);
        p = sl_utoa(buf, r->v);
        if (p != buf + n || memcmp(buf, r->want, n) != 0
            || buf[n] != '#')
        {
            fail_msg("row \"%s\" (line %d): wrote \"%.*s\", expected \"%s\"",
                     r->name, r->line, (int) (p - buf), buf, r->want);
        }
    }
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_str_strncasecmp_folds_ascii_only),
        cmocka_unit_test(test_str_eq_compares_length_and_bytes),
        cmocka_unit_test(test_str_macros_set_length_without_nul),
        cmocka_unit_test_setup_teardown(
            test_str_pstrdup_copies_and_nul_terminates,
            test_str_setup, test_str_teardown),
        cmocka_unit_test_setup_teardown(
            test_str_pstrdup_of_empty_is_empty_string,
            test_str_setup, test_str_teardown),
        cmocka_unit_test_setup_teardown(
            test_str_pstrdup_keeps_embedded_nul_and_long_input,
            test_str_setup, test_str_teardown),
        cmocka_unit_test(test_str_atoi64_parses_digits_and_rejects_the_rest),
        cmocka_unit_test(test_str_slprintf_returns_pointer_past_output),
        cmocka_unit_test(test_str_slprintf_truncation_never_writes_past_end),
        cmocka_unit_test(test_str_slprintf_with_no_room_returns_buf),
        cmocka_unit_test(test_str_slprintf_uses_every_byte_up_to_end),
        cmocka_unit_test(
            test_str_slprintf_writes_nothing_after_returned_pointer),
        cmocka_unit_test(test_str_slprintf_truncated_output_is_prefix_of_full),
        cmocka_unit_test(test_str_utoa_writes_decimal_and_returns_end),
        cmocka_unit_test(test_str_escape_each_byte_by_the_table),
        cmocka_unit_test(test_str_escape_runs_in_order),
        /* Last: in a sanitizer build a failure here aborts the program. */
        cmocka_unit_test(test_str_eq_accepts_unset_string),
    };

    return cmocka_run_group_tests_name("core/str", tests, NULL, NULL);
}
