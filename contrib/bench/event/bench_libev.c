/*
 * bench_libev.c: libev 4 under the event-loop benchmark (see
 * bench_event.c). An epoll loop from ev_loop_new; watchers in one array;
 * arm is ev_io_stop + ev_io_set + ev_io_start, which libev applies in its
 * next ev_run (flush runs one with EVRUN_NOWAIT); one run_once is
 * ev_run(EVRUN_ONCE).
 */
#include <stdint.h>
#include <stdlib.h>
#include <ev.h>

#include "bench_event.h"

static struct ev_loop  *bench_libev_loop;
static ev_io           *bench_libev_ios;

static void bench_libev_cb(struct ev_loop *loop, ev_io *w, int revents);
static int bench_libev_init(bench_t *b);
static void bench_libev_arm(bench_t *b);
static void bench_libev_flush(bench_t *b);
static int bench_libev_run_once(bench_t *b);
static void bench_libev_done(bench_t *b);

const bench_loop_t  bench_loop_libev = {
    "libev", bench_libev_init, bench_libev_arm, bench_libev_flush,
    bench_libev_run_once, bench_libev_done
};


static void
bench_libev_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    bench_on_readable(&bench, (int) (w - bench_libev_ios), w->fd);
}


static int
bench_libev_init(bench_t *b)
{
    int  i;

    bench_libev_loop = ev_loop_new(EVBACKEND_EPOLL);
    bench_libev_ios = calloc((size_t) b->pairs, sizeof(ev_io));
    if (bench_libev_loop == NULL || bench_libev_ios == NULL) {
        return -1;
    }
    for (i = 0; i < b->pairs; i++) {
        ev_io_init(&bench_libev_ios[i], bench_libev_cb, b->fds[2 * i],
                   EV_READ);
    }
    return 0;
}


static void
bench_libev_arm(bench_t *b)
{
    int  i;

    for (i = 0; i < b->pairs; i++) {
        ev_io_stop(bench_libev_loop, &bench_libev_ios[i]);
        ev_io_set(&bench_libev_ios[i], b->fds[2 * i], EV_READ);
        ev_io_start(bench_libev_loop, &bench_libev_ios[i]);
    }
}


/* libev applies watcher changes at the start of its next iteration. */
static void
bench_libev_flush(bench_t *b)
{
    (void) ev_run(bench_libev_loop, EVRUN_NOWAIT);
}


static int
bench_libev_run_once(bench_t *b)
{
    (void) ev_run(bench_libev_loop, EVRUN_ONCE);
    return 0;
}


static void
bench_libev_done(bench_t *b)
{
    int  i;

    for (i = 0; i < b->pairs; i++) {
        ev_io_stop(bench_libev_loop, &bench_libev_ios[i]);
    }
    ev_loop_destroy(bench_libev_loop);
    free(bench_libev_ios);
}
