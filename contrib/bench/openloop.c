/*
 * openloop.c: the HTTP/1.1 load generator of the benchmark suite
 * (contrib/bench) for what wrk cannot do.  Benchmark tool only, not part
 * of the server.
 *
 * Open loop (-r RATE -d SECONDS): request k is due at start + k / RATE,
 * whatever the server does.  A due request is written on an idle
 * keep-alive connection; when none is idle it waits in the backlog, and
 * its latency still counts from the moment it was due.  A server that
 * stalls therefore shows the stall in the tail of the distribution, for
 * every request that should have been sent meanwhile: the generator does
 * not hide coordinated omission (a closed-loop tool such as wrk does).
 *
 * Fixed count (-n COUNT, no -r): closed loop, each connection sends its
 * next request as soon as the previous response is complete, until COUNT
 * requests were answered.  bench.py uses it to count a server's system
 * calls over an exact number of requests.
 *
 * Responses need a Content-Length (chunked bodies are counted as errors);
 * requests are never pipelined.  Latencies go into a log-linear histogram
 * of nanoseconds, 128 sub-buckets per power of two (under 0.8 % error, the
 * idea of HdrHistogram, our own code).  The result is printed on stdout as
 * "key=value" lines; the exit status is 0 when no request failed.
 *
 * Usage: openloop -p PORT [-a ADDR] [-u PATH] [-c CONNS] [-r RATE]
 *                 [-d SECONDS] [-n COUNT] [-H 'Name: value'] [-T DRAIN]
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SL_OL_SUB_BITS      7
#define SL_OL_SUB           (1u << SL_OL_SUB_BITS)
#define SL_OL_BUCKETS       (64u * SL_OL_SUB)
#define SL_OL_HEAD_MAX      8192
#define SL_OL_EVENTS        512
#define SL_OL_NS            1000000000ull
#define SL_OL_SPIN_NS       200000ull

enum {
    SL_OL_CONNECTING,
    SL_OL_IDLE,
    SL_OL_BUSY,
    SL_OL_DEAD
};

typedef struct {
    int         fd;
    int         state;
    int         out_armed;      /* EPOLLOUT registered */
    int         in_body;        /* head complete, counting body bytes */
    int         status;         /* response status code */
    int         server_close;   /* response carried Connection: close */
    uint64_t    due;            /* when the request in flight was due */
    uint64_t    sent;           /* when it was written */
    size_t      wr_off;         /* request bytes written so far */
    size_t      head_len;       /* response head bytes gathered */
    uint64_t    body_left;      /* body bytes still expected */
    char        head[SL_OL_HEAD_MAX + 1];
} sl_ol_conn_t;

typedef struct {
    uint64_t    count[SL_OL_BUCKETS];
    uint64_t    total;
    uint64_t    sum;
    uint64_t    max;
} sl_ol_hist_t;

typedef struct {
    struct sockaddr_in  addr;
    char                req[4096];
    size_t              req_len;
    int                 nconns;
    double              rate;           /* 0: closed loop */
    double              duration;       /* open loop length; closed: cap */
    double              drain;          /* wait for the last responses */
    uint64_t            count;          /* closed loop: requests wanted */
    int                 ep;
    sl_ol_conn_t       *conns;
    int                *idle;           /* stack of idle connection slots */
    int                 nidle;
    uint64_t            t0, t_end, interval, last_done;
    uint64_t            issued, completed, failed, errors, non2xx;
    uint64_t            reconnects, max_backlog, unsent;
    sl_ol_hist_t        due_hist;       /* latency from the due time */
    sl_ol_hist_t        svc_hist;       /* latency from the write */
} sl_ol_run_t;

