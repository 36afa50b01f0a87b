/*
 * test_timer.c: the loop's timers (sl_timer_add/del, the lazy re-arm, the
 * heap under 50,000 timers, and the nearest timer as epoll_wait's
 * timeout), tested through sl_event.h with the real clock.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_loop.h"
#include "evtest.h"

#define TT_MANY  50000

typedef struct {
    sl_loop_t      *loop;
    evtest_log_t    log;
} tt_state_t;

static int         tt_fired[16];
static int         tt_nfired;
static sl_msec_t   tt_many_last;
static int         tt_many_order_ok;
static int         tt_many_count;

static int
tt_setup(void **state)
{
    static tt_state_t  s;

    evtest_log_open(&s.log);
    s.loop = sl_loop_create(64, &s.log.log);
    assert_non_null(s.loop);
    tt_nfired = 0;
    *state = &s;
    return 0;
}

static int
tt_teardown(void **state)
{
    tt_state_t  *s = *state;

    assert_int_equal(evtest_log_count(&s->log, "[alert]"), 0);
    sl_loop_destroy(s->loop);
    evtest_log_close(&s->log);
    return 0;
}

/* Records the event's number (data) in firing order. */
static void
tt_record_handler(sl_event_t *ev)
{
    assert_true(ev->timedout);
    assert_false(ev->timer_set);
    tt_fired[tt_nfired++] = (int) (intptr_t) ev->data;
}

/* A guard timer (no handler) bounds each wait to 10 ms. */
static void
tt_run_until_fired(sl_loop_t *loop, int n, unsigned msec)
{
    sl_event_t  guard;
    uint64_t    end;

    memset(&guard, 0, sizeof(guard));
    end = evtest_usec() + (uint64_t) msec * 1000;
    while (tt_nfired < n && evtest_usec() < end) {
        assert_int_equal(sl_timer_add(loop, &guard, 10), SL_OK);
        assert_int_equal(sl_loop_run_once(loop), SL_OK);
    }
    sl_timer_del(loop, &guard);
}

static void
test_timer_fires_in_expiry_order(void **state)
{
    tt_state_t  *s = *state;
    sl_event_t   ev[4];
    int          ms[4] = { 30, 10, 20, 0 };
    int          i;

    memset(ev, 0, sizeof(ev));
    for (i = 0; i < 4; i++) {
        ev[i].handler = tt_record_handler;
        ev[i].data = (void *) (intptr_t) ms[i];
        assert_int_equal(sl_timer_add(s->loop, &ev[i], (sl_msec_t) ms[i]),
                         SL_OK);
        assert_true(ev[i].timer_set);
    }
    assert_int_equal(s->loop->ntimers, 4);
    tt_run_until_fired(s->loop, 4, 2000);
    assert_int_equal(tt_nfired, 4);
    assert_int_equal(tt_fired[0], 0);
    assert_int_equal(tt_fired[1], 10);
    assert_int_equal(tt_fired[2], 20);
    assert_int_equal(tt_fired[3], 30);
    assert_int_equal(s->loop->ntimers, 0);
}

static void
test_timer_del_cancels_and_is_idempotent(void **state)
{
    tt_state_t  *s = *state;
    sl_event_t   a, b;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.handler = b.handler = tt_record_handler;
    a.data = (void *) 1;
    b.data = (void *) 2;
    assert_int_equal(sl_timer_add(s->loop, &a, 5), SL_OK);
    assert_int_equal(sl_timer_add(s->loop, &b, 20), SL_OK);
    sl_timer_del(s->loop, &a);
    assert_false(a.timer_set);
    sl_timer_del(s->loop, &a);
    assert_int_equal(s->loop->ntimers, 1);

    tt_run_until_fired(s->loop, 1, 2000);
    tt_run_until_fired(s->loop, 2, 50);     /* give a a chance to misfire */
    assert_int_equal(tt_nfired, 1);
    assert_int_equal(tt_fired[0], 2);
    assert_false(a.timedout);
}

