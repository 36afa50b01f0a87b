/*
 * sl_static_cond.c: what the request's header fields ask of a
 * representation (modules layer, static module; pure): the preconditions
 * of RFC 9110 13.2.2 in their order, If-Range, entity-tag lists, and
 * whether Accept-Encoding takes gzip.
 *
 * Choices where the RFC leaves room:
 *   - An entity-tag list we cannot parse matches nothing: If-Match then
 *     fails (412) and If-None-Match does not hold (a full response). Both
 *     are the answers that never hide a change.
 *   - A date field sent twice, or not a valid HTTP-date, is ignored (RFC
 *     9110 13.1.3, 13.1.4).
 *   - If-Modified-Since holds when the file is not newer than the date
 *     (<=), as the RFC says; nginx's default is an exact match.
 *   - Range is only for GET (RFC 9110 14.2); Range sent twice is ignored.
 */
#include "sl_static.h"

static int sl_static_cond_list(const sl_static_cond_t *in, const char *name,
    int strong, size_t *present);
static time_t sl_static_cond_date(const sl_static_cond_t *in,
    const char *name, size_t *present);
static int sl_static_cond_if_range(const sl_static_cond_t *in);
static int sl_static_cond_any(const sl_static_cond_t *in);
static const u_char *sl_static_etag_next(const u_char *p, const u_char *end,
    const u_char **tag, size_t *len, int *weak);
static int sl_static_name_is(const sl_http_header_t *h, const char *name,
    size_t len);
static int sl_static_qvalue(const u_char *p, size_t len);
static const u_char *sl_static_coding(const u_char *p, const u_char *end,
    int *gzip_q, int *star_q);


static int
sl_static_name_is(const sl_http_header_t *h, const char *name, size_t len)
{
    return h->name.len == len
           && sl_strncasecmp(h->name.data, (const u_char *) name, len) == 0;
}


const sl_str_t *
sl_static_header_find(const sl_http_header_t *headers, size_t n,
    const char *name, size_t *count)
{
    const sl_str_t  *v;
    size_t           i, len;

    len = strlen(name);
    v = NULL;
    *count = 0;
    for (i = 0; i < n; i++) {
        if (sl_static_name_is(&headers[i], name, len)) {
            v = &headers[i].value;
            (*count)++;
        }
    }
    return *count == 1 ? v : NULL;
}


/*
 * The next entity-tag of a list: skips empty elements and OWS; returns
 * the position after it, or end when the list is done (*tag NULL), or
 * NULL on a syntax error.
 */
static const u_char *
sl_static_etag_next(const u_char *p, const u_char *end, const u_char **tag,
    size_t *len, int *weak)
{
    const u_char  *q;

    *tag = NULL;
    while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
        p++;
    }
    if (p == end) {
        return end;
    }
    *weak = 0;
    if (end - p >= 2 && p[0] == 'W' && p[1] == '/') {
        *weak = 1;
        p += 2;
    }
    if (p == end || *p != '"') {
        return NULL;
    }
    for (q = p + 1; q < end && *q != '"'; q++) {
        if (*q < 0x21 || *q == 0x7f) {
            return NULL;   /* etagc excludes controls and SP */
        }
    }
    if (q == end) {
        return NULL;
    }
    *tag = p;
    *len = (size_t) (q + 1 - p);
    p = q + 1;
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }
    return p == end || *p == ',' ? p : NULL;
}


int
sl_static_etag_match(const u_char *v, size_t len, const u_char *etag,
    size_t etag_len, int strong)
{
    const u_char  *p, *end, *tag;
    size_t         tlen;
    int            weak;

    end = v + len;
    p = v;
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }
    if (p < end && *p == '*') {
        for (p++; p < end && (*p == ' ' || *p == '\t'); p++) {
            /* trailing OWS */
        }
        return p == end;
    }
    for (;;) {
        p = sl_static_etag_next(p, end, &tag, &tlen, &weak);
        if (p == NULL || tag == NULL) {
            return 0;
        }
        /* Our tags are strong: a weak one in the list matches only in a
         * weak comparison. */
        if (etag && tlen == etag_len && memcmp(tag, etag, tlen) == 0
            && !(strong && weak))
        {
            return 1;
        }
    }
}


/* Whether any field called name holds a matching tag. */
static int
sl_static_cond_list(const sl_static_cond_t *in, const char *name, int strong,
    size_t *present)
{
    size_t  i, len;
    int     match;

    len = strlen(name);
    match = 0;
    *present = 0;
    for (i = 0; i < in->nheaders; i++) {
        if (!sl_static_name_is(&in->headers[i], name, len)) {
            continue;
        }
        (*present)++;
        match |= sl_static_etag_match(in->headers[i].value.data,
                                      in->headers[i].value.len, in->etag,
                                      in->etag_len, strong);
    }
    return match;
}


/* The date of the only field called name, or -1 (absent, twice, bad). */
static time_t
sl_static_cond_date(const sl_static_cond_t *in, const char *name,
    size_t *present)
{
    const sl_str_t  *v;

    v = sl_static_header_find(in->headers, in->nheaders, name, present);
    return v ? sl_time_parse_http(v->data, v->len) : -1;
}


/* If-Range: a strong ETag equal to ours, or exactly our date. */
static int
sl_static_cond_if_range(const sl_static_cond_t *in)
{
    const sl_str_t  *v;
    size_t           count;
    time_t           t;

    v = sl_static_header_find(in->headers, in->nheaders, "If-Range", &count);
    if (count == 0) {
        return 1;
    }
    if (v == NULL || v->len == 0) {
        return 0;
    }
    if (v->data[0] == '"' || (v->len > 1 && v->data[0] == 'W'
                              && v->data[1] == '/'))
    {
        return in->etag && v->len == in->etag_len
               && memcmp(v->data, in->etag, v->len) == 0;
    }
    t = sl_time_parse_http(v->data, v->len);
    return t != -1 && t == in->mtime;
}


