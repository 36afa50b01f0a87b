/*
 * sl_conns.h: the worker's connection array (event layer). All
 * worker_connections entries are allocated once at start and handed out
 * from a free list, so accepting a client never calls malloc and a stale
 * pointer to a closed connection still points at valid memory. Loop thread
 * only.
 */
#ifndef SL_CONNS_H
#define SL_CONNS_H

struct sl_conns_s {
    sl_loop_t   *loop;
    sl_conn_t   *conns;
    sl_uint_t    size;
    sl_uint_t    used;
    sl_uint_t    number;      /* last connection number handed out */
    sl_log_t    *log;
    sl_queue_t   free;
};

/*
 * Allocates n connections for loop; new connections log to log (not
 * NULL, must outlive the array). Returns NULL on failure, logged. A
 * worker keeps its array until it exits: nothing frees it.
 */
sl_conns_t *sl_conns_create(sl_loop_t *loop, sl_uint_t n, sl_log_t *log);

/*
 * Takes a free connection for fd: initialised as by sl_conn_init, with a
 * new number, log set and pooled set; not registered with the loop.
 * Returns NULL when all are in use (the caller decides what to do: the
 * accept code leaves clients in the backlog). Does not log.
 */
sl_conn_t *sl_conns_get(sl_conns_t *cs, int fd);

/*
 * Closes c (sl_conn_close: timers, posted events, descriptor) and puts it
 * back on the free list. c->pool and c->buffer are the owner's and must
 * already be released. Closing a free connection is a no-op.
 */
void sl_conns_close(sl_conns_t *cs, sl_conn_t *c);

/* Connections in use, and free. */
#define sl_conns_used(cs)   ((cs)->used)
#define sl_conns_free_n(cs) ((cs)->size - (cs)->used)

#endif /* SL_CONNS_H */
