/*
 * sl_time.c: the cached clock and HTTP date formatting and parsing (core
 * layer); see sl_time.h. Formatting is our own table code rather than
 * strftime so that it ignores the locale and costs no system calls.
 */
#include "sl_core.h"

volatile sl_msec_t  sl_current_msec;
volatile time_t     sl_current_sec;
sl_str_t            sl_cached_log_time;
sl_str_t            sl_cached_http_time;
sl_str_t            sl_cached_access_time;

/* Room for any int the formats could print, so no truncation is possible. */
static u_char  sl_time_log_buf[64];
static u_char  sl_time_http_buf[64];
static u_char  sl_time_access_buf[64];

static const char  *sl_time_wday[] = {
    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char  *sl_time_mon[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

static void sl_time_format_cached(time_t sec);
static int sl_time_month_index(const u_char *p);
static int sl_time_two_digits(const u_char *p);
static int sl_time_four_digits(const u_char *p);
static const u_char *sl_time_parse_imf(const u_char *d, struct tm *tm);
static const u_char *sl_time_parse_rfc850(const u_char *d, struct tm *tm);
static const u_char *sl_time_parse_asctime(const u_char *p, struct tm *tm);
static sl_int_t sl_time_parse_clock(const u_char *d, struct tm *tm);
static time_t sl_time_from_fields(struct tm *tm);


sl_msec_t
sl_time_monotonic_msec(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (sl_msec_t) ts.tv_sec * 1000 + (sl_msec_t) ts.tv_nsec / 1000000;
}


void
sl_time_update(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    sl_current_msec = (sl_msec_t) ts.tv_sec * 1000
                      + (sl_msec_t) ts.tv_nsec / 1000000;

    /* CLOCK_REALTIME_COARSE is a vDSO read with no syscall; a second's
     * resolution is all the strings need. */
    (void) clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec != sl_current_sec || sl_cached_log_time.len == 0) {
        sl_current_sec = ts.tv_sec;
        sl_time_format_cached(ts.tv_sec);
    }
}


static void
sl_time_format_cached(time_t sec)
{
    struct tm  tm;
    int        n;

    sl_time_gmtime(sec, &tm);

    n = snprintf((char *) sl_time_log_buf, sizeof(sl_time_log_buf),
                 "%04d/%02d/%02d %02d:%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    sl_cached_log_time.data = sl_time_log_buf;
    sl_cached_log_time.len = (size_t) n;

    (void) sl_time_http(sl_time_http_buf, sec);
    sl_cached_http_time.data = sl_time_http_buf;
    sl_cached_http_time.len = SL_HTTP_TIME_LEN;

    n = snprintf((char *) sl_time_access_buf, sizeof(sl_time_access_buf),
                 "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
                 sl_time_mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);
    sl_cached_access_time.data = sl_time_access_buf;
    sl_cached_access_time.len = (size_t) n;
}


/*
 * Days are counted in 400-year eras (146,097 days each) that start on
 * 1 March: the leap day is then the last day of its year, so the month
 * and day follow from the day of that year with one linear formula (the
 * months from March have lengths 31 30 31 30 31 repeating, 153 days per
 * five months).
 */
void
sl_time_gmtime(time_t t, struct tm *tm)
{
    int64_t  days, secs, era, doe, yoe, doy, mp, year;
    int      leap;

    days = (int64_t) t / 86400;
    secs = (int64_t) t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    memset(tm, 0, sizeof(*tm));
    tm->tm_hour = (int) (secs / 3600);
    tm->tm_min = (int) (secs / 60 % 60);
    tm->tm_sec = (int) (secs % 60);
    tm->tm_wday = (int) ((days % 7 + 11) % 7);     /* 1 Jan 1970: Thursday */

    days += 719468;                 /* 1 March of year 0 to 1 January 1970 */
    era = (days >= 0 ? days : days - 146096) / 146097;
    doe = days - era * 146097;                                 /* 0..146096 */
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;   /* 0..399 */
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             /* 0..365 */
    mp = (5 * doy + 2) / 153;                          /* 0 is March */
    tm->tm_mday = (int) (doy - (153 * mp + 2) / 5 + 1);
    tm->tm_mon = (int) (mp < 10 ? mp + 2 : mp - 10);
    year = yoe + era * 400 + (tm->tm_mon < 2);
    tm->tm_year = (int) (year - 1900);
    leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    tm->tm_yday = (int) (tm->tm_mon >= 2 ? doy + 59 + leap : doy - 306);
}


u_char *
sl_time_http(u_char *p, time_t t)
{
    static const char  digits[] = "0123456789";
    struct tm          tm;
    int                year;

    /* Written by hand: snprintf cannot prove the width of a 4-digit year,
     * and this runs for every Last-Modified header. */
    sl_time_gmtime(t, &tm);
    year = (tm.tm_year + 1900) % 10000;
    p = sl_cpymem(p, sl_time_wday[tm.tm_wday], 3);
    *p++ = ',';
    *p++ = ' ';
    *p++ = digits[tm.tm_mday / 10];
    *p++ = digits[tm.tm_mday % 10];
    *p++ = ' ';
    p = sl_cpymem(p, sl_time_mon[tm.tm_mon], 3);
    *p++ = ' ';
    *p++ = digits[year / 1000];
    *p++ = digits[year / 100 % 10];
    *p++ = digits[year / 10 % 10];
    *p++ = digits[year % 10];
    *p++ = ' ';
    *p++ = digits[tm.tm_hour / 10];
    *p++ = digits[tm.tm_hour % 10];
    *p++ = ':';
    *p++ = digits[tm.tm_min / 10];
    *p++ = digits[tm.tm_min % 10];
    *p++ = ':';
    *p++ = digits[tm.tm_sec / 10];
    *p++ = digits[tm.tm_sec % 10];
    return sl_cpymem_lit(p, " GMT");
}


static int
sl_time_month_index(const u_char *p)
{
    int  i;

    for (i = 0; i < 12; i++) {
        if (memcmp(p, sl_time_mon[i], 3) == 0) {
            return i;
        }
    }
    return -1;
}


static int
sl_time_two_digits(const u_char *p)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') {
        return -1;
    }
    return (p[0] - '0') * 10 + (p[1] - '0');
}


