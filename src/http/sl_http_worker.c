/*
 * sl_http_worker.c: a worker process's life (http layer): the entry the
 * master forks into. It builds the loop, the connection array, the accept
 * strategy, the access log and the modules' worker state, tells the
 * master it accepts, runs the loop, and drains on QUIT: no new clients,
 * every response says Connection: close, idle keep-alive connections are
 * answered once more rather than cut under a request in flight, and
 * shutdown_timeout bounds it all.
 */
#include "sl_http.h"
#include "sl_accept.h"
#include "sl_thread_pool.h"
#include "sl_process.h"
#include "sl_signal.h"
#include "sl_shm.h"

#define SL_HTTP_HEARTBEAT  1000

sl_http_worker_t  *sl_http_worker;

static sl_int_t sl_http_worker_init(sl_http_worker_t *w, sl_cycle_t *cycle);
static sl_int_t sl_http_worker_listen(sl_http_worker_t *w);
static int sl_http_worker_is_shared_fd(sl_http_worker_t *w, sl_listen_t *ls,
    sl_uint_t i);
static sl_int_t sl_http_worker_modules(sl_http_worker_t *w);
static void sl_http_worker_signal(int signo, void *data);
static void sl_http_worker_shutdown(sl_http_worker_t *w);
static int sl_http_worker_defers(sl_http_worker_t *w);
static void sl_http_worker_last_accepts(sl_event_t *ev);
static void sl_http_worker_stop_accepting(sl_http_worker_t *w);
static void sl_http_worker_await_silent(sl_http_worker_t *w);
static void sl_http_worker_heartbeat(sl_event_t *ev);
static void sl_http_worker_deadline(sl_event_t *ev);
static void sl_http_worker_exit(sl_http_worker_t *w);
static sl_int_t sl_http_worker_lists_init(sl_http_worker_t *w);
static void sl_http_worker_lists_free(sl_http_worker_t *w);
static void sl_http_worker_accept(sl_conn_t *c, void *listen_data);
static void sl_http_worker_close_listen(sl_http_worker_t *w);
static sl_int_t sl_http_init_master(sl_cycle_t *cycle, void *conf,
    char *err, size_t errsize);
static void sl_http_counters_spawn(sl_shm_zone_t *zone, sl_uint_t slot,
    pid_t pid);

/* How long a final stop keeps accepting on TCP_DEFER_ACCEPT sockets (ms):
 * the kernel's wait for a silent client, and a margin. */
#define SL_HTTP_DEFER_DRAIN  (SL_LISTEN_DEFER_SECS * 1000 + 300)
/* How often it asks the kernel whether such clients remain (ms). */
#define SL_HTTP_DEFER_POLL   20

static sl_accept_t  *sl_http_worker_acceptor;


sl_int_t
sl_http_register(void)
{
    static const sl_cycle_block_t  block = {
        "http", sl_http_conf_block_parse, 1, sl_http_init_master
    };
    sl_uint_t                      i;

    for (i = 0; sl_http_modules[i]; i++) {
        sl_http_modules[i]->index = i;
    }
    sl_http_conf_block_index = sl_cycle_block_register(&block);
    return sl_http_conf_block_index < 0 ? SL_ERROR : SL_OK;
}


/*
 * The http block's hook in the master, before a generation forks: the
 * shared zones of the engine (counters, the accept mutex), then each
 * module's init_master.
 */
