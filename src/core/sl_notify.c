/*
 * sl_notify.c: sd_notify wrappers (core layer); see sl_notify.h. Failures
 * to notify are ignored on purpose: systemd not listening must never stop
 * the server.
 */
#include "sl_core.h"
#include "sl_notify.h"

#include <systemd/sd-daemon.h>


void
sl_notify_ready(const char *status)
{
    (void) sd_notifyf(0, "READY=1\nMAINPID=%lu\nSTATUS=%s",
                      (unsigned long) getpid(), status);
}


void
sl_notify_reloading(void)
{
    struct timespec  ts;
    uint64_t         usec;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    usec = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
    (void) sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
                      (unsigned long long) usec);
}


void
sl_notify_stopping(const char *status)
{
    (void) sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status);
}


void
sl_notify_status(const char *status)
{
    (void) sd_notifyf(0, "STATUS=%s", status);
}


void
sl_notify_watchdog(void)
{
    (void) sd_notify(0, "WATCHDOG=1");
}


void
sl_notify_extend_timeout(uint64_t usec)
{
    (void) sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu",
                      (unsigned long long) usec);
}


void
sl_notify_fdstore(const char *name, const int *fds, unsigned n)
{
    char  msg[320];

    (void) snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
    (void) sd_pid_notify_with_fds(0, 0, msg, fds, n);
}


void
sl_notify_fdstore_remove(const char *name)
{
    (void) sd_notifyf(0, "FDSTOREREMOVE=1\nFDNAME=%s", name);
}


sl_msec_t
sl_notify_watchdog_interval(void)
{
    uint64_t  usec;

    if (sd_watchdog_enabled(0, &usec) <= 0) {
        return 0;
    }
    return (sl_msec_t) (usec / 2000);
}
