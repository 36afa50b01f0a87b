/*
 * test_evsignal.c: signals delivered into the loop (event layer,
 * sl_evsignal.c): each signal added reaches its handler as a loop event,
 * with its data.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "evtest.h"

static int    ts_signo;
static void  *ts_data;     /* what the handler must be given */

static void
ts_signal_handler(int signo, void *data)
{
    assert_ptr_equal(data, ts_data);
    ts_signo = signo;
}

static void
test_signal_delivered_as_loop_event(void **state)
{
    evtest_loop_t  *s = *state;

    ts_signo = 0;
    ts_data = s;
    assert_int_equal(sl_loop_signal_add(s->loop, SIGUSR1, ts_signal_handler,
                                        s), SL_OK);
    assert_int_equal(sl_loop_signal_add(s->loop, SIGUSR2, ts_signal_handler,
                                        s), SL_OK);
    assert_int_equal(kill(getpid(), SIGUSR2), 0);
    (void) evtest_run_until(s->loop, &ts_signo, 1000);
    assert_int_equal(ts_signo, SIGUSR2);

    ts_signo = 0;
    assert_int_equal(kill(getpid(), SIGUSR1), 0);
    (void) evtest_run_until(s->loop, &ts_signo, 1000);
    assert_int_equal(ts_signo, SIGUSR1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_signal_delivered_as_loop_event,
                                        evtest_loop_setup,
                                        evtest_loop_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
