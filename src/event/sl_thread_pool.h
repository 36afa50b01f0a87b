/*
 * sl_thread_pool.h: a half-sync/half-async thread pool (event layer): a
 * fixed set of threads runs blocking work (open, stat, read of files that
 * may not be cached) so the loop never blocks on disk. The loop posts a
 * task; a thread runs task->work; the task comes back to the loop through a
 * done-list and the loop's eventfd, and task->event.handler runs on the
 * loop's thread.
 *
 * Rules:
 *   - The caller owns the task memory (usually from the request pool) and
 *     must keep it alive until the completion handler ran, or until
 *     sl_thread_pool_destroy returned.
 *   - A post that fails (SL_ERROR: the queue is full or the pool is
 *     stopping) never runs the work nor the handler (libuv's rule).
 *   - work runs in another thread: it must not touch the loop, timers,
 *     connections, pools shared with the loop, sl_time (the cached clock)
 *     or sl_log (its buffers are not thread-safe). It reads and writes only
 *     its own task data; errors go into that data, and the completion
 *     handler logs them.
 *   - The pool's threads block every signal.
 */
#ifndef SL_THREAD_POOL_H
#define SL_THREAD_POOL_H

typedef struct sl_thread_pool_s  sl_thread_pool_t;
typedef struct sl_thread_task_s  sl_thread_task_t;

/* Runs in a pool thread; ctx is task->ctx. */
typedef void (*sl_thread_work_pt)(void *ctx);

struct sl_thread_task_s {
    sl_thread_task_t    *next;      /* the pool's; do not touch */
    sl_thread_work_pt    work;      /* set by the caller */
    void                *ctx;       /* for work */
    sl_event_t           event;     /* completion: the caller sets
                                       event.handler and event.data */
};

/*
 * Starts threads threads (>= 1) whose completions come back to loop, with
 * room for max_queue tasks waiting for a thread (>= 1). Call from the
 * loop's thread, after sl_loop_signal_add. Returns NULL on failure,
 * logged to the loop's log.
 */
sl_thread_pool_t *sl_thread_pool_create(sl_loop_t *loop, unsigned threads,
    unsigned max_queue);

/*
 * Queues task. Returns SL_OK, or SL_ERROR when max_queue tasks are already
 * waiting or the pool is being destroyed; then neither task->work nor the
 * handler will ever run. Does not log (the caller knows what to answer).
 */
sl_int_t sl_thread_pool_post(sl_thread_pool_t *tp, sl_thread_task_t *task);

/*
 * Stops and joins the threads: each finishes the work in hand; tasks not
 * started are dropped, and completion handlers that have not run yet never
 * will. Call when no one waits for a result any more (a graceful exit waits
 * for requests first). NULL is ok.
 */
void sl_thread_pool_destroy(sl_thread_pool_t *tp);

#endif /* SL_THREAD_POOL_H */
