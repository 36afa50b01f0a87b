/*
 * sl_proxy_health.c: active health checks (modules layer). Each backend
 * of an upstream with `health_check` is sent "GET path" every interval on
 * a fresh connection; a 2xx or 3xx status line within timeout passes.
 * `unhealthy` failures in a row mark it down, `healthy` passes in a row
 * mark it up again.
 *
 * Only worker 0 of a generation checks, so a backend sees one check per
 * interval however many workers run; it publishes each verdict in a word
 * of memory shared with the other workers (mapped by the master at
 * configuration time, see sl_proxy_conf.c), which they read when they
 * balance. Should worker 0 die, the master's respawn takes over with the
 * verdicts as they were.
 */
#include "sl_proxy.h"

static sl_int_t sl_proxy_health_peer_start(sl_proxy_worker_t *pw,
    sl_proxy_peer_t *peer);
static void sl_proxy_health_timer(sl_event_t *ev);
static void sl_proxy_health_write_handler(sl_event_t *ev);
static void sl_proxy_health_read_handler(sl_event_t *ev);
static void sl_proxy_health_result(sl_proxy_peer_t *peer, int ok,
    const char *why, sl_err_t err);


/*
 * Arms the checks of every peer of every upstream with health_check, in
 * the checking worker only. Returns SL_OK, or SL_ERROR (logged) when out
 * of memory.
 */
sl_int_t
sl_proxy_health_start(sl_proxy_worker_t *pw)
{
    sl_proxy_upstream_t  *up;
    sl_uint_t             i, j;

    if (!pw->checker) {
        return SL_OK;
    }
    for (i = 0; i < pw->nups; i++) {
        up = &pw->ups[i];
        if (!up->conf->has_health) {
            continue;
        }
        for (j = 0; j < up->npeers; j++) {
            if (sl_proxy_health_peer_start(pw, &up->peers[j]) != SL_OK) {
                return SL_ERROR;
            }
        }
    }
    return SL_OK;
}


/* The request is built once: "GET path HTTP/1.1", Host, close. */
static sl_int_t
sl_proxy_health_peer_start(sl_proxy_worker_t *pw, sl_proxy_peer_t *peer)
{
    const sl_proxy_upstream_conf_t  *uc;
    size_t                           size;
    u_char                          *p;

    uc = peer->up->conf;
    size = uc->health.path.len + peer->conf->address.len + 128
           + SL_PROXY_HEALTH_BUFFER;
    peer->hc_buf = malloc(size);
    if (peer->hc_buf == NULL) {
        sl_log_error(SL_LOG_EMERG, pw->log, errno, "proxy: out of memory "
                     "for health checks");
        return SL_ERROR;
    }
    p = sl_slprintf(peer->hc_buf, peer->hc_buf + size,
                    "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
                    "User-Agent: sluice-health-check\r\n\r\n",
                    (const char *) uc->health.path.data,
                    (const char *) peer->conf->address.data);
    peer->hc_req_len = (size_t) (p - peer->hc_buf);
    peer->hc_timer.handler = sl_proxy_health_timer;
    peer->hc_timer.data = peer;
    peer->hc_timer.cancelable = 1;
    /* The first check at once: a new generation learns the state soon. */
    return sl_timer_add(pw->loop, &peer->hc_timer, 1);
}


/* Stops every check and frees its memory (the worker is leaving). */
void
sl_proxy_health_stop(sl_proxy_worker_t *pw)
{
    sl_proxy_peer_t  *peer;
    sl_uint_t         i, j;

    for (i = 0; i < pw->nups; i++) {
        for (j = 0; j < pw->ups[i].npeers; j++) {
            peer = &pw->ups[i].peers[j];
            sl_timer_del(pw->loop, &peer->hc_timer);
            if (peer->hc_conn) {
                sl_proxy_conn_close(pw, peer->hc_conn);
                peer->hc_conn = NULL;
            }
            free(peer->hc_buf);
            peer->hc_buf = NULL;
        }
    }
}


static void
sl_proxy_health_timer(sl_event_t *ev)
{
    sl_proxy_peer_t    *peer;
    sl_proxy_worker_t  *pw;
    sl_proxy_conn_t    *pc;
    sl_err_t            err;

    peer = ev->data;
    pw = peer->up->worker;
    pc = sl_proxy_conn_open(pw, peer, pw->log, &err);
    if (pc == NULL) {
        sl_proxy_health_result(peer, 0, "connect() failed", err);
        return;
    }
    peer->hc_conn = pc;
    peer->hc_sent = 0;
    peer->hc_len = 0;
    pc->c.data = peer;
    pc->c.read.handler = sl_proxy_health_read_handler;
    pc->c.write.handler = sl_proxy_health_write_handler;
    pc->c.read.cancelable = 1;
    /* One deadline for the whole check, on the read event. */
    (void) sl_timer_add(pw->loop, &pc->c.read, peer->up->conf->health.timeout);
    if (!pc->connecting) {
        sl_proxy_health_write_handler(&pc->c.write);
    }
}