static sl_int_t
sl_http_init_master(sl_cycle_t *cycle, void *conf, char *err,
    size_t errsize)
{
    sl_http_main_conf_t  *mcf;
    sl_shm_zone_t        *z;
    sl_http_module_t     *m;
    sl_uint_t             i;

    mcf = conf;
    z = sl_shm_zone_add(cycle, "http_counters",
                        SL_SHM_SLOTS * sizeof(sl_http_counters_t), 0, err,
                        errsize);
    if (z == NULL) {
        return SL_ERROR;
    }
    z->spawn = sl_http_counters_spawn;
    mcf->counters = z->addr;
    mcf->accept_mutex = sl_accept_mutex_zone(cycle, err, errsize);
    if (mcf->accept_mutex == NULL) {
        return SL_ERROR;
    }
    for (i = 0; sl_http_modules[i]; i++) {
        m = sl_http_modules[i];
        if (m->init_master
            && m->init_master(cycle, sl_http_module_main_conf(mcf, m), err,
                              errsize) != SL_OK)
        {
            return SL_ERROR;
        }
    }
    return SL_OK;
}


/* A zone hook: a new worker in slot starts counting from zero. */
static void
sl_http_counters_spawn(sl_shm_zone_t *zone, sl_uint_t slot, pid_t pid)
{
    sl_http_counters_t  *c;

    (void) pid;
    c = (sl_http_counters_t *) zone->addr + slot;
    c->accepted = 0;
    c->requests = 0;
    c->active = 0;
}


int
sl_http_worker_main(sl_cycle_t *cycle, sl_uint_t index, sl_uint_t slot)
{
    static sl_http_worker_t  worker;
    sl_http_worker_t        *w;

    w = &worker;
    w->index = index;
    w->slot = slot;
    sl_http_worker = w;
    sl_time_update();
    if (sl_http_worker_init(w, cycle) != SL_OK) {
        return 2;
    }
    sl_process_worker_ready();
    if (sl_loop_run(w->loop) != SL_OK) {
        sl_http_worker_exit(w);
        return 1;
    }
    sl_http_worker_exit(w);
    return 0;
}


static sl_int_t
sl_http_worker_init(sl_http_worker_t *w, sl_cycle_t *cycle)
{
    static const int  sigs[] = { SIGQUIT, SIGTERM, SIGINT, SIGUSR1, SIGHUP,
                                 SIGWINCH, SIGUSR2 };
    size_t            i;

    w->cycle = cycle;
    w->main = sl_cycle_block_get(cycle, sl_http_conf_block_index);
    w->counters = &w->main->counters[w->slot];
    sl_queue_init(&w->idle);
    w->loop = sl_loop_create(512, &cycle->log);
    if (w->loop == NULL
        || (cycle->io_uring && sl_loop_batch_enable(w->loop) == SL_ERROR))
    {
        return SL_ERROR;
    }
    for (i = 0; i < sl_nelem(sigs); i++) {
        if (sl_loop_signal_add(w->loop, sigs[i], sl_http_worker_signal, w)
            != SL_OK)
        {
            return SL_ERROR;
        }
    }
    w->conns = sl_conns_create(w->loop, (sl_uint_t) cycle->worker_connections,
                               &cycle->log);
    w->hconns = calloc((size_t) cycle->worker_connections,
                       sizeof(sl_http_conn_t));
    if (w->conns == NULL || w->hconns == NULL
        || sl_http_worker_lists_init(w) != SL_OK
        || sl_timer_reserve(w->loop, (sl_uint_t) cycle->worker_connections * 2
                                     + 64) != SL_OK)
    {
        sl_log_error(SL_LOG_EMERG, &cycle->log, 0, "worker start failed");
        return SL_ERROR;
    }
    /* Threads after the signals are routed to the loop: they block all. */
    if (cycle->thread_pool_threads > 0) {
        w->thread_pool = sl_thread_pool_create(w->loop,
                             (unsigned) cycle->thread_pool_threads,
                             (unsigned) cycle->worker_connections);
        if (w->thread_pool == NULL) {
            return SL_ERROR;
        }
    }
    w->access_log = sl_http_access_log_open(w->main, w->loop, &cycle->log);
    if (w->access_log == NULL && !sl_str_eq(&w->main->access_log_path, "off")) {
        return SL_ERROR;   /* logged; a worker that cannot log stops */
    }
    if (sl_http_worker_modules(w) != SL_OK
        || sl_http_worker_listen(w) != SL_OK)
    {
        return SL_ERROR;
    }
    w->heartbeat.handler = sl_http_worker_heartbeat;
    w->heartbeat.data = w;
    w->heartbeat.cancelable = 1;
    sl_process_worker_heartbeat(cycle, w->slot);
    if (!sl_process_watchdog_on(cycle)) {
        return SL_OK;
    }
    return sl_timer_add(w->loop, &w->heartbeat, SL_HTTP_HEARTBEAT);
}


