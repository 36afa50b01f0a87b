/*
 * test_posted.c: posted events through sl_event.h: order, the two queues,
 * unposting, double posting, and events posted by a posted handler waiting
 * for the next iteration.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "evtest.h"

typedef struct {
    sl_loop_t      *loop;
    evtest_log_t    log;
} tp_state_t;

static int  tp_order[16];
static int  tp_n;

static int
tp_setup(void **state)
{
    static tp_state_t  s;

    evtest_log_open(&s.log);
    s.loop = sl_loop_create(0, &s.log.log);
    assert_non_null(s.loop);
    tp_n = 0;
    *state = &s;
    return 0;
}

static int
tp_teardown(void **state)
{
    tp_state_t  *s = *state;

    assert_int_equal(evtest_log_count(&s->log, "[alert]"), 0);
    sl_loop_destroy(s->loop);
    evtest_log_close(&s->log);
    return 0;
}

static void
tp_record_handler(sl_event_t *ev)
{
    assert_false(ev->posted);
    tp_order[tp_n++] = (int) (intptr_t) ev->data;
}

static void
tp_init(sl_event_t *ev, int id)
{
    memset(ev, 0, sizeof(*ev));
    ev->handler = tp_record_handler;
    ev->data = (void *) (intptr_t) id;
}

static void
test_posted_run_in_order_accept_queue_first(void **state)
{
    tp_state_t  *s = *state;
    sl_event_t   a, b, c;

    tp_init(&a, 1);
    tp_init(&b, 2);
    tp_init(&c, 3);
    sl_event_post(s->loop, &a, SL_POSTED_NORMAL);
    sl_event_post(s->loop, &b, SL_POSTED_NORMAL);
    sl_event_post(s->loop, &c, SL_POSTED_ACCEPT);
    assert_true(a.posted && b.posted && c.posted);

    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tp_n, 3);
    assert_int_equal(tp_order[0], 3);
    assert_int_equal(tp_order[1], 1);
    assert_int_equal(tp_order[2], 2);
}

static void
test_posted_twice_runs_once(void **state)
{
    tp_state_t  *s = *state;
    sl_event_t   a;

    tp_init(&a, 1);
    sl_event_post(s->loop, &a, SL_POSTED_NORMAL);
    sl_event_post(s->loop, &a, SL_POSTED_NORMAL);
    sl_event_post(s->loop, &a, SL_POSTED_ACCEPT);
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tp_n, 1);
}

static void
test_unposted_event_does_not_run(void **state)
{
    tp_state_t  *s = *state;
    sl_event_t   a, b;

    tp_init(&a, 1);
    tp_init(&b, 2);
    sl_event_post(s->loop, &a, SL_POSTED_NORMAL);
    sl_event_post(s->loop, &b, SL_POSTED_NORMAL);
    sl_event_unpost(&a);
    sl_event_unpost(&a);
    assert_false(a.posted);
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tp_n, 1);
    assert_int_equal(tp_order[0], 2);
}

static sl_event_t  *tp_other;

/* Unposts another event of the same run before it is reached. */
static void
tp_unpost_other_handler(sl_event_t *ev)
{
    sl_event_unpost(tp_other);
    tp_order[tp_n++] = (int) (intptr_t) ev->data;
}

static void
test_handler_may_unpost_a_later_event(void **state)
{
    tp_state_t  *s = *state;
    sl_event_t   a, b;

    tp_init(&a, 1);
    tp_init(&b, 2);
    a.handler = tp_unpost_other_handler;
    tp_other = &b;
    sl_event_post(s->loop, &a, SL_POSTED_NORMAL);
    sl_event_post(s->loop, &b, SL_POSTED_NORMAL);
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tp_n, 1);
    assert_false(b.posted);
}

static int  tp_reposts;

static void
tp_repost_handler(sl_event_t *ev)
{
    tp_n++;
    if (tp_reposts-- > 0) {
        sl_event_post(ev->data, ev, SL_POSTED_NORMAL);
    }
}

static void
test_event_posted_by_posted_handler_waits_an_iteration(void **state)
{
    tp_state_t  *s = *state;
    sl_event_t   a;
    uint64_t     t0;

    memset(&a, 0, sizeof(a));
    a.handler = tp_repost_handler;
    a.data = s->loop;
    tp_reposts = 2;
    sl_event_post(s->loop, &a, SL_POSTED_NORMAL);

    /* Each iteration runs it once; the next does not sleep (no timers and
     * no descriptors here: a blocking wait would hang the test). */
    t0 = evtest_usec();
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tp_n, 1);
    assert_true(a.posted);
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tp_n, 2);
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tp_n, 3);
    assert_false(a.posted);
    assert_true(evtest_usec() - t0 < 500000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_posted_run_in_order_accept_queue_first,
            tp_setup, tp_teardown),
        cmocka_unit_test_setup_teardown(test_posted_twice_runs_once,
                                        tp_setup, tp_teardown),
        cmocka_unit_test_setup_teardown(test_unposted_event_does_not_run,
                                        tp_setup, tp_teardown),
        cmocka_unit_test_setup_teardown(test_handler_may_unpost_a_later_event,
                                        tp_setup, tp_teardown),
        cmocka_unit_test_setup_teardown(
            test_event_posted_by_posted_handler_waits_an_iteration,
            tp_setup, tp_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
