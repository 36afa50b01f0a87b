/*
 * sl_proxy_head.c: the heads the proxy writes (modules layer): the request
 * head sent to the backend, built once per request in one buffer (the
 * same bytes serve every try), and the client's response head made from
 * the backend's. No I/O: given a request and a parsed response, these
 * only fill memory in the request pool.
 *
 * Hop-by-hop fields (RFC 9110 7.6.1) stop here in both directions:
 * Connection and every field it names, Keep-Alive, TE, Trailer,
 * Transfer-Encoding and Upgrade (both re-made by the proxy as needed), and
 * the Proxy-* fields. The request also loses HTTP2-Settings (h2c's, never
 * forwarded: see sl_proxy_upgrade_pick), Host, Content-Length and Expect
 * (re-made: the engine has already answered 100-continue) and the
 * X-Forwarded-* fields the proxy writes itself; X-Forwarded-For keeps the
 * client's list and appends the client's address.
 */
#include "sl_proxy.h"

typedef struct {
    sl_str_t   names[SL_PROXY_MAX_CONN_TOKENS];
    sl_uint_t  n;
} sl_proxy_tokens_t;

static void sl_proxy_tokens_collect(const sl_http_header_t *hs, size_t n,
    sl_proxy_tokens_t *t);
static int sl_proxy_hop_by_hop(const sl_str_t *name,
    const sl_proxy_tokens_t *t);
static int sl_proxy_head_skip(const sl_str_t *name,
    const sl_proxy_tokens_t *t);
static int sl_proxy_resp_skip(const sl_str_t *name,
    const sl_proxy_tokens_t *t, int tunnel);
static sl_str_t sl_proxy_client_host(sl_http_request_t *r);
static u_char *sl_proxy_head_xff(sl_http_request_t *r, u_char *p,
    const sl_str_t *addr);
static size_t sl_proxy_head_xff_size(sl_http_request_t *r);
static u_char *sl_proxy_head_fields(u_char *p, const sl_http_head_t *h,
    const sl_proxy_tokens_t *t);
static u_char *sl_proxy_head_tail(u_char *p, const sl_http_head_t *h,
    const sl_proxy_loc_conf_t *lcf, const sl_str_t *upg);
static sl_int_t sl_proxy_target_escape(sl_pool_t *pool, const u_char *rest,
    size_t len, sl_str_t *out);

/*
 * The bytes a re-escaped path keeps as they are (sl_str_escape): VCHAR
 * but "#" (0x23), "%" (0x25) and "?" (0x3f), which would end the path or
 * start an escape. Everything else the backend sees as the client sent
 * it: escaping a sub-delim could change what a path means to it.
 */
static const uint8_t  sl_proxy_path_plain[256] = {
    ['!' ... '"'] = 1, ['$'] = 1, ['&' ... '>'] = 1, ['@' ... '~'] = 1
};


/* Safe to send twice: a retry may repeat it (RFC 9110 9.2.2). */
int
sl_proxy_method_idempotent(sl_http_method_e m)
{
    switch (m) {
    case SL_HTTP_GET:
    case SL_HTTP_HEAD:
    case SL_HTTP_PUT:
    case SL_HTTP_DELETE:
    case SL_HTTP_OPTIONS:
    case SL_HTTP_TRACE:
        return 1;
    default:
        return 0;
    }
}


/* The field names listed in every Connection field of hs[0..n). */
static void
sl_proxy_tokens_collect(const sl_http_header_t *hs, size_t n,
    sl_proxy_tokens_t *t)
{
    sl_str_t  rest, elem;
    size_t    i;

    t->n = 0;
    for (i = 0; i < n; i++) {
        if (!sl_http_parse_eq_lit(&hs[i].name, "connection")) {
            continue;
        }
        rest = hs[i].value;
        while (sl_http_parse_list_next(&rest, &elem)
               && t->n < SL_PROXY_MAX_CONN_TOKENS)
        {
            t->names[t->n++] = elem;
        }
    }
}


