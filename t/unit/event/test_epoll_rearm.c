/*
 * test_epoll_rearm.c: unregistering and registering a connection again
 * (sl_loop_del_conn + sl_loop_add_conn / sl_loop_add_level), through
 * sl_event.h, with epoll_ctl and epoll_wait wrapped (-Wl,--wrap) to count
 * the system calls and to see what the kernel still reports. Covers: a
 * re-arm costs no epoll_ctl (level-triggered) or one EPOLL_CTL_MOD
 * (edge-triggered or a change of mode); a deletion nobody took back is
 * made before the next epoll_wait; nothing that arrived while a connection
 * was unregistered is lost, even an edge dropped from the current batch;
 * closing, re-initialising, changing the descriptor or reusing its number
 * while a deletion is queued; the queue's limit; listen sockets; errors.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_conns.h"
#include "evtest.h"

#include <sys/epoll.h>

#define TR_CALLS_MAX  512

typedef struct {
    int  op;
    int  fd;
} tr_call_t;

int __real_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int __wrap_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int __real_epoll_wait(int epfd, struct epoll_event *events, int max,
    int timeout);
int __wrap_epoll_wait(int epfd, struct epoll_event *events, int max,
    int timeout);

static tr_call_t  tr_calls[TR_CALLS_MAX];
static int        tr_ncalls;
static int        tr_fail_op;         /* 0: none; else fail this op */
static int        tr_fail_errno;
static int        tr_reported;        /* events epoll_wait returned */
static int        tr_alerts;          /* alerts the test expects */

typedef struct {
    sl_loop_t      *loop;
    sl_conns_t     *conns;
    evtest_log_t    log;
} tr_state_t;

static tr_state_t  *tr;
static int          tr_reads[8];      /* read handler calls, by id */
static sl_conn_t   *tr_pair[2];


int
__wrap_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    if (tr_ncalls < TR_CALLS_MAX) {
        tr_calls[tr_ncalls].op = op;
        tr_calls[tr_ncalls].fd = fd;
    }
    tr_ncalls++;
    if (op == tr_fail_op) {
        errno = tr_fail_errno;
        return -1;
    }
    return __real_epoll_ctl(epfd, op, fd, ev);
}


int
__wrap_epoll_wait(int epfd, struct epoll_event *events, int max,
    int timeout)
{
    int  n;

    n = __real_epoll_wait(epfd, events, max, timeout);
    if (n > 0) {
        tr_reported += n;
    }
    return n;
}


/* Calls of op (on fd, or any fd when fd is -1) since the last reset. */
static int
tr_count(int op, int fd)
{
    int  i, n;

    n = 0;
    for (i = 0; i < tr_ncalls && i < TR_CALLS_MAX; i++) {
        if (tr_calls[i].op == op && (fd == -1 || tr_calls[i].fd == fd)) {
            n++;
        }
    }
    return n;
}


static void
tr_reset(void)
{
    tr_ncalls = 0;
    tr_reported = 0;
}


static int
tr_setup(void **state)
{
    static tr_state_t  s;

    evtest_log_open(&s.log);
    s.loop = sl_loop_create(64, &s.log.log);
    assert_non_null(s.loop);
    s.conns = sl_conns_create(s.loop, 128, &s.log.log);
    assert_non_null(s.conns);
    tr = &s;
    memset(tr_reads, 0, sizeof(tr_reads));
    tr_fail_op = 0;
    tr_alerts = 0;
    tr_reset();
    *state = &s;
    return 0;
}


static int
tr_teardown(void **state)
{
    tr_state_t  *s = *state;

    tr_fail_op = 0;
    if (evtest_log_count(&s->log, "[alert]") != tr_alerts) {
        evtest_log_dump(&s->log);
    }
    assert_int_equal(evtest_log_count(&s->log, "[alert]"), tr_alerts);
    evtest_conns_destroy(s->conns);
    sl_loop_destroy(s->loop);
    evtest_log_close(&s->log);
    return 0;
}


/* Counts the call and reads everything, as an edge-triggered handler
 * must; data identifies the connection. */
static void
tr_read_handler(sl_event_t *ev)
{
    sl_conn_t  *c = ev->data;
    char        buf[64];

    tr_reads[(intptr_t) c->data]++;
    while (read(c->fd, buf, sizeof(buf)) > 0) {
        /* drain */
    }
    ev->ready = 0;
}


