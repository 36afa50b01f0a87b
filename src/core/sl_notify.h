/*
 * sl_notify.h: the systemd notification protocol (core layer), through
 * libsystemd's sd_notify. Every call is a no-op when NOTIFY_SOCKET is not
 * set, so the server runs the same outside systemd.
 */
#ifndef SL_NOTIFY_H
#define SL_NOTIFY_H

/* READY=1, MAINPID and a STATUS line. */
void sl_notify_ready(const char *status);

/* RELOADING=1 with MONOTONIC_USEC, as Type=notify-reload expects. */
void sl_notify_reloading(void);

/* STOPPING=1 with a STATUS line. */
void sl_notify_stopping(const char *status);

/* STATUS=... alone. */
void sl_notify_status(const char *status);

/* WATCHDOG=1. */
void sl_notify_watchdog(void);

/* EXTEND_TIMEOUT_USEC=usec: a long drain must not be killed. */
void sl_notify_extend_timeout(uint64_t usec);

/*
 * FDSTORE=1 with FDNAME=name: systemd keeps a copy of the n descriptors
 * fds for the service (FileDescriptorStoreMax=) and passes them back with
 * LISTEN_FDS / LISTEN_FDNAMES when it starts the service again.
 */
void sl_notify_fdstore(const char *name, const int *fds, unsigned n);

/* FDSTOREREMOVE=1 with FDNAME=name: systemd closes its copies. */
void sl_notify_fdstore_remove(const char *name);

/*
 * The watchdog interval in milliseconds (half of WATCHDOG_USEC, as
 * sd_watchdog_enabled advises), or 0 when the watchdog is off.
 */
sl_msec_t sl_notify_watchdog_interval(void);

#endif /* SL_NOTIFY_H */
