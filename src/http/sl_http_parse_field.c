/*
 * sl_http_parse_field.c: the header fields the engine needs, digested as
 * each field line completes (http layer, pure), and the host grammar that
 * the Host field and absolute- and authority-form targets share. Part of
 * the request head parser: sl_http_parse.c calls in here; the rules are
 * in sl_http_parse.h. Also the check of a whole field line written in a
 * configuration (add_headers), with the same byte classes.
 */
#include "sl_core.h"
#include "sl_http_parse.h"


static sl_int_t sl_http_parse_host_name(const u_char *p, size_t n);
static sl_int_t sl_http_parse_host_ipv6(const u_char *p, size_t n);
static sl_int_t sl_http_parse_port(const u_char *p, size_t n, unsigned *port);
static int sl_http_parse_field_host(sl_http_head_t *head, const sl_str_t *v,
    const char **error);
static int sl_http_parse_field_length(sl_http_head_t *head,
    const sl_str_t *v, const char **error);
static int sl_http_parse_field_te(sl_http_parse_t *st, sl_http_head_t *head,
    const sl_str_t *v, const char **error);
static int sl_http_parse_field_connection(sl_http_head_t *head,
    const sl_str_t *v, const char **error);
static int sl_http_parse_is_token(const sl_str_t *s);
static int sl_http_parse_list_has_empty(const sl_str_t *v);


int
sl_http_parse_field(sl_http_parse_t *st, sl_http_head_t *head,
    const sl_http_header_t *h, const char **error)
{
    const sl_str_t  *n;

    n = &h->name;
    switch (n->len) {
    case 4:
        if (sl_http_parse_eq_lit(n, "host")) {
            return sl_http_parse_field_host(head, &h->value, error);
        }
        return 0;
    case 6:
        if (sl_http_parse_eq_lit(n, "expect")) {
            if (sl_http_parse_eq_lit(&h->value, "100-continue")) {
                head->expect_continue = 1;
            } else {
                head->expect_other = 1;
            }
        }
        return 0;
    case 7:
        if (sl_http_parse_eq_lit(n, "upgrade")) {
            head->upgrade = 1;
        }
        return 0;
    case 10:
        if (sl_http_parse_eq_lit(n, "connection")) {
            return sl_http_parse_field_connection(head, &h->value, error);
        }
        return 0;
    case 14:
        if (sl_http_parse_eq_lit(n, "content-length")) {
            return sl_http_parse_field_length(head, &h->value, error);
        }
        return 0;
    case 17:
        if (sl_http_parse_eq_lit(n, "transfer-encoding")) {
            return sl_http_parse_field_te(st, head, &h->value, error);
        }
        return 0;
    default:
        return 0;
    }
}


/*
 * OR-ing 0x20 lowercases a letter; the only other bytes it maps onto a
 * letter, a digit or "-" are CTLs (0x0D to "-", 0x10-0x19 to a digit),
 * which no name, token, scheme or field value that reaches here holds.
 */
int
sl_http_parse_eq(const sl_str_t *s, const char *lc, size_t n)
{
    size_t  i;

    if (s->len != n) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if ((s->data[i] | 0x20) != (u_char) lc[i]) {
            return 0;
        }
    }
    return 1;
}


static int
sl_http_parse_field_host(sl_http_head_t *head, const sl_str_t *v,
    const char **error)
{
    sl_str_t  host;
    unsigned  port;

    if (++head->host_count > 1) {
        *error = "duplicate Host";
        return 400;
    }
    if (sl_http_parse_host(v->data, v->len, &host, &port) != SL_OK) {
        *error = "invalid Host";
        return 400;
    }
    /* RFC 9112 3.2.2: the host of an absolute target wins. */
    if (head->target_form == SL_HTTP_TARGET_ORIGIN
        || head->target_form == SL_HTTP_TARGET_ASTERISK)
    {
        head->host = host;
        head->port = port;
    }
    return 0;
}


