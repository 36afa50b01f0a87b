/*
 * sl_freelist.h: a free list of same-size blocks with a cap (core layer).
 * What a worker takes and lets go of over and over at one size (a read
 * buffer, a request pool, a backend connection) is kept here instead of
 * freed, up to max blocks, so the next one costs no malloc. The list only
 * keeps: the caller allocates when it is empty and frees, in its own way
 * (free, sl_pool_destroy), what a full list declines.
 *
 * The blocks are held in an array of pointers, not linked through their
 * own bytes, so a block may be any object (a pool keeps its header) and
 * ASan can poison all of it while it is kept (sl_mem_park): a use after
 * the owner put it back is reported as a use after free would be. The
 * last block put back is the first taken: its memory is the warmest. A
 * zeroed sl_freelist_t is a valid list that keeps nothing.
 */
#ifndef SL_FREELIST_H
#define SL_FREELIST_H

typedef struct {
    void       **items;    /* max slots, n of them used */
    sl_uint_t    n;
    sl_uint_t    max;
    size_t       size;     /* bytes of each block: parked while kept */
} sl_freelist_t;

/*
 * Prepares fl to keep up to max blocks of size bytes each. Returns SL_OK,
 * or SL_ERROR when out of memory (fl is then zeroed: it keeps nothing).
 */
sl_int_t sl_freelist_init(sl_freelist_t *fl, sl_uint_t max, size_t size);

/*
 * Frees every block still kept with free(), and the slots; fl is zeroed.
 * Blocks that need more than free() (a pool) are taken out first with
 * sl_freelist_get.
 */
void sl_freelist_drain(sl_freelist_t *fl);

/* Takes the block put back last; NULL when none is kept. */
static inline void *
sl_freelist_get(sl_freelist_t *fl)
{
    void  *block;

    if (fl->n == 0) {
        return NULL;
    }
    block = fl->items[--fl->n];
    sl_mem_unpark(block, fl->size);
    return block;
}

/*
 * Keeps block (fl->size bytes). Returns SL_OK, or SL_DECLINED when max
 * blocks are kept already: block is still the caller's, to free.
 */
static inline sl_int_t
sl_freelist_put(sl_freelist_t *fl, void *block)
{
    if (fl->n == fl->max) {
        return SL_DECLINED;
    }
    sl_mem_park(block, fl->size);
    fl->items[fl->n++] = block;
    return SL_OK;
}

#endif /* SL_FREELIST_H */