/* Counts the call and reads nothing: a level-triggered one repeats. */
static void
tr_count_handler(sl_event_t *ev)
{
    sl_conn_t  *c = ev->data;

    tr_reads[(intptr_t) c->data]++;
}


static sl_conn_t *
tr_conn(int fd, int id, sl_event_handler_pt handler)
{
    sl_conn_t  *c;

    c = sl_conns_get(tr->conns, fd);
    assert_non_null(c);
    c->data = (void *) (intptr_t) id;
    c->read.handler = handler;
    return c;
}


/* One iteration that cannot sleep: a guard timer ends the wait. */
static void
tr_run_once(sl_loop_t *loop)
{
    static sl_event_t  guard;

    assert_int_equal(sl_timer_add(loop, &guard, 5), SL_OK);
    assert_int_equal(sl_loop_run_once(loop), SL_OK);
    sl_timer_del(loop, &guard);
}


static void
tr_close_pair(int sv[2])
{
    if (sv[0] != -1) {
        assert_int_equal(close(sv[0]), 0);
    }
    assert_int_equal(close(sv[1]), 0);
}


static void
test_level_rearm_makes_no_system_call(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t   *c;
    int          sv[2], i;

    evtest_socketpair(sv);
    c = tr_conn(sv[0], 1, tr_count_handler);
    assert_int_equal(sl_loop_add_level(s->loop, c), SL_OK);
    assert_int_equal(tr_count(EPOLL_CTL_ADD, sv[0]), 1);

    tr_reset();
    for (i = 0; i < 100; i++) {
        assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);
        assert_false(c->registered);
        assert_int_equal(sl_loop_add_level(s->loop, c), SL_OK);
        assert_true(c->registered && c->read.active && c->level);
    }
    tr_run_once(s->loop);
    assert_int_equal(tr_ncalls, 0);

    /* Still watched: a byte is reported, and again while unread. */
    assert_int_equal(write(sv[1], "x", 1), 1);
    tr_run_once(s->loop);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[1], 2);
    assert_int_equal(tr_ncalls, 0);
    sl_conns_close(s->conns, c);
    assert_int_equal(tr_count(EPOLL_CTL_DEL, sv[0]), 1);
    sv[0] = -1;
    tr_close_pair(sv);
}


static void
test_edge_rearm_makes_one_mod(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t   *c;
    int          sv[2];

    evtest_socketpair(sv);
    c = tr_conn(sv[0], 1, tr_read_handler);
    assert_int_equal(sl_loop_add_conn(s->loop, c), SL_OK);
    tr_run_once(s->loop);                       /* the first write edge */

    tr_reset();
    assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);
    assert_int_equal(tr_ncalls, 0);
    assert_int_equal(sl_loop_add_conn(s->loop, c), SL_OK);
    assert_true(c->registered && c->read.active && c->write.active);
    assert_false(c->level);
    tr_run_once(s->loop);
    assert_int_equal(tr_ncalls, 1);
    assert_int_equal(tr_count(EPOLL_CTL_MOD, sv[0]), 1);

    assert_int_equal(write(sv[1], "x", 1), 1);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[1], 1);
    sl_conns_close(s->conns, c);
    sv[0] = -1;
    tr_close_pair(sv);
}


/* Edge-triggered to level-triggered and back: one MOD each, and the new
 * mode holds (level repeats an unread byte, edge does not). */
static void
test_rearm_in_another_mode_makes_one_mod(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t   *c;
    int          sv[2];

    evtest_socketpair(sv);
    c = tr_conn(sv[0], 1, tr_count_handler);
    assert_int_equal(sl_loop_add_conn(s->loop, c), SL_OK);
    tr_run_once(s->loop);

    tr_reset();
    assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);
    assert_int_equal(sl_loop_add_level(s->loop, c), SL_OK);
    assert_true(c->level);
    assert_false(c->write.active);
    assert_int_equal(tr_ncalls, 1);
    assert_int_equal(tr_count(EPOLL_CTL_MOD, sv[0]), 1);
    assert_int_equal(write(sv[1], "x", 1), 1);
    tr_run_once(s->loop);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[1], 2);

    tr_reset();
    assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);
    assert_int_equal(sl_loop_add_conn(s->loop, c), SL_OK);
    assert_int_equal(tr_ncalls, 1);
    assert_int_equal(tr_count(EPOLL_CTL_MOD, sv[0]), 1);
    tr_reads[1] = 0;
    tr_run_once(s->loop);                       /* the byte, once */
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[1], 1);
    sl_conns_close(s->conns, c);
    sv[0] = -1;
    tr_close_pair(sv);
}


