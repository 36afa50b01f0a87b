/*
 * test_conns.c: the worker's connection array (event layer, sl_conns.c):
 * taking every connection, running out, a closed one coming back first
 * with a new number, and the size of a connection.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_conns.h"
#include "evtest.h"

static void
test_conns_array_exhaustion_and_reuse(void **state)
{
    evtest_loop_t  *s = *state;
    sl_conn_t      *c[16], *extra;
    sl_uint_t       first;
    int             i;

    for (i = 0; i < 16; i++) {
        c[i] = sl_conns_get(s->conns, -1);
        assert_non_null(c[i]);
        assert_true(c[i]->pooled);
        assert_ptr_equal(c[i]->read.data, c[i]);
        assert_true(c[i]->write.write);
    }
    first = c[0]->number;
    assert_int_equal(c[15]->number, first + 15);
    assert_int_equal(sl_conns_used(s->conns), 16);
    assert_int_equal(sl_conns_free_n(s->conns), 0);
    assert_null(sl_conns_get(s->conns, -1));

    sl_conns_close(s->conns, c[3]);
    assert_int_equal(sl_conns_free_n(s->conns), 1);
    extra = sl_conns_get(s->conns, -1);
    assert_ptr_equal(extra, c[3]);
    assert_int_equal(extra->number, first + 16);
    for (i = 0; i < 16; i++) {
        sl_conns_close(s->conns, c[i]);
    }
    assert_int_equal(sl_conns_used(s->conns), 0);
}

static void
test_conn_fits_the_memory_budget(void **state)
{
    assert_true(sizeof(sl_conn_t) <= 192);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_conns_array_exhaustion_and_reuse,
                                        evtest_loop_setup,
                                        evtest_loop_teardown),
        cmocka_unit_test(test_conn_fits_the_memory_budget),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
