/*
 * test_queue.c: unit tests of the intrusive queue (core layer,
 * sl_queue.h): insert order at head and tail, removal, emptiness, and the
 * promise that removing a node twice is harmless.
 */
#include "sl_core.h"

#include <setjmp.h>
#include <cmocka.h>

typedef struct {
    int          id;
    sl_queue_t   link;
    int          after;   /* guards the bytes after the link */
} test_queue_item_t;


/*
 * Writes the ids of the queue into ids, front to back, checks that the
 * back links mirror the forward ones, and returns the count.
 */
static size_t
test_queue_ids(sl_queue_t *h, int *ids, size_t max)
{
    sl_queue_t  *q;
    size_t       n;

    n = 0;
    for (q = sl_queue_head(h); q != sl_queue_sentinel(h);
         q = sl_queue_next(q))
    {
        assert_true(n < max);
        assert_ptr_equal(q->next->prev, q);
        assert_ptr_equal(q->prev->next, q);
        ids[n++] = sl_queue_data(q, test_queue_item_t, link)->id;
    }
    return n;
}


/* Asserts the queue holds exactly want[0..n), also walking backwards. */
static void
test_queue_expect(sl_queue_t *h, const int *want, size_t n)
{
    sl_queue_t  *q;
    int          ids[16];
    size_t       got, i;

    got = test_queue_ids(h, ids, sl_nelem(ids));
    assert_int_equal(got, n);
    for (i = 0; i < n; i++) {
        if (ids[i] != want[i]) {
            fail_msg("position %zu holds %d, expected %d", i, ids[i],
                     want[i]);
        }
    }
    i = n;
    for (q = sl_queue_last(h); q != sl_queue_sentinel(h); q = q->prev) {
        assert_true(i > 0);
        i--;
        assert_int_equal(sl_queue_data(q, test_queue_item_t, link)->id,
                         want[i]);
    }
    assert_int_equal(i, 0);
    assert_int_equal(sl_queue_empty(h), n == 0);
}


static void
test_queue_init_makes_empty_queue(void **state)
{
    sl_queue_t  h;

    (void) state;
    sl_queue_init(&h);
    assert_true(sl_queue_empty(&h));
    assert_ptr_equal(sl_queue_head(&h), &h);
    assert_ptr_equal(sl_queue_last(&h), &h);
    test_queue_expect(&h, NULL, 0);
}


static void
test_queue_insert_tail_keeps_arrival_order(void **state)
{
    static const int    want[] = { 1, 2, 3, 4 };
    test_queue_item_t   it[4];
    sl_queue_t          h;
    int                 i;

    (void) state;
    sl_queue_init(&h);
    for (i = 0; i < 4; i++) {
        it[i].id = i + 1;
        sl_queue_insert_tail(&h, &it[i].link);
        assert_false(sl_queue_empty(&h));
        assert_ptr_equal(sl_queue_last(&h), &it[i].link);
    }
    assert_ptr_equal(sl_queue_head(&h), &it[0].link);
    test_queue_expect(&h, want, 4);
}


static void
test_queue_insert_head_reverses_arrival_order(void **state)
{
    static const int    want[] = { 4, 3, 2, 1 };
    test_queue_item_t   it[4];
    sl_queue_t          h;
    int                 i;

    (void) state;
    sl_queue_init(&h);
    for (i = 0; i < 4; i++) {
        it[i].id = i + 1;
        sl_queue_insert_head(&h, &it[i].link);
        assert_ptr_equal(sl_queue_head(&h), &it[i].link);
    }
    assert_ptr_equal(sl_queue_last(&h), &it[0].link);
    test_queue_expect(&h, want, 4);
}


static void
test_queue_mixed_inserts_place_head_and_tail(void **state)
{
    static const int    want[] = { 3, 1, 2, 4 };
    test_queue_item_t   it[4];
    sl_queue_t          h;
    int                 i;

    (void) state;
    sl_queue_init(&h);
    for (i = 0; i < 4; i++) {
        it[i].id = i + 1;
    }
    sl_queue_insert_tail(&h, &it[0].link);
    sl_queue_insert_tail(&h, &it[1].link);
    sl_queue_insert_head(&h, &it[2].link);
    sl_queue_insert_tail(&h, &it[3].link);
    test_queue_expect(&h, want, 4);
}


