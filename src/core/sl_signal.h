/*
 * sl_signal.h: the master's signal handling (core layer). Handlers only
 * set flags; the master blocks these signals except while it sleeps in
 * ppoll, so a signal can never be missed between checking the flags and
 * going to sleep. Workers inherit the blocked mask and take the same
 * signals through their event loop (signalfd).
 */
#ifndef SL_SIGNAL_H
#define SL_SIGNAL_H

typedef struct {
    volatile sig_atomic_t  reload;      /* HUP */
    volatile sig_atomic_t  quit;        /* QUIT: graceful */
    volatile sig_atomic_t  terminate;   /* TERM, INT: fast */
    volatile sig_atomic_t  reopen;      /* USR1 */
    volatile sig_atomic_t  upgrade;     /* USR2 */
    volatile sig_atomic_t  winch;       /* WINCH: stop workers, keep master */
    volatile sig_atomic_t  child;       /* CHLD */
} sl_signal_flags_t;

extern sl_signal_flags_t  sl_signal_flags;

/*
 * Installs the master's handlers and blocks the signals; the mask to sleep
 * with (nothing blocked that we handle) is returned in sleep_mask. Returns
 * SL_OK or SL_ERROR with errno in err.
 */
sl_int_t sl_signal_init_master(sigset_t *sleep_mask, sl_err_t *err);

/*
 * In a freshly forked worker: restores default dispositions (the signals
 * stay blocked for the worker's signalfd). Returns SL_OK or SL_ERROR.
 */
sl_int_t sl_signal_reset_worker(sl_err_t *err);

/* The set of signals the master handles (for a worker's signalfd). */
void sl_signal_handled_set(sigset_t *set);

/* Maps "reload", "quit", "stop", "reopen" to a signal number, or 0. */
int sl_signal_from_command(const char *cmd);

#endif /* SL_SIGNAL_H */