static uint64_t sl_ol_now(void);
static unsigned sl_ol_hist_index(uint64_t v);
static uint64_t sl_ol_hist_value(unsigned idx);
static void sl_ol_hist_add(sl_ol_hist_t *h, uint64_t v);
static double sl_ol_hist_pct(const sl_ol_hist_t *h, double pct);
static int sl_ol_parse_args(sl_ol_run_t *run, int argc, char **argv);
static int sl_ol_conn_open(sl_ol_run_t *run, sl_ol_conn_t *c);
static void sl_ol_conn_fail(sl_ol_run_t *run, sl_ol_conn_t *c);
static void sl_ol_idle_remove(sl_ol_run_t *run, sl_ol_conn_t *c);
static void sl_ol_conn_recycle(sl_ol_run_t *run, sl_ol_conn_t *c);
static int sl_ol_arm(sl_ol_run_t *run, sl_ol_conn_t *c, int out);
static void sl_ol_on_connect(sl_ol_run_t *run, sl_ol_conn_t *c);
static void sl_ol_write(sl_ol_run_t *run, sl_ol_conn_t *c);
static void sl_ol_send(sl_ol_run_t *run, sl_ol_conn_t *c, uint64_t due);
static int sl_ol_parse_head(sl_ol_conn_t *c, const char *data, size_t n);
static int sl_ol_parse(sl_ol_conn_t *c, const char *data, size_t n);
static void sl_ol_complete(sl_ol_run_t *run, sl_ol_conn_t *c);
static void sl_ol_on_read(sl_ol_run_t *run, sl_ol_conn_t *c);
static void sl_ol_issue(sl_ol_run_t *run);
static int sl_ol_finished(sl_ol_run_t *run, uint64_t now);
static uint64_t sl_ol_wait_ns(sl_ol_run_t *run, uint64_t now);
static void sl_ol_poll(sl_ol_run_t *run, uint64_t timeout_ns);
static int sl_ol_connect_all(sl_ol_run_t *run);
static void sl_ol_report(sl_ol_run_t *run, uint64_t now);


static uint64_t
sl_ol_now(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * SL_OL_NS + (uint64_t) ts.tv_nsec;
}


/*
 * Log-linear bucket of v: exact below 256, then 128 buckets for each
 * power of two.  idx = shift * 128 + (v >> shift), v >> shift in
 * [128, 256), so consecutive powers of two get consecutive ranges.
 */
static unsigned
sl_ol_hist_index(uint64_t v)
{
    unsigned    shift;

    if (v < 2 * SL_OL_SUB) {
        return (unsigned) v;
    }
    shift = (unsigned) (63 - __builtin_clzll(v)) - SL_OL_SUB_BITS;
    return shift * SL_OL_SUB + (unsigned) (v >> shift);
}


/* Middle of the values that fall into bucket idx. */
static uint64_t
sl_ol_hist_value(unsigned idx)
{
    unsigned    shift;

    if (idx < 2 * SL_OL_SUB) {
        return idx;
    }
    shift = idx / SL_OL_SUB - 1;
    return ((uint64_t) (idx - shift * SL_OL_SUB) << shift)
           + ((1ull << shift) >> 1);
}


static void
sl_ol_hist_add(sl_ol_hist_t *h, uint64_t v)
{
    h->count[sl_ol_hist_index(v)]++;
    h->total++;
    h->sum += v;
    if (v > h->max) {
        h->max = v;
    }
}


/* Value (ns) below which pct percent of the samples lie; 0 if empty. */
static double
sl_ol_hist_pct(const sl_ol_hist_t *h, double pct)
{
    uint64_t    want, seen;
    unsigned    i;

    if (h->total == 0) {
        return 0;
    }
    want = (uint64_t) ((double) h->total * pct / 100.0 + 0.5);
    if (want < 1) {
        want = 1;
    }
    seen = 0;
    for (i = 0; i < SL_OL_BUCKETS; i++) {
        seen += h->count[i];
        if (seen >= want) {
            return (double) sl_ol_hist_value(i);
        }
    }
    return (double) h->max;
}


