/*
 * sl_str.c: length-carrying string helpers (core layer); see sl_str.h.
 */
#include "sl_core.h"


int
sl_strncasecmp(const u_char *a, const u_char *b, size_t n)
{
    size_t  i;
    int     d;

    for (i = 0; i < n; i++) {
        d = (int) sl_tolower(a[i]) - (int) sl_tolower(b[i]);
        if (d) {
            return d;
        }
    }
    return 0;
}


int
sl_str_eq_nocase(const sl_str_t *s, const char *lit)
{
    size_t  n;

    n = strlen(lit);
    return s->len == n
           && (n == 0 || sl_strncasecmp(s->data, (const u_char *) lit, n) == 0);
}


int
sl_str_eq(const sl_str_t *s, const char *lit)
{
    size_t  n;

    n = strlen(lit);
    return s->len == n && (n == 0 || memcmp(s->data, lit, n) == 0);
}


u_char *
sl_pstrdup(sl_pool_t *pool, const u_char *src, size_t len)
{
    u_char  *dst;

    if (len == SIZE_MAX) {
        return NULL;
    }
    dst = sl_pnalloc(pool, len + 1);
    if (dst == NULL) {
        return NULL;
    }
    if (len) {
        memcpy(dst, src, len);
    }
    dst[len] = '\0';
    return dst;
}


int64_t
sl_atoi64(const u_char *s, size_t len)
{
    int64_t  v;
    size_t   i;

    if (len == 0) {
        return -1;
    }
    v = 0;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        if (v > (INT64_MAX - (s[i] - '0')) / 10) {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}


/*
 * vsnprintf always ends its output with a NUL, which would cost the last
 * byte of an exact fit and overwrite the byte after our output: format
 * into a scratch buffer when the output does not fit with its NUL, and
 * restore the byte the NUL lands on when it does.
 */
u_char *
sl_vslprintf(u_char *buf, u_char *end, const char *fmt, va_list ap)
{
    u_char   scratch[4096], *tmp, saved;
    va_list  ap2;
    size_t   room;
    int      n;

    if (buf >= end) {
        return buf;
    }
    room = (size_t) (end - buf);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        return buf;
    }
    if ((size_t) n < room) {
        saved = buf[n];
        (void) vsnprintf((char *) buf, room, fmt, ap);
        buf[n] = saved;
        return buf + n;
    }
    tmp = (size_t) n < sizeof(scratch) ? scratch : malloc((size_t) n + 1);
    if (tmp == NULL) {
        return buf;
    }
    (void) vsnprintf((char *) tmp, (size_t) n + 1, fmt, ap);
    memcpy(buf, tmp, room);
    if (tmp != scratch) {
        free(tmp);
    }
    return end;
}


u_char *
sl_slprintf(u_char *buf, u_char *end, const char *fmt, ...)
{
    va_list  ap;
    u_char  *p;

    va_start(ap, fmt);
    p = sl_vslprintf(buf, end, fmt, ap);
    va_end(ap);
    return p;
}


u_char *
sl_utoa(u_char *p, uint64_t v)
{
    u_char   tmp[20], *t;
    size_t   n;

    t = tmp + sizeof(tmp);
    do {
        *--t = (u_char) ('0' + v % 10);
        v /= 10;
    } while (v);
    n = (size_t) (tmp + sizeof(tmp) - t);
    return sl_cpymem(p, t, n);
}


size_t
sl_str_escape_len(const u_char *src, size_t len, const uint8_t *plain)
{
    size_t  i, n;

    n = len;
    for (i = 0; i < len; i++) {
        n += plain[src[i]] ? 0 : 2;
    }
    return n;
}


u_char *
sl_str_escape(u_char *dst, const u_char *src, size_t len,
    const uint8_t *plain)
{
    static const char  hex[] = "0123456789ABCDEF";
    size_t             i;

    for (i = 0; i < len; i++) {
        if (plain[src[i]]) {
            *dst++ = src[i];
            continue;
        }
        *dst++ = '%';
        *dst++ = (u_char) hex[src[i] >> 4];
        *dst++ = (u_char) hex[src[i] & 0x0f];
    }
    return dst;
}
