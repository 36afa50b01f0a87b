/*
 * sl_thread_pool.c: the thread pool (event layer); see sl_thread_pool.h.
 * One mutex guards the work queue and the done-list; both are singly
 * linked FIFOs through task->next, so posting allocates nothing. Threads
 * sleep on a condition variable; a finished task goes on the done-list and
 * wakes the loop, whose wake-up event takes the whole list at once and
 * calls the completion handlers in order.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_thread_pool.h"

#include <pthread.h>

typedef struct {
    sl_thread_task_t   *head;
    sl_thread_task_t  **tail;
} sl_thread_list_t;

struct sl_thread_pool_s {
    pthread_mutex_t     mutex;
    pthread_cond_t      cond;
    sl_thread_list_t    queue;        /* waiting for a thread */
    sl_thread_list_t    done;         /* waiting for the loop */
    unsigned            queued;
    unsigned            max_queue;
    unsigned            nthreads;     /* started */
    int                 stop;
    sl_loop_t          *loop;
    sl_event_t          wake;         /* posted by the loop's wake-up */
    pthread_t          *threads;
};

static sl_int_t sl_thread_pool_start(sl_thread_pool_t *tp, unsigned n);
static void *sl_thread_pool_main(void *arg);
static void sl_thread_pool_done_handler(sl_event_t *ev);
static void sl_thread_list_init(sl_thread_list_t *l);
static void sl_thread_list_push(sl_thread_list_t *l, sl_thread_task_t *t);
static sl_thread_task_t *sl_thread_list_pop(sl_thread_list_t *l);


sl_thread_pool_t *
sl_thread_pool_create(sl_loop_t *loop, unsigned threads, unsigned max_queue)
{
    sl_thread_pool_t  *tp;
    sl_log_t          *log;

    log = sl_loop_log(loop);
    tp = calloc(1, sizeof(sl_thread_pool_t));
    if (tp == NULL || threads == 0 || max_queue == 0) {
        sl_log_error(SL_LOG_EMERG, log, tp ? 0 : errno,
                     "thread pool of %u threads, %u queued: cannot create",
                     threads, max_queue);
        free(tp);
        return NULL;
    }
    tp->threads = calloc(threads, sizeof(pthread_t));
    if (tp->threads == NULL) {
        sl_log_error(SL_LOG_EMERG, log, errno, "malloc() of threads failed");
        free(tp);
        return NULL;
    }
    (void) pthread_mutex_init(&tp->mutex, NULL);
    (void) pthread_cond_init(&tp->cond, NULL);
    sl_thread_list_init(&tp->queue);
    sl_thread_list_init(&tp->done);
    tp->max_queue = max_queue;
    tp->loop = loop;
    tp->wake.data = tp;
    tp->wake.handler = sl_thread_pool_done_handler;

    if (sl_loop_wakeup_add(loop, &tp->wake) != SL_OK
        || sl_thread_pool_start(tp, threads) != SL_OK)
    {
        sl_thread_pool_destroy(tp);
        return NULL;
    }
    return tp;
}


/*
 * Threads start with every signal blocked: they inherit the mask of the
 * creating thread, so it is filled around pthread_create and restored.
 */
static sl_int_t
sl_thread_pool_start(sl_thread_pool_t *tp, unsigned n)
{
    sigset_t   all, old;
    sl_int_t   rc;
    int        err;

    (void) sigfillset(&all);
    err = pthread_sigmask(SIG_SETMASK, &all, &old);
    if (err != 0) {
        sl_log_error(SL_LOG_EMERG, sl_loop_log(tp->loop), err,
                     "pthread_sigmask() failed");
        return SL_ERROR;
    }
    rc = SL_OK;
    while (tp->nthreads < n) {
        err = pthread_create(&tp->threads[tp->nthreads], NULL,
                             sl_thread_pool_main, tp);
        if (err != 0) {
            sl_log_error(SL_LOG_EMERG, sl_loop_log(tp->loop), err,
                         "pthread_create() failed");
            rc = SL_ERROR;
            break;
        }
        tp->nthreads++;
    }
    (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}


sl_int_t
sl_thread_pool_post(sl_thread_pool_t *tp, sl_thread_task_t *task)
{
    sl_int_t  rc;

    rc = SL_ERROR;
    (void) pthread_mutex_lock(&tp->mutex);
    if (!tp->stop && tp->queued < tp->max_queue) {
        sl_thread_list_push(&tp->queue, task);
        tp->queued++;
        (void) pthread_cond_signal(&tp->cond);
        rc = SL_OK;
    }
    (void) pthread_mutex_unlock(&tp->mutex);
    return rc;
}


void
sl_thread_pool_destroy(sl_thread_pool_t *tp)
{
    unsigned  i;

    if (tp == NULL) {
        return;
    }
    (void) pthread_mutex_lock(&tp->mutex);
    tp->stop = 1;
    (void) pthread_cond_broadcast(&tp->cond);
    (void) pthread_mutex_unlock(&tp->mutex);

    for (i = 0; i < tp->nthreads; i++) {
        (void) pthread_join(tp->threads[i], NULL);
    }
    sl_loop_wakeup_del(tp->loop, &tp->wake);
    (void) pthread_cond_destroy(&tp->cond);
    (void) pthread_mutex_destroy(&tp->mutex);
    free(tp->threads);
    free(tp);
}


/* A pool thread: no sl_log, no sl_time, no loop calls but the wake-up. */
static void *
sl_thread_pool_main(void *arg)
{
    sl_thread_pool_t  *tp;
    sl_thread_task_t  *task;

    tp = arg;
    (void) pthread_mutex_lock(&tp->mutex);
    for ( ;; ) {
        while (tp->queue.head == NULL && !tp->stop) {
            (void) pthread_cond_wait(&tp->cond, &tp->mutex);
        }
        if (tp->stop) {
            break;
        }
        task = sl_thread_list_pop(&tp->queue);
        tp->queued--;
        (void) pthread_mutex_unlock(&tp->mutex);

        task->work(task->ctx);

        (void) pthread_mutex_lock(&tp->mutex);
        sl_thread_list_push(&tp->done, task);
        sl_loop_wakeup(tp->loop);
    }
    (void) pthread_mutex_unlock(&tp->mutex);
    return NULL;
}


/* On the loop: takes the whole done-list, then runs the handlers. */
static void
sl_thread_pool_done_handler(sl_event_t *ev)
{
    sl_thread_pool_t  *tp;
    sl_thread_task_t  *task, *next;

    tp = ev->data;
    (void) pthread_mutex_lock(&tp->mutex);
    task = tp->done.head;
    sl_thread_list_init(&tp->done);
    (void) pthread_mutex_unlock(&tp->mutex);

    for ( ; task; task = next) {
        next = task->next;
        task->next = NULL;
        if (task->event.handler) {
            task->event.handler(&task->event);
        }
    }
}


static void
sl_thread_list_init(sl_thread_list_t *l)
{
    l->head = NULL;
    l->tail = &l->head;
}


static void
sl_thread_list_push(sl_thread_list_t *l, sl_thread_task_t *t)
{
    t->next = NULL;
    *l->tail = t;
    l->tail = &t->next;
}


static sl_thread_task_t *
sl_thread_list_pop(sl_thread_list_t *l)
{
    sl_thread_task_t  *t;

    t = l->head;
    l->head = t->next;
    if (l->head == NULL) {
        l->tail = &l->head;
    }
    return t;
}