static int
sl_ol_parse_args(sl_ol_run_t *run, int argc, char **argv)
{
    const char *path, *host;
    char        extra[2048];
    size_t      elen;
    int         opt, port, n;

    path = "/";
    host = "127.0.0.1";
    port = 0;
    elen = 0;
    extra[0] = '\0';
    run->nconns = 10;
    run->duration = 60;
    run->drain = 2;
    while ((opt = getopt(argc, argv, "a:p:u:c:r:d:n:H:T:")) != -1) {
        switch (opt) {
        case 'a':
            host = optarg;
            break;
        case 'p':
            port = atoi(optarg);
            break;
        case 'u':
            path = optarg;
            break;
        case 'c':
            run->nconns = atoi(optarg);
            break;
        case 'r':
            run->rate = atof(optarg);
            break;
        case 'd':
            run->duration = atof(optarg);
            break;
        case 'n':
            run->count = strtoull(optarg, NULL, 10);
            break;
        case 'T':
            run->drain = atof(optarg);
            break;
        case 'H':
            n = snprintf(extra + elen, sizeof(extra) - elen, "%s\r\n", optarg);
            if (n < 0 || (size_t) n >= sizeof(extra) - elen) {
                return -1;
            }
            elen += (size_t) n;
            break;
        default:
            return -1;
        }
    }
    if (port <= 0 || run->nconns < 1 || (run->rate <= 0 && run->count == 0)
        || inet_pton(AF_INET, host, &run->addr.sin_addr) != 1)
    {
        return -1;
    }
    run->addr.sin_family = AF_INET;
    run->addr.sin_port = htons((uint16_t) port);
    n = snprintf(run->req, sizeof(run->req),
                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: openloop\r\n"
                 "%s\r\n", path, host, port, extra);
    if (n < 0 || (size_t) n >= sizeof(run->req)) {
        return -1;
    }
    run->req_len = (size_t) n;
    return 0;
}


/* Start a non-blocking connect on slot c.  Returns 0 or -1. */
static int
sl_ol_conn_open(sl_ol_run_t *run, sl_ol_conn_t *c)
{
    struct epoll_event  ev;
    int                 one;

    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd == -1) {
        return -1;
    }
    one = 1;
    (void) setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (struct sockaddr *) &run->addr, sizeof(run->addr))
        == -1 && errno != EINPROGRESS)
    {
        (void) close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->state = SL_OL_CONNECTING;
    c->out_armed = 1;
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.ptr = c;
    return epoll_ctl(run->ep, EPOLL_CTL_ADD, c->fd, &ev);
}


/* A connection broke: count the lost request, reconnect once. */
static void
sl_ol_conn_fail(sl_ol_run_t *run, sl_ol_conn_t *c)
{
    int was;

    was = c->state;
    if (was == SL_OL_BUSY) {
        run->failed++;
    }
    if (was == SL_OL_IDLE) {
        sl_ol_idle_remove(run, c);
    }
    run->errors++;
    if (c->fd != -1) {
        (void) close(c->fd);
        c->fd = -1;
    }
    c->state = SL_OL_DEAD;
    if (was != SL_OL_CONNECTING && sl_ol_conn_open(run, c) == 0) {
        run->reconnects++;
    }
}


/* Take c off the idle stack (rare: the server closed an idle one). */
static void
sl_ol_idle_remove(sl_ol_run_t *run, sl_ol_conn_t *c)
{
    int i, slot;

    slot = (int) (c - run->conns);
    for (i = 0; i < run->nidle; i++) {
        if (run->idle[i] == slot) {
            run->idle[i] = run->idle[--run->nidle];
            return;
        }
    }
}


/* Close a healthy connection the server wants closed, and open anew. */
static void
sl_ol_conn_recycle(sl_ol_run_t *run, sl_ol_conn_t *c)
{
    (void) close(c->fd);
    c->fd = -1;
    c->state = SL_OL_DEAD;
    run->reconnects++;
    if (sl_ol_conn_open(run, c) != 0) {
        run->errors++;
    }
}


/* Register interest in writability (out = 1) or in reads only. */
static int
sl_ol_arm(sl_ol_run_t *run, sl_ol_conn_t *c, int out)
{
    struct epoll_event  ev;

    if (c->out_armed == out) {
        return 0;
    }
    c->out_armed = out;
    ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
    ev.data.ptr = c;
    return epoll_ctl(run->ep, EPOLL_CTL_MOD, c->fd, &ev);
}


static void
sl_ol_on_connect(sl_ol_run_t *run, sl_ol_conn_t *c)
{
    socklen_t   len;
    int         err;

    err = 0;
    len = sizeof(err);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1
        || err != 0 || sl_ol_arm(run, c, 0) == -1)
    {
        (void) close(c->fd);
        c->fd = -1;
        c->state = SL_OL_DEAD;
        run->errors++;
        return;
    }
    c->state = SL_OL_IDLE;
    run->idle[run->nidle++] = (int) (c - run->conns);
}


