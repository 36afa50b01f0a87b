/*
 * sl_http_parse_path.c: percent-decoding and normalisation of a request
 * path (http layer, pure); see sl_http_parse.h for the contract.
 *
 * One pass: each input byte (or escape) is decoded and appended to dst;
 * at every separator the segment just written is looked at, and a ".",
 * "..", or empty segment is taken back out. dst only ever holds '/' as a
 * separator, so going back one segment is a short scan for the previous
 * '/'. The output never grows past the input: decoding and removal both
 * shrink it.
 */
#include "sl_core.h"
#include "sl_http_parse.h"


typedef struct {
    u_char      *start;      /* dst: always begins with '/' */
    u_char      *d;          /* where the next byte goes */
    u_char      *seg;        /* start of the segment being written */
    unsigned     flags;
} sl_http_path_t;


static int sl_http_path_unhex(u_char c);
static sl_int_t sl_http_path_segment(sl_http_path_t *pt, int last);


sl_int_t
sl_http_parse_path(const sl_str_t *in, u_char *dst, sl_str_t *out,
    unsigned *flags, const char **err)
{
    sl_http_path_t   pt;
    const u_char    *p, *end;
    int              hi, lo;
    u_char           c;

    if (in->len == 0 || in->data[0] != '/') {
        *err = "path does not start with /";
        return SL_ERROR;
    }
    pt.start = dst;
    pt.d = dst;
    *pt.d++ = '/';
    pt.seg = pt.d;
    pt.flags = 0;

    end = in->data + in->len;
    for (p = in->data + 1; p < end; p++) {
        c = *p;
        if (c == '%') {
            hi = end - p > 2 ? sl_http_path_unhex(p[1]) : -1;
            lo = hi >= 0 ? sl_http_path_unhex(p[2]) : -1;
            if (lo < 0) {
                *err = "invalid percent-escape in path";
                return SL_ERROR;
            }
            c = (u_char) (hi << 4 | lo);
            p += 2;
            pt.flags |= SL_HTTP_PATH_ENCODED;
            if (c == '/') {
                pt.flags |= SL_HTTP_PATH_ENCODED_SLASH;
            }
        }
        if (c < 0x20 || c == 0x7f) {
            /* decoded or raw: the head parser lets no raw CTL through,
               but this function may see other input */
            *err = c ? "control character in path" : "NUL in path";
            return SL_ERROR;
        }
        if (c != '/') {
            *pt.d++ = c;
            continue;
        }
        if (sl_http_path_segment(&pt, 0) != SL_OK) {
            *err = "path climbs above the root";
            return SL_ERROR;
        }
    }
    if (sl_http_path_segment(&pt, 1) != SL_OK) {
        *err = "path climbs above the root";
        return SL_ERROR;
    }

    out->data = dst;
    out->len = pt.d - dst;
    *flags = pt.flags;
    return SL_OK;
}


/* The value of a hex digit, or -1. */
static int
sl_http_path_unhex(u_char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}


/*
 * A separator (or, when last, the end of the path) follows the segment
 * [seg, d). An empty segment (a duplicate slash) adds nothing; "." is
 * dropped; ".." is dropped with the segment before it, and fails at the
 * root. Any other segment is kept, with a '/' after it unless last. A
 * path that ends in a dot segment keeps the slash before it ("/a/." is
 * "/a/").
 */
static sl_int_t
sl_http_path_segment(sl_http_path_t *pt, int last)
{
    size_t  n;

    n = pt->d - pt->seg;
    if (n == 0) {
        if (!last) {
            pt->flags |= SL_HTTP_PATH_NORMALIZED;
        }
        return SL_OK;
    }
    if (n == 1 && pt->seg[0] == '.') {
        pt->flags |= SL_HTTP_PATH_NORMALIZED;
        pt->d = pt->seg;
        return SL_OK;
    }
    if (n == 2 && pt->seg[0] == '.' && pt->seg[1] == '.') {
        pt->flags |= SL_HTTP_PATH_NORMALIZED;
        if (pt->seg == pt->start + 1) {
            return SL_ERROR;
        }
        /* back over the '/' that ends the previous segment, then to its
           start: the byte after the '/' before it */
        pt->d = pt->seg - 1;
        while (pt->d[-1] != '/') {
            pt->d--;
        }
        pt->seg = pt->d;
        return SL_OK;
    }
    if (!last) {
        *pt->d++ = '/';
        pt->seg = pt->d;
    }
    return SL_OK;
}
