/*
 * sl_loadgen.c: an HTTP/1.1 load client for the reload, upgrade and stop
 * tests (t/integration/test_reload_load.py and friends). Not part of the
 * server. One thread, one epoll loop, two kinds of connections at once:
 * keep-alive ones that send request after request, and close ones that
 * send each request with "Connection: close" on a fresh connection.
 *
 * Why not wrk: wrk counts a refused connect as a write error and a reset
 * of an accepted connection as a read or write error too, so it cannot
 * tell "the server is gone" (clean, expected after a stop) from "the
 * server dropped a client it had" (the failures these tests hunt). Here
 * every attempt ends in exactly one class:
 *
 *   ok        a whole 2xx response
 *   non2xx    a whole response with another status
 *   refused   connect() got ECONNREFUSED: nothing listened, no request
 *             was sent (the kernel reports ECONNREFUSED only before the
 *             connection is established)
 *   reset     ECONNRESET/EPIPE after the connection was established:
 *             the server, or the kernel for it, dropped a client it had
 *   eof       the server closed before the response was complete (the
 *             keep-alive race: closing under a request on its way)
 *   timeout   no whole response within the timeout
 *   other     anything else (bad response, other errno), logged
 *
 * Usage: sl_loadgen -p PORT [-a 127.0.0.1] [-k KEEPALIVE] [-c CLOSE]
 *                   [-d SECONDS] [-r RATE] [-t TIMEOUT] [-u PATH] [-v]
 * Prints "READY" on stdout after the first 2xx response. Runs for -d
 * seconds (0: until SIGINT or SIGTERM), then stops sending, waits for the
 * responses in flight (up to the timeout) and prints one more line:
 *   requests=N ok=N non2xx=N refused=N reset=N eof=N timeout=N other=N
 *   connects=N max_ms=N
 * -r caps the requests per second (all connections together), so a test
 * does not starve the others that run beside it; connections then wait,
 * connected, for their turn. -v prints each failure on stderr. Exit
 * status 0, or 2 on usage errors.
 * A refused client retries 10 ms later, so a stopped server is not
 * hammered in a tight loop.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#define SL_LG_BUF        8192
#define SL_LG_RETRY_MS   10
#define SL_LG_MAX_CONNS  4096

typedef enum {
    SL_LG_IDLE = 0,       /* no socket: (re)connect at retry_at */
    SL_LG_CONNECTING,
    SL_LG_THROTTLED,      /* connected, waiting for the rate limit */
    SL_LG_WAITING         /* request sent, reading the response */
} sl_lg_state_e;

typedef struct {
    int             fd;
    sl_lg_state_e   state;
    unsigned        close_mode:1;   /* Connection: close on each request */
    unsigned        established:1;
    unsigned        used:1;         /* served a response already */
    uint64_t        sent_at;        /* ms, request start */
    uint64_t        retry_at;
    size_t          len;            /* bytes in buf */
    char            buf[SL_LG_BUF];
} sl_lg_conn_t;

typedef struct {
    uint64_t  ok, non2xx, refused, reset, eof, timeout, other;
    uint64_t  connects, max_ms;
    uint64_t  requests;     /* attempts not refused: the sum of the rest */
} sl_lg_stats_t;

typedef struct {
    struct sockaddr_in   addr;
    const char          *path;
    unsigned             keepalive, close;
    double               duration;
    uint64_t             timeout_ms;
    double               rate;          /* requests per second, 0: no cap */
    double               tokens;
    uint64_t             refill_at;
    int                  verbose;
    int                  ep;
    sl_lg_conn_t        *conns;
    unsigned             nconns;
    unsigned             turn;          /* where the next pass starts */
    sl_lg_stats_t        st;
    int                  stopping;
} sl_lg_t;

static volatile sig_atomic_t  sl_lg_signalled;

