/*
 * test_wakeup.c: waking the loop from other threads (event layer,
 * sl_wakeup.c): a wake-up alone ends the loop's wait, and a burst of
 * wake-ups from several threads coalesces into one call of the handler.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "evtest.h"

#include <pthread.h>

typedef struct {
    sl_loop_t  *loop;
    int         n;
    unsigned    delay_us;
} tw_waker_t;

static int  tw_woken;

static void
tw_woken_handler(sl_event_t *ev)
{
    tw_woken++;
}

static void *
tw_waker_main(void *arg)
{
    tw_waker_t  *w = arg;
    int          i;

    usleep(w->delay_us);
    for (i = 0; i < w->n; i++) {
        sl_loop_wakeup(w->loop);
    }
    return NULL;
}

static void
test_wakeup_from_other_threads(void **state)
{
    evtest_loop_t  *s = *state;
    sl_event_t      ev;
    pthread_t       t[4];
    tw_waker_t      w;
    uint64_t        t0;
    int             i;

    memset(&ev, 0, sizeof(ev));
    ev.handler = tw_woken_handler;
    assert_int_equal(sl_loop_wakeup_add(s->loop, &ev), SL_OK);
    tw_woken = 0;

    /* No timers, no descriptors of ours: only the wake-up ends the wait. */
    w.loop = s->loop;
    w.n = 1;
    w.delay_us = 50000;
    assert_int_equal(pthread_create(&t[0], NULL, tw_waker_main, &w), 0);
    t0 = evtest_usec();
    while (tw_woken == 0) {
        assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    }
    assert_true(evtest_usec() - t0 >= 40000);
    assert_int_equal(pthread_join(t[0], NULL), 0);

    /* Many wake-ups from several threads coalesce; none is lost. */
    w.n = 1000;
    w.delay_us = 0;
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, tw_waker_main, &w), 0);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
    }
    tw_woken = 0;
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tw_woken, 1);
    sl_loop_wakeup_del(s->loop, &ev);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wakeup_from_other_threads,
                                        evtest_loop_setup,
                                        evtest_loop_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
