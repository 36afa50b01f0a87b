/*
 * test_proxy_head.c: the heads the proxy writes (modules/proxy/
 * sl_proxy_head.c): the exact request head sent upstream for a parsed
 * client request (hop-by-hop fields, Connection-listed fields,
 * X-Forwarded-*, Host, framing, strip_prefix targets, upgrades and which
 * of them are tunnelled), and the
 * client's response head made from a backend's (through the engine's
 * sl_http_send_header, so the many-fields block is checked as written).
 */
#include "sl_http.h"   /* the engine's side, to build what it would pass */
#include "sl_proxy.h"

#include <setjmp.h>
#include <cmocka.h>

typedef struct {
    sl_pool_t                 *pool;
    sl_conn_t                  c;
    sl_http_conn_t             hc;
    sl_http_request_t         *r;
    sl_proxy_upstream_conf_t   uc;
    sl_proxy_loc_conf_t        lcf;
} sl_test_req_t;


/* Parses the client request text into a request in a fresh pool. */
static sl_test_req_t *
sl_test_request(const char *text)
{
    sl_test_req_t  *t;
    const char     *err;
    u_char         *buf, *dst;
    size_t          len;
    sl_int_t        rc;

    t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->pool = sl_pool_create(4096);
    t->r = sl_pcalloc(t->pool, sizeof(sl_http_request_t));
    assert_non_null(t->r);
    t->r->pool = t->pool;
    t->r->proto = &sl_http_v1_proto;
    t->r->c = &t->c;
    t->r->hc = &t->hc;
    t->r->content_length = -1;
    t->r->last_modified = -1;
    t->r->keepalive = 1;
    t->c.addr.sin.sin_family = AF_INET;
    t->c.socklen = sizeof(struct sockaddr_in);
    t->c.addr.sin.sin_addr.s_addr = htonl(0xC0000205);   /* 192.0.2.5 */
    len = strlen(text);
    buf = sl_pnalloc(t->pool, len);
    memcpy(buf, text, len);
    t->r->head.headers = t->r->headers;
    t->r->head.max_headers = SL_HTTP_MAX_HEADERS;
    sl_http_parse_init(&t->r->parse, 8192);
    rc = sl_http_parse_request_head(&t->r->parse, buf, len, &t->r->head);
    assert_true(rc > 0);
    dst = sl_pnalloc(t->pool, t->r->head.path.len + 1);
    err = NULL;
    if (t->r->head.path.len) {
        assert_int_equal(sl_http_parse_path(&t->r->head.path, dst,
                                            &t->r->uri, &t->r->uri_flags,
                                            &err), SL_OK);
    }
    sl_str_set(&t->uc.name, "app");
    t->uc.keepalive = 32;
    t->lcf.upstream = &t->uc;
    return t;
}


static void
sl_test_free(sl_test_req_t *t)
{
    sl_pool_destroy(t->pool);
    free(t);
}


/* upgrade: whether the request must be one the proxy tunnels. */
static void
sl_test_expect_head(sl_test_req_t *t, int upgrade, const char *want)
{
    sl_str_t  out, upg;

    upg.len = 0;
    upg.data = NULL;
    assert_int_equal(sl_proxy_upgrade_pick(&t->r->head, &upg), upgrade);
    assert_int_equal(sl_proxy_head_build(t->r, &t->lcf, &upg, &out), SL_OK);
    if (out.len != strlen(want) || memcmp(out.data, want, out.len) != 0) {
        fail_msg("got:\n%.*s\nwant:\n%s", (int) out.len, out.data, want);
    }
}


