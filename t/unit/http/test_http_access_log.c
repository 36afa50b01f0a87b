/*
 * test_http_access_log.c: unit tests of the access log
 * (src/http/sl_http_access_log.c): format checking, the exact lines of
 * the combined, common and custom formats for a hand-built request, the
 * escaping of hostile values, buffering (flush when full, a line longer
 * than the buffer, the flush timer, close), reopening after a rename, the
 * stdout and "off" paths, and goaccess reading a generated combined log
 * (skipped when goaccess is not installed).
 *
 * Each test writes into its own temporary directory. The clock strings
 * are pinned so lines can be compared byte for byte.
 */
#include "sl_http.h"
#include "sl_loop.h"
#include "event/evtest.h"

#define TIME_LOCAL  "10/Oct/2026:13:55:36 +0000"
#define TIME_SEC    1791640536                  /* the same second */
#define TIME_ISO    "2026-10-10T13:55:36+00:00"

typedef struct {
    char                  dir[64];
    char                  path[128];
    evtest_log_t          log;
    sl_loop_t            *loop;
    sl_http_main_conf_t   main;
    sl_http_server_t      server;
    sl_str_t              names[1];
    sl_conn_t             c;
    sl_http_conn_t        hc;
    sl_http_request_t     r;
    u_char                head[2048];
} fx_t;


/* Pins the cached clock: the strings the log copies and the seconds. */
static void
fx_pin_time(void)
{
    static u_char  text[] = TIME_LOCAL;

    sl_cached_access_time.data = text;
    sl_cached_access_time.len = sizeof(text) - 1;
    sl_current_sec = TIME_SEC;
}


/* Adds a header to the hand-built request (value copied into fx). */
static void
fx_header(fx_t *fx, const char *name, const char *value, size_t vlen)
{
    sl_http_header_t  *h;
    static size_t      used;
    u_char            *p;

    if (fx->r.head.nheaders == 0) {
        used = 0;
    }
    p = fx->head + 1024 + used;
    memcpy(p, value, vlen);
    used += vlen;
    assert_true(used < 1024);
    h = &fx->r.headers[fx->r.head.nheaders++];
    h->name.data = (u_char *) name;
    h->name.len = strlen(name);
    h->value.data = p;
    h->value.len = vlen;
}


/* A GET request from 127.0.0.5, answered 200 with 1234 body bytes. */
static void
fx_request(fx_t *fx, const char *line, size_t len)
{
    sl_http_request_t  *r;
    const u_char       *sp;

    r = &fx->r;
    memset(r, 0, sizeof(*r));
    memset(&fx->c, 0, sizeof(fx->c));
    fx->c.addr.sin.sin_family = AF_INET;
    fx->c.addr.sin.sin_addr.s_addr = htonl(0x7f000005);
    fx->c.socklen = sizeof(struct sockaddr_in);
    fx->c.number = 42;
    fx->hc.requests = 2;
    r->c = &fx->c;
    r->hc = &fx->hc;
    r->main = &fx->main;
    r->head.headers = r->headers;
    r->head.max_headers = SL_HTTP_MAX_HEADERS;
    assert_true(len < 1024);
    memcpy(fx->head, line, len);
    r->head.request_line.data = fx->head;
    r->head.request_line.len = len;
    /* method SP target SP version, as the parser would have pointed. */
    sp = memchr(fx->head, ' ', len);
    r->head.method_name.data = fx->head;
    r->head.method_name.len = sp ? (size_t) (sp - fx->head) : len;
    if (sp) {
        r->head.target.data = (u_char *) sp + 1;
        r->head.target.len = (size_t) ((u_char *) memchr(sp + 1, ' ',
                                fx->head + len - sp - 1) - sp - 1);
        r->uri = r->head.target;
    }
    r->head.http_major = 1;
    r->head.http_minor = 1;
    r->status = 200;
    r->header_bytes = 150;
    r->bytes_sent = 150 + 1234;
    r->start_msec = 1000;
    sl_current_msec = 1003;
    fx->names[0] = (sl_str_t) sl_string("www.example.test");
    fx->server.server_names.n = 1;
    fx->server.server_names.items = fx->names;
    r->server = &fx->server;
}


