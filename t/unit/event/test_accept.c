/*
 * test_accept.c: accepting through sl_accept.h on 127.0.0.1 with
 * kernel-chosen ports: both strategies, the batch bound, running out of
 * connections (clients wait in the backlog, not reset), stopping, the
 * mutex (7/8 back-off, a live holder, a dead holder reclaimed) and two
 * forked workers per strategy sharing the clients.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_conns.h"
#include "sl_accept.h"
#include "evtest.h"

#include <sys/wait.h>

#define TA_MAX  64

typedef struct {
    sl_loop_t           *loop;
    sl_conns_t          *conns;
    sl_accept_t         *accept;
    sl_accept_mutex_t   *mutex;
    int                  lfd;
    uint16_t             port;
    evtest_log_t         log;
} ta_state_t;

static ta_state_t   *ta;
static sl_conn_t    *ta_accepted[TA_MAX];
static int           ta_naccepted;
static void         *ta_listen_data;
static sl_uint_t     ta_owner_in_handler;

static int
ta_setup_n(void **state, sl_uint_t nconns)
{
    static ta_state_t  s;

    memset(&s, 0, sizeof(s));
    evtest_log_open(&s.log);
    s.loop = sl_loop_create(64, &s.log.log);
    assert_non_null(s.loop);
    s.conns = sl_conns_create(s.loop, nconns, &s.log.log);
    assert_non_null(s.conns);
    s.lfd = evtest_listen(&s.port, 0);
    s.mutex = mmap(NULL, sizeof(sl_accept_mutex_t), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(s.mutex != MAP_FAILED);
    ta = &s;
    ta_naccepted = 0;
    ta_listen_data = NULL;
    *state = &s;
    return 0;
}

static int
ta_setup(void **state)
{
    return ta_setup_n(state, 16);
}

static int
ta_setup_small(void **state)
{
    return ta_setup_n(state, 2);
}

static int
ta_setup_large(void **state)
{
    return ta_setup_n(state, TA_MAX);
}

static int
ta_teardown(void **state)
{
    ta_state_t  *s = *state;

    assert_int_equal(evtest_log_count(&s->log, "[alert]"), 0);
    sl_accept_destroy(s->accept);
    assert_int_equal(s->mutex->owner, 0);
    evtest_conns_destroy(s->conns);
    sl_loop_destroy(s->loop);
    assert_int_equal(close(s->lfd), 0);
    assert_int_equal(munmap(s->mutex, sizeof(sl_accept_mutex_t)), 0);
    evtest_log_close(&s->log);
    return 0;
}

static void
ta_handler(sl_conn_t *c, void *listen_data)
{
    /* Registering is the handler's call (see sl_accept_handler_pt). */
    assert_false(c->registered);
    assert_int_equal(sl_loop_add_conn(ta->loop, c), SL_OK);
    assert_true(c->pooled);
    assert_int_equal(fcntl(c->fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    assert_int_equal(fcntl(c->fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    ta_owner_in_handler = ta->mutex->owner;
    ta_listen_data = listen_data;
    ta_accepted[ta_naccepted++] = c;
}

static void
ta_create(ta_state_t *s, sl_accept_strategy_e strategy, sl_uint_t batch)
{
    static sl_accept_listen_t  ls;
    sl_accept_conf_t           conf;

    ls.fd = s->lfd;
    ls.data = &ls;
    memset(&conf, 0, sizeof(conf));
    conf.strategy = strategy;
    conf.listens = &ls;
    conf.nlistens = 1;
    conf.mutex = s->mutex;
    conf.handler = ta_handler;
    conf.batch = batch;
    s->accept = sl_accept_create(s->loop, s->conns, &conf);
    assert_non_null(s->accept);
}

static void
ta_run_until_accepted(sl_loop_t *loop, int n, unsigned msec)
{
    static sl_event_t  guard;
    uint64_t           end;

    end = evtest_usec() + (uint64_t) msec * 1000;
    while (ta_naccepted < n && evtest_usec() < end) {
        assert_int_equal(sl_timer_add(loop, &guard, 10), SL_OK);
        assert_int_equal(sl_loop_run_once(loop), SL_OK);
    }
    sl_timer_del(loop, &guard);
}

static void
ta_close_accepted(ta_state_t *s)
{
    int  i;

    for (i = 0; i < ta_naccepted; i++) {
        sl_conns_close(s->conns, ta_accepted[i]);
    }
    ta_naccepted = 0;
}

static uint16_t
ta_local_port(int fd)
{
    struct sockaddr_in  sin;
    socklen_t           len;

    len = sizeof(sin);
    assert_int_equal(getsockname(fd, (struct sockaddr *) &sin, &len), 0);
    return ntohs(sin.sin_port);
}

/* Peer of an accepted connection: reset (-1, ECONNRESET) or open (0). */
static int
ta_client_is_reset(int fd)
{
    char  ch;

    if (recv(fd, &ch, 1, MSG_DONTWAIT) == -1 && errno == ECONNRESET) {
        return 1;
    }
    return 0;
}

static void
test_reuseport_accepts_with_peer_address(void **state)
{
    ta_state_t  *s = *state;
    int          cl[3], i;

    ta_create(s, SL_ACCEPT_REUSEPORT, 0);
    assert_true(evtest_epoll_has(s->lfd));
    for (i = 0; i < 3; i++) {
        cl[i] = evtest_connect(s->port);
        assert_true(cl[i] >= 0);
    }
    ta_run_until_accepted(s->loop, 3, 2000);
    assert_int_equal(ta_naccepted, 3);
    assert_non_null(ta_listen_data);
    for (i = 0; i < 3; i++) {
        assert_int_equal(ta_accepted[i]->addr.sin.sin_family, AF_INET);
        assert_int_equal(ta_accepted[i]->socklen, sizeof(struct sockaddr_in));
        assert_int_equal(ntohl(ta_accepted[i]->addr.sin.sin_addr.s_addr),
                         INADDR_LOOPBACK);
        assert_int_equal(ntohs(ta_accepted[i]->addr.sin.sin_port),
                         ta_local_port(cl[i]));
        assert_int_equal(close(cl[i]), 0);
    }
    ta_close_accepted(s);
}

static void
test_batch_bounds_accepts_per_event(void **state)
{
    ta_state_t  *s = *state;
    int          cl[6], i;

    for (i = 0; i < 6; i++) {
        cl[i] = evtest_connect(s->port);
        assert_true(cl[i] >= 0);
    }
    ta_create(s, SL_ACCEPT_REUSEPORT, 2);
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(ta_naccepted, 2);
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_int_equal(ta_naccepted, 4);
    ta_run_until_accepted(s->loop, 6, 2000);
    assert_int_equal(ta_naccepted, 6);
    for (i = 0; i < 6; i++) {
        assert_int_equal(close(cl[i]), 0);
    }
    ta_close_accepted(s);
}

static void
ta_out_of_conns_case(ta_state_t *s, sl_accept_strategy_e strategy)
{
    int  cl[4], i;

    ta_create(s, strategy, 0);
    for (i = 0; i < 4; i++) {
        cl[i] = evtest_connect(s->port);
        assert_true(cl[i] >= 0);
    }
    ta_run_until_accepted(s->loop, 3, 200);
    assert_int_equal(ta_naccepted, 2);      /* only two connections */
    assert_false(evtest_epoll_has(s->lfd));
    assert_int_equal(evtest_log_count(&s->log,
                     "worker_connections are not enough"), 1);
    for (i = 0; i < 4; i++) {
        assert_false(ta_client_is_reset(cl[i]));
    }

    /* One frees: the next client is taken, no more. */
    sl_conns_close(s->conns, ta_accepted[0]);
    ta_accepted[0] = ta_accepted[1];
    ta_naccepted = 1;
    ta_run_until_accepted(s->loop, 3, 200);
    assert_int_equal(ta_naccepted, 2);
    sl_conns_close(s->conns, ta_accepted[0]);
    ta_accepted[0] = ta_accepted[1];
    ta_naccepted = 1;
    ta_run_until_accepted(s->loop, 2, 2000);
    assert_int_equal(ta_naccepted, 2);
    for (i = 0; i < 4; i++) {
        assert_false(ta_client_is_reset(cl[i]));
        assert_int_equal(close(cl[i]), 0);
    }
    ta_close_accepted(s);
}

static void
test_reuseport_out_of_conns_leaves_clients_in_backlog(void **state)
{
    ta_out_of_conns_case(*state, SL_ACCEPT_REUSEPORT);
}

static void
test_mutex_out_of_conns_leaves_clients_in_backlog(void **state)
{
    ta_out_of_conns_case(*state, SL_ACCEPT_MUTEX);
}

static void
test_exclusive_out_of_conns_leaves_clients_in_backlog(void **state)
{
    ta_out_of_conns_case(*state, SL_ACCEPT_EXCLUSIVE);
}

static void
ta_stop_case(ta_state_t *s, sl_accept_strategy_e strategy)
{
    int  cl;

    ta_create(s, strategy, 0);
    (void) evtest_run_until(s->loop, &ta_naccepted, 30);
    sl_accept_stop(s->accept);
    sl_accept_stop(s->accept);
    assert_false(evtest_epoll_has(s->lfd));
    cl = evtest_connect(s->port);
    assert_true(cl >= 0);
    (void) evtest_run_until(s->loop, &ta_naccepted, 100);
    assert_int_equal(ta_naccepted, 0);
    assert_int_equal(s->mutex->owner, 0);
    assert_int_equal(close(cl), 0);
}

static void
test_reuseport_stop_never_accepts_again(void **state)
{
    ta_stop_case(*state, SL_ACCEPT_REUSEPORT);
}

static void
test_mutex_stop_never_accepts_again(void **state)
{
    ta_stop_case(*state, SL_ACCEPT_MUTEX);
}

/* After a stop, a drain takes exactly the clients queued by then. */
static void
test_drain_after_stop_takes_the_queue(void **state)
{
    ta_state_t  *s = *state;
    int          cl[3], i;

    ta_create(s, SL_ACCEPT_REUSEPORT, 0);
    sl_accept_stop(s->accept);
    for (i = 0; i < 3; i++) {
        cl[i] = evtest_connect(s->port);
        assert_true(cl[i] >= 0);
    }
    sl_accept_drain(s->accept);
    assert_int_equal(ta_naccepted, 3);
    sl_accept_drain(s->accept);                 /* empty now: nothing */
    assert_int_equal(ta_naccepted, 3);
    assert_false(evtest_epoll_has(s->lfd));
    for (i = 0; i < 3; i++) {
        assert_false(ta_client_is_reset(cl[i]));
        assert_int_equal(close(cl[i]), 0);
    }
    ta_close_accepted(s);
}

static void
test_exclusive_stop_never_accepts_again(void **state)
{
    ta_stop_case(*state, SL_ACCEPT_EXCLUSIVE);
}

/* More than SL_ACCEPT_ROTATE clients: the re-registration that rotates
 * the exclusive waiters loses none of them and keeps polling. */
static void
test_exclusive_rotation_keeps_accepting(void **state)
{
    ta_state_t  *s = *state;
    int          cl[3 * SL_ACCEPT_ROTATE + 1], i, n;

    assert_true(sl_loop_has_exclusive());
    n = (int) sl_nelem(cl);
    ta_create(s, SL_ACCEPT_EXCLUSIVE, 0);
    for (i = 0; i < n; i++) {
        cl[i] = evtest_connect(s->port);
        assert_true(cl[i] >= 0);
    }
    ta_run_until_accepted(s->loop, n, 2000);
    assert_int_equal(ta_naccepted, n);
    assert_true(evtest_epoll_has(s->lfd));
    for (i = 0; i < n; i++) {
        assert_int_equal(close(cl[i]), 0);
    }
    ta_close_accepted(s);
}

static void
test_mutex_held_while_accepting_released_after(void **state)
{
    ta_state_t  *s = *state;
    int          cl;

    ta_create(s, SL_ACCEPT_MUTEX, 0);
    cl = evtest_connect(s->port);
    assert_true(cl >= 0);
    ta_run_until_accepted(s->loop, 1, 2000);
    assert_int_equal(ta_naccepted, 1);
    assert_int_equal(ta_owner_in_handler, (sl_uint_t) getpid());
    assert_int_equal(s->mutex->owner, 0);
    assert_int_equal(close(cl), 0);
    ta_close_accepted(s);
}

/* Past 7/8 of the connections, every other try-lock is skipped; with none
 * free, none is tried. Polling shows whether this iteration held it. */
static void
test_mutex_backs_off_near_connection_limit(void **state)
{
    ta_state_t  *s = *state;
    sl_event_t   guard;
    sl_conn_t   *held[16];
    int          i, polled;

    memset(&guard, 0, sizeof(guard));
    ta_create(s, SL_ACCEPT_MUTEX, 0);
    for (i = 0; i < 14; i++) {              /* the 7/8 mark of 16 */
        held[i] = sl_conns_get(s->conns, -1);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(sl_timer_add(s->loop, &guard, 1), SL_OK);
        assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
        assert_true(evtest_epoll_has(s->lfd));
    }

    held[14] = sl_conns_get(s->conns, -1);  /* one past the mark */
    polled = 0;
    for (i = 0; i < 4; i++) {
        assert_int_equal(sl_timer_add(s->loop, &guard, 1), SL_OK);
        assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
        polled += evtest_epoll_has(s->lfd);
    }
    assert_int_equal(polled, 2);

    held[15] = sl_conns_get(s->conns, -1);  /* none free */
    for (i = 0; i < 4; i++) {
        assert_int_equal(sl_timer_add(s->loop, &guard, 1), SL_OK);
        assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
        assert_false(evtest_epoll_has(s->lfd));
    }
    for (i = 0; i < 16; i++) {
        sl_conns_close(s->conns, held[i]);
    }
    sl_timer_del(s->loop, &guard);
}

static void
test_mutex_held_by_live_then_dead_process(void **state)
{
    ta_state_t  *s = *state;
    uint64_t     t0;
    pid_t        child;
    int          cl, status;

    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        for ( ;; ) {
            pause();
        }
    }
    s->mutex->owner = (sl_uint_t) child;
    ta_create(s, SL_ACCEPT_MUTEX, 0);
    cl = evtest_connect(s->port);
    assert_true(cl >= 0);

    /* Not holding: no accepts, and no iteration sleeps much past the
     * try-lock delay even without timers. */
    t0 = evtest_usec();
    assert_int_equal(sl_loop_run_once(s->loop), SL_OK);
    assert_true(evtest_usec() - t0 < 200000);
    ta_run_until_accepted(s->loop, 1, 150);
    assert_int_equal(ta_naccepted, 0);
    assert_false(evtest_epoll_has(s->lfd));
    assert_int_equal(s->mutex->waiting, 1);

    /* The holder dies: within about a second the lock is reclaimed. */
    assert_int_equal(kill(child, SIGKILL), 0);
    assert_int_equal(waitpid(child, &status, 0), child);
    ta_run_until_accepted(s->loop, 1, 3000);
    assert_int_equal(ta_naccepted, 1);
    assert_int_equal(evtest_log_count(&s->log, "reclaimed"), 1);
    assert_int_equal(close(cl), 0);
    ta_close_accepted(s);
}

static void
test_mutex_force_unlock_only_for_owner(void **state)
{
    sl_accept_mutex_t  m;

    m.owner = 12345;
    m.waiting = 0;
    assert_int_equal(sl_accept_mutex_force_unlock(&m, 999), 0);
    assert_int_equal(m.owner, 12345);
    assert_int_equal(sl_accept_mutex_force_unlock(&m, 12345), 1);
    assert_int_equal(m.owner, 0);
}

/* Two forked workers, each with its own loop, take the clients. */

#define TA_CLIENTS  40

static sl_conns_t  *ta_child_conns;
static int          ta_child_count;

static void
ta_child_reply_handler(sl_conn_t *c, void *listen_data)
{
    ssize_t  n;

    n = write(c->fd, "x", 1);
    (void) n;
    ta_child_count++;
    sl_conns_close(ta_child_conns, c);
}

static void
ta_child_term_handler(int signo, void *data)
{
    sl_loop_stop(data);
}

static int  ta_child_pipe;

/* Runs in the first iteration, after the first try-lock: only then is
 * the worker really competing for clients. */
static void
ta_child_ready_handler(sl_event_t *ev)
{
    if (write(ta_child_pipe, "r", 1) != 1) {
        _exit(3);
    }
}

static void
ta_child_main(int lfd, sl_accept_strategy_e strategy, sl_accept_mutex_t *m,
    int pipefd)
{
    sl_accept_listen_t   ls;
    sl_accept_conf_t     conf;
    sl_event_t           ready;
    sl_log_t             log;
    sl_loop_t           *loop;
    sl_accept_t         *a;
    int                  rc;

    log = *sl_log_init_stderr();
    log.level = SL_LOG_WARN;
    loop = sl_loop_create(64, &log);
    ta_child_conns = loop ? sl_conns_create(loop, 64, &log) : NULL;
    if (ta_child_conns == NULL
        || sl_loop_signal_add(loop, SIGTERM, ta_child_term_handler, loop)
           != SL_OK)
    {
        _exit(2);
    }
    ls.fd = lfd;
    ls.data = NULL;
    memset(&conf, 0, sizeof(conf));
    conf.strategy = strategy;
    conf.listens = &ls;
    conf.nlistens = 1;
    conf.mutex = m;
    conf.handler = ta_child_reply_handler;
    a = sl_accept_create(loop, ta_child_conns, &conf);
    memset(&ready, 0, sizeof(ready));
    ready.handler = ta_child_ready_handler;
    ta_child_pipe = pipefd;
    if (a == NULL || sl_timer_add(loop, &ready, 0) != SL_OK) {
        _exit(3);
    }
    rc = (int) sl_loop_run(loop);
    sl_accept_destroy(a);
    if (write(pipefd, &ta_child_count, sizeof(int)) != sizeof(int)) {
        _exit(4);
    }
    _exit(rc == SL_OK ? 0 : 5);
}

static void
ta_client_roundtrip(uint16_t port)
{
    struct timeval  tv = { 5, 0 };
    char            ch;
    int             fd;

    fd = evtest_connect(port);
    assert_true(fd >= 0);
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
                                sizeof(tv)), 0);
    assert_int_equal(read(fd, &ch, 1), 1);   /* not reset, not timed out */
    assert_int_equal(ch, 'x');
    assert_int_equal(close(fd), 0);
}