static void
test_deletion_not_taken_back_is_made_before_the_wait(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t   *c;
    int          sv[2];

    evtest_socketpair(sv);
    c = tr_conn(sv[0], 1, tr_count_handler);
    assert_int_equal(sl_loop_add_level(s->loop, c), SL_OK);
    assert_int_equal(write(sv[1], "x", 1), 1);

    tr_reset();
    assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);
    assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);   /* no-op */
    assert_int_equal(tr_ncalls, 0);
    tr_run_once(s->loop);
    assert_int_equal(tr_ncalls, 1);
    assert_int_equal(tr_count(EPOLL_CTL_DEL, sv[0]), 1);
    assert_int_equal(tr_reported, 0);           /* the kernel forgot it */
    tr_run_once(s->loop);
    assert_int_equal(tr_ncalls, 1);
    assert_int_equal(tr_reads[1], 0);

    /* Added back after the deletion was made: a plain ADD. */
    assert_int_equal(sl_loop_add_level(s->loop, c), SL_OK);
    assert_int_equal(tr_count(EPOLL_CTL_ADD, sv[0]), 1);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[1], 1);
    sl_conns_close(s->conns, c);
    sv[0] = -1;
    tr_close_pair(sv);
}


/* Data that arrives while c is unregistered is reported once c is back. */
static void
tr_arrived_while_deleted_case(tr_state_t *s, int level)
{
    sl_conn_t  *c;
    int         sv[2];

    evtest_socketpair(sv);
    c = tr_conn(sv[0], 1, tr_read_handler);
    assert_int_equal(level ? sl_loop_add_level(s->loop, c)
                           : sl_loop_add_conn(s->loop, c), SL_OK);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[1], 0);

    assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);
    assert_int_equal(write(sv[1], "x", 1), 1);
    assert_int_equal(level ? sl_loop_add_level(s->loop, c)
                           : sl_loop_add_conn(s->loop, c), SL_OK);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[1], 1);
    sl_conns_close(s->conns, c);
    sv[0] = -1;
    tr_close_pair(sv);
}


static void
test_edge_data_arrived_while_deleted_is_reported(void **state)
{
    tr_arrived_while_deleted_case(*state, 0);
}


static void
test_level_data_arrived_while_deleted_is_reported(void **state)
{
    tr_arrived_while_deleted_case(*state, 1);
}


/*
 * Both of the pair are readable, so one batch holds both; whichever runs
 * first unregisters the other and, when tr_readd, registers it again. The
 * other's entry in the batch is dropped (it must not run in this batch),
 * and with an edge-triggered registration that edge would be gone for
 * good unless the re-add makes the kernel look again.
 */
static int  tr_readd, tr_level;

static void
tr_del_other_handler(sl_event_t *ev)
{
    sl_conn_t  *c = ev->data, *other;
    int         id;
    char        buf[8];

    id = (int) (intptr_t) c->data;
    tr_reads[id]++;
    while (read(c->fd, buf, sizeof(buf)) > 0) {
        /* drain, so that only the other one can be reported again */
    }
    ev->ready = 0;
    if (tr_reads[0] + tr_reads[1] > 1) {
        return;
    }
    other = tr_pair[id == 0 ? 1 : 0];
    assert_int_equal(sl_loop_del_conn(tr->loop, other), SL_OK);
    if (tr_readd) {
        assert_int_equal(tr_level ? sl_loop_add_level(tr->loop, other)
                                  : sl_loop_add_conn(tr->loop, other),
                         SL_OK);
    }
}


static void
tr_same_batch_case(tr_state_t *s, int level, int readd)
{
    int  a[2], b[2], i, first, second;

    tr_level = level;
    tr_readd = readd;
    evtest_socketpair(a);
    evtest_socketpair(b);
    for (i = 0; i < 2; i++) {
        tr_pair[i] = tr_conn(i == 0 ? a[0] : b[0], i, tr_del_other_handler);
        assert_int_equal(level ? sl_loop_add_level(s->loop, tr_pair[i])
                               : sl_loop_add_conn(s->loop, tr_pair[i]),
                         SL_OK);
    }
    assert_int_equal(write(a[1], "a", 1), 1);
    assert_int_equal(write(b[1], "b", 1), 1);

    tr_run_once(s->loop);
    assert_int_equal(tr_reads[0] + tr_reads[1], 1);
    first = tr_reads[0] ? 0 : 1;
    second = 1 - first;

    tr_run_once(s->loop);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[first], 1);
    assert_int_equal(tr_reads[second], readd ? 1 : 0);
    assert_int_equal(tr_pair[second]->registered, readd);

    for (i = 0; i < 2; i++) {
        sl_conns_close(s->conns, tr_pair[i]);
    }
    a[0] = b[0] = -1;
    tr_close_pair(a);
    tr_close_pair(b);
}


