/*
 * sl_static_range.c: the Range header field (modules layer, static
 * module; pure), RFC 9110 section 14.
 *
 *   Range = "bytes" "=" range-spec *( OWS "," OWS range-spec )
 *   range-spec = first-pos "-" [ last-pos ]  |  "-" suffix-length
 *
 * The unit is compared without case; empty list elements are skipped (RFC
 * 9110 5.6.1). Numbers too big for off_t saturate: such a first-pos is
 * simply beyond the end, such a last-pos means "to the end".
 *
 * What is ignored (the whole field: the answer is 200 with the full
 * representation): another unit, any syntax error, a last-pos before its
 * first-pos, more than `max` satisfiable ranges, and ranges that overlap
 * or are not in ascending order (RFC 9110 14.2 lets a server ignore those,
 * which are how a client asks for the same bytes many times over).
 */
#include "sl_static.h"

#define SL_STATIC_OFF_MAX  ((off_t) INT64_MAX)

static const u_char *sl_static_range_number(const u_char *p,
    const u_char *end, off_t *out);
static const u_char *sl_static_range_ows(const u_char *p, const u_char *end);
static int sl_static_range_add(sl_static_range_t *ranges, size_t max,
    size_t *n, off_t start, off_t last);
static int sl_static_range_set(const u_char *p, const u_char *end,
    off_t size, sl_static_range_t *ranges, size_t max, size_t *n);


/* Reads 1*DIGIT at p (saturating); NULL when there is no digit. */
static const u_char *
sl_static_range_number(const u_char *p, const u_char *end, off_t *out)
{
    off_t  v;
    int    d;

    if (p == end || *p < '0' || *p > '9') {
        return NULL;
    }
    v = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        d = *p - '0';
        v = v > (SL_STATIC_OFF_MAX - d) / 10 ? SL_STATIC_OFF_MAX : v * 10 + d;
    }
    *out = v;
    return p;
}


static const u_char *
sl_static_range_ows(const u_char *p, const u_char *end)
{
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }
    return p;
}


/*
 * Adds a satisfiable range. 0 when the set is to be ignored: too many,
 * or not strictly after the previous one.
 */
static int
sl_static_range_add(sl_static_range_t *ranges, size_t max, size_t *n,
    off_t start, off_t last)
{
    if (*n == max || (*n > 0 && start <= ranges[*n - 1].last)) {
        return 0;
    }
    ranges[*n].start = start;
    ranges[*n].last = last;
    (*n)++;
    return 1;
}


int
sl_static_range_parse(const u_char *p, size_t len, off_t size,
    sl_static_range_t *ranges, size_t max, size_t *n)
{
    static const sl_str_t  unit = sl_string("bytes=");
    int                    status;

    *n = 0;
    if (len < unit.len || sl_strncasecmp(p, unit.data, unit.len) != 0) {
        return 200;
    }
    status = sl_static_range_set(p + unit.len, p + len, size, ranges, max,
                                 n);
    if (status == 200) {
        *n = 0;   /* ranges read before the fault are void */
    }
    return status;
}


/* The range-set after "bytes=": 206, 416 or 200 as above. */
static int
sl_static_range_set(const u_char *p, const u_char *end, off_t size,
    sl_static_range_t *ranges, size_t max, size_t *n)
{
    off_t  first, last;
    int    specs, has_last;

    specs = 0;
    for (;;) {
        p = sl_static_range_ows(p, end);
        if (p < end && *p == ',') {
            p++;
            continue;   /* an empty element */
        }
        if (p == end) {
            break;
        }
        has_last = 0;
        if (*p == '-') {
            p = sl_static_range_number(p + 1, end, &last);
            if (p == NULL) {
                return 200;
            }
            /* A suffix: the last `last` bytes. */
            if (last > 0 && size > 0
                && !sl_static_range_add(ranges, max, n,
                                        last >= size ? 0 : size - last,
                                        size - 1))
            {
                return 200;
            }
        } else {
            p = sl_static_range_number(p, end, &first);
            if (p == NULL || p == end || *p != '-') {
                return 200;
            }
            p++;
            if (p < end && *p >= '0' && *p <= '9') {
                p = sl_static_range_number(p, end, &last);
                has_last = 1;
                if (last < first) {
                    return 200;
                }
            }
            if (first < size
                && !sl_static_range_add(ranges, max, n, first,
                                        has_last && last < size - 1
                                        ? last : size - 1))
            {
                return 200;
            }
        }
        specs++;
        p = sl_static_range_ows(p, end);
        if (p < end && *p != ',') {
            return 200;
        }
    }
    if (specs == 0) {
        return 200;
    }
    return *n ? 206 : 416;
}