static int
fx_setup(void **state)
{
    fx_t  *fx;

    fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    (void) snprintf(fx->dir, sizeof(fx->dir), "/tmp/sl-test-al-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    (void) snprintf(fx->path, sizeof(fx->path), "%s/access.log", fx->dir);
    evtest_log_open(&fx->log);
    fx->loop = sl_loop_create(64, &fx->log.log);
    assert_non_null(fx->loop);
    fx->main.access_log_path.data = (u_char *) fx->path;
    fx->main.access_log_path.len = strlen(fx->path);
    sl_str_set(&fx->main.access_log_format, "combined");
    fx->main.access_log_buffer = 64 * 1024;
    fx->main.access_log_flush = 1000;
    fx_pin_time();
    fx_request(fx, "GET /index.html HTTP/1.1",
               sizeof("GET /index.html HTTP/1.1") - 1);
    *state = fx;
    return 0;
}


static int
fx_teardown(void **state)
{
    fx_t  *fx;
    char   cmd[160];

    fx = *state;
    sl_loop_destroy(fx->loop);
    evtest_log_close(&fx->log);
    (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    assert_int_equal(system(cmd), 0);
    free(fx);
    return 0;
}


/* The whole file at path, NUL-terminated, in a static buffer. */
static const char *
fx_file(const char *path)
{
    static char  buf[1 << 17];
    ssize_t      n;
    int          fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        buf[0] = '\0';
        return buf;
    }
    n = read(fd, buf, sizeof(buf) - 1);
    assert_true(n >= 0);
    buf[n] = '\0';
    (void) close(fd);
    return buf;
}


static sl_http_access_log_t *
fx_open(fx_t *fx, const char *format)
{
    sl_http_access_log_t  *al;

    fx->main.access_log_format.data = (u_char *) format;
    fx->main.access_log_format.len = strlen(format);
    al = sl_http_access_log_open(&fx->main, fx->loop, &fx->log.log);
    assert_non_null(al);
    return al;
}


/* Opens with format, writes fx's request, closes: returns the file. */
static const char *
fx_line(fx_t *fx, const char *format)
{
    sl_http_access_log_t  *al;

    al = fx_open(fx, format);
    sl_http_access_log_write(al, &fx->r);
    sl_http_access_log_close(al);
    return fx_file(fx->path);
}


/* check ---------------------------------------------------------------- */

static void
check_ok(const char *format)
{
    sl_str_t  f;
    char      err[256];

    f.data = (u_char *) format;
    f.len = strlen(format);
    err[0] = '\0';
    if (sl_http_access_log_check(&f, err, sizeof(err)) != SL_OK) {
        fail_msg("format \"%s\" refused: %s", format, err);
    }
}


static void
check_bad(const char *format, const char *expect)
{
    sl_str_t  f;
    char      err[256];

    f.data = (u_char *) format;
    f.len = strlen(format);
    err[0] = '\0';
    if (sl_http_access_log_check(&f, err, sizeof(err)) != SL_ERROR) {
        fail_msg("format \"%s\" accepted", format);
    }
    if (strstr(err, expect) == NULL) {
        fail_msg("format \"%s\": message \"%s\" lacks \"%s\"", format, err,
                 expect);
    }
}


static void
test_check_accepts_known_formats_and_variables(void **state)
{
    (void) state;
    check_ok("combined");
    check_ok("common");
    check_ok("");
    check_ok("plain text, no variables");
    check_ok("$remote_addr $remote_user $time_local $time_iso8601 $request "
             "$request_method $request_uri $uri $args $server_protocol "
             "$status "
             "$body_bytes_sent $bytes_sent $request_time $http_referer "
             "$http_user_agent $http_host $host $upstream_addr "
             "$upstream_status $upstream_response_time $connection "
             "$connection_requests $pipe $server_name");
    check_ok("${status}xyz $http_x_forwarded_for $http_X_Mixed");
    check_ok("$status");
    check_ok("100% [$status]");
}


static void
test_check_refuses_unknown_and_malformed_variables(void **state)
{
    (void) state;
    check_bad("$remote_addr $foo", "unknown variable \"$foo\"");
    check_bad("$Status", "unknown variable \"$Status\"");
    check_bad("$http_", "unknown variable \"$http_\"");
    check_bad("cost: $", "\"$\" without a variable name");
    check_bad("$ status", "\"$\" without a variable name");
    check_bad("${status", "unclosed \"${\"");
    check_bad("${}", "\"$\" without a variable name");
    check_bad("${stat us}", "unclosed \"${\"");
}


static void
test_check_truncates_the_message_safely(void **state)
{
    sl_str_t  f;
    char      err[8];

    (void) state;
    sl_str_set(&f, "$no_such_variable_at_all");
    memset(err, 'x', sizeof(err));
    assert_int_equal(sl_http_access_log_check(&f, err, sizeof(err)),
                     SL_ERROR);
    assert_int_equal(err[sizeof(err) - 1], '\0');
    assert_string_equal(err, "unknown");
}


/* formats -------------------------------------------------------------- */

static void
test_combined_line_is_exact(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx_header(fx, "Host", "www.example.test", 16);
    fx_header(fx, "Referer", "http://127.0.0.1/from", 21);
    fx_header(fx, "User-Agent", "curl/7.88.1", 11);
    assert_string_equal(fx_line(fx, "combined"),
        "127.0.0.5 - - [" TIME_LOCAL "] \"GET /index.html HTTP/1.1\" 200 "
        "1234 \"http://127.0.0.1/from\" \"curl/7.88.1\"\n");
}


static void
test_combined_is_the_default_format(void **state)
{
    fx_t  *fx;

    fx = *state;
    assert_string_equal(fx_line(fx, ""),
        "127.0.0.5 - - [" TIME_LOCAL "] \"GET /index.html HTTP/1.1\" 200 "
        "1234 \"-\" \"-\"\n");
}


static void
test_common_line_is_exact(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx_header(fx, "User-Agent", "curl/7.88.1", 11);
    assert_string_equal(fx_line(fx, "common"),
        "127.0.0.5 - - [" TIME_LOCAL "] \"GET /index.html HTTP/1.1\" 200 "
        "1234\n");
}


static void
test_custom_format_prints_every_variable(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx->r.head.method_name.len = 3;
    fx->r.head.target.data = fx->head + 4;
    fx->r.head.target.len = 11;
    sl_str_set(&fx->r.head.query, "a=1&b=%22");
    sl_str_set(&fx->r.uri, "/decoded");
    sl_str_set(&fx->r.host, "www.example.test");
    fx_header(fx, "host", "www.example.test:8080", 21);
    fx_header(fx, "X-Forwarded-For", "127.0.0.9", 9);
    fx->r.start_msec = 500;
    sl_current_msec = 2003;
    assert_string_equal(fx_line(fx,
        "$remote_addr|$remote_user|$time_local|$time_iso8601|$request|"
        "$request_method|$request_uri|$uri|$args|$server_protocol|$status|"
        "$body_bytes_sent|$bytes_sent|$request_time|$http_host|$host|"
        "$http_x_forwarded_for|$connection|$connection_requests|$pipe|"
        "$server_name|${status}s"),
        "127.0.0.5|-|" TIME_LOCAL "|" TIME_ISO "|GET /index.html HTTP/1.1|"
        "GET|/index.html|/decoded|a=1&b=%22|HTTP/1.1|200|"
        "1234|1384|1.503|www.example.test:8080|www.example.test|"
        "127.0.0.9|42|3|.|"
        "www.example.test|200s\n");
}


static void
test_absent_values_print_a_dash(void **state)
{
    fx_t  *fx;

    fx = *state;
    memset(&fx->r.head.request_line, 0, sizeof(sl_str_t));
    memset(&fx->r.uri, 0, sizeof(sl_str_t));
    fx->r.status = 0;
    fx->r.server = NULL;
    fx->r.hc = NULL;
    fx->r.bytes_sent = 10;                /* less than header_bytes */
    fx->c.socklen = 0;
    sl_current_msec = 900;                /* before start: not negative */
    assert_string_equal(fx_line(fx,
        "$remote_addr \"$request\" $uri $args $status $body_bytes_sent "
        "$bytes_sent "
        "$http_referer $host $upstream_addr $upstream_status "
        "$upstream_response_time $server_name $request_time "
        "$connection_requests"),
        "- \"-\" - - 000 0 10 - - - - - - 0.000 1\n");
}


/* $args: the query after '?', as sent; "-" only when there is no '?'. */
static void
test_args_is_the_query_as_sent(void **state)
{
    fx_t  *fx;

    fx = *state;
    assert_string_equal(fx_line(fx, "[$args]"), "[-]\n");
    fx->r.head.query.data = fx->head + 15;
    fx->r.head.query.len = 0;                     /* "GET /x? HTTP/1.1" */
    assert_string_equal(fx_line(fx, "[$args]"), "[-]\n[]\n");
    sl_str_set(&fx->r.head.query, "q=\"x\"\n");
    assert_string_equal(fx_line(fx, "[$args]"),
                        "[-]\n[]\n[q=\\x22x\\x22\\x0A]\n");
}


static void
test_status_and_address_forms(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx->r.status = 7;
    fx->c.addr.sin6.sin6_family = AF_INET6;
    fx->c.addr.sin6.sin6_addr = in6addr_loopback;
    fx->c.socklen = sizeof(struct sockaddr_in6);
    assert_string_equal(fx_line(fx, "$remote_addr $status"), "::1 007\n");
}


/* escaping ------------------------------------------------------------- */

static void
test_hostile_values_are_escaped(void **state)
{
    static const char  line[] = "GET /a\"b\\c\x01\x7f\xff HTTP/1.1";
    static const char  agent[] = "evil\"agent\r\n\\x\t\x80";
    fx_t              *fx;

    fx = *state;
    fx_request(fx, line, sizeof(line) - 1);
    fx_header(fx, "User-Agent", agent, sizeof(agent) - 1);
    fx_header(fx, "Referer", "", 0);
    assert_string_equal(fx_line(fx, "combined"),
        "127.0.0.5 - - [" TIME_LOCAL "] "
        "\"GET /a\\x22b\\x5Cc\\x01\\x7F\\xFF HTTP/1.1\" 200 1234 "
        "\"\" \"evil\\x22agent\\x0D\\x0A\\x5Cx\\x09\\x80\"\n");
}


static void
test_nul_in_a_value_is_escaped(void **state)
{
    fx_t  *fx;

    fx = *state;
    fx_header(fx, "X-A", "a\0b", 3);
    assert_string_equal(fx_line(fx, "[$http_x_a]"), "[a\\x00b]\n");
}


static void
test_format_text_is_written_unescaped(void **state)
{
    fx_t  *fx;

    fx = *state;
    assert_string_equal(fx_line(fx, "\"quoted\" \\ $status"),
                        "\"quoted\" \\ 200\n");
}


/* buffering ------------------------------------------------------------ */

static void
test_lines_wait_in_the_buffer_until_it_is_full(void **state)
{
    sl_http_access_log_t  *al;
    fx_t                  *fx;
    char                   expect[4096];
    size_t                 i;

    fx = *state;
    fx->main.access_log_buffer = 60;
    al = fx_open(fx, "line $connection_requests 0123456789");  /* 18 B */
    expect[0] = '\0';
    for (i = 0; i < 3; i++) {
        fx->hc.requests = i;
        sl_http_access_log_write(al, &fx->r);
        (void) snprintf(expect + strlen(expect), sizeof(expect)
                        - strlen(expect), "line %zu 0123456789\n", i + 1);
    }
    assert_string_equal(fx_file(fx->path), "");
    fx->hc.requests = 3;
    sl_http_access_log_write(al, &fx->r);   /* 72 > 60: flush first */
    assert_string_equal(fx_file(fx->path), expect);
    sl_http_access_log_flush(al);
    assert_string_equal(fx_file(fx->path), "line 1 0123456789\n"
                        "line 2 0123456789\nline 3 0123456789\n"
                        "line 4 0123456789\n");
    sl_http_access_log_close(al);
}


static void
test_a_line_longer_than_the_buffer_is_written_whole(void **state)
{
    sl_http_access_log_t  *al;
    fx_t                  *fx;
    char                   agent[600], expect[1024];

    fx = *state;
    memset(agent, 'a', sizeof(agent));
    agent[599] = '"';                        /* grows by 3 when escaped */
    fx->main.access_log_buffer = 64;
    al = fx_open(fx, "$connection_requests $http_user_agent");
    sl_http_access_log_write(al, &fx->r);  /* short: buffered */
    assert_string_equal(fx_file(fx->path), "");
    fx_header(fx, "User-Agent", agent, sizeof(agent));
    fx->hc.requests = 7;
    sl_http_access_log_write(al, &fx->r);  /* 606 bytes: flush, direct */
    (void) snprintf(expect, sizeof(expect), "3 -\n8 %.*s\\x22\n", 599,
                    agent);
    assert_string_equal(fx_file(fx->path), expect);
    fx->r.head.nheaders = 0;
    sl_http_access_log_write(al, &fx->r);  /* short again: buffered */
    assert_string_equal(fx_file(fx->path), expect);
    sl_http_access_log_close(al);
    (void) snprintf(expect + strlen(expect), sizeof(expect) - strlen(expect),
                    "8 -\n");
    assert_string_equal(fx_file(fx->path), expect);
}


static void
test_the_flush_timer_writes_and_is_cancelable(void **state)
{
    sl_http_access_log_t  *al;
    fx_t                  *fx;
    uint64_t               end;

    fx = *state;
    fx->main.access_log_flush = 30;
    al = fx_open(fx, "$status");
    assert_int_equal(fx->loop->ntimers, 0);   /* idle: no wake-up */
    sl_http_access_log_write(al, &fx->r);
    assert_int_equal(fx->loop->ntimers, 1);
    assert_true(fx->loop->heap[0].ev->cancelable);
    assert_string_equal(fx_file(fx->path), "");
    end = evtest_usec() + 2000000;
    while (fx_file(fx->path)[0] == '\0' && evtest_usec() < end) {
        assert_int_equal(sl_loop_run_once(fx->loop), SL_OK);
    }
    assert_string_equal(fx_file(fx->path), "200\n");
    assert_int_equal(fx->loop->ntimers, 0);
    sl_http_access_log_close(al);
}


static void
test_close_flushes_and_cancels_the_timer(void **state)
{
    sl_http_access_log_t  *al;
    fx_t                  *fx;

    fx = *state;
    al = fx_open(fx, "$status");
    sl_http_access_log_write(al, &fx->r);
    sl_http_access_log_write(al, &fx->r);
    assert_int_equal(fx->loop->ntimers, 1);
    sl_http_access_log_close(al);
    assert_int_equal(fx->loop->ntimers, 0);
    assert_string_equal(fx_file(fx->path), "200\n200\n");
}


static void
test_the_file_is_appended_to(void **state)
{
    fx_t  *fx;
    int    fd;

    fx = *state;
    fd = open(fx->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "old\n", 4), 4);
    (void) close(fd);
    assert_string_equal(fx_line(fx, "$status"), "old\n200\n");
}


