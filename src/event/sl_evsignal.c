/*
 * sl_evsignal.c: signals delivered into the loop (event layer); see
 * sl_event.h. The signals are blocked and read from one signalfd, so a
 * signal handler is an ordinary loop handler: it may log, allocate and
 * touch connections, which an asynchronous handler never could.
 */
#include "sl_core.h"
#include "sl_event.h"
#include "sl_loop.h"

#include <pthread.h>
#include <sys/signalfd.h>

static sl_int_t sl_evsignal_open(sl_loop_t *loop);
static void sl_evsignal_handler(sl_event_t *ev);
static void sl_evsignal_dispatch(sl_loop_t *loop, int signo);


sl_int_t
sl_loop_signal_add(sl_loop_t *loop, int signo, sl_signal_handler_pt handler,
    void *data)
{
    sl_loop_signal_t  *s;
    sigset_t           one;
    unsigned           i;
    int                rc;

    for (i = 0; i < loop->nsignals; i++) {
        if (loop->signals[i].signo == signo) {
            break;
        }
    }
    if (i == SL_LOOP_SIGNALS_MAX) {
        sl_log_error(SL_LOG_ALERT, loop->log, 0, "more than %d signals",
                     SL_LOOP_SIGNALS_MAX);
        return SL_ERROR;
    }
    if (sigemptyset(&one) == -1 || sigaddset(&one, signo) == -1) {
        sl_log_error(SL_LOG_ALERT, loop->log, errno, "bad signal %d", signo);
        return SL_ERROR;
    }
    rc = pthread_sigmask(SIG_BLOCK, &one, NULL);
    if (rc != 0) {
        sl_log_error(SL_LOG_ALERT, loop->log, rc, "pthread_sigmask() failed");
        return SL_ERROR;
    }
    (void) sigaddset(&loop->sigmask, signo);
    if (sl_evsignal_open(loop) != SL_OK) {
        return SL_ERROR;
    }

    s = &loop->signals[i];
    s->signo = signo;
    s->handler = handler;
    s->data = data;
    if (i == loop->nsignals) {
        loop->nsignals++;
    }
    return SL_OK;
}


/* Creates the signalfd, or updates its mask when it exists. */
static sl_int_t
sl_evsignal_open(sl_loop_t *loop)
{
    int  fd;

    fd = signalfd(loop->sig.fd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd == -1) {
        sl_log_error(SL_LOG_ALERT, loop->log, errno, "signalfd() failed");
        return SL_ERROR;
    }
    if (loop->sig.fd != -1) {
        return SL_OK;
    }
    sl_conn_init(&loop->sig, fd);
    loop->sig.data = loop;
    loop->sig.read.handler = sl_evsignal_handler;
    if (sl_loop_add_level(loop, &loop->sig) != SL_OK) {
        sl_conn_close(loop, &loop->sig);
        return SL_ERROR;
    }
    return SL_OK;
}


void
sl_evsignal_cleanup(sl_loop_t *loop)
{
    if (loop->sig.fd != -1) {
        sl_conn_close(loop, &loop->sig);
    }
}


static void
sl_evsignal_handler(sl_event_t *ev)
{
    struct signalfd_siginfo   si;
    sl_conn_t                *c;
    sl_loop_t                *loop;
    ssize_t                   n;
    sl_err_t                  err;

    c = ev->data;
    loop = c->data;
    for ( ;; ) {
        n = read(c->fd, &si, sizeof(si));
        if (n == -1) {
            err = errno;
            if (err != EAGAIN && err != EINTR) {
                sl_log_error(SL_LOG_ALERT, loop->log, err,
                             "read() of signalfd failed");
            }
            return;
        }
        if (n != (ssize_t) sizeof(si)) {
            sl_log_error(SL_LOG_ALERT, loop->log, 0,
                         "short read() of signalfd: %zd", n);
            return;
        }
        sl_evsignal_dispatch(loop, (int) si.ssi_signo);
    }
}


static void
sl_evsignal_dispatch(sl_loop_t *loop, int signo)
{
    unsigned  i;

    for (i = 0; i < loop->nsignals; i++) {
        if (loop->signals[i].signo == signo) {
            loop->signals[i].handler(signo, loop->signals[i].data);
            return;
        }
    }
}
