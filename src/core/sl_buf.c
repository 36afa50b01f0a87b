/*
 * sl_buf.c: buffer and chain allocation (core layer); see sl_buf.h.
 */
#include "sl_core.h"


sl_buf_t *
sl_buf_calloc(sl_pool_t *pool)
{
    sl_buf_t  *b;

    b = sl_pcalloc(pool, sizeof(sl_buf_t));
    if (b) {
        b->fd = -1;
    }
    return b;
}


sl_buf_t *
sl_buf_create_temp(sl_pool_t *pool, size_t size)
{
    sl_buf_t  *b;

    b = sl_buf_calloc(pool);
    if (b == NULL) {
        return NULL;
    }
    b->start = sl_pnalloc(pool, size);
    if (b->start == NULL) {
        return NULL;
    }
    b->pos = b->start;
    b->last = b->start;
    b->end = b->start + size;
    b->temporary = 1;
    return b;
}


sl_buf_t *
sl_buf_malloc(size_t size)
{
    sl_buf_t  *b;

    if (size > SIZE_MAX - sizeof(sl_buf_t)) {
        return NULL;
    }
    b = malloc(sizeof(sl_buf_t) + size);
    if (b == NULL) {
        return NULL;
    }
    memset(b, 0, sizeof(sl_buf_t));
    b->start = (u_char *) (b + 1);
    b->pos = b->start;
    b->last = b->start;
    b->end = b->start + size;
    b->temporary = 1;
    b->fd = -1;
    return b;
}


sl_chain_t *
sl_chain_alloc(sl_pool_t *pool, sl_buf_t *b)
{
    sl_chain_t  *cl;

    cl = sl_palloc(pool, sizeof(sl_chain_t));
    if (cl) {
        cl->buf = b;
        cl->next = NULL;
    }
    return cl;
}


off_t
sl_chain_size(const sl_chain_t *cl)
{
    off_t  n;

    for (n = 0; cl; cl = cl->next) {
        n += sl_buf_size(cl->buf);
    }
    return n;
}