/* A year of four digits at p, or -1. */
static int
sl_time_four_digits(const u_char *p)
{
    int  hi, lo;

    hi = sl_time_two_digits(p);
    lo = sl_time_two_digits(p + 2);
    return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}


/*
 * Accepts the three forms of RFC 9110 section 5.6.7, by length:
 *   IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT"      (29)
 *   RFC 850     "Sunday, 06-Nov-94 08:49:37 GMT"     (30..33)
 *   asctime     "Sun Nov  6 08:49:37 1994"           (24)
 * The form gives where the date and the time of day are; then the fields
 * are checked and the date must exist.
 */
time_t
sl_time_parse_http(const u_char *p, size_t len)
{
    const u_char  *comma, *d;
    struct tm      tm;

    memset(&tm, 0, sizeof(tm));
    comma = memchr(p, ',', len);

    if (len == 29 && comma == p + 3 && p[4] == ' ' && p[7] == ' '
        && p[11] == ' ' && sl_memeq_lit(p + 25, " GMT"))
    {
        d = sl_time_parse_imf(p + 5, &tm);

    } else if (comma && len - (size_t) (comma - p) == 24
               && comma[1] == ' ' && comma[4] == '-' && comma[8] == '-'
               && sl_memeq_lit(comma + 20, " GMT"))
    {
        d = sl_time_parse_rfc850(comma + 2, &tm);

    } else if (len == 24 && p[3] == ' ' && p[7] == ' ' && p[10] == ' '
               && p[19] == ' ')
    {
        d = sl_time_parse_asctime(p, &tm);

    } else {
        return -1;
    }

    if (d == NULL || sl_time_parse_clock(d, &tm) != SL_OK) {
        return -1;
    }
    return sl_time_from_fields(&tm);
}


/* "06 Nov 1994" at d: day, month and year into tm; returns where the time
 * of day starts, or NULL when the year is not digits. */
static const u_char *
sl_time_parse_imf(const u_char *d, struct tm *tm)
{
    int  year;

    year = sl_time_four_digits(d + 7);
    if (year < 0) {
        return NULL;
    }
    tm->tm_mday = sl_time_two_digits(d);
    tm->tm_mon = sl_time_month_index(d + 3);
    tm->tm_year = year - 1900;
    return d + 11;
}


/*
 * "06-Nov-94" at d, as sl_time_parse_imf. RFC 9110 5.6.7: a two-digit
 * year that would be more than 50 years in the future means the most
 * recent past such year.
 */
static const u_char *
sl_time_parse_rfc850(const u_char *d, struct tm *tm)
{
    struct tm  now;
    int        y2, year;

    y2 = sl_time_two_digits(d + 7);
    if (y2 < 0) {
        return NULL;
    }
    sl_time_gmtime(time(NULL), &now);
    year = (now.tm_year + 1900) / 100 * 100 + y2;
    if (year > now.tm_year + 1900 + 50) {
        year -= 100;
    }
    tm->tm_mday = sl_time_two_digits(d);
    tm->tm_mon = sl_time_month_index(d + 3);
    tm->tm_year = year - 1900;
    return d + 9;
}


/* "Sun Nov  6 08:49:37 1994" at p (the day may be one digit after a
 * space), as sl_time_parse_imf. */
static const u_char *
sl_time_parse_asctime(const u_char *p, struct tm *tm)
{
    int  year;

    year = sl_time_four_digits(p + 20);
    if (p[9] < '0' || p[9] > '9' || year < 0) {
        return NULL;
    }
    tm->tm_mon = sl_time_month_index(p + 4);
    tm->tm_mday = p[8] == ' ' ? p[9] - '0' : sl_time_two_digits(p + 8);
    tm->tm_year = year - 1900;
    return p + 10;
}


/* " 08:49:37" at d into tm; SL_OK, or SL_ERROR when it is not that
 * shape. The digits are checked with the other fields. */
static sl_int_t
sl_time_parse_clock(const u_char *d, struct tm *tm)
{
    if (d[0] != ' ' || d[3] != ':' || d[6] != ':') {
        return SL_ERROR;
    }
    tm->tm_hour = sl_time_two_digits(d + 1);
    tm->tm_min = sl_time_two_digits(d + 4);
    tm->tm_sec = sl_time_two_digits(d + 7);
    return SL_OK;
}


/* The time the fields of tm name, or -1 when one is out of range (a
 * field that was not digits is -1) or the date does not exist. */
static time_t
sl_time_from_fields(struct tm *tm)
{
    struct tm  check;
    time_t     t;
    int        day, mon;

    if (tm->tm_mday < 1 || tm->tm_mday > 31 || tm->tm_mon < 0
        || tm->tm_hour < 0 || tm->tm_hour > 23 || tm->tm_min < 0
        || tm->tm_min > 59 || tm->tm_sec < 0 || tm->tm_sec > 60
        || tm->tm_year < 70)
    {
        return -1;
    }
    day = tm->tm_mday;
    mon = tm->tm_mon;
    t = timegm(tm);
    /* timegm rolls 30 Feb over into March: such a date is invalid. */
    if (t == -1) {
        return -1;
    }
    sl_time_gmtime(t, &check);
    if (check.tm_mday != day || check.tm_mon != mon) {
        return -1;
    }
    return t;
}
