/*
 * test_accept_wrap.c: accept4 failures, mocked at the syscall edge with
 * -Wl,--wrap=accept4. A real listen socket with a client in its backlog
 * keeps the level-triggered event firing; the wrapper answers from a
 * script, then EAGAIN, and records the flags it was called with.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_conns.h"
#include "sl_accept.h"
#include "evtest.h"

int __wrap_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags);
int __real_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags);

#define TW_REAL  0                      /* script entry: the real call */

static int  tw_script[8];               /* errno to fail with, or TW_REAL */
static int  tw_nscript, tw_next;
static int  tw_calls, tw_flags;

int
__wrap_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
    int  err;

    tw_calls++;
    tw_flags = flags;
    if (tw_next == tw_nscript) {
        errno = EAGAIN;
        return -1;
    }
    err = tw_script[tw_next++];
    if (err == TW_REAL) {
        return __real_accept4(fd, sa, len, flags);
    }
    errno = err;
    return -1;
}

typedef struct {
    sl_loop_t      *loop;
    sl_conns_t     *conns;
    sl_accept_t    *accept;
    int             lfd, client;
    evtest_log_t    log;
} tw_state_t;

static int  tw_naccepted;

static void
tw_handler(sl_conn_t *c, void *listen_data)
{
    sl_conns_t  *cs = listen_data;

    tw_naccepted++;
    sl_conns_close(cs, c);
}

static void
tw_script_set(int n, ...)
{
    va_list  ap;
    int      i;

    va_start(ap, n);
    for (i = 0; i < n; i++) {
        tw_script[i] = va_arg(ap, int);
    }
    va_end(ap);
    tw_nscript = n;
    tw_next = 0;
    tw_calls = 0;
}

static int
tw_setup(void **state)
{
    static tw_state_t   s;
    sl_accept_listen_t  ls;
    sl_accept_conf_t    conf;
    uint16_t            port;

    evtest_log_open(&s.log);
    s.loop = sl_loop_create(64, &s.log.log);
    assert_non_null(s.loop);
    s.conns = sl_conns_create(s.loop, 8, &s.log.log);
    assert_non_null(s.conns);
    port = 0;
    s.lfd = evtest_listen(&port, 0);
    s.client = evtest_connect(port);
    assert_true(s.client >= 0);
    tw_script_set(0);
    tw_naccepted = 0;

    ls.fd = s.lfd;
    ls.data = s.conns;
    memset(&conf, 0, sizeof(conf));
    conf.strategy = SL_ACCEPT_REUSEPORT;
    conf.listens = &ls;
    conf.nlistens = 1;
    conf.handler = tw_handler;
    s.accept = sl_accept_create(s.loop, s.conns, &conf);
    assert_non_null(s.accept);
    *state = &s;
    return 0;
}

static int
tw_teardown(void **state)
{
    tw_state_t  *s = *state;

    sl_accept_destroy(s->accept);
    evtest_conns_destroy(s->conns);
    sl_loop_destroy(s->loop);
    assert_int_equal(close(s->lfd), 0);
    assert_int_equal(close(s->client), 0);
    evtest_log_close(&s->log);
    return 0;
}

static void
tw_run_for(sl_loop_t *loop, unsigned msec)
{
    sl_event_t  guard;
    uint64_t    end;

    memset(&guard, 0, sizeof(guard));
    end = evtest_usec() + (uint64_t) msec * 1000;
    while (evtest_usec() < end) {
        assert_int_equal(sl_timer_add(loop, &guard, 5), SL_OK);
        assert_int_equal(sl_loop_run_once(loop), SL_OK);
    }
    sl_timer_del(loop, &guard);
}

static void
test_client_errors_are_skipped_not_paused(void **state)
{
    tw_state_t  *s = *state;

    tw_script_set(4, ECONNABORTED, EPROTO, EPERM, TW_REAL);
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tw_calls, 5);          /* four scripted, then EAGAIN */
    assert_int_equal(tw_naccepted, 1);
    assert_int_equal(tw_flags, SOCK_NONBLOCK | SOCK_CLOEXEC);
    assert_true(evtest_epoll_has(s->lfd));
    assert_int_equal(evtest_log_count(&s->log, "[info]"), 3);
    assert_int_equal(evtest_log_count(&s->log, "[crit]"), 0);
}

static void
tw_exhaustion_case(tw_state_t *s, int err)
{
    uint64_t  t0;

    tw_script_set(1, err);
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tw_calls, 1);
    assert_false(evtest_epoll_has(s->lfd));
    assert_int_equal(evtest_log_count(&s->log, "[crit]"), 1);

    /* Paused: no call for about SL_ACCEPT_PAUSE ms, then polling again. */
    t0 = evtest_usec();
    tw_run_for(s->loop, SL_ACCEPT_PAUSE / 2);
    assert_int_equal(tw_calls, 1);
    while (tw_calls == 1 && evtest_usec() - t0 < 1000000) {
        tw_run_for(s->loop, 5);
    }
    assert_true(tw_calls > 1);
    assert_true(evtest_usec() - t0 >= (SL_ACCEPT_PAUSE - 10) * 1000);
    assert_true(evtest_epoll_has(s->lfd));
}

static void
test_emfile_pauses_and_logs_crit(void **state)
{
    tw_exhaustion_case(*state, EMFILE);
}

static void
test_enfile_pauses_and_logs_crit(void **state)
{
    tw_exhaustion_case(*state, ENFILE);
}

static void
test_enobufs_pauses_and_logs_crit(void **state)
{
    tw_exhaustion_case(*state, ENOBUFS);
}

static void
test_enomem_pauses_and_logs_crit(void **state)
{
    tw_exhaustion_case(*state, ENOMEM);
}

static void
test_crit_is_rate_limited(void **state)
{
    tw_state_t  *s = *state;

    tw_script_set(3, EMFILE, EMFILE, EMFILE);
    tw_run_for(s->loop, 3 * SL_ACCEPT_PAUSE + 80);
    assert_int_equal(tw_next, 3);
    assert_int_equal(evtest_log_count(&s->log, "[crit]"), 1);
    assert_int_equal(evtest_log_count(&s->log, "Too many open files"), 1);
}

static void
test_unexpected_error_alerts_and_pauses(void **state)
{
    tw_state_t  *s = *state;

    tw_script_set(1, EBADF);
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_false(evtest_epoll_has(s->lfd));
    assert_int_equal(evtest_log_count(&s->log, "[alert]"), 1);
    tw_run_for(s->loop, 20);
    assert_int_equal(tw_calls, 1);          /* no spinning on a bug */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_client_errors_are_skipped_not_paused,
            tw_setup, tw_teardown),
        cmocka_unit_test_setup_teardown(test_emfile_pauses_and_logs_crit,
                                        tw_setup, tw_teardown),
        cmocka_unit_test_setup_teardown(test_enfile_pauses_and_logs_crit,
                                        tw_setup, tw_teardown),
        cmocka_unit_test_setup_teardown(test_enobufs_pauses_and_logs_crit,
                                        tw_setup, tw_teardown),
        cmocka_unit_test_setup_teardown(test_enomem_pauses_and_logs_crit,
                                        tw_setup, tw_teardown),
        cmocka_unit_test_setup_teardown(test_crit_is_rate_limited,
                                        tw_setup, tw_teardown),
        cmocka_unit_test_setup_teardown(
            test_unexpected_error_alerts_and_pauses, tw_setup, tw_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