/*
 * Whether any field could change the answer: an If-* field or Range. Most
 * requests carry neither, and one pass over the names spares them the
 * six lookups below.
 */
static int
sl_static_cond_any(const sl_static_cond_t *in)
{
    const sl_str_t  *name;
    size_t           i;

    for (i = 0; i < in->nheaders; i++) {
        name = &in->headers[i].name;
        if (name->len > 3 && (name->data[0] | 0x20) == 'i'
            && (name->data[1] | 0x20) == 'f' && name->data[2] == '-')
        {
            return 1;
        }
        if (sl_caseeq_lit(name->data, name->len, "range")) {
            return 1;
        }
    }
    return 0;
}


int
sl_static_cond_evaluate(const sl_static_cond_t *in, sl_static_range_t *ranges,
    size_t *n)
{
    const sl_str_t  *range;
    size_t           present;
    time_t           t;
    int              match;

    *n = 0;
    if (!sl_static_cond_any(in)) {
        return 200;
    }
    match = sl_static_cond_list(in, "If-Match", 1, &present);
    if (present && !match) {
        return 412;
    }
    if (!present) {
        t = sl_static_cond_date(in, "If-Unmodified-Since", &present);
        if (t != -1 && in->mtime > t) {
            return 412;
        }
    }
    match = sl_static_cond_list(in, "If-None-Match", 0, &present);
    if (present && match) {
        return in->safe ? 304 : 412;
    }
    if (!present && in->safe) {
        t = sl_static_cond_date(in, "If-Modified-Since", &present);
        if (t != -1 && in->mtime <= t) {
            return 304;
        }
    }
    if (!in->get) {
        return 200;
    }
    range = sl_static_header_find(in->headers, in->nheaders, "Range",
                                  &present);
    if (range == NULL || !sl_static_cond_if_range(in)) {
        return 200;
    }
    return sl_static_range_parse(range->data, range->len, in->size, ranges,
                                 SL_STATIC_MAX_RANGES, n);
}


/*
 * A qvalue in thousandths: "0" ["." 0*3DIGIT] or "1" ["." 0*3"0"];
 * -1 when it is neither.
 */
static int
sl_static_qvalue(const u_char *p, size_t len)
{
    size_t  i;
    int     v, scale;

    if (len == 0 || (p[0] != '0' && p[0] != '1') || len > 5
        || (len > 1 && p[1] != '.'))
    {
        return -1;
    }
    v = (p[0] - '0') * 1000;
    scale = 100;
    for (i = 2; i < len; i++, scale /= 10) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }
        v += (p[i] - '0') * scale;
    }
    return v > 1000 ? -1 : v;
}


/*
 * One element of Accept-Encoding: coding *( OWS ";" OWS param ). Records
 * the q of gzip (or x-gzip) and of "*". Returns the position after it
 * (at ',' or end), or NULL on a syntax error.
 */
static const u_char *
sl_static_coding(const u_char *p, const u_char *end, int *gzip_q,
    int *star_q)
{
    const u_char  *name, *pn, *pv;
    size_t         len;
    int            q;

    name = p;
    while (p < end && sl_http_is(*p, SL_HTTP_C_TCHAR)) {
        p++;
    }
    len = (size_t) (p - name);
    q = 1000;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }
        if (p == end || *p == ',') {
            break;
        }
        if (*p != ';') {
            return NULL;
        }
        for (p++; p < end && (*p == ' ' || *p == '\t'); p++) {
            /* OWS */
        }
        for (pn = p; p < end && sl_http_is(*p, SL_HTTP_C_TCHAR); p++) {
            /* the parameter's name */
        }
        if (p == pn || p == end || *p != '=') {
            return NULL;
        }
        for (pv = ++p; p < end && sl_http_is(*p, SL_HTTP_C_TCHAR); p++) {
            /* its value: a token (q takes no quoted-string) */
        }
        if (pv - pn == 2 && (pn[0] == 'q' || pn[0] == 'Q')) {
            q = sl_static_qvalue(pv, (size_t) (p - pv));
            q = q < 0 ? 0 : q;   /* a bad q-value: not acceptable */
        }
    }
    if (len == 0) {
        return NULL;
    }
    if (sl_caseeq_lit(name, len, "gzip")
        || sl_caseeq_lit(name, len, "x-gzip"))
    {
        *gzip_q = sl_max(*gzip_q, q);
    } else if (len == 1 && name[0] == '*') {
        *star_q = sl_max(*star_q, q);
    }
    return p;
}


int
sl_static_accepts_gzip(const sl_http_header_t *headers, size_t n)
{
    const u_char  *p, *end;
    size_t         i;
    int            gzip_q, star_q;

    gzip_q = -1;
    star_q = -1;
    for (i = 0; i < n; i++) {
        if (!sl_caseeq_lit(headers[i].name.data, headers[i].name.len,
                           "Accept-Encoding"))
        {
            continue;
        }
        p = headers[i].value.data;
        end = p + headers[i].value.len;
        while (p && p < end) {
            while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
                p++;
            }
            if (p < end) {
                p = sl_static_coding(p, end, &gzip_q, &star_q);
            }
        }
    }
    return gzip_q > 0 || (gzip_q < 0 && star_q > 0);
}
