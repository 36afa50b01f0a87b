/*
 * sl_proxy_upstream.c: an upstream group as one worker sees it (modules
 * layer): its peers, the choice of a peer for each try (smooth weighted
 * round robin, least connections, consistent hash), and passive health:
 * max_fails failures within fail_timeout take a peer out for
 * fail_timeout. Pure apart from the clock the caller passes in, so the
 * balancers are unit-tested on hand-built groups.
 *
 * Each worker balances on its own (no locks, no shared counters): with N
 * workers the spread is what each one does, which evens out under load.
 */
#include "sl_proxy.h"

static int sl_proxy_peer_eligible(const sl_proxy_peer_t *peer,
    sl_proxy_peer_t *const *tried, sl_uint_t ntried, sl_msec_t now);
static sl_proxy_peer_t *sl_proxy_balance_rr(sl_proxy_upstream_t *up,
    sl_proxy_peer_t *const *tried, sl_uint_t ntried, sl_msec_t now);
static sl_proxy_peer_t *sl_proxy_balance_least(sl_proxy_upstream_t *up,
    sl_proxy_peer_t *const *tried, sl_uint_t ntried, sl_msec_t now);
static sl_proxy_peer_t *sl_proxy_balance_hash(sl_proxy_upstream_t *up,
    uint32_t hash, sl_proxy_peer_t *const *tried, sl_uint_t ntried,
    sl_msec_t now);
static size_t sl_proxy_key_value(const sl_proxy_var_t *v,
    sl_http_request_t *r, u_char *p, size_t size);


/*
 * Sets up up for conf (pw may be NULL in tests). Returns SL_OK, or
 * SL_ERROR when out of memory (not logged: the caller logs).
 */
sl_int_t
sl_proxy_upstream_init(sl_proxy_upstream_t *up,
    const sl_proxy_upstream_conf_t *conf, sl_proxy_worker_t *pw)
{
    sl_proxy_peer_t  *peer;
    sl_uint_t         i;

    memset(up, 0, sizeof(*up));
    up->conf = conf;
    up->worker = pw;
    sl_queue_init(&up->lru);
    up->peers = calloc(conf->nservers, sizeof(sl_proxy_peer_t));
    if (up->peers == NULL) {
        return SL_ERROR;
    }
    up->npeers = conf->nservers;
    for (i = 0; i < up->npeers; i++) {
        peer = &up->peers[i];
        peer->conf = &conf->servers[i];
        peer->up = up;
        peer->index = i;
        sl_queue_init(&peer->idle);
    }
    return SL_OK;
}


/* Frees the peers; their connections must be closed first. */
void
sl_proxy_upstream_free(sl_proxy_upstream_t *up)
{
    free(up->peers);
    up->peers = NULL;
    up->npeers = 0;
}


/*
 * True when the peer may take requests: not marked down by the active
 * checks (shared by all workers) nor by this worker's failure count.
 */
int
sl_proxy_peer_is_up(const sl_proxy_peer_t *peer, sl_msec_t now)
{
    const volatile uint32_t  *shared;

    shared = peer->up->conf->shared;
    if (shared && __atomic_load_n(&shared[peer->index], __ATOMIC_RELAXED)) {
        return 0;
    }
    return peer->down_until <= now;
}


static int
sl_proxy_peer_eligible(const sl_proxy_peer_t *peer,
    sl_proxy_peer_t *const *tried, sl_uint_t ntried, sl_msec_t now)
{
    sl_uint_t  i;

    for (i = 0; i < ntried; i++) {
        if (tried[i] == peer) {
            return 0;
        }
    }
    return sl_proxy_peer_is_up(peer, now);
}


/*
 * Picks the peer for a try, skipping the peers that are down and those
 * in tried[0..ntried). hash is the request's key hash (used by "hash"
 * only). Returns NULL when no peer is left.
 */
sl_proxy_peer_t *
sl_proxy_balance(sl_proxy_upstream_t *up, uint32_t hash,
    sl_proxy_peer_t *const *tried, sl_uint_t ntried, sl_msec_t now)
{
    switch (up->conf->balance) {
    case SL_PROXY_BALANCE_LEAST_CONN:
        return sl_proxy_balance_least(up, tried, ntried, now);
    case SL_PROXY_BALANCE_HASH:
        if (up->conf->nring) {
            return sl_proxy_balance_hash(up, hash, tried, ntried, now);
        }
        return sl_proxy_balance_rr(up, tried, ntried, now);
    default:
        return sl_proxy_balance_rr(up, tried, ntried, now);
    }
}


/*
 * Smooth weighted round robin: every eligible peer gains its weight, the
 * one with the most wins and gives back the total. Weights 5, 1, 1 give
 * a a b a c a a: the heavy peer's turns are spread, not bunched.
 */
static sl_proxy_peer_t *
sl_proxy_balance_rr(sl_proxy_upstream_t *up, sl_proxy_peer_t *const *tried,
    sl_uint_t ntried, sl_msec_t now)
{
    sl_proxy_peer_t  *peer, *best;
    int64_t           total;
    sl_uint_t         i;

    best = NULL;
    total = 0;
    for (i = 0; i < up->npeers; i++) {
        peer = &up->peers[i];
        if (!sl_proxy_peer_eligible(peer, tried, ntried, now)) {
            continue;
        }
        peer->current += peer->conf->weight;
        total += peer->conf->weight;
        if (best == NULL || peer->current > best->current) {
            best = peer;
        }
    }
    if (best) {
        best->current -= total;
    }
    return best;
}


/*
 * Fewest requests in progress relative to weight; ties go round the
 * peers, starting after the last one chosen.
 */
