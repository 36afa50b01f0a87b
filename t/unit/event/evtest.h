/*
 * evtest.h: helpers shared by the event layer's unit tests: a captured
 * log (an in-memory file whose lines a test can search), a monotonic clock
 * in microseconds, the process CPU time, socketpair and loopback helpers,
 * and the usual fixture (a loop and a connection array). Static functions
 * only, so each test binary takes what it uses.
 */
#ifndef SL_EVTEST_H
#define SL_EVTEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "sl_conns.h"

typedef struct {
    sl_log_file_t  file;
    sl_log_t       log;
} evtest_log_t;

/* A log at level debug into a memfd. Aborts the test on failure. */
static inline void
evtest_log_open(evtest_log_t *l)
{
    memset(l, 0, sizeof(*l));
    l->file.fd = memfd_create("evtest-log", MFD_CLOEXEC);
    assert_true(l->file.fd >= 0);
    sl_str_set(&l->file.path, "memfd");
    l->log.level = SL_LOG_DEBUG;
    l->log.file = &l->file;
    sl_time_update();
}

static inline void
evtest_log_close(evtest_log_t *l)
{
    (void) close(l->file.fd);
    l->file.fd = -1;
}

/* Number of lines holding needle; the log is left in place. */
static inline int
evtest_log_count(evtest_log_t *l, const char *needle)
{
    static char  buf[1 << 16];
    ssize_t      n;
    char        *p;
    int          count;

    n = pread(l->file.fd, buf, sizeof(buf) - 1, 0);
    assert_true(n >= 0);
    buf[n] = '\0';
    count = 0;
    for (p = buf; (p = strstr(p, needle)) != NULL; p += strlen(needle)) {
        count++;
    }
    return count;
}

/* Prints the captured log: for a failing test's output. */
static inline void
evtest_log_dump(evtest_log_t *l)
{
    char     buf[4096];
    ssize_t  n;
    off_t    off;

    for (off = 0; (n = pread(l->file.fd, buf, sizeof(buf), off)) > 0;
         off += n)
    {
        (void) fwrite(buf, 1, (size_t) n, stderr);
    }
}

static inline uint64_t
evtest_usec(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* User + system CPU time of this process, in microseconds. */
static inline uint64_t
evtest_cpu_usec(void)
{
    struct rusage  ru;

    assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
    return (uint64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000
           + (uint64_t) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* A non-blocking AF_UNIX stream pair. */
static inline void
evtest_socketpair(int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX,
                                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                0, sv), 0);
}

/*
 * A non-blocking TCP listen socket on 127.0.0.1 with a kernel-chosen port
 * (written to *port); reuseport sets SO_REUSEPORT first and, when *port is
 * not 0, binds that port so several sockets share it.
 */
static inline int
evtest_listen(uint16_t *port, int reuseport)
{
    struct sockaddr_in  sin;
    socklen_t           len;
    int                 fd, one;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    one = 1;
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
                                sizeof(one)), 0);
    if (reuseport) {
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
                                    sizeof(one)), 0);
    }
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(*port);
    assert_int_equal(bind(fd, (struct sockaddr *) &sin, sizeof(sin)), 0);
    assert_int_equal(listen(fd, 512), 0);
    len = sizeof(sin);
    assert_int_equal(getsockname(fd, (struct sockaddr *) &sin, &len), 0);
    *port = ntohs(sin.sin_port);
    return fd;
}

/* A blocking client connected to 127.0.0.1:port, or -1 with errno. */
static inline int
evtest_connect(uint16_t port)
{
    struct sockaddr_in  sin;
    int                 fd;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return -1;
    }
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(port);
    if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1) {
        (void) close(fd);
        return -1;
    }
    return fd;
}

/*
 * Runs the loop until *flag is non-zero or msec passed; returns *flag. A
 * guard timer (no handler) keeps epoll_wait from sleeping past 10 ms.
 */
static inline int
evtest_run_until(sl_loop_t *loop, volatile int *flag, unsigned msec)
{
    static sl_event_t  guard;
    uint64_t           end;

    end = evtest_usec() + (uint64_t) msec * 1000;
    while (!*flag && evtest_usec() < end) {
        assert_int_equal(sl_timer_add(loop, &guard, 10), SL_OK);
        assert_int_equal(sl_loop_run_once(loop), SL_OK);
    }
    sl_timer_del(loop, &guard);
    return *flag;
}

/*
 * Whether descriptor fd is in an epoll set of this process, as
 * /proc/self/fdinfo lists each epoll descriptor's targets ("tfd: N"). A
 * test runs one loop: this is its set, seen from outside (whether the
 * accept code polls its listen sockets, say).
 */
static inline int
evtest_epoll_has(int fd)
{
    char            path[300], link[64], line[256];
    struct dirent  *e;
    DIR            *d;
    FILE           *f;
    ssize_t         n;
    int             found, tfd;

    d = opendir("/proc/self/fd");
    assert_non_null(d);
    found = 0;
    while (!found && (e = readdir(d)) != NULL) {
        (void) snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
        n = readlink(path, link, sizeof(link) - 1);
        if (n <= 0) {
            continue;
        }
        link[n] = '\0';
        if (strcmp(link, "anon_inode:[eventpoll]") != 0) {
            continue;
        }
        (void) snprintf(path, sizeof(path), "/proc/self/fdinfo/%s",
                        e->d_name);
        f = fopen(path, "r");
        if (f == NULL) {
            continue;
        }
        while (!found && fgets(line, sizeof(line), f) != NULL) {
            found = sscanf(line, "tfd: %d", &tfd) == 1 && tfd == fd;
        }
        (void) fclose(f);
    }
    (void) closedir(d);
    return found;
}

/*
 * Frees a connection array (the server never does: a worker keeps its
 * array until it exits), closing the connections still in use without
 * callbacks. NULL is ok.
 */
static inline void
evtest_conns_destroy(sl_conns_t *cs)
{
    sl_uint_t  i;

    if (cs == NULL) {
        return;
    }
    for (i = 0; i < cs->size; i++) {
        if (cs->conns[i].pooled) {
            sl_conns_close(cs, &cs->conns[i]);
        }
    }
    free(cs->conns);
    free(cs);
}

/* The usual fixture (evtest_loop_setup): a loop and its connections. */
typedef struct {
    evtest_log_t    log;
    sl_loop_t      *loop;     /* room for 64 events */
    sl_conns_t     *conns;    /* 16 connections */
} evtest_loop_t;

/* cmocka setup: *state becomes a new evtest_loop_t. */
static inline int
evtest_loop_setup(void **state)
{
    evtest_loop_t  *s;

    s = calloc(1, sizeof(*s));
    assert_non_null(s);
    evtest_log_open(&s->log);
    s->loop = sl_loop_create(64, &s->log.log);
    assert_non_null(s->loop);
    s->conns = sl_conns_create(s->loop, 16, &s->log.log);
    assert_non_null(s->conns);
    *state = s;
    return 0;
}

/* cmocka teardown of evtest_loop_setup: fails the test on an [alert]. */
static inline int
evtest_loop_teardown(void **state)
{
    evtest_loop_t  *s = *state;

    assert_int_equal(evtest_log_count(&s->log, "[alert]"), 0);
    evtest_conns_destroy(s->conns);
    sl_loop_destroy(s->loop);
    evtest_log_close(&s->log);
    free(s);
    return 0;
}

#endif /* SL_EVTEST_H */
