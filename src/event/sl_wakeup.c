/*
 * sl_wakeup.c: waking the loop from other threads (event layer); see
 * sl_event.h. One non-blocking eventfd per loop, registered
 * level-triggered. A flag in the loop coalesces wake-ups: only the first
 * caller after the loop drained the eventfd writes to it, so a burst of
 * thread-pool completions costs one write and one read.
 *
 * Ordering that loses nothing: a waker publishes its work (e.g. under the
 * thread pool's mutex) before sl_loop_wakeup; the loop clears the flag
 * before it posts the consumers, which then look at the work. Work
 * published after the clear makes a new write and a new wake-up.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_loop.h"

#include <sys/eventfd.h>

static void sl_wakeup_handler(sl_event_t *ev);


sl_int_t
sl_wakeup_init(sl_loop_t *loop)
{
    int  fd;

    fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd == -1) {
        sl_log_error(SL_LOG_EMERG, loop->log, errno, "eventfd() failed");
        return SL_ERROR;
    }
    sl_conn_init(&loop->wake, fd);
    loop->wake.read.handler = sl_wakeup_handler;
    loop->wake.data = loop;
    if (sl_loop_add_level(loop, &loop->wake) != SL_OK) {
        sl_conn_close(loop, &loop->wake);
        return SL_ERROR;
    }
    return SL_OK;
}


void
sl_wakeup_cleanup(sl_loop_t *loop)
{
    if (loop->wake.fd != -1) {
        sl_conn_close(loop, &loop->wake);
    }
}


/*
 * Any thread. The only failure of the write is EAGAIN when the counter
 * would overflow, which the flag makes impossible, so there is nothing to
 * report (and no thread-safe log to report it to).
 */
void
sl_loop_wakeup(sl_loop_t *loop)
{
    uint64_t  one;
    ssize_t   n;

    if (__atomic_exchange_n(&loop->wake_pending, 1, __ATOMIC_ACQ_REL)) {
        return;
    }
    one = 1;
    n = write(loop->wake.fd, &one, sizeof(one));
    (void) n;
}


sl_int_t
sl_loop_wakeup_add(sl_loop_t *loop, sl_event_t *ev)
{
    if (loop->nwake_events == SL_LOOP_WAKEUP_MAX) {
        sl_log_error(SL_LOG_ALERT, loop->log, 0,
                     "more than %d wake-up events", SL_LOOP_WAKEUP_MAX);
        return SL_ERROR;
    }
    loop->wake_events[loop->nwake_events++] = ev;
    return SL_OK;
}


void
sl_loop_wakeup_del(sl_loop_t *loop, sl_event_t *ev)
{
    unsigned  i;

    sl_event_unpost(ev);
    for (i = 0; i < loop->nwake_events; i++) {
        if (loop->wake_events[i] == ev) {
            loop->wake_events[i] = loop->wake_events[--loop->nwake_events];
            return;
        }
    }
}


static void
sl_wakeup_handler(sl_event_t *ev)
{
    sl_conn_t  *c;
    sl_loop_t  *loop;
    uint64_t    count;
    ssize_t     n;
    unsigned    i;

    c = ev->data;
    loop = c->data;

    /* EAGAIN is possible (a wake-up raced with the previous drain) and
     * harmless; any other failure would be a bug. */
    n = read(c->fd, &count, sizeof(count));
    if (n == -1 && errno != EAGAIN) {
        sl_log_error(SL_LOG_ALERT, loop->log, errno, "read() of eventfd failed");
    }
    __atomic_store_n(&loop->wake_pending, 0, __ATOMIC_SEQ_CST);

    for (i = 0; i < loop->nwake_events; i++) {
        sl_event_post(loop, loop->wake_events[i], SL_POSTED_NORMAL);
    }
}
