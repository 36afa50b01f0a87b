/*
 * canned.c: the "fastest responder" of the benchmark suite (contrib/bench).
 *
 * A single-threaded epoll server on 127.0.0.1 that answers every request
 * head it sees (anything ending in an empty line) with the same canned
 * 200 response of SIZE bytes, without parsing, routing or touching a file.
 * bench.py runs it pinned to the server core and measures how many
 * requests per second the load generator can drive at most on its own
 * core: the generator's ceiling, against which the real servers are read.
 *
 * Pipelined heads are answered in order with one writev per batch.  With
 * -C every connection is closed after its first response (the ceiling
 * for the Connection: close workload).  The listener defers accept until
 * the request is there (TCP_DEFER_ACCEPT, as the tuned servers do), and
 * a new connection is read and answered before it is registered, so a
 * Connection: close exchange costs accept4, read, writev and close.
 *
 * Usage: canned [-p PORT] [-s SIZE] [-C]
 * Binds PORT (default 0: a free port), prints "port=N" on stdout, serves
 * until SIGTERM or SIGINT.  Not part of the server: benchmark tool only.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define SL_CANNED_MAX_FDS   65536
#define SL_CANNED_IOV       64
#define SL_CANNED_EVENTS    256

typedef struct {
    unsigned    match;          /* bytes of "\r\n\r\n" matched so far */
    uint64_t    pending;        /* complete heads not yet answered */
    size_t      off;            /* bytes of the current answer written */
    int         close_after;    /* -C: close once one answer is out */
    int         out_armed;      /* EPOLLOUT is registered */
} sl_canned_conn_t;

static char                 *sl_canned_resp;
static size_t                sl_canned_resp_len;
static int                   sl_canned_close;
static sl_canned_conn_t     *sl_canned_conns;
static volatile sig_atomic_t sl_canned_quit;

static void sl_canned_on_signal(int sig);
static int sl_canned_listen(int port);
static void sl_canned_build(size_t size);
static void sl_canned_accept(int ep, int lfd);
static void sl_canned_close_conn(int ep, int fd);
static int sl_canned_read(int fd);
static int sl_canned_write(int ep, int fd);
static void sl_canned_serve(int ep, int lfd);


static void
sl_canned_on_signal(int sig)
{
    (void) sig;
    sl_canned_quit = 1;
}


/* Listening socket on 127.0.0.1:port; returns the fd or exits. */
static int
sl_canned_listen(int port)
{
    struct sockaddr_in  sin;
    socklen_t           len;
    int                 fd, one;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    one = 1;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t) port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(sin);
    if (fd == -1
        || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1
        || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1
        || listen(fd, 4096) == -1
        || setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one,
                      sizeof(one)) == -1
        || getsockname(fd, (struct sockaddr *) &sin, &len) == -1)
    {
        perror("canned: listen");
        exit(1);
    }
    printf("port=%d\n", ntohs(sin.sin_port));
    fflush(stdout);
    return fd;
}


/* The one response every request gets: headers and SIZE bytes of 'x'. */
static void
sl_canned_build(size_t size)
{
    char    head[256];
    int     n;

    n = snprintf(head, sizeof(head),
                 "HTTP/1.1 200 OK\r\nServer: canned\r\n"
                 "Content-Type: application/octet-stream\r\n"
                 "Content-Length: %zu\r\n%s\r\n",
                 size, sl_canned_close ? "Connection: close\r\n" : "");
    sl_canned_resp_len = (size_t) n + size;
    sl_canned_resp = malloc(sl_canned_resp_len);
    if (sl_canned_resp == NULL) {
        perror("canned: malloc");
        exit(1);
    }
    memcpy(sl_canned_resp, head, (size_t) n);
    memset(sl_canned_resp + n, 'x', size);
}


/* Accept everything waiting on the listening socket. */
static void
sl_canned_accept(int ep, int lfd)
{
    struct epoll_event  ev;
    int                 fd, one;

    for ( ;; ) {
        fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        if (fd == -1) {
            return;
        }
        if (fd >= SL_CANNED_MAX_FDS) {
            (void) close(fd);
            continue;
        }
        one = 1;
        (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        memset(&sl_canned_conns[fd], 0, sizeof(sl_canned_conn_t));
        sl_canned_conns[fd].close_after = sl_canned_close;
        /* Deferred accept: the request is usually here already, and a
         * connection answered and closed at once never enters epoll. */
        if (sl_canned_read(fd) == -1 || sl_canned_write(-1, fd) == -1) {
            (void) close(fd);
            continue;
        }
        ev.events = sl_canned_conns[fd].out_armed ? EPOLLIN | EPOLLOUT
                                                   : EPOLLIN;
        ev.data.fd = fd;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
            (void) close(fd);
        }
    }
}


