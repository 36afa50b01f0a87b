/*
 * sl_http_parse.c: the request head parser (http layer); see
 * sl_http_parse.h for the contract and the strictness decisions.
 *
 * A resumable state machine: each state is a small function that runs a
 * tight table-driven loop over the bytes it owns and saves its position
 * in sl_http_parse_t, so a head split at any byte is parsed once, in
 * linear time. Positions are kept as offsets; the sl_str_t already
 * written into the head are re-based when the caller's buffer moves.
 * The fields the engine needs (Host, Content-Length, Transfer-Encoding,
 * Connection, Expect, Upgrade) are digested as each line completes, by a
 * dispatch on the name's length, so the head is walked once.
 */
#include "sl_core.h"
#include "sl_http_parse.h"


enum {
    SL_HTTP_PS_INIT = 0,
    SL_HTTP_PS_EMPTY,          /* before the request line: CRLF or method */
    SL_HTTP_PS_EMPTY_LF,
    SL_HTTP_PS_METHOD,
    SL_HTTP_PS_TARGET,
    SL_HTTP_PS_VERSION,        /* "HTTP/1.1" CRLF, byte by byte */
    SL_HTTP_PS_FIELD,          /* start of a header line or of the end */
    SL_HTTP_PS_NAME,
    SL_HTTP_PS_OWS,
    SL_HTTP_PS_VALUE,
    SL_HTTP_PS_VALUE_LF,
    SL_HTTP_PS_END_LF,
    SL_HTTP_PS_DONE,
    SL_HTTP_PS_ERROR
};


#define T   SL_HTTP_C_TCHAR
#define V   SL_HTTP_C_VALUE
#define G   SL_HTTP_C_TARGET
#define X   SL_HTTP_C_HEX
#define H   SL_HTTP_C_HOST
#define Q   SL_HTTP_C_QDTEXT
#define W   SL_HTTP_C_OWS
#define S   SL_HTTP_C_SCHEME

/*
 * Byte classes. Ranges never overlap (-Woverride-init): each byte is named
 * once. The unit test checks this table against the RFC grammar.
 */
const uint8_t  sl_http_char_class[256] = {
    ['\t'] = V | Q | W,
    [' '] = V | Q | W,
    ['!'] = T | V | G | Q,
    ['"'] = V | G,
    ['#'] = T | V | Q,
    ['$' ... '\''] = T | V | G | Q,
    ['(' ... ')'] = V | G | Q,
    ['*'] = T | V | G | Q,
    ['+'] = T | V | G | Q | S,
    [','] = V | G | Q,
    ['-'] = T | V | G | Q | H | S,
    ['.'] = T | V | G | Q | S,
    ['/'] = V | G | Q,
    ['0' ... '9'] = T | V | G | Q | X | H | S,
    [':' ... '@'] = V | G | Q,
    ['A' ... 'F'] = T | V | G | Q | X | H | S,
    ['G' ... 'Z'] = T | V | G | Q | H | S,
    ['['] = V | G | Q,
    ['\\'] = V | G,
    [']'] = V | G | Q,
    ['^'] = T | V | G | Q,
    ['_'] = T | V | G | Q | H,
    ['`'] = T | V | G | Q,
    ['a' ... 'f'] = T | V | G | Q | X | H | S,
    ['g' ... 'z'] = T | V | G | Q | H | S,
    ['{'] = V | G | Q,
    ['|'] = T | V | G | Q,
    ['}'] = V | G | Q,
    ['~'] = T | V | G | Q,
    [0x80 ... 0xff] = V | Q
};

#undef T
#undef V
#undef G
#undef X
#undef H
#undef Q
#undef W
#undef S


static void sl_http_parse_head_reset(sl_http_head_t *head);
static void sl_http_parse_rebase(sl_http_parse_t *st, sl_http_head_t *head,
    const u_char *buf);
static void sl_http_parse_rebase_str(sl_str_t *s, uintptr_t from, size_t n,
    const u_char *to);
static sl_int_t sl_http_parse_run(sl_http_parse_t *st, const u_char *buf,
    size_t end, sl_http_head_t *head);
