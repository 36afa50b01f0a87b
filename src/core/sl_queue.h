/*
 * sl_queue.h: an intrusive circular doubly-linked list (core layer). A node
 * is embedded in the owning struct; sl_queue_data recovers the owner. Used
 * for posted events, free lists and keep-alive pools: O(1) insert/remove
 * and no allocation.
 */
#ifndef SL_QUEUE_H
#define SL_QUEUE_H

typedef struct sl_queue_s sl_queue_t;

struct sl_queue_s {
    sl_queue_t *prev;
    sl_queue_t *next;
};

#define sl_queue_init(q)      ((q)->prev = (q), (q)->next = (q))
#define sl_queue_empty(h)     ((h) == (h)->prev)
#define sl_queue_head(h)      ((h)->next)
#define sl_queue_last(h)      ((h)->prev)
#define sl_queue_sentinel(h)  (h)
#define sl_queue_next(q)      ((q)->next)
#define sl_queue_data(q, type, link) sl_container_of(q, type, link)

/* Functions, not macros: each argument is evaluated once, so
 * sl_queue_remove(sl_queue_head(h)) is safe. */
static inline void
sl_queue_insert_tail(sl_queue_t *h, sl_queue_t *x)
{
    x->prev = h->prev;
    x->prev->next = x;
    x->next = h;
    h->prev = x;
}


static inline void
sl_queue_insert_head(sl_queue_t *h, sl_queue_t *x)
{
    x->next = h->next;
    x->next->prev = x;
    x->prev = h;
    h->next = x;
}


/* Removing leaves the node self-linked, so a second remove is harmless. */
static inline void
sl_queue_remove(sl_queue_t *x)
{
    x->next->prev = x->prev;
    x->prev->next = x->next;
    x->prev = x;
    x->next = x;
}

#endif /* SL_QUEUE_H */