static sl_int_t
sl_http_worker_modules(sl_http_worker_t *w)
{
    size_t  i;

    for (i = 0; sl_http_modules[i]; i++) {
        if (sl_http_modules[i]->init_worker
            && sl_http_modules[i]->init_worker(w, w->main->main_confs[i])
               != SL_OK)
        {
            return SL_ERROR;
        }
    }
    return SL_OK;
}


/*
 * reuseport: this worker polls its own socket of each address (socket
 * `index`) and closes the copies of the other workers' own sockets, so a
 * socket the master retires really closes. An address may have more
 * sockets than there are workers (after a reload to fewer workers: see
 * sl_listen_open_all); those surplus sockets, like every socket in mutex
 * mode and a shared (systemd) socket, are polled by every worker.
 */
static sl_int_t
sl_http_worker_listen(sl_http_worker_t *w)
{
    sl_accept_listen_t  lst[256];
    sl_accept_conf_t    ac;
    sl_listen_t        *ls;
    sl_uint_t           n, i;

    n = 0;
    for (ls = w->cycle->listening; ls; ls = ls->next) {
        for (i = 0; i < ls->nfds; i++) {
            if (i != w->index && !sl_http_worker_is_shared_fd(w, ls, i)) {
                (void) close(ls->fds[i]);
                ls->fds[i] = -1;
                continue;
            }
            if (n == sl_nelem(lst)) {
                sl_log_error(SL_LOG_EMERG, &w->cycle->log, 0,
                             "more than %zu listen sockets", sl_nelem(lst));
                return SL_ERROR;
            }
            lst[n].fd = ls->fds[i];
            lst[n].data = ls;
            n++;
        }
    }
    memset(&ac, 0, sizeof(ac));
    /* "mutex": EPOLLEXCLUSIVE where the kernel has it (see sl_accept.h). */
    ac.strategy = w->cycle->accept != SL_ACCEPT_CONF_MUTEX
                  ? SL_ACCEPT_REUSEPORT
                  : sl_loop_has_exclusive() ? SL_ACCEPT_EXCLUSIVE
                                            : SL_ACCEPT_MUTEX;
    ac.listens = lst;
    ac.nlistens = n;
    ac.mutex = w->main->accept_mutex;
    ac.handler = sl_http_worker_accept;
    sl_http_worker_acceptor = sl_accept_create(w->loop, w->conns, &ac);
    return sl_http_worker_acceptor ? SL_OK : SL_ERROR;
}


/* True when socket i of ls is polled by every worker, not one. */
static int
sl_http_worker_is_shared_fd(sl_http_worker_t *w, sl_listen_t *ls,
    sl_uint_t i)
{
    return ls->shared || w->cycle->accept != SL_ACCEPT_CONF_REUSEPORT
           || i >= (sl_uint_t) w->cycle->worker_processes;
}


static void
sl_http_worker_accept(sl_conn_t *c, void *listen_data)
{
    sl_http_worker_t  *w;

    w = sl_http_worker;
    if (w->slot < SL_SHM_SLOTS) {
        w->counters->accepted++;
        w->counters->active++;
    }
    sl_http_conn_init(c, listen_data);
}


