/*
 * sl_pool.c: region memory pools (core layer); see sl_pool.h for the
 * contract. Blocks are filled in order; a block that fails to serve small
 * requests several times is skipped from then on, so a long-lived pool does
 * not rescan full blocks (the nginx "failed" counter idea).
 */
#include "sl_core.h"

#define SL_POOL_SKIP_AFTER  4
/* Sizes near SIZE_MAX would wrap when aligned: refuse them outright. */
#define SL_POOL_SIZE_MAX    (SIZE_MAX / 2)

static void *sl_pool_alloc_block(sl_pool_t *pool, size_t size, size_t align)
    __attribute__((unused));
static void *sl_pool_alloc_large(sl_pool_t *pool, size_t size);
static void sl_pool_release(sl_pool_t *pool);


sl_pool_t *
sl_pool_create(size_t size)
{
    sl_pool_t  *pool;

    if (size > SL_POOL_SIZE_MAX) {
        return NULL;
    }
    size = sl_max(size, (size_t) SL_POOL_MIN_SIZE);
    size = sl_align(size, SL_POOL_ALIGNMENT);
    pool = aligned_alloc(SL_POOL_ALIGNMENT, size);
    if (pool == NULL) {
        return NULL;
    }

    pool->first.last = (u_char *) pool + sizeof(sl_pool_t);
    pool->first.end = (u_char *) pool + size;
    pool->first.next = NULL;
    pool->first.failed = 0;
    pool->current = &pool->first;
    pool->large = NULL;
    pool->cleanup = NULL;
    pool->block_size = size;
    pool->max_small = size - sizeof(sl_pool_block_t) - SL_POOL_ALIGNMENT;
    return pool;
}


void
sl_pool_destroy(sl_pool_t *pool)
{
    if (pool == NULL) {
        return;
    }
    sl_pool_release(pool);
    free(pool);
}


void
sl_pool_reset(sl_pool_t *pool)
{
    sl_pool_release(pool);
    pool->first.last = (u_char *) pool + sizeof(sl_pool_t);
    pool->first.next = NULL;
    pool->first.failed = 0;
    pool->current = &pool->first;
    pool->large = NULL;
    pool->cleanup = NULL;
}


/* Runs the cleanups and frees all but the first block. */
static void
sl_pool_release(sl_pool_t *pool)
{
    sl_pool_cleanup_t  *c;
    sl_pool_large_t    *l, *lnext;
    sl_pool_block_t    *b, *next;

    for (c = pool->cleanup; c; c = c->next) {
        if (c->handler) {
            c->handler(c->data);
        }
    }

    /* The large records live in the blocks: free their memory first. */
    for (l = pool->large; l; l = lnext) {
        lnext = l->next;
        free(l->alloc);
#ifdef SL_POOL_DEBUG
        free(l);
#endif
    }

    for (b = pool->first.next; b; b = next) {
        next = b->next;
        free(b);
    }
}


#ifdef SL_POOL_DEBUG

/*
 * Debug pools make every allocation large, so each is a separate malloc
 * and ASan reports any overrun at the exact byte.
 */
void *
sl_palloc(sl_pool_t *pool, size_t size)
{
    return sl_pool_alloc_large(pool, size);
}


void *
sl_pnalloc(sl_pool_t *pool, size_t size)
{
    return sl_pool_alloc_large(pool, size);
}

#else

void *
sl_palloc(sl_pool_t *pool, size_t size)
{
    if (size <= pool->max_small) {
        return sl_pool_alloc_block(pool, size, SL_POOL_ALIGNMENT);
    }
    return sl_pool_alloc_large(pool, size);
}


void *
sl_pnalloc(sl_pool_t *pool, size_t size)
{
    if (size <= pool->max_small) {
        return sl_pool_alloc_block(pool, size, 1);
    }
    return sl_pool_alloc_large(pool, size);
}

#endif


void *
sl_pcalloc(sl_pool_t *pool, size_t size)
{
    void  *p;

    p = sl_palloc(pool, size);
    if (p) {
        memset(p, 0, size);
    }
    return p;
}


static void *
sl_pool_alloc_block(sl_pool_t *pool, size_t size, size_t align)
{
    sl_pool_block_t  *b, *nb, *last;
    u_char           *m;

    last = pool->current;
    for (b = pool->current; b; b = b->next) {
        m = (u_char *) sl_align((uintptr_t) b->last, align);
        if (m <= b->end && (size_t) (b->end - m) >= size) {
            b->last = m + size;
            return m;
        }
        if (++b->failed > SL_POOL_SKIP_AFTER && b->next) {
            pool->current = b->next;
        }
        last = b;
    }

    nb = aligned_alloc(SL_POOL_ALIGNMENT, pool->block_size);
    if (nb == NULL) {
        return NULL;
    }
    nb->end = (u_char *) nb + pool->block_size;
    nb->next = NULL;
    nb->failed = 0;
    m = (u_char *) sl_align((uintptr_t) (nb + 1), SL_POOL_ALIGNMENT);
    nb->last = m + size;
    last->next = nb;
    return m;
}


static void *
sl_pool_alloc_large(sl_pool_t *pool, size_t size)
{
    sl_pool_large_t  *l;
    void             *p;

    /* Reuse a record whose memory was freed early. */
    for (l = pool->large; l; l = l->next) {
        if (l->alloc == NULL) {
            break;
        }
    }

    if (l == NULL) {
#ifdef SL_POOL_DEBUG
        l = malloc(sizeof(sl_pool_large_t));
#else
        l = sl_pool_alloc_block(pool, sizeof(sl_pool_large_t),
                                SL_POOL_ALIGNMENT);
#endif
        if (l == NULL) {
            return NULL;
        }
        l->alloc = NULL;
        l->next = pool->large;
        pool->large = l;
    }

    /* posix_memalign does not round the size up, so ASan sees the exact
     * bounds of a debug pool's allocation. */
    if (size > SL_POOL_SIZE_MAX
        || posix_memalign(&p, SL_POOL_ALIGNMENT, sl_max(size, (size_t) 1)))
    {
        return NULL;
    }
    l->alloc = p;
    l->size = size;
    return p;
}


sl_int_t
sl_pfree(sl_pool_t *pool, void *p)
{
    sl_pool_large_t  *l;

    if (p == NULL) {
        return SL_DECLINED;
    }
    for (l = pool->large; l; l = l->next) {
        if (l->alloc == p) {
            free(p);
            l->alloc = NULL;
            return SL_OK;
        }
    }
    return SL_DECLINED;
}


sl_pool_cleanup_t *
sl_pool_cleanup_add(sl_pool_t *pool, sl_pool_cleanup_pt handler, void *data)
{
    sl_pool_cleanup_t  *c;

    c = sl_palloc(pool, sizeof(sl_pool_cleanup_t));
    if (c == NULL) {
        return NULL;
    }
    c->handler = handler;
    c->data = data;
    c->next = pool->cleanup;
    pool->cleanup = c;
    return c;
}
