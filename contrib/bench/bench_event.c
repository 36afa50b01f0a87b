/*
 * bench_event.c: the event-loop benchmark (contrib, not part of the
 * server). The idea is the classic one from libevent's test/bench.c; this
 * is our own program. N socket pairs each have a read watcher; A of them
 * get a byte to start; every callback reads its byte and, while writes are
 * left, writes one to the next pair, so A chains of events run around the
 * ring until the writes (N unless -w) are used up. One run measures:
 *
 *   total   re-arming the N watchers (in re-arm mode), priming A pairs,
 *           and running the loop until every byte written was read
 *   handle  the loop part only: the time spent dispatching events
 *
 * The same work is done with sluice's loop (libsluice.a), libevent 2.1 and
 * libev 4 (event/bench_libevent.c, event/bench_libev.c): a level-triggered
 * read interest per descriptor, one blocking loop iteration at a time.
 * Two modes:
 *
 *   re-arm (default, the classic)  each watcher, already registered, is
 *        unregistered and registered again at the start of every run:
 *        sluice sl_loop_del_conn + sl_loop_add_level, libevent event_del +
 *        event_add, libev ev_io_stop + ev_io_start. libevent makes two
 *        epoll_ctl calls at once (DEL, ADD). libev defers the kernel
 *        update into its next ev_run, where it makes one (an ADD failing
 *        with EEXIST), counted in its "handle" time. sluice defers the DEL
 *        to its next epoll_wait and the re-add with the same descriptor
 *        and mode cancels it, so it makes none (an edge-triggered re-add
 *        would make one EPOLL_CTL_MOD).
 *   persist (-p)  watchers are registered before the timed part and stay;
 *        a run only primes and dispatches. This is how the server uses the
 *        loop: a connection is registered once.
 *
 * Every loop runs in the same process on the same socket pairs, and the
 * loops take turns run by run, so a change of machine load or of kernel
 * memory layout hits them alike (separate processes differed by +-25%).
 * Each turn creates the loop, registers the watchers (untimed, flushed),
 * does one timed run and destroys the loop, so no loop's epoll set watches
 * the pairs while another one runs. For each loop it prints the median of
 * -i runs (the mean of the middle two for an even count):
 *
 *   loop=NAME pairs=N active=A total_us=T handle_us=H
 *
 * usage: bench_event [-l NAME[,NAME...]] [-n pairs] [-a active]
 *                    [-w writes] [-i iterations] [-p] [-v]
 */
#include "sl_core.h"
#include "sl_event.h"
#include "event/bench_event.h"

#define BENCH_LOOPS_MAX  3

bench_t  bench;

typedef struct {
    const bench_loop_t  *loop;
    uint64_t            *totals;
    uint64_t            *handles;
} bench_result_t;

typedef struct {
    bench_result_t       results[BENCH_LOOPS_MAX];
    int                  nloops;
    int                  active;
    int                  writes;     /* per run */
    int                  iterations;
    int                  persist;    /* no re-arm in the timed part */
    int                  verbose;
} bench_opts_t;

static sl_loop_t  *bench_sl;
static sl_conn_t  *bench_sl_conns;

static void bench_sluice_handler(sl_event_t *ev);
static int bench_sluice_init(bench_t *b);
static void bench_sluice_arm(bench_t *b);
static int bench_sluice_run_once(bench_t *b);
static void bench_sluice_done(bench_t *b);
static void bench_usage(void) __attribute__((noreturn));
static int bench_parse(bench_t *b, bench_opts_t *o, int argc, char **argv);
static int bench_select(bench_opts_t *o, char *names);
static int bench_pairs_open(bench_t *b);
static void bench_pairs_close(bench_t *b);
static int bench_turn(bench_t *b, const bench_opts_t *o,
    const bench_loop_t *loop, uint64_t *total, uint64_t *handle);
static int bench_run(bench_t *b, const bench_opts_t *o,
    const bench_loop_t *loop, uint64_t *total, uint64_t *handle);
static void bench_report(bench_t *b, const bench_opts_t *o,
    bench_result_t *r);
static uint64_t bench_usec(void);
static int bench_cmp_u64(const void *x, const void *y);

static const bench_loop_t  bench_loop_sluice = {
    "sluice", bench_sluice_init, bench_sluice_arm, NULL,
    bench_sluice_run_once, bench_sluice_done
};

static const bench_loop_t  *bench_loops[BENCH_LOOPS_MAX] = {
    &bench_loop_sluice,
#ifdef SL_BENCH_LIBEVENT
    &bench_loop_libevent,
#endif
#ifdef SL_BENCH_LIBEV
    &bench_loop_libev,
#endif
};


