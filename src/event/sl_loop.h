/*
 * sl_loop.h: the loop's insides, shared by the .c files of the event layer
 * only (sl_epoll.c, sl_timer.c, sl_posted.c, sl_wakeup.c, sl_evsignal.c,
 * sl_accept.c). Nothing outside src/event includes this but unit tests
 * that look at what a loop holds (its timers); the public contract is
 * sl_event.h.
 */
#ifndef SL_LOOP_H
#define SL_LOOP_H

#include <sys/epoll.h>

#define SL_LOOP_WAKEUP_MAX   8
#define SL_LOOP_SIGNALS_MAX  16

/* Deferred EPOLL_CTL_DELs kept at most; one more flushes them all at once.
 * Small, so the scans in sl_epoll.c stay cheap. */
#define SL_LOOP_PENDING_MAX  64

/* A heap slot keeps the key beside the pointer so sifting never chases
 * pointers into connection memory. */
typedef struct {
    sl_msec_t     key;
    sl_event_t   *ev;
} sl_timer_node_t;

/*
 * A deferred EPOLL_CTL_DEL (sl_epoll.c): c was unregistered while its
 * registration under fd stays in the kernel's set until the next flush.
 * c is only compared, never dereferenced: its memory may be gone by then.
 */
typedef struct {
    sl_conn_t             *c;
    int                    fd;
} sl_loop_pending_t;

typedef struct sl_batch_s  sl_batch_t;

typedef struct {
    int                    signo;
    sl_signal_handler_pt   handler;
    void                  *data;
} sl_loop_signal_t;

struct sl_loop_s {
    int                   epfd;
    int                   nevents;      /* size of the batch dispatched */
    int                   current;      /* index dispatched; -1 outside */
    unsigned              max_events;
    struct epoll_event   *events;
    sl_log_t             *log;

    sl_timer_node_t      *heap;         /* binary min-heap on key */
    sl_uint_t             ntimers;
    sl_uint_t             heap_size;

    sl_loop_pending_t     pending[SL_LOOP_PENDING_MAX];
    unsigned              npending;

    sl_queue_t            posted_accept;
    sl_queue_t            posted;
    unsigned              post_events:1;  /* holding the accept mutex */
    int                   stop;           /* atomic: sl_loop_stop */

    sl_conn_t             wake;           /* eventfd, level-triggered */
    int                   wake_pending;   /* atomic: a write is in flight */
    sl_event_t           *wake_events[SL_LOOP_WAKEUP_MAX];
    unsigned              nwake_events;

    sl_conn_t             sig;            /* signalfd, created lazily */
    sigset_t              sigmask;
    sl_loop_signal_t      signals[SL_LOOP_SIGNALS_MAX];
    unsigned              nsignals;

    sl_accept_t          *accept;         /* NULL: this loop accepts none */
    sl_batch_t           *batch;          /* NULL: sends are not batched */
};

/* Milliseconds epoll_wait may sleep for the timers: -1 when none. */
int sl_timer_timeout(sl_loop_t *loop);

/* Fires every timer whose key is <= sl_current_msec. */
void sl_timer_expire(sl_loop_t *loop);

/* Frees the heap. */
void sl_timer_cleanup(sl_loop_t *loop);

/* Runs the events in q at the time of the call (see sl_posted.c). */
void sl_event_run_posted(sl_queue_t *q);

/* Sets up the eventfd and closes it (sl_wakeup.c). */
sl_int_t sl_wakeup_init(sl_loop_t *loop);
void sl_wakeup_cleanup(sl_loop_t *loop);

/* Closes the signalfd if one was made (sl_evsignal.c). */
void sl_evsignal_cleanup(sl_loop_t *loop);

/*
 * Before epoll_wait: the accept strategy's turn (try the mutex, resume
 * after a pause); returns the timeout, possibly lowered. After the posted
 * accept events: release the mutex (sl_accept.c).
 */
int sl_accept_prepare(sl_accept_t *a, int timeout);
void sl_accept_release(sl_accept_t *a);

/*
 * Send batching (sl_batch.c): settle c's send before c is closed; free it
 * all with the loop. No-ops without a batch.
 */
void sl_batch_detach(sl_loop_t *loop, sl_conn_t *c);
void sl_batch_destroy(sl_loop_t *loop);

#endif /* SL_LOOP_H */
