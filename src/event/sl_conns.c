/*
 * sl_conns.c: the worker's connection array (event layer); see sl_conns.h.
 * A connection is "free" while it sits on the free list; pooled marks one
 * in use, so a double close is caught and harmless.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_conns.h"


sl_conns_t *
sl_conns_create(sl_loop_t *loop, sl_uint_t n, sl_log_t *log)
{
    sl_conns_t  *cs;
    sl_uint_t    i;

    cs = calloc(1, sizeof(sl_conns_t));
    if (cs == NULL) {
        sl_log_error(SL_LOG_EMERG, log, errno, "malloc() of conns failed");
        return NULL;
    }
    /* calloc: pages of a large array are only touched when first used. */
    cs->conns = calloc(n ? n : 1, sizeof(sl_conn_t));
    if (cs->conns == NULL) {
        sl_log_error(SL_LOG_EMERG, log, errno,
                     "malloc() of %lu connections failed", (unsigned long) n);
        free(cs);
        return NULL;
    }
    cs->loop = loop;
    cs->size = n;
    cs->log = log;
    sl_queue_init(&cs->free);

    /* Lowest addresses first, so a lightly loaded worker touches few
     * pages. */
    for (i = 0; i < n; i++) {
        cs->conns[i].fd = -1;
        sl_queue_insert_tail(&cs->free, &cs->conns[i].queue);
    }
    return cs;
}


sl_conn_t *
sl_conns_get(sl_conns_t *cs, int fd)
{
    sl_conn_t  *c;

    if (sl_queue_empty(&cs->free)) {
        return NULL;
    }
    c = sl_queue_data(sl_queue_head(&cs->free), sl_conn_t, queue);
    sl_queue_remove(&c->queue);
    sl_conn_init(c, fd);
    sl_queue_init(&c->queue);
    c->pooled = 1;
    c->log = cs->log;
    c->number = ++cs->number;
    cs->used++;
    return c;
}


void
sl_conns_close(sl_conns_t *cs, sl_conn_t *c)
{
    if (!c->pooled) {
        return;
    }
    sl_conn_close(cs->loop, c);
    sl_queue_remove(&c->queue);     /* off the owner's list, if on one */
    c->pooled = 0;
    c->data = NULL;
    cs->used--;
    /* Most recently freed first: its memory is still in the cache. */
    sl_queue_insert_head(&cs->free, &c->queue);
}