static int
sl_proxy_hop_by_hop(const sl_str_t *name, const sl_proxy_tokens_t *t)
{
    static const sl_str_t  proxy = sl_string("proxy-");
    sl_uint_t              i;

    switch (name->len) {
    case 2:
        if (sl_http_parse_eq_lit(name, "te")) {
            return 1;
        }
        break;
    case 7:
        if (sl_http_parse_eq_lit(name, "trailer")) {
            return 1;
        }
        break;
    case 10:
        if (sl_http_parse_eq_lit(name, "connection")
            || sl_http_parse_eq_lit(name, "keep-alive"))
        {
            return 1;
        }
        break;
    case 17:
        if (sl_http_parse_eq_lit(name, "transfer-encoding")) {
            return 1;
        }
        break;
    default:
        break;
    }
    if (name->len > proxy.len
        && sl_strncasecmp(name->data, proxy.data, proxy.len) == 0)
    {
        return 1;
    }
    for (i = 0; i < t->n; i++) {
        if (sl_proxy_str_eq_nocase(name, &t->names[i])) {
            return 1;
        }
    }
    return 0;
}


/* Request fields that are not forwarded as they came. */
static int
sl_proxy_head_skip(const sl_str_t *name, const sl_proxy_tokens_t *t)
{
    switch (name->len) {
    case 4:
        return sl_http_parse_eq_lit(name, "host");
    case 6:
        return sl_http_parse_eq_lit(name, "expect");
    case 7:
        if (sl_http_parse_eq_lit(name, "upgrade")) {
            return 1;   /* re-made below when tunnelling */
        }
        break;
    case 14:
        if (sl_http_parse_eq_lit(name, "content-length")
            || sl_http_parse_eq_lit(name, "http2-settings"))
        {
            return 1;
        }
        break;
    case 15:
        if (sl_http_parse_eq_lit(name, "x-forwarded-for")) {
            return 1;
        }
        break;
    case 16:
        if (sl_http_parse_eq_lit(name, "x-forwarded-host")) {
            return 1;
        }
        break;
    case 17:
        if (sl_http_parse_eq_lit(name, "x-forwarded-proto")) {
            return 1;
        }
        break;
    default:
        break;
    }
    return sl_proxy_hop_by_hop(name, t);
}


/*
 * The host the client asked for, as it wrote it (port included): the
 * authority of an absolute-form target, else the Host field. Empty when
 * an HTTP/1.0 client sent none.
 */
static sl_str_t
sl_proxy_client_host(sl_http_request_t *r)
{
    sl_str_t   host;
    u_char    *end;
    size_t     i;

    host.len = 0;
    host.data = NULL;
    if (r->head.target_form == SL_HTTP_TARGET_ABSOLUTE) {
        host = r->head.host;
        end = r->head.target.data + r->head.target.len;
        while (host.data + host.len < end && host.data[host.len] != '/'
               && host.data[host.len] != '?')
        {
            host.len++;   /* ":port" */
        }
        return host;
    }
    for (i = 0; i < r->head.nheaders; i++) {
        if (sl_http_parse_eq_lit(&r->head.headers[i].name, "host")) {
            return r->head.headers[i].value;
        }
    }
    return host;
}


static size_t
sl_proxy_head_xff_size(sl_http_request_t *r)
{
    size_t  i, n;

    n = 0;
    for (i = 0; i < r->head.nheaders; i++) {
        if (sl_http_parse_eq_lit(&r->head.headers[i].name, "x-forwarded-for")) {
            n += r->head.headers[i].value.len + 2;
        }
    }
    return n;
}


/* "X-Forwarded-For: <the client's list>, <addr>\r\n" at p. */
static u_char *
sl_proxy_head_xff(sl_http_request_t *r, u_char *p, const sl_str_t *addr)
{
    size_t  i;

    p = sl_cpymem_lit(p, "X-Forwarded-For: ");
    for (i = 0; i < r->head.nheaders; i++) {
        if (sl_http_parse_eq_lit(&r->head.headers[i].name, "x-forwarded-for")
            && r->head.headers[i].value.len)
        {
            p = sl_cpymem(p, r->head.headers[i].value.data,
                          r->head.headers[i].value.len);
            *p++ = ',';
            *p++ = ' ';
        }
    }
    p = sl_cpymem(p, addr->data, addr->len);
    *p++ = '\r';
    *p++ = '\n';
    return p;
}


