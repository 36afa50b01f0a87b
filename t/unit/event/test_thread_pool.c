/*
 * test_thread_pool.c: the thread pool through sl_thread_pool.h: work runs
 * in another thread, completions run on the loop's thread, a full queue
 * refuses a task and never calls it back, and destroy joins the threads
 * after the work in hand.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_thread_pool.h"
#include "evtest.h"

#include <pthread.h>

typedef struct {
    sl_loop_t      *loop;
    evtest_log_t    log;
} ttp_state_t;

typedef struct {
    sl_thread_task_t   task;
    pthread_t          work_thread;
    int                worked;       /* set by work */
    int                completed;    /* set by the completion */
    int                order;
} ttp_job_t;

static pthread_t        ttp_loop_thread;
static int              ttp_completed;
static int              ttp_next_order;
static pthread_mutex_t  ttp_gate_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t   ttp_gate_cond = PTHREAD_COND_INITIALIZER;
static int              ttp_gate_open;
static int              ttp_gate_waiting;

static int
ttp_setup(void **state)
{
    static ttp_state_t  s;

    evtest_log_open(&s.log);
    s.loop = sl_loop_create(0, &s.log.log);
    assert_non_null(s.loop);
    ttp_loop_thread = pthread_self();
    ttp_completed = 0;
    ttp_next_order = 0;
    ttp_gate_open = 0;
    ttp_gate_waiting = 0;
    *state = &s;
    return 0;
}

static int
ttp_teardown(void **state)
{
    ttp_state_t  *s = *state;

    assert_int_equal(evtest_log_count(&s->log, "[alert]"), 0);
    sl_loop_destroy(s->loop);
    evtest_log_close(&s->log);
    return 0;
}

static void
ttp_work(void *ctx)
{
    ttp_job_t  *job = ctx;

    job->work_thread = pthread_self();
    job->worked = 1;
}

/* Work that waits until the test opens the gate. */
static void
ttp_gated_work(void *ctx)
{
    ttp_job_t  *job = ctx;

    (void) pthread_mutex_lock(&ttp_gate_mutex);
    ttp_gate_waiting++;
    (void) pthread_cond_broadcast(&ttp_gate_cond);
    while (!ttp_gate_open) {
        (void) pthread_cond_wait(&ttp_gate_cond, &ttp_gate_mutex);
    }
    (void) pthread_mutex_unlock(&ttp_gate_mutex);
    usleep(20000);
    job->worked = 1;
}

static void
ttp_gate_wait_for(int n)
{
    (void) pthread_mutex_lock(&ttp_gate_mutex);
    while (ttp_gate_waiting < n) {
        (void) pthread_cond_wait(&ttp_gate_cond, &ttp_gate_mutex);
    }
    (void) pthread_mutex_unlock(&ttp_gate_mutex);
}

static void
ttp_gate_release(void)
{
    (void) pthread_mutex_lock(&ttp_gate_mutex);
    ttp_gate_open = 1;
    (void) pthread_cond_broadcast(&ttp_gate_cond);
    (void) pthread_mutex_unlock(&ttp_gate_mutex);
}

static void
ttp_done_handler(sl_event_t *ev)
{
    ttp_job_t  *job = ev->data;

    assert_true(pthread_equal(pthread_self(), ttp_loop_thread));
    assert_true(job->worked);
    job->completed = 1;
    job->order = ttp_next_order++;
    ttp_completed++;
}

static void
ttp_job_init(ttp_job_t *job, sl_thread_work_pt work)
{
    memset(job, 0, sizeof(*job));
    job->task.work = work;
    job->task.ctx = job;
    job->task.event.handler = ttp_done_handler;
    job->task.event.data = job;
}

static void
ttp_run_until_completed(sl_loop_t *loop, int n)
{
    uint64_t  end;

    end = evtest_usec() + 5000000;
    while (ttp_completed < n && evtest_usec() < end) {
        assert_int_equal(sl_loop_run_once(loop), SL_OK);
    }
}

static void
test_work_runs_in_thread_completion_on_loop(void **state)
{
    ttp_state_t       *s = *state;
    sl_thread_pool_t  *tp;
    ttp_job_t          job;

    tp = sl_thread_pool_create(s->loop, 2, 16);
    assert_non_null(tp);
    ttp_job_init(&job, ttp_work);
    assert_int_equal(sl_thread_pool_post(tp, &job.task), SL_OK);

    /* No timers: only the pool's wake-up ends the loop's wait. */
    ttp_run_until_completed(s->loop, 1);
    assert_true(job.worked);
    assert_true(job.completed);
    assert_false(pthread_equal(job.work_thread, ttp_loop_thread));
    sl_thread_pool_destroy(tp);
}

