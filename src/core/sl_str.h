/*
 * sl_str.h: length-carrying strings and small string helpers (core layer).
 * An sl_str_t is {len, data} and is not NUL-terminated unless a function
 * says so. Everything here is pure: no allocation except where a pool is
 * passed, no system calls.
 */
#ifndef SL_STR_H
#define SL_STR_H

typedef struct {
    size_t   len;
    u_char  *data;
} sl_str_t;

#define sl_string(s)      { sizeof(s) - 1, (u_char *) (s) }
#define sl_null_string    { 0, NULL }
#define sl_str_set(str, text)                                               \
    ((str)->len = sizeof(text) - 1, (str)->data = (u_char *) (text))

/*
 * The length of a string literal is counted by the compiler, never by
 * hand: sl_string and sl_str_set above, and these. Each takes a literal
 * only (lit "" does not compile for a pointer), so nothing measures a
 * pointer by mistake.
 */
#define sl_lit_len(lit)  (sizeof(lit "") - 1)

/* Copies the literal lit to dst; returns the end (as sl_cpymem). */
#define sl_cpymem_lit(dst, lit)  sl_cpymem(dst, lit, sl_lit_len(lit))

/* True when the bytes at p begin with lit; p must hold that many. */
#define sl_memeq_lit(p, lit)  (memcmp(p, lit, sl_lit_len(lit)) == 0)

/* True when the NUL-terminated string s begins with lit. */
#define sl_strprefix_lit(s, lit)  (strncmp(s, lit, sl_lit_len(lit)) == 0)

/* True when the n bytes at p are lit, ignoring ASCII case. */
#define sl_caseeq_lit(p, n, lit)                                            \
    ((n) == sl_lit_len(lit)                                                 \
     && sl_strncasecmp(p, (const u_char *) lit, sl_lit_len(lit)) == 0)

#define sl_tolower(c)  ((u_char) (((c) >= 'A' && (c) <= 'Z') ? ((c) | 0x20) : (c)))
#define sl_cpymem(dst, src, n) (((u_char *) memcpy(dst, src, n)) + (n))

/* Case-insensitive compare of two buffers of length n: 0 when equal. */
int sl_strncasecmp(const u_char *a, const u_char *b, size_t n);

/* True when s equals the NUL-terminated literal lit, ignoring ASCII case. */
int sl_str_eq_nocase(const sl_str_t *s, const char *lit);

/* True when s equals the NUL-terminated string lit exactly. */
int sl_str_eq(const sl_str_t *s, const char *lit);

/*
 * Copies src into pool memory, NUL-terminated (len excludes the NUL).
 * Returns the copy's data, or NULL when the pool is out of memory.
 */
u_char *sl_pstrdup(sl_pool_t *pool, const u_char *src, size_t len);

/*
 * Parses a non-negative decimal integer from s[0..len). Returns the value,
 * or -1 on an empty string, a non-digit or overflow of int64_t.
 */
int64_t sl_atoi64(const u_char *s, size_t len);

/*
 * Formats into buf like snprintf but returns a pointer past the last byte
 * written, never past end; output is truncated silently (not NUL-terminated).
 */
u_char *sl_slprintf(u_char *buf, u_char *end, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
u_char *sl_vslprintf(u_char *buf, u_char *end, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Writes the decimal form of v at p and returns the end; p needs 20 bytes. */
u_char *sl_utoa(u_char *p, uint64_t v);

/*
 * Percent-encoding (RFC 3986 2.1) by a table of 256 entries: a byte c of
 * src[0..len) is copied as it is when plain[c] is nonzero, else written
 * as "%XX" in upper-case hex. The caller's table says what its context
 * lets through: a link in a page wants more escaped than a path sent on
 * to a backend. sl_str_escape writes at dst and returns the end;
 * sl_str_escape_len is how many bytes that is (at most 3 * len).
 */
size_t sl_str_escape_len(const u_char *src, size_t len,
    const uint8_t *plain);
u_char *sl_str_escape(u_char *dst, const u_char *src, size_t len,
    const uint8_t *plain);

#endif /* SL_STR_H */
