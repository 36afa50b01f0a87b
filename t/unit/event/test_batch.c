/*
 * test_batch.c: batched sends (sl_loop_send) on socketpairs: bytes leave
 * only at the next iteration and arrive intact; a send the socket cannot
 * take stays in flight, keeps its connection busy and wakes the write
 * handler once it is out; closing a connection submits a queued send
 * first and cancels one that is stuck, so the socket is released; too
 * large a send is declined; running out of slots flushes; a failed send
 * is reported. Skipped where the kernel refuses io_uring.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "evtest.h"

#define TB_PAIRS  70                    /* more than the loop's slots */

typedef struct {
    sl_loop_t      *loop;
    evtest_log_t    log;
    sl_conn_t       conns[TB_PAIRS];
    int             peers[TB_PAIRS];
} tb_state_t;

static int  tb_writes;

static int
tb_setup(void **state)
{
    static tb_state_t  s;
    int                i, sv[2];

    memset(&s, 0, sizeof(s));
    evtest_log_open(&s.log);
    s.loop = sl_loop_create(64, &s.log.log);
    assert_non_null(s.loop);
    if (sl_loop_batch_enable(s.loop) != SL_OK) {
        sl_loop_destroy(s.loop);
        evtest_log_close(&s.log);
        skip();
    }
    assert_true(sl_loop_batch_enabled(s.loop));
    for (i = 0; i < TB_PAIRS; i++) {
        evtest_socketpair(sv);
        sl_conn_init(&s.conns[i], sv[0]);
        assert_int_equal(sl_loop_add_conn(s.loop, &s.conns[i]), SL_OK);
        s.peers[i] = sv[1];
    }
    tb_writes = 0;
    *state = &s;
    return 0;
}

static int
tb_teardown(void **state)
{
    tb_state_t  *s = *state;
    int          i;

    assert_int_equal(evtest_log_count(&s->log, "[alert]"), 0);
    for (i = 0; i < TB_PAIRS; i++) {
        sl_conn_close(s->loop, &s->conns[i]);
        if (s->peers[i] != -1) {
            (void) close(s->peers[i]);
        }
    }
    sl_loop_destroy(s->loop);
    evtest_log_close(&s->log);
    return 0;
}

static void
tb_write_handler(sl_event_t *ev)
{
    sl_conn_t  *c = ev->data;

    assert_true(ev->ready);
    assert_false(c->send_queued);
    tb_writes++;
}

/* One loop iteration, bounded by a guard timer. */
static void
tb_iterate(sl_loop_t *loop)
{
    static sl_event_t  guard;

    assert_int_equal(sl_timer_add(loop, &guard, 10), SL_OK);
    assert_int_equal(sl_loop_run_once(loop), SL_OK);
    sl_timer_del(loop, &guard);
}

static ssize_t
tb_send(sl_loop_t *loop, sl_conn_t *c, const char *a, const char *b)
{
    struct iovec  iov[2];

    iov[0].iov_base = (void *) a;
    iov[0].iov_len = strlen(a);
    iov[1].iov_base = (void *) b;
    iov[1].iov_len = strlen(b);
    return sl_loop_send(loop, c, iov, 2);
}

/* Reads what is there (non-blocking) into buf; returns the length. */
static size_t
tb_read(int fd, char *buf, size_t size)
{
    size_t   got;
    ssize_t  n;

    got = 0;
    while (got < size && (n = recv(fd, buf + got, size - got,
                                   MSG_DONTWAIT)) > 0)
    {
        got += (size_t) n;
    }
    return got;
}

/* Fills c's socket until it takes no more; returns the bytes written. */
static size_t
tb_fill(sl_conn_t *c)
{
    static char  junk[4096];
    size_t       total;
    ssize_t      n;
    int          size;

    size = 4096;
    assert_int_equal(setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &size,
                                sizeof(size)), 0);
    total = 0;
    while ((n = write(c->fd, junk, sizeof(junk))) > 0) {
        total += (size_t) n;
    }
    assert_int_equal(errno, EAGAIN);
    return total;
}

/* Reads and counts bytes until n junk bytes came; returns what follows. */
static size_t
tb_drain(tb_state_t *s, int i, size_t junk, char *rest, size_t size)
{
    char     buf[4096];
    size_t   got;
    ssize_t  n;

    got = 0;
    while (got < junk) {
        n = recv(s->peers[i], buf, sl_min(sizeof(buf), junk - got),
                 MSG_DONTWAIT);
        if (n > 0) {
            got += (size_t) n;
            continue;
        }
        assert_int_equal(errno, EAGAIN);
        tb_iterate(s->loop);
    }
    return tb_read(s->peers[i], rest, size);
}

static void
test_sends_leave_at_the_next_iteration(void **state)
{
    tb_state_t  *s = *state;
    char         buf[64];
    int          i;

    for (i = 0; i < 3; i++) {
        assert_int_equal(tb_send(s->loop, &s->conns[i], "hello, ",
                                 i == 1 ? "one" : "other"),
                         i == 1 ? 10 : 12);
        assert_true(s->conns[i].send_queued);
        assert_int_equal(tb_read(s->peers[i], buf, sizeof(buf)), 0);
    }
    tb_iterate(s->loop);
    for (i = 0; i < 3; i++) {
        memset(buf, 0, sizeof(buf));
        assert_int_equal(tb_read(s->peers[i], buf, sizeof(buf)),
                         i == 1 ? 10 : 12);
        assert_string_equal(buf, i == 1 ? "hello, one" : "hello, other");
        assert_false(s->conns[i].send_queued);
    }
}

