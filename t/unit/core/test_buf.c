/*
 * test_buf.c: unit tests of buffers and chains (core layer, sl_buf.c):
 * what a new buffer looks like, and how sl_chain_size adds up memory and
 * file buffers.
 */
#include "sl_core.h"

#include <setjmp.h>
#include <cmocka.h>

#define TEST_ROW(name)  name, __LINE__


static int
test_buf_setup(void **state)
{
    *state = sl_pool_create(1024);
    return *state == NULL ? -1 : 0;
}


static int
test_buf_teardown(void **state)
{
    sl_pool_destroy(*state);
    return 0;
}


static void
test_buf_check_clean_flags(const sl_buf_t *b)
{
    assert_int_equal(b->memory, 0);
    assert_int_equal(b->in_file, 0);
    assert_int_equal(b->last_buf, 0);
    assert_int_equal(b->flush, 0);
    assert_int_equal(b->fd, -1);
    assert_int_equal(b->file_pos, 0);
    assert_int_equal(b->file_last, 0);
    assert_null(b->tag);
}


static void
test_buf_create_temp_gives_empty_writable_buffer(void **state)
{
    static const size_t  sizes[] = { 1, 16, 100, 1000, 4096, 65536 };
    sl_pool_t           *pool = *state;
    sl_buf_t            *b;
    size_t               i;

    for (i = 0; i < sl_nelem(sizes); i++) {
        b = sl_buf_create_temp(pool, sizes[i]);
        assert_non_null(b);
        assert_non_null(b->start);
        assert_ptr_equal(b->pos, b->start);
        assert_ptr_equal(b->last, b->start);
        assert_ptr_equal(b->end, b->start + sizes[i]);
        assert_int_equal(b->temporary, 1);
        assert_true(sl_buf_in_memory(b));
        assert_int_equal(sl_buf_size(b), 0);
        test_buf_check_clean_flags(b);

        /* The whole [start, end) is ours (ASan checks the bounds). */
        memset(b->start, 'a', sizes[i]);
        b->last = b->end;
        assert_int_equal(sl_buf_size(b), (off_t) sizes[i]);
    }
}


static void
test_buf_create_temp_buffers_do_not_overlap(void **state)
{
    sl_pool_t  *pool = *state;
    sl_buf_t   *a, *b;

    a = sl_buf_create_temp(pool, 100);
    b = sl_buf_create_temp(pool, 100);
    assert_non_null(a);
    assert_non_null(b);
    memset(a->start, 'a', 100);
    memset(b->start, 'b', 100);
    assert_true(a->end <= b->start || b->end <= a->start);
    assert_int_equal(a->start[99], 'a');
    assert_int_equal(a->start[0], 'a');
    assert_int_equal(b->fd, -1);
}


static void
test_buf_malloc_gives_empty_writable_buffer_in_one_block(void **state)
{
    static const size_t  sizes[] = { 0, 1, 16, 4096, 65536 };
    sl_buf_t            *b;
    size_t               i;

    (void) state;
    for (i = 0; i < sl_nelem(sizes); i++) {
        b = sl_buf_malloc(sizes[i]);
        assert_non_null(b);
        assert_ptr_equal(b->start, (u_char *) (b + 1));
        assert_ptr_equal(b->pos, b->start);
        assert_ptr_equal(b->last, b->start);
        assert_ptr_equal(b->end, b->start + sizes[i]);
        assert_int_equal(b->temporary, 1);
        assert_int_equal(sl_buf_size(b), 0);
        test_buf_check_clean_flags(b);
        memset(b->start, 'a', sizes[i]);   /* ASan checks the bounds */
        free(b);                           /* one free for both */
    }
    assert_null(sl_buf_malloc(SIZE_MAX));
}


static void
test_buf_calloc_gives_zeroed_header_without_memory(void **state)
{
    sl_pool_t  *pool = *state;
    sl_buf_t   *b;

    b = sl_buf_calloc(pool);
    assert_non_null(b);
    assert_null(b->start);
    assert_null(b->pos);
    assert_null(b->last);
    assert_null(b->end);
    assert_int_equal(b->temporary, 0);
    assert_false(sl_buf_in_memory(b));
    test_buf_check_clean_flags(b);
}


static void
test_buf_chain_alloc_links_buffer_with_no_next(void **state)
{
    sl_pool_t   *pool = *state;
    sl_buf_t    *b;
    sl_chain_t  *cl;

    b = sl_buf_calloc(pool);
    assert_non_null(b);
    cl = sl_chain_alloc(pool, b);
    assert_non_null(cl);
    assert_ptr_equal(cl->buf, b);
    assert_null(cl->next);
}