static void
test_edge_dropped_from_batch_is_reported_after_readd(void **state)
{
    tr_same_batch_case(*state, 0, 1);
}


static void
test_level_dropped_from_batch_is_reported_after_readd(void **state)
{
    tr_same_batch_case(*state, 1, 1);
}


static void
test_unregistered_gets_no_event_of_same_batch_or_later(void **state)
{
    tr_same_batch_case(*state, 0, 0);
}


/*
 * Closing while the deletion is queued removes the registration at once,
 * before close(2): with a dup of the descriptor alive, close(2) alone
 * would leave it in the set, reported forever. The queue forgets it, so
 * the number's next owner is not deleted by a late flush.
 */
static void
test_close_while_deletion_queued_removes_it_at_once(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t   *c, *d;
    int          sv[2], nv[2], dup_fd, fd;

    evtest_socketpair(sv);
    fd = sv[0];
    dup_fd = dup(fd);
    assert_true(dup_fd >= 0);
    c = tr_conn(fd, 1, tr_read_handler);
    assert_int_equal(sl_loop_add_conn(s->loop, c), SL_OK);
    tr_run_once(s->loop);

    tr_reset();
    assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);
    sl_conns_close(s->conns, c);
    assert_int_equal(tr_ncalls, 1);
    assert_int_equal(tr_count(EPOLL_CTL_DEL, fd), 1);
    assert_int_equal(c->fd, -1);

    assert_int_equal(write(sv[1], "x", 1), 1);
    tr_run_once(s->loop);
    assert_int_equal(tr_reported, 0);
    assert_int_equal(tr_reads[1], 0);

    /* The number comes back (lowest free) to a new connection. */
    evtest_socketpair(nv);
    assert_int_equal(nv[0], fd);
    tr_reset();
    d = tr_conn(nv[0], 2, tr_read_handler);
    assert_int_equal(sl_loop_add_conn(s->loop, d), SL_OK);
    assert_int_equal(tr_count(EPOLL_CTL_ADD, fd), 1);
    tr_run_once(s->loop);
    assert_int_equal(tr_count(EPOLL_CTL_DEL, -1), 0);
    assert_int_equal(write(nv[1], "y", 1), 1);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[2], 1);
    assert_int_equal(tr_reads[1], 0);

    sl_conns_close(s->conns, d);
    nv[0] = -1;
    tr_close_pair(nv);
    assert_int_equal(close(dup_fd), 0);
    sv[0] = -1;
    tr_close_pair(sv);
}


/*
 * The owner closes the descriptor with close(2) while its deletion is
 * queued (allowed: nobody else holds it) and the number goes to another
 * connection, which registers it. The late flush must not delete it.
 */
static void
test_number_reused_while_deletion_queued(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t   *c, *d;
    int          sv[2], nv[2], fd;

    evtest_socketpair(sv);
    fd = sv[0];
    c = tr_conn(fd, 1, tr_read_handler);
    assert_int_equal(sl_loop_add_conn(s->loop, c), SL_OK);
    tr_run_once(s->loop);

    assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);
    assert_int_equal(close(fd), 0);
    evtest_socketpair(nv);
    assert_int_equal(nv[0], fd);

    tr_reset();
    d = tr_conn(nv[0], 2, tr_read_handler);
    assert_int_equal(sl_loop_add_level(s->loop, d), SL_OK);
    tr_run_once(s->loop);
    assert_int_equal(tr_count(EPOLL_CTL_DEL, -1), 0);
    assert_int_equal(write(nv[1], "y", 1), 1);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[2], 1);
    assert_int_equal(tr_reads[1], 0);

    c->fd = -1;                                 /* closed above */
    sl_conns_close(s->conns, c);
    sl_conns_close(s->conns, d);
    assert_int_equal(tr_count(EPOLL_CTL_DEL, fd), 1);   /* d's level */
    nv[0] = -1;
    tr_close_pair(nv);
    sv[0] = -1;
    tr_close_pair(sv);
}