/* The client's end-to-end fields, as they came, at p. */
static u_char *
sl_proxy_head_fields(u_char *p, const sl_http_head_t *h,
    const sl_proxy_tokens_t *t)
{
    size_t  i;

    for (i = 0; i < h->nheaders; i++) {
        if (sl_proxy_head_skip(&h->headers[i].name, t)) {
            continue;
        }
        p = sl_cpymem(p, h->headers[i].name.data, h->headers[i].name.len);
        *p++ = ':';
        *p++ = ' ';
        p = sl_cpymem(p, h->headers[i].value.data, h->headers[i].value.len);
        *p++ = '\r';
        *p++ = '\n';
    }
    return p;
}


/* Body framing, Connection (and Upgrade: upg, when forwarded), the end. */
static u_char *
sl_proxy_head_tail(u_char *p, const sl_http_head_t *h,
    const sl_proxy_loc_conf_t *lcf, const sl_str_t *upg)
{
    if (h->chunked) {
        p = sl_cpymem_lit(p, "Transfer-Encoding: chunked\r\n");
    } else if (h->content_length >= 0) {
        p = sl_cpymem_lit(p, "Content-Length: ");
        p = sl_utoa(p, (uint64_t) h->content_length);
        *p++ = '\r';
        *p++ = '\n';
    }
    if (upg->len) {
        p = sl_cpymem_lit(p, "Connection: upgrade\r\nUpgrade: ");
        p = sl_cpymem(p, upg->data, upg->len);
        *p++ = '\r';
        *p++ = '\n';
    } else if (lcf->upstream->keepalive == 0) {
        p = sl_cpymem_lit(p, "Connection: close\r\n");
    }
    *p++ = '\r';
    *p++ = '\n';
    return p;
}


/*
 * Whether the client's head h asks to switch to a protocol the proxy
 * tunnels: an HTTP/1.1 request with "Connection: upgrade" whose Upgrade
 * fields list "websocket". Then *token is set to that element as the
 * client wrote it (in h's buffer) and 1 is returned; else 0, *token
 * untouched. Pure. Only WebSocket is tunnelled: h2c is deprecated (RFC
 * 9113 3.1) and forwarding it would let a client speak HTTP/2 to the
 * backend past the proxy's rules (h2c smuggling). Any other token goes
 * with the hop-by-hop fields, and the request is proxied as a plain one.
 */
int
sl_proxy_upgrade_pick(const sl_http_head_t *h, sl_str_t *token)
{
    sl_str_t  rest, elem;
    size_t    i;

    if (!h->conn_upgrade || h->http_major != 1 || h->http_minor < 1) {
        return 0;
    }
    for (i = 0; i < h->nheaders; i++) {
        if (!sl_http_parse_eq_lit(&h->headers[i].name, "upgrade")) {
            continue;
        }
        rest = h->headers[i].value;
        while (sl_http_parse_list_next(&rest, &elem)) {
            if (sl_http_parse_eq_lit(&elem, "websocket")) {
                *token = elem;
                return 1;
            }
        }
    }
    return 0;
}


/*
 * Builds the request head for the backend into pool memory: request
 * line (HTTP/1.1), Host, the client's end-to-end fields, X-Forwarded-*,
 * body framing, and Connection (upgrade, or close when the upstream keeps
 * no connections). upg: the Upgrade token to forward (from
 * sl_proxy_upgrade_pick), empty for none. Returns SL_OK with out set, or
 * SL_ERROR (out of memory).
 */
