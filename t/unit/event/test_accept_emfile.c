/*
 * test_accept_emfile.c: a worker out of descriptors does not spin. The
 * test lowers RLIMIT_NOFILE, fills every descriptor, leaves clients
 * connected in the backlog and runs the loop for a second: the process CPU
 * time must stay low and the crit line must be rate limited. Once
 * descriptors are freed, the clients are accepted. A binary of its own
 * because it changes process limits.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_conns.h"
#include "sl_accept.h"
#include "evtest.h"

#define TE_CLIENTS    3
#define TE_FILLERS    256
#define TE_LIMIT      64

static int  te_naccepted;

static void
te_handler(sl_conn_t *c, void *listen_data)
{
    sl_conns_t  *cs = listen_data;

    te_naccepted++;
    sl_conns_close(cs, c);
}

/* Opens /dev/null until EMFILE; returns how many. */
static int
te_fill(int *fds, int max)
{
    int  n;

    for (n = 0; n < max; n++) {
        fds[n] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fds[n] == -1) {
            assert_int_equal(errno, EMFILE);
            return n;
        }
    }
    fail_msg("RLIMIT_NOFILE was not reached");
    return n;
}

static void
te_run_for(sl_loop_t *loop, unsigned msec, int until_accepted)
{
    sl_event_t  guard;
    uint64_t    end;

    memset(&guard, 0, sizeof(guard));
    end = evtest_usec() + (uint64_t) msec * 1000;
    while (evtest_usec() < end && te_naccepted < until_accepted) {
        assert_int_equal(sl_timer_add(loop, &guard, 50), SL_OK);
        assert_int_equal(sl_loop_run_once(loop), SL_OK);
    }
    sl_timer_del(loop, &guard);
}

static void
test_emfile_pauses_without_spinning_then_resumes(void **state)
{
    evtest_log_t        log;
    sl_accept_listen_t  ls;
    sl_accept_conf_t    conf;
    struct rlimit       old, rl;
    sl_loop_t          *loop;
    sl_conns_t         *cs;
    sl_accept_t        *a;
    uint64_t            cpu;
    uint16_t            port;
    int                 lfd, cl[TE_CLIENTS], fill[TE_FILLERS], nfill, i;

    evtest_log_open(&log);
    loop = sl_loop_create(64, &log.log);
    assert_non_null(loop);
    cs = sl_conns_create(loop, 64, &log.log);
    assert_non_null(cs);
    port = 0;
    lfd = evtest_listen(&port, 0);
    for (i = 0; i < TE_CLIENTS; i++) {
        cl[i] = evtest_connect(port);
        assert_true(cl[i] >= 0);
    }

    ls.fd = lfd;
    ls.data = cs;
    memset(&conf, 0, sizeof(conf));
    conf.strategy = SL_ACCEPT_REUSEPORT;
    conf.listens = &ls;
    conf.nlistens = 1;
    conf.handler = te_handler;
    a = sl_accept_create(loop, cs, &conf);
    assert_non_null(a);

    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    rl = old;
    rl.rlim_cur = TE_LIMIT;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    nfill = te_fill(fill, TE_FILLERS);

    /* A second with every descriptor taken and clients waiting. */
    cpu = evtest_cpu_usec();
    te_run_for(loop, 1000, 1);
    cpu = evtest_cpu_usec() - cpu;
    print_message("cpu during EMFILE: %lu us\n", (unsigned long) cpu);
    assert_int_equal(te_naccepted, 0);
    assert_true(cpu < 200000);
    assert_true(evtest_log_count(&log, "[crit]") >= 1);
    assert_true(evtest_log_count(&log, "[crit]") <= 2);
    assert_true(evtest_log_count(&log, "Too many open files") >= 1);

    /* Descriptors come back: accepting resumes within a pause or two. */
    for (i = 0; i < nfill; i++) {
        assert_int_equal(close(fill[i]), 0);
    }
    te_run_for(loop, 2000, TE_CLIENTS);
    assert_int_equal(te_naccepted, TE_CLIENTS);
    assert_true(evtest_epoll_has(lfd));

    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_int_equal(evtest_log_count(&log, "[alert]"), 0);
    for (i = 0; i < TE_CLIENTS; i++) {
        assert_int_equal(close(cl[i]), 0);
    }
    sl_accept_destroy(a);
    evtest_conns_destroy(cs);
    sl_loop_destroy(loop);
    assert_int_equal(close(lfd), 0);
    evtest_log_close(&log);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emfile_pauses_without_spinning_then_resumes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