/* reopen, paths -------------------------------------------------------- */

static void
test_reopen_after_rename_writes_a_new_file(void **state)
{
    sl_http_access_log_t  *al;
    fx_t                  *fx;
    char                   rotated[160];

    fx = *state;
    (void) snprintf(rotated, sizeof(rotated), "%s.1", fx->path);
    al = fx_open(fx, "$connection_requests");
    fx->hc.requests = 0;
    sl_http_access_log_write(al, &fx->r);
    sl_http_access_log_flush(al);
    assert_int_equal(rename(fx->path, rotated), 0);
    fx->hc.requests = 1;
    sl_http_access_log_write(al, &fx->r);  /* buffered, belongs to .1 */
    sl_http_access_log_reopen(al);
    fx->hc.requests = 2;
    sl_http_access_log_write(al, &fx->r);
    sl_http_access_log_close(al);
    assert_string_equal(fx_file(rotated), "1\n2\n");
    assert_string_equal(fx_file(fx->path), "3\n");
}


static void
test_reopen_failure_keeps_the_old_file(void **state)
{
    sl_http_access_log_t  *al;
    fx_t                  *fx;
    char                   rotated[160];

    fx = *state;
    (void) snprintf(rotated, sizeof(rotated), "%s/moved", fx->dir);
    al = fx_open(fx, "$status");
    assert_int_equal(rename(fx->path, rotated), 0);
    assert_int_equal(mkdir(fx->path, 0755), 0);     /* open() will fail */
    sl_http_access_log_reopen(al);
    assert_int_equal(evtest_log_count(&fx->log, "reopening the access log"),
                     1);
    sl_http_access_log_write(al, &fx->r);
    sl_http_access_log_close(al);
    assert_string_equal(fx_file(rotated), "200\n");
    assert_int_equal(rmdir(fx->path), 0);
}