/* Write (the rest of) the request of c. */
static void
sl_ol_write(sl_ol_run_t *run, sl_ol_conn_t *c)
{
    ssize_t n;

    n = write(c->fd, run->req + c->wr_off, run->req_len - c->wr_off);
    if (n == -1) {
        if (errno != EAGAIN || sl_ol_arm(run, c, 1) == -1) {
            sl_ol_conn_fail(run, c);
        }
        return;
    }
    c->wr_off += (size_t) n;
    if (sl_ol_arm(run, c, c->wr_off < run->req_len) == -1) {
        sl_ol_conn_fail(run, c);
    }
}


static void
sl_ol_send(sl_ol_run_t *run, sl_ol_conn_t *c, uint64_t due)
{
    c->state = SL_OL_BUSY;
    c->due = due;
    c->sent = sl_ol_now();
    c->wr_off = 0;
    c->head_len = 0;
    c->in_body = 0;
    c->status = 0;
    c->server_close = 0;
    run->issued++;
    sl_ol_write(run, c);
}


/*
 * Gather the response head.  Returns the number of bytes of data that
 * belong to the head (the rest is body), 0 when more is needed, -1 on a
 * head we cannot use (too long, no Content-Length, chunked).
 */
static int
sl_ol_parse_head(sl_ol_conn_t *c, const char *data, size_t n)
{
    size_t      old, take;
    char       *end, *cl;

    old = c->head_len;
    take = n < SL_OL_HEAD_MAX - old ? n : SL_OL_HEAD_MAX - old;
    memcpy(c->head + old, data, take);
    c->head_len += take;
    c->head[c->head_len] = '\0';
    end = strstr(c->head + (old > 3 ? old - 3 : 0), "\r\n\r\n");
    if (end == NULL) {
        return c->head_len == SL_OL_HEAD_MAX ? -1 : 0;
    }
    end[2] = '\0';
    if (strncmp(c->head, "HTTP/1.", 7) != 0 || c->head_len < 12) {
        return -1;
    }
    c->status = atoi(c->head + 9);
    cl = strcasestr(c->head, "\ncontent-length:");
    if (cl == NULL || strcasestr(c->head, "\ntransfer-encoding:") != NULL) {
        return -1;
    }
    c->body_left = strtoull(cl + 16, NULL, 10);
    c->server_close = strcasestr(c->head, "\nconnection: close") != NULL;
    c->in_body = 1;
    return (int) ((size_t) (end + 4 - c->head) - old);
}


/* Feed response bytes.  Returns 1 when complete, 0 for more, -1 on error. */
static int
sl_ol_parse(sl_ol_conn_t *c, const char *data, size_t n)
{
    int used;

    if (!c->in_body) {
        used = sl_ol_parse_head(c, data, n);
        if (used <= 0) {
            return used;
        }
        data += used;
        n -= (size_t) used;
    }
    if (n > c->body_left) {
        return -1;
    }
    c->body_left -= n;
    return c->body_left == 0 ? 1 : 0;
}


static void
sl_ol_complete(sl_ol_run_t *run, sl_ol_conn_t *c)
{
    uint64_t    now;

    now = sl_ol_now();
    sl_ol_hist_add(&run->due_hist, now - c->due);
    sl_ol_hist_add(&run->svc_hist, now - c->sent);
    run->completed++;
    run->last_done = now;
    if (c->status < 200 || c->status > 299) {
        run->non2xx++;
    }
    if (c->server_close) {
        sl_ol_conn_recycle(run, c);
        return;
    }
    c->state = SL_OL_IDLE;
    run->idle[run->nidle++] = (int) (c - run->conns);
}


/* Readable: consume the response, or notice the server closed an idle one. */
static void
sl_ol_on_read(sl_ol_run_t *run, sl_ol_conn_t *c)
{
    static char buf[65536];
    ssize_t     n;
    int         rc;

    for ( ;; ) {
        n = read(c->fd, buf, sizeof(buf));
        if (n == -1 && errno == EAGAIN) {
            return;
        }
        if (n == 0 && c->state == SL_OL_IDLE) {
            /* keep-alive limit or timeout: not an error, reconnect */
            sl_ol_idle_remove(run, c);
            sl_ol_conn_recycle(run, c);
            return;
        }
        if (n <= 0 || c->state != SL_OL_BUSY) {
            sl_ol_conn_fail(run, c);
            return;
        }
        rc = sl_ol_parse(c, buf, (size_t) n);
        if (rc == -1) {
            sl_ol_conn_fail(run, c);
            return;
        }
        if (rc == 1) {
            sl_ol_complete(run, c);
            return;
        }
    }
}