static inline const u_char *sl_http_parse_scan(const u_char *p,
    const u_char *last, uint8_t cls);
static sl_int_t sl_http_parse_fail(sl_http_parse_t *st, sl_http_head_t *head,
    int status, const char *error);
static sl_int_t sl_http_parse_empty(sl_http_parse_t *st, const u_char *buf,
    sl_http_head_t *head);
static sl_int_t sl_http_parse_empty_lf(sl_http_parse_t *st,
    const u_char *buf, sl_http_head_t *head);
static sl_int_t sl_http_parse_method(sl_http_parse_t *st, const u_char *buf,
    size_t end, sl_http_head_t *head);
static sl_http_method_e sl_http_parse_method_id(const u_char *m, size_t n);
static sl_int_t sl_http_parse_target(sl_http_parse_t *st, const u_char *buf,
    size_t end, sl_http_head_t *head);
static sl_int_t sl_http_parse_version(sl_http_parse_t *st, const u_char *buf,
    size_t end, sl_http_head_t *head);
static sl_int_t sl_http_parse_request_line(sl_http_parse_t *st,
    const u_char *buf, sl_http_head_t *head);
static sl_int_t sl_http_parse_target_form(sl_http_head_t *head,
    const char **error);
static sl_int_t sl_http_parse_absolute(sl_http_head_t *head,
    const char **error);
static void sl_http_parse_split(sl_http_head_t *head, u_char *p, size_t n);
static sl_int_t sl_http_parse_field_start(sl_http_parse_t *st,
    const u_char *buf, sl_http_head_t *head);
static sl_int_t sl_http_parse_name(sl_http_parse_t *st, const u_char *buf,
    size_t end, sl_http_head_t *head);
static sl_int_t sl_http_parse_ows(sl_http_parse_t *st, const u_char *buf,
    size_t end);
static sl_int_t sl_http_parse_value(sl_http_parse_t *st, const u_char *buf,
    size_t end, sl_http_head_t *head);
static sl_int_t sl_http_parse_value_lf(sl_http_parse_t *st,
    const u_char *buf, sl_http_head_t *head);
static sl_int_t sl_http_parse_end_lf(sl_http_parse_t *st, const u_char *buf,
    sl_http_head_t *head);
static sl_int_t sl_http_parse_head_done(sl_http_parse_t *st,
    sl_http_head_t *head);


void
sl_http_parse_init(sl_http_parse_t *st, size_t max_head)
{
    memset(st, 0, sizeof(*st));
    st->state = SL_HTTP_PS_INIT;
    st->max_head = max_head ? max_head : 1;
}


sl_int_t
sl_http_parse_request_head(sl_http_parse_t *st, const u_char *buf,
    size_t len, sl_http_head_t *head)
{
    size_t    end;
    sl_int_t  rc;

    if (st->state == SL_HTTP_PS_INIT) {
        sl_http_parse_head_reset(head);
        st->state = SL_HTTP_PS_EMPTY;
    } else if (buf != st->base) {
        sl_http_parse_rebase(st, head, buf);
    }
    st->base = buf;

    if (st->state == SL_HTTP_PS_DONE) {
        return (sl_int_t) st->pos;
    }
    if (st->state == SL_HTTP_PS_ERROR) {
        return SL_ERROR;
    }

    end = sl_min(len, st->max_head);
    rc = sl_http_parse_run(st, buf, end, head);
    if (rc != SL_AGAIN || end < st->max_head) {
        return rc;
    }

    /* The buffer is full and the head is not complete. */
    if (st->state <= SL_HTTP_PS_VERSION) {
        return sl_http_parse_fail(st, head, 414, "request line too long");
    }
    return sl_http_parse_fail(st, head, 431, "request head too large");
}


/* Clears the head but keeps the caller's header array. */
static void
sl_http_parse_head_reset(sl_http_head_t *head)
{
    sl_http_header_t  *headers;
    size_t             max;

    headers = head->headers;
    max = head->max_headers;
    memset(head, 0, sizeof(*head));
    head->headers = headers;
    head->max_headers = max;
    head->content_length = -1;
}


