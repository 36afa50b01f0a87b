/*
 * test_pool.c: unit tests of the memory pool (core layer, sl_pool.c).
 * They run in both pool modes: the block allocator of a normal build and
 * SL_POOL_DEBUG (the sanitizer build), where every allocation is its own
 * malloc. A test that looks at the block layout says which mode it checks;
 * in a sanitizer build LeakSanitizer checks at exit that destroy freed all.
 */
#include "sl_core.h"

#include <setjmp.h>
#include <sys/wait.h>
#include <cmocka.h>

#define TEST_POOL_SIZE  1024

/*
 * Bytes of memory the pool holds from malloc: its blocks and the large
 * allocations not freed early. (In an SL_POOL_DEBUG build every small
 * allocation is large.)
 */
static size_t
test_pool_footprint(const sl_pool_t *pool)
{
    const sl_pool_block_t  *b;
    const sl_pool_large_t  *l;
    size_t                  n;

    n = pool->block_size;
    for (b = pool->first.next; b; b = b->next) {
        n += pool->block_size;
    }
    for (l = pool->large; l; l = l->next) {
        if (l->alloc) {
            n += l->size;
        }
    }
    return n;
}


/* What the cleanup handlers saw, in the order they ran. */
static int  test_pool_ran[16];
static int  test_pool_nran;


static void
test_pool_record_cleanup(void *data)
{
    if (test_pool_nran < (int) sl_nelem(test_pool_ran)) {
        test_pool_ran[test_pool_nran] = *(int *) data;
    }
    test_pool_nran++;
}


static int
test_pool_setup(void **state)
{
    sl_pool_t  *pool;

    test_pool_nran = 0;
    pool = sl_pool_create(TEST_POOL_SIZE);
    if (pool == NULL) {
        return -1;
    }
    *state = pool;
    return 0;
}


static int
test_pool_teardown(void **state)
{
    sl_pool_destroy(*state);
    return 0;
}


#ifndef SL_POOL_DEBUG

/* Number of blocks in the pool, the first one included. */
static size_t
test_pool_nblocks(const sl_pool_t *pool)
{
    const sl_pool_block_t  *b;
    size_t                  n;

    n = 0;
    for (b = &pool->first; b; b = b->next) {
        n++;
    }
    return n;
}

#endif