static void
test_queue_remove_unlinks_head_middle_and_tail(void **state)
{
    static const int    after_middle[] = { 1, 2, 4, 5 };
    static const int    after_head[] = { 2, 4, 5 };
    static const int    after_tail[] = { 2, 4 };
    test_queue_item_t   it[5];
    sl_queue_t          h;
    int                 i;

    (void) state;
    sl_queue_init(&h);
    for (i = 0; i < 5; i++) {
        it[i].id = i + 1;
        it[i].after = 0x5a5a;
        sl_queue_insert_tail(&h, &it[i].link);
    }

    sl_queue_remove(&it[2].link);
    test_queue_expect(&h, after_middle, 4);
    sl_queue_remove(&it[0].link);
    test_queue_expect(&h, after_head, 3);
    sl_queue_remove(&it[4].link);
    test_queue_expect(&h, after_tail, 2);

    /* A removed node is left linked to itself. */
    assert_ptr_equal(it[2].link.next, &it[2].link);
    assert_ptr_equal(it[2].link.prev, &it[2].link);
    assert_int_equal(it[2].after, 0x5a5a);
}


static void
test_queue_removing_every_node_empties_queue(void **state)
{
    test_queue_item_t  it[3];
    sl_queue_t         h, *q;
    int                i;

    (void) state;
    sl_queue_init(&h);
    for (i = 0; i < 3; i++) {
        it[i].id = i;
        sl_queue_insert_tail(&h, &it[i].link);
    }
    for (i = 0; i < 3; i++) {
        assert_false(sl_queue_empty(&h));
        q = sl_queue_head(&h);
        sl_queue_remove(q);
        assert_ptr_equal(q, &it[i].link);
    }
    assert_true(sl_queue_empty(&h));
    assert_ptr_equal(h.next, &h);
    assert_ptr_equal(h.prev, &h);
    test_queue_expect(&h, NULL, 0);
}


static void
test_queue_remove_of_head_expression_unlinks_head(void **state)
{
    static const int    want[] = { 2, 3 };
    test_queue_item_t   it[3];
    sl_queue_t          h;
    int                 i;

    (void) state;
    /* sl_queue_remove(sl_queue_head(&h)) is the natural way to pop the
     * front; the macro must not re-read h.next after changing it. */
    sl_queue_init(&h);
    for (i = 0; i < 3; i++) {
        it[i].id = i + 1;
        sl_queue_insert_tail(&h, &it[i].link);
    }
    sl_queue_remove(sl_queue_head(&h));
    assert_ptr_equal(it[0].link.next, &it[0].link);
    assert_ptr_equal(it[0].link.prev, &it[0].link);
    assert_ptr_equal(it[1].link.prev, &h);
    assert_ptr_equal(it[1].link.next, &it[2].link);
    test_queue_expect(&h, want, 2);
}


static void
test_queue_remove_of_last_expression_unlinks_tail(void **state)
{
    static const int    want[] = { 1, 2 };
    test_queue_item_t   it[3];
    sl_queue_t          h;
    int                 i;

    (void) state;
    sl_queue_init(&h);
    for (i = 0; i < 3; i++) {
        it[i].id = i + 1;
        sl_queue_insert_tail(&h, &it[i].link);
    }
    sl_queue_remove(sl_queue_last(&h));
    assert_ptr_equal(it[2].link.next, &it[2].link);
    assert_ptr_equal(it[2].link.prev, &it[2].link);
    assert_ptr_equal(h.prev, &it[1].link);
    assert_ptr_equal(it[1].link.next, &h);
    test_queue_expect(&h, want, 2);
}


static void
test_queue_double_remove_is_harmless(void **state)
{
    static const int    want[] = { 1, 3 };
    static const int    only_two[] = { 2 };
    test_queue_item_t   it[3];
    sl_queue_t          h, other;
    int                 i;

    (void) state;
    sl_queue_init(&h);
    sl_queue_init(&other);
    for (i = 0; i < 3; i++) {
        it[i].id = i + 1;
        sl_queue_insert_tail(&h, &it[i].link);
    }
    sl_queue_remove(&it[1].link);
    sl_queue_remove(&it[1].link);
    test_queue_expect(&h, want, 2);

    /* The removed node can go into another queue, and removing the
     * remaining nodes twice each leaves the first queue empty. */
    sl_queue_insert_tail(&other, &it[1].link);
    for (i = 0; i < 3; i += 2) {
        sl_queue_remove(&it[i].link);
        sl_queue_remove(&it[i].link);
    }
    test_queue_expect(&h, NULL, 0);
    test_queue_expect(&other, only_two, 1);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_queue_init_makes_empty_queue),
        cmocka_unit_test(test_queue_insert_tail_keeps_arrival_order),
        cmocka_unit_test(test_queue_insert_head_reverses_arrival_order),
        cmocka_unit_test(test_queue_mixed_inserts_place_head_and_tail),
        cmocka_unit_test(test_queue_remove_unlinks_head_middle_and_tail),
        cmocka_unit_test(test_queue_removing_every_node_empties_queue),
        cmocka_unit_test(test_queue_remove_of_head_expression_unlinks_head),
        cmocka_unit_test(test_queue_remove_of_last_expression_unlinks_tail),
        cmocka_unit_test(test_queue_double_remove_is_harmless),
    };

    return cmocka_run_group_tests_name("core/queue", tests, NULL, NULL);
}