static void
sl_http_worker_signal(int signo, void *data)
{
    sl_http_worker_t  *w;
    sl_err_t           err;

    w = data;
    switch (signo) {
    case SIGQUIT:
        sl_http_worker_shutdown(w);
        break;
    case SIGTERM:
    case SIGINT:
        sl_loop_stop(w->loop);
        break;
    case SIGUSR1:
        err = 0;
        if (sl_log_file_reopen(&w->cycle->error_log, &err) != SL_OK) {
            sl_log_error(SL_LOG_ERR, &w->cycle->log, err,
                         "cannot reopen the error log");
        }
        if (w->access_log) {
            sl_http_access_log_reopen(w->access_log);
        }
        break;
    default:
        break;   /* the master's business */
    }
}


static void
sl_http_worker_shutdown(sl_http_worker_t *w)
{
    if (w->shutting_down) {
        return;
    }
    w->shutting_down = 1;
    sl_process_title_set("sluice: worker (shutting down)");
    /* A client that connected to a TCP_DEFER_ACCEPT socket and has not
     * spoken yet is not queued: the kernel hands it over when its request
     * comes or, at the latest, about SL_LISTEN_DEFER_SECS after its
     * connect (the master refuses new SYNs meanwhile). On a final stop,
     * keep accepting while the kernel holds such clients, or closing the
     * sockets would reset them; with none, stop at once. */
    if (w->cycle->shm->final_stop && sl_http_worker_defers(w)) {
        sl_http_worker_await_silent(w);
        return;
    }
    sl_http_worker_stop_accepting(w);
}


/* The final stop of a worker with TCP_DEFER_ACCEPT sockets: stops
 * accepting at once when the kernel holds no silent client, else keeps
 * accepting until it holds none (sl_http_worker_last_accepts). */
static void
sl_http_worker_await_silent(sl_http_worker_t *w)
{
    sl_uint_t  n;
    sl_int_t   rc;

    rc = sl_listen_handshakes(w->cycle, &n);
    if (rc == SL_OK && n == 0) {
        sl_http_worker_stop_accepting(w);
        return;
    }
    sl_log_error(SL_LOG_INFO, &w->cycle->log, 0, "final stop: %s; "
                 "accepting for up to %d ms", rc == SL_OK
                 ? "clients connected without sending their request"
                 : "cannot ask the kernel for clients that have not spoken",
                 SL_HTTP_DEFER_DRAIN);
    w->draining = 1;
    w->drain_until = sl_current_msec + SL_HTTP_DEFER_DRAIN;
    w->shutdown_timer.handler = sl_http_worker_last_accepts;
    w->shutdown_timer.data = w;
    (void) sl_timer_add(w->loop, &w->shutdown_timer, SL_HTTP_DEFER_POLL);
}


/* True when a listen socket of this worker has TCP_DEFER_ACCEPT. */
static int
sl_http_worker_defers(sl_http_worker_t *w)
{
    sl_listen_t  *ls;

    for (ls = w->cycle->listening; ls; ls = ls->next) {
        if (ls->defer_accept) {
            return 1;
        }
    }
    return 0;
}


/* Waits, polling the kernel, until no client is left in the handshake
 * on our addresses or the kernel's own wait for them is over. A kernel
 * that cannot tell gets the whole wait. */
static void
sl_http_worker_last_accepts(sl_event_t *ev)
{
    sl_http_worker_t  *w;
    sl_uint_t          n;

    w = ev->data;
    if (sl_current_msec < w->drain_until
        && (sl_listen_handshakes(w->cycle, &n) != SL_OK || n > 0))
    {
        (void) sl_timer_add(w->loop, &w->shutdown_timer,
                            SL_HTTP_DEFER_POLL);
        return;
    }
    sl_http_worker_stop_accepting(w);   /* ends draining */
}


/* The rest of a graceful stop: no more clients, then wait for those
 * served to finish, up to shutdown_timeout. */
