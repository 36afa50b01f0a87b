/*
 * sl_posted.c: posted (deferred) events of the loop (event layer); see
 * sl_event.h. A run takes the queue as it stands and handles exactly those
 * events: what their handlers post waits for the next iteration (which then
 * does not sleep), so a handler that keeps re-posting itself cannot starve
 * I/O and timers.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_loop.h"


void
sl_event_post(sl_loop_t *loop, sl_event_t *ev, sl_posted_e queue)
{
    sl_queue_t  *q;

    if (ev->posted) {
        return;
    }
    q = (queue == SL_POSTED_ACCEPT) ? &loop->posted_accept : &loop->posted;
    ev->posted = 1;
    sl_queue_insert_tail(q, &ev->queue);
}


void
sl_event_unpost(sl_event_t *ev)
{
    if (!ev->posted) {
        return;
    }
    ev->posted = 0;
    sl_queue_remove(&ev->queue);
}


void
sl_event_run_posted(sl_queue_t *q)
{
    sl_queue_t   batch;
    sl_event_t  *ev;

    if (sl_queue_empty(q)) {
        return;
    }

    /* Move the whole queue under a local head; unposting still works on
     * events in it because the links are intrusive. */
    batch.next = q->next;
    batch.prev = q->prev;
    batch.next->prev = &batch;
    batch.prev->next = &batch;
    sl_queue_init(q);

    while (!sl_queue_empty(&batch)) {
        ev = sl_queue_data(sl_queue_head(&batch), sl_event_t, queue);
        sl_event_unpost(ev);
        if (ev->handler) {
            ev->handler(ev);
        }
    }
}
