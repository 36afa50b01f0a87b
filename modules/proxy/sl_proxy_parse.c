/*
 * sl_proxy_parse.c: the backend response head parser (modules layer,
 * pure); the rules are in sl_proxy_parse.h.
 *
 * Two passes: an incremental scan finds the end of the head and rejects
 * bare CR and LF (and a first line that cannot be a status line) as soon
 * as they arrive, so a broken backend is caught without waiting for a
 * full buffer; then the complete head is parsed once, line by line. A
 * head is a few hundred bytes: the second look costs less than keeping a
 * full state machine resumable.
 */
#include "sl_proxy_parse.h"

enum {
    SL_PROXY_PS_LINE = 0,      /* inside a line */
    SL_PROXY_PS_CR,            /* CR seen: LF must follow */
    SL_PROXY_PS_ERROR
};

static sl_int_t sl_proxy_parse_scan(sl_proxy_parse_t *st, const u_char *buf,
    size_t len, sl_proxy_resp_t *resp);
static sl_int_t sl_proxy_parse_status(const u_char *p, const u_char *end,
    sl_proxy_resp_t *resp);
static sl_int_t sl_proxy_parse_field_line(const u_char *p, const u_char *end,
    sl_proxy_resp_t *resp);
static sl_int_t sl_proxy_parse_digest(sl_proxy_resp_t *resp,
    const sl_http_header_t *h);
static sl_int_t sl_proxy_parse_length(sl_proxy_resp_t *resp,
    const sl_str_t *v);
static sl_int_t sl_proxy_parse_te(sl_proxy_resp_t *resp, const sl_str_t *v);
static void sl_proxy_parse_connection(sl_proxy_resp_t *resp,
    const sl_str_t *v);
static sl_int_t sl_proxy_parse_fail(sl_proxy_resp_t *resp, const char *err);


/* See sl_proxy_parse.h. */
void
sl_proxy_parse_init(sl_proxy_parse_t *st)
{
    st->pos = 0;
    st->line = 0;
    st->state = SL_PROXY_PS_LINE;
}


static sl_int_t
sl_proxy_parse_fail(sl_proxy_resp_t *resp, const char *err)
{
    resp->error = err;
    return SL_ERROR;
}


/* See sl_proxy_parse.h: scan, then parse the complete head. */
sl_int_t
sl_proxy_parse_response(sl_proxy_parse_t *st, const u_char *buf, size_t len,
    sl_proxy_resp_t *resp)
{
    const u_char  *p, *end, *eol;
    sl_int_t       rc;
    size_t         head;

    rc = sl_proxy_parse_scan(st, buf, len, resp);
    if (rc != SL_OK) {
        return rc;
    }
    head = st->pos;
    resp->nheaders = 0;
    resp->content_length = -1;
    resp->upgrade.len = 0;
    resp->upgrade.data = NULL;
    resp->chunked = 0;
    resp->conn_close = 0;
    resp->conn_keep_alive = 0;
    resp->conn_upgrade = 0;
    resp->error = NULL;

    /* The scan guarantees every line ends in CRLF and the last is empty. */
    p = buf;
    end = buf + head - 2;
    eol = memchr(p, '\r', (size_t) (end - p));
    if (sl_proxy_parse_status(p, eol, resp) != SL_OK) {
        st->state = SL_PROXY_PS_ERROR;
        return SL_ERROR;
    }
    for (p = eol + 2; p < end; p = eol + 2) {
        eol = memchr(p, '\r', (size_t) (end - p));
        if (sl_proxy_parse_field_line(p, eol, resp) != SL_OK) {
            st->state = SL_PROXY_PS_ERROR;
            return SL_ERROR;
        }
    }
    if (resp->chunked && resp->content_length >= 0) {
        st->state = SL_PROXY_PS_ERROR;
        return sl_proxy_parse_fail(resp, "Content-Length with "
                                   "Transfer-Encoding");
    }
    if (resp->chunked && resp->http_minor == 0) {
        st->state = SL_PROXY_PS_ERROR;
        return sl_proxy_parse_fail(resp, "Transfer-Encoding in HTTP/1.0");
    }
    return (sl_int_t) head;
}