sl_int_t
sl_proxy_head_build(sl_http_request_t *r, const sl_proxy_loc_conf_t *lcf,
    const sl_str_t *upg, sl_str_t *out)
{
    sl_proxy_tokens_t   t;
    sl_http_head_t     *h;
    sl_str_t            target, host, client, addr;
    u_char              atext[SL_ADDR_HOST_LEN], *p, *buf;
    size_t              i, size;

    h = &r->head;
    if (sl_proxy_head_target(r->pool, h, &r->uri, lcf, &target) != SL_OK) {
        return SL_ERROR;
    }
    client = sl_proxy_client_host(r);
    host = lcf->host.len ? lcf->host
                         : client.len ? client : lcf->upstream->name;
    addr.data = atext;
    addr.len = sl_addr_peer_text(&r->c->addr.sa, r->c->socklen, atext);
    sl_proxy_tokens_collect(h->headers, h->nheaders, &t);

    size = h->method_name.len + target.len + 64 + host.len + client.len
           + addr.len + upg->len
           + sl_proxy_head_xff_size(r) + 160;
    for (i = 0; i < h->nheaders; i++) {
        if (!sl_proxy_head_skip(&h->headers[i].name, &t)) {
            size += h->headers[i].name.len + h->headers[i].value.len + 4;
        }
    }
    buf = sl_pnalloc(r->pool, size);
    if (buf == NULL) {
        return SL_ERROR;
    }
    p = sl_cpymem(buf, h->method_name.data, h->method_name.len);
    *p++ = ' ';
    p = sl_cpymem(p, target.data, target.len);
    p = sl_cpymem_lit(p, " HTTP/1.1\r\nHost: ");
    p = sl_cpymem(p, host.data, host.len);
    *p++ = '\r';
    *p++ = '\n';
    p = sl_proxy_head_fields(p, h, &t);
    p = sl_proxy_head_xff(r, p, &addr);
    p = sl_cpymem_lit(p, "X-Forwarded-Proto: http\r\n");
    if (client.len) {
        p = sl_cpymem_lit(p, "X-Forwarded-Host: ");
        p = sl_cpymem(p, client.data, client.len);
        *p++ = '\r';
        *p++ = '\n';
    }
    p = sl_proxy_head_tail(p, h, lcf, upg);
    out->data = buf;
    out->len = (size_t) (p - buf);
    return SL_OK;
}


/*
 * The target sent upstream: the client's, raw (query included), or with
 * the location's prefix taken off when strip_prefix is set. The raw path
 * is cut when it is what was routed (no dot segments or merged slashes);
 * otherwise the normalised path is cut and re-escaped, so the backend
 * cannot resolve "/api/x/../../admin" differently from how we routed it.
 * Returns SL_OK with out set (in h's buffer or pool memory), or SL_ERROR.
 */
sl_int_t
sl_proxy_head_target(sl_pool_t *pool, const sl_http_head_t *h,
    const sl_str_t *uri, const sl_proxy_loc_conf_t *lcf, sl_str_t *out)
{
    const sl_str_t  *pre;
    sl_str_t         rest, t;
    u_char          *p;
    size_t           qlen;

    pre = &lcf->prefix;
    if (!lcf->strip_prefix) {
        if (h->target_form == SL_HTTP_TARGET_ORIGIN) {
            *out = h->target;
            return SL_OK;
        }
        rest = h->path;   /* absolute-form: send origin-form */
    } else if (h->path.len >= pre->len
               && memcmp(h->path.data, pre->data, pre->len) == 0
               && uri->len >= pre->len
               && memcmp(uri->data, pre->data, pre->len) == 0
               && h->path.len - pre->len == uri->len - pre->len)
    {
        rest.data = h->path.data + pre->len;
        rest.len = h->path.len - pre->len;
    } else {
        if (uri->len < pre->len) {
            return SL_ERROR;
        }
        if (sl_proxy_target_escape(pool, uri->data + pre->len,
                                   uri->len - pre->len, &rest) != SL_OK)
        {
            return SL_ERROR;
        }
    }
    qlen = h->query.data ? h->query.len + 1 : 0;
    p = sl_pnalloc(pool, rest.len + qlen + 1);
    if (p == NULL) {
        return SL_ERROR;
    }
    t.data = p;
    if (rest.len == 0 || rest.data[0] != '/') {
        *p++ = '/';
    }
    p = sl_cpymem(p, rest.data, rest.len);
    if (h->query.data) {
        *p++ = '?';
        p = sl_cpymem(p, h->query.data, h->query.len);
    }
    t.len = (size_t) (p - t.data);
    *out = t;
    return SL_OK;
}