static void
test_off_opens_nothing(void **state)
{
    fx_t  *fx;

    fx = *state;
    sl_str_set(&fx->main.access_log_path, "off");
    assert_null(sl_http_access_log_open(&fx->main, fx->loop, &fx->log.log));
    assert_int_equal(evtest_log_count(&fx->log, "["), 0);
}


static void
test_an_unopenable_path_is_logged_and_null(void **state)
{
    fx_t  *fx;
    char   path[160];

    fx = *state;
    (void) snprintf(path, sizeof(path), "%s/no/such/dir/log", fx->dir);
    fx->main.access_log_path.data = (u_char *) path;
    fx->main.access_log_path.len = strlen(path);
    assert_null(sl_http_access_log_open(&fx->main, fx->loop, &fx->log.log));
    assert_int_equal(evtest_log_count(&fx->log, "[emerg]"), 1);
    assert_int_equal(evtest_log_count(&fx->log, "/no/such/dir/log"), 1);
}


static void
test_stdout_is_written_and_left_open(void **state)
{
    sl_http_access_log_t  *al;
    fx_t                  *fx;
    int                    saved, fd;

    fx = *state;
    fd = open(fx->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    (void) fflush(stdout);
    saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    (void) close(fd);
    sl_str_set(&fx->main.access_log_path, "stdout");
    al = fx_open(fx, "$status");
    sl_http_access_log_write(al, &fx->r);
    sl_http_access_log_reopen(al);          /* a no-op for stdout */
    sl_http_access_log_close(al);
    assert_int_not_equal(fcntl(STDOUT_FILENO, F_GETFD), -1);  /* open */
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    (void) close(saved);
    assert_string_equal(fx_file(fx->path), "200\n");
}


/* goaccess ------------------------------------------------------------- */

static const char *const  ga_agents[] = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "curl/7.88.1",
    "evil\"agent\\with\r\nnewline",
    "",
    "\xff\xfe binary \x01",
};

