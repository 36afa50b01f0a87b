/*
 * sl_buf.h: buffers and buffer chains (core layer). A buffer describes
 * either memory [pos, last) inside [start, end) or a file range
 * [file_pos, file_last) of fd; output is a chain of them, written with
 * writev or sendfile. Buffers live in a pool; the tag names the module that
 * owns a reusable buffer so a free list only takes back its own.
 */
#ifndef SL_BUF_H
#define SL_BUF_H

struct sl_buf_s {
    u_char      *pos;
    u_char      *last;
    u_char      *start;
    u_char      *end;
    off_t        file_pos;
    off_t        file_last;
    int          fd;
    const void  *tag;

    unsigned     temporary:1;   /* memory we may change */
    unsigned     memory:1;      /* read-only memory (a cache, a constant) */
    unsigned     in_file:1;     /* the data is the file range */
    unsigned     last_buf:1;    /* the last buffer of the response */
    unsigned     flush:1;       /* send what is queued now */
};

struct sl_chain_s {
    sl_buf_t    *buf;
    sl_chain_t  *next;
};

#define sl_buf_in_memory(b)  ((b)->temporary || (b)->memory)
#define sl_buf_size(b)                                                      \
    ((b)->in_file ? (off_t) ((b)->file_last - (b)->file_pos)                \
                  : (off_t) ((b)->last - (b)->pos))

/*
 * Allocates a temporary buffer with size bytes of memory from pool.
 * Returns NULL on OOM. pos == last == start.
 */
sl_buf_t *sl_buf_create_temp(sl_pool_t *pool, size_t size);

/*
 * Allocates a temporary buffer and its size bytes in one malloc, outside
 * any pool: for a buffer a worker keeps across requests and connections
 * (sl_freelist_t). free(b) releases both. Returns NULL on OOM. pos ==
 * last == start.
 */
sl_buf_t *sl_buf_malloc(size_t size);

/* Allocates a zeroed buffer header with no memory; NULL on OOM. */
sl_buf_t *sl_buf_calloc(sl_pool_t *pool);

/* Allocates one chain link for b; NULL on OOM. */
sl_chain_t *sl_chain_alloc(sl_pool_t *pool, sl_buf_t *b);

/* Total bytes described by the chain. */
off_t sl_chain_size(const sl_chain_t *cl);

#endif /* SL_BUF_H */