static void
test_stuck_send_keeps_the_connection_busy(void **state)
{
    tb_state_t  *s = *state;
    sl_conn_t   *c = &s->conns[0];
    char         msg[3001], buf[4096];
    size_t       junk;
    int          i;

    memset(msg, 'm', sizeof(msg) - 1);
    msg[sizeof(msg) - 1] = '\0';
    /* Out of epoll: only the completion can call the handler now. */
    assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);
    c->write.handler = tb_write_handler;
    junk = tb_fill(c);
    assert_int_equal(tb_send(s->loop, c, msg, "!"), 3001);
    for (i = 0; i < 3; i++) {
        tb_iterate(s->loop);
    }
    assert_true(c->send_queued);        /* the socket is still full */
    assert_int_equal(tb_send(s->loop, c, "next", ""), SL_AGAIN);
    assert_false(c->write.ready);
    assert_true(sl_conn_send_busy(c));

    memset(buf, 0, sizeof(buf));
    (void) tb_drain(s, 0, junk, buf, sizeof(buf) - 1);
    for (i = 0; i < 50 && (c->send_queued || tb_writes == 0); i++) {
        tb_iterate(s->loop);
    }
    assert_false(c->send_queued);
    assert_int_equal(tb_writes, 1);     /* the waiter was woken, once */
    assert_true(c->write.ready);
    (void) tb_read(s->peers[0], buf + strlen(buf),
                   sizeof(buf) - strlen(buf) - 1);
    assert_int_equal(strlen(buf), 3001);
    assert_int_equal(buf[3000], '!');
    assert_false(sl_conn_send_busy(c));
}

static void
test_close_cancels_a_stuck_send(void **state)
{
    tb_state_t  *s = *state;
    sl_conn_t   *c = &s->conns[0];
    char         buf[4096];
    size_t       junk;
    int          i;

    junk = tb_fill(c);
    assert_int_equal(tb_send(s->loop, c, "never", " sent"), 10);
    tb_iterate(s->loop);
    assert_true(c->send_queued);
    sl_conn_close(s->loop, c);
    assert_false(c->send_queued);

    /* The socket is released: after the filler the peer sees the end,
     * not the cancelled bytes (and not a socket held open forever). */
    assert_int_equal(tb_drain(s, 0, junk, buf, sizeof(buf)), 0);
    for (i = 0; i < 3; i++) {
        tb_iterate(s->loop);
    }
    assert_int_equal(recv(s->peers[0], buf, sizeof(buf), MSG_DONTWAIT), 0);
}

static void
test_close_submits_a_queued_send_first(void **state)
{
    tb_state_t  *s = *state;
    char         buf[64];

    assert_int_equal(tb_send(s->loop, &s->conns[2], "last ", "words"), 10);
    sl_conn_close(s->loop, &s->conns[2]);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(recv(s->peers[2], buf, sizeof(buf), 0), 10);
    assert_string_equal(buf, "last words");
    assert_int_equal(recv(s->peers[2], buf, sizeof(buf), 0), 0);
}

static void
test_large_sends_are_declined(void **state)
{
    tb_state_t    *s = *state;
    static char    big[4097];
    struct iovec   iov;

    iov.iov_base = big;
    iov.iov_len = sizeof(big);
    assert_int_equal(sl_loop_send(s->loop, &s->conns[0], &iov, 1),
                     SL_DECLINED);
    assert_false(s->conns[0].send_queued);
    iov.iov_len = 4096;
    assert_int_equal(sl_loop_send(s->loop, &s->conns[0], &iov, 1), 4096);
}

static void
test_running_out_of_slots_flushes(void **state)
{
    tb_state_t  *s = *state;
    char         buf[16];
    int          i;

    for (i = 0; i < TB_PAIRS; i++) {
        assert_int_equal(tb_send(s->loop, &s->conns[i], "slot", ""), 4);
    }
    tb_iterate(s->loop);
    for (i = 0; i < TB_PAIRS; i++) {
        assert_int_equal(tb_read(s->peers[i], buf, sizeof(buf)), 4);
        assert_false(s->conns[i].send_queued);
    }
}

static void
test_failed_send_is_reported(void **state)
{
    tb_state_t  *s = *state;
    sl_conn_t   *c = &s->conns[1];

    assert_int_equal(close(s->peers[1]), 0);
    s->peers[1] = -1;
    c->write.handler = NULL;
    assert_int_equal(tb_send(s->loop, c, "to ", "nobody"), 9);
    tb_iterate(s->loop);
    assert_false(c->send_queued);
    assert_true(c->write.error);
    assert_int_equal(evtest_log_count(&s->log, "send() failed"), 1);
}

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_sends_leave_at_the_next_iteration, tb_setup, tb_teardown),
        cmocka_unit_test_setup_teardown(
            test_stuck_send_keeps_the_connection_busy, tb_setup,
            tb_teardown),
        cmocka_unit_test_setup_teardown(
            test_close_cancels_a_stuck_send, tb_setup, tb_teardown),
        cmocka_unit_test_setup_teardown(
            test_close_submits_a_queued_send_first, tb_setup, tb_teardown),
        cmocka_unit_test_setup_teardown(
            test_large_sends_are_declined, tb_setup, tb_teardown),
        cmocka_unit_test_setup_teardown(
            test_running_out_of_slots_flushes, tb_setup, tb_teardown),
        cmocka_unit_test_setup_teardown(
            test_failed_send_is_reported, tb_setup, tb_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
