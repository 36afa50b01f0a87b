/*
 * sl_static_cache.c: the open-file cache of one location in one worker
 * (modules layer, static module). A hash of lookup records (regular files
 * with their descriptor or their contents, directories, and "not found"
 * answers) with a least-recently-used list, bounded in entries and in
 * bytes of contents. Loop thread only: no locks.
 *
 * Revalidation: a record is served without any system call for `valid`
 * after it was checked; after that, the lookup is done again (on a thread
 * when the worker has them) and the fresh record is offered here: if the
 * file is the same (device, inode, size, mtime to the nanosecond) the old
 * record, contents and all, is kept; if not, the fresh one replaces it.
 * So a file deleted or replaced is never served once `valid` has passed
 * since its last check.
 *
 * Memory: records are malloc'ed, not pooled, because they outlive
 * requests and are evicted one by one. A record evicted while requests
 * still send from it lives until the last of them ends (refs).
 */
#include "sl_static.h"

#define SL_STATIC_BUCKETS_MAX  65536

static uint32_t sl_static_cache_hash(const u_char *key, size_t len);
static void sl_static_cache_unlink(sl_static_cache_t *c, sl_static_file_t *f,
    int drop);
static int sl_static_cache_keeps(int err);
static size_t sl_static_cache_bytes(const sl_static_file_t *f);


/* FNV-1a: short keys, no attacker-chosen keys of any consequence. */
static uint32_t
sl_static_cache_hash(const u_char *key, size_t len)
{
    uint32_t  h;
    size_t    i;

    h = 2166136261u;
    for (i = 0; i < len; i++) {
        h ^= key[i];
        h *= 16777619u;
    }
    return h;
}


static size_t
sl_static_cache_bytes(const sl_static_file_t *f)
{
    return f->data ? (size_t) f->size : 0;
}


/* Answers that stay true until the tree changes; EMFILE and the like
 * pass, and must not be remembered. */
static int
sl_static_cache_keeps(int err)
{
    switch (err) {
    case 0:
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
    case EXDEV:
    case EACCES:
    case EPERM:
    case ENAMETOOLONG:
        return 1;
    default:
        return 0;
    }
}


sl_int_t
sl_static_cache_init(sl_static_cache_t *c, const sl_static_cache_conf_t *conf)
{
    size_t  n;

    memset(c, 0, sizeof(*c));
    sl_queue_init(&c->lru);
    c->max = (size_t) conf->max;
    c->max_bytes = conf->max_bytes;
    c->valid = conf->valid;
    if (c->max == 0) {
        return SL_OK;
    }
    for (n = 16; n < c->max && n < SL_STATIC_BUCKETS_MAX; n <<= 1) {
        /* a power of two near max: chains stay about one long */
    }
    c->buckets = calloc(n, sizeof(sl_static_file_t *));
    if (c->buckets == NULL) {
        return SL_ERROR;
    }
    c->mask = n - 1;
    return SL_OK;
}


sl_static_file_t *
sl_static_cache_get(sl_static_cache_t *c, const u_char *key, size_t len,
    sl_msec_t now)
{
    sl_static_file_t  *f;
    uint32_t           h;

    if (c->buckets == NULL) {
        return NULL;
    }
    h = sl_static_cache_hash(key, len);
    for (f = c->buckets[h & c->mask]; f; f = f->next) {
        if (f->hash == h && f->key_len == len
            && memcmp(f->key, key, len) == 0)
        {
            break;
        }
    }
    if (f == NULL || now - f->validated >= c->valid) {
        return NULL;
    }
    sl_queue_remove(&f->lru);
    sl_queue_insert_head(&c->lru, &f->lru);
    return f;
}


/* Takes f out of the cache; frees it if unused, when drop is set. */
static void
sl_static_cache_unlink(sl_static_cache_t *c, sl_static_file_t *f, int drop)
{
    sl_static_file_t  **pp;

    for (pp = &c->buckets[f->hash & c->mask]; *pp; pp = &(*pp)->next) {
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    }
    f->next = NULL;
    sl_queue_remove(&f->lru);
    c->n--;
    c->bytes -= sl_static_cache_bytes(f);
    f->cached = 0;
    if (drop) {
        sl_static_file_drop(f);
    }
}


sl_static_file_t *
sl_static_cache_insert(sl_static_cache_t *c, sl_static_file_t *f,
    sl_msec_t now)
{
    sl_static_file_t  *e;

    f->validated = now;
    if (c->buckets == NULL || !sl_static_cache_keeps(f->err)) {
        return f;
    }
    f->hash = sl_static_cache_hash(f->key, f->key_len);
    for (e = c->buckets[f->hash & c->mask]; e; e = e->next) {
        if (e->hash == f->hash && e->key_len == f->key_len
            && memcmp(e->key, f->key, f->key_len) == 0)
        {
            break;
        }
    }
    if (e && sl_static_file_same(e, f)) {
        e->validated = now;
        sl_queue_remove(&e->lru);
        sl_queue_insert_head(&c->lru, &e->lru);
        return e;
    }
    if (e) {
        sl_static_cache_unlink(c, e, 1);
    }
    f->next = c->buckets[f->hash & c->mask];
    c->buckets[f->hash & c->mask] = f;
    sl_queue_insert_head(&c->lru, &f->lru);
    f->cached = 1;
    c->n++;
    c->bytes += sl_static_cache_bytes(f);
    while (c->n > c->max || c->bytes > c->max_bytes) {
        e = sl_queue_data(sl_queue_last(&c->lru), sl_static_file_t, lru);
        /* f itself goes last: alone and still too big, it is not kept,
         * but the caller still sends it, so it is not freed here. */
        sl_static_cache_unlink(c, e, e != f);
        if (e == f) {
            break;
        }
    }
    return f;
}


void
sl_static_cache_destroy(sl_static_cache_t *c)
{
    sl_queue_t  *q;

    while (c->buckets && !sl_queue_empty(&c->lru)) {
        q = sl_queue_head(&c->lru);
        sl_static_cache_unlink(c, sl_queue_data(q, sl_static_file_t, lru), 1);
    }
    free(c->buckets);
    c->buckets = NULL;
}
