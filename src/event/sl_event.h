/*
 * sl_event.h: the worker's event loop (event layer). One epoll instance per
 * loop; what it watches is an sl_conn_t (client sockets, listen sockets, the
 * loop's own eventfd and signalfd) whose two inline events carry the
 * handlers. Around the kernel the loop keeps a timer heap, two queues of
 * posted (deferred) events, a cross-thread wake-up and signals delivered as
 * ordinary events. Everything here runs on the loop's thread except
 * sl_loop_wakeup() and sl_loop_stop(), which any thread may call.
 *
 * One iteration (sl_loop_run_once):
 *   0. submit the sends batched by the last iteration (sl_loop_send)
 *   1. compute the epoll_wait timeout from the nearest timer (0 when posted
 *      work is waiting; capped while another worker holds the accept mutex)
 *   2. epoll_wait, then sl_time_update() once
 *   3. dispatch the batch: handlers are called at once, or posted while this
 *      worker holds the accept mutex
 *   4. run the posted accept events, then release the accept mutex
 *   5. run the expired timers (ev->timedout = 1)
 *   6. run the events that were posted before this step began
 *
 * Handlers are never called re-entrantly: a handler runs to completion and
 * the loop only calls handlers from sl_loop_run_once(). A handler may close
 * any connection, its own included; no handler of a closed connection runs
 * afterwards, not even for events epoll already returned in the same batch.
 * A zeroed sl_event_t is a valid idle event (e.g. for a standalone timer).
 * sl_conn_t has no room for a loop pointer (see its budget): a handler
 * reaches the loop through its owner (c->data).
 */
#ifndef SL_EVENT_H
#define SL_EVENT_H

typedef struct sl_event_s     sl_event_t;
typedef struct sl_conn_s      sl_conn_t;
typedef struct sl_loop_s      sl_loop_t;
typedef struct sl_conns_s     sl_conns_t;
typedef struct sl_accept_s    sl_accept_t;

typedef void (*sl_event_handler_pt)(sl_event_t *ev);

/* Timer re-arms that move the expiry by less than this are skipped. */
#define SL_TIMER_LAZY_DELAY  300

struct sl_event_s {
    void                 *data;         /* owner; the sl_conn_t for the
                                           read and write events of one */
    sl_event_handler_pt   handler;      /* NULL: readiness is recorded only */
    sl_msec_t             timer_key;    /* absolute expiry, while timer_set */
    sl_queue_t            queue;        /* link in a posted queue */
    uint32_t              timer_index;  /* slot in the timer heap */

    unsigned              write:1;      /* the write event of a connection */
    unsigned              ready:1;      /* I/O may proceed; the handler
                                           clears it on EAGAIN */
    unsigned              active:1;     /* registered with epoll */
    unsigned              timer_set:1;
    unsigned              timedout:1;   /* set when the timer fired */
    unsigned              posted:1;
    unsigned              eof:1;        /* EPOLLRDHUP or EPOLLHUP seen */
    unsigned              error:1;      /* EPOLLERR seen */
    unsigned              cancelable:1; /* housekeeping, not work to
                                           finish: nothing waits for it
                                           (a graceful exit waits for
                                           connections, not timers) */
    unsigned              accept:1;     /* a listen socket's read event:
                                           goes to the accept queue */
};

/*
 * Anything registered with epoll. Memory of a connection must stay valid
 * while it is registered; client connections come from sl_conns (a
 * preallocated array) so a stale pointer never reaches freed memory.
 * Budget: 192 bytes, so an idle keep-alive connection stays under 256
 * bytes for the whole server.
 */
struct sl_conn_s {
    sl_event_t            read;
    sl_event_t            write;
    void                 *data;         /* owner: e.g. the HTTP state */
    sl_pool_t            *pool;         /* NULL while idle; owner's */
    sl_buf_t             *buffer;       /* read buffer; owner's */
    sl_log_t             *log;          /* NULL: the loop's log */
    sl_queue_t            queue;        /* free list while free; the
                                           owner's (keep-alive) list in use */
    sl_uint_t             number;       /* connection number for logs */
    int                   fd;           /* -1 once closed */
    socklen_t             socklen;      /* of addr; 0 when unknown */

    unsigned              registered:1; /* in the epoll set */
    unsigned              level:1;      /* level-triggered, read only */
    unsigned              listen:1;     /* a listen socket */
    unsigned              close:1;      /* the owner wants it closed */
    unsigned              idle:1;       /* idle keep-alive */
    unsigned              pooled:1;     /* belongs to an sl_conns array */
    unsigned              exclusive:1;  /* level-triggered with
                                           EPOLLEXCLUSIVE (shared listen
                                           sockets) */
    unsigned              del_pending:1; /* unregistered, and maybe still
                                           in the kernel's set: its
                                           EPOLL_CTL_DEL was deferred */
    unsigned              send_queued:1; /* sl_loop_send holds bytes of
                                           it not yet taken by the socket */
    unsigned              send_wait:1;  /* someone waits for them to go:
                                           the write event is posted */

