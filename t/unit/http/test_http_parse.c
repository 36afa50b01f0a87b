/*
 * test_http_parse.c: unit tests of the request head parser
 * (src/http/sl_http_parse.c). Table-driven: each row is its own cmocka
 * test, named after the row, and a failure prints the row's name and the
 * line it is defined on. Every row runs three ways: whole, split at every
 * byte into two calls, and fed one byte at a time. Input always sits at
 * the end of a page followed by a PROT_NONE page (guard.h), and moves
 * between calls, so an over-read faults and a missed re-base shows. The
 * head starts filled with sentinel bytes on every run.
 * The path normaliser and the chunked decoder have their own files:
 * test_http_parse_path.c and test_http_parse_chunked.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sl_core.h"
#include "sl_http_parse.h"
#include "guard.h"

/*
 * The row macros below set defaults that a row may override with a later
 * designator: that is the point of them, so the warning is off here.
 */
#ifdef __clang__
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

#define MAX_HEAD      8192
#define MAX_HEADERS   100
#define GUARD_SIZE    32768

#define F_TE          0x001
#define F_CHUNKED     0x002
#define F_CLOSE       0x004
#define F_KEEP_ALIVE  0x008
#define F_CONN_UPGR   0x010
#define F_UPGRADE     0x020
#define F_EXPECT      0x040
#define F_EXPECT_OTH  0x080


typedef struct {
    const char         *name;
    int                 line;
    const char         *in;
    size_t              len;          /* 0: strlen(in) */
    size_t              used;         /* 0: all of it */
    size_t              max_head;     /* 0: MAX_HEAD */
    sl_http_method_e    method;
    const char         *method_name;
    sl_http_target_e    form;
    const char         *target;
    const char         *scheme;       /* NULL: none */
    const char         *path;         /* NULL: none */
    const char         *query;        /* NULL: no '?' */
    const char         *host;         /* NULL: none */
    unsigned            port;
    unsigned            host_count;
    unsigned            minor;
    int64_t             cl;
    unsigned            flags;
    size_t              nheaders;
    const char         *hdr[6][2];    /* the first fields, in order */
} valid_t;

typedef struct {
    const char         *name;
    int                 line;
    const char         *in;
    size_t              len;          /* 0: strlen(in) */
    int                 status;
    const char         *error;
    size_t              max_head;
    size_t              max_headers;
} invalid_t;

/* One parse in progress: state, head and where the input sits now. */
typedef struct {
    sl_http_parse_t     st;
    sl_http_head_t      head;
    sl_http_header_t    headers[MAX_HEADERS];
    const u_char       *buf;
    size_t              len;
    sl_int_t            rc;
} run_t;

static sl_guard_t  guard;


#define VALID(...)                                                          \
    { .line = __LINE__, .method = SL_HTTP_GET, .method_name = "GET",        \
      .form = SL_HTTP_TARGET_ORIGIN, .target = "/", .path = "/",            \
      .host = "a", .host_count = 1, .minor = 1, .cl = -1, .nheaders = 1,    \
      __VA_ARGS__ }

#define HOST_A  "Host: a\r\n"

