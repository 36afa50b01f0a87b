/*
 * sl_freelist.c: a free list of same-size blocks with a cap (core layer);
 * see sl_freelist.h. Taking and keeping are inline in the header: they
 * run per request and per connection.
 */
#include "sl_core.h"


sl_int_t
sl_freelist_init(sl_freelist_t *fl, sl_uint_t max, size_t size)
{
    memset(fl, 0, sizeof(sl_freelist_t));
    fl->items = calloc(max ? max : 1, sizeof(void *));
    if (fl->items == NULL) {
        return SL_ERROR;
    }
    fl->max = max;
    fl->size = size;
    return SL_OK;
}


void
sl_freelist_drain(sl_freelist_t *fl)
{
    void  *block;

    while ((block = sl_freelist_get(fl)) != NULL) {
        free(block);
    }
    free(fl->items);
    memset(fl, 0, sizeof(sl_freelist_t));
}