static void sl_lg_on_signal(int signo);
static uint64_t sl_lg_now(void);
static int sl_lg_parse_args(sl_lg_t *lg, int argc, char **argv);
static void sl_lg_connect(sl_lg_t *lg, sl_lg_conn_t *c);
static void sl_lg_send(sl_lg_t *lg, sl_lg_conn_t *c);
static int sl_lg_may_send(sl_lg_t *lg);
static void sl_lg_on_writable(sl_lg_t *lg, sl_lg_conn_t *c);
static void sl_lg_on_readable(sl_lg_t *lg, sl_lg_conn_t *c);
static int sl_lg_parse_response(sl_lg_conn_t *c, int *status, int *close,
    size_t *total);
static void sl_lg_done(sl_lg_t *lg, sl_lg_conn_t *c, int status, int close);
static void sl_lg_fail(sl_lg_t *lg, sl_lg_conn_t *c, uint64_t *counter,
    const char *what, int err);
static void sl_lg_drop(sl_lg_t *lg, sl_lg_conn_t *c, uint64_t retry_ms);
static void sl_lg_check_timeouts(sl_lg_t *lg);
static int sl_lg_busy(sl_lg_t *lg);
static void sl_lg_run(sl_lg_t *lg);


static void
sl_lg_on_signal(int signo)
{
    (void) signo;
    sl_lg_signalled = 1;
}


static uint64_t
sl_lg_now(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}


static int
sl_lg_parse_args(sl_lg_t *lg, int argc, char **argv)
{
    const char  *host;
    int          opt, port;

    host = "127.0.0.1";
    port = 0;
    lg->path = "/";
    lg->keepalive = 10;
    lg->close = 0;
    lg->duration = 5;
    lg->timeout_ms = 10000;
    while ((opt = getopt(argc, argv, "a:p:k:c:d:r:t:u:v")) != -1) {
        switch (opt) {
        case 'a': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'k': lg->keepalive = (unsigned) atoi(optarg); break;
        case 'c': lg->close = (unsigned) atoi(optarg); break;
        case 'd': lg->duration = atof(optarg); break;
        case 'r': lg->rate = atof(optarg); break;
        case 't': lg->timeout_ms = (uint64_t) (atof(optarg) * 1000); break;
        case 'u': lg->path = optarg; break;
        case 'v': lg->verbose = 1; break;
        default: return -1;
        }
    }
    lg->nconns = lg->keepalive + lg->close;
    lg->addr.sin_family = AF_INET;
    lg->addr.sin_port = htons((uint16_t) port);
    if (port <= 0 || port > 65535 || lg->nconns == 0
        || lg->nconns > SL_LG_MAX_CONNS
        || inet_pton(AF_INET, host, &lg->addr.sin_addr) != 1)
    {
        return -1;
    }
    return 0;
}


static void
sl_lg_connect(sl_lg_t *lg, sl_lg_conn_t *c)
{
    struct epoll_event  ev;
    int                 fd, on;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        sl_lg_fail(lg, c, &lg->st.other, "socket()", errno);
        return;
    }
    on = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    c->fd = fd;
    c->len = 0;
    c->established = 0;
    c->used = 0;
    c->state = SL_LG_CONNECTING;
    c->sent_at = sl_lg_now();
    lg->st.connects++;
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;
    if (epoll_ctl(lg->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
        sl_lg_fail(lg, c, &lg->st.other, "epoll_ctl()", errno);
        return;
    }
    if (connect(fd, (struct sockaddr *) &lg->addr, sizeof(lg->addr)) == -1
        && errno != EINPROGRESS)
    {
        if (errno == ECONNREFUSED) {
            lg->st.refused++;
            sl_lg_drop(lg, c, SL_LG_RETRY_MS);
            return;
        }
        sl_lg_fail(lg, c, &lg->st.other, "connect()", errno);
    }
}


/* The rate limit: a token bucket refilled every millisecond or so. */
static int
sl_lg_may_send(sl_lg_t *lg)
{
    uint64_t  now;

    if (lg->rate <= 0) {
        return 1;
    }
    now = sl_lg_now();
    if (now > lg->refill_at) {
        lg->tokens += lg->rate * (double) (now - lg->refill_at) / 1000;
        /* At most 10 ms worth in a burst. */
        if (lg->tokens > lg->rate / 100 + 1) {
            lg->tokens = lg->rate / 100 + 1;
        }
        lg->refill_at = now;
    }
    if (lg->tokens < 1) {
        return 0;
    }
    lg->tokens -= 1;
    return 1;
}