static const valid_t  valid_rows[] = {
    VALID(.name = "get_minimal",
          .in = "GET / HTTP/1.1\r\n" HOST_A "\r\n",
          .hdr = { { "Host", "a" } }),
    VALID(.name = "head",
          .in = "HEAD /x HTTP/1.1\r\n" HOST_A "\r\n",
          .method = SL_HTTP_HEAD, .method_name = "HEAD",
          .target = "/x", .path = "/x"),
    VALID(.name = "post_with_content_length",
          .in = "POST /form HTTP/1.1\r\n" HOST_A
                "Content-Length: 5\r\n\r\nhello",
          .used = sizeof("POST /form HTTP/1.1\r\n" HOST_A
                         "Content-Length: 5\r\n\r\n") - 1,
          .method = SL_HTTP_POST, .method_name = "POST",
          .target = "/form", .path = "/form", .cl = 5, .nheaders = 2,
          .hdr = { { "Host", "a" }, { "Content-Length", "5" } }),
    VALID(.name = "options_asterisk",
          .in = "OPTIONS * HTTP/1.1\r\n" HOST_A "\r\n",
          .method = SL_HTTP_OPTIONS, .method_name = "OPTIONS",
          .form = SL_HTTP_TARGET_ASTERISK, .target = "*", .path = NULL),
    VALID(.name = "other_methods_put",
          .in = "PUT /r HTTP/1.1\r\n" HOST_A "Content-Length: 0\r\n\r\n",
          .method = SL_HTTP_PUT, .method_name = "PUT",
          .target = "/r", .path = "/r", .cl = 0, .nheaders = 2),
    VALID(.name = "other_methods_delete",
          .in = "DELETE /r HTTP/1.1\r\n" HOST_A "\r\n",
          .method = SL_HTTP_DELETE, .method_name = "DELETE",
          .target = "/r", .path = "/r"),
    VALID(.name = "other_methods_patch_trace",
          .in = "PATCH /r HTTP/1.1\r\n" HOST_A "\r\n",
          .method = SL_HTTP_PATCH, .method_name = "PATCH",
          .target = "/r", .path = "/r"),
    VALID(.name = "trace",
          .in = "TRACE / HTTP/1.1\r\n" HOST_A "\r\n",
          .method = SL_HTTP_TRACE, .method_name = "TRACE"),
    VALID(.name = "unknown_method_token_parses",
          .in = "PROPFIND /d HTTP/1.1\r\n" HOST_A "\r\n",
          .method = SL_HTTP_UNKNOWN, .method_name = "PROPFIND",
          .target = "/d", .path = "/d"),
    VALID(.name = "methods_are_case_sensitive",
          .in = "get / HTTP/1.1\r\n" HOST_A "\r\n",
          .method = SL_HTTP_UNKNOWN, .method_name = "get"),
    VALID(.name = "method_with_token_punctuation",
          .in = "M-SEARCH! / HTTP/1.1\r\n" HOST_A "\r\n",
          .method = SL_HTTP_UNKNOWN, .method_name = "M-SEARCH!"),
    VALID(.name = "absolute_form_host_from_target",
          .in = "GET http://example.com/p?q=1 HTTP/1.1\r\n"
                "Host: other.example\r\n\r\n",
          .form = SL_HTTP_TARGET_ABSOLUTE, .scheme = "http",
          .target = "http://example.com/p?q=1", .path = "/p", .query = "q=1",
          .host = "example.com",
          .hdr = { { "Host", "other.example" } }),
    VALID(.name = "absolute_form_https_any_case_with_port",
          .in = "GET HTTPS://a.b:8443/x HTTP/1.1\r\n" HOST_A "\r\n",
          .form = SL_HTTP_TARGET_ABSOLUTE, .scheme = "HTTPS",
          .target = "HTTPS://a.b:8443/x", .path = "/x", .host = "a.b",
          .port = 8443),
    VALID(.name = "absolute_form_empty_path_is_slash",
          .in = "GET http://a.b HTTP/1.1\r\n" HOST_A "\r\n",
          .form = SL_HTTP_TARGET_ABSOLUTE, .scheme = "http",
          .target = "http://a.b", .path = "/", .host = "a.b"),
    VALID(.name = "absolute_form_query_without_path",
          .in = "GET http://a.b?x HTTP/1.1\r\n" HOST_A "\r\n",
          .form = SL_HTTP_TARGET_ABSOLUTE, .scheme = "http",
          .target = "http://a.b?x", .path = "/", .query = "x", .host = "a.b"),
    VALID(.name = "absolute_form_ipv6",
          .in = "GET http://[::1]:81/ HTTP/1.1\r\n" HOST_A "\r\n",
          .form = SL_HTTP_TARGET_ABSOLUTE, .scheme = "http",
          .target = "http://[::1]:81/", .host = "[::1]", .port = 81),
    VALID(.name = "connect_authority_form",
          .in = "CONNECT a.b:443 HTTP/1.1\r\nHost: a.b:443\r\n\r\n",
          .method = SL_HTTP_CONNECT, .method_name = "CONNECT",
          .form = SL_HTTP_TARGET_AUTHORITY, .target = "a.b:443",
          .path = NULL, .host = "a.b", .port = 443),
    VALID(.name = "http10_without_host",
          .in = "GET /old HTTP/1.0\r\n\r\n",
          .target = "/old", .path = "/old", .minor = 0, .host = NULL,
          .host_count = 0, .nheaders = 0),
    VALID(.name = "http10_with_host_and_keep_alive",
          .in = "GET / HTTP/1.0\r\nHost: a\r\nConnection: Keep-Alive\r\n\r\n",
          .minor = 0, .flags = F_KEEP_ALIVE, .nheaders = 2),
    VALID(.name = "http12_is_a_1x_minor",
          .in = "GET / HTTP/1.2\r\n" HOST_A "\r\n",
          .minor = 2),
    VALID(.name = "http19",
          .in = "GET / HTTP/1.9\r\n" HOST_A "\r\n",
          .minor = 9),
    VALID(.name = "one_leading_empty_line",
          .in = "\r\nGET / HTTP/1.1\r\n" HOST_A "\r\n"),
    VALID(.name = "four_leading_empty_lines",
          .in = "\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n" HOST_A "\r\n"),
    VALID(.name = "query_split",
          .in = "GET /a/b?c=d&e=f?g HTTP/1.1\r\n" HOST_A "\r\n",
          .target = "/a/b?c=d&e=f?g", .path = "/a/b", .query = "c=d&e=f?g"),
    VALID(.name = "empty_query_is_present",
          .in = "GET /a? HTTP/1.1\r\n" HOST_A "\r\n",
          .target = "/a?", .path = "/a", .query = ""),
    VALID(.name = "target_punctuation_allowed",
          .in = "GET /a|b{c}^`\"<>\\[]%2F~!$&'()*+,;=:@ HTTP/1.1\r\n"
                HOST_A "\r\n",
          .target = "/a|b{c}^`\"<>\\[]%2F~!$&'()*+,;=:@",
          .path = "/a|b{c}^`\"<>\\[]%2F~!$&'()*+,;=:@"),
    VALID(.name = "double_slash_origin_form",
          .in = "GET //x HTTP/1.1\r\n" HOST_A "\r\n",
          .target = "//x", .path = "//x"),
    VALID(.name = "chunked",
          .in = "POST / HTTP/1.1\r\n" HOST_A
                "Transfer-Encoding: chunked\r\n\r\n",
          .method = SL_HTTP_POST, .method_name = "POST",
          .flags = F_TE | F_CHUNKED, .nheaders = 2),
    VALID(.name = "chunked_any_case_with_ows",
          .in = "POST / HTTP/1.1\r\n" HOST_A
                "transfer-encoding: \t CHUNKED \t\r\n\r\n",
          .method = SL_HTTP_POST, .method_name = "POST",
          .flags = F_TE | F_CHUNKED, .nheaders = 2,
          .hdr = { { "Host", "a" }, { "transfer-encoding", "CHUNKED" } }),
    VALID(.name = "connection_close",
          .in = "GET / HTTP/1.1\r\n" HOST_A "Connection: close\r\n\r\n",
          .flags = F_CLOSE, .nheaders = 2),
    VALID(.name = "connection_list_with_empty_elements",
          .in = "GET / HTTP/1.1\r\n" HOST_A
                "Connection: ,keep-alive , ,Upgrade,x-foo,\r\n"
                "Upgrade: websocket\r\n\r\n",
          .flags = F_KEEP_ALIVE | F_CONN_UPGR | F_UPGRADE, .nheaders = 3),
    VALID(.name = "connection_in_two_fields",
          .in = "GET / HTTP/1.1\r\n" HOST_A
                "Connection: close\r\nCONNECTION: upgrade\r\n\r\n",
          .flags = F_CLOSE | F_CONN_UPGR, .nheaders = 3),
    VALID(.name = "expect_100_continue",
          .in = "PUT /u HTTP/1.1\r\n" HOST_A "Content-Length: 3\r\n"
                "Expect: 100-Continue\r\n\r\n",
          .method = SL_HTTP_PUT, .method_name = "PUT",
          .target = "/u", .path = "/u", .cl = 3, .flags = F_EXPECT,
          .nheaders = 3),
    VALID(.name = "expect_other",
          .in = "GET / HTTP/1.1\r\n" HOST_A "Expect: 200-ok\r\n\r\n",
          .flags = F_EXPECT_OTH, .nheaders = 2),
    VALID(.name = "header_name_any_case",
          .in = "GET / HTTP/1.1\r\nhOsT: a\r\ncontent-LENGTH: 0\r\n\r\n",
          .cl = 0, .nheaders = 2, .hdr = { { "hOsT", "a" } }),
    VALID(.name = "value_ows_trimmed_and_inner_kept",
          .in = "GET / HTTP/1.1\r\n" HOST_A "X-A: \t a \t b \t\r\n\r\n",
          .nheaders = 2, .hdr = { { "Host", "a" }, { "X-A", "a \t b" } }),
    VALID(.name = "empty_value",
          .in = "GET / HTTP/1.1\r\n" HOST_A "X-E:\r\nX-F:   \r\n\r\n",
          .nheaders = 3,
          .hdr = { { "Host", "a" }, { "X-E", "" }, { "X-F", "" } }),
    VALID(.name = "obs_text_in_value",
          .in = "GET / HTTP/1.1\r\n" HOST_A "X-U: caf\xc3\xa9 \xff\x80\r\n\r\n",
          .nheaders = 2,
          .hdr = { { "Host", "a" }, { "X-U", "caf\xc3\xa9 \xff\x80" } }),
    VALID(.name = "value_with_colons_and_quotes",
          .in = "GET / HTTP/1.1\r\n" HOST_A
                "Cookie: a=b; c=\"d:e\"\r\n\r\n",
          .nheaders = 2,
          .hdr = { { "Host", "a" }, { "Cookie", "a=b; c=\"d:e\"" } }),
    VALID(.name = "host_with_port",
          .in = "GET / HTTP/1.1\r\nHost: Example.COM:8080\r\n\r\n",
          .host = "Example.COM", .port = 8080),
    VALID(.name = "host_ipv4",
          .in = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
          .host = "127.0.0.1"),
    VALID(.name = "host_ipv6_with_port",
          .in = "GET / HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n",
          .host = "[2001:db8::1]", .port = 443),
    VALID(.name = "host_trailing_dot_underscore",
          .in = "GET / HTTP/1.1\r\nHost: _srv.example.com.\r\n\r\n",
          .host = "_srv.example.com."),
    VALID(.name = "content_length_zero_padded",
          .in = "POST / HTTP/1.1\r\n" HOST_A "Content-Length: 007\r\n\r\n"
                "1234567",
          .used = sizeof("POST / HTTP/1.1\r\n" HOST_A
                         "Content-Length: 007\r\n\r\n") - 1,
          .method = SL_HTTP_POST, .method_name = "POST", .cl = 7,
          .nheaders = 2),
    VALID(.name = "content_length_int64_max",
          .in = "POST / HTTP/1.1\r\n" HOST_A
                "Content-Length: 9223372036854775807\r\n\r\n",
          .method = SL_HTTP_POST, .method_name = "POST",
          .cl = INT64_MAX, .nheaders = 2),
    VALID(.name = "pipelined_first_head_only",
          .in = "GET /1 HTTP/1.1\r\n" HOST_A "\r\n"
                "GET /2 HTTP/1.1\r\n" HOST_A "\r\n",
          .used = sizeof("GET /1 HTTP/1.1\r\n" HOST_A "\r\n") - 1,
          .target = "/1", .path = "/1"),
    VALID(.name = "head_exactly_max_head",
          .in = "GET / HTTP/1.1\r\n" HOST_A "\r\n",
          .max_head = sizeof("GET / HTTP/1.1\r\n" HOST_A "\r\n") - 1),
    VALID(.name = "browser_request",
          .in = "GET /wiki/Main_Page?action=view HTTP/1.1\r\n"
                "Host: en.wikipedia.org\r\n"
                "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) "
                "Gecko/20100101 Firefox/115.0\r\n"
                "Accept: text/html,application/xhtml+xml,application/xml;"
                "q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
                "Accept-Language: en-US,en;q=0.5\r\n"
                "Accept-Encoding: gzip, deflate, br\r\n"
                "Connection: keep-alive\r\n"
                "Upgrade-Insecure-Requests: 1\r\n"
                "Sec-Fetch-Dest: document\r\n"
                "Sec-Fetch-Mode: navigate\r\n"
                "Sec-Fetch-Site: none\r\n\r\n",
          .target = "/wiki/Main_Page?action=view", .path = "/wiki/Main_Page",
          .query = "action=view", .host = "en.wikipedia.org",
          .flags = F_KEEP_ALIVE, .nheaders = 10,
          .hdr = { { "Host", "en.wikipedia.org" },
                   { "User-Agent", "Mozilla/5.0 (X11; Linux x86_64; "
                     "rv:109.0) Gecko/20100101 Firefox/115.0" } }),
};