/* The work of every callback: read the byte, pass one on. */
void
bench_on_readable(bench_t *b, int idx, int fd)
{
    u_char   ch;
    int      next;

    if (read(fd, &ch, 1) == 1) {
        b->count++;
    }
    if (b->left > 0) {
        next = idx + 1 == b->pairs ? 0 : idx + 1;
        if (write(b->fds[2 * next + 1], "e", 1) == 1) {
            b->left--;
            b->fired++;
        }
    }
}


/* --- sluice: a level-triggered read interest per pair --- */

static void
bench_sluice_handler(sl_event_t *ev)
{
    sl_conn_t  *c;

    c = ev->data;
    bench_on_readable(&bench, (int) (c - bench_sl_conns), c->fd);
}


static int
bench_sluice_init(bench_t *b)
{
    static sl_log_t  log;
    int              i;

    log = *sl_log_init_stderr();
    bench_sl = sl_loop_create(0, &log);
    bench_sl_conns = calloc((size_t) b->pairs, sizeof(sl_conn_t));
    if (bench_sl == NULL || bench_sl_conns == NULL) {
        return -1;
    }
    for (i = 0; i < b->pairs; i++) {
        sl_conn_init(&bench_sl_conns[i], b->fds[2 * i]);
        bench_sl_conns[i].read.handler = bench_sluice_handler;
    }
    return 0;
}


/* Unregisters (when registered) and registers each pair's read end. */
static void
bench_sluice_arm(bench_t *b)
{
    sl_conn_t  *c;
    int         i;

    for (i = 0; i < b->pairs; i++) {
        c = &bench_sl_conns[i];
        if (sl_loop_del_conn(bench_sl, c) != SL_OK
            || sl_loop_add_level(bench_sl, c) != SL_OK)
        {
            exit(1);                    /* logged by the loop */
        }
    }
}


static int
bench_sluice_run_once(bench_t *b)
{
    return sl_loop_run_once(bench_sl) == SL_OK ? 0 : -1;
}


static void
bench_sluice_done(bench_t *b)
{
    int  i;

    for (i = 0; i < b->pairs; i++) {
        (void) sl_loop_del_conn(bench_sl, &bench_sl_conns[i]);
    }
    sl_loop_destroy(bench_sl);
    free(bench_sl_conns);
}


/* --- the driver --- */

int
main(int argc, char **argv)
{
    bench_opts_t     o;
    bench_result_t  *r;
    bench_t         *b;
    int              i, k;

    b = &bench;
    if (bench_parse(b, &o, argc, argv) != 0) {
        bench_usage();
    }
    if (bench_pairs_open(b) != 0) {
        fprintf(stderr, "bench_event: %d socket pairs: %s\n", b->pairs,
                strerror(errno));
        return 1;
    }

    for (i = 0; i < o.iterations; i++) {
        for (k = 0; k < o.nloops; k++) {
            r = &o.results[k];
            if (bench_turn(b, &o, r->loop, &r->totals[i], &r->handles[i])
                != 0)
            {
                fprintf(stderr, "bench_event: %s failed: %s\n",
                        r->loop->name, strerror(errno));
                return 1;
            }
            if (o.verbose) {
                fprintf(stderr, "%s run %d: total %lu us, handle %lu us\n",
                        r->loop->name, i, (unsigned long) r->totals[i],
                        (unsigned long) r->handles[i]);
            }
        }
    }
    for (k = 0; k < o.nloops; k++) {
        bench_report(b, &o, &o.results[k]);
        free(o.results[k].totals);
        free(o.results[k].handles);
    }
    bench_pairs_close(b);
    return 0;
}


/*
 * One loop's turn: a fresh loop with every watcher registered (and, for a
 * loop that defers registration, flushed) before the clock starts.
 */
static int
bench_turn(bench_t *b, const bench_opts_t *o, const bench_loop_t *loop,
    uint64_t *total, uint64_t *handle)
{
    int  rc;

    if (loop->init(b) != 0) {
        return -1;
    }
    loop->arm(b);
    if (loop->flush) {
        loop->flush(b);
    }
    rc = bench_run(b, o, loop, total, handle);
    loop->done(b);
    return rc;
}


/*
 * One timed run: re-arm (unless persist), prime `active` pairs spread
 * evenly over the ring, then iterate until every byte written has been
 * read. The loop never blocks for nothing: while count < fired a byte is
 * in flight.
 */
static int
bench_run(bench_t *b, const bench_opts_t *o, const bench_loop_t *loop,
    uint64_t *total, uint64_t *handle)
{
    uint64_t  t0, t1, t2;
    int       i, space;

    t0 = bench_usec();
    if (!o->persist) {
        loop->arm(b);
    }

    b->count = 0;
    b->fired = 0;
    b->left = o->writes;
    space = b->pairs / o->active;
    for (i = 0; i < o->active; i++) {
        if (write(b->fds[2 * (i * space) + 1], "e", 1) != 1) {
            return -1;
        }
        b->fired++;
    }

    t1 = bench_usec();
    while (b->count < b->fired) {
        if (loop->run_once(b) != 0) {
            return -1;
        }
    }
    t2 = bench_usec();

    *total = t2 - t0;
    *handle = t2 - t1;
    return 0;
}