/*
 * Finds the end of the head from where the last call stopped. Returns
 * SL_OK (st->pos is the head's length), SL_AGAIN or SL_ERROR.
 */
static sl_int_t
sl_proxy_parse_scan(sl_proxy_parse_t *st, const u_char *buf, size_t len,
    sl_proxy_resp_t *resp)
{
    static const char  proto[] = "HTTP/";
    size_t             i;
    u_char             c;

    if (st->state == SL_PROXY_PS_ERROR) {
        return SL_ERROR;
    }
    for (i = st->pos; i < len; i++) {
        c = buf[i];
        if (i < sizeof(proto) - 1 && c != (u_char) proto[i]) {
            st->state = SL_PROXY_PS_ERROR;
            return sl_proxy_parse_fail(resp, "not an HTTP/1.x status line");
        }
        if (st->state == SL_PROXY_PS_CR) {
            if (c != '\n') {
                st->state = SL_PROXY_PS_ERROR;
                return sl_proxy_parse_fail(resp, "bare CR");
            }
            st->state = SL_PROXY_PS_LINE;
            if (i == st->line + 1 && i > 1) {
                st->pos = i + 1;   /* an empty line: the end of the head */
                return SL_OK;
            }
            st->line = i + 1;
        } else if (c == '\r') {
            st->state = SL_PROXY_PS_CR;
        } else if (c == '\n') {
            st->state = SL_PROXY_PS_ERROR;
            return sl_proxy_parse_fail(resp, "bare LF");
        }
    }
    st->pos = len;
    return SL_AGAIN;
}


/* "HTTP/1.1 200 OK" in [p, end), without its CRLF. */
static sl_int_t
sl_proxy_parse_status(const u_char *p, const u_char *end,
    sl_proxy_resp_t *resp)
{
    const u_char  *q;

    if (end - p < 12 || !sl_memeq_lit(p, "HTTP/")
        || p[5] < '0' || p[5] > '9' || p[6] != '.' || p[7] < '0'
        || p[7] > '9' || p[8] != ' ')
    {
        return sl_proxy_parse_fail(resp, "invalid status line");
    }
    if (p[5] != '1') {
        return sl_proxy_parse_fail(resp, "not HTTP/1.x");
    }
    resp->http_major = 1;
    resp->http_minor = (unsigned) (p[7] - '0');
    if (p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9'
        || p[11] < '0' || p[11] > '9')
    {
        return sl_proxy_parse_fail(resp, "invalid status code");
    }
    resp->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    q = p + 12;
    if (q < end && *q != ' ') {
        return sl_proxy_parse_fail(resp, "invalid status code");
    }
    for (q = q < end ? q + 1 : q; q < end; q++) {
        if (!sl_http_is(*q, SL_HTTP_C_VALUE)) {
            return sl_proxy_parse_fail(resp, "invalid reason phrase");
        }
    }
    resp->status_text.data = (u_char *) p + 9;
    resp->status_text.len = (size_t) (end - (p + 9));
    return SL_OK;
}