/* Send every request that is due, on the idle connections there are. */
static void
sl_ol_issue(sl_ol_run_t *run)
{
    uint64_t        now, due_n, backlog;
    sl_ol_conn_t   *c;

    now = sl_ol_now();
    if (run->rate <= 0) {
        while (run->issued < run->count && run->nidle > 0) {
            c = &run->conns[run->idle[--run->nidle]];
            sl_ol_send(run, c, now);
        }
        return;
    }
    if (now >= run->t_end) {
        due_n = (run->t_end - run->t0 + run->interval - 1) / run->interval;
    } else {
        due_n = (now - run->t0) / run->interval + 1;
    }
    backlog = due_n - run->issued;
    if (backlog > run->max_backlog) {
        run->max_backlog = backlog;
    }
    while (run->issued < due_n && run->nidle > 0) {
        c = &run->conns[run->idle[--run->nidle]];
        sl_ol_send(run, c, run->t0 + run->issued * run->interval);
    }
}


/* True when the run is over: all answered, or the time is up. */
static int
sl_ol_finished(sl_ol_run_t *run, uint64_t now)
{
    uint64_t    settled, stop;

    settled = run->completed + run->failed;
    if (run->rate <= 0) {
        return settled >= run->count
               || now >= run->t0 + (uint64_t) (run->duration * SL_OL_NS);
    }
    if (now < run->t_end) {
        return 0;
    }
    stop = run->t_end + (uint64_t) (run->drain * SL_OL_NS);
    return settled >= run->issued || now >= stop;
}


/* How long the loop may sleep: until the next request is due. */
static uint64_t
sl_ol_wait_ns(sl_ol_run_t *run, uint64_t now)
{
    uint64_t    next;

    if (run->rate <= 0 || now >= run->t_end) {
        return 10000000;
    }
    next = run->t0 + run->issued * run->interval;
    if (next <= now) {
        return run->nidle > 0 ? 0 : 10000000;
    }
    /*
     * Sleep until SL_OL_SPIN_NS before the due time, then poll without
     * sleeping: a timer wake-up is late by tens of microseconds (more in
     * a virtual machine), which would be counted as server latency, and
     * arming a timer per request caps the rate we can offer.
     */
    return next - now > SL_OL_SPIN_NS ? next - now - SL_OL_SPIN_NS : 0;
}


static void
sl_ol_poll(sl_ol_run_t *run, uint64_t timeout_ns)
{
    struct epoll_event  evs[SL_OL_EVENTS];
    struct timespec     ts;
    sl_ol_conn_t       *c;
    int                 n, i;

    ts.tv_sec = (time_t) (timeout_ns / SL_OL_NS);
    ts.tv_nsec = (long) (timeout_ns % SL_OL_NS);
    n = epoll_pwait2(run->ep, evs, SL_OL_EVENTS, &ts, NULL);
    for (i = 0; i < n; i++) {
        c = evs[i].data.ptr;
        if (c->fd == -1) {
            continue;
        }
        if (c->state == SL_OL_CONNECTING) {
            sl_ol_on_connect(run, c);
            continue;
        }
        if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
            sl_ol_on_read(run, c);
        }
        if (c->fd != -1 && c->state == SL_OL_BUSY
            && (evs[i].events & EPOLLOUT) && c->wr_off < run->req_len)
        {
            sl_ol_write(run, c);
        }
    }
}


/* Open every connection before the clock starts.  Returns 0 or -1. */
static int
sl_ol_connect_all(sl_ol_run_t *run)
{
    uint64_t    deadline;
    int         i;

    for (i = 0; i < run->nconns; i++) {
        if (sl_ol_conn_open(run, &run->conns[i]) != 0) {
            perror("openloop: connect");
            return -1;
        }
    }
    deadline = sl_ol_now() + 5 * SL_OL_NS;
    while (run->nidle + (int) run->errors < run->nconns
           && sl_ol_now() < deadline)
    {
        sl_ol_poll(run, 10000000);
    }
    if (run->nidle < run->nconns) {
        fprintf(stderr, "openloop: only %d of %d connections opened\n",
                run->nidle, run->nconns);
        return -1;
    }
    return 0;
}