/*
 * The caller moved the bytes: every pointer stored so far lies in the old
 * [base, base + pos] and moves by the same offset. Integer arithmetic, as
 * the old buffer may be gone.
 */
static void
sl_http_parse_rebase(sl_http_parse_t *st, sl_http_head_t *head,
    const u_char *buf)
{
    uintptr_t  from;
    size_t     i, n;

    from = (uintptr_t) st->base;
    n = st->pos;
    sl_http_parse_rebase_str(&head->request_line, from, n, buf);
    sl_http_parse_rebase_str(&head->method_name, from, n, buf);
    sl_http_parse_rebase_str(&head->target, from, n, buf);
    sl_http_parse_rebase_str(&head->scheme, from, n, buf);
    sl_http_parse_rebase_str(&head->path, from, n, buf);
    sl_http_parse_rebase_str(&head->query, from, n, buf);
    sl_http_parse_rebase_str(&head->host, from, n, buf);
    for (i = 0; i < head->nheaders; i++) {
        sl_http_parse_rebase_str(&head->headers[i].name, from, n, buf);
        sl_http_parse_rebase_str(&head->headers[i].value, from, n, buf);
    }
}


/* Moves s if it lies inside the old bytes (path may be a static "/"). */
static void
sl_http_parse_rebase_str(sl_str_t *s, uintptr_t from, size_t n,
    const u_char *to)
{
    uintptr_t  off;

    if (s->data == NULL) {
        return;
    }
    off = (uintptr_t) s->data - from;
    if (off <= n && s->len <= n - off) {
        s->data = (u_char *) to + off;
    }
}


/*
 * The hot loop of every token state: returns the first byte in [p, last)
 * not in class cls, or last. Eight bytes per bounds check; most of a head
 * is field values, which this walks at well under a nanosecond a byte.
 */
static inline const u_char *
sl_http_parse_scan(const u_char *p, const u_char *last, uint8_t cls)
{
    while (last - p >= 8) {
        if (!sl_http_is(p[0], cls)) { return p; }
        if (!sl_http_is(p[1], cls)) { return p + 1; }
        if (!sl_http_is(p[2], cls)) { return p + 2; }
        if (!sl_http_is(p[3], cls)) { return p + 3; }
        if (!sl_http_is(p[4], cls)) { return p + 4; }
        if (!sl_http_is(p[5], cls)) { return p + 5; }
        if (!sl_http_is(p[6], cls)) { return p + 6; }
        if (!sl_http_is(p[7], cls)) { return p + 7; }
        p += 8;
    }
    while (p < last && sl_http_is(*p, cls)) {
        p++;
    }
    return p;
}


/*
 * Runs the states until one needs more bytes (SL_AGAIN), fails (SL_ERROR)
 * or ends the head (the head's length, > 0). A state function returns
 * SL_OK when it moved to another state; it is only called with at least
 * one byte left before end.
 */
static sl_int_t
sl_http_parse_run(sl_http_parse_t *st, const u_char *buf, size_t end,
    sl_http_head_t *head)
{
    sl_int_t  rc;

    do {
        if (st->pos >= end) {
            return SL_AGAIN;
        }
        switch (st->state) {
        case SL_HTTP_PS_EMPTY:
            rc = sl_http_parse_empty(st, buf, head);
            break;
        case SL_HTTP_PS_EMPTY_LF:
            rc = sl_http_parse_empty_lf(st, buf, head);
            break;
        case SL_HTTP_PS_METHOD:
            rc = sl_http_parse_method(st, buf, end, head);
            break;
        case SL_HTTP_PS_TARGET:
            rc = sl_http_parse_target(st, buf, end, head);
            break;
        case SL_HTTP_PS_VERSION:
            rc = sl_http_parse_version(st, buf, end, head);
            break;
        case SL_HTTP_PS_FIELD:
            rc = sl_http_parse_field_start(st, buf, head);
            break;
        case SL_HTTP_PS_NAME:
            rc = sl_http_parse_name(st, buf, end, head);
            break;
        case SL_HTTP_PS_OWS:
            rc = sl_http_parse_ows(st, buf, end);
            break;
        case SL_HTTP_PS_VALUE:
            rc = sl_http_parse_value(st, buf, end, head);
            break;
        case SL_HTTP_PS_VALUE_LF:
            rc = sl_http_parse_value_lf(st, buf, head);
            break;
        case SL_HTTP_PS_END_LF:
            rc = sl_http_parse_end_lf(st, buf, head);
            break;
        default:
            return sl_http_parse_fail(st, head, 400, "parser state broken");
        }
    } while (rc == SL_OK);

    return rc;
}


