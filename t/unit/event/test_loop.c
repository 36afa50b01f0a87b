/*
 * test_loop.c: registration and dispatch through sl_event.h, on socketpairs:
 * edge-triggered read/write readiness, eof, level-triggered registration,
 * unregistering, the stale-event rule (a connection closed while its event
 * waits later in the same epoll batch gets no callback, even when its slot
 * is reused at once), the cross-thread wake-up, signals and stop.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_conns.h"
#include "evtest.h"

#include <pthread.h>

typedef struct {
    sl_loop_t      *loop;
    sl_conns_t     *conns;
    evtest_log_t    log;
} tl_state_t;

static tl_state_t  *tl;
static int          tl_reads, tl_writes;
static char         tl_calls[64];         /* which connections ran, by id */
static int          tl_ncalls;

static int
tl_setup(void **state)
{
    static tl_state_t  s;

    evtest_log_open(&s.log);
    s.loop = sl_loop_create(64, &s.log.log);
    assert_non_null(s.loop);
    s.conns = sl_conns_create(s.loop, 16, &s.log.log);
    assert_non_null(s.conns);
    tl = &s;
    tl_reads = tl_writes = tl_ncalls = 0;
    *state = &s;
    return 0;
}

static int
tl_teardown(void **state)
{
    tl_state_t  *s = *state;

    assert_int_equal(evtest_log_count(&s->log, "[alert]"), 0);
    sl_conns_destroy(s->conns);
    sl_loop_destroy(s->loop);
    evtest_log_close(&s->log);
    return 0;
}

/* Reads until EAGAIN, as an edge-triggered handler must. */
static void
tl_drain_handler(sl_event_t *ev)
{
    sl_conn_t  *c = ev->data;
    char        buf[64];
    ssize_t     n;

    tl_reads++;
    while ((n = read(c->fd, buf, sizeof(buf))) > 0) {
        /* drain */
    }
    if (n == -1) {
        assert_int_equal(errno, EAGAIN);
        ev->ready = 0;
    }
}

static void
tl_write_handler(sl_event_t *ev)
{
    assert_true(ev->write);
    assert_true(ev->ready);
    tl_writes++;
}

static sl_conn_t *
tl_conn(int fd, int id)
{
    sl_conn_t  *c;

    c = sl_conns_get(tl->conns, fd);
    assert_non_null(c);
    c->data = (void *) (intptr_t) id;
    return c;
}

static void
test_edge_triggered_read_write_and_eof(void **state)
{
    tl_state_t  *s = *state;
    sl_conn_t   *c;
    int          sv[2];

    evtest_socketpair(sv);
    c = tl_conn(sv[0], 1);
    c->read.handler = tl_drain_handler;
    c->write.handler = tl_write_handler;
    assert_int_equal(sl_loop_add_conn(s->loop, c), SL_OK);
    assert_true(c->registered && c->read.active && c->write.active);

    /* Writable at once; nothing to read. */
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tl_writes, 1);
    assert_int_equal(tl_reads, 0);
    assert_true(c->write.ready);

    assert_int_equal(write(sv[1], "abc", 3), 3);
    tl_reads = 0;
    (void) evtest_run_until(s->loop, &tl_reads, 1000);
    assert_int_equal(tl_reads, 1);
    assert_false(c->read.eof);

    /* The peer closes: read reports eof. */
    assert_int_equal(close(sv[1]), 0);
    tl_reads = 0;
    (void) evtest_run_until(s->loop, &tl_reads, 1000);
    assert_int_equal(tl_reads, 1);
    assert_true(c->read.eof);
    sl_conns_close(s->conns, c);
    assert_int_equal(c->fd, -1);
    assert_int_equal(sl_conns_used(s->conns), 0);
}

static void
tl_count_handler(sl_event_t *ev)
{
    tl_reads++;
}

static void
test_level_triggered_repeats_until_read(void **state)
{
    tl_state_t  *s = *state;
    sl_conn_t    c;
    int          sv[2];
    char         ch;

    evtest_socketpair(sv);
    sl_conn_init(&c, sv[0]);
    c.read.handler = tl_count_handler;
    c.write.handler = tl_write_handler;
    assert_int_equal(sl_loop_add_level(s->loop, &c), SL_OK);
    assert_int_equal(write(sv[1], "x", 1), 1);

    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tl_reads, 2);          /* not read: reported again */
    assert_int_equal(tl_writes, 0);         /* no write interest */

    assert_int_equal(read(sv[0], &ch, 1), 1);
    assert_int_equal(write(sv[1], "y", 1), 1);
    assert_int_equal(sl_loop_del_conn(s->loop, &c), SL_OK);
    assert_false(c.registered);
    tl_reads = 0;
    (void) evtest_run_until(s->loop, &tl_reads, 50);
    assert_int_equal(tl_reads, 0);          /* unregistered */
    sl_conn_close(s->loop, &c);
    assert_int_equal(close(sv[1]), 0);
}