/* One request in one send: small enough for any socket buffer. */
static void
sl_lg_send(sl_lg_t *lg, sl_lg_conn_t *c)
{
    char     req[512];
    int      n;
    ssize_t  w;

    if (!sl_lg_may_send(lg)) {
        c->state = SL_LG_THROTTLED;
        return;
    }

    n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: loadgen\r\n%s"
                 "\r\n", lg->path, c->close_mode ? "Connection: close\r\n"
                                                 : "");
    c->state = SL_LG_WAITING;
    c->sent_at = sl_lg_now();
    c->len = 0;
    w = send(c->fd, req, (size_t) n, MSG_NOSIGNAL);
    if (w == n) {
        return;
    }
    if (w == -1 && (errno == ECONNRESET || errno == EPIPE)) {
        sl_lg_fail(lg, c, &lg->st.reset, "send()", errno);
    } else {
        sl_lg_fail(lg, c, &lg->st.other, "send()", w == -1 ? errno : 0);
    }
}


static void
sl_lg_on_writable(sl_lg_t *lg, sl_lg_conn_t *c)
{
    socklen_t  len;
    int        err;

    if (c->state != SL_LG_CONNECTING) {
        return;
    }
    err = 0;
    len = sizeof(err);
    (void) getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err == ECONNREFUSED) {
        /* Only a connection never established is refused. */
        lg->st.refused++;
        sl_lg_drop(lg, c, SL_LG_RETRY_MS);
        return;
    }
    if (err != 0) {
        /* The request was not sent yet, but the server had accepted the
         * connection (ECONNRESET) or something else went wrong. */
        sl_lg_fail(lg, c, err == ECONNRESET ? &lg->st.reset : &lg->st.other,
                   "connect", err);
        return;
    }
    c->established = 1;
    if (lg->stopping) {
        sl_lg_drop(lg, c, 0);
        return;
    }
    sl_lg_send(lg, c);
}


static void
sl_lg_on_readable(sl_lg_t *lg, sl_lg_conn_t *c)
{
    ssize_t  n;
    size_t   total;
    int      status, close, rc;

    /* A keep-alive connection is never idle here (the next request leaves
     * with the last response), so readable means waiting or connecting. */
    while (c->state == SL_LG_WAITING) {
        n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
        if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }
        if (n == -1) {
            sl_lg_fail(lg, c, errno == ECONNRESET ? &lg->st.reset
                                                  : &lg->st.other,
                       "recv()", errno);
            return;
        }
        if (n == 0) {
            sl_lg_fail(lg, c, &lg->st.eof, "EOF before the response", 0);
            return;
        }
        c->len += (size_t) n;
        rc = sl_lg_parse_response(c, &status, &close, &total);
        if (rc == -1 || (rc == 0 && c->len == sizeof(c->buf))) {
            sl_lg_fail(lg, c, &lg->st.other, "bad response", 0);
            return;
        }
        if (rc == 1) {
            if (total != c->len) {
                sl_lg_fail(lg, c, &lg->st.other, "bytes after the response",
                           0);
                return;
            }
            sl_lg_done(lg, c, status, close);
            return;
        }
    }
}


/*
 * Returns 1 with status, close and the response's total size when buf
 * holds a whole response, 0 when more is needed, -1 when it is not HTTP
 * (or uses framing this client does not read: no Content-Length).
 */
