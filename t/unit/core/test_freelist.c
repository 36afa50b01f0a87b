/*
 * test_freelist.c: unit tests of the free list of same-size blocks (core
 * layer, sl_freelist.h): the cap, the order blocks come back in, a zeroed
 * list, and draining. Each row is a script of puts and gets with what
 * each must give; in ASan builds a kept block is poisoned, so writing
 * into every block taken back also checks that it is unparked whole.
 */
#include "sl_core.h"

#include <setjmp.h>
#include <cmocka.h>

#define TEST_ROW(name)  name, __LINE__
#define TEST_BLOCK      48

typedef struct {
    const char  *name;
    int          line;
    sl_uint_t    max;
    const char  *ops;     /* '+': put a new block, '-': get one */
    const char  *want;    /* per op: put 'k' kept, 'd' declined; get: the
                             block's number (1 for the first put), or
                             '0' for NULL */
} test_freelist_row_t;

static const test_freelist_row_t  test_freelist_rows[] = {
    { TEST_ROW("empty list gives nothing"), 4, "--", "00" },
    { TEST_ROW("one block round trip"), 4, "+-", "k1" },
    { TEST_ROW("the last put comes back first"), 4, "+++---", "kkk321" },
    { TEST_ROW("declines beyond max"), 2, "+++", "kkd" },
    { TEST_ROW("a get makes room again"), 2, "++-+", "kk2k" },
    { TEST_ROW("declined blocks are not kept"), 1, "++--", "kd10" },
    { TEST_ROW("max 0 keeps nothing"), 0, "+-", "d0" },
    { TEST_ROW("kept blocks left for drain"), 3, "+++-", "kkk3" },
};


/* Runs one row's script on a fresh list; drains what is left. */
static void
test_freelist_run(const test_freelist_row_t *row)
{
    sl_freelist_t  fl;
    u_char        *blocks[16], *b;
    size_t         i, j, made;
    char           got;

    assert_int_equal(sl_freelist_init(&fl, row->max, TEST_BLOCK), SL_OK);
    made = 0;
    for (i = 0; row->ops[i]; i++) {
        if (row->ops[i] == '+') {
            assert_true(made < sl_nelem(blocks));
            b = malloc(TEST_BLOCK);
            assert_non_null(b);
            blocks[made++] = b;
            got = sl_freelist_put(&fl, b) == SL_OK ? 'k' : 'd';
            if (got == 'd') {
                free(b);   /* still ours */
            }
        } else {
            b = sl_freelist_get(&fl);
            got = '0';
            if (b != NULL) {
                /* From the newest: a freed block's address may recur. */
                for (j = made; j > 0 && blocks[j - 1] != b; j--) {
                    /* which block came back */
                }
                assert_true(j > 0);
                got = (char) ('0' + j);
                memset(b, 'x', TEST_BLOCK);   /* unparked, every byte */
                free(b);
            }
        }
        if (got != row->want[i]) {
            fail_msg("row \"%s\" (line %d): op %zu '%c' gave '%c', "
                     "expected '%c'", row->name, row->line, i, row->ops[i],
                     got, row->want[i]);
        }
    }
    assert_int_equal(strlen(row->want), i);
    sl_freelist_drain(&fl);   /* LSan: nothing kept may leak */
    assert_null(fl.items);
    assert_int_equal(fl.n, 0);
    assert_int_equal(fl.max, 0);
}


static void
test_freelist_scripts(void **state)
{
    size_t  i;

    (void) state;
    for (i = 0; i < sl_nelem(test_freelist_rows); i++) {
        test_freelist_run(&test_freelist_rows[i]);
    }
}


static void
test_freelist_zeroed_list_keeps_nothing(void **state)
{
    sl_freelist_t  fl;
    void          *b;

    (void) state;
    memset(&fl, 0, sizeof(fl));
    assert_null(sl_freelist_get(&fl));
    b = malloc(TEST_BLOCK);
    assert_non_null(b);
    assert_int_equal(sl_freelist_put(&fl, b), SL_DECLINED);
    free(b);
    sl_freelist_drain(&fl);
}


static void
test_freelist_drain_frees_kept_blocks_and_empties(void **state)
{
    sl_freelist_t  fl;
    size_t         i;

    (void) state;
    assert_int_equal(sl_freelist_init(&fl, 8, TEST_BLOCK), SL_OK);
    for (i = 0; i < 5; i++) {
        assert_int_equal(sl_freelist_put(&fl, malloc(TEST_BLOCK)), SL_OK);
    }
    assert_int_equal(fl.n, 5);
    sl_freelist_drain(&fl);
    assert_null(sl_freelist_get(&fl));
    sl_freelist_drain(&fl);   /* twice is harmless */
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_freelist_scripts),
        cmocka_unit_test(test_freelist_zeroed_list_keeps_nothing),
        cmocka_unit_test(test_freelist_drain_frees_kept_blocks_and_empties),
    };

    return cmocka_run_group_tests_name("core/freelist", tests, NULL, NULL);
}