static sl_int_t
sl_http_parse_fail(sl_http_parse_t *st, sl_http_head_t *head, int status,
    const char *error)
{
    st->state = SL_HTTP_PS_ERROR;
    head->status = status;
    head->error = error;
    return SL_ERROR;
}


/* Before the request line: a bounded number of CRLFs, then a method. */
static sl_int_t
sl_http_parse_empty(sl_http_parse_t *st, const u_char *buf,
    sl_http_head_t *head)
{
    u_char  c;

    c = buf[st->pos];
    if (c == '\r') {
        if (++st->empty_lines > SL_HTTP_MAX_EMPTY_LINES) {
            return sl_http_parse_fail(st, head, 400,
                                      "too many empty lines before request");
        }
        st->pos++;
        st->state = SL_HTTP_PS_EMPTY_LF;
        return SL_OK;
    }
    if (c == '\n') {
        return sl_http_parse_fail(st, head, 400, "bare LF before request");
    }
    if (!sl_http_is(c, SL_HTTP_C_TCHAR)) {
        return sl_http_parse_fail(st, head, 400, "invalid method");
    }
    st->line = st->pos;
    st->mark = st->pos;
    st->state = SL_HTTP_PS_METHOD;
    return SL_OK;
}


static sl_int_t
sl_http_parse_empty_lf(sl_http_parse_t *st, const u_char *buf,
    sl_http_head_t *head)
{
    if (buf[st->pos] != '\n') {
        return sl_http_parse_fail(st, head, 400, "bare CR before request");
    }
    st->pos++;
    st->state = SL_HTTP_PS_EMPTY;
    return SL_OK;
}


static sl_int_t
sl_http_parse_method(sl_http_parse_t *st, const u_char *buf, size_t end,
    sl_http_head_t *head)
{
    const u_char  *p, *last;

    last = buf + end;
    p = sl_http_parse_scan(buf + st->pos, last, SL_HTTP_C_TCHAR);
    st->pos = p - buf;
    if (p == last) {
        return SL_AGAIN;
    }
    if (*p != ' ') {
        return sl_http_parse_fail(st, head, 400, "invalid method");
    }

    head->method_name.data = (u_char *) buf + st->mark;
    head->method_name.len = st->pos - st->mark;
    head->method = sl_http_parse_method_id(head->method_name.data,
                                           head->method_name.len);
    st->pos++;
    st->mark = st->pos;
    st->state = SL_HTTP_PS_TARGET;
    return SL_OK;
}


/* Methods are case-sensitive (RFC 9110 9.1): "get" is an unknown token. */
static sl_http_method_e
sl_http_parse_method_id(const u_char *m, size_t n)
{
    switch (n) {
    case 3:
        if (sl_memeq_lit(m, "GET")) {
            return SL_HTTP_GET;
        }
        return sl_memeq_lit(m, "PUT") ? SL_HTTP_PUT : SL_HTTP_UNKNOWN;
    case 4:
        if (sl_memeq_lit(m, "HEAD")) {
            return SL_HTTP_HEAD;
        }
        return sl_memeq_lit(m, "POST") ? SL_HTTP_POST : SL_HTTP_UNKNOWN;
    case 5:
        if (sl_memeq_lit(m, "TRACE")) {
            return SL_HTTP_TRACE;
        }
        return sl_memeq_lit(m, "PATCH") ? SL_HTTP_PATCH : SL_HTTP_UNKNOWN;
    case 6:
        return sl_memeq_lit(m, "DELETE") ? SL_HTTP_DELETE : SL_HTTP_UNKNOWN;
    case 7:
        if (sl_memeq_lit(m, "OPTIONS")) {
            return SL_HTTP_OPTIONS;
        }
        return sl_memeq_lit(m, "CONNECT") ? SL_HTTP_CONNECT
                                            : SL_HTTP_UNKNOWN;
    default:
        return SL_HTTP_UNKNOWN;
    }
}