static const char *const  ga_lines[] = {
    "GET / HTTP/1.1",
    "POST /api/v1/items?x=1 HTTP/1.1",
    "GET /quote\"in\\path HTTP/1.0",
    "HEAD /favicon.ico HTTP/1.1",
};


/* Writes n varied combined lines; returns how many. */
static unsigned
ga_generate(fx_t *fx, unsigned n)
{
    static const int       statuses[] = { 200, 404, 304, 500, 301, 400 };
    sl_http_access_log_t  *al;
    const char            *a, *l;
    unsigned               i;

    al = fx_open(fx, "combined");
    for (i = 0; i < n; i++) {
        l = ga_lines[i % sl_nelem(ga_lines)];
        a = ga_agents[i % sl_nelem(ga_agents)];
        fx_request(fx, l, strlen(l));
        fx->r.status = statuses[i % sl_nelem(statuses)];
        fx->r.bytes_sent = 150 + (off_t) i * 10;
        fx_header(fx, "User-Agent", a, strlen(a));
        fx_header(fx, "Referer", "http://127.0.0.1/ref\"x", 22);
        sl_http_access_log_write(al, &fx->r);
    }
    sl_http_access_log_close(al);
    return n;
}


/* Reads the integer after "key": in a JSON text; -1 when absent. */
static long
ga_json_int(const char *json, const char *key)
{
    const char  *p;

    p = strstr(json, key);
    if (p == NULL) {
        return -1;
    }
    p += strlen(key);
    while (*p == '"' || *p == ':' || *p == ' ') {
        p++;
    }
    return strtol(p, NULL, 10);
}