static void
ta_two_workers_case(ta_state_t *s, sl_accept_strategy_e strategy)
{
    pid_t     pid[2];
    int       pipes[2][2], lfd[2], count[2], i, status;
    char      ch;
    uint16_t  port;

    port = 0;
    lfd[0] = lfd[1] = s->lfd;
    if (strategy == SL_ACCEPT_REUSEPORT) {
        lfd[0] = evtest_listen(&port, 1);
        lfd[1] = evtest_listen(&port, 1);
    } else {
        port = s->port;
    }
    for (i = 0; i < 2; i++) {
        assert_int_equal(pipe(pipes[i]), 0);
        pid[i] = fork();
        assert_true(pid[i] >= 0);
        if (pid[i] == 0) {
            ta_child_main(lfd[i], strategy, s->mutex, pipes[i][1]);
        }
        assert_int_equal(read(pipes[i][0], &ch, 1), 1);   /* ready */
    }

    /* Paced like a light load: the mutex shares on the scale of its
     * retry period, not within a burst of microseconds. */
    for (i = 0; i < TA_CLIENTS; i++) {
        ta_client_roundtrip(port);
        usleep(5000);
    }

    for (i = 0; i < 2; i++) {
        assert_int_equal(kill(pid[i], SIGTERM), 0);
        assert_int_equal(read(pipes[i][0], &count[i], sizeof(int)),
                         sizeof(int));
        assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(close(pipes[i][0]), 0);
        assert_int_equal(close(pipes[i][1]), 0);
    }
    print_message("accept %s: worker counts %d and %d\n",
                  strategy == SL_ACCEPT_MUTEX ? "mutex"
                  : strategy == SL_ACCEPT_EXCLUSIVE ? "exclusive"
                  : "reuseport",
                  count[0], count[1]);
    assert_int_equal(count[0] + count[1], TA_CLIENTS);
    assert_true(count[0] > 0 && count[1] > 0);
    if (strategy == SL_ACCEPT_REUSEPORT) {
        assert_int_equal(close(lfd[0]), 0);
        assert_int_equal(close(lfd[1]), 0);
    }
}