static sl_proxy_peer_t *
sl_proxy_balance_least(sl_proxy_upstream_t *up,
    sl_proxy_peer_t *const *tried, sl_uint_t ntried, sl_msec_t now)
{
    sl_proxy_peer_t  *peer, *best;
    sl_uint_t         i, k;

    best = NULL;
    for (k = 0; k < up->npeers; k++) {
        i = (up->next + k) % up->npeers;
        peer = &up->peers[i];
        if (!sl_proxy_peer_eligible(peer, tried, ntried, now)) {
            continue;
        }
        if (best == NULL
            || (int64_t) peer->active * best->conf->weight
               < (int64_t) best->active * peer->conf->weight)
        {
            best = peer;
        }
    }
    if (best) {
        up->next = (best->index + 1) % up->npeers;
    }
    return best;
}


/*
 * The first ring point at or after the key's hash names the peer; when
 * that peer is down or was tried, the walk goes on round the ring, so a
 * key moves only while its peer is out.
 */
static sl_proxy_peer_t *
sl_proxy_balance_hash(sl_proxy_upstream_t *up, uint32_t hash,
    sl_proxy_peer_t *const *tried, sl_uint_t ntried, sl_msec_t now)
{
    const sl_proxy_upstream_conf_t  *uc;
    sl_proxy_peer_t                 *peer;
    sl_uint_t                        lo, hi, mid, k, i;

    uc = up->conf;
    lo = 0;
    hi = uc->nring;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (uc->ring[mid].hash < hash) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (k = 0; k < uc->nring; k++) {
        i = (lo + k) % uc->nring;
        peer = &up->peers[uc->ring[i].server];
        if (sl_proxy_peer_eligible(peer, tried, ntried, now)) {
            return peer;
        }
    }
    return NULL;
}


/*
 * Counts a failed try (refused, reset, timed out, invalid answer). The
 * max_fails-th failure within fail_timeout of the first takes the peer
 * out for fail_timeout. A group of one peer is never taken out: there is
 * nothing to fall back to, and refusing at once would only hide when the
 * backend is back.
 */
void
sl_proxy_peer_failed(sl_proxy_peer_t *peer, sl_msec_t now)
{
    const sl_proxy_server_t  *s;

    s = peer->conf;
    if (s->max_fails == 0 || peer->up->npeers < 2) {
        return;
    }
    if (peer->fails == 0 || now - peer->fail_start > s->fail_timeout) {
        peer->fails = 0;
        peer->fail_start = now;
    }
    if (++peer->fails < (sl_uint_t) s->max_fails) {
        return;
    }
    peer->fails = 0;
    peer->down_until = now + s->fail_timeout;
    if (peer->up->worker) {
        sl_log_error(SL_LOG_WARN, peer->up->worker->log, 0,
                     "upstream \"%s\": server %s is down for %llu ms after "
                     "%lld failures", peer->up->conf->name.data,
                     s->address.data, (unsigned long long) s->fail_timeout,
                     (long long) s->max_fails);
    }
}


/* A try got a valid response head: the failure count starts over. */
void
sl_proxy_peer_ok(sl_proxy_peer_t *peer)
{
    peer->fails = 0;
}


/* The value of one hash_key piece for r, copied to p (at most size). */
static size_t
sl_proxy_key_value(const sl_proxy_var_t *v, sl_http_request_t *r, u_char *p,
    size_t size)
{
    const sl_str_t  *s;
    u_char           text[SL_ADDR_HOST_LEN];
    sl_str_t         tmp;
    size_t           i;

    s = NULL;
    switch (v->type) {
    case SL_PROXY_VAR_TEXT:
        s = &v->text;
        break;
    case SL_PROXY_VAR_REMOTE_ADDR:
        tmp.data = text;
        tmp.len = sl_addr_host_text(&r->c->addr.sa, text);
        if (tmp.len == 0) {
            return 0;
        }
        s = &tmp;
        break;
    case SL_PROXY_VAR_REQUEST_URI:
        s = &r->head.target;
        break;
    case SL_PROXY_VAR_URI:
        s = &r->uri;
        break;
    case SL_PROXY_VAR_ARGS:
        s = &r->head.query;
        break;
    case SL_PROXY_VAR_HOST:
        s = &r->head.host;
        break;
    case SL_PROXY_VAR_METHOD:
        s = &r->head.method_name;
        break;
    case SL_PROXY_VAR_HTTP:
        for (i = 0; i < r->head.nheaders; i++) {
            if (sl_proxy_str_eq_nocase(&r->head.headers[i].name, &v->text)) {
                s = &r->head.headers[i].value;
                break;
            }
        }
        break;
    default:
        break;
    }
    if (s == NULL || s->data == NULL) {
        return 0;
    }
    memcpy(p, s->data, sl_min(s->len, size));
    return sl_min(s->len, size);
}


/*
 * The hash of r's key: hash_key evaluated (its first 1024 bytes), or the
 * client's address bytes when no key is set.
 */
uint32_t
sl_proxy_key_hash(const sl_proxy_upstream_conf_t *uc, sl_http_request_t *r)
{
    u_char     buf[1024];
    size_t     n;
    sl_uint_t  i;

    if (uc->nkey == 0) {
        if (r->c->addr.sa.sa_family == AF_INET6) {
            return sl_proxy_hash(r->c->addr.sin6.sin6_addr.s6_addr, 16);
        }
        return sl_proxy_hash((const u_char *) &r->c->addr.sin.sin_addr, 4);
    }
    n = 0;
    for (i = 0; i < uc->nkey; i++) {
        n += sl_proxy_key_value(&uc->key[i], r, buf + n, sizeof(buf) - n);
    }
    return sl_proxy_hash(buf, n);
}