static void
sl_canned_close_conn(int ep, int fd)
{
    (void) epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    (void) close(fd);
}


/*
 * Read what is there and count complete request heads.  Returns 0 while
 * the connection lives, -1 on EOF or error.
 */
static int
sl_canned_read(int fd)
{
    static const char   term[] = "\r\n\r\n";
    char                buf[16384];
    sl_canned_conn_t   *c;
    ssize_t             n, i;

    c = &sl_canned_conns[fd];
    for ( ;; ) {
        n = read(fd, buf, sizeof(buf));
        if (n == 0) {
            return -1;
        }
        if (n == -1) {
            return errno == EAGAIN ? 0 : -1;
        }
        for (i = 0; i < n; i++) {
            if (buf[i] == term[c->match]) {
                c->match++;
            } else {
                c->match = buf[i] == '\r' ? 1 : 0;
            }
            if (c->match == 4) {
                c->pending++;
                c->match = 0;
            }
        }
        if (n < (ssize_t) sizeof(buf)) {
            return 0;
        }
    }
}


/*
 * Write the pending answers, as many per writev as fit.  Returns 0 when
 * all went out or the socket is full (EPOLLOUT armed), -1 to close.
 */
static int
sl_canned_write(int ep, int fd)
{
    struct iovec        iov[SL_CANNED_IOV];
    struct epoll_event  ev;
    sl_canned_conn_t   *c;
    ssize_t             n;
    int                 k;

    c = &sl_canned_conns[fd];
    while (c->pending > 0) {
        for (k = 0; k < SL_CANNED_IOV && (uint64_t) k < c->pending; k++) {
            iov[k].iov_base = sl_canned_resp + (k == 0 ? c->off : 0);
            iov[k].iov_len = sl_canned_resp_len - (k == 0 ? c->off : 0);
        }
        n = writev(fd, iov, k);
        if (n == -1) {
            if (errno != EAGAIN) {
                return -1;
            }
            if (c->out_armed) {
                return 0;
            }
            c->out_armed = 1;
            if (ep == -1) {
                return 0;   /* not registered yet: the caller adds it */
            }
            ev.events = EPOLLIN | EPOLLOUT;
            ev.data.fd = fd;
            return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) == -1 ? -1 : 0;
        }
        n += (ssize_t) c->off;
        c->pending -= (uint64_t) n / sl_canned_resp_len;
        c->off = (size_t) n % sl_canned_resp_len;
        if (c->close_after && (uint64_t) n >= sl_canned_resp_len) {
            return -1;
        }
    }
    if (!c->out_armed || ep == -1) {
        return 0;
    }
    c->out_armed = 0;
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) == -1 ? -1 : 0;
}


/* The loop: until a signal asks us to stop. */
static void
sl_canned_serve(int ep, int lfd)
{
    struct epoll_event  evs[SL_CANNED_EVENTS];
    int                 n, i, fd;

    while (!sl_canned_quit) {
        n = epoll_wait(ep, evs, SL_CANNED_EVENTS, 500);
        for (i = 0; i < n; i++) {
            fd = evs[i].data.fd;
            if (fd == lfd) {
                sl_canned_accept(ep, lfd);
                continue;
            }
            if ((evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                && sl_canned_read(fd) == -1)
            {
                sl_canned_close_conn(ep, fd);
                continue;
            }
            if (sl_canned_write(ep, fd) == -1) {
                sl_canned_close_conn(ep, fd);
            }
        }
    }
}


int
main(int argc, char **argv)
{
    struct epoll_event  ev;
    struct sigaction    sa;
    size_t              size;
    int                 opt, port, lfd, ep;

    port = 0;
    size = 1024;
    while ((opt = getopt(argc, argv, "p:s:C")) != -1) {
        switch (opt) {
        case 'p':
            port = atoi(optarg);
            break;
        case 's':
            size = (size_t) strtoull(optarg, NULL, 10);
            break;
        case 'C':
            sl_canned_close = 1;
            break;
        default:
            fprintf(stderr, "usage: canned [-p PORT] [-s SIZE] [-C]\n");
            return 2;
        }
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sl_canned_on_signal;
    (void) sigaction(SIGTERM, &sa, NULL);
    (void) sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    (void) sigaction(SIGPIPE, &sa, NULL);
    sl_canned_conns = calloc(SL_CANNED_MAX_FDS, sizeof(sl_canned_conn_t));
    sl_canned_build(size);
    lfd = sl_canned_listen(port);
    ep = epoll_create1(0);
    ev.events = EPOLLIN;
    ev.data.fd = lfd;
    if (sl_canned_conns == NULL || ep == -1
        || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1)
    {
        perror("canned: setup");
        return 1;
    }
    sl_canned_serve(ep, lfd);
    return 0;
}
