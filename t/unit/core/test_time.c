/*
 * test_time.c: unit tests of the cached clock and of HTTP date formatting
 * and parsing (core layer, sl_time.c). Dates are table rows; a failure
 * names the row and its line. strftime in the C locale is the independent
 * oracle for the round trips.
 */
#include "sl_core.h"

#include <setjmp.h>
#include <cmocka.h>

#define TEST_ROW(name)  name, __LINE__
#define TEST_SUNDAY     784111777    /* Sun, 06 Nov 1994 08:49:37 GMT */


/*
 * Parses exactly len bytes copied into a heap buffer of that size, so a
 * sanitizer build catches any read past the end.
 */
static time_t
test_time_parse(const char *s, size_t len)
{
    u_char  *copy;
    time_t   t;

    copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, s, len);
    t = sl_time_parse_http(copy, len);
    free(copy);
    return t;
}


/*
 * True when s matches pat: '9' a digit, 'a' an ASCII letter, anything
 * else itself.
 */
static int
test_time_shape(const sl_str_t *s, const char *pat)
{
    size_t  i;
    u_char  c;

    if (s->data == NULL || s->len != strlen(pat)) {
        return 0;
    }
    for (i = 0; i < s->len; i++) {
        c = s->data[i];
        if (pat[i] == '9' ? (c < '0' || c > '9')
            : pat[i] == 'a' ? !((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
            : c != (u_char) pat[i])
        {
            return 0;
        }
    }
    return 1;
}


typedef struct {
    const char  *name;
    int          line;
    time_t       t;
    const char  *text;
} test_time_row_t;

static const test_time_row_t  test_time_format_rows[] = {
    { TEST_ROW("the RFC example"), TEST_SUNDAY,
      "Sun, 06 Nov 1994 08:49:37 GMT" },
    { TEST_ROW("the epoch"), 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
    { TEST_ROW("leap day"), 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },
    { TEST_ROW("end of leap day"), 951868799,
      "Tue, 29 Feb 2000 23:59:59 GMT" },
    { TEST_ROW("last 32-bit second"), 2147483647,
      "Tue, 19 Jan 2038 03:14:07 GMT" },
    { TEST_ROW("first second past 32 bits"), INT64_C(2147483648),
      "Tue, 19 Jan 2038 03:14:08 GMT" },
    { TEST_ROW("year 2100"), INT64_C(4102444800),
      "Fri, 01 Jan 2100 00:00:00 GMT" },
    { TEST_ROW("last second of 9999"), INT64_C(253402300799),
      "Fri, 31 Dec 9999 23:59:59 GMT" },
    { TEST_ROW("a friday the 13th"), 1234567890,
      "Fri, 13 Feb 2009 23:31:30 GMT" },
};


static void
test_time_http_formats_known_times_exactly(void **state)
{
    const test_time_row_t  *r;
    u_char                  buf[SL_HTTP_TIME_LEN + 8], *p;
    size_t                  i;

    (void) state;
    assert_int_equal(SL_HTTP_TIME_LEN, 29);
    for (i = 0; i < sl_nelem(test_time_format_rows); i++) {
        r = &test_time_format_rows[i];
        memset(buf, '#', sizeof(buf));
        p = sl_time_http(buf, r->t);
        if (p != buf + SL_HTTP_TIME_LEN
            || memcmp(buf, r->text, SL_HTTP_TIME_LEN) != 0
            || buf[SL_HTTP_TIME_LEN] != '#')
        {
            fail_msg("row \"%s\" (line %d): wrote \"%.*s\", expected \"%s\"",
                     r->name, r->line, (int) SL_HTTP_TIME_LEN, buf, r->text);
        }
    }
}


static void
test_time_check_accepts(const test_time_row_t *rows, size_t n)
{
    const test_time_row_t  *r;
    size_t                  i;
    time_t                  got;

    for (i = 0; i < n; i++) {
        r = &rows[i];
        got = test_time_parse(r->text, strlen(r->text));
        if (got != r->t) {
            fail_msg("row \"%s\" (line %d): \"%s\" parsed as %lld, "
                     "expected %lld", r->name, r->line, r->text,
                     (long long) got, (long long) r->t);
        }
    }
}


static void
test_time_parse_http_accepts_imf_fixdate(void **state)
{
    static const test_time_row_t  rows[] = {
        { TEST_ROW("the RFC example"), TEST_SUNDAY,
          "Sun, 06 Nov 1994 08:49:37 GMT" },
        { TEST_ROW("the epoch"), 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
        { TEST_ROW("leap day"), 951825600, "Tue, 29 Feb 2000 12:00:00 GMT" },
        { TEST_ROW("2004"), 1072915200, "Thu, 01 Jan 2004 00:00:00 GMT" },
        { TEST_ROW("past 32 bits"), INT64_C(4102444800),
          "Fri, 01 Jan 2100 00:00:00 GMT" },
        { TEST_ROW("end of a day"), 1234569599,
          "Fri, 13 Feb 2009 23:59:59 GMT" },
    };

    (void) state;
    test_time_check_accepts(rows, sl_nelem(rows));
}


static void
test_time_parse_http_accepts_rfc850(void **state)
{
    static const test_time_row_t  rows[] = {
        { TEST_ROW("the RFC example"), TEST_SUNDAY,
          "Sunday, 06-Nov-94 08:49:37 GMT" },
        { TEST_ROW("shortest weekday name"), 1234567890,
          "Friday, 13-Feb-09 23:31:30 GMT" },
        { TEST_ROW("longest weekday name"), 1234310400,
          "Wednesday, 11-Feb-09 00:00:00 GMT" },
        { TEST_ROW("year 99 is 1999: 2099 is over 50 years ahead"),
          915148800, "Friday, 01-Jan-99 00:00:00 GMT" },
        { TEST_ROW("year 04 is 2004"), 1072915200,
          "Thursday, 01-Jan-04 00:00:00 GMT" },
        { TEST_ROW("year 69 is 2069"), INT64_C(3155759999),
          "Tuesday, 31-Dec-69 23:59:59 GMT" },
    };

    (void) state;
    test_time_check_accepts(rows, sl_nelem(rows));
}


static void
test_time_parse_http_accepts_asctime(void **state)
{
    static const test_time_row_t  rows[] = {
        { TEST_ROW("the RFC example"), TEST_SUNDAY,
          "Sun Nov  6 08:49:37 1994" },
        { TEST_ROW("two-digit day"), 1234567890, "Fri Feb 13 23:31:30 2009" },
        { TEST_ROW("the epoch"), 0, "Thu Jan  1 00:00:00 1970" },
        { TEST_ROW("leap day"), 951825600, "Tue Feb 29 12:00:00 2000" },
    };

    (void) state;
    test_time_check_accepts(rows, sl_nelem(rows));
}


typedef struct {
    const char  *name;
    int          line;
    const char  *text;
    size_t       len;
} test_time_bad_row_t;

#define TEST_BAD(name, s)  { TEST_ROW(name), s, sizeof(s) - 1 }

static const test_time_bad_row_t  test_time_bad_rows[] = {
    TEST_BAD("empty", ""),
    TEST_BAD("garbage", "yesterday"),
    TEST_BAD("imf one byte short", "Sun, 06 Nov 1994 08:49:37 GM"),
    TEST_BAD("imf one byte long", "Sun, 06 Nov 1994 08:49:37 GMTX"),
    TEST_BAD("imf trailing space", "Sun, 06 Nov 1994 08:49:37 GMT "),
    TEST_BAD("imf leading space", " Sun, 06 Nov 1994 08:49:37 GMT"),
    TEST_BAD("imf missing GMT", "Sun, 06 Nov 1994 08:49:37"),
    TEST_BAD("imf UTC for GMT", "Sun, 06 Nov 1994 08:49:37 UTC"),
    TEST_BAD("imf lowercase gmt", "Sun, 06 Nov 1994 08:49:37 gmt"),
    TEST_BAD("imf NUL for T", "Sun, 06 Nov 1994 08:49:37 GM\0"),
    TEST_BAD("imf bad month", "Sun, 06 Nox 1994 08:49:37 GMT"),
    TEST_BAD("imf lowercase month", "Sun, 06 nov 1994 08:49:37 GMT"),
    TEST_BAD("imf numeric month", "Sun, 06 011 1994 08:49:37 GMT"),
    TEST_BAD("imf day 00", "Sun, 00 Nov 1994 08:49:37 GMT"),
    TEST_BAD("imf day 32", "Sun, 32 Nov 1994 08:49:37 GMT"),
    TEST_BAD("imf hour 24", "Sun, 06 Nov 1994 24:00:00 GMT"),
    TEST_BAD("imf minute 60", "Sun, 06 Nov 1994 08:60:37 GMT"),
    TEST_BAD("imf second 61", "Sun, 06 Nov 1994 08:49:61 GMT"),
    TEST_BAD("imf letter in day", "Sun, 0x Nov 1994 08:49:37 GMT"),
    TEST_BAD("imf letter in year", "Sun, 06 Nov 19x4 08:49:37 GMT"),
    TEST_BAD("imf letter in hour", "Sun, 06 Nov 1994 0a:49:37 GMT"),
    TEST_BAD("imf letter in second", "Sun, 06 Nov 1994 08:49:3o GMT"),
    TEST_BAD("imf sign in hour", "Sun, 06 Nov 1994 +8:49:37 GMT"),
    TEST_BAD("imf space in hour", "Sun, 06 Nov 1994  8:49:37 GMT"),
    TEST_BAD("imf dashes for colons", "Sun, 06 Nov 1994 08-49-37 GMT"),
    TEST_BAD("imf comma moved", "Sun 06, Nov 1994 08:49:37 GMT"),
    TEST_BAD("imf year 1969", "Wed, 31 Dec 1969 23:59:59 GMT"),
    TEST_BAD("imf year 0000", "Sat, 01 Jan 0000 00:00:00 GMT"),
    TEST_BAD("rfc850 UTC for GMT", "Sunday, 06-Nov-94 08:49:37 UTC"),
    TEST_BAD("rfc850 missing GMT", "Sunday, 06-Nov-94 08:49:37"),
    TEST_BAD("rfc850 four-digit year", "Sunday, 06-Nov-1994 08:49:37 GMT"),
    TEST_BAD("rfc850 spaces for dashes", "Sunday, 06 Nov 94 08:49:37 GMT"),
    TEST_BAD("rfc850 bad month", "Sunday, 06-Nob-94 08:49:37 GMT"),
    TEST_BAD("rfc850 hour 24", "Sunday, 06-Nov-94 24:49:37 GMT"),
    TEST_BAD("rfc850 minute 60", "Sunday, 06-Nov-94 08:60:37 GMT"),
    TEST_BAD("rfc850 letter in year", "Sunday, 06-Nov-9x 08:49:37 GMT"),
    TEST_BAD("rfc850 letter in day", "Sunday, o6-Nov-94 08:49:37 GMT"),
    TEST_BAD("rfc850 day 00", "Sunday, 00-Nov-94 08:49:37 GMT"),
    TEST_BAD("asctime two-digit year", "Sun Nov  6 08:49:37 94"),
    TEST_BAD("asctime single space", "Sun Nov 6 08:49:37 1994"),
    TEST_BAD("asctime trailing GMT", "Sun Nov  6 08:49:37 1994 GMT"),
    TEST_BAD("asctime bad month", "Sun Nvo  6 08:49:37 1994"),
    TEST_BAD("asctime hour 24", "Sun Nov  6 24:49:37 1994"),
    TEST_BAD("asctime minute 60", "Sun Nov  6 08:60:37 1994"),
    TEST_BAD("asctime letter in day", "Sun Nov  x 08:49:37 1994"),
    TEST_BAD("asctime letter before day", "Sun Nov x6 08:49:37 1994"),
    TEST_BAD("asctime day 0", "Sun Nov  0 08:49:37 1994"),
    TEST_BAD("asctime letter in year", "Sun Nov  6 08:49:37 19a4"),
    TEST_BAD("asctime year 1969", "Wed Dec 31 23:59:59 1969"),
};


static void
test_time_parse_http_rejects_malformed_dates(void **state)
{
    const test_time_bad_row_t  *r;
    size_t                      i;
    time_t                      got;

    (void) state;
    for (i = 0; i < sl_nelem(test_time_bad_rows); i++) {
        r = &test_time_bad_rows[i];
        got = test_time_parse(r->text, r->len);
        if (got != -1) {
            fail_msg("row \"%s\" (line %d): \"%.*s\" parsed as %lld, "
                     "expected -1", r->name, r->line, (int) r->len, r->text,
                     (long long) got);
        }
    }
}


static void
test_time_parse_http_rejects_nonexistent_days(void **state)
{
    static const test_time_bad_row_t  rows[] = {
        TEST_BAD("imf 30 February", "Tue, 30 Feb 2021 00:00:00 GMT"),
        TEST_BAD("imf 29 February of a common year",
                 "Mon, 29 Feb 2021 00:00:00 GMT"),
        TEST_BAD("imf 29 February 2100", "Mon, 29 Feb 2100 00:00:00 GMT"),
        TEST_BAD("imf 31 April", "Sat, 31 Apr 2021 00:00:00 GMT"),
        TEST_BAD("rfc850 31 June", "Thursday, 31-Jun-21 00:00:00 GMT"),
        TEST_BAD("asctime 31 November", "Wed Nov 31 00:00:00 2021"),
    };
    const test_time_bad_row_t  *r;
    size_t                      i;
    time_t                      got;

    (void) state;
    /* A date that never existed is invalid, not a day early in the next
     * month (timegm would normalise it). */
    for (i = 0; i < sl_nelem(rows); i++) {
        r = &rows[i];
        got = test_time_parse(r->text, r->len);
        if (got != -1) {
            fail_msg("row \"%s\" (line %d): \"%.*s\" parsed as %lld, "
                     "expected -1", r->name, r->line, (int) r->len, r->text,
                     (long long) got);
        }
    }
}


static void
test_time_parse_http_rejects_every_prefix_without_overread(void **state)
{
    static const char  *forms[] = {
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    };
    size_t              i, len, full;

    (void) state;
    for (i = 0; i < sl_nelem(forms); i++) {
        full = strlen(forms[i]);
        for (len = 0; len < full; len++) {
            if (test_time_parse(forms[i], len) != -1) {
                fail_msg("prefix of %zu bytes of \"%s\" was accepted",
                         len, forms[i]);
            }
        }
        assert_int_equal(test_time_parse(forms[i], full), TEST_SUNDAY);
    }
}


static void
test_time_parse_http_stops_at_len(void **state)
{
    static const char  text[] = "Sun, 06 Nov 1994 08:49:37 GMT; extra";

    (void) state;
    assert_int_equal(sl_time_parse_http((const u_char *) text, 29),
                     TEST_SUNDAY);
    assert_int_equal(sl_time_parse_http((const u_char *) text, 30), -1);
}


static void
test_time_http_round_trips_through_parse(void **state)
{
    u_char   buf[SL_HTTP_TIME_LEN];
    int64_t  t;
    time_t   got;

    (void) state;
    for (t = 0; t < INT64_C(4200000000); t += 7777777 + t % 13) {
        (void) sl_time_http(buf, (time_t) t);
        got = test_time_parse((const char *) buf, sizeof(buf));
        if (got != (time_t) t) {
            fail_msg("%lld formatted as \"%.*s\" parsed back as %lld",
                     (long long) t, (int) sizeof(buf), buf, (long long) got);
        }
    }
}


enum {
    TEST_TIME_IMF = 0,
    TEST_TIME_RFC850,
    TEST_TIME_ASCTIME
};


/*
 * Formats t in one of the three forms with strftime (C locale, literal
 * formats so the compiler checks them) and checks it parses back to t.
 */
static void
test_time_check_strftime(time_t t, int form)
{
    struct tm  tm;
    char       buf[64];
    size_t     n;
    time_t     got;

    assert_non_null(gmtime_r(&t, &tm));
    switch (form) {
    case TEST_TIME_IMF:
        n = strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        break;
    case TEST_TIME_RFC850:
        /* The two-digit year by hand: gcc warns about %y (-Wformat-y2k). */
        n = strftime(buf, sizeof(buf), "%A, %d-%b-", &tm);
        n += (size_t) snprintf(buf + n, sizeof(buf) - n, "%02d",
                               tm.tm_year % 100);
        n += strftime(buf + n, sizeof(buf) - n, " %H:%M:%S GMT", &tm);
        break;
    default:
        n = strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
        break;
    }
    assert_true(n > 0);
    got = test_time_parse(buf, n);
    if (got != t) {
        fail_msg("%lld as \"%s\" parsed back as %lld", (long long) t, buf,
                 (long long) got);
    }
}


static int64_t
sl_time_year_start(int year)
{
    struct tm  tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mday = 1;
    return (int64_t) timegm(&tm);
}


static void
test_time_all_forms_round_trip_from_strftime(void **state)
{
    int64_t    t, lo, hi;
    time_t     now;
    struct tm  tm;

    (void) state;
    /* RFC 850 two-digit years mean the century within 50 years of now
     * (RFC 9110 5.6.7): round-trip only the times in that window. */
    now = time(NULL);
    (void) gmtime_r(&now, &tm);
    lo = sl_time_year_start(tm.tm_year + 1900 - 49);
    hi = sl_time_year_start(tm.tm_year + 1900 + 50);
    for (t = 0; t < INT64_C(3155760000); t += 3333331 + t % 7) {
        test_time_check_strftime((time_t) t, TEST_TIME_IMF);
        if (t >= lo && t < hi) {
            test_time_check_strftime((time_t) t, TEST_TIME_RFC850);
        }
        test_time_check_strftime((time_t) t, TEST_TIME_ASCTIME);
    }
    for (; t < INT64_C(253402300799); t += 333333331 + t % 7) {
        test_time_check_strftime((time_t) t, TEST_TIME_IMF);
        test_time_check_strftime((time_t) t, TEST_TIME_ASCTIME);
    }
}


/* The cached strings as strftime writes them for sl_current_sec. */
static void
test_time_check_cache_matches(void)
{
    struct tm  tm;
    time_t     sec;
    char       want[64];
    u_char     http[SL_HTTP_TIME_LEN];
    size_t     n;

    sec = sl_current_sec;
    assert_non_null(gmtime_r(&sec, &tm));

    n = strftime(want, sizeof(want), "%Y/%m/%d %H:%M:%S", &tm);
    assert_int_equal(sl_cached_log_time.len, n);
    assert_memory_equal(sl_cached_log_time.data, want, n);

    (void) sl_time_http(http, sec);
    assert_int_equal(sl_cached_http_time.len, SL_HTTP_TIME_LEN);
    assert_memory_equal(sl_cached_http_time.data, http, SL_HTTP_TIME_LEN);

    n = strftime(want, sizeof(want), "%d/%b/%Y:%H:%M:%S +0000", &tm);
    assert_int_equal(sl_cached_access_time.len, n);
    assert_memory_equal(sl_cached_access_time.data, want, n);
}


static void
test_time_check_gmtime(time_t t)
{
    struct tm  want, got;

    assert_non_null(gmtime_r(&t, &want));
    sl_time_gmtime(t, &got);
    if (got.tm_year != want.tm_year || got.tm_mon != want.tm_mon
        || got.tm_mday != want.tm_mday || got.tm_hour != want.tm_hour
        || got.tm_min != want.tm_min || got.tm_sec != want.tm_sec
        || got.tm_wday != want.tm_wday || got.tm_yday != want.tm_yday)
    {
        fail_msg("t=%lld: got %d-%02d-%02d %02d:%02d:%02d wday %d yday %d, "
                 "gmtime_r %d-%02d-%02d %02d:%02d:%02d wday %d yday %d",
                 (long long) t, got.tm_year + 1900, got.tm_mon + 1,
                 got.tm_mday, got.tm_hour, got.tm_min, got.tm_sec,
                 got.tm_wday, got.tm_yday, want.tm_year + 1900,
                 want.tm_mon + 1, want.tm_mday, want.tm_hour, want.tm_min,
                 want.tm_sec, want.tm_wday, want.tm_yday);
    }
}


/* gmtime_r is the oracle: every day's first and last second from 1600 to
 * 2500 (leap days, the 1900/2000/2100 century rules, negative times),
 * and a spread of times within days. */
static void
test_time_gmtime_matches_libc(void **state)
{
    const time_t  day = 86400;
    time_t        t, first, last;
    unsigned      x;

    (void) state;
    first = -11676096000LL;         /* 1 Jan 1600 */
    last = 16725225600LL;           /* 1 Jan 2500 */
    for (t = first; t < last; t += day) {
        test_time_check_gmtime(t);
        test_time_check_gmtime(t + day - 1);
    }
    for (x = 1, t = 0; t < 100000; t++) {
        x = x * 1103515245u + 12345u;
        test_time_check_gmtime((time_t) x * 7 - ((time_t) 1 << 31));
    }
    test_time_check_gmtime(0);
    test_time_check_gmtime(-1);
    test_time_check_gmtime(TEST_SUNDAY);
    test_time_check_gmtime(253402300799LL);     /* 31 Dec 9999 23:59:59 */
}


static void
test_time_update_fills_the_three_cached_strings(void **state)
{
    time_t  now;

    (void) state;
    sl_time_update();
    now = time(NULL);

    assert_true(test_time_shape(&sl_cached_log_time, "9999/99/99 99:99:99"));
    assert_true(test_time_shape(&sl_cached_http_time,
                                "aaa, 99 aaa 9999 99:99:99 GMT"));
    assert_true(test_time_shape(&sl_cached_access_time,
                                "99/aaa/9999:99:99:99 +0000"));
    assert_int_equal(sl_cached_log_time.len, 19);
    assert_int_equal(sl_cached_http_time.len, 29);
    assert_int_equal(sl_cached_access_time.len, 26);

    /* A coarse clock may lag the precise one by a tick. */
    assert_true(sl_current_sec >= now - 2 && sl_current_sec <= now + 1);
    assert_int_equal(sl_time_parse_http(sl_cached_http_time.data,
                                        sl_cached_http_time.len),
                     sl_current_sec);
    test_time_check_cache_matches();
}


static void
test_time_update_rebuilds_strings_when_the_second_changes(void **state)
{
    struct timespec  ts = { 0, 10 * 1000000 };
    time_t           first;
    int              i;

    (void) state;
    sl_time_update();
    first = sl_current_sec;
    for (i = 0; i < 300 && sl_current_sec == first; i++) {
        (void) nanosleep(&ts, NULL);
        sl_time_update();
    }
    assert_true(sl_current_sec > first);
    test_time_check_cache_matches();
}


static void
test_time_current_msec_is_monotonic(void **state)
{
    struct timespec  ts = { 0, 30 * 1000000 };
    sl_msec_t        prev, before;
    int              i;

    (void) state;
    sl_time_update();
    prev = sl_current_msec;
    assert_true(prev > 0);
    for (i = 0; i < 10000; i++) {
        sl_time_update();
        if (sl_current_msec < prev) {
            fail_msg("msec went back from %llu to %llu",
                     (unsigned long long) prev,
                     (unsigned long long) sl_current_msec);
        }
        prev = sl_current_msec;
    }

    /* A sleep of 30 ms moves the floor of the millisecond clock by 30. */
    before = sl_current_msec;
    assert_int_equal(nanosleep(&ts, NULL), 0);
    sl_time_update();
    assert_true(sl_current_msec >= before + 30);
    assert_true(sl_current_msec < before + 10000);
}


static void
test_time_monotonic_msec_reads_clock_without_touching_cache(void **state)
{
    struct timespec  ts = { 0, 5 * 1000000 };
    sl_msec_t        cached, now;

    (void) state;
    sl_time_update();
    cached = sl_current_msec;
    assert_int_equal(nanosleep(&ts, NULL), 0);
    now = sl_time_monotonic_msec();
    assert_true(now >= cached + 5);
    assert_int_equal(sl_current_msec, cached);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_time_http_formats_known_times_exactly),
        cmocka_unit_test(test_time_parse_http_accepts_imf_fixdate),
        cmocka_unit_test(test_time_parse_http_accepts_rfc850),
        cmocka_unit_test(test_time_parse_http_accepts_asctime),
        cmocka_unit_test(test_time_parse_http_rejects_malformed_dates),
        cmocka_unit_test(test_time_parse_http_rejects_nonexistent_days),
        cmocka_unit_test(
            test_time_parse_http_rejects_every_prefix_without_overread),
        cmocka_unit_test(test_time_parse_http_stops_at_len),
        cmocka_unit_test(test_time_http_round_trips_through_parse),
        cmocka_unit_test(test_time_all_forms_round_trip_from_strftime),
        cmocka_unit_test(test_time_gmtime_matches_libc),
        cmocka_unit_test(test_time_update_fills_the_three_cached_strings),
        cmocka_unit_test(
            test_time_update_rebuilds_strings_when_the_second_changes),
        cmocka_unit_test(test_time_current_msec_is_monotonic),
        cmocka_unit_test(
            test_time_monotonic_msec_reads_clock_without_touching_cache),
    };

    return cmocka_run_group_tests_name("core/time", tests, NULL, NULL);
}