static sl_int_t
sl_http_parse_target(sl_http_parse_t *st, const u_char *buf, size_t end,
    sl_http_head_t *head)
{
    const u_char  *p, *last;

    last = buf + end;
    p = sl_http_parse_scan(buf + st->pos, last, SL_HTTP_C_TARGET);
    st->pos = p - buf;
    if (p == last) {
        return SL_AGAIN;
    }
    if (*p != ' ') {
        return sl_http_parse_fail(st, head, 400,
                                  "invalid character in request target");
    }
    if (st->pos == st->mark) {
        return sl_http_parse_fail(st, head, 400,
                                  "empty request target or extra space");
    }

    head->target.data = (u_char *) buf + st->mark;
    head->target.len = st->pos - st->mark;
    st->pos++;
    st->mark = st->pos;
    st->state = SL_HTTP_PS_VERSION;
    return SL_OK;
}


/*
 * "HTTP/" DIGIT "." DIGIT CR LF, checked one byte at a time against a
 * pattern ('0' stands for any digit), so the outcome never depends on how
 * much of it has arrived.
 */
static sl_int_t
sl_http_parse_version(sl_http_parse_t *st, const u_char *buf, size_t end,
    sl_http_head_t *head)
{
    static const u_char  pattern[] = "HTTP/0.0\r\n";
    size_t               k;
    u_char               c;

    for ( /* void */ ; st->pos < end; st->pos++) {
        k = st->pos - st->mark;
        c = buf[st->pos];
        if (pattern[k] == '0' ? (c < '0' || c > '9') : c != pattern[k]) {
            if (k == 9) {
                return sl_http_parse_fail(st, head, 400,
                                          "bare CR in request line");
            }
            return sl_http_parse_fail(st, head, 400,
                                      c == '\n' ? "bare LF in request line"
                                                : "invalid HTTP version");
        }
        if (k == 9) {
            st->pos++;
            return sl_http_parse_request_line(st, buf, head);
        }
    }
    return SL_AGAIN;
}


/* The request line is complete: check the version, then the target. */
static sl_int_t
sl_http_parse_request_line(sl_http_parse_t *st, const u_char *buf,
    sl_http_head_t *head)
{
    const char  *error;

    head->request_line.data = (u_char *) buf + st->line;
    head->request_line.len = st->pos - 2 - st->line;
    head->http_major = buf[st->mark + 5] - '0';
    head->http_minor = buf[st->mark + 7] - '0';

    if (head->http_major != 1) {
        return sl_http_parse_fail(st, head, 505, "unsupported HTTP version");
    }
    if (sl_http_parse_target_form(head, &error) != SL_OK) {
        return sl_http_parse_fail(st, head, 400, error);
    }
    st->state = SL_HTTP_PS_FIELD;
    return SL_OK;
}


static sl_int_t
sl_http_parse_target_form(sl_http_head_t *head, const char **error)
{
    u_char  *t;
    size_t   n;

    t = head->target.data;
    n = head->target.len;

    if (head->method == SL_HTTP_CONNECT) {
        /* RFC 9110 9.3.6: CONNECT takes host ":" port and nothing else. */
        head->target_form = SL_HTTP_TARGET_AUTHORITY;
        *error = "CONNECT needs host:port";
        if (sl_http_parse_host(t, n, &head->host, &head->port) != SL_OK
            || head->port == 0)
        {
            return SL_ERROR;
        }
        return SL_OK;
    }
    if (t[0] == '/') {
        head->target_form = SL_HTTP_TARGET_ORIGIN;
        sl_http_parse_split(head, t, n);
        return SL_OK;
    }
    if (n == 1 && t[0] == '*') {
        head->target_form = SL_HTTP_TARGET_ASTERISK;
        *error = "asterisk-form is only for OPTIONS";
        return head->method == SL_HTTP_OPTIONS ? SL_OK : SL_ERROR;
    }
    head->target_form = SL_HTTP_TARGET_ABSOLUTE;
    return sl_http_parse_absolute(head, error);
}