static int
sl_lg_parse_response(sl_lg_conn_t *c, int *status, int *close,
    size_t *total)
{
    char  *end, *line, *next, *v;
    long   clen;

    end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (end == NULL) {
        return 0;
    }
    if (c->len < 12 || memcmp(c->buf, "HTTP/1.", 7) != 0) {
        return -1;
    }
    *status = atoi(c->buf + 9);
    *close = 0;
    clen = -1;
    for (line = (char *) memchr(c->buf, '\n', (size_t) (end - c->buf)) + 1;
         line < end; line = next)
    {
        next = (char *) memchr(line, '\n', (size_t) (end + 2 - line)) + 1;
        v = memchr(line, ':', (size_t) (next - line));
        if (v == NULL) {
            return -1;
        }
        v++;
        while (*v == ' ') {
            v++;
        }
        if (strncasecmp(line, "content-length:", 15) == 0) {
            clen = atol(v);
        } else if (strncasecmp(line, "connection:", 11) == 0
                   && strncasecmp(v, "close", 5) == 0)
        {
            *close = 1;
        }
    }
    if (clen < 0) {
        return -1;
    }
    *total = (size_t) (end + 4 - c->buf) + (size_t) clen;
    return c->len >= *total ? 1 : 0;
}


static void
sl_lg_done(sl_lg_t *lg, sl_lg_conn_t *c, int status, int close)
{
    uint64_t  ms;

    ms = sl_lg_now() - c->sent_at;
    lg->st.max_ms = ms > lg->st.max_ms ? ms : lg->st.max_ms;
    if (status >= 200 && status < 300) {
        if (lg->st.ok++ == 0) {
            /* Tests wait for this line before they act. */
            printf("READY\n");
            (void) fflush(stdout);
        }
    } else {
        lg->st.non2xx++;
        if (lg->verbose) {
            fprintf(stderr, "sl_loadgen: status %d\n", status);
        }
    }
    c->used = 1;
    if (close || c->close_mode || lg->stopping) {
        sl_lg_drop(lg, c, 0);
        return;
    }
    sl_lg_send(lg, c);
}


static void
sl_lg_fail(sl_lg_t *lg, sl_lg_conn_t *c, uint64_t *counter,
    const char *what, int err)
{
    (*counter)++;
    if (lg->verbose) {
        fprintf(stderr, "sl_loadgen: %s%s%s (%s connection, %s, %zu bytes "
                "read)\n", what, err ? ": " : "", err ? strerror(err) : "",
                c->close_mode ? "close" : "keep-alive",
                c->used ? "reused" : "fresh", c->len);
    }
    sl_lg_drop(lg, c, 0);
}


/* Closes c's socket; it connects again after retry_ms. */
static void
sl_lg_drop(sl_lg_t *lg, sl_lg_conn_t *c, uint64_t retry_ms)
{
    if (c->fd != -1) {
        (void) close(c->fd);   /* also leaves the epoll set */
        c->fd = -1;
    }
    c->state = SL_LG_IDLE;
    c->retry_at = sl_lg_now() + retry_ms;
    (void) lg;
}


static void
sl_lg_check_timeouts(sl_lg_t *lg)
{
    uint64_t       now;
    unsigned       i, k;
    sl_lg_conn_t  *c;

    /* Round robin from a moving start: under the rate cap every
     * connection gets its turn soon (one left waiting for seconds would
     * look like an idle client to the server, and be closed as one). */
    now = sl_lg_now();
    lg->turn = (lg->turn + 1) % lg->nconns;
    for (k = 0; k < lg->nconns; k++) {
        i = (lg->turn + k) % lg->nconns;
        c = &lg->conns[i];
        if (c->state == SL_LG_WAITING && now - c->sent_at > lg->timeout_ms) {
            sl_lg_fail(lg, c, &lg->st.timeout, "timeout", 0);
        } else if (c->state == SL_LG_CONNECTING
                   && now - c->sent_at > lg->timeout_ms)
        {
            sl_lg_fail(lg, c, &lg->st.timeout, "connect timeout", 0);
        } else if (c->state == SL_LG_IDLE && !lg->stopping
                   && now >= c->retry_at)
        {
            sl_lg_connect(lg, c);
        } else if (c->state == SL_LG_THROTTLED) {
            if (lg->stopping) {
                sl_lg_drop(lg, c, 0);
            } else {
                sl_lg_send(lg, c);
            }
        }
    }
}


