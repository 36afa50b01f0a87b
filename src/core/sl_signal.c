/*
 * sl_signal.c: the master's signal handling (core layer); see sl_signal.h.
 */
#include "sl_core.h"
#include "sl_signal.h"

sl_signal_flags_t  sl_signal_flags;

static const int  sl_signal_handled[] = {
    SIGHUP, SIGQUIT, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD
};

static void sl_signal_master_handler(int signo);


static void
sl_signal_master_handler(int signo)
{
    switch (signo) {
    case SIGHUP:   sl_signal_flags.reload = 1; break;
    case SIGQUIT:  sl_signal_flags.quit = 1; break;
    case SIGTERM:
    case SIGINT:   sl_signal_flags.terminate = 1; break;
    case SIGUSR1:  sl_signal_flags.reopen = 1; break;
    case SIGUSR2:  sl_signal_flags.upgrade = 1; break;
    case SIGWINCH: sl_signal_flags.winch = 1; break;
    case SIGCHLD:  sl_signal_flags.child = 1; break;
    default: break;
    }
}


void
sl_signal_handled_set(sigset_t *set)
{
    size_t  i;

    (void) sigemptyset(set);
    for (i = 0; i < sl_nelem(sl_signal_handled); i++) {
        (void) sigaddset(set, sl_signal_handled[i]);
    }
}


sl_int_t
sl_signal_init_master(sigset_t *sleep_mask, sl_err_t *err)
{
    struct sigaction  sa;
    sigset_t          set;
    size_t            i;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sl_signal_master_handler;
    (void) sigemptyset(&sa.sa_mask);
    for (i = 0; i < sl_nelem(sl_signal_handled); i++) {
        if (sigaction(sl_signal_handled[i], &sa, NULL) == -1) {
            *err = errno;
            return SL_ERROR;
        }
    }
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) == -1) {
        *err = errno;
        return SL_ERROR;
    }

    sl_signal_handled_set(&set);
    if (sigprocmask(SIG_BLOCK, &set, sleep_mask) == -1) {
        *err = errno;
        return SL_ERROR;
    }
    for (i = 0; i < sl_nelem(sl_signal_handled); i++) {
        (void) sigdelset(sleep_mask, sl_signal_handled[i]);
    }
    return SL_OK;
}


sl_int_t
sl_signal_reset_worker(sl_err_t *err)
{
    struct sigaction  sa;
    size_t            i;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    (void) sigemptyset(&sa.sa_mask);
    for (i = 0; i < sl_nelem(sl_signal_handled); i++) {
        if (sigaction(sl_signal_handled[i], &sa, NULL) == -1) {
            *err = errno;
            return SL_ERROR;
        }
    }
    return SL_OK;
}


int
sl_signal_from_command(const char *cmd)
{
    if (strcmp(cmd, "reload") == 0) {
        return SIGHUP;
    }
    if (strcmp(cmd, "quit") == 0) {
        return SIGQUIT;
    }
    if (strcmp(cmd, "stop") == 0) {
        return SIGTERM;
    }
    if (strcmp(cmd, "reopen") == 0) {
        return SIGUSR1;
    }
    return 0;
}