/*
 * scheme "://" authority [path] ["?" query] with scheme http or https
 * (any case), a host, no userinfo (RFC 9110 4.2.4: treat as an error).
 */
static sl_int_t
sl_http_parse_absolute(sl_http_head_t *head, const char **error)
{
    static const sl_str_t  sep = sl_string("://");
    u_char                *t, *a, *e, *last;
    size_t                 n;

    t = head->target.data;
    n = head->target.len;
    last = t + n;
    *error = "invalid request target";

    for (a = t; a < last && sl_http_is(*a, SL_HTTP_C_SCHEME); a++) {
        /* void */
    }
    if (a == t || !((*t | 0x20) >= 'a' && (*t | 0x20) <= 'z')
        || last - a < (ptrdiff_t) sep.len
        || memcmp(a, sep.data, sep.len) != 0)
    {
        return SL_ERROR;
    }
    head->scheme.data = t;
    head->scheme.len = a - t;
    if (!sl_http_parse_eq_lit(&head->scheme, "http")
        && !sl_http_parse_eq_lit(&head->scheme, "https"))
    {
        *error = "unsupported scheme in request target";
        return SL_ERROR;
    }

    a += sep.len;
    for (e = a; e < last && *e != '/' && *e != '?'; e++) {
        if (*e == '@') {
            *error = "userinfo in request target";
            return SL_ERROR;
        }
    }
    if (sl_http_parse_host(a, e - a, &head->host, &head->port) != SL_OK) {
        *error = "invalid host in request target";
        return SL_ERROR;
    }
    sl_http_parse_split(head, e, last - e);
    if (head->path.len == 0) {
        /* RFC 9112 3.2.2: an empty path means "/". */
        sl_str_set(&head->path, "/");
    }
    return SL_OK;
}


/* Splits p[0..n) at the first '?' into path and query. */
static void
sl_http_parse_split(sl_http_head_t *head, u_char *p, size_t n)
{
    u_char  *q;

    q = n ? memchr(p, '?', n) : NULL;
    head->path.data = p;
    if (q == NULL) {
        head->path.len = n;
        return;
    }
    head->path.len = q - p;
    head->query.data = q + 1;
    head->query.len = n - head->path.len - 1;
}


/* The first byte of a line after the request line. */
static sl_int_t
sl_http_parse_field_start(sl_http_parse_t *st, const u_char *buf,
    sl_http_head_t *head)
{
    u_char  c;

    c = buf[st->pos];
    if (sl_likely(sl_http_is(c, SL_HTTP_C_TCHAR))) {
        st->mark = st->pos;
        st->state = SL_HTTP_PS_NAME;
        return SL_OK;
    }
    if (c == '\r') {
        st->pos++;
        st->state = SL_HTTP_PS_END_LF;
        return SL_OK;
    }
    if (c == ' ' || c == '\t') {
        /* RFC 9112 5.2 obs-fold, or 2.2 whitespace after the start line */
        return sl_http_parse_fail(st, head, 400,
                                  head->nheaders ? "obsolete line folding"
                                      : "whitespace after request line");
    }
    if (c == ':') {
        return sl_http_parse_fail(st, head, 400, "empty header name");
    }
    return sl_http_parse_fail(st, head, 400,
                              c == '\n' ? "bare LF in header section"
                                        : "invalid character in header name");
}


static sl_int_t
sl_http_parse_name(sl_http_parse_t *st, const u_char *buf, size_t end,
    sl_http_head_t *head)
{
    const u_char  *p, *last;

    last = buf + end;
    p = sl_http_parse_scan(buf + st->pos, last, SL_HTTP_C_TCHAR);
    st->pos = p - buf;
    if (p == last) {
        return SL_AGAIN;
    }
    if (*p == ':') {
        st->name_end = st->pos++;
        st->state = SL_HTTP_PS_OWS;
        return SL_OK;
    }
    if (*p == ' ' || *p == '\t') {
        /* RFC 9112 5.1: MUST reject, a classic smuggling vector */
        return sl_http_parse_fail(st, head, 400,
                                  "whitespace before colon in header");
    }
    if (*p == '\r' || *p == '\n') {
        return sl_http_parse_fail(st, head, 400, "header line without colon");
    }
    return sl_http_parse_fail(st, head, 400,
                              "invalid character in header name");
}


