/*
 * sl_process.h: the master process and the worker processes' side of it
 * (core layer). The master forks workers for a cycle, supervises them
 * (respawning one that dies, with backoff), and acts on signals: reload
 * with a handshake (the new generation must say it is accepting before the
 * old one is told to drain), graceful and fast stop, log reopening. It
 * knows nothing of HTTP: src/sluice.c hands it the worker entry function.
 */
#ifndef SL_PROCESS_H
#define SL_PROCESS_H

#include "sl_cycle.h"

/*
 * Runs in a new worker after fork: index is the worker's number within its
 * generation (its reuseport socket), slot its number in the master's table
 * and in the shared heartbeat array. Returns the process exit status.
 */
typedef int (*sl_worker_main_pt)(sl_cycle_t *cycle, sl_uint_t index,
    sl_uint_t slot);

typedef struct {
    sl_worker_main_pt   worker_main;
    const char         *conf_path;     /* reread on reload */
    const char         *exe;           /* this binary's path, for USR2 */
    char *const        *argv;          /* a copy of the command line */
} sl_master_conf_t;

/*
 * Runs the master on an already loaded cycle until it stops. Opens the
 * listen sockets and logs, writes the pid file, forks the workers. Returns
 * the process exit status (0 after a requested stop).
 */
int sl_master_run(sl_cycle_t *cycle, const sl_master_conf_t *mc);

/* Worker side: tells the master this worker is accepting connections. */
void sl_process_worker_ready(void);

/* Worker side: records a loop iteration in the shared heartbeat. */
void sl_process_worker_heartbeat(sl_cycle_t *cycle, sl_uint_t slot);

/*
 * Worker side: whether the master feeds systemd's watchdog, i.e. whether
 * the heartbeat must be kept; without it an idle worker never wakes.
 */
int sl_process_watchdog_on(sl_cycle_t *cycle);

/*
 * Prepares argv so the process title can be rewritten later (moves the
 * environment out of the way). Call once at the start of main.
 */
void sl_process_title_init(int argc, char **argv);

/* Sets the title shown by ps: "sluice: master", "sluice: worker", ... */
void sl_process_title_set(const char *title);

#endif /* SL_PROCESS_H */