/*
 * Same, but the same connection takes the new descriptor: re-initialised
 * with sl_conn_init, as sl_event.h asks, it is registered for real even in
 * level-triggered mode, where a re-add would otherwise make no call.
 */
static void
test_reinitialised_conn_with_reused_number_is_registered(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t    c;
    int          sv[2], nv[2], fd;

    evtest_socketpair(sv);
    fd = sv[0];
    sl_conn_init(&c, fd);
    c.data = (void *) (intptr_t) 1;
    c.read.handler = tr_read_handler;
    assert_int_equal(sl_loop_add_level(s->loop, &c), SL_OK);

    assert_int_equal(sl_loop_del_conn(s->loop, &c), SL_OK);
    assert_int_equal(close(fd), 0);
    evtest_socketpair(nv);
    assert_int_equal(nv[0], fd);
    sl_conn_init(&c, nv[0]);
    c.data = (void *) (intptr_t) 1;
    c.read.handler = tr_read_handler;

    tr_reset();
    assert_int_equal(sl_loop_add_level(s->loop, &c), SL_OK);
    assert_int_equal(tr_count(EPOLL_CTL_ADD, fd), 1);   /* after a MOD */
    assert_int_equal(write(nv[1], "y", 1), 1);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[1], 1);

    sl_conn_close(s->loop, &c);
    nv[0] = -1;
    tr_close_pair(nv);
    sv[0] = -1;
    tr_close_pair(sv);
}


/*
 * c's descriptor changes while its deletion is queued and the old one
 * stays open: the old registration (which still points at c) is deleted
 * first, or the old descriptor's events would reach c's handler.
 */
static void
tr_fd_changed_case(tr_state_t *s, int reinit)
{
    sl_conn_t   conn, *c;
    int         a[2], b[2];

    evtest_socketpair(a);
    evtest_socketpair(b);
    c = &conn;
    sl_conn_init(c, a[0]);
    c->data = (void *) (intptr_t) 1;
    c->read.handler = tr_read_handler;
    assert_int_equal(sl_loop_add_conn(s->loop, c), SL_OK);
    tr_run_once(s->loop);

    assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);
    if (reinit) {
        sl_conn_init(c, b[0]);
        c->data = (void *) (intptr_t) 1;
        c->read.handler = tr_read_handler;
    } else {
        c->fd = b[0];
    }
    tr_reset();
    assert_int_equal(sl_loop_add_conn(s->loop, c), SL_OK);
    assert_int_equal(tr_ncalls, 2);
    assert_int_equal(tr_count(EPOLL_CTL_DEL, a[0]), 1);
    assert_int_equal(tr_count(EPOLL_CTL_ADD, b[0]), 1);
    assert_int_equal(tr_calls[0].op, EPOLL_CTL_DEL);

    assert_int_equal(write(a[1], "a", 1), 1);
    tr_run_once(s->loop);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[1], 0);
    assert_int_equal(write(b[1], "b", 1), 1);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[1], 1);

    sl_conn_close(s->loop, c);
    b[0] = -1;
    tr_close_pair(a);
    tr_close_pair(b);
}


static void
test_fd_changed_while_deletion_queued(void **state)
{
    tr_fd_changed_case(*state, 0);
}


static void
test_reinitialised_with_other_fd_while_deletion_queued(void **state)
{
    tr_fd_changed_case(*state, 1);
}


/*
 * Another connection registers the very descriptor whose deletion is
 * queued (still open): one MOD points the registration at it, so its
 * handler, not the old one's, gets the events.
 */
static void
test_other_conn_takes_over_queued_descriptor(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t   *c, *d;
    int          sv[2];

    evtest_socketpair(sv);
    c = tr_conn(sv[0], 1, tr_read_handler);
    assert_int_equal(sl_loop_add_level(s->loop, c), SL_OK);
    assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);

    tr_reset();
    d = tr_conn(sv[0], 2, tr_read_handler);
    assert_int_equal(sl_loop_add_level(s->loop, d), SL_OK);
    assert_int_equal(tr_ncalls, 1);
    assert_int_equal(tr_count(EPOLL_CTL_MOD, sv[0]), 1);
    assert_int_equal(write(sv[1], "x", 1), 1);
    tr_run_once(s->loop);
    assert_int_equal(tr_reads[2], 1);
    assert_int_equal(tr_reads[1], 0);

    c->fd = -1;                                 /* d owns it */
    sl_conns_close(s->conns, c);
    sl_conns_close(s->conns, d);
    sv[0] = -1;
    tr_close_pair(sv);
}