/* Runs fn in a child process and returns its wait status. */
static int
test_pool_in_child(int (*fn)(void), int quiet)
{
    pid_t  pid;
    int    status, fd;

    pid = fork();
    assert_int_not_equal(pid, -1);
    if (pid == 0) {
        if (quiet) {
            fd = open("/dev/null", O_WRONLY);
            if (fd != -1) {
                (void) dup2(fd, STDERR_FILENO);
            }
        }
        _exit(fn());
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}


static void
test_pool_create_rounds_size_up_to_minimum_and_alignment(void **state)
{
    sl_pool_t  *pool;

    (void) state;
    pool = sl_pool_create(1);
    assert_non_null(pool);
    assert_int_equal(pool->block_size, SL_POOL_MIN_SIZE);
    assert_int_equal(test_pool_footprint(pool), SL_POOL_MIN_SIZE);
    sl_pool_destroy(pool);

    pool = sl_pool_create(SL_POOL_MIN_SIZE + 1);
    assert_non_null(pool);
    assert_int_equal(pool->block_size,
                     sl_align(SL_POOL_MIN_SIZE + 1, SL_POOL_ALIGNMENT));
    assert_true(pool->max_small < pool->block_size);
    sl_pool_destroy(pool);
}


static void
test_pool_palloc_aligns_every_small_allocation(void **state)
{
    static const size_t  sizes[] = { 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100 };
    sl_pool_t           *pool = *state;
    u_char              *p;
    size_t               i, round;

    for (round = 0; round < 20; round++) {
        for (i = 0; i < sl_nelem(sizes); i++) {
            /* An odd unaligned allocation first leaves the bump pointer
             * misaligned, so the next aligned one has to fix it up. */
            assert_non_null(sl_pnalloc(pool, 1 + i % 3));

            p = sl_palloc(pool, sizes[i]);
            assert_non_null(p);
            if ((uintptr_t) p % SL_POOL_ALIGNMENT != 0) {
                fail_msg("palloc(%zu) in round %zu returned %p, not aligned "
                         "to %d", sizes[i], round, (void *) p,
                         SL_POOL_ALIGNMENT);
            }
            memset(p, 0x5a, sizes[i]);

            p = sl_pcalloc(pool, sizes[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t) p % SL_POOL_ALIGNMENT, 0);
        }
    }
}


static void
test_pool_pnalloc_does_not_align(void **state)
{
#ifdef SL_POOL_DEBUG
    (void) state;
    skip();    /* debug pools make every allocation its own malloc */
#else
    sl_pool_t  *pool = *state;
    u_char     *a, *b, *c;

    a = sl_pnalloc(pool, 3);
    b = sl_pnalloc(pool, 1);
    c = sl_pnalloc(pool, 5);
    assert_non_null(a);
    assert_ptr_equal(b, a + 3);
    assert_ptr_equal(c, b + 1);
    assert_int_not_equal((uintptr_t) c % SL_POOL_ALIGNMENT, 0);
#endif
}


static void
test_pool_many_allocations_span_blocks_without_overlap(void **state)
{
    sl_pool_t  *pool = *state;
    u_char     *p[500];
    size_t      i, j, size, total;

    total = 0;
    for (i = 0; i < sl_nelem(p); i++) {
        size = 1 + i % 97;
        p[i] = (i % 2) ? sl_palloc(pool, size) : sl_pnalloc(pool, size);
        assert_non_null(p[i]);
        memset(p[i], (int) (i & 0xff), size);
        total += size;
    }

    /* Every allocation still holds its own pattern: nothing overlapped. */
    for (i = 0; i < sl_nelem(p); i++) {
        for (j = 0; j < 1 + i % 97; j++) {
            if (p[i][j] != (u_char) (i & 0xff)) {
                fail_msg("allocation %zu byte %zu was overwritten", i, j);
            }
        }
    }

    assert_true(test_pool_footprint(pool) >= total);
#ifndef SL_POOL_DEBUG
    assert_true(test_pool_nblocks(pool) >= total / TEST_POOL_SIZE + 1);
    assert_true(test_pool_nblocks(pool) >= 3);
#endif
}


static void
test_pool_allocation_of_max_small_is_served_whole(void **state)
{
    sl_pool_t  *pool = *state;
    u_char     *p, *q;

    p = sl_palloc(pool, pool->max_small);
    assert_non_null(p);
    memset(p, 0xa5, pool->max_small);
    q = sl_pnalloc(pool, pool->max_small);
    assert_non_null(q);
    memset(q, 0x5a, pool->max_small);
    assert_int_equal(p[pool->max_small - 1], 0xa5);
#ifndef SL_POOL_DEBUG
    /* Small, so they live in blocks and cannot be freed early. */
    assert_int_equal(sl_pfree(pool, p), SL_DECLINED);
    assert_null(pool->large);
#endif
}


static void
test_pool_large_allocation_is_freed_early_by_pfree(void **state)
{
    sl_pool_t  *pool = *state;
    size_t      before, size;
    u_char     *p;

    size = pool->max_small + 1;
    before = test_pool_footprint(pool);
    p = sl_palloc(pool, size);
    assert_non_null(p);
    assert_int_equal((uintptr_t) p % SL_POOL_ALIGNMENT, 0);
    memset(p, 0x11, size);
    assert_non_null(pool->large);
    assert_int_equal(test_pool_footprint(pool), before + size);

#ifndef SL_POOL_DEBUG
    /* Not carved from the first block. */
    assert_true(p < (u_char *) pool || p >= (u_char *) pool + pool->block_size);
#endif

    assert_int_equal(sl_pfree(pool, p), SL_OK);
    assert_int_equal(test_pool_footprint(pool), before);
}


static void
test_pool_pfree_declines_small_allocation(void **state)
{
    sl_pool_t  *pool = *state;
    u_char     *p;

    p = sl_palloc(pool, 32);
    assert_non_null(p);
#ifdef SL_POOL_DEBUG
    /* Debug pools make every allocation large, so it can be freed. */
    assert_int_equal(sl_pfree(pool, p), SL_OK);
#else
    assert_int_equal(sl_pfree(pool, p), SL_DECLINED);
    p[31] = 1;   /* still ours until destroy */
#endif
}


static void
test_pool_pfree_declines_foreign_and_already_freed_pointers(void **state)
{
    sl_pool_t  *pool = *state, *other;
    u_char     *mine, *theirs, local;

    other = sl_pool_create(TEST_POOL_SIZE);
    assert_non_null(other);
    theirs = sl_palloc(other, other->max_small + 10);
    assert_non_null(theirs);
    mine = sl_palloc(pool, pool->max_small + 10);
    assert_non_null(mine);

    assert_int_equal(sl_pfree(pool, theirs), SL_DECLINED);
    assert_int_equal(sl_pfree(pool, &local), SL_DECLINED);
    assert_int_equal(sl_pfree(pool, mine), SL_OK);
    assert_int_equal(sl_pfree(pool, mine), SL_DECLINED);

    sl_pool_destroy(other);
}


static void
test_pool_freed_large_record_is_reused(void **state)
{
    sl_pool_t        *pool = *state;
    sl_pool_large_t  *record;
    size_t            before, size;
    u_char           *p, *q;

    size = pool->max_small + 100;
    p = sl_palloc(pool, size);
    assert_non_null(p);
    record = pool->large;
    assert_non_null(record);
#ifndef SL_POOL_DEBUG
    before = (size_t) (pool->first.last - (u_char *) pool);
#endif

    assert_int_equal(sl_pfree(pool, p), SL_OK);
    q = sl_pnalloc(pool, 2 * size);
    assert_non_null(q);
    memset(q, 0x22, 2 * size);

    /* The freed record took the new memory: no record was added. */
    assert_ptr_equal(pool->large, record);
#ifndef SL_POOL_DEBUG
    assert_int_equal((size_t) (pool->first.last - (u_char *) pool), before);
#else
    (void) before;
#endif
    assert_int_equal(test_pool_footprint(pool), pool->block_size + 2 * size);
    assert_int_equal(sl_pfree(pool, q), SL_OK);
}


static void
test_pool_cleanups_run_at_destroy_in_reverse_order(void **state)
{
    sl_pool_t  *pool;
    int         ids[5];
    int         i;

    (void) state;
    test_pool_nran = 0;
    pool = sl_pool_create(TEST_POOL_SIZE);
    assert_non_null(pool);
    for (i = 0; i < 5; i++) {
        ids[i] = i + 1;
        assert_non_null(sl_pool_cleanup_add(pool, test_pool_record_cleanup,
                                            &ids[i]));
    }
    assert_int_equal(test_pool_nran, 0);

    sl_pool_destroy(pool);
    assert_int_equal(test_pool_nran, 5);
    for (i = 0; i < 5; i++) {
        assert_int_equal(test_pool_ran[i], 5 - i);
    }
}


static void
test_pool_cleanup_with_null_handler_is_skipped(void **state)
{
    sl_pool_cleanup_t  *c[3];
    sl_pool_t          *pool;
    int                 ids[3] = { 1, 2, 3 };
    int                 i;

    (void) state;
    test_pool_nran = 0;
    pool = sl_pool_create(TEST_POOL_SIZE);
    assert_non_null(pool);
    for (i = 0; i < 3; i++) {
        c[i] = sl_pool_cleanup_add(pool, test_pool_record_cleanup, &ids[i]);
        assert_non_null(c[i]);
        assert_ptr_equal(c[i]->data, &ids[i]);
    }
    c[1]->handler = NULL;

    sl_pool_destroy(pool);
    assert_int_equal(test_pool_nran, 2);
    assert_int_equal(test_pool_ran[0], 3);
    assert_int_equal(test_pool_ran[1], 1);
}


static void
test_pool_cleanup_runs_while_pool_memory_is_alive(void **state)
{
    sl_pool_t  *pool;
    int        *small, *large;

    (void) state;
    test_pool_nran = 0;
    pool = sl_pool_create(TEST_POOL_SIZE);
    assert_non_null(pool);

    /* The handlers read pool memory: ASan would catch a use after free. */
    small = sl_palloc(pool, sizeof(int));
    large = sl_palloc(pool, pool->max_small + sizeof(int));
    assert_non_null(small);
    assert_non_null(large);
    *small = 41;
    *large = 42;
    assert_non_null(sl_pool_cleanup_add(pool, test_pool_record_cleanup, small));
    assert_non_null(sl_pool_cleanup_add(pool, test_pool_record_cleanup, large));

    sl_pool_destroy(pool);
    assert_int_equal(test_pool_nran, 2);
    assert_int_equal(test_pool_ran[0], 42);
    assert_int_equal(test_pool_ran[1], 41);
}


static void
test_pool_pcalloc_zeroes_reused_memory(void **state)
{
    sl_pool_t  *pool;
    u_char     *p;
    size_t      size, i, k;

    (void) state;
    /* Dirty memory, free it, and allocate the same sizes again: malloc
     * tends to hand the same chunks back (and ASan fills new memory with
     * 0xbe), so a pcalloc that did not zero would show it. */
    for (k = 0; k < 2; k++) {
        pool = sl_pool_create(TEST_POOL_SIZE);
        assert_non_null(pool);
        size = pool->max_small / 2;
        p = k ? sl_pcalloc(pool, size) : sl_palloc(pool, size);
        assert_non_null(p);
        for (i = 0; k && i < size; i++) {
            if (p[i] != 0) {
                fail_msg("small pcalloc byte %zu is 0x%02x", i, p[i]);
            }
        }
        memset(p, 0xff, size);

        size = pool->max_small * 3;
        p = k ? sl_pcalloc(pool, size) : sl_palloc(pool, size);
        assert_non_null(p);
        for (i = 0; k && i < size; i++) {
            if (p[i] != 0) {
                fail_msg("large pcalloc byte %zu is 0x%02x", i, p[i]);
            }
        }
        memset(p, 0xff, size);
        sl_pool_destroy(pool);
    }
}


static void
test_pool_footprint_grows_with_blocks_and_large_allocations(void **state)
{
    sl_pool_t  *pool = *state;
    size_t      start, prev, now;
    int         i;

    start = test_pool_footprint(pool);
    assert_int_equal(start, pool->block_size);

    prev = start;
    for (i = 0; i < 100; i++) {
        assert_non_null(sl_palloc(pool, 100));
        now = test_pool_footprint(pool);
        assert_true(now >= prev);
        prev = now;
    }
    assert_true(prev >= start + 100 * 100 - pool->block_size);
#ifndef SL_POOL_DEBUG
    assert_int_equal(prev, test_pool_nblocks(pool) * pool->block_size);
#endif

    assert_non_null(sl_palloc(pool, 100000));
    assert_int_equal(test_pool_footprint(pool), prev + 100000);
}


static void
test_pool_block_that_keeps_failing_is_skipped(void **state)
{
#ifdef SL_POOL_DEBUG
    (void) state;
    skip();    /* debug pools have no blocks to skip */
#else
    sl_pool_t  *pool = *state;
    u_char     *p;
    int         i;

    /* Leave the first block with a little room, then ask for more than
     * that room several times: after enough misses it is skipped, even
     * for requests it could still serve. */
    assert_non_null(sl_palloc(pool, (size_t) (pool->first.end
                                              - pool->first.last) - 64));
    for (i = 0; i < 8; i++) {
        assert_non_null(sl_palloc(pool, pool->max_small));
    }
    assert_ptr_not_equal(pool->current, &pool->first);

    p = sl_palloc(pool, 16);
    assert_non_null(p);
    assert_true(p < (u_char *) pool || p >= pool->first.end);
#endif
}


static void
test_pool_destroy_null_is_harmless(void **state)
{
    (void) state;
    sl_pool_destroy(NULL);
}


static void
test_pool_destroy_releases_every_kind_of_memory(void **state)
{
    sl_pool_t  *pool;
    u_char     *p;
    int         i, id = 7;

    (void) state;
    /* LeakSanitizer (sanitizer build) fails the program if any of this
     * outlives the destroy. */
    test_pool_nran = 0;
    pool = sl_pool_create(SL_POOL_MIN_SIZE);
    assert_non_null(pool);
    for (i = 0; i < 50; i++) {
        assert_non_null(sl_palloc(pool, 50));
        assert_non_null(sl_pnalloc(pool, 7));
        p = sl_palloc(pool, 1000 + (size_t) i);
        assert_non_null(p);
        if (i % 3 == 0) {
            assert_int_equal(sl_pfree(pool, p), SL_OK);
        }
    }
    assert_non_null(sl_pool_cleanup_add(pool, test_pool_record_cleanup, &id));
    sl_pool_destroy(pool);
    assert_int_equal(test_pool_nran, 1);
}


static void
test_pool_palloc_of_overflowing_size_returns_null(void **state)
{
    sl_pool_t  *pool = *state;

    /* Rounding SIZE_MAX up to the alignment wraps to 0: the pool must
     * not hand out a tiny block as if it held SIZE_MAX bytes. */
    assert_null(sl_palloc(pool, SIZE_MAX));
    assert_null(sl_pnalloc(pool, SIZE_MAX - 3));
}


static int
test_pool_child_create_huge(void)
{
    sl_pool_t  *pool;

    pool = sl_pool_create(SIZE_MAX - 7);
    return pool == NULL ? 0 : 1;
}


static void
test_pool_create_of_overflowing_size_returns_null(void **state)
{
    int  status;

    (void) state;
    /* In a child: a wrapped size makes create write its header into a
     * tiny allocation, which corrupts the heap. */
    status = test_pool_in_child(test_pool_child_create_huge, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail_msg("sl_pool_create(SIZE_MAX - 7) did not return NULL "
                 "(child status 0x%x)", (unsigned) status);
    }
}


#if defined(SL_POOL_DEBUG) && defined(SL_HAVE_SANITIZERS)

static size_t  test_pool_overrun_size;
static int     test_pool_overrun_aligned;

static int
test_pool_child_overrun(void)
{
    sl_pool_t        *pool;
    volatile u_char  *p;

    pool = sl_pool_create(TEST_POOL_SIZE);
    if (pool == NULL) {
        return 2;
    }
    p = test_pool_overrun_aligned ? sl_palloc(pool, test_pool_overrun_size)
                                  : sl_pnalloc(pool, test_pool_overrun_size);
    if (p == NULL) {
        return 2;
    }
    p[test_pool_overrun_size] = 1;   /* one byte past the end */
    return 0;
}


static void
test_pool_debug_overrun_by_one_byte_is_caught(void **state)
{
    static const size_t  sizes[] = { 1, 3, 5, 13, 17, 100 };
    size_t               i;
    int                  status;

    (void) state;
    /* sl_pool.h promises that debug pools let ASan see exact bounds. */
    for (i = 0; i < 2 * sl_nelem(sizes); i++) {
        test_pool_overrun_size = sizes[i / 2];
        test_pool_overrun_aligned = (int) (i % 2);
        status = test_pool_in_child(test_pool_child_overrun, 1);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            fail_msg("%s(%zu): writing byte %zu went unnoticed by ASan",
                     test_pool_overrun_aligned ? "palloc" : "pnalloc",
                     test_pool_overrun_size, test_pool_overrun_size);
        }
    }
}