    union {                             /* the peer; sockaddr_in6-sized */
        struct sockaddr       sa;
        struct sockaddr_in    sin;
        struct sockaddr_in6   sin6;
    } addr;
};

_Static_assert(sizeof(struct sl_conn_s) <= 192,
               "sl_conn_t must stay within 192 bytes");

typedef enum {
    SL_POSTED_NORMAL = 0,               /* run after the timers */
    SL_POSTED_ACCEPT                    /* run right after epoll_wait */
} sl_posted_e;

/* A signal handler: runs on the loop like any handler. */
typedef void (*sl_signal_handler_pt)(int signo, void *data);


/*
 * Zeroes c and makes it ready for the loop: fd set, both events' data
 * pointing at c, write.write set. Everything else is 0 or NULL.
 */
void sl_conn_init(sl_conn_t *c, int fd);

/*
 * Creates a loop that takes up to max_events events per epoll_wait
 * (0 means 512) and logs to log (not NULL; must outlive the loop). Reads
 * the clock. Returns NULL on failure, logged.
 */
sl_loop_t *sl_loop_create(unsigned max_events, sl_log_t *log);

/*
 * Frees the loop and closes its own descriptors (epoll, eventfd,
 * signalfd). Connections, thread pools and accept state must be gone
 * first; their descriptors are not touched. Blocked signals stay blocked.
 * NULL is ok.
 */
void sl_loop_destroy(sl_loop_t *loop);

/* The log the loop was created with. */
sl_log_t *sl_loop_log(sl_loop_t *loop);

/*
 * Registers c once, edge-triggered, for EPOLLIN|EPOLLOUT|EPOLLRDHUP: from
 * then on c->read.handler and c->write.handler are called when the socket
 * becomes readable or writable, with ready set (and eof/error when the
 * kernel said so). An edge is reported once: a handler reads or writes
 * until EAGAIN and then clears ready. The descriptor must not be shared
 * with another process or dup'ed (sl_conn_close relies on close(2)
 * removing it from epoll). Adding c back after sl_loop_del_conn, before
 * the loop's next epoll_wait, costs one EPOLL_CTL_MOD instead of a DEL and
 * an ADD; as with an ADD, the kernel then reports whatever the socket is
 * ready for, so nothing that arrived while c was unregistered is lost.
 * Returns SL_OK, or SL_ERROR logged.
 */
sl_int_t sl_loop_add_conn(sl_loop_t *loop, sl_conn_t *c);

/*
 * Registers c level-triggered for EPOLLIN only: the read handler is called
 * every iteration while the descriptor is readable. For listen sockets,
 * the eventfd and the signalfd. A descriptor that other processes share
 * (a listen socket) must have c->listen set, so that sl_loop_del_conn
 * removes it at once. Adding c back after sl_loop_del_conn, before the
 * loop's next epoll_wait, makes no system call when c was level-triggered
 * on the same descriptor (the kernel's registration is unchanged), and one
 * EPOLL_CTL_MOD when it was edge-triggered. Returns SL_OK, or SL_ERROR
 * logged.
 */
sl_int_t sl_loop_add_level(sl_loop_t *loop, sl_conn_t *c);

/*
 * True when the kernel takes EPOLLEXCLUSIVE (Linux 4.5): then a level-
 * triggered c with c->exclusive set is registered with it, and of several
 * loops polling one descriptor only one is woken per event. Probed with a
 * throw-away epoll instance; call it once, at start.
 */
int sl_loop_has_exclusive(void);

/*
 * Unregisters c: no handler of c runs for I/O from now on. Events of c not
 * yet delivered in the current batch are dropped and its posted events
 * unposted; timers stay. No-op when c is not registered.
 *
 * The EPOLL_CTL_DEL itself is deferred to just before the next epoll_wait
 * (in a small queue, made at once when full) so that adding c back
 * meanwhile is cheap; listen sockets (c->listen) are removed at once.
 * Until then the registration stays in the kernel, which means: close the
 * descriptor with sl_conn_close (which removes it explicitly) or, if
 * nobody else holds it, with close(2); and a connection given a new
 * descriptor with the same number before that epoll_wait is re-initialised
 * with sl_conn_init before it is added back. The memory of c may be freed
 * after this call. Returns SL_OK, or SL_ERROR
 * logged (c is then considered unregistered anyway).
 */
sl_int_t sl_loop_del_conn(sl_loop_t *loop, sl_conn_t *c);

/*
 * Closes c: deletes both timers, unposts both events, drops its pending
 * events of the current batch (so no handler of c runs again, even when
 * epoll reported it later in the same batch), removes a level-triggered
 * registration and a deferred deletion (sl_loop_del_conn) explicitly,
 * closes the descriptor and sets fd to -1. The memory, pool and buffer
 * are the owner's. Closing a closed connection is a no-op.
 */
void sl_conn_close(sl_loop_t *loop, sl_conn_t *c);

/*
 * Send batching. Turns it on for loop: from then on sl_loop_send may take
 * small sends, which leave together in one io_uring_enter at the start of
 * the next iteration. Returns SL_OK, SL_DECLINED (logged at notice) when
 * the kernel refuses io_uring or the build has no liburing, or SL_ERROR
 * (logged) when memory ran out.
 */