static void
test_reuseport_two_workers_share_clients(void **state)
{
    ta_two_workers_case(*state, SL_ACCEPT_REUSEPORT);
}

static void
test_mutex_two_workers_share_clients(void **state)
{
    ta_two_workers_case(*state, SL_ACCEPT_MUTEX);
}

static void
test_exclusive_two_workers_share_clients(void **state)
{
    ta_two_workers_case(*state, SL_ACCEPT_EXCLUSIVE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_reuseport_accepts_with_peer_address, ta_setup, ta_teardown),
        cmocka_unit_test_setup_teardown(test_batch_bounds_accepts_per_event,
                                        ta_setup, ta_teardown),
        cmocka_unit_test_setup_teardown(
            test_reuseport_out_of_conns_leaves_clients_in_backlog,
            ta_setup_small, ta_teardown),
        cmocka_unit_test_setup_teardown(
            test_mutex_out_of_conns_leaves_clients_in_backlog,
            ta_setup_small, ta_teardown),
        cmocka_unit_test_setup_teardown(
            test_reuseport_stop_never_accepts_again, ta_setup, ta_teardown),
        cmocka_unit_test_setup_teardown(test_mutex_stop_never_accepts_again,
                                        ta_setup, ta_teardown),
        cmocka_unit_test_setup_teardown(
            test_mutex_held_while_accepting_released_after,
            ta_setup, ta_teardown),
        cmocka_unit_test_setup_teardown(
            test_mutex_backs_off_near_connection_limit,
            ta_setup, ta_teardown),
        cmocka_unit_test_setup_teardown(
            test_mutex_held_by_live_then_dead_process, ta_setup, ta_teardown),
        cmocka_unit_test(test_mutex_force_unlock_only_for_owner),
        cmocka_unit_test_setup_teardown(
            test_reuseport_two_workers_share_clients, ta_setup, ta_teardown),
        cmocka_unit_test_setup_teardown(test_mutex_two_workers_share_clients,
                                        ta_setup, ta_teardown),
        cmocka_unit_test_setup_teardown(
            test_exclusive_out_of_conns_leaves_clients_in_backlog,
            ta_setup_small, ta_teardown),
        cmocka_unit_test_setup_teardown(
            test_exclusive_stop_never_accepts_again, ta_setup, ta_teardown),
        cmocka_unit_test_setup_teardown(
            test_drain_after_stop_takes_the_queue, ta_setup, ta_teardown),
        cmocka_unit_test_setup_teardown(
            test_exclusive_rotation_keeps_accepting, ta_setup_large,
            ta_teardown),
        cmocka_unit_test_setup_teardown(
            test_exclusive_two_workers_share_clients, ta_setup, ta_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
