/*
 * test_epoll.c: the loop on epoll (event layer, sl_epoll.c): registration
 * and dispatch through sl_event.h, on socketpairs: edge-triggered
 * read/write readiness, eof, level-triggered registration, unregistering,
 * the stale-event rule (a connection closed while its event waits later
 * in the same epoll batch gets no callback, even when its slot is reused
 * at once), closing, and a stop from another thread. Re-arming has its
 * own binary (test_epoll_rearm.c, with system calls wrapped); the wake-up,
 * signals and the connection array have theirs (test_wakeup.c,
 * test_evsignal.c, test_conns.c).
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_conns.h"
#include "sl_loop.h"
#include "evtest.h"

#include <pthread.h>

static evtest_loop_t  *tl;
static int             tl_reads, tl_writes;
static char            tl_calls[64];      /* which connections ran, by id */
static int             tl_ncalls;

static int
tl_setup(void **state)
{
    (void) evtest_loop_setup(state);
    tl = *state;
    tl_reads = tl_writes = tl_ncalls = 0;
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
    evtest_loop_t  *s = *state;
    sl_conn_t      *c;
    int             sv[2];

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
    evtest_loop_t  *s = *state;
    sl_conn_t       c;
    int             sv[2];
    char            ch;

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
tl_stale_event_case(evtest_loop_t *s, int reuse)
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
    evtest_loop_t  *s = *state;
    sl_conn_t      *c;
    int             sv[2];

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
    evtest_loop_t  *s = *state;
    sl_conn_t      *c;
    int             sv[2];

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
    assert_int_equal(s->loop->ntimers, 0);
    (void) evtest_run_until(s->loop, &tl_reads, 30);
    assert_int_equal(tl_reads, 0);
    assert_int_equal(close(sv[1]), 0);
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
    evtest_loop_t  *s = *state;
    pthread_t       t;

    assert_int_equal(pthread_create(&t, NULL, tl_stopper_main, s->loop), 0);
    assert_int_equal(sl_loop_run(s->loop), SL_OK);
    assert_int_equal(pthread_join(t, NULL), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_edge_triggered_read_write_and_eof, tl_setup, evtest_loop_teardown),
        cmocka_unit_test_setup_teardown(
            test_level_triggered_repeats_until_read, tl_setup, evtest_loop_teardown),
        cmocka_unit_test_setup_teardown(
            test_closed_conn_gets_no_pending_event_of_same_batch,
            tl_setup, evtest_loop_teardown),
        cmocka_unit_test_setup_teardown(
            test_reused_slot_gets_no_stale_event_of_same_batch,
            tl_setup, evtest_loop_teardown),
        cmocka_unit_test_setup_teardown(
            test_read_handler_closing_skips_write_handler,
            tl_setup, evtest_loop_teardown),
        cmocka_unit_test_setup_teardown(
            test_close_removes_timers_and_posted_events,
            tl_setup, evtest_loop_teardown),
        cmocka_unit_test_setup_teardown(test_stop_from_another_thread,
                                        tl_setup, evtest_loop_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