/* True while a request is in flight. */
static int
sl_lg_busy(sl_lg_t *lg)
{
    unsigned  i;

    for (i = 0; i < lg->nconns; i++) {
        if (lg->conns[i].state == SL_LG_WAITING) {
            return 1;
        }
    }
    return 0;
}


static void
sl_lg_run(sl_lg_t *lg)
{
    struct epoll_event   evs[256];
    sl_lg_conn_t        *c;
    uint64_t             end, give_up;
    unsigned             i;
    int                  n, k;

    end = lg->duration > 0 ? sl_lg_now() + (uint64_t) (lg->duration * 1000)
                           : UINT64_MAX;
    give_up = UINT64_MAX;
    for (;;) {
        if (!lg->stopping && (sl_lg_signalled || sl_lg_now() >= end)) {
            /* Stop sending; what is in flight may finish. */
            lg->stopping = 1;
            give_up = sl_lg_now() + lg->timeout_ms + 100;
            for (i = 0; i < lg->nconns; i++) {
                if (lg->conns[i].state != SL_LG_WAITING) {
                    sl_lg_drop(lg, &lg->conns[i], 0);
                }
            }
        }
        if (lg->stopping && (!sl_lg_busy(lg) || sl_lg_now() > give_up)) {
            return;
        }
        n = epoll_wait(lg->ep, evs, (int) (sizeof(evs) / sizeof(evs[0])), 5);
        for (k = 0; k < n; k++) {
            c = evs[k].data.ptr;
            if (c->fd == -1) {
                continue;
            }
            if (evs[k].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)
                && c->state == SL_LG_CONNECTING)
            {
                sl_lg_on_writable(lg, c);
            }
            if (c->fd != -1 && (evs[k].events & ~EPOLLOUT)) {
                sl_lg_on_readable(lg, c);
            }
        }
        sl_lg_check_timeouts(lg);
    }
}


int
main(int argc, char **argv)
{
    static sl_lg_t     lg;
    struct sigaction   sa;
    unsigned           i;

    if (sl_lg_parse_args(&lg, argc, argv) != 0) {
        fprintf(stderr, "usage: sl_loadgen -p PORT [-a ADDR] [-k KEEPALIVE] "
                "[-c CLOSE] [-d SECONDS] [-r RATE] [-t TIMEOUT] [-u PATH] "
                "[-v]\n");
        return 2;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sl_lg_on_signal;
    (void) sigaction(SIGINT, &sa, NULL);
    (void) sigaction(SIGTERM, &sa, NULL);
    lg.refill_at = sl_lg_now();
    lg.ep = epoll_create1(EPOLL_CLOEXEC);
    lg.conns = calloc(lg.nconns, sizeof(sl_lg_conn_t));
    if (lg.ep == -1 || lg.conns == NULL) {
        perror("sl_loadgen");
        return 1;
    }
    for (i = 0; i < lg.nconns; i++) {
        lg.conns[i].fd = -1;
        lg.conns[i].close_mode = i >= lg.keepalive;
        sl_lg_connect(&lg, &lg.conns[i]);
    }
    sl_lg_run(&lg);
    lg.st.requests = lg.st.ok + lg.st.non2xx + lg.st.reset + lg.st.eof
                     + lg.st.timeout + lg.st.other;
    printf("requests=%llu ok=%llu non2xx=%llu refused=%llu reset=%llu "
           "eof=%llu timeout=%llu other=%llu connects=%llu max_ms=%llu\n",
           (unsigned long long) lg.st.requests,
           (unsigned long long) lg.st.ok, (unsigned long long) lg.st.non2xx,
           (unsigned long long) lg.st.refused,
           (unsigned long long) lg.st.reset, (unsigned long long) lg.st.eof,
           (unsigned long long) lg.st.timeout,
           (unsigned long long) lg.st.other,
           (unsigned long long) lg.st.connects,
           (unsigned long long) lg.st.max_ms);
    return 0;
}