/* The median of the runs; for an even count, the mean of the middle two. */
static void
bench_report(bench_t *b, const bench_opts_t *o, bench_result_t *r)
{
    size_t  n;
    int     i;

    n = (size_t) o->iterations;
    qsort(r->totals, n, sizeof(uint64_t), bench_cmp_u64);
    qsort(r->handles, n, sizeof(uint64_t), bench_cmp_u64);
    i = o->iterations / 2;
    if (o->iterations % 2 == 0) {
        r->totals[i] = (r->totals[i - 1] + r->totals[i]) / 2;
        r->handles[i] = (r->handles[i - 1] + r->handles[i]) / 2;
    }
    printf("loop=%s pairs=%d active=%d total_us=%lu handle_us=%lu\n",
           r->loop->name, b->pairs, o->active, (unsigned long) r->totals[i],
           (unsigned long) r->handles[i]);
}


static int
bench_parse(bench_t *b, bench_opts_t *o, int argc, char **argv)
{
    char  *names;
    int    opt, k;

    memset(o, 0, sizeof(*o));
    names = NULL;
    b->pairs = 1000;
    o->active = 100;
    o->writes = -1;
    o->iterations = 2;
    while ((opt = getopt(argc, argv, "l:n:a:w:i:pvh")) != -1) {
        switch (opt) {
        case 'l': names = optarg; break;
        case 'n': b->pairs = atoi(optarg); break;
        case 'a': o->active = atoi(optarg); break;
        case 'w': o->writes = atoi(optarg); break;
        case 'i': o->iterations = atoi(optarg); break;
        case 'p': o->persist = 1; break;
        case 'v': o->verbose = 1; break;
        default: return -1;
        }
    }
    if (o->writes < 0) {
        o->writes = b->pairs;           /* the classic default */
    }
    if (b->pairs < 1 || o->active < 1 || o->active > b->pairs
        || o->iterations < 1 || bench_select(o, names) != 0)
    {
        return -1;
    }
    for (k = 0; k < o->nloops; k++) {
        o->results[k].totals = calloc((size_t) o->iterations,
                                      sizeof(uint64_t));
        o->results[k].handles = calloc((size_t) o->iterations,
                                       sizeof(uint64_t));
        if (o->results[k].totals == NULL || o->results[k].handles == NULL) {
            return -1;
        }
    }
    return 0;
}


/* names: comma-separated loop names, or NULL for every loop built in. */
static int
bench_select(bench_opts_t *o, char *names)
{
    char   *name, *save;
    size_t  i;

    if (names == NULL) {
        for (i = 0; i < sl_nelem(bench_loops) && bench_loops[i]; i++) {
            o->results[o->nloops++].loop = bench_loops[i];
        }
        return 0;
    }
    for (name = strtok_r(names, ",", &save); name;
         name = strtok_r(NULL, ",", &save))
    {
        for (i = 0; i < sl_nelem(bench_loops) && bench_loops[i]; i++) {
            if (strcmp(name, bench_loops[i]->name) == 0) {
                break;
            }
        }
        if (i == sl_nelem(bench_loops) || bench_loops[i] == NULL
            || o->nloops == BENCH_LOOPS_MAX)
        {
            fprintf(stderr, "bench_event: loop \"%s\" not built in\n", name);
            return -1;
        }
        o->results[o->nloops++].loop = bench_loops[i];
    }
    return o->nloops ? 0 : -1;
}


static void
bench_usage(void)
{
    size_t  i;

    fprintf(stderr, "usage: bench_event [-l NAME[,NAME...]] [-n pairs] "
            "[-a active] [-w writes] [-i iterations] [-p] [-v]\nloops:");
    for (i = 0; i < sl_nelem(bench_loops) && bench_loops[i]; i++) {
        fprintf(stderr, " %s", bench_loops[i]->name);
    }
    fprintf(stderr, "\n");
    exit(2);
}


static int
bench_pairs_open(bench_t *b)
{
    int  i;

    b->fds = calloc((size_t) b->pairs * 2, sizeof(int));
    if (b->fds == NULL) {
        return -1;
    }
    for (i = 0; i < b->pairs; i++) {
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       0, &b->fds[2 * i]) == -1)
        {
            return -1;
        }
    }
    return 0;
}


static void
bench_pairs_close(bench_t *b)
{
    int  i;

    for (i = 0; i < 2 * b->pairs; i++) {
        (void) close(b->fds[i]);
    }
    free(b->fds);
}


static uint64_t
bench_usec(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}


static int
bench_cmp_u64(const void *x, const void *y)
{
    uint64_t  a = *(const uint64_t *) x, b = *(const uint64_t *) y;

    return a < b ? -1 : a > b;
}