/* The owner may free c once it is unregistered; the queue only compares
 * the pointer (ASan checks that nothing reads it). */
static void
test_conn_freed_after_del_is_not_touched(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t   *c;
    int          sv[2];

    evtest_socketpair(sv);
    c = malloc(sizeof(sl_conn_t));
    assert_non_null(c);
    sl_conn_init(c, sv[0]);
    c->read.handler = tr_count_handler;
    assert_int_equal(sl_loop_add_level(s->loop, c), SL_OK);
    assert_int_equal(sl_loop_del_conn(s->loop, c), SL_OK);
    free(c);
    assert_int_equal(write(sv[1], "x", 1), 1);

    tr_reset();
    tr_run_once(s->loop);
    assert_int_equal(tr_count(EPOLL_CTL_DEL, sv[0]), 1);
    assert_int_equal(tr_reported, 0);
    tr_close_pair(sv);
}


/*
 * More deletions than the queue holds: the full queue is flushed. Adding
 * all back then takes an ADD for each flushed one and nothing for the
 * others; deleting all again deletes each descriptor exactly once.
 */
static void
test_queue_overflow(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t   *c[100];
    int          sv[100][2], i, flushed;

    for (i = 0; i < 100; i++) {
        evtest_socketpair(sv[i]);
        c[i] = tr_conn(sv[i][0], 1, tr_read_handler);
        assert_int_equal(sl_loop_add_level(s->loop, c[i]), SL_OK);
    }
    tr_reset();
    for (i = 0; i < 100; i++) {
        assert_int_equal(sl_loop_del_conn(s->loop, c[i]), SL_OK);
    }
    flushed = tr_ncalls;
    assert_true(flushed > 0 && flushed < 100);
    assert_int_equal(tr_count(EPOLL_CTL_DEL, -1), flushed);

    for (i = 0; i < 100; i++) {
        assert_int_equal(sl_loop_add_level(s->loop, c[i]), SL_OK);
        assert_int_equal(write(sv[i][1], "x", 1), 1);
    }
    tr_run_once(s->loop);                       /* 64 events a batch */
    tr_run_once(s->loop);
    tr_run_once(s->loop);
    assert_int_equal(tr_count(EPOLL_CTL_ADD, -1), flushed);
    assert_int_equal(tr_ncalls, 2 * flushed);
    assert_int_equal(tr_reads[1], 100);         /* all watched again */

    tr_reset();
    for (i = 0; i < 100; i++) {
        assert_int_equal(sl_loop_del_conn(s->loop, c[i]), SL_OK);
    }
    tr_run_once(s->loop);
    assert_int_equal(tr_ncalls, 100);
    assert_int_equal(tr_reported, 0);
    for (i = 0; i < 100; i++) {
        assert_int_equal(tr_count(EPOLL_CTL_DEL, sv[i][0]), 1);
        sl_conns_close(s->conns, c[i]);
        sv[i][0] = -1;
        tr_close_pair(sv[i]);
    }
}


/* Listen sockets are open in other processes too: deleted at once. */
static void
test_listen_socket_deleted_at_once(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t    c;
    uint16_t     port;
    int          fd;

    port = 0;
    fd = evtest_listen(&port, 0);
    sl_conn_init(&c, fd);
    c.listen = 1;
    assert_int_equal(sl_loop_add_level(s->loop, &c), SL_OK);
    tr_reset();
    assert_int_equal(sl_loop_del_conn(s->loop, &c), SL_OK);
    assert_int_equal(tr_ncalls, 1);
    assert_int_equal(tr_count(EPOLL_CTL_DEL, fd), 1);
    tr_run_once(s->loop);
    assert_int_equal(tr_ncalls, 1);
    sl_conn_close(s->loop, &c);
}


/*
 * A queued deletion of a descriptor closed with close(2) meets EBADF (or
 * ENOENT): expected, not logged (the teardown fails on any alert). Any
 * other failure is an alert, logged once; the registration then stays in
 * the kernel, and its events still never reach the handler.
 */