static void
sl_http_worker_stop_accepting(sl_http_worker_t *w)
{
    sl_accept_stop(sl_http_worker_acceptor);
    /* On a final stop (QUIT to the master) the sockets close for good
     * and the kernel would reset the clients still queued on them: serve
     * those first (with Connection: close). The master closed its copies
     * before telling us, so ours is the last close. Not in a reload: the
     * sockets live on in the new generation, which serves its queue on
     * the new configuration. */
    if (w->cycle->shm->final_stop) {
        w->draining = 1;
        sl_accept_drain(sl_http_worker_acceptor);
        w->draining = 0;
    }
    sl_http_worker_close_listen(w);
    if (sl_conns_used(w->conns) == 0) {
        sl_loop_stop(w->loop);
        return;
    }
    w->shutdown_timer.handler = sl_http_worker_deadline;
    w->shutdown_timer.data = w;
    (void) sl_timer_add(w->loop, &w->shutdown_timer,
                        w->cycle->shutdown_timeout);
}


static void
sl_http_worker_deadline(sl_event_t *ev)
{
    sl_http_worker_t  *w;

    w = ev->data;
    sl_log_error(SL_LOG_NOTICE, &w->cycle->log, 0,
                 "shutdown_timeout reached: closing %lu connections",
                 (unsigned long) sl_conns_used(w->conns));
    sl_loop_stop(w->loop);
}


static void
sl_http_worker_heartbeat(sl_event_t *ev)
{
    sl_http_worker_t  *w;

    w = ev->data;
    sl_process_worker_heartbeat(w->cycle, w->slot);
    (void) sl_timer_add(w->loop, &w->heartbeat, SL_HTTP_HEARTBEAT);
}


static void
sl_http_worker_exit(sl_http_worker_t *w)
{
    size_t  i;

    sl_accept_destroy(sl_http_worker_acceptor);
    for (i = 0; sl_http_modules[i]; i++) {
        if (sl_http_modules[i]->exit_worker) {
            sl_http_modules[i]->exit_worker(w, w->main->main_confs[i]);
        }
    }
    if (w->access_log) {
        sl_http_access_log_close(w->access_log);
    }
    sl_thread_pool_destroy(w->thread_pool);
    sl_http_worker_lists_free(w);
}


/* The free lists that spare a malloc per request and per connection. */
static sl_int_t
sl_http_worker_lists_init(sl_http_worker_t *w)
{
    if (sl_freelist_init(&w->free_buffers, SL_HTTP_FREE_BUFFERS,
                         sizeof(sl_buf_t) + w->main->client_header_buffer)
        != SL_OK
        || sl_freelist_init(&w->free_corks, SL_HTTP_FREE_CORKS,
                            sizeof(sl_buf_t) + SL_HTTP_CORK_SIZE) != SL_OK
        || sl_freelist_init(&w->free_pools, SL_HTTP_FREE_POOLS,
                            SL_HTTP_POOL_SIZE) != SL_OK)
    {
        return SL_ERROR;
    }
    return SL_OK;
}


static void
sl_http_worker_lists_free(sl_http_worker_t *w)
{
    sl_pool_t  *pool;

    while ((pool = sl_freelist_get(&w->free_pools)) != NULL) {
        sl_pool_destroy(pool);
    }
    sl_freelist_drain(&w->free_pools);
    sl_freelist_drain(&w->free_buffers);
    sl_freelist_drain(&w->free_corks);
}


/*
 * A draining worker's copies of the listen sockets: closing them lets a
 * socket that no generation uses any more really close (clients are then
 * refused at once instead of waiting in a backlog nobody reads).
 */
static void
sl_http_worker_close_listen(sl_http_worker_t *w)
{
    sl_listen_t  *ls;
    unsigned      i;

    for (ls = w->cycle->listening; ls; ls = ls->next) {
        for (i = 0; i < ls->nfds; i++) {
            if (ls->fds[i] != -1) {
                (void) close(ls->fds[i]);
                ls->fds[i] = -1;
            }
        }
    }
}