/* One field line in [p, end), without its CRLF. */
static sl_int_t
sl_proxy_parse_field_line(const u_char *p, const u_char *end,
    sl_proxy_resp_t *resp)
{
    sl_http_header_t  *h;
    const u_char      *q, *name_end, *v, *ve;

    if (p == end || *p == ' ' || *p == '\t') {
        return sl_proxy_parse_fail(resp, p == end ? "empty field line"
                                                  : "obsolete line folding");
    }
    for (q = p; q < end && sl_http_is(*q, SL_HTTP_C_TCHAR); q++) {
        /* the name */
    }
    if (q == p || q == end || *q != ':') {
        return sl_proxy_parse_fail(resp, "invalid field name");
    }
    name_end = q;
    for (v = q + 1; v < end && (*v == ' ' || *v == '\t'); v++) {
        /* leading OWS */
    }
    for (ve = end; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--) {
        /* trailing OWS */
    }
    for (q = v; q < ve; q++) {
        if (!sl_http_is(*q, SL_HTTP_C_VALUE)) {
            return sl_proxy_parse_fail(resp, "invalid field value");
        }
    }
    if (resp->nheaders == resp->max_headers) {
        return sl_proxy_parse_fail(resp, "too many header fields");
    }
    h = &resp->headers[resp->nheaders++];
    h->name.data = (u_char *) p;
    h->name.len = (size_t) (name_end - p);
    h->value.data = (u_char *) v;
    h->value.len = (size_t) (ve - v);
    return sl_proxy_parse_digest(resp, h);
}


/* The fields that decide framing and connection reuse. */
static sl_int_t
sl_proxy_parse_digest(sl_proxy_resp_t *resp, const sl_http_header_t *h)
{
    const sl_str_t  *n;

    n = &h->name;
    if (sl_http_parse_eq_lit(n, "content-length")) {
        return sl_proxy_parse_length(resp, &h->value);
    }
    if (sl_http_parse_eq_lit(n, "transfer-encoding")) {
        return sl_proxy_parse_te(resp, &h->value);
    }
    if (sl_http_parse_eq_lit(n, "connection")) {
        sl_proxy_parse_connection(resp, &h->value);
    } else if (sl_http_parse_eq_lit(n, "upgrade")) {
        resp->upgrade = h->value;
    }
    return SL_OK;
}


static sl_int_t
sl_proxy_parse_length(sl_proxy_resp_t *resp, const sl_str_t *v)
{
    int64_t  n;

    if (resp->content_length >= 0) {
        return sl_proxy_parse_fail(resp, "duplicate Content-Length");
    }
    n = sl_atoi64(v->data, v->len);
    if (n < 0) {
        return sl_proxy_parse_fail(resp, "invalid Content-Length");
    }
    resp->content_length = n;
    return SL_OK;
}


static sl_int_t
sl_proxy_parse_te(sl_proxy_resp_t *resp, const sl_str_t *v)
{
    sl_str_t  rest, elem;

    rest = *v;
    while (sl_http_parse_list_next(&rest, &elem)) {
        if (!sl_http_parse_eq_lit(&elem, "chunked")) {
            return sl_proxy_parse_fail(resp, "unsupported transfer coding");
        }
        if (resp->chunked) {
            return sl_proxy_parse_fail(resp, "chunked applied twice");
        }
        resp->chunked = 1;
    }
    if (!resp->chunked) {
        return sl_proxy_parse_fail(resp, "empty Transfer-Encoding");
    }
    return SL_OK;
}


/*
 * What the backend says about the connection. Options that are not
 * tokens are not ours to judge here: the field is dropped on the way to
 * the client as hop-by-hop all the same.
 */
static void
sl_proxy_parse_connection(sl_proxy_resp_t *resp, const sl_str_t *v)
{
    unsigned  opts;

    opts = 0;
    (void) sl_http_parse_connection(v, &opts);
    resp->conn_close |= (opts & SL_HTTP_CONN_CLOSE) != 0;
    resp->conn_keep_alive |= (opts & SL_HTTP_CONN_KEEP_ALIVE) != 0;
    resp->conn_upgrade |= (opts & SL_HTTP_CONN_UPGRADE) != 0;
}


/* See sl_proxy_parse.h. */
int
sl_proxy_str_eq_nocase(const sl_str_t *a, const sl_str_t *b)
{
    return a->len == b->len && sl_strncasecmp(a->data, b->data, a->len) == 0;
}
