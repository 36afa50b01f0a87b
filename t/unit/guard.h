/*
 * guard.h: over-read and over-write traps for parser tests (t/unit test
 * helper, header only). A guard is one anonymous mapping: some readable,
 * writable pages followed by a PROT_NONE page. sl_guard_put copies test
 * input so that its last byte is the last byte before the PROT_NONE page:
 * a parser that reads even one byte past the length it was given faults
 * at once, under any build, sanitizers or not. sl_guard_buf hands out an
 * output buffer the same way, to catch a write past its end.
 *
 * Usage:
 *     sl_guard_t  g;
 *     sl_guard_init(&g, 65536);            (fails the test on error)
 *     p = sl_guard_put(&g, input, len);    (p + len is the trap)
 *     ...
 *     sl_guard_free(&g);
 * Each put reuses the same pages, so the pointer returned moves with len:
 * earlier pointers into the guard then see other bytes, which is what a
 * parser that re-bases after the caller moved its buffer must cope with.
 */
#ifndef SL_TEST_GUARD_H
#define SL_TEST_GUARD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
    unsigned char  *map;        /* the whole mapping */
    size_t          size;       /* usable bytes, a multiple of the page */
    size_t          page;
} sl_guard_t;


/*
 * Maps at least cap usable bytes plus a PROT_NONE page. Returns 0, or -1
 * with errno set (the caller fails its test).
 */
static inline int
sl_guard_init(sl_guard_t *g, size_t cap)
{
    long   page;
    void  *m;

    page = sysconf(_SC_PAGESIZE);
    if (page <= 0) {
        return -1;
    }
    g->page = (size_t) page;
    g->size = (cap + g->page - 1) / g->page * g->page;
    if (g->size == 0) {
        g->size = g->page;
    }
    m = mmap(NULL, g->size + g->page, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        return -1;
    }
    g->map = m;
    if (mprotect(g->map + g->size, g->page, PROT_NONE) == -1) {
        (void) munmap(m, g->size + g->page);
        return -1;
    }
    return 0;
}


/* Unmaps the guard; a zeroed or freed guard is fine. */
static inline void
sl_guard_free(sl_guard_t *g)
{
    if (g->map != NULL) {
        (void) munmap(g->map, g->size + g->page);
        g->map = NULL;
    }
}


/*
 * Returns a pointer to len writable bytes that end right at the trap, or
 * NULL when len is more than the guard holds. The bytes before it are
 * filled with 0xEE so a read before the start sees junk, not zeros.
 */
static inline unsigned char *
sl_guard_buf(sl_guard_t *g, size_t len)
{
    unsigned char  *p;

    if (len > g->size) {
        return NULL;
    }
    p = g->map + g->size - len;
    memset(g->map, 0xEE, g->size - len);
    return p;
}


/* Copies data[0..len) to the end of the guard; NULL when it does not fit. */
static inline unsigned char *
sl_guard_put(sl_guard_t *g, const void *data, size_t len)
{
    unsigned char  *p;

    if (len > g->size) {
        return NULL;
    }
    p = g->map + g->size - len;
    if (len != 0) {
        memmove(p, data, len);      /* data may be an earlier put */
    }
    memset(g->map, 0xEE, g->size - len);
    return p;
}

#endif /* SL_TEST_GUARD_H */