static void
test_timer_rearm_within_lazy_delay_is_skipped(void **state)
{
    tt_state_t  *s = *state;
    sl_event_t   ev;
    sl_msec_t    key;

    memset(&ev, 0, sizeof(ev));
    ev.handler = tt_record_handler;
    assert_int_equal(sl_timer_add(s->loop, &ev, 1000), SL_OK);
    key = ev.timer_key;
    assert_int_equal(key, sl_current_msec + 1000);

    /* Later or earlier by less than SL_TIMER_LAZY_DELAY: unchanged. */
    assert_int_equal(sl_timer_add(s->loop, &ev, 1000 + 299), SL_OK);
    assert_int_equal(ev.timer_key, key);
    assert_int_equal(sl_timer_add(s->loop, &ev, 1000 - 299), SL_OK);
    assert_int_equal(ev.timer_key, key);
    assert_int_equal(s->loop->ntimers, 1);

    /* By SL_TIMER_LAZY_DELAY or more: re-keyed in place. */
    assert_int_equal(sl_timer_add(s->loop, &ev, 1000 + 300), SL_OK);
    assert_int_equal(ev.timer_key, sl_current_msec + 1300);
    assert_int_equal(s->loop->ntimers, 1);
    sl_timer_del(s->loop, &ev);
}

static void
test_timer_rearm_earlier_fires_earlier(void **state)
{
    tt_state_t  *s = *state;
    sl_event_t   ev, other;
    uint64_t     t0, elapsed;

    memset(&ev, 0, sizeof(ev));
    memset(&other, 0, sizeof(other));
    ev.handler = other.handler = tt_record_handler;
    ev.data = (void *) 7;
    other.data = (void *) 8;
    assert_int_equal(sl_timer_add(s->loop, &other, 5000), SL_OK);
    assert_int_equal(sl_timer_add(s->loop, &ev, 4000), SL_OK);
    t0 = evtest_usec();
    assert_int_equal(sl_timer_add(s->loop, &ev, 30), SL_OK);
    tt_run_until_fired(s->loop, 1, 3000);
    elapsed = evtest_usec() - t0;
    assert_int_equal(tt_nfired, 1);
    assert_int_equal(tt_fired[0], 7);
    assert_true(elapsed < 1000000);
    assert_true(other.timer_set);
    sl_timer_del(s->loop, &other);
}

static int  tt_rearm_left;

static void
tt_rearm_handler(sl_event_t *ev)
{
    sl_loop_t  *loop = ev->data;

    tt_nfired++;
    if (--tt_rearm_left > 0) {
        assert_int_equal(sl_timer_add(loop, ev, 1), SL_OK);
    }
}

static void
test_timer_handler_may_rearm_itself(void **state)
{
    tt_state_t  *s = *state;
    sl_event_t   ev;

    memset(&ev, 0, sizeof(ev));
    ev.handler = tt_rearm_handler;
    ev.data = s->loop;
    tt_rearm_left = 3;
    assert_int_equal(sl_timer_add(s->loop, &ev, 1), SL_OK);
    tt_run_until_fired(s->loop, 3, 2000);
    assert_int_equal(tt_nfired, 3);
    assert_false(ev.timer_set);
    assert_true(ev.timedout);
}

static sl_event_t  *tt_victim;

static void
tt_killer_handler(sl_event_t *ev)
{
    sl_timer_del(ev->data, tt_victim);
    tt_fired[tt_nfired++] = 1;
}

static void
test_timer_handler_may_delete_a_due_timer(void **state)
{
    tt_state_t  *s = *state;
    sl_event_t   killer, victim;

    memset(&killer, 0, sizeof(killer));
    memset(&victim, 0, sizeof(victim));
    killer.handler = tt_killer_handler;
    killer.data = s->loop;
    victim.handler = tt_record_handler;
    victim.data = (void *) 2;
    tt_victim = &victim;
    assert_int_equal(sl_timer_add(s->loop, &killer, 5), SL_OK);
    assert_int_equal(sl_timer_add(s->loop, &victim, 6), SL_OK);

    /* Both are due by the time the loop looks: the first one's handler
     * removes the second before it runs. */
    usleep(20000);
    tt_run_until_fired(s->loop, 1, 2000);
    tt_run_until_fired(s->loop, 2, 30);
    assert_int_equal(tt_nfired, 1);
    assert_false(victim.timedout);
    assert_int_equal(s->loop->ntimers, 0);
}

static void
tt_many_handler(sl_event_t *ev)
{
    if (ev->timer_key < tt_many_last) {
        tt_many_order_ok = 0;
    }
    tt_many_last = ev->timer_key;
    tt_many_count++;
    ev->data = (void *) 1;              /* fired */
}

