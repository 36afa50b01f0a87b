/*
 * sl_timer.c: timers of the loop (event layer); see sl_event.h. A binary
 * min-heap in one array of {key, event} slots: O(1) earliest, O(log n) add,
 * remove and re-key, and a slot index kept in the event so removal needs no
 * search. Keys are absolute monotonic milliseconds (sl_current_msec), which
 * never wrap in practice (uint64_t). Re-arming is lazy: a new expiry within
 * SL_TIMER_LAZY_DELAY ms of the old one keeps the old one, which removes
 * almost all heap work for busy keep-alive connections.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_loop.h"

#define SL_TIMER_HEAP_MIN  64

static sl_int_t sl_timer_grow(sl_loop_t *loop, sl_uint_t n);
static void sl_timer_sift_up(sl_loop_t *loop, sl_uint_t i);
static void sl_timer_sift_down(sl_loop_t *loop, sl_uint_t i);
static void sl_timer_remove_at(sl_loop_t *loop, sl_uint_t i);
static void sl_timer_place(sl_loop_t *loop, sl_uint_t i, sl_timer_node_t n);


sl_int_t
sl_timer_add(sl_loop_t *loop, sl_event_t *ev, sl_msec_t msec)
{
    sl_msec_t  key, old;

    key = sl_current_msec + msec;
    ev->timedout = 0;

    if (ev->timer_set) {
        old = ev->timer_key;
        if ((key > old ? key - old : old - key) < SL_TIMER_LAZY_DELAY) {
            return SL_OK;
        }
        ev->timer_key = key;
        loop->heap[ev->timer_index].key = key;
        if (key < old) {
            sl_timer_sift_up(loop, ev->timer_index);
        } else {
            sl_timer_sift_down(loop, ev->timer_index);
        }
        return SL_OK;
    }

    if (loop->ntimers == loop->heap_size
        && sl_timer_grow(loop, loop->ntimers + 1) != SL_OK)
    {
        return SL_ERROR;
    }
    ev->timer_key = key;
    ev->timer_set = 1;
    sl_timer_place(loop, loop->ntimers++, (sl_timer_node_t) { key, ev });
    sl_timer_sift_up(loop, ev->timer_index);
    return SL_OK;
}


void
sl_timer_del(sl_loop_t *loop, sl_event_t *ev)
{
    if (!ev->timer_set) {
        return;
    }
    sl_timer_remove_at(loop, ev->timer_index);
}


sl_int_t
sl_timer_reserve(sl_loop_t *loop, sl_uint_t n)
{
    if (n <= loop->heap_size) {
        return SL_OK;
    }
    return sl_timer_grow(loop, n);
}


int
sl_timer_timeout(sl_loop_t *loop)
{
    sl_msec_t  key;

    if (loop->ntimers == 0) {
        return -1;
    }
    key = loop->heap[0].key;
    if (key <= sl_current_msec) {
        return 0;
    }
    return (int) sl_min(key - sl_current_msec, (sl_msec_t) INT_MAX);
}


/*
 * The earliest timer is removed before its handler runs, so the handler
 * may add, re-arm or delete any timer, its own included.
 */
void
sl_timer_expire(sl_loop_t *loop)
{
    sl_event_t  *ev;

    while (loop->ntimers && loop->heap[0].key <= sl_current_msec) {
        ev = loop->heap[0].ev;
        sl_timer_remove_at(loop, 0);
        ev->timedout = 1;
        if (ev->handler) {
            ev->handler(ev);
        }
    }
}


void
sl_timer_cleanup(sl_loop_t *loop)
{
    free(loop->heap);
    loop->heap = NULL;
    loop->heap_size = 0;
    loop->ntimers = 0;
}


static sl_int_t
sl_timer_grow(sl_loop_t *loop, sl_uint_t n)
{
    sl_timer_node_t  *heap;
    sl_uint_t         size;

    size = sl_max(loop->heap_size * 2, (sl_uint_t) SL_TIMER_HEAP_MIN);
    size = sl_max(size, n);
    if (size > UINT32_MAX) {
        sl_log_error(SL_LOG_CRIT, loop->log, 0, "too many timers: %lu",
                     (unsigned long) n);
        return SL_ERROR;
    }
    heap = realloc(loop->heap, size * sizeof(sl_timer_node_t));
    if (heap == NULL) {
        sl_log_error(SL_LOG_CRIT, loop->log, errno,
                     "realloc() of %lu timers failed", (unsigned long) size);
        return SL_ERROR;
    }
    loop->heap = heap;
    loop->heap_size = size;
    return SL_OK;
}


static void
sl_timer_remove_at(sl_loop_t *loop, sl_uint_t i)
{
    sl_timer_node_t  last;
    sl_event_t      *ev;

    ev = loop->heap[i].ev;
    ev->timer_set = 0;
    last = loop->heap[--loop->ntimers];
    if (i == loop->ntimers) {
        return;
    }
    /* The last slot fills the hole, then moves whichever way it must. */
    sl_timer_place(loop, i, last);
    if (i > 0 && last.key < loop->heap[(i - 1) / 2].key) {
        sl_timer_sift_up(loop, i);
    } else {
        sl_timer_sift_down(loop, i);
    }
}


static void
sl_timer_place(sl_loop_t *loop, sl_uint_t i, sl_timer_node_t n)
{
    loop->heap[i] = n;
    n.ev->timer_index = (uint32_t) i;
}


static void
sl_timer_sift_up(sl_loop_t *loop, sl_uint_t i)
{
    sl_timer_node_t  n;
    sl_uint_t        parent;

    n = loop->heap[i];
    while (i > 0) {
        parent = (i - 1) / 2;
        if (loop->heap[parent].key <= n.key) {
            break;
        }
        sl_timer_place(loop, i, loop->heap[parent]);
        i = parent;
    }
    sl_timer_place(loop, i, n);
}


static void
sl_timer_sift_down(sl_loop_t *loop, sl_uint_t i)
{
    sl_timer_node_t  n;
    sl_uint_t        child;

    n = loop->heap[i];
    for ( ;; ) {
        child = 2 * i + 1;
        if (child >= loop->ntimers) {
            break;
        }
        if (child + 1 < loop->ntimers
            && loop->heap[child + 1].key < loop->heap[child].key)
        {
            child++;
        }
        if (n.key <= loop->heap[child].key) {
            break;
        }
        sl_timer_place(loop, i, loop->heap[child]);
        i = child;
    }
    sl_timer_place(loop, i, n);
}