typedef struct {
    int      in_file;
    size_t   mem;         /* bytes between pos and last */
    off_t    file_pos;
    off_t    file_last;
} test_buf_part_t;

typedef struct {
    const char       *name;
    int               line;
    test_buf_part_t   parts[4];
    size_t            nparts;
    off_t             want;
} test_buf_chain_row_t;

static const test_buf_chain_row_t  test_buf_chain_rows[] = {
    { TEST_ROW("one memory buffer"), { { 0, 10, 0, 0 } }, 1, 10 },
    { TEST_ROW("empty memory buffer"), { { 0, 0, 0, 0 } }, 1, 0 },
    { TEST_ROW("several memory buffers"),
      { { 0, 10, 0, 0 }, { 0, 0, 0, 0 }, { 0, 300, 0, 0 } }, 3, 310 },
    { TEST_ROW("one file range"), { { 1, 0, 100, 250 } }, 1, 150 },
    { TEST_ROW("file range ignores memory pointers"),
      { { 1, 50, 0, 7 } }, 1, 7 },
    { TEST_ROW("memory ignores file offsets"),
      { { 0, 5, 100, 900 } }, 1, 5 },
    { TEST_ROW("header, file, trailer"),
      { { 0, 120, 0, 0 }, { 1, 0, 0, 4096 }, { 0, 2, 0, 0 } }, 3, 4218 },
    { TEST_ROW("file range past 4 GiB"),
      { { 1, 0, INT64_C(5000000000), INT64_C(11000000000) },
        { 0, 1, 0, 0 } }, 2, INT64_C(6000000001) },
    { TEST_ROW("two file ranges"),
      { { 1, 0, 0, 10 }, { 1, 0, 10, 30 } }, 2, 30 },
};


/* Builds the row's chain in pool; memory buffers start 3 bytes in. */
static sl_chain_t *
test_buf_build_chain(sl_pool_t *pool, const test_buf_chain_row_t *r)
{
    sl_chain_t  *head, **next;
    sl_buf_t    *b;
    size_t       i;

    head = NULL;
    next = &head;
    for (i = 0; i < r->nparts; i++) {
        b = sl_buf_create_temp(pool, r->parts[i].mem + 8);
        assert_non_null(b);
        b->pos = b->start + 3;
        b->last = b->pos + r->parts[i].mem;
        if (r->parts[i].in_file) {
            b->in_file = 1;
            b->temporary = 0;
            b->fd = 99;
            b->file_pos = r->parts[i].file_pos;
            b->file_last = r->parts[i].file_last;
        } else {
            b->file_pos = r->parts[i].file_pos;
            b->file_last = r->parts[i].file_last;
        }
        *next = sl_chain_alloc(pool, b);
        assert_non_null(*next);
        next = &(*next)->next;
    }
    return head;
}


static void
test_buf_chain_size_adds_memory_and_file_buffers(void **state)
{
    const test_buf_chain_row_t  *r;
    sl_pool_t                   *pool = *state;
    sl_chain_t                  *cl;
    size_t                       i;
    off_t                        got;

    for (i = 0; i < sl_nelem(test_buf_chain_rows); i++) {
        r = &test_buf_chain_rows[i];
        cl = test_buf_build_chain(pool, r);
        got = sl_chain_size(cl);
        if (got != r->want) {
            fail_msg("row \"%s\" (line %d): size %lld, expected %lld",
                     r->name, r->line, (long long) got, (long long) r->want);
        }
    }
}


static void
test_buf_chain_size_of_empty_chain_is_zero(void **state)
{
    (void) state;
    assert_int_equal(sl_chain_size(NULL), 0);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_buf_create_temp_gives_empty_writable_buffer,
            test_buf_setup, test_buf_teardown),
        cmocka_unit_test_setup_teardown(
            test_buf_create_temp_buffers_do_not_overlap,
            test_buf_setup, test_buf_teardown),
        cmocka_unit_test(
            test_buf_malloc_gives_empty_writable_buffer_in_one_block),
        cmocka_unit_test_setup_teardown(
            test_buf_calloc_gives_zeroed_header_without_memory,
            test_buf_setup, test_buf_teardown),
        cmocka_unit_test_setup_teardown(
            test_buf_chain_alloc_links_buffer_with_no_next,
            test_buf_setup, test_buf_teardown),
        cmocka_unit_test_setup_teardown(
            test_buf_chain_size_adds_memory_and_file_buffers,
            test_buf_setup, test_buf_teardown),
        cmocka_unit_test(test_buf_chain_size_of_empty_chain_is_zero),
    };

    return cmocka_run_group_tests_name("core/buf", tests, NULL, NULL);
}