/* Percent-encodes what a path may not hold raw, into pool memory. */
static sl_int_t
sl_proxy_target_escape(sl_pool_t *pool, const u_char *rest, size_t len,
    sl_str_t *out)
{
    out->data = sl_pnalloc(pool, len * 3 + 1);
    if (out->data == NULL) {
        return SL_ERROR;
    }
    out->len = (size_t) (sl_str_escape(out->data, rest, len,
                                       sl_proxy_path_plain) - out->data);
    return SL_OK;
}


/* Response fields that stop here (or that the engine writes itself). */
static int
sl_proxy_resp_skip(const sl_str_t *name, const sl_proxy_tokens_t *t,
    int tunnel)
{
    switch (name->len) {
    case 4:
        return sl_http_parse_eq_lit(name, "date");
    case 6:
        return sl_http_parse_eq_lit(name, "server");
    case 7:
        if (sl_http_parse_eq_lit(name, "upgrade")) {
            return !tunnel;
        }
        break;
    case 12:
        return sl_http_parse_eq_lit(name, "content-type");
    case 14:
        return sl_http_parse_eq_lit(name, "content-length");
    default:
        break;
    }
    return sl_proxy_hop_by_hop(name, t);
}


/*
 * Sets r's response from the backend's head: status and reason, Content-
 * Type, and every end-to-end field. The engine's table of extra fields is
 * short (SL_HTTP_MAX_OUT_HEADERS) and a backend may send many Set-Cookie
 * lines, so the fields go as one entry whose value is the rest of the
 * block: "Name1" and "v1\r\nName2: v2 ... \r\nNameN: vN", which the
 * engine writes out as "Name1: v1\r\n...NameN: vN\r\n". Everything is
 * copied into the request pool: the backend's buffer is reused for the
 * body. tunnel: a 101 being relayed (Upgrade kept, Connection: upgrade
 * added). Returns SL_OK, or SL_ERROR (out of memory).
 */
sl_int_t
sl_proxy_head_response(sl_http_request_t *r, const sl_proxy_resp_t *resp,
    int tunnel)
{
    sl_proxy_tokens_t        t;
    const sl_http_header_t  *h;
    u_char                  *buf, *p, *first;
    size_t                   i, size;

    sl_proxy_tokens_collect(resp->headers, resp->nheaders, &t);
    size = resp->status_text.len + 64;
    for (i = 0; i < resp->nheaders; i++) {
        size += resp->headers[i].name.len + resp->headers[i].value.len + 4;
    }
    buf = sl_pnalloc(r->pool, size);
    if (buf == NULL) {
        return SL_ERROR;
    }
    p = sl_cpymem(buf, resp->status_text.data, resp->status_text.len);
    r->status_line.data = buf;
    r->status_line.len = resp->status_text.len;
    r->status = resp->status;
    first = NULL;
    if (tunnel) {
        first = p;
        p = sl_cpymem_lit(p, "Connection");
        *p++ = '\0';
        p = sl_cpymem_lit(p, "upgrade");
    }
    for (i = 0; i < resp->nheaders; i++) {
        h = &resp->headers[i];
        if (sl_http_parse_eq_lit(&h->name, "content-type")) {
            r->content_type.data = p;
            r->content_type.len = h->value.len;
            p = sl_cpymem(p, h->value.data, h->value.len);
            continue;
        }
        if (sl_proxy_resp_skip(&h->name, &t, tunnel)) {
            continue;
        }
        if (first == NULL) {
            first = p;
            p = sl_cpymem(p, h->name.data, h->name.len);
            *p++ = '\0';
        } else {
            p = sl_cpymem_lit(p, "\r\n");
            p = sl_cpymem(p, h->name.data, h->name.len);
            *p++ = ':';
            *p++ = ' ';
        }
        p = sl_cpymem(p, h->value.data, h->value.len);
    }
    if (first == NULL) {
        return SL_OK;
    }
    i = strlen((const char *) first) + 1;
    return sl_http_header_add(r, (const char *) first,
                              (sl_str_t) { (size_t) (p - first - i),
                                           first + i });
}