static void
test_flush_failures(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t    c;
    int          sv[2];

    evtest_socketpair(sv);
    sl_conn_init(&c, sv[0]);
    assert_int_equal(sl_loop_add_level(s->loop, &c), SL_OK);
    assert_int_equal(sl_loop_del_conn(s->loop, &c), SL_OK);
    assert_int_equal(close(sv[0]), 0);
    tr_reset();
    tr_run_once(s->loop);
    assert_int_equal(tr_count(EPOLL_CTL_DEL, sv[0]), 1);
    assert_int_equal(evtest_log_count(&s->log, "[alert]"), 0);

    evtest_socketpair(sv);
    sl_conn_init(&c, sv[0]);
    c.data = (void *) (intptr_t) 1;
    c.read.handler = tr_count_handler;
    assert_int_equal(sl_loop_add_level(s->loop, &c), SL_OK);
    assert_int_equal(sl_loop_del_conn(s->loop, &c), SL_OK);
    tr_fail_op = EPOLL_CTL_DEL;
    tr_fail_errno = ENOMEM;
    tr_run_once(s->loop);
    tr_fail_op = 0;
    tr_alerts = 1;
    assert_int_equal(evtest_log_count(&s->log, "[alert]"), 1);
    assert_int_equal(evtest_log_count(&s->log, "epoll_ctl(2,"), 1);

    assert_int_equal(write(sv[1], "x", 1), 1);
    tr_reset();
    tr_run_once(s->loop);
    assert_int_equal(tr_reported, 1);
    assert_int_equal(tr_reads[1], 0);
    sl_conn_close(s->loop, &c);
    sv[0] = -1;
    tr_close_pair(sv);
}


/* A failed MOD leaves c unregistered and out of the kernel's set. */
static void
test_failed_mod_leaves_conn_unregistered(void **state)
{
    tr_state_t  *s = *state;
    sl_conn_t    c;
    int          sv[2];

    evtest_socketpair(sv);
    sl_conn_init(&c, sv[0]);
    c.data = (void *) (intptr_t) 1;
    c.read.handler = tr_count_handler;
    assert_int_equal(sl_loop_add_conn(s->loop, &c), SL_OK);
    assert_int_equal(sl_loop_del_conn(s->loop, &c), SL_OK);
    tr_fail_op = EPOLL_CTL_MOD;
    tr_fail_errno = ENOMEM;
    assert_int_equal(sl_loop_add_conn(s->loop, &c), SL_ERROR);
    tr_fail_op = 0;
    assert_false(c.registered);
    tr_alerts = 1;
    assert_int_equal(evtest_log_count(&s->log, "[alert]"), 1);

    assert_int_equal(write(sv[1], "x", 1), 1);
    tr_reset();
    tr_run_once(s->loop);
    assert_int_equal(tr_reported, 0);
    assert_int_equal(tr_reads[1], 0);
    sl_conn_close(s->loop, &c);
    sv[0] = -1;
    tr_close_pair(sv);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
#define TR_TEST(name) \
        cmocka_unit_test_setup_teardown(name, tr_setup, tr_teardown)
        TR_TEST(test_level_rearm_makes_no_system_call),
        TR_TEST(test_edge_rearm_makes_one_mod),
        TR_TEST(test_rearm_in_another_mode_makes_one_mod),
        TR_TEST(test_deletion_not_taken_back_is_made_before_the_wait),
        TR_TEST(test_edge_data_arrived_while_deleted_is_reported),
        TR_TEST(test_level_data_arrived_while_deleted_is_reported),
        TR_TEST(test_edge_dropped_from_batch_is_reported_after_readd),
        TR_TEST(test_level_dropped_from_batch_is_reported_after_readd),
        TR_TEST(test_unregistered_gets_no_event_of_same_batch_or_later),
        TR_TEST(test_close_while_deletion_queued_removes_it_at_once),
        TR_TEST(test_number_reused_while_deletion_queued),
        TR_TEST(test_reinitialised_conn_with_reused_number_is_registered),
        TR_TEST(test_fd_changed_while_deletion_queued),
        TR_TEST(test_reinitialised_with_other_fd_while_deletion_queued),
        TR_TEST(test_other_conn_takes_over_queued_descriptor),
        TR_TEST(test_conn_freed_after_del_is_not_touched),
        TR_TEST(test_queue_overflow),
        TR_TEST(test_listen_socket_deleted_at_once),
        TR_TEST(test_flush_failures),
        TR_TEST(test_failed_mod_leaves_conn_unregistered),
#undef TR_TEST
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