/* 1*DIGIT up to INT64_MAX; one field only (see the header comment). */
static int
sl_http_parse_field_length(sl_http_head_t *head, const sl_str_t *v,
    const char **error)
{
    int64_t  n;
    size_t   i;
    int      d;

    if (head->content_length >= 0) {
        *error = "duplicate Content-Length";
        return 400;
    }
    *error = "invalid Content-Length";
    if (v->len == 0) {
        return 400;
    }
    n = 0;
    for (i = 0; i < v->len; i++) {
        d = v->data[i] - '0';
        if (d < 0 || d > 9) {
            return 400;
        }
        if (n > (INT64_MAX - d) / 10) {
            return 400;
        }
        n = n * 10 + d;
    }
    head->content_length = n;
    return 0;
}


/*
 * Each coding of each Transfer-Encoding field, in order. Nothing may
 * follow chunked, not even a second chunked; what comes before it is
 * remembered for a 501 once the head is complete. Unlike other lists, no
 * element may be empty ("chunked," is a 400): the body's framing is where
 * sluice and a proxy in front must read the same thing, and one that does
 * not take "chunked," for chunked would see the body as a next request.
 */
static int
sl_http_parse_field_te(sl_http_parse_t *st, sl_http_head_t *head,
    const sl_str_t *v, const char **error)
{
    sl_str_t  rest, coding;
    int       chunked;

    head->te = 1;
    if (sl_http_parse_list_has_empty(v)) {
        *error = "invalid Transfer-Encoding";
        return 400;
    }
    rest = *v;
    while (sl_http_parse_list_next(&rest, &coding)) {
        if (!sl_http_parse_is_token(&coding)) {
            *error = "invalid Transfer-Encoding";
            return 400;
        }
        chunked = sl_http_parse_eq_lit(&coding, "chunked");
        if (head->chunked) {
            *error = chunked ? "chunked applied twice"
                             : "chunked is not the final transfer coding";
            return 400;
        }
        if (chunked) {
            head->chunked = 1;
        } else {
            st->te_other = 1;
        }
    }
    return 0;
}


static int
sl_http_parse_field_connection(sl_http_head_t *head, const sl_str_t *v,
    const char **error)
{
    unsigned  opts;

    opts = 0;
    if (sl_http_parse_connection(v, &opts) != SL_OK) {
        *error = "invalid Connection";
        return 400;
    }
    head->conn_close |= (opts & SL_HTTP_CONN_CLOSE) != 0;
    head->conn_keep_alive |= (opts & SL_HTTP_CONN_KEEP_ALIVE) != 0;
    head->conn_upgrade |= (opts & SL_HTTP_CONN_UPGRADE) != 0;
    return 0;
}


/* True when the list v has an empty element (only OWS before a comma,
 * between two, or after the last one), or is empty itself. */
static int
sl_http_parse_list_has_empty(const sl_str_t *v)
{
    size_t  i;
    int     seen;

    seen = 0;
    for (i = 0; i < v->len; i++) {
        if (v->data[i] == ',') {
            if (!seen) {
                return 1;
            }
            seen = 0;
        } else if (v->data[i] != ' ' && v->data[i] != '\t') {
            seen = 1;
        }
    }
    return !seen;
}


int
sl_http_parse_list_next(sl_str_t *rest, sl_str_t *elem)
{
    u_char  *p, *end, *s, *e;

    p = rest->data;
    end = p + rest->len;
    while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
        p++;   /* OWS and empty elements */
    }
    if (p == end) {
        rest->data = p;
        rest->len = 0;
        return 0;
    }
    s = p;
    while (p < end && *p != ',') {
        p++;
    }
    for (e = p; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--) {
        /* trailing OWS */
    }
    rest->data = p;
    rest->len = (size_t) (end - p);
    elem->data = s;
    elem->len = (size_t) (e - s);
    return 1;
}


sl_int_t
sl_http_parse_connection(const sl_str_t *v, unsigned *opts)
{
    sl_str_t  rest, opt;
    sl_int_t  rc;

    rc = SL_OK;
    rest = *v;
    while (sl_http_parse_list_next(&rest, &opt)) {
        if (!sl_http_parse_is_token(&opt)) {
            rc = SL_ERROR;
        } else if (sl_http_parse_eq_lit(&opt, "close")) {
            *opts |= SL_HTTP_CONN_CLOSE;
        } else if (sl_http_parse_eq_lit(&opt, "keep-alive")) {
            *opts |= SL_HTTP_CONN_KEEP_ALIVE;
        } else if (sl_http_parse_eq_lit(&opt, "upgrade")) {
            *opts |= SL_HTTP_CONN_UPGRADE;
        }
    }
    return rc;
}


