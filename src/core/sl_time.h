/*
 * sl_time.h: the cached clock (core layer). A process reads the clock once
 * per loop iteration with sl_time_update(); everything else reads the
 * cache: sl_current_msec (CLOCK_MONOTONIC, for timers) and the wall time
 * with its preformatted strings for logs and the HTTP Date header, which
 * are rebuilt only when the second changes. One cache per process; the
 * thread pool's threads must not call these.
 */
#ifndef SL_TIME_H
#define SL_TIME_H

extern volatile sl_msec_t  sl_current_msec;
extern volatile time_t     sl_current_sec;

/* "2026/11/23 09:28:36" for the error log. */
extern sl_str_t  sl_cached_log_time;
/* "Mon, 23 Nov 2026 09:28:36 GMT" for Date and Last-Modified. */
extern sl_str_t  sl_cached_http_time;
/* "23/Nov/2026:09:28:36 +0000" for the combined access log format. */
extern sl_str_t  sl_cached_access_time;

#define SL_HTTP_TIME_LEN   sl_lit_len("Mon, 23 Nov 2026 09:28:36 GMT")

/* Reads both clocks and refreshes the strings when the second changed. */
void sl_time_update(void);

/* Reads CLOCK_MONOTONIC now, in milliseconds, without touching the cache. */
sl_msec_t sl_time_monotonic_msec(void);

/*
 * t as UTC calendar fields, like gmtime_r, by arithmetic: glibc's takes the
 * time zone lock on every call, and a Last-Modified header is formatted on
 * every response. Fills year, month, day, hour, minute, second, weekday and
 * day of the year; the rest is zero.
 */
void sl_time_gmtime(time_t t, struct tm *tm);

/* Writes t as an IMF-fixdate (RFC 9110) at p; returns p + SL_HTTP_TIME_LEN. */
u_char *sl_time_http(u_char *p, time_t t);

/*
 * Parses an HTTP date (IMF-fixdate, and the obsolete RFC 850 and asctime
 * forms a recipient must accept). Returns the time, or -1 when invalid.
 */
time_t sl_time_parse_http(const u_char *p, size_t len);

#endif /* SL_TIME_H */