static void
test_many_tasks_complete_in_order_with_one_thread(void **state)
{
    ttp_state_t       *s = *state;
    sl_thread_pool_t  *tp;
    ttp_job_t         *jobs;
    int                i, n = 500;

    jobs = calloc((size_t) n, sizeof(ttp_job_t));
    assert_non_null(jobs);
    tp = sl_thread_pool_create(s->loop, 1, (unsigned) n);
    assert_non_null(tp);
    for (i = 0; i < n; i++) {
        ttp_job_init(&jobs[i], ttp_work);
        assert_int_equal(sl_thread_pool_post(tp, &jobs[i].task), SL_OK);
    }
    ttp_run_until_completed(s->loop, n);
    assert_int_equal(ttp_completed, n);
    for (i = 0; i < n; i++) {
        assert_int_equal(jobs[i].order, i);
    }
    sl_thread_pool_destroy(tp);
    free(jobs);
}

static void
test_full_queue_refuses_and_never_calls_back(void **state)
{
    ttp_state_t       *s = *state;
    sl_thread_pool_t  *tp;
    ttp_job_t          busy, q1, q2, refused;

    tp = sl_thread_pool_create(s->loop, 1, 2);
    assert_non_null(tp);
    ttp_job_init(&busy, ttp_gated_work);
    ttp_job_init(&q1, ttp_work);
    ttp_job_init(&q2, ttp_work);
    ttp_job_init(&refused, ttp_work);

    assert_int_equal(sl_thread_pool_post(tp, &busy.task), SL_OK);
    ttp_gate_wait_for(1);                   /* the only thread is busy */
    assert_int_equal(sl_thread_pool_post(tp, &q1.task), SL_OK);
    assert_int_equal(sl_thread_pool_post(tp, &q2.task), SL_OK);
    /* Two wait (the thread is held): the queue of two is full. */
    assert_int_equal(sl_thread_pool_post(tp, &refused.task), SL_ERROR);

    ttp_gate_release();
    ttp_run_until_completed(s->loop, 3);
    assert_int_equal(ttp_completed, 3);
    assert_true(busy.completed && q1.completed && q2.completed);

    /* Give a wrongly queued task every chance to show up. */
    (void) evtest_run_until(s->loop, &refused.completed, 100);
    assert_false(refused.worked);
    assert_false(refused.completed);
    sl_thread_pool_destroy(tp);
}

static void
test_destroy_joins_after_work_in_hand(void **state)
{
    ttp_state_t       *s = *state;
    sl_thread_pool_t  *tp;
    ttp_job_t          busy, waiting;

    tp = sl_thread_pool_create(s->loop, 1, 4);
    assert_non_null(tp);
    ttp_job_init(&busy, ttp_gated_work);
    ttp_job_init(&waiting, ttp_work);
    assert_int_equal(sl_thread_pool_post(tp, &busy.task), SL_OK);
    ttp_gate_wait_for(1);
    assert_int_equal(sl_thread_pool_post(tp, &waiting.task), SL_OK);

    ttp_gate_release();
    sl_thread_pool_destroy(tp);

    /* The work in hand finished before destroy returned (it sleeps 20 ms
     * after the gate); the queued task never started; no completion runs
     * after destroy. */
    assert_true(busy.worked);
    assert_false(waiting.worked);
    (void) evtest_run_until(s->loop, &ttp_completed, 50);
    assert_int_equal(ttp_completed, 0);
}

static void
test_create_and_destroy_at_once_and_bad_sizes(void **state)
{
    ttp_state_t       *s = *state;
    sl_thread_pool_t  *tp;

    tp = sl_thread_pool_create(s->loop, 4, 4);
    assert_non_null(tp);
    sl_thread_pool_destroy(tp);
    assert_null(sl_thread_pool_create(s->loop, 0, 4));
    assert_int_equal(evtest_log_count(&s->log, "[emerg]"), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_work_runs_in_thread_completion_on_loop,
            ttp_setup, ttp_teardown),
        cmocka_unit_test_setup_teardown(
            test_many_tasks_complete_in_order_with_one_thread,
            ttp_setup, ttp_teardown),
        cmocka_unit_test_setup_teardown(
            test_full_queue_refuses_and_never_calls_back,
            ttp_setup, ttp_teardown),
        cmocka_unit_test_setup_teardown(test_destroy_joins_after_work_in_hand,
                                        ttp_setup, ttp_teardown),
        cmocka_unit_test_setup_teardown(
            test_create_and_destroy_at_once_and_bad_sizes,
            ttp_setup, ttp_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
