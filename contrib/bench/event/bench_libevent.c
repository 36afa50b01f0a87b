/*
 * bench_libevent.c: libevent 2.1 under the event-loop benchmark (see
 * bench_event.c). Watchers live in one array (event_struct.h gives the
 * size) as the classic benchmark kept them; each run re-arms them with
 * event_del + event_assign + event_add; one run_once is
 * event_base_loop(EVLOOP_ONCE).
 */
#include <stdint.h>
#include <stdlib.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "bench_event.h"

static struct event_base  *bench_libevent_base;
static struct event       *bench_libevent_evs;
static int                 bench_libevent_armed;

static void bench_libevent_cb(evutil_socket_t fd, short what, void *arg);
static int bench_libevent_init(bench_t *b);
static void bench_libevent_arm(bench_t *b);
static int bench_libevent_run_once(bench_t *b);
static void bench_libevent_done(bench_t *b);

const bench_loop_t  bench_loop_libevent = {
    "libevent", bench_libevent_init, bench_libevent_arm, NULL,
    bench_libevent_run_once, bench_libevent_done
};


static void
bench_libevent_cb(evutil_socket_t fd, short what, void *arg)
{
    bench_on_readable(&bench, (int) (intptr_t) arg, fd);
}


static int
bench_libevent_init(bench_t *b)
{
    bench_libevent_armed = 0;
    bench_libevent_base = event_base_new();
    bench_libevent_evs = calloc((size_t) b->pairs, sizeof(struct event));
    return (bench_libevent_base && bench_libevent_evs) ? 0 : -1;
}


static void
bench_libevent_arm(bench_t *b)
{
    int  i;

    for (i = 0; i < b->pairs; i++) {
        if (bench_libevent_armed) {
            (void) event_del(&bench_libevent_evs[i]);
        }
        if (event_assign(&bench_libevent_evs[i], bench_libevent_base,
                         b->fds[2 * i], EV_READ | EV_PERSIST,
                         bench_libevent_cb, (void *) (intptr_t) i) != 0
            || event_add(&bench_libevent_evs[i], NULL) != 0)
        {
            exit(1);
        }
    }
    bench_libevent_armed = 1;
}


static int
bench_libevent_run_once(bench_t *b)
{
    return event_base_loop(bench_libevent_base, EVLOOP_ONCE) == -1 ? -1 : 0;
}


static void
bench_libevent_done(bench_t *b)
{
    int  i;

    for (i = 0; i < b->pairs; i++) {
        (void) event_del(&bench_libevent_evs[i]);
    }
    event_base_free(bench_libevent_base);
    free(bench_libevent_evs);
}