#define INVALID(nm, input, st, err, ...)                                    \
    { .name = nm, .line = __LINE__, .in = input, .status = st,              \
      .error = err, .max_head = MAX_HEAD, .max_headers = MAX_HEADERS,       \
      __VA_ARGS__ }

#define RL      "GET / HTTP/1.1\r\n"
#define PRL     "POST / HTTP/1.1\r\n"

static const invalid_t  invalid_rows[] = {
    /* framing: Content-Length and Transfer-Encoding */
    INVALID("cl_and_te", PRL HOST_A "Content-Length: 5\r\n"
            "Transfer-Encoding: chunked\r\n\r\n", 400,
            "Content-Length with Transfer-Encoding"),
    INVALID("te_and_cl", PRL HOST_A "Transfer-Encoding: chunked\r\n"
            "Content-Length: 5\r\n\r\n", 400,
            "Content-Length with Transfer-Encoding"),
    INVALID("cl_duplicate_different", PRL HOST_A "Content-Length: 5\r\n"
            "Content-Length: 6\r\n\r\n", 400, "duplicate Content-Length"),
    INVALID("cl_duplicate_identical", PRL HOST_A "Content-Length: 5\r\n"
            "content-length: 5\r\n\r\n", 400, "duplicate Content-Length"),
    INVALID("cl_list", PRL HOST_A "Content-Length: 5, 5\r\n\r\n", 400,
            "invalid Content-Length"),
    INVALID("cl_letters", PRL HOST_A "Content-Length: abc\r\n\r\n", 400,
            "invalid Content-Length"),
    INVALID("cl_plus_sign", PRL HOST_A "Content-Length: +5\r\n\r\n", 400,
            "invalid Content-Length"),
    INVALID("cl_minus_sign", PRL HOST_A "Content-Length: -1\r\n\r\n", 400,
            "invalid Content-Length"),
    INVALID("cl_empty", PRL HOST_A "Content-Length:\r\n\r\n", 400,
            "invalid Content-Length"),
    INVALID("cl_inner_space", PRL HOST_A "Content-Length: 1 2\r\n\r\n",
            400, "invalid Content-Length"),
    INVALID("cl_hex", PRL HOST_A "Content-Length: 0x10\r\n\r\n", 400,
            "invalid Content-Length"),
    INVALID("cl_overflow", PRL HOST_A
            "Content-Length: 9223372036854775808\r\n\r\n", 400,
            "invalid Content-Length"),
    INVALID("cl_huge_overflow", PRL HOST_A
            "Content-Length: 99999999999999999999999\r\n\r\n", 400,
            "invalid Content-Length"),
    INVALID("te_final_not_chunked", PRL HOST_A
            "Transfer-Encoding: gzip\r\n\r\n", 400,
            "final transfer coding is not chunked"),
    INVALID("te_chunked_then_gzip", PRL HOST_A
            "Transfer-Encoding: chunked, gzip\r\n\r\n", 400,
            "chunked is not the final transfer coding"),
    INVALID("te_chunked_then_gzip_field", PRL HOST_A
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
            400, "chunked is not the final transfer coding"),
    INVALID("te_chunked_twice", PRL HOST_A
            "Transfer-Encoding: chunked, chunked\r\n\r\n", 400,
            "chunked applied twice"),
    INVALID("te_chunked_twice_fields", PRL HOST_A
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            400, "chunked applied twice"),
    INVALID("te_http10", "POST / HTTP/1.0\r\n"
            "Transfer-Encoding: chunked\r\n\r\n", 400,
            "Transfer-Encoding in HTTP/1.0"),
    INVALID("te_unknown_coding_501", PRL HOST_A
            "Transfer-Encoding: gzip, chunked\r\n\r\n", 501,
            "unsupported transfer coding"),
    INVALID("te_unknown_coding_field_501", PRL HOST_A
            "Transfer-Encoding: x-foo\r\nTransfer-Encoding: chunked\r\n\r\n",
            501, "unsupported transfer coding"),
    INVALID("te_parameter", PRL HOST_A
            "Transfer-Encoding: chunked;q=1\r\n\r\n", 400,
            "invalid Transfer-Encoding"),
    INVALID("te_empty", PRL HOST_A "Transfer-Encoding:\r\n\r\n", 400,
            "invalid Transfer-Encoding"),
    /* RFC 9110 5.6.1 has recipients skip empty list elements, but a
     * framing field is where two parsers must agree: one that does not
     * read "chunked," as chunked would see another request in the body.
     * Empty elements there are refused, as before the common splitter. */
    INVALID("te_trailing_comma", PRL HOST_A
            "Transfer-Encoding: chunked,\r\n\r\n", 400,
            "invalid Transfer-Encoding"),
    INVALID("te_leading_comma", PRL HOST_A
            "Transfer-Encoding: ,chunked\r\n\r\n", 400,
            "invalid Transfer-Encoding"),
    INVALID("te_empty_between", PRL HOST_A
            "Transfer-Encoding: gzip, ,chunked\r\n\r\n", 400,
            "invalid Transfer-Encoding"),
    INVALID("te_only_empty_elements", PRL HOST_A
            "Transfer-Encoding: , ,\r\n\r\n", 400,
            "invalid Transfer-Encoding"),
    INVALID("te_empty_field_before_chunked", PRL HOST_A
            "Transfer-Encoding:\r\nTransfer-Encoding: chunked\r\n\r\n",
            400, "invalid Transfer-Encoding"),
    INVALID("te_quoted", PRL HOST_A
            "Transfer-Encoding: \"chunked\"\r\n\r\n", 400,
            "invalid Transfer-Encoding"),

    /* field syntax */
    INVALID("obs_fold_sp", RL HOST_A "X: a\r\n b\r\n\r\n", 400,
            "obsolete line folding"),
    INVALID("obs_fold_htab", RL HOST_A "X: a\r\n\tb\r\n\r\n", 400,
            "obsolete line folding"),
    INVALID("whitespace_after_request_line", RL " Host: a\r\n\r\n", 400,
            "whitespace after request line"),
    INVALID("space_before_colon", RL "Host : a\r\n\r\n", 400,
            "whitespace before colon in header"),
    INVALID("tab_before_colon", RL HOST_A "Content-Length\t: 5\r\n\r\n",
            400, "whitespace before colon in header"),
    INVALID("name_invalid_char", RL HOST_A "X(Y: a\r\n\r\n", 400,
            "invalid character in header name"),
    INVALID("name_obs_text", RL HOST_A "X\xe9: a\r\n\r\n", 400,
            "invalid character in header name"),
    INVALID("name_nul", RL HOST_A "X\0Y: a\r\n\r\n", 400,
            "invalid character in header name",
            .len = sizeof(RL HOST_A "X\0Y: a\r\n\r\n") - 1),
    INVALID("name_empty", RL HOST_A ": a\r\n\r\n", 400,
            "empty header name"),
    INVALID("name_starts_with_ctl", RL HOST_A "\x01X: a\r\n\r\n", 400,
            "invalid character in header name"),
    INVALID("line_without_colon", RL HOST_A "Foo\r\n\r\n", 400,
            "header line without colon"),
    INVALID("value_nul", RL HOST_A "X: a\0b\r\n\r\n", 400,
            "invalid character in header value",
            .len = sizeof(RL HOST_A "X: a\0b\r\n\r\n") - 1),
    INVALID("value_bare_cr", RL HOST_A "X: a\rb\r\n\r\n", 400,
            "bare CR in header section"),
    INVALID("value_ctl", RL HOST_A "X: a\x01" "b\r\n\r\n", 400,
            "invalid character in header value"),
    INVALID("value_del", RL HOST_A "X: a\x7f\r\n\r\n", 400,
            "invalid character in header value"),
    INVALID("value_bare_lf", RL HOST_A "X: a\nY: b\r\n\r\n", 400,
            "bare LF in header section"),
    INVALID("value_escape", RL HOST_A "X: \x1b[0m\r\n\r\n", 400,
            "invalid character in header value"),

    /* line ends */
    INVALID("bare_lf_request_line", "GET / HTTP/1.1\n" HOST_A "\r\n", 400,
            "bare LF in request line"),
    INVALID("bare_cr_request_line", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400,
            "bare CR in request line"),
    INVALID("bare_lf_ends_field", RL "Host: a\n\r\n", 400,
            "bare LF in header section"),
    INVALID("bare_lf_ends_head", RL HOST_A "\n", 400,
            "bare LF in header section"),
    INVALID("bare_cr_ends_head", RL HOST_A "\r\r\n", 400,
            "bare CR in header section"),
    INVALID("all_bare_lf", "GET / HTTP/1.1\nHost: a\n\n", 400,
            "bare LF in request line"),
    INVALID("leading_bare_lf", "\nGET / HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "bare LF before request"),
    INVALID("leading_bare_cr", "\r\rGET / HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "bare CR before request"),
    INVALID("five_leading_empty_lines",
            "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "too many empty lines before request"),
    INVALID("leading_space", " GET / HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "invalid method"),

    /* request line */
    INVALID("method_invalid_char", "G(T / HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "invalid method"),
    INVALID("method_nul", "GE\0T / HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "invalid method",
            .len = sizeof("GE\0T / HTTP/1.1\r\n" HOST_A "\r\n") - 1),
    INVALID("method_obs_text", "G\xc9T / HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "invalid method"),
    INVALID("method_tab_separator", "GET\t/ HTTP/1.1\r\n" HOST_A "\r\n",
            400, "invalid method"),
    INVALID("tls_client_hello", "\x16\x03\x01\x02\x31",
            400, "invalid method"),
    INVALID("double_space_after_method", "GET  / HTTP/1.1\r\n" HOST_A "\r\n",
            400, "empty request target or extra space"),
    INVALID("double_space_after_target", "GET /  HTTP/1.1\r\n" HOST_A "\r\n",
            400, "invalid HTTP version"),
    INVALID("trailing_space_after_version", "GET / HTTP/1.1 \r\n"
            HOST_A "\r\n", 400, "invalid HTTP version"),
    INVALID("space_in_target", "GET /a b HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "invalid HTTP version"),
    INVALID("target_ctl", "GET /a\x01 HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "invalid character in request target"),
    INVALID("target_tab", "GET /a\tb HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "invalid character in request target"),
    INVALID("target_nul", "GET /a\0 HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "invalid character in request target",
            .len = sizeof("GET /a\0 HTTP/1.1\r\n" HOST_A "\r\n") - 1),
    INVALID("target_del", "GET /\x7f HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "invalid character in request target"),
    INVALID("target_obs_text", "GET /caf\xc3\xa9 HTTP/1.1\r\n" HOST_A "\r\n",
            400, "invalid character in request target"),
    INVALID("target_fragment", "GET /a#b HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "invalid character in request target"),
    INVALID("target_bare_lf_http09", "GET /\n", 400,
            "invalid character in request target"),
    INVALID("no_version_http09", "GET /\r\n\r\n", 400,
            "invalid character in request target"),
    INVALID("version_two_digit_minor", "GET / HTTP/1.10\r\n" HOST_A "\r\n",
            400, "invalid HTTP version"),
    INVALID("version_lower_case", "GET / http/1.1\r\n" HOST_A "\r\n", 400,
            "invalid HTTP version"),
    INVALID("version_no_minor", "GET / HTTP/1\r\n" HOST_A "\r\n", 400,
            "invalid HTTP version"),
    INVALID("version_two_digit_major", "GET / HTTP/11.1\r\n" HOST_A "\r\n",
            400, "invalid HTTP version"),
    INVALID("version_letter", "GET / HTTP/1.x\r\n" HOST_A "\r\n", 400,
            "invalid HTTP version"),
    INVALID("version_https", "GET / HTTPS/1.1\r\n" HOST_A "\r\n", 400,
            "invalid HTTP version"),
    INVALID("version_2_0", "GET / HTTP/2.0\r\n" HOST_A "\r\n", 505,
            "unsupported HTTP version"),
    INVALID("version_3_1", "GET / HTTP/3.1\r\n" HOST_A "\r\n", 505,
            "unsupported HTTP version"),
    INVALID("version_0_9", "GET / HTTP/0.9\r\n\r\n", 505,
            "unsupported HTTP version"),
    INVALID("h2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505,
            "unsupported HTTP version"),

    /* targets */
    INVALID("asterisk_not_options", "GET * HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "asterisk-form is only for OPTIONS"),
    INVALID("connect_origin_form", "CONNECT / HTTP/1.1\r\n" HOST_A "\r\n",
            400, "CONNECT needs host:port"),
    INVALID("connect_without_port", "CONNECT a.b HTTP/1.1\r\n"
            HOST_A "\r\n", 400, "CONNECT needs host:port"),
    INVALID("authority_form_not_connect", "GET a.b:80 HTTP/1.1\r\n"
            HOST_A "\r\n", 400, "invalid request target"),
    INVALID("absolute_empty_host", "GET http:///x HTTP/1.1\r\n" HOST_A
            "\r\n", 400, "invalid host in request target"),
    INVALID("absolute_ftp", "GET ftp://a/x HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "unsupported scheme in request target"),
    INVALID("absolute_userinfo", "GET http://u:p@a/x HTTP/1.1\r\n" HOST_A
            "\r\n", 400, "userinfo in request target"),
    INVALID("absolute_one_slash", "GET http:/a/x HTTP/1.1\r\n" HOST_A
            "\r\n", 400, "invalid request target"),
    INVALID("absolute_bad_port", "GET http://a:99999/ HTTP/1.1\r\n" HOST_A
            "\r\n", 400, "invalid host in request target"),
    INVALID("relative_target", "GET a/b HTTP/1.1\r\n" HOST_A "\r\n", 400,
            "invalid request target"),
    INVALID("scheme_starts_with_digit", "GET 1http://a/ HTTP/1.1\r\n" HOST_A
            "\r\n", 400, "invalid request target"),

    /* Host */
    INVALID("http11_no_host", RL "\r\n", 400, "missing Host"),
    INVALID("http11_no_host_other_fields", RL "X: y\r\n\r\n", 400,
            "missing Host"),
    INVALID("absolute_form_still_needs_host",
            "GET http://a/ HTTP/1.1\r\n\r\n", 400, "missing Host"),
    INVALID("two_hosts", RL HOST_A "Host: b\r\n\r\n", 400,
            "duplicate Host"),
    INVALID("two_hosts_same", RL HOST_A "host: a\r\n\r\n", 400,
            "duplicate Host"),
    INVALID("two_hosts_http10", "GET / HTTP/1.0\r\n" HOST_A "Host: a\r\n\r\n",
            400, "duplicate Host"),
    INVALID("host_empty", RL "Host:\r\n\r\n", 400, "invalid Host"),
    INVALID("host_space", RL "Host: a b\r\n\r\n", 400, "invalid Host"),
    INVALID("host_slash", RL "Host: a/b\r\n\r\n", 400, "invalid Host"),
    INVALID("host_at", RL "Host: u@a\r\n\r\n", 400, "invalid Host"),
    INVALID("host_percent", RL "Host: a%2eb\r\n\r\n", 400, "invalid Host"),
    INVALID("host_dot_dot", RL "Host: a..b\r\n\r\n", 400, "invalid Host"),
    INVALID("host_leading_dot", RL "Host: .a\r\n\r\n", 400, "invalid Host"),
    INVALID("host_only_dot", RL "Host: .\r\n\r\n", 400, "invalid Host"),
    INVALID("host_empty_port", RL "Host: a:\r\n\r\n", 400, "invalid Host"),
    INVALID("host_port_zero", RL "Host: a:0\r\n\r\n", 400, "invalid Host"),
    INVALID("host_port_too_big", RL "Host: a:65536\r\n\r\n", 400,
            "invalid Host"),
    INVALID("host_port_six_digits", RL "Host: a:000080\r\n\r\n", 400,
            "invalid Host"),
    INVALID("host_two_ports", RL "Host: a:1:2\r\n\r\n", 400, "invalid Host"),
    INVALID("host_port_only", RL "Host: :80\r\n\r\n", 400, "invalid Host"),
    INVALID("host_obs_text", RL "Host: caf\xc3\xa9\r\n\r\n", 400,
            "invalid Host"),
    INVALID("host_ipv6_unclosed", RL "Host: [::1\r\n\r\n", 400,
            "invalid Host"),
    INVALID("host_ipv6_garbage", RL "Host: [zz::1]\r\n\r\n", 400,
            "invalid Host"),
    INVALID("host_ipv6_zone", RL "Host: [fe80::1%25eth0]\r\n\r\n", 400,
            "invalid Host"),
    INVALID("host_ipv6_junk_after", RL "Host: [::1]x\r\n\r\n", 400,
            "invalid Host"),
    INVALID("host_ipv6_empty", RL "Host: []\r\n\r\n", 400, "invalid Host"),

    /* other digested fields */
    INVALID("connection_bad_token", RL HOST_A "Connection: close;x\r\n\r\n",
            400, "invalid Connection"),

    /* limits */
    INVALID("request_line_over_limit_414",
            "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n"
            HOST_A "\r\n", 414, "request line too long", .max_head = 32),
    INVALID("method_over_limit_414",
            "GETGETGETGETGETGETGETGETGETGETGETGET / HTTP/1.1\r\n",
            414, "request line too long", .max_head = 16),
    INVALID("version_cut_by_limit_414", RL HOST_A "\r\n", 414,
            "request line too long", .max_head = sizeof(RL) - 2),
    INVALID("head_over_limit_431", RL HOST_A "X: yyyyyyyyyyyyyyyy\r\n\r\n",
            431, "request head too large", .max_head = 32),
    INVALID("head_one_byte_over_limit_431", RL HOST_A "\r\n", 431,
            "request head too large",
            .max_head = sizeof(RL HOST_A "\r\n") - 2),
    INVALID("too_many_headers_431", RL HOST_A "A: 1\r\nB: 2\r\n\r\n", 431,
            "too many header fields", .max_headers = 2),
    INVALID("no_header_room_431", RL HOST_A "\r\n", 431,
            "too many header fields", .max_headers = 0),
};


/* Output to the row's location. */
#define ROW_FAIL(row, ...)                                                  \
    do {                                                                    \
        print_error("row \"%s\" (" __FILE__ ":%d): ", (row)->name,          \
                    (row)->line);                                           \
        fail_msg(__VA_ARGS__);                                              \
    } while (0)

#define ROW_CHECK(row, cond)                                                \
    do {                                                                    \
        if (!(cond)) {                                                      \
            ROW_FAIL(row, "check failed: %s", #cond);                       \
        }                                                                   \
    } while (0)


static size_t
row_len(const char *in, size_t len)
{
    return len ? len : strlen(in);
}


/* A fresh parse: state initialised, head and headers full of sentinels. */
static void
run_start(run_t *r, size_t max_head, size_t max_headers)
{
    memset(r, 0xA5, sizeof(*r));
    sl_http_parse_init(&r->st, max_head);
    r->head.headers = r->headers;
    r->head.max_headers = max_headers;
}


/* Passes in[0..n) again, from a new place at the end of the guard. */
static sl_int_t
run_feed(run_t *r, const char *in, size_t n)
{
    r->buf = sl_guard_put(&guard, in, n);
    assert_non_null(r->buf);
    r->len = n;
    r->rc = sl_http_parse_request_head(&r->st, r->buf, n, &r->head);
    return r->rc;
}


static int
str_is(const sl_str_t *s, const char *want)
{
    if (want == NULL) {
        return s->data == NULL && s->len == 0;
    }
    return s->data != NULL && s->len == strlen(want)
           && memcmp(s->data, want, s->len) == 0;
}


/* Every string of the head points inside the input (or is NULL). */
static int
str_inside(const run_t *r, const sl_str_t *s)
{
    if (s->data == NULL) {
        return s->len == 0;
    }
    return s->data >= r->buf && s->data + s->len <= r->buf + r->len;
}


static unsigned
head_flags(const sl_http_head_t *h)
{
    return (h->te ? F_TE : 0) | (h->chunked ? F_CHUNKED : 0)
           | (h->conn_close ? F_CLOSE : 0)
           | (h->conn_keep_alive ? F_KEEP_ALIVE : 0)
           | (h->conn_upgrade ? F_CONN_UPGR : 0)
           | (h->upgrade ? F_UPGRADE : 0)
           | (h->expect_continue ? F_EXPECT : 0)
           | (h->expect_other ? F_EXPECT_OTH : 0);
}


/* The request line as the row's input spells it: after empty lines. */
static int
request_line_is(const valid_t *row, const sl_str_t *rl)
{
    const char  *p, *e;

    p = row->in;
    while (p[0] == '\r' && p[1] == '\n') {
        p += 2;
    }
    e = strstr(p, "\r\n");
    return e != NULL && rl->len == (size_t) (e - p)
           && memcmp(rl->data, p, rl->len) == 0;
}


static void
check_valid(const valid_t *row, const run_t *r)
{
    const sl_http_head_t  *h;
    size_t                 i, used;

    h = &r->head;
    used = row->used ? row->used : row_len(row->in, row->len);
    if (r->rc != (sl_int_t) used) {
        ROW_FAIL(row, "returned %ld, want %zu (status %d: %s)", (long) r->rc,
                 used, h->status, h->error ? h->error : "-");
    }
    ROW_CHECK(row, h->status == 0 && h->error == NULL);
    ROW_CHECK(row, request_line_is(row, &h->request_line));
    ROW_CHECK(row, h->method == row->method);
    ROW_CHECK(row, str_is(&h->method_name, row->method_name));
    ROW_CHECK(row, str_is(&h->target, row->target));
    ROW_CHECK(row, h->target_form == row->form);
    ROW_CHECK(row, str_is(&h->scheme, row->scheme));
    ROW_CHECK(row, str_is(&h->path, row->path));
    ROW_CHECK(row, str_is(&h->query, row->query));
    ROW_CHECK(row, str_is(&h->host, row->host));
    ROW_CHECK(row, h->port == row->port);
    ROW_CHECK(row, h->host_count == row->host_count);
    ROW_CHECK(row, h->http_major == 1 && h->http_minor == row->minor);
    ROW_CHECK(row, h->content_length == row->cl);
    if (head_flags(h) != row->flags) {
        ROW_FAIL(row, "flags 0x%x, want 0x%x", head_flags(h), row->flags);
    }
    ROW_CHECK(row, h->nheaders == row->nheaders);
    for (i = 0; i < sl_nelem(row->hdr) && row->hdr[i][0]; i++) {
        ROW_CHECK(row, str_is(&h->headers[i].name, row->hdr[i][0]));
        ROW_CHECK(row, str_is(&h->headers[i].value, row->hdr[i][1]));
    }

    ROW_CHECK(row, str_inside(r, &h->request_line));
    ROW_CHECK(row, str_inside(r, &h->method_name));
    ROW_CHECK(row, str_inside(r, &h->target));
    ROW_CHECK(row, str_inside(r, &h->query));
    ROW_CHECK(row, str_inside(r, &h->host));
    ROW_CHECK(row, str_inside(r, &h->path) || str_is(&h->path, "/"));
    for (i = 0; i < h->nheaders; i++) {
        ROW_CHECK(row, str_inside(r, &h->headers[i].name));
        ROW_CHECK(row, str_inside(r, &h->headers[i].value));
    }
}


/* Two results for the same input: identical, field by field. */
static void
check_same(const char *name, int line, const run_t *a, const run_t *b)
{
    const sl_http_head_t  *x, *y;
    size_t                 i;
    int                    same;

    x = &a->head;
    y = &b->head;
#define SAME_STR(f)  (x->f.data == y->f.data && x->f.len == y->f.len)
    same = a->rc == b->rc && x->status == y->status && x->error == y->error;
    if (a->rc > 0) {
        same = same && x->method == y->method && SAME_STR(method_name)
               && SAME_STR(request_line) && SAME_STR(target)
               && x->target_form == y->target_form && SAME_STR(scheme)
               && SAME_STR(path) && SAME_STR(query) && SAME_STR(host)
               && x->port == y->port && x->host_count == y->host_count
               && x->http_major == y->http_major
               && x->http_minor == y->http_minor
               && x->content_length == y->content_length
               && head_flags(x) == head_flags(y)
               && x->nheaders == y->nheaders;
        for (i = 0; same && i < x->nheaders; i++) {
            same = SAME_STR(headers[i].name) && SAME_STR(headers[i].value);
        }
    }
#undef SAME_STR
    if (!same) {
        print_error("row \"%s\" (" __FILE__ ":%d): ", name, line);
        fail_msg("split result differs from whole: rc %ld/%ld, "
                 "status %d/%d", (long) a->rc, (long) b->rc,
                 x->status, y->status);
    }
}


/*
 * Feeds in[0..n) one byte more per call and returns the prefix length at
 * which the parse stopped being SL_AGAIN (n + 1 if it never did).
 */
static size_t
run_bytewise(run_t *r, const char *in, size_t n, size_t max_head,
    size_t max_headers)
{
    size_t  k;

    run_start(r, max_head, max_headers);
    for (k = 1; k <= n; k++) {
        if (run_feed(r, in, k) != SL_AGAIN) {
            return k;
        }
    }
    return n + 1;
}


/*
 * The split contract for one input: whole, bytewise and every two-call
 * split give the same result, and the first call of a split returns
 * SL_AGAIN exactly when its prefix is shorter than where the byte-wise
 * parse stopped.
 */
static void
check_splits(const char *name, int line, const char *in, size_t n,
    size_t max_head, size_t max_headers, run_t *whole)
{
    run_t     r;
    size_t    stop, k;
    sl_int_t  rc;

    run_start(whole, max_head, max_headers);
    (void) run_feed(whole, in, n);

    stop = run_bytewise(&r, in, n, max_head, max_headers);
    if (stop > n && whole->rc != SL_AGAIN) {
        print_error("row \"%s\" (" __FILE__ ":%d): ", name, line);
        fail_msg("byte-wise parse never finished");
    }
    if (stop <= n) {
        (void) run_feed(&r, in, n);  /* a finished parse repeats itself */
        check_same(name, line, whole, &r);
    }

    for (k = 1; k < n; k++) {
        run_start(&r, max_head, max_headers);
        rc = run_feed(&r, in, k);
        if ((rc == SL_AGAIN) != (k < stop)) {
            print_error("row \"%s\" (" __FILE__ ":%d): ", name, line);
            fail_msg("split at %zu: first call returned %ld", k, (long) rc);
        }
        (void) run_feed(&r, in, n);
        check_same(name, line, whole, &r);
    }
}


static void
test_head_valid_row(void **state)
{
    const valid_t  *row = *state;
    run_t           whole;
    size_t          n, max_head;

    n = row_len(row->in, row->len);
    max_head = row->max_head ? row->max_head : MAX_HEAD;
    check_splits(row->name, row->line, row->in, n, max_head, MAX_HEADERS,
                 &whole);
    check_valid(row, &whole);
}


static void
test_head_invalid_row(void **state)
{
    const invalid_t  *row = *state;
    run_t             whole;
    size_t            n;

    n = row_len(row->in, row->len);
    check_splits(row->name, row->line, row->in, n, row->max_head,
                 row->max_headers, &whole);
    if (whole.rc != SL_ERROR || whole.head.status != row->status) {
        ROW_FAIL(row, "returned %ld status %d (%s), want status %d",
                 (long) whole.rc, whole.head.status,
                 whole.rc == SL_ERROR ? whole.head.error : "-", row->status);
    }
    if (whole.head.error == NULL || strcmp(whole.head.error, row->error)) {
        ROW_FAIL(row, "error \"%s\", want \"%s\"",
                 whole.head.error ? whole.head.error : "(null)", row->error);
    }
}


#define HEAD1  "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
#define HEAD2  "POST /2 HTTP/1.1\r\nHost: b\r\nContent-Length: 0\r\n\r\n"

/* Two heads in one buffer: each parse starts where the last one ended. */
static void
test_head_pipelined(void **state)
{
    static const char  in[] = HEAD1 HEAD2 "GET /3 HTTP/1.1\r\nHo";
    run_t              r;
    const u_char      *buf;
    size_t             off, n;
    sl_int_t           rc;

    (void) state;
    n = sizeof(in) - 1;
    buf = sl_guard_put(&guard, in, n);
    assert_non_null(buf);

    run_start(&r, MAX_HEAD, MAX_HEADERS);
    rc = sl_http_parse_request_head(&r.st, buf, n, &r.head);
    assert_int_equal(rc, sizeof(HEAD1) - 1);
    assert_true(str_is(&r.head.target, "/1"));
    off = rc;

    run_start(&r, MAX_HEAD, MAX_HEADERS);
    rc = sl_http_parse_request_head(&r.st, buf + off, n - off, &r.head);
    assert_int_equal(rc, sizeof(HEAD2) - 1);
    assert_true(str_is(&r.head.target, "/2"));
    assert_true(str_is(&r.head.host, "b"));
    assert_int_equal(r.head.content_length, 0);
    off += rc;

    run_start(&r, MAX_HEAD, MAX_HEADERS);
    rc = sl_http_parse_request_head(&r.st, buf + off, n - off, &r.head);
    assert_int_equal(rc, SL_AGAIN);
}


/* The engine's usual capacity: 100 fields pass, a 101st is a 431. */
static void
test_head_hundred_headers(void **state)
{
    char      in[4096], *p;
    run_t     r;
    size_t    n;
    int       i;

    (void) state;
    p = in;
    p += snprintf(p, 64, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (i = 1; i < MAX_HEADERS; i++) {
        p += snprintf(p, 64, "X-%d: %d\r\n", i, i);
    }
    n = p - in;
    memcpy(p, "\r\n", 2);

    run_start(&r, MAX_HEAD, MAX_HEADERS);
    assert_int_equal(run_feed(&r, in, n + 2), (sl_int_t) (n + 2));
    assert_int_equal(r.head.nheaders, MAX_HEADERS);
    assert_true(str_is(&r.head.headers[99].name, "X-99"));
    assert_true(str_is(&r.head.headers[99].value, "99"));

    memcpy(p, "Y: 1\r\n\r\n", 8);
    run_start(&r, MAX_HEAD, MAX_HEADERS);
    assert_int_equal(run_feed(&r, in, n + 8), SL_ERROR);
    assert_int_equal(r.head.status, 431);
}


/*
 * The caller moves its bytes to a new buffer between calls and frees the
 * old one: what the head holds must follow.
 */
static void
test_head_buffer_moves(void **state)
{
    static const char  in[] = "GET /p?q HTTP/1.1\r\nHost: h:1\r\n"
                              "X: v\r\n\r\n";
    run_t              r;
    u_char            *a, *b;
    size_t             n;

    (void) state;
    n = sizeof(in) - 1;
    a = malloc(n);
    b = malloc(n);
    assert_non_null(a);
    assert_non_null(b);
    memcpy(a, in, n);

    run_start(&r, MAX_HEAD, MAX_HEADERS);
    assert_int_equal(sl_http_parse_request_head(&r.st, a, n - 5, &r.head),
                     SL_AGAIN);
    memcpy(b, a, n);
    memset(a, 'Z', n);
    free(a);

    assert_int_equal(sl_http_parse_request_head(&r.st, b, n, &r.head),
                     (sl_int_t) n);
    assert_ptr_equal(r.head.target.data, b + 4);
    assert_true(str_is(&r.head.path, "/p"));
    assert_true(str_is(&r.head.query, "q"));
    assert_true(str_is(&r.head.host, "h"));
    assert_true(str_is(&r.head.request_line, "GET /p?q HTTP/1.1"));
    assert_true(str_is(&r.head.headers[1].value, "v"));
    free(b);
}


/* A finished parse, or a failed one, answers the same when called again. */
static void
test_head_final_results_repeat(void **state)
{
    static const char  ok[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    static const char  bad[] = "GET / HTTP/1.1\r\nHost : a\r\n\r\n";
    run_t              r;

    (void) state;
    run_start(&r, MAX_HEAD, MAX_HEADERS);
    assert_int_equal(run_feed(&r, ok, sizeof(ok) - 1), sizeof(ok) - 1);
    assert_int_equal(run_feed(&r, ok, sizeof(ok) - 1), sizeof(ok) - 1);

    run_start(&r, MAX_HEAD, MAX_HEADERS);
    assert_int_equal(run_feed(&r, bad, sizeof(bad) - 1), SL_ERROR);
    assert_int_equal(run_feed(&r, bad, 3), SL_ERROR);
    assert_int_equal(r.head.status, 400);
}


/*
 * At exactly max_head bytes an incomplete head is refused; one byte less
 * is still SL_AGAIN. Bytes past the limit are never looked at.
 */
static void
test_head_limit_is_exact(void **state)
{
    static const char  in[] = "GET /abc HTTP/1.1\r\nHost: a\r\n\r\n";
    run_t              r;

    (void) state;
    run_start(&r, 20, MAX_HEADERS);
    assert_int_equal(run_feed(&r, in, 19), SL_AGAIN);
    assert_int_equal(run_feed(&r, in, 20), SL_ERROR);
    assert_int_equal(r.head.status, 431);

    run_start(&r, 18, MAX_HEADERS);
    assert_int_equal(run_feed(&r, in, 17), SL_AGAIN);
    assert_int_equal(run_feed(&r, in, sizeof(in) - 1), SL_ERROR);
    assert_int_equal(r.head.status, 414);
}


/* A head of a few kilobytes in one field, split everywhere. */
static void
test_head_long_value_splits(void **state)
{
    char    in[6000];
    run_t   whole;
    size_t  n;

    (void) state;
    n = (size_t) snprintf(in, 64, "GET / HTTP/1.1\r\nHost: a\r\nCookie: ");
    memset(in + n, 'c', 5000);
    n += 5000;
    memcpy(in + n, "\r\n\r\n", 4);
    n += 4;
    check_splits("long_value", __LINE__, in, n, MAX_HEAD, MAX_HEADERS,
                 &whole);
    assert_int_equal(whole.rc, (sl_int_t) n);
    assert_int_equal(whole.head.headers[1].value.len, 5000);
}


/* A row of the list and Connection tables: a field value and its reading. */
typedef struct {
    const char         *name;
    int                 line;
    const char         *in;
    const char         *want;         /* list: the elements, '|' between */
    size_t              n;            /*   and how many */
    unsigned            start;        /* Connection: *opts before */
    sl_int_t            rc;           /* Connection: what it returns */
    unsigned            opts;         /*   and *opts after */
} value_t;


/* sl_http_parse_list_next: each row's elements, joined by '|'. */
static void
test_list_next_rows(void **state)
{
#define LIST(name, in, n, want)  { name, __LINE__, in, want, n, 0, 0, 0 }
    static const value_t  rows[] = {
        LIST("one element", "a", 1, "a"),
        LIST("empty value", "", 0, ""),
        LIST("OWS around trimmed", " \t a \t ", 1, "a"),
        LIST("only empty elements", " , ,\t,", 0, ""),
        LIST("leading comma", ",a", 1, "a"),
        LIST("trailing comma", "a,", 1, "a"),
        LIST("empty element inside", "a,,b", 2, "a|b"),
        LIST("empty element with OWS", "a , \t , b", 2, "a|b"),
        LIST("HTAB as OWS", "a\t,\tb", 2, "a|b"),
        LIST("inner space kept", " , a ,b\t, ,  c d  ,", 3, "a|b|c d"),
        LIST("quotes are not special", "\"a,b\", c", 3, "\"a|b\"|c"),
    };
#undef LIST
    sl_str_t  rest, e;
    char      got[64], *p;
    size_t    i, n;

    (void) state;
    for (i = 0; i < sl_nelem(rows); i++) {
        rest.data = (u_char *) rows[i].in;
        rest.len = strlen(rows[i].in);
        p = got;
        for (n = 0; sl_http_parse_list_next(&rest, &e); n++) {
            assert_true(e.len > 0);   /* never an empty element */
            assert_true(p + e.len + 1 < got + sizeof(got));
            if (n) {
                *p++ = '|';
            }
            p = (char *) memcpy(p, e.data, e.len) + e.len;
        }
        *p = '\0';
        assert_int_equal(rest.len, 0);
        assert_false(sl_http_parse_list_next(&rest, &e));   /* stays done */
        if (n != rows[i].n || strcmp(got, rows[i].want) != 0) {
            fail_msg("row \"%s\" (line %d): %zu \"%s\", expected %zu "
                     "\"%s\"", rows[i].name, rows[i].line, n, got,
                     rows[i].n, rows[i].want);
        }
    }
}


/* sl_http_parse_connection: the options found and the verdict. */
static void
test_connection_rows(void **state)
{
#define CONN(name, in, start, rc, opts)                                     \
    { name, __LINE__, in, NULL, 0, start, rc, opts }
    static const value_t  rows[] = {
        CONN("close", "close", 0, SL_OK, SL_HTTP_CONN_CLOSE),
        CONN("any case", "Keep-Alive, UPGRADE", 0, SL_OK,
             SL_HTTP_CONN_KEEP_ALIVE | SL_HTTP_CONN_UPGRADE),
        CONN("empty elements ignored", ", close ,,", 0, SL_OK,
             SL_HTTP_CONN_CLOSE),
        CONN("empty value", "", 0, SL_OK, 0),
        CONN("other options left alone", "x-foo, te", 0, SL_OK, 0),
        CONN("a prefix is not the option", "closed, keep", 0, SL_OK, 0),
        CONN("ORs into what was there", "upgrade", SL_HTTP_CONN_CLOSE, SL_OK,
             SL_HTTP_CONN_CLOSE | SL_HTTP_CONN_UPGRADE),
        CONN("not a token", "clo se", 0, SL_ERROR, 0),
        CONN("quoted is not a token", "\"close\"", 0, SL_ERROR, 0),
        CONN("invalid, the rest still read", "a/b, close", 0, SL_ERROR,
             SL_HTTP_CONN_CLOSE),
    };
#undef CONN
    sl_str_t  v;
    unsigned  opts;
    sl_int_t  rc;
    size_t    i;

    (void) state;
    for (i = 0; i < sl_nelem(rows); i++) {
        opts = rows[i].start;
        v.data = (u_char *) rows[i].in;
        v.len = strlen(rows[i].in);
        rc = sl_http_parse_connection(&v, &opts);
        if (rc != rows[i].rc || opts != rows[i].opts) {
            fail_msg("row \"%s\" (line %d): rc %ld opts 0x%x, expected "
                     "rc %ld opts 0x%x", rows[i].name, rows[i].line,
                     (long) rc, opts, (long) rows[i].rc, rows[i].opts);
        }
    }
}


/* The byte classes, checked against the grammar written out longhand. */
static void
test_char_classes_match_rfc(void **state)
{
    static const char  tchar_punct[] = "!#$%&'*+-.^_`|~";
    unsigned           c, want;
    int                alpha, digit, vchar;

    (void) state;
    for (c = 0; c < 256; c++) {
        alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        digit = c >= '0' && c <= '9';
        vchar = c >= 0x21 && c <= 0x7e;
        want = 0;
        if (alpha || digit || (c && strchr(tchar_punct, (int) c))) {
            want |= SL_HTTP_C_TCHAR;
        }
        if (c == '\t' || c == ' ' || vchar || c >= 0x80) {
            want |= SL_HTTP_C_VALUE;
        }
        if (vchar && c != '#') {
            want |= SL_HTTP_C_TARGET;
        }
        if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
            want |= SL_HTTP_C_HEX;
        }
        if (alpha || digit || c == '-' || c == '_') {
            want |= SL_HTTP_C_HOST;
        }
        if (c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b)
            || (c >= 0x5d && c <= 0x7e) || c >= 0x80)
        {
            want |= SL_HTTP_C_QDTEXT;
        }
        if (c == ' ' || c == '\t') {
            want |= SL_HTTP_C_OWS;
        }
        if (alpha || digit || c == '+' || c == '-' || c == '.') {
            want |= SL_HTTP_C_SCHEME;
        }
        if (sl_http_char_class[c] != want) {
            fail_msg("byte 0x%02x: class 0x%02x, want 0x%02x", c,
                     sl_http_char_class[c], want);
        }
    }
}


static int
group_setup(void **state)
{
    (void) state;
    return sl_guard_init(&guard, GUARD_SIZE);
}


static int
group_teardown(void **state)
{
    (void) state;
    sl_guard_free(&guard);
    return 0;
}


/* One cmocka test per table row, named after it. */
static struct CMUnitTest *
rows_to_tests(const void *rows, size_t n, size_t size,
    CMUnitTestFunction fn)
{
    struct CMUnitTest  *t;
    size_t              i;

    t = calloc(n, sizeof(*t));
    if (t == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        t[i].initial_state = (void *) ((const char *) rows + i * size);
        t[i].name = *(const char *const *) t[i].initial_state;
        t[i].test_func = fn;
    }
    return t;
}


int
main(void)
{
    static const struct CMUnitTest  misc[] = {
        cmocka_unit_test(test_head_pipelined),
        cmocka_unit_test(test_head_hundred_headers),
        cmocka_unit_test(test_head_buffer_moves),
        cmocka_unit_test(test_head_final_results_repeat),
        cmocka_unit_test(test_head_limit_is_exact),
        cmocka_unit_test(test_head_long_value_splits),
        cmocka_unit_test(test_char_classes_match_rfc),
        cmocka_unit_test(test_list_next_rows),
        cmocka_unit_test(test_connection_rows),
    };
    struct CMUnitTest  *valid, *invalid;
    int                 failed;

    valid = rows_to_tests(valid_rows, sl_nelem(valid_rows),
                          sizeof(valid_rows[0]), test_head_valid_row);
    invalid = rows_to_tests(invalid_rows, sl_nelem(invalid_rows),
                            sizeof(invalid_rows[0]), test_head_invalid_row);
    if (valid == NULL || invalid == NULL) {
        return 1;
    }

    failed = _cmocka_run_group_tests("head_valid", valid,
                                     sl_nelem(valid_rows), group_setup,
                                     group_teardown);
    failed += _cmocka_run_group_tests("head_invalid", invalid,
                                      sl_nelem(invalid_rows), group_setup,
                                      group_teardown);
    failed += cmocka_run_group_tests_name("head_misc", misc, group_setup,
                                          group_teardown);
    free(valid);
    free(invalid);
    return failed;
}