/*
 * Whichever of the pair runs first closes the other one; both were
 * readable, so epoll put both in the same batch.
 */
static sl_conn_t  *tl_pair[2];
static int         tl_reuse_fd = -1;

static void
tl_close_other_handler(sl_event_t *ev)
{
    sl_conn_t  *c = ev->data, *other;
    int         id;

    id = (int) (intptr_t) c->data;
    tl_calls[tl_ncalls++] = (char) ('0' + id);
    other = tl_pair[id == 0 ? 1 : 0];
    if (other->fd == -1) {
        return;
    }
    sl_conns_close(tl->conns, other);

    /* Reuse the slot at once (the free list is LIFO): a new connection in
     * the same memory must not see the old one's pending event either. */
    if (tl_reuse_fd != -1) {
        other = sl_conns_get(tl->conns, tl_reuse_fd);
        assert_ptr_equal(other, tl_pair[id == 0 ? 1 : 0]);
        other->data = (void *) (intptr_t) 9;
        other->read.handler = tl_close_other_handler;
        assert_int_equal(sl_loop_add_level(tl->loop, other), SL_OK);
    }
}

static void
tl_stale_event_case(tl_state_t *s, int reuse)
{
    int   a[2], b[2], r[2];
    int   i;

    evtest_socketpair(a);
    evtest_socketpair(b);
    evtest_socketpair(r);
    tl_reuse_fd = reuse ? r[0] : -1;
    for (i = 0; i < 2; i++) {
        tl_pair[i] = tl_conn(i == 0 ? a[0] : b[0], i);
        tl_pair[i]->read.handler = tl_close_other_handler;
        assert_int_equal(sl_loop_add_conn(s->loop, tl_pair[i]), SL_OK);
    }
    /* Readable too: a reused slot would be reported if it could be. */
    assert_int_equal(write(r[1], "r", 1), 1);
    assert_int_equal(write(a[1], "a", 1), 1);
    assert_int_equal(write(b[1], "b", 1), 1);
    usleep(1000);

    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tl_ncalls, 1);
    assert_true(tl_calls[0] == '0' || tl_calls[0] == '1');

    for (i = 0; i < 2; i++) {
        if (tl_pair[i]->fd != -1) {
            sl_conns_close(s->conns, tl_pair[i]);
        }
    }
    if (!reuse) {
        assert_int_equal(close(r[0]), 0);
    }
    assert_int_equal(close(a[1]), 0);
    assert_int_equal(close(b[1]), 0);
    assert_int_equal(close(r[1]), 0);
    assert_int_equal(sl_conns_used(s->conns), 0);
}

static void
test_closed_conn_gets_no_pending_event_of_same_batch(void **state)
{
    tl_stale_event_case(*state, 0);
}

static void
test_reused_slot_gets_no_stale_event_of_same_batch(void **state)
{
    tl_stale_event_case(*state, 1);
}

/* The read handler closes its own connection: the write half of the
 * same epoll entry must not run. */
static void
tl_close_self_handler(sl_event_t *ev)
{
    tl_reads++;
    sl_conns_close(tl->conns, ev->data);
}

static void
test_read_handler_closing_skips_write_handler(void **state)
{
    tl_state_t  *s = *state;
    sl_conn_t   *c;
    int          sv[2];

    evtest_socketpair(sv);
    c = tl_conn(sv[0], 1);
    c->read.handler = tl_close_self_handler;
    c->write.handler = tl_write_handler;
    assert_int_equal(write(sv[1], "x", 1), 1);
    assert_int_equal(sl_loop_add_conn(s->loop, c), SL_OK);
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tl_reads, 1);
    assert_int_equal(tl_writes, 0);
    assert_int_equal(close(sv[1]), 0);
}

static void
test_close_removes_timers_and_posted_events(void **state)
{
    tl_state_t  *s = *state;
    sl_conn_t   *c;
    int          sv[2];

    evtest_socketpair(sv);
    c = tl_conn(sv[0], 1);
    c->read.handler = tl_count_handler;
    c->write.handler = tl_count_handler;
    assert_int_equal(sl_loop_add_conn(s->loop, c), SL_OK);
    assert_int_equal(sl_timer_add(s->loop, &c->read, 0), SL_OK);
    assert_int_equal(sl_timer_add(s->loop, &c->write, 0), SL_OK);
    sl_event_post(s->loop, &c->read, SL_POSTED_NORMAL);
    sl_event_post(s->loop, &c->write, SL_POSTED_ACCEPT);
    sl_conns_close(s->conns, c);
    sl_conns_close(s->conns, c);            /* second close: no-op */
    assert_false(c->read.timer_set || c->write.timer_set);
    assert_false(c->read.posted || c->write.posted);
    assert_int_equal(sl_timer_count(s->loop), 0);
    (void) evtest_run_until(s->loop, &tl_reads, 30);
    assert_int_equal(tl_reads, 0);
    assert_int_equal(close(sv[1]), 0);
}