static void
sl_ol_report(sl_ol_run_t *run, uint64_t now)
{
    static const double pcts[] = { 50, 75, 90, 99, 99.9, 99.99 };
    static const char  *names[] = { "p50", "p75", "p90", "p99", "p999",
                                    "p9999" };
    double              secs;
    unsigned            i;

    if (run->rate > 0) {
        secs = (double) (run->t_end - run->t0) / SL_OL_NS;
        run->unsent = (run->t_end - run->t0 + run->interval - 1)
                      / run->interval - run->issued;
    } else {
        secs = (double) ((run->last_done ? run->last_done : now) - run->t0)
               / SL_OL_NS;
    }
    printf("mode=%s\ntarget_rate=%.1f\nconnections=%d\nduration_s=%.3f\n",
           run->rate > 0 ? "open" : "closed", run->rate, run->nconns, secs);
    printf("requests=%llu\nerrors=%llu\nfailed=%llu\nnon2xx=%llu\n",
           (unsigned long long) run->completed,
           (unsigned long long) run->errors,
           (unsigned long long) run->failed,
           (unsigned long long) run->non2xx);
    printf("unsent=%llu\ntimeouts=%llu\nreconnects=%llu\nmax_backlog=%llu\n",
           (unsigned long long) run->unsent,
           (unsigned long long) (run->issued - run->completed - run->failed),
           (unsigned long long) run->reconnects,
           (unsigned long long) run->max_backlog);
    printf("rate=%.1f\n", secs > 0 ? (double) run->completed / secs : 0.0);
    for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
        printf("lat_us_%s=%.3f\n", names[i],
               sl_ol_hist_pct(&run->due_hist, pcts[i]) / 1000.0);
    }
    printf("lat_us_max=%.3f\nlat_us_mean=%.3f\n",
           (double) run->due_hist.max / 1000.0,
           run->due_hist.total ? (double) run->due_hist.sum
                                 / (double) run->due_hist.total / 1000.0 : 0);
    printf("svc_us_p50=%.3f\nsvc_us_p99=%.3f\n",
           sl_ol_hist_pct(&run->svc_hist, 50) / 1000.0,
           sl_ol_hist_pct(&run->svc_hist, 99) / 1000.0);
}


int
main(int argc, char **argv)
{
    static sl_ol_run_t  run;
    struct sigaction    sa;
    uint64_t            now;
    int                 i;

    if (sl_ol_parse_args(&run, argc, argv) != 0) {
        fprintf(stderr, "usage: openloop -p PORT [-a ADDR] [-u PATH] "
                "[-c CONNS] [-r RATE -d SECONDS | -n COUNT] "
                "[-H 'Name: value'] [-T DRAIN]\n");
        return 2;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    (void) sigaction(SIGPIPE, &sa, NULL);
    /* wake up on time: the default 50 us timer slack would delay sends */
    (void) prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    run.conns = calloc((size_t) run.nconns, sizeof(sl_ol_conn_t));
    run.idle = calloc((size_t) run.nconns, sizeof(int));
    run.ep = epoll_create1(0);
    if (run.conns == NULL || run.idle == NULL || run.ep == -1) {
        perror("openloop: setup");
        return 1;
    }
    for (i = 0; i < run.nconns; i++) {
        run.conns[i].fd = -1;
    }
    if (sl_ol_connect_all(&run) != 0) {
        return 1;
    }
    run.t0 = sl_ol_now();
    if (run.rate > 0) {
        run.interval = (uint64_t) ((double) SL_OL_NS / run.rate);
        run.interval = run.interval ? run.interval : 1;
        run.t_end = run.t0 + (uint64_t) (run.duration * SL_OL_NS);
    }
    for ( ;; ) {
        sl_ol_issue(&run);
        now = sl_ol_now();
        if (sl_ol_finished(&run, now)) {
            break;
        }
        sl_ol_poll(&run, sl_ol_wait_ns(&run, now));
    }
    sl_ol_report(&run, sl_ol_now());
    return run.errors || run.failed || run.non2xx || run.unsent
           || run.issued != run.completed + run.failed ? 1 : 0;
}