static void
test_goaccess_reads_the_combined_format(void **state)
{
    fx_t        *fx;
    char         cmd[512], json[160];
    const char  *out;
    int          rc;

    fx = *state;
    if (access("/usr/bin/goaccess", X_OK) != 0) {
        print_message("goaccess is not installed (apt-get install "
                      "goaccess): skipped\n");
        skip();
    }
    assert_int_equal(ga_generate(fx, 60), 60);
    (void) snprintf(json, sizeof(json), "%s/report.json", fx->dir);
    (void) snprintf(cmd, sizeof(cmd), "/usr/bin/goaccess '%s' "
                    "--no-global-config --log-format=COMBINED -o '%s' "
                    ">'%s/goaccess.out' 2>&1", fx->path, json, fx->dir);
    rc = system(cmd);
    if (rc != 0) {
        (void) snprintf(cmd, sizeof(cmd), "%s/goaccess.out", fx->dir);
        fail_msg("goaccess failed (%d): %s", rc, fx_file(cmd));
    }
    out = fx_file(json);
    assert_int_equal(ga_json_int(out, "\"total_requests\""), 60);
    assert_int_equal(ga_json_int(out, "\"valid_requests\""), 60);
    assert_int_equal(ga_json_int(out, "\"failed_requests\""), 0);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_check_accepts_known_formats_and_variables),
        cmocka_unit_test(test_check_refuses_unknown_and_malformed_variables),
        cmocka_unit_test(test_check_truncates_the_message_safely),
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
        T(test_combined_line_is_exact),
        T(test_combined_is_the_default_format),
        T(test_common_line_is_exact),
        T(test_custom_format_prints_every_variable),
        T(test_absent_values_print_a_dash),
        T(test_args_is_the_query_as_sent),
        T(test_status_and_address_forms),
        T(test_hostile_values_are_escaped),
        T(test_nul_in_a_value_is_escaped),
        T(test_format_text_is_written_unescaped),
        T(test_lines_wait_in_the_buffer_until_it_is_full),
        T(test_a_line_longer_than_the_buffer_is_written_whole),
        T(test_the_flush_timer_writes_and_is_cancelable),
        T(test_close_flushes_and_cancels_the_timer),
        T(test_the_file_is_appended_to),
        T(test_reopen_after_rename_writes_a_new_file),
        T(test_reopen_failure_keeps_the_old_file),
        T(test_off_opens_nothing),
        T(test_an_unopenable_path_is_logged_and_null),
        T(test_stdout_is_written_and_left_open),
        T(test_goaccess_reads_the_combined_format),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