#endif


static void
test_pool_reset_runs_cleanups_and_starts_over(void **state)
{
    sl_pool_t  *pool;
    void       *first, *again;
    int         id, i;

    pool = *state;
    id = 7;
    first = sl_palloc(pool, 32);
    assert_non_null(first);
    for (i = 0; i < 64; i++) {
        assert_non_null(sl_palloc(pool, 100));
    }
    assert_non_null(sl_palloc(pool, TEST_POOL_SIZE * 4));
    assert_non_null(sl_pool_cleanup_add(pool, test_pool_record_cleanup, &id));
    assert_true(test_pool_footprint(pool) > pool->block_size * 2);

    sl_pool_reset(pool);
    assert_int_equal(test_pool_nran, 1);
    assert_int_equal(test_pool_ran[0], 7);
    assert_int_equal(test_pool_footprint(pool), pool->block_size);
    assert_null(pool->large);
    assert_null(pool->cleanup);
    again = sl_palloc(pool, 32);
    assert_non_null(again);
#ifndef SL_POOL_DEBUG
    /* The first block serves again from its start. */
    assert_ptr_equal(again, first);
    assert_int_equal(test_pool_nblocks(pool), 1);
#endif
    /* The cleanup ran once: destroy (the teardown) must not run it. */
    sl_pool_destroy(pool);
    *state = sl_pool_create(TEST_POOL_SIZE);
    assert_int_equal(test_pool_nran, 1);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(
            test_pool_create_rounds_size_up_to_minimum_and_alignment),
        cmocka_unit_test_setup_teardown(
            test_pool_palloc_aligns_every_small_allocation,
            test_pool_setup, test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_pool_pnalloc_does_not_align,
            test_pool_setup, test_pool_teardown),
        cmocka_unit_test_setup_teardown(
            test_pool_many_allocations_span_blocks_without_overlap,
            test_pool_setup, test_pool_teardown),
        cmocka_unit_test_setup_teardown(
            test_pool_allocation_of_max_small_is_served_whole,
            test_pool_setup, test_pool_teardown),
        cmocka_unit_test_setup_teardown(
            test_pool_large_allocation_is_freed_early_by_pfree,
            test_pool_setup, test_pool_teardown),
        cmocka_unit_test_setup_teardown(
            test_pool_pfree_declines_small_allocation,
            test_pool_setup, test_pool_teardown),
        cmocka_unit_test_setup_teardown(
            test_pool_pfree_declines_foreign_and_already_freed_pointers,
            test_pool_setup, test_pool_teardown),
        cmocka_unit_test_setup_teardown(
            test_pool_freed_large_record_is_reused,
            test_pool_setup, test_pool_teardown),
        cmocka_unit_test(test_pool_cleanups_run_at_destroy_in_reverse_order),
        cmocka_unit_test(test_pool_cleanup_with_null_handler_is_skipped),
        cmocka_unit_test(test_pool_cleanup_runs_while_pool_memory_is_alive),
        cmocka_unit_test(test_pool_pcalloc_zeroes_reused_memory),
        cmocka_unit_test_setup_teardown(
            test_pool_footprint_grows_with_blocks_and_large_allocations,
            test_pool_setup, test_pool_teardown),
        cmocka_unit_test_setup_teardown(
            test_pool_block_that_keeps_failing_is_skipped,
            test_pool_setup, test_pool_teardown),
        cmocka_unit_test(test_pool_destroy_null_is_harmless),
        cmocka_unit_test_setup_teardown(
            test_pool_reset_runs_cleanups_and_starts_over,
            test_pool_setup, test_pool_teardown),
        cmocka_unit_test(test_pool_destroy_releases_every_kind_of_memory),
        cmocka_unit_test_setup_teardown(
            test_pool_palloc_of_overflowing_size_returns_null,
            test_pool_setup, test_pool_teardown),
        cmocka_unit_test(test_pool_create_of_overflowing_size_returns_null),
#if defined(SL_POOL_DEBUG) && defined(SL_HAVE_SANITIZERS)
        cmocka_unit_test(test_pool_debug_overrun_by_one_byte_is_caught),
#endif
    };

    return cmocka_run_group_tests_name("core/pool", tests, NULL, NULL);
}