static void
test_conns_array_exhaustion_and_reuse(void **state)
{
    tl_state_t  *s = *state;
    sl_conn_t   *c[16], *extra;
    sl_uint_t    first;
    int          i;

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

/* Cross-thread wake-up. */

typedef struct {
    sl_loop_t  *loop;
    int         n;
    unsigned    delay_us;
} tl_waker_t;

static int  tl_woken;

static void
tl_woken_handler(sl_event_t *ev)
{
    tl_woken++;
}

static void *
tl_waker_main(void *arg)
{
    tl_waker_t  *w = arg;
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
    tl_state_t  *s = *state;
    sl_event_t   ev;
    pthread_t    t[4];
    tl_waker_t   w;
    uint64_t     t0;
    int          i;

    memset(&ev, 0, sizeof(ev));
    ev.handler = tl_woken_handler;
    assert_int_equal(sl_loop_wakeup_add(s->loop, &ev), SL_OK);
    tl_woken = 0;

    /* No timers, no descriptors of ours: only the wake-up ends the wait. */
    w.loop = s->loop;
    w.n = 1;
    w.delay_us = 50000;
    assert_int_equal(pthread_create(&t[0], NULL, tl_waker_main, &w), 0);
    t0 = evtest_usec();
    while (tl_woken == 0) {
        assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    }
    assert_true(evtest_usec() - t0 >= 40000);
    assert_int_equal(pthread_join(t[0], NULL), 0);

    /* Many wake-ups from several threads coalesce; none is lost. */
    w.n = 1000;
    w.delay_us = 0;
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, tl_waker_main, &w), 0);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
    }
    tl_woken = 0;
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(tl_woken, 1);
    sl_loop_wakeup_del(s->loop, &ev);
}

static void *
tl_stopper_main(void *arg)
{
    usleep(30000);
    sl_loop_stop(arg);
    return NULL;
}

static void
test_stop_from_another_thread(void **state)
{
    tl_state_t  *s = *state;
    pthread_t    t;

    assert_int_equal(pthread_create(&t, NULL, tl_stopper_main, s->loop), 0);
    assert_int_equal(sl_loop_run(s->loop), SL_OK);
    assert_int_equal(pthread_join(t, NULL), 0);
}

static int  tl_signo;

static void
tl_signal_handler(int signo, void *data)
{
    assert_ptr_equal(data, tl);
    tl_signo = signo;
}

static void
test_signal_delivered_as_loop_event(void **state)
{
    tl_state_t  *s = *state;

    tl_signo = 0;
    assert_int_equal(sl_loop_signal_add(s->loop, SIGUSR1, tl_signal_handler,
                                        s), SL_OK);
    assert_int_equal(sl_loop_signal_add(s->loop, SIGUSR2, tl_signal_handler,
                                        s), SL_OK);
    assert_int_equal(kill(getpid(), SIGUSR2), 0);
    (void) evtest_run_until(s->loop, &tl_signo, 1000);
    assert_int_equal(tl_signo, SIGUSR2);

    tl_signo = 0;
    assert_int_equal(kill(getpid(), SIGUSR1), 0);
    (void) evtest_run_until(s->loop, &tl_signo, 1000);
    assert_int_equal(tl_signo, SIGUSR1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_edge_triggered_read_write_and_eof, tl_setup, tl_teardown),
        cmocka_unit_test_setup_teardown(
            test_level_triggered_repeats_until_read, tl_setup, tl_teardown),
        cmocka_unit_test_setup_teardown(
            test_closed_conn_gets_no_pending_event_of_same_batch,
            tl_setup, tl_teardown),
        cmocka_unit_test_setup_teardown(
            test_reused_slot_gets_no_stale_event_of_same_batch,
            tl_setup, tl_teardown),
        cmocka_unit_test_setup_teardown(
            test_read_handler_closing_skips_write_handler,
            tl_setup, tl_teardown),
        cmocka_unit_test_setup_teardown(
            test_close_removes_timers_and_posted_events,
            tl_setup, tl_teardown),
        cmocka_unit_test_setup_teardown(
            test_conns_array_exhaustion_and_reuse, tl_setup, tl_teardown),
        cmocka_unit_test(test_conn_fits_the_memory_budget),
        cmocka_unit_test_setup_teardown(test_wakeup_from_other_threads,
                                        tl_setup, tl_teardown),
        cmocka_unit_test_setup_teardown(test_stop_from_another_thread,
                                        tl_setup, tl_teardown),
        cmocka_unit_test_setup_teardown(test_signal_delivered_as_loop_event,
                                        tl_setup, tl_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
