/*
 * sl_pool.h: region memory pools (core layer). A pool is created for one
 * lifetime (a config cycle, a connection, a request) and destroyed as a
 * whole; cleanups registered on it run at destroy, in reverse order, so
 * descriptors and other resources die with the memory that refers to them.
 * Small allocations bump a pointer inside blocks; large ones are separate
 * mallocs that sl_pfree may return early. With SL_POOL_DEBUG every
 * allocation is its own malloc so ASan sees exact bounds.
 * Allocation failure returns NULL and never aborts.
 */
#ifndef SL_POOL_H
#define SL_POOL_H

typedef void (*sl_pool_cleanup_pt)(void *data);

typedef struct sl_pool_cleanup_s  sl_pool_cleanup_t;
typedef struct sl_pool_large_s    sl_pool_large_t;
typedef struct sl_pool_block_s    sl_pool_block_t;

struct sl_pool_cleanup_s {
    sl_pool_cleanup_pt   handler;
    void                *data;
    sl_pool_cleanup_t   *next;
};

/* An allocation too large for a block: malloc'd on its own. */
struct sl_pool_large_s {
    sl_pool_large_t     *next;
    void                *alloc;    /* NULL once freed early (sl_pfree) */
    size_t               size;
};

struct sl_pool_block_s {
    u_char              *last;
    u_char              *end;
    sl_pool_block_t     *next;
    unsigned             failed;   /* times this block could not serve */
};

struct sl_pool_s {
    sl_pool_block_t      first;    /* header of the memory that holds us */
    sl_pool_block_t     *current;  /* first block worth trying */
    sl_pool_large_t     *large;
    sl_pool_cleanup_t   *cleanup;
    size_t               max_small;
    size_t               block_size;
};

#define SL_POOL_ALIGNMENT  16
#define SL_POOL_MIN_SIZE   256

/*
 * Creates a pool whose blocks are size bytes (at least SL_POOL_MIN_SIZE,
 * header included). Returns NULL when out of memory.
 */
sl_pool_t *sl_pool_create(size_t size);

/* Runs the cleanups (last added first), then frees all memory. NULL is ok. */
void sl_pool_destroy(sl_pool_t *pool);

/*
 * Runs the cleanups and frees everything allocated from pool but its
 * first block: the pool is as sl_pool_create made it, ready for another
 * lifetime of the same kind (a request) without a malloc.
 */
void sl_pool_reset(sl_pool_t *pool);

/* Aligned allocation; NULL when out of memory. */
void *sl_palloc(sl_pool_t *pool, size_t size);

/* Aligned, zeroed allocation; NULL when out of memory. */
void *sl_pcalloc(sl_pool_t *pool, size_t size);

/* Unaligned allocation for byte strings; NULL when out of memory. */
void *sl_pnalloc(sl_pool_t *pool, size_t size);

/*
 * Frees p early if it was a large allocation of this pool; returns SL_OK,
 * or SL_DECLINED when p is a small allocation (it lives until destroy).
 */
sl_int_t sl_pfree(sl_pool_t *pool, void *p);

/*
 * Registers handler(data) to run at destroy. Returns the cleanup record
 * (the caller may set handler to NULL to cancel it), or NULL on OOM.
 */
sl_pool_cleanup_t *sl_pool_cleanup_add(sl_pool_t *pool,
    sl_pool_cleanup_pt handler, void *data);

/*
 * Memory kept for reuse instead of freed is poisoned in ASan builds while
 * it is parked, so a use after its owner let go is reported as a use after
 * free would be. Nothing in other builds.
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define sl_mem_park(p, n)    ASAN_POISON_MEMORY_REGION(p, n)
#define sl_mem_unpark(p, n)  ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define sl_mem_park(p, n)    ((void) (p), (void) (n))
#define sl_mem_unpark(p, n)  ((void) (p), (void) (n))
#endif

#endif /* SL_POOL_H */