static sl_int_t
sl_http_parse_ows(sl_http_parse_t *st, const u_char *buf, size_t end)
{
    while (st->pos < end && (buf[st->pos] == ' ' || buf[st->pos] == '\t')) {
        st->pos++;
    }
    if (st->pos == end) {
        return SL_AGAIN;
    }
    st->value = st->pos;
    st->state = SL_HTTP_PS_VALUE;
    return SL_OK;
}


static sl_int_t
sl_http_parse_value(sl_http_parse_t *st, const u_char *buf, size_t end,
    sl_http_head_t *head)
{
    const u_char  *p, *last;

    last = buf + end;
    p = sl_http_parse_scan(buf + st->pos, last, SL_HTTP_C_VALUE);
    st->pos = p - buf;
    if (p == last) {
        return SL_AGAIN;
    }
    if (*p != '\r') {
        return sl_http_parse_fail(st, head, 400,
                                  *p == '\n' ? "bare LF in header section"
                                      : "invalid character in header value");
    }
    st->pos++;
    st->state = SL_HTTP_PS_VALUE_LF;
    return SL_OK;
}


/* CR seen after a value: LF completes the field, which is then digested. */
static sl_int_t
sl_http_parse_value_lf(sl_http_parse_t *st, const u_char *buf,
    sl_http_head_t *head)
{
    sl_http_header_t  *h;
    size_t             vend;
    const char        *error;
    int                status;

    if (buf[st->pos] != '\n') {
        return sl_http_parse_fail(st, head, 400, "bare CR in header section");
    }
    if (head->nheaders == head->max_headers) {
        return sl_http_parse_fail(st, head, 431, "too many header fields");
    }

    vend = st->pos - 1;
    while (vend > st->value
           && (buf[vend - 1] == ' ' || buf[vend - 1] == '\t'))
    {
        vend--;
    }
    h = &head->headers[head->nheaders++];
    h->name.data = (u_char *) buf + st->mark;
    h->name.len = st->name_end - st->mark;
    h->value.data = (u_char *) buf + st->value;
    h->value.len = vend - st->value;

    st->pos++;
    st->state = SL_HTTP_PS_FIELD;

    status = sl_http_parse_field(st, head, h, &error);
    if (status != 0) {
        return sl_http_parse_fail(st, head, status, error);
    }
    return SL_OK;
}


/* The CR of the empty line that ends the head has been seen. */
static sl_int_t
sl_http_parse_end_lf(sl_http_parse_t *st, const u_char *buf,
    sl_http_head_t *head)
{
    if (buf[st->pos] != '\n') {
        return sl_http_parse_fail(st, head, 400, "bare CR in header section");
    }
    st->pos++;
    return sl_http_parse_head_done(st, head);
}


/* Rules across fields, once the whole head is in. */
static sl_int_t
sl_http_parse_head_done(sl_http_parse_t *st, sl_http_head_t *head)
{
    if (head->http_minor >= 1 && head->host_count == 0) {
        return sl_http_parse_fail(st, head, 400, "missing Host");
    }
    if (head->te) {
        if (head->http_minor == 0) {
            return sl_http_parse_fail(st, head, 400,
                                      "Transfer-Encoding in HTTP/1.0");
        }
        if (head->content_length >= 0) {
            return sl_http_parse_fail(st, head, 400,
                              "Content-Length with Transfer-Encoding");
        }
        if (!head->chunked) {
            return sl_http_parse_fail(st, head, 400,
                              "final transfer coding is not chunked");
        }
        if (st->te_other) {
            return sl_http_parse_fail(st, head, 501,
                                      "unsupported transfer coding");
        }
    }
    st->state = SL_HTTP_PS_DONE;
    return (sl_int_t) st->pos;
}