sl_int_t sl_loop_batch_enable(sl_loop_t *loop);

/* True once sl_loop_batch_enable succeeded. */
int sl_loop_batch_enabled(sl_loop_t *loop);

/*
 * Offers the n buffers of iov for c. Returns their total size when they
 * were taken (copied: iov's memory is free again, and as with a send to a
 * socket, the bytes are the kernel's to deliver); SL_AGAIN when an earlier
 * send of c is still in flight (see sl_conn_send_busy); SL_DECLINED when
 * the caller must write them itself: no batching, more than
 * SL_LOOP_SEND_MAX bytes, or no free slot. A send that fails later is
 * logged at info and sets c->write.error. Use it only for connections
 * that stay open: a close right after costs a submission of its own.
 */
ssize_t sl_loop_send(sl_loop_t *loop, sl_conn_t *c, const struct iovec *iov,
    int n);

/* The largest send sl_loop_send takes (a slot's size). */
#define SL_LOOP_SEND_MAX  4096

/*
 * Submits the sends queued so far now, rather than at the start of the
 * next iteration, and handles the completions there are: for an owner
 * about to act on a socket outside sl_loop_send (shutdown, say) whose
 * queued bytes must go first. No-op without batching.
 */
void sl_loop_send_flush(sl_loop_t *loop);

/*
 * True while bytes given to sl_loop_send for c have not all been taken by
 * the socket; the owner must then not write to c in any other way, nor
 * shut it down. It waits for the write event instead: it is posted
 * (ready set) when they are, and write.ready is cleared meanwhile.
 */
int sl_conn_send_busy(sl_conn_t *c);

/*
 * Runs one iteration (see the top of this file). Returns SL_OK, or
 * SL_ERROR when epoll_wait failed other than by EINTR (logged).
 */
sl_int_t sl_loop_run_once(sl_loop_t *loop);

/*
 * Runs iterations until sl_loop_stop() is called; the stop request is
 * consumed, so the loop may be run again. Returns SL_OK, or SL_ERROR from
 * sl_loop_run_once.
 */
sl_int_t sl_loop_run(sl_loop_t *loop);

/* Asks sl_loop_run to return after the current iteration. Any thread. */
void sl_loop_stop(sl_loop_t *loop);

/*
 * Arms ev's timer to fire msec milliseconds after the cached time
 * (sl_current_msec), clearing timedout. When the timer is already set and
 * the new expiry is within SL_TIMER_LAZY_DELAY ms of the old one, nothing
 * changes. On expiry the timer is removed, timedout set and the handler
 * called. O(log n). Returns SL_OK, or SL_ERROR (logged) only when the heap
 * had to grow past what sl_timer_reserve() reserved and malloc failed.
 */
sl_int_t sl_timer_add(sl_loop_t *loop, sl_event_t *ev, sl_msec_t msec);

/* Removes ev's timer if set. O(log n). */
void sl_timer_del(sl_loop_t *loop, sl_event_t *ev);

/*
 * Makes room for n timers so sl_timer_add cannot fail below that count.
 * Returns SL_OK, or SL_ERROR logged.
 */
sl_int_t sl_timer_reserve(sl_loop_t *loop, sl_uint_t n);

/*
 * Queues ev to be handled later in this iteration (or the next one, when
 * posted while posted events run): SL_POSTED_ACCEPT right after
 * epoll_wait, SL_POSTED_NORMAL last. Posting a posted event is a no-op.
 */
void sl_event_post(sl_loop_t *loop, sl_event_t *ev, sl_posted_e queue);

/* Takes ev off its posted queue; no-op when not posted. */
void sl_event_unpost(sl_event_t *ev);

/*
 * Wakes the loop from epoll_wait (via its eventfd) and posts every event
 * registered with sl_loop_wakeup_add. Safe from any thread and from
 * several at once; wake-ups before the loop runs again coalesce.
 */
void sl_loop_wakeup(sl_loop_t *loop);

/*
 * Registers ev to be posted (SL_POSTED_NORMAL) each time the loop is woken
 * through sl_loop_wakeup. At most 8 per loop. Returns SL_OK or SL_ERROR
 * (logged) when full.
 */
sl_int_t sl_loop_wakeup_add(sl_loop_t *loop, sl_event_t *ev);

/* Unregisters and unposts ev. */
void sl_loop_wakeup_del(sl_loop_t *loop, sl_event_t *ev);

/*
 * Delivers signo to handler(signo, data) on the loop, through a signalfd.
 * Blocks signo in the calling thread with pthread_sigmask, so call it
 * from the loop's thread before creating other threads (the thread pool
 * blocks every signal in its own threads). A second call for signo
 * replaces the handler. At most 16 signals. Returns SL_OK, or SL_ERROR
 * logged.
 */
sl_int_t sl_loop_signal_add(sl_loop_t *loop, int signo,
    sl_signal_handler_pt handler, void *data);

#endif /* SL_EVENT_H */