static void
test_timer_50000_timers_add_delete_expire(void **state)
{
    tt_state_t  *s = *state;
    sl_event_t  *evs;
    uint32_t     rnd;
    uint64_t     t0, add_us;
    int          i, expected;

    evs = calloc(TT_MANY, sizeof(sl_event_t));
    assert_non_null(evs);
    tt_many_order_ok = 1;
    tt_many_last = 0;
    tt_many_count = 0;
    rnd = 12345;

    t0 = evtest_usec();
    for (i = 0; i < TT_MANY; i++) {
        rnd = rnd * 1103515245 + 12345;
        evs[i].handler = tt_many_handler;
        assert_int_equal(sl_timer_add(s->loop, &evs[i], (rnd >> 8) % 150),
                         SL_OK);
    }
    add_us = evtest_usec() - t0;
    assert_int_equal(s->loop->ntimers, TT_MANY);

    expected = TT_MANY;
    for (i = 0; i < TT_MANY; i += 3) {
        sl_timer_del(s->loop, &evs[i]);
        expected--;
    }
    assert_int_equal(s->loop->ntimers, (sl_uint_t) expected);

    t0 = evtest_usec();
    while (tt_many_count < expected && evtest_usec() - t0 < 5000000) {
        assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    }
    assert_int_equal(tt_many_count, expected);
    assert_true(tt_many_order_ok);
    for (i = 0; i < TT_MANY; i += 3) {
        assert_null(evs[i].data);
    }
    assert_int_equal(s->loop->ntimers, 0);
    /* O(log n) adds: well under a second even with sanitizers. */
    assert_true(add_us < 1000000);
    free(evs);
}

static void
test_timer_nearest_drives_epoll_wait(void **state)
{
    tt_state_t  *s = *state;
    sl_event_t   near, far;
    uint64_t     t0, elapsed;

    memset(&near, 0, sizeof(near));
    memset(&far, 0, sizeof(far));
    near.handler = far.handler = tt_record_handler;
    near.data = (void *) 1;
    far.data = (void *) 2;
    assert_int_equal(sl_timer_add(s->loop, &far, 10000), SL_OK);
    assert_int_equal(sl_timer_add(s->loop, &near, 60), SL_OK);

    /* One iteration sleeps about until the nearest timer and fires it. */
    t0 = evtest_usec();
    while (tt_nfired == 0 && evtest_usec() - t0 < 3000000) {
        assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    }
    elapsed = evtest_usec() - t0;
    assert_int_equal(tt_nfired, 1);
    assert_int_equal(tt_fired[0], 1);
    assert_true(elapsed >= 55000);
    assert_true(elapsed < 1000000);
    sl_timer_del(s->loop, &far);
}

static void
tt_noop_handler(sl_event_t *ev)
{
    tt_nfired++;
}

static void
test_timer_posted_work_makes_wait_non_blocking(void **state)
{
    tt_state_t  *s = *state;
    sl_event_t   far, posted;
    uint64_t     t0;

    memset(&far, 0, sizeof(far));
    memset(&posted, 0, sizeof(posted));
    far.handler = tt_record_handler;
    posted.handler = tt_noop_handler;
    assert_int_equal(sl_timer_add(s->loop, &far, 10000), SL_OK);
    sl_event_post(s->loop, &posted, SL_POSTED_NORMAL);
    t0 = evtest_usec();
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_true(evtest_usec() - t0 < 200000);
    assert_int_equal(tt_nfired, 1);
    sl_timer_del(s->loop, &far);
}

static void
test_timer_reserve_grows_heap(void **state)
{
    tt_state_t  *s = *state;

    assert_int_equal(sl_timer_reserve(s->loop, 100000), SL_OK);
    assert_int_equal(sl_timer_reserve(s->loop, 10), SL_OK);
    assert_int_equal(s->loop->ntimers, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_timer_fires_in_expiry_order,
                                        tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(
            test_timer_del_cancels_and_is_idempotent, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(
            test_timer_rearm_within_lazy_delay_is_skipped,
            tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(
            test_timer_rearm_earlier_fires_earlier, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(test_timer_handler_may_rearm_itself,
                                        tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(
            test_timer_handler_may_delete_a_due_timer, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(
            test_timer_50000_timers_add_delete_expire, tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(test_timer_nearest_drives_epoll_wait,
                                        tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(
            test_timer_posted_work_makes_wait_non_blocking,
            tt_setup, tt_teardown),
        cmocka_unit_test_setup_teardown(test_timer_reserve_grows_heap,
                                        tt_setup, tt_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
