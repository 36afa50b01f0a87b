/*
 * test_http_log.c: unit tests of the one way the engine and the modules
 * log about a client (src/http/sl_http.h, sl_http_conn_error and
 * sl_http_request_error; sl_http_conn_log_init in sl_http_conn.c). Each
 * row sets up a connection and maybe a request, logs one line and
 * compares what follows "#0: " byte for byte; a disabled level must
 * write nothing and format nothing. The shared log is checked unchanged.
 */
#include "sl_http.h"
#include "event/evtest.h"

enum {
    FORM_CONN = 0,              /* sl_http_conn_error(c) */
    FORM_REQUEST                /* sl_http_request_error(r) */
};

typedef struct {
    const char   *name;
    int           line;
    int           form;
    int           in_progress;  /* hc->request is the request */
    int           routed;       /* r->server set, with a name */
    int           nameless;     /*   but that server has none */
    const char   *request_line;
    const char   *action;
    int           module;       /* r->log_handler set */
    int           unknown;      /* the client's address is unknown */
    int           debug;        /* a debug line: the log is at info */
    sl_err_t      err;
    const char   *want;         /* after "#0: "; NULL: nothing written */
} log_row_t;

#define RL  "GET /x?y HTTP/1.1"
#define ROW(nm, ...)                                                        \
    { .name = nm, .line = __LINE__, __VA_ARGS__ }

static const log_row_t  rows[] = {
    ROW("a connection without a request",
        .want = "*17 m, client: 192.0.2.5"),
    ROW("an unknown client", .unknown = 1, .want = "*17 m, client: -"),
    ROW("a request in progress, not yet routed", .in_progress = 1,
        .want = "*17 m, client: 192.0.2.5"),
    ROW("a request in progress, routed", .in_progress = 1, .routed = 1,
        .request_line = RL,
        .want = "*17 m, client: 192.0.2.5, server: example.com, "
                "request: \"" RL "\""),
    ROW("a connection line leaves the action out", .in_progress = 1,
        .routed = 1, .request_line = RL, .action = "doing x",
        .want = "*17 m, client: 192.0.2.5, server: example.com, "
                "request: \"" RL "\""),
    ROW("a request line says its action", .form = FORM_REQUEST,
        .routed = 1, .request_line = RL, .action = "doing x",
        .want = "*17 m while doing x, client: 192.0.2.5, server: "
                "example.com, request: \"" RL "\""),
    ROW("a request no longer in progress", .form = FORM_REQUEST,
        .want = "*17 m, client: 192.0.2.5"),
    ROW("the module's part comes last", .form = FORM_REQUEST, .routed = 1,
        .request_line = RL, .module = 1,
        .want = "*17 m, client: 192.0.2.5, server: example.com, "
                "request: \"" RL "\", upstream: \"u\""),
    ROW("a server without names", .form = FORM_REQUEST, .routed = 1,
        .nameless = 1, .request_line = RL,
        .want = "*17 m, client: 192.0.2.5, request: \"" RL "\""),
    ROW("the errno before the context", .form = FORM_REQUEST,
        .action = "doing x", .err = ENOENT,
        .want = "*17 m (2: No such file or directory) while doing x, "
                "client: 192.0.2.5"),
    ROW("a disabled level writes nothing", .form = FORM_REQUEST,
        .routed = 1, .request_line = RL, .module = 1, .debug = 1,
        .want = NULL),
};

static int  module_calls;


static u_char *
module_part(sl_http_request_t *r, u_char *buf, size_t len)
{
    (void) r;
    module_calls++;
    return sl_slprintf(buf, buf + len, ", upstream: \"u\"");
}


/* What the log holds after "#0: " up to the newline, or "" when empty. */
static void
read_line(evtest_log_t *l, char *out, size_t size)
{
    char     buf[1024], *p, *nl;
    ssize_t  n;

    n = pread(l->file.fd, buf, sizeof(buf) - 1, 0);
    assert_true(n >= 0);
    buf[n] = '\0';
    out[0] = '\0';
    p = strstr(buf, "#0: ");
    if (p == NULL) {
        return;
    }
    p += 4;
    nl = strchr(p, '\n');
    assert_non_null(nl);
    assert_true((size_t) (nl - p) < size);
    memcpy(out, p, (size_t) (nl - p));
    out[nl - p] = '\0';
}


/* One row: its own cmocka test, named after it. */
static void
test_log_row(void **state)
{
    const log_row_t    *row = *state;
    evtest_log_t        log;
    sl_log_t            shared;
    sl_conn_t           c;
    sl_http_conn_t      hc;
    sl_http_server_t    server;
    sl_str_t            names[1];
    sl_http_request_t  *r;
    char                got[512];
    sl_uint_t           level;

    evtest_log_open(&log);
    log.log.level = SL_LOG_INFO;
    shared = log.log;
    memset(&c, 0, sizeof(c));
    memset(&hc, 0, sizeof(hc));
    memset(&server, 0, sizeof(server));
    r = calloc(1, sizeof(sl_http_request_t));
    assert_non_null(r);
    c.number = 17;
    c.log = &log.log;
    c.data = &hc;
    c.addr.sin.sin_family = AF_INET;
    c.addr.sin.sin_addr.s_addr = htonl(0xC0000205);   /* 192.0.2.5 */
    c.socklen = row->unknown ? 0 : sizeof(struct sockaddr_in);
    sl_str_set(&names[0], "example.com");
    server.server_names.items = names;
    server.server_names.n = row->nameless ? 0 : 1;
    r->c = &c;
    r->hc = &hc;
    r->server = row->routed ? &server : NULL;
    r->action = row->action;
    r->log_handler = row->module ? module_part : NULL;
    if (row->request_line) {
        r->head.request_line.data = (u_char *) row->request_line;
        r->head.request_line.len = strlen(row->request_line);
    }
    hc.request = row->in_progress ? r : NULL;
    module_calls = 0;
    level = row->debug ? SL_LOG_DEBUG : SL_LOG_INFO;

    if (row->form == FORM_CONN) {
        sl_http_conn_error(level, &c, row->err, "m");
    } else {
        sl_http_request_error(level, r, row->err, "m");
    }

    read_line(&log, got, sizeof(got));
    if (strcmp(got, row->want ? row->want : "") != 0) {
        fail_msg("row \"%s\" (line %d):\n got: %s\nwant: %s", row->name,
                 row->line, got, row->want ? row->want : "(nothing)");
    }
    if (row->want == NULL) {
        assert_int_equal(module_calls, 0);   /* nothing formatted */
    }
    /* Nobody writes into the log the connections share. */
    assert_memory_equal(&log.log, &shared, sizeof(shared));
    free(r);
    evtest_log_close(&log);
}


int
main(void)
{
    struct CMUnitTest  tests[sl_nelem(rows)];
    size_t             i;

    memset(tests, 0, sizeof(tests));
    for (i = 0; i < sl_nelem(rows); i++) {
        tests[i].name = rows[i].name;
        tests[i].test_func = test_log_row;
        tests[i].initial_state = (void *) &rows[i];
    }
    return _cmocka_run_group_tests("http/log", tests, sl_nelem(rows), NULL,
                                   NULL);
}