static int
sl_http_parse_is_token(const sl_str_t *s)
{
    size_t  i;

    if (s->len == 0) {
        return 0;
    }
    for (i = 0; i < s->len; i++) {
        if (!sl_http_is(s->data[i], SL_HTTP_C_TCHAR)) {
            return 0;
        }
    }
    return 1;
}


sl_int_t
sl_http_parse_field_line(const u_char *p, size_t len, size_t *bad,
    const char **error)
{
    size_t  i;

    for (i = 0; i < len && sl_http_is(p[i], SL_HTTP_C_TCHAR); i++) {
        /* the name */
    }
    *bad = i;
    if (i == len) {
        *error = "expected \"Name: value\": no ':' after the field name";
        return SL_ERROR;
    }
    if (p[i] != ':') {
        *error = "the field name may hold only letters, digits and "
                 "!#$%&'*+-.^_`|~, and ':' must follow it at once";
        return SL_ERROR;
    }
    if (i == 0) {
        *error = "the field name before ':' is empty";
        return SL_ERROR;
    }
    for (i++; i < len; i++) {
        if (!sl_http_is(p[i], SL_HTTP_C_VALUE)) {
            *bad = i;
            *error = "the value may not hold CR, LF, NUL or any other "
                     "control character but HTAB";
            return SL_ERROR;
        }
    }
    return SL_OK;
}


sl_int_t
sl_http_parse_host(const u_char *p, size_t n, sl_str_t *host, unsigned *port)
{
    const u_char  *e;
    size_t         hl;

    if (n == 0) {
        return SL_ERROR;
    }
    if (p[0] == '[') {
        e = memchr(p, ']', n);
        if (e == NULL) {
            return SL_ERROR;
        }
        hl = e - p + 1;
        if (sl_http_parse_host_ipv6(p + 1, hl - 2) != SL_OK) {
            return SL_ERROR;
        }
    } else {
        e = memchr(p, ':', n);
        hl = e ? (size_t) (e - p) : n;
        if (sl_http_parse_host_name(p, hl) != SL_OK) {
            return SL_ERROR;
        }
    }

    *port = 0;
    if (hl < n) {
        if (p[hl] != ':'
            || sl_http_parse_port(p + hl + 1, n - hl - 1, port) != SL_OK)
        {
            return SL_ERROR;
        }
    }
    host->data = (u_char *) p;
    host->len = hl;
    return SL_OK;
}


/* Labels of ALPHA DIGIT "-" "_" joined by single dots; a final dot is ok. */
static sl_int_t
sl_http_parse_host_name(const u_char *p, size_t n)
{
    size_t  i, label;

    if (n == 0) {
        return SL_ERROR;
    }
    label = 0;
    for (i = 0; i < n; i++) {
        if (sl_http_is(p[i], SL_HTTP_C_HOST)) {
            label++;
        } else if (p[i] == '.' && label > 0) {
            label = 0;
        } else {
            return SL_ERROR;
        }
    }
    return SL_OK;
}


/* The inside of "[...]": exactly an IPv6 address, no zone, no IPvFuture. */
static sl_int_t
sl_http_parse_host_ipv6(const u_char *p, size_t n)
{
    char             text[INET6_ADDRSTRLEN];
    struct in6_addr  addr;

    if (n < 2 || n >= sizeof(text)) {
        return SL_ERROR;
    }
    memcpy(text, p, n);
    text[n] = '\0';
    return inet_pton(AF_INET6, text, &addr) == 1 ? SL_OK : SL_ERROR;
}


/* 1 to 5 digits, 1 to 65535. */
static sl_int_t
sl_http_parse_port(const u_char *p, size_t n, unsigned *port)
{
    unsigned  v;
    size_t    i;

    if (n == 0 || n > 5) {
        return SL_ERROR;
    }
    v = 0;
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return SL_ERROR;
        }
        v = v * 10 + (p[i] - '0');
    }
    if (v == 0 || v > 65535) {
        return SL_ERROR;
    }
    *port = v;
    return SL_OK;
}