static void
sl_proxy_health_write_handler(sl_event_t *ev)
{
    sl_proxy_conn_t  *pc;
    sl_proxy_peer_t  *peer;
    sl_err_t          err;
    socklen_t         len;
    ssize_t           n;

    pc = (sl_proxy_conn_t *) ev->data;
    peer = pc->c.data;
    if (pc->connecting) {
        err = 0;
        len = sizeof(err);
        if (getsockopt(pc->c.fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) {
            err = errno;
        }
        if (err) {
            sl_proxy_health_result(peer, 0, "connect() failed", err);
            return;
        }
        pc->connecting = 0;
    }
    while (peer->hc_sent < peer->hc_req_len) {
        n = send(pc->c.fd, peer->hc_buf + peer->hc_sent,
                 peer->hc_req_len - peer->hc_sent, MSG_NOSIGNAL);
        if (n == -1) {
            if (errno == EAGAIN || errno == EINTR) {
                return;
            }
            sl_proxy_health_result(peer, 0, "send() failed", errno);
            return;
        }
        peer->hc_sent += (size_t) n;
    }
}


static void
sl_proxy_health_read_handler(sl_event_t *ev)
{
    sl_proxy_conn_t  *pc;
    sl_proxy_peer_t  *peer;
    u_char           *buf, *eol;
    ssize_t           n;

    pc = (sl_proxy_conn_t *) ev->data;
    peer = pc->c.data;
    if (ev->timedout) {
        sl_proxy_health_result(peer, 0, "timed out", 0);
        return;
    }
    if (pc->connecting) {
        return;
    }
    buf = peer->hc_buf + peer->hc_req_len;
    for (;;) {
        eol = peer->hc_len ? memchr(buf, '\n', peer->hc_len) : NULL;
        if (eol) {
            sl_proxy_health_result(peer, sl_proxy_health_status_ok(buf,
                                   (size_t) (eol - buf) + 1),
                                   "bad status", 0);
            return;
        }
        if (peer->hc_len == SL_PROXY_HEALTH_BUFFER) {
            sl_proxy_health_result(peer, 0, "status line too long", 0);
            return;
        }
        n = recv(pc->c.fd, buf + peer->hc_len,
                 SL_PROXY_HEALTH_BUFFER - peer->hc_len, 0);
        if (n > 0) {
            peer->hc_len += (size_t) n;
            continue;
        }
        if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }
        sl_proxy_health_result(peer, 0, n == 0 ? "closed before answering"
                                               : "recv() failed",
                               n == 0 ? 0 : errno);
        return;
    }
}


/*
 * True for a status line "HTTP/1.x 2xx ..." or 3xx, CRLF included: the
 * check's pass. p[0..len) is the line with its LF.
 */
int
sl_proxy_health_status_ok(const u_char *p, size_t len)
{
    if (len < 14 || !sl_memeq_lit(p, "HTTP/1.") || p[7] < '0' || p[7] > '9'
        || p[8] != ' ' || (p[9] != '2' && p[9] != '3') || p[10] < '0'
        || p[10] > '9' || p[11] < '0' || p[11] > '9'
        || (p[12] != ' ' && p[12] != '\r') || p[len - 2] != '\r')
    {
        return 0;
    }
    return 1;
}


/* Records a check's outcome, flips the shared verdict on a run, and
 * schedules the next check. */
static void
sl_proxy_health_result(sl_proxy_peer_t *peer, int ok, const char *why,
    sl_err_t err)
{
    const sl_proxy_upstream_conf_t  *uc;
    sl_proxy_worker_t               *pw;
    uint32_t                         down;

    pw = peer->up->worker;
    uc = peer->up->conf;
    if (peer->hc_conn) {
        sl_proxy_conn_close(pw, peer->hc_conn);
        peer->hc_conn = NULL;
    }
    down = __atomic_load_n(&uc->shared[peer->index], __ATOMIC_RELAXED);
    if (ok) {
        peer->hc_fail = 0;
        peer->hc_pass++;
        if (down && peer->hc_pass >= (sl_uint_t) uc->health.healthy) {
            __atomic_store_n(&uc->shared[peer->index], 0, __ATOMIC_RELAXED);
            sl_log_error(SL_LOG_NOTICE, pw->log, 0, "upstream \"%s\": server "
                         "%s is up (health check)", uc->name.data,
                         peer->conf->address.data);
        }
    } else {
        peer->hc_pass = 0;
        peer->hc_fail++;
        if (!down && peer->hc_fail >= (sl_uint_t) uc->health.unhealthy) {
            __atomic_store_n(&uc->shared[peer->index], 1, __ATOMIC_RELAXED);
            sl_log_error(SL_LOG_WARN, pw->log, err, "upstream \"%s\": server "
                         "%s is down (health check: %s)", uc->name.data,
                         peer->conf->address.data, why);
        }
    }
    (void) sl_timer_add(pw->loop, &peer->hc_timer, uc->health.interval);
}