static void
test_forwarded_fields_and_hop_by_hop(void **state)
{
    sl_test_req_t  *t;

    (void) state;
    t = sl_test_request(
        "GET /a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\n"
        "Connection: keep-alive, X-Private\r\nX-Private: 1\r\n"
        "Keep-Alive: 5\r\nTE: trailers\r\nTrailer: X\r\n"
        "Proxy-Authorization: x\r\nUpgrade: h2c\r\nExpect: 100-continue\r\n"
        "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-For: 10.0.0.1\r\n"
        "X-Forwarded-Proto: https\r\nX-Forwarded-Host: spoof\r\n"
        "Cookie: a=b\r\nAccept: */*\r\n\r\n");
    sl_test_expect_head(t, 0,
        "GET /a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\n"
        "Cookie: a=b\r\nAccept: */*\r\n"
        "X-Forwarded-For: 203.0.113.9, 10.0.0.1, 192.0.2.5\r\n"
        "X-Forwarded-Proto: http\r\nX-Forwarded-Host: example.com:8080\r\n"
        "\r\n");
    sl_test_free(t);
}


static void
test_body_framing_and_keepalive_off(void **state)
{
    sl_test_req_t  *t;

    (void) state;
    t = sl_test_request("POST /x HTTP/1.1\r\nHost: h\r\n"
                        "Content-Length: 12\r\n\r\n");
    sl_test_expect_head(t, 0,
        "POST /x HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 192.0.2.5\r\n"
        "X-Forwarded-Proto: http\r\nX-Forwarded-Host: h\r\n"
        "Content-Length: 12\r\n\r\n");
    sl_test_free(t);
    t = sl_test_request("PUT /x HTTP/1.1\r\nHost: h\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n");
    t->uc.keepalive = 0;
    sl_test_expect_head(t, 0,
        "PUT /x HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 192.0.2.5\r\n"
        "X-Forwarded-Proto: http\r\nX-Forwarded-Host: h\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    sl_test_free(t);
}


static void
test_configured_host_and_http10_without_host(void **state)
{
    sl_test_req_t  *t;

    (void) state;
    t = sl_test_request("GET / HTTP/1.1\r\nHost: client.example\r\n\r\n");
    sl_str_set(&t->lcf.host, "backend.internal");
    sl_test_expect_head(t, 0,
        "GET / HTTP/1.1\r\nHost: backend.internal\r\n"
        "X-Forwarded-For: 192.0.2.5\r\nX-Forwarded-Proto: http\r\n"
        "X-Forwarded-Host: client.example\r\n\r\n");
    sl_test_free(t);
    t = sl_test_request("GET / HTTP/1.0\r\n\r\n");
    sl_test_expect_head(t, 0,
        "GET / HTTP/1.1\r\nHost: app\r\nX-Forwarded-For: 192.0.2.5\r\n"
        "X-Forwarded-Proto: http\r\n\r\n");
    sl_test_free(t);
    t = sl_test_request("GET http://abs.example:81/p?q HTTP/1.1\r\n"
                        "Host: ignored\r\n\r\n");
    sl_test_expect_head(t, 0,
        "GET /p?q HTTP/1.1\r\nHost: abs.example:81\r\n"
        "X-Forwarded-For: 192.0.2.5\r\nX-Forwarded-Proto: http\r\n"
        "X-Forwarded-Host: abs.example:81\r\n\r\n");
    sl_test_free(t);
}


static void
test_upgrade_is_forwarded_when_asked(void **state)
{
    sl_test_req_t  *t;

    (void) state;
    t = sl_test_request("GET /ws HTTP/1.1\r\nHost: h\r\n"
                        "Connection: Upgrade\r\nUpgrade: websocket\r\n"
                        "Sec-WebSocket-Key: k\r\n\r\n");
    sl_test_expect_head(t, 1,
        "GET /ws HTTP/1.1\r\nHost: h\r\nSec-WebSocket-Key: k\r\n"
        "X-Forwarded-For: 192.0.2.5\r\nX-Forwarded-Proto: http\r\n"
        "X-Forwarded-Host: h\r\nConnection: upgrade\r\n"
        "Upgrade: websocket\r\n\r\n");
    sl_test_free(t);
}


/* h2c is never forwarded: no Upgrade, no HTTP2-Settings, a plain request
 * (HTTP2-Settings goes even when Connection does not name it). */
static void
test_h2c_upgrade_is_not_forwarded(void **state)
{
    sl_test_req_t  *t;

    (void) state;
    t = sl_test_request("GET /x HTTP/1.1\r\nHost: h\r\n"
                        "Connection: Upgrade, HTTP2-Settings\r\n"
                        "Upgrade: h2c\r\n"
                        "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"
                        "Accept: */*\r\n\r\n");
    sl_test_expect_head(t, 0,
        "GET /x HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n"
        "X-Forwarded-For: 192.0.2.5\r\nX-Forwarded-Proto: http\r\n"
        "X-Forwarded-Host: h\r\n\r\n");
    sl_test_free(t);
    t = sl_test_request("GET /x HTTP/1.1\r\nHost: h\r\n"
                        "Connection: upgrade\r\nUpgrade: h2c\r\n"
                        "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
    sl_test_expect_head(t, 0,
        "GET /x HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 192.0.2.5\r\n"
        "X-Forwarded-Proto: http\r\nX-Forwarded-Host: h\r\n\r\n");
    sl_test_free(t);
}


/* Of several tokens only websocket is forwarded. */
static void
test_upgrade_list_forwards_only_websocket(void **state)
{
    sl_test_req_t  *t;

    (void) state;
    t = sl_test_request("GET /ws HTTP/1.1\r\nHost: h\r\n"
                        "Connection: keep-alive, Upgrade\r\n"
                        "Upgrade: h2c, websocket\r\n\r\n");
    sl_test_expect_head(t, 1,
        "GET /ws HTTP/1.1\r\nHost: h\r\n"
        "X-Forwarded-For: 192.0.2.5\r\nX-Forwarded-Proto: http\r\n"
        "X-Forwarded-Host: h\r\nConnection: upgrade\r\n"
        "Upgrade: websocket\r\n\r\n");
    sl_test_free(t);
}


typedef struct {
    const char  *name;
    int          line;
    const char  *fields;     /* after "Host: h\r\n" */
    const char  *version;    /* "1.1" or "1.0" */
    const char  *token;      /* expected, NULL: not tunnelled */
} sl_test_pick_t;

#define SL_PICK(name, fields, version, token)                               \
    { name, __LINE__, fields, version, token }

static void
test_upgrade_pick(void **state)
{
    static const sl_test_pick_t  rows[] = {
        SL_PICK("websocket", "Connection: Upgrade\r\nUpgrade: websocket\r\n",
                "1.1", "websocket"),
        SL_PICK("case kept", "Connection: upgrade\r\nUpgrade: WebSocket\r\n",
                "1.1", "WebSocket"),
        SL_PICK("h2c", "Connection: Upgrade, HTTP2-Settings\r\n"
                "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQ\r\n", "1.1",
                NULL),
        SL_PICK("h2c first in a list", "Connection: Upgrade\r\n"
                "Upgrade: h2c , websocket\r\n", "1.1", "websocket"),
        SL_PICK("in a second field", "Connection: Upgrade\r\n"
                "Upgrade: h2c\r\nUpgrade: websocket\r\n", "1.1",
                "websocket"),
        SL_PICK("other protocol", "Connection: Upgrade\r\n"
                "Upgrade: TLS/1.2\r\n", "1.1", NULL),
        SL_PICK("a longer name", "Connection: Upgrade\r\n"
                "Upgrade: websockets\r\n", "1.1", NULL),
        SL_PICK("no Connection: upgrade", "Upgrade: websocket\r\n", "1.1",
                NULL),
        SL_PICK("HTTP/1.0", "Connection: Upgrade\r\n"
                "Upgrade: websocket\r\n", "1.0", NULL),
        SL_PICK("no Upgrade field", "Connection: Upgrade\r\n", "1.1", NULL),
    };
    sl_test_req_t  *t;
    sl_str_t        token;
    char            text[512];
    size_t          i;
    int             got;

    (void) state;
    for (i = 0; i < sl_nelem(rows); i++) {
        (void) snprintf(text, sizeof(text),
                        "GET / HTTP/%s\r\nHost: h\r\n%s\r\n",
                        rows[i].version, rows[i].fields);
        t = sl_test_request(text);
        token.len = 7;
        token.data = (u_char *) "unset!!";
        got = sl_proxy_upgrade_pick(&t->r->head, &token);
        if (got != (rows[i].token != NULL)
            || (got && !(token.len == strlen(rows[i].token)
                         && memcmp(token.data, rows[i].token, token.len)
                            == 0))
            || (!got && memcmp(token.data, "unset!!", 7) != 0))
        {
            fail_msg("row \"%s\" (line %d): got %d \"%.*s\"", rows[i].name,
                     rows[i].line, got, (int) token.len, token.data);
        }
        sl_test_free(t);
    }
}


static void
sl_test_target(const char *line, const char *prefix, int strip,
    const char *want)
{
    sl_test_req_t  *t;
    char            text[512];
    sl_str_t        out;

    (void) snprintf(text, sizeof(text), "GET %s HTTP/1.1\r\nHost: h\r\n\r\n",
                    line);
    t = sl_test_request(text);
    t->lcf.prefix.data = (u_char *) prefix;
    t->lcf.prefix.len = strlen(prefix);
    t->lcf.strip_prefix = strip;
    assert_int_equal(sl_proxy_head_target(t->pool, &t->r->head, &t->r->uri,
                                          &t->lcf, &out), SL_OK);
    if (out.len != strlen(want) || memcmp(out.data, want, out.len) != 0) {
        fail_msg("%s with %s: got %.*s, want %s", line, prefix,
                 (int) out.len, out.data, want);
    }
    sl_test_free(t);
}


static void
test_targets(void **state)
{
    (void) state;
    sl_test_target("/api/users?id=1", "/api/", 1, "/users?id=1");
    sl_test_target("/api/users?id=1", "/api/", 0, "/api/users?id=1");
    sl_test_target("/api/", "/api/", 1, "/");
    sl_test_target("/api", "/api", 1, "/");
    sl_test_target("/api/x", "/api", 1, "/x");
    sl_test_target("/api?", "/api", 1, "/?");
    sl_test_target("/api/a%20b", "/api/", 1, "/a%20b");
    /* Raw and routed paths differ: the routed one is cut and escaped. */
    sl_test_target("/api/x/../../api/admin", "/api/", 1, "/admin");
    sl_test_target("/%61pi/x%3fy", "/api/", 1, "/x%3Fy");
    sl_test_target("/api//x", "/api/", 1, "/x");
    /* Re-escaped: only what would end the path or begin an escape, and
     * bytes outside VCHAR; sub-delims and the rest go as they are. */
    sl_test_target("/%61pi/%20!%22%23$%25&%3E%3F@~%C3%A9+;=:'",
                   "/api/", 1, "/%20!\"%23$%25&>%3F@~%C3%A9+;=:'");
    /* Without strip_prefix the raw target goes as it came. */
    sl_test_target("/a/./b/../c%2F?x", "/", 0, "/a/./b/../c%2F?x");
}


static void
test_response_head_relayed(void **state)
{
    static const char  resp_text[] =
        "HTTP/1.1 201 Made It\r\nServer: backend/1.0\r\nDate: then\r\n"
        "Content-Type: text/plain\r\nContent-Length: 3\r\n"
        "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\n"
        "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nETag: \"e\"\r\n"
        "Upgrade: h2\r\nX-Last: z\r\n\r\n";
    sl_proxy_parse_t   st;
    sl_proxy_resp_t    resp;
    sl_http_header_t   hs[32];
    sl_test_req_t     *t;
    sl_buf_t          *b;
    char               text[2048], *p;

    (void) state;
    sl_time_update();
    t = sl_test_request("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    resp.headers = hs;
    resp.max_headers = 32;
    sl_proxy_parse_init(&st);
    assert_true(sl_proxy_parse_response(&st, (const u_char *) resp_text,
                                        sizeof(resp_text) - 1, &resp) > 0);
    assert_int_equal(sl_proxy_head_response(t->r, &resp, 0), SL_OK);
    t->r->content_length = 3;
    assert_int_equal(sl_http_send_header(t->r), SL_OK);
    b = t->r->out->buf;
    (void) snprintf(text, sizeof(text), "%.*s", (int) (b->last - b->pos),
                    b->pos);
    assert_int_equal(strncmp(text, "HTTP/1.1 201 Made It\r\n", 22), 0);
    assert_non_null(strstr(text, "\r\nContent-Type: text/plain\r\n"));
    assert_non_null(strstr(text, "\r\nContent-Length: 3\r\n"));
    p = strstr(text, "\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
                     "ETag: \"e\"\r\nX-Last: z\r\n");
    assert_non_null(p);
    assert_null(strstr(text, "backend/1.0"));
    assert_null(strstr(text, "Date: then"));
    assert_null(strstr(text, "X-Hop"));
    assert_null(strstr(text, "Keep-Alive"));
    assert_null(strstr(text, "Upgrade"));
    assert_null(strstr(text, "Connection"));
    assert_int_equal(strcmp(text + strlen(text) - 4, "\r\n\r\n"), 0);
    sl_test_free(t);
}


static void
test_switching_protocols_head(void **state)
{
    static const char  resp_text[] =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Accept: abc\r\n\r\n";
    sl_proxy_parse_t   st;
    sl_proxy_resp_t    resp;
    sl_http_header_t   hs[8];
    sl_test_req_t     *t;
    sl_buf_t          *b;
    char               text[1024];

    (void) state;
    sl_time_update();
    t = sl_test_request("GET /ws HTTP/1.1\r\nHost: h\r\n\r\n");
    resp.headers = hs;
    resp.max_headers = 8;
    sl_proxy_parse_init(&st);
    assert_true(sl_proxy_parse_response(&st, (const u_char *) resp_text,
                                        sizeof(resp_text) - 1, &resp) > 0);
    assert_int_equal(sl_proxy_head_response(t->r, &resp, 1), SL_OK);
    assert_int_equal(sl_http_send_header(t->r), SL_OK);
    b = t->r->out->buf;
    (void) snprintf(text, sizeof(text), "%.*s", (int) (b->last - b->pos),
                    b->pos);
    assert_non_null(strstr(text, "HTTP/1.1 101 Switching Protocols\r\n"));
    assert_non_null(strstr(text, "\r\nConnection: upgrade\r\n"
                                 "Upgrade: websocket\r\n"
                                 "Sec-WebSocket-Accept: abc\r\n"));
    assert_null(strstr(text, "Content-Length"));
    assert_null(strstr(text, "Transfer-Encoding"));
    sl_test_free(t);
}


static void
test_idempotent_methods(void **state)
{
    (void) state;
    assert_true(sl_proxy_method_idempotent(SL_HTTP_GET));
    assert_true(sl_proxy_method_idempotent(SL_HTTP_HEAD));
    assert_true(sl_proxy_method_idempotent(SL_HTTP_PUT));
    assert_true(sl_proxy_method_idempotent(SL_HTTP_DELETE));
    assert_true(sl_proxy_method_idempotent(SL_HTTP_OPTIONS));
    assert_false(sl_proxy_method_idempotent(SL_HTTP_POST));
    assert_false(sl_proxy_method_idempotent(SL_HTTP_PATCH));
    assert_false(sl_proxy_method_idempotent(SL_HTTP_UNKNOWN));
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_forwarded_fields_and_hop_by_hop),
        cmocka_unit_test(test_body_framing_and_keepalive_off),
        cmocka_unit_test(test_configured_host_and_http10_without_host),
        cmocka_unit_test(test_upgrade_is_forwarded_when_asked),
        cmocka_unit_test(test_h2c_upgrade_is_not_forwarded),
        cmocka_unit_test(test_upgrade_list_forwards_only_websocket),
        cmocka_unit_test(test_upgrade_pick),
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_response_head_relayed),
        cmocka_unit_test(test_switching_protocols_head),
        cmocka_unit_test(test_idempotent_methods),
    };

    return cmocka_run_group_tests_name("proxy_head", tests, NULL, NULL);
}
