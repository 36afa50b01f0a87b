/*
 * bench_event.h: what the event-loop benchmark's driver (bench_event.c)
 * shares with the per-library parts (bench_libevent.c, bench_libev.c).
 * libevent and libev cannot share a translation unit (both define
 * EV_READ), hence one file per library.
 */
#ifndef BENCH_EVENT_H
#define BENCH_EVENT_H

typedef struct {
    int   *fds;          /* pair i: fds[2i] is read, fds[2i+1] written */
    int    pairs;
    int    left;         /* writes left in this run */
    int    fired;        /* bytes written in this run */
    int    count;        /* bytes read in this run */
} bench_t;

/* One event loop under test. */
typedef struct {
    const char   *name;
    int         (*init)(bench_t *b);      /* a new loop: 0 or -1 */
    void        (*arm)(bench_t *b);       /* (re)register every watcher;
                                             exits on failure */
    void        (*flush)(bench_t *b);     /* NULL, or applies registrations
                                             the loop defers */
    int         (*run_once)(bench_t *b);  /* one blocking iteration */
    void        (*done)(bench_t *b);      /* destroys the loop */
} bench_loop_t;

/* The callback's work, the same for every loop: read the byte of pair
 * idx, write one to the next pair while writes are left. */
void bench_on_readable(bench_t *b, int idx, int fd);

extern bench_t             bench;
extern const bench_loop_t  bench_loop_libevent;
extern const bench_loop_t  bench_loop_libev;

#endif /* BENCH_EVENT_H */
