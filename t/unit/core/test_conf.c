/*
 * test_conf.c: configuration loading and validation (core: sl_conf,
 * sl_cycle, and the listen entries they check). Every error path is a row: the file written, the
 * exact "file:line: ..." message expected. The http block is registered
 * too (as src/sluice.c does), so its errors are checked here as well.
 */
#include "sl_core.h"
#include "sl_cycle.h"
#include "sl_http.h"

#include <setjmp.h>
#include <cmocka.h>

#include "../conferr.h"

static char  sl_test_dir[] = "/tmp/sl-test-conf-XXXXXX";


#define HTTP_MIN  "http = { servers = ( { listen = [ \"127.0.0.1:1\" ]; " \
                  "locations = ( { match = \"/\"; return = { status = 200; }; } ); } ); };\n"

static const sl_conf_row_t  sl_conf_errors[] = {
    { "unknown top-level directive", "workers = 2;\n" HTTP_MIN,
      "%s:1: \"workers\": unknown directive", __LINE__ },
    { "worker_processes wrong type", "worker_processes = 1.5;\n" HTTP_MIN,
      "%s:1: \"worker_processes\": expected \"auto\" or an integer",
      __LINE__ },
    { "worker_processes zero", "worker_processes = 0;\n" HTTP_MIN,
      "%s:1: \"worker_processes\": 0 is out of range (expected 1 to 256)",
      __LINE__ },
    { "worker_rlimit_nofile wrong type",
      "worker_rlimit_nofile = \"lots\";\n" HTTP_MIN,
      "%s:1: \"worker_rlimit_nofile\": expected \"auto\" or an integer",
      __LINE__ },
    { "worker_rlimit_nofile too small", "worker_rlimit_nofile = 8;\n" HTTP_MIN,
      "%s:1: \"worker_rlimit_nofile\": 8 is out of range (expected 16 to "
      "1073741824)", __LINE__ },
    { "worker_connections too small", "\nworker_connections = 2;\n" HTTP_MIN,
      "%s:2: \"worker_connections\": 2 is out of range (expected 16 to 1000000)",
      __LINE__ },
    { "accept enum", "accept = \"epoll\";\n" HTTP_MIN,
      "%s:1: \"accept\": invalid value (expected \"reuseport\" or \"mutex\")",
      __LINE__ },
    { "unknown user", "user = \"no-such-user-sl\";\n" HTTP_MIN,
      "%s:1: \"user\": unknown user \"no-such-user-sl\"", __LINE__ },
    { "shutdown_timeout negative", "shutdown_timeout = -1;\n" HTTP_MIN,
      "%s:1: \"shutdown_timeout\": -1 seconds is out of range", __LINE__ },
    { "shutdown_timeout string", "shutdown_timeout = \"30s\";\n" HTTP_MIN,
      "%s:1: \"shutdown_timeout\": expected a number of seconds", __LINE__ },
    { "daemon not bool", "daemon = 1;\n" HTTP_MIN,
      "%s:1: \"daemon\": expected true or false", __LINE__ },
    { "pid_file empty", "pid_file = \"\";\n" HTTP_MIN,
      "%s:1: \"pid_file\": must not be empty", __LINE__ },
    { "error_log unknown key", "error_log = { path = \"stderr\"; lvl = 1; };\n"
      HTTP_MIN, "%s:1: \"lvl\": unknown directive", __LINE__ },
    { "error_log level", "error_log = {\n level = \"loud\"; };\n" HTTP_MIN,
      "%s:2: \"level\": invalid value (expected \"emerg\"", __LINE__ },
    { "error_log not a group", "error_log = \"x\";\n" HTTP_MIN,
      "%s:1: \"error_log\": must be a group", __LINE__ },
    { "syntax error", "worker_processes = ;\n",
      "%s:1: syntax error", __LINE__ },
    { "http missing", "worker_processes = 1;\n",
      "%s: the \"http\" block is missing", __LINE__ },
    { "http unknown", "http = { colour = 1; servers = (); };\n",
      "%s:1: \"colour\": unknown directive", __LINE__ },
    { "servers empty", "http = { servers = (); };\n",
      "%s:1: \"servers\": needs at least one server", __LINE__ },
    { "servers missing", "http = { keepalive_timeout = 5; };\n",
      "%s:1: \"http\": \"servers\" is required here", __LINE__ },
    { "bad size", "http = {\n client_max_body_size = \"12x\";\n servers = (); };\n",
      "%s:2: \"client_max_body_size\": invalid size \"12x\"", __LINE__ },
    { "size too small", "http = { client_header_buffer = \"16\"; servers = (); };\n",
      "\"client_header_buffer\": size 16 is out of range", __LINE__ },
    { "keepalive_requests negative", "http = { keepalive_requests = -1; servers = (); };\n",
      "\"keepalive_requests\": -1 is out of range", __LINE__ },
    { "listen missing", "http = { servers = ( {\n root = \"x\"; } ); };\n",
      "\"servers[0]\": \"listen\" is required here", __LINE__ },
    { "listen bad port", "http = { servers = ( { listen = [\n \"127.0.0.1:99999\" ]; } ); };\n",
      "%s:2: \"listen[0]\": invalid port \"99999\"", __LINE__ },
    { "listen bad host", "http = { servers = ( { listen = [ \"example.com:80\" ]; } ); };\n",
      "invalid IPv4 address \"example.com\" (numeric addresses only)", __LINE__ },
    { "listen bad v6", "http = { servers = ( { listen = [ \"[::zz]:80\" ]; } ); };\n",
      "invalid IPv6 address \"::zz\"", __LINE__ },
    { "listen no port", "http = { servers = ( { listen = [ \"127.0.0.1\" ]; } ); };\n",
      "expected \"host:port\"", __LINE__ },
    { "server unknown key", "http = { servers = ( { listen = [ \":1\" ];\n roots = \"x\"; } ); };\n",
      "%s:2: \"roots\": unknown directive", __LINE__ },
    { "location without handler", "http = { servers = ( { listen = [ \":1\" ]; locations = (\n { match = \"/\"; } ); } ); };\n",
      "names no handler", __LINE__ },
    { "location bad match", "http = { servers = ( { listen = [ \":1\" ]; locations = (\n { match = \"x\"; return = { status = 200; }; } ); } ); };\n",
      "%s:2: \"match\": expected \"/prefix\" or \"= /exact\"", __LINE__ },
    { "location duplicate", "http = { servers = ( { listen = [ \":1\" ]; locations = ( { match = \"/\"; return = { status = 200; }; },\n { match = \"/\"; return = { status = 204; }; } ); } ); };\n",
      "%s:2: \"locations[1]\": duplicate location \"/\"", __LINE__ },
    { "return status range", "http = { servers = ( { listen = [ \":1\" ]; locations = ( { match = \"/\"; return = {\n status = 99; }; } ); } ); };\n",
      "%s:2: \"status\": 99 is out of range (expected 200 to 599)", __LINE__ },
    { "redirect without location", "http = { servers = ( { listen = [ \":1\" ]; locations = ( { match = \"/\";\n return = { status = 301; }; } ); } ); };\n",
      "%s:2: \"return\": a 301 redirect needs \"location\"", __LINE__ },
    { "308 without location", "http = { servers = ( { listen = [ \":1\" ]; locations = ( { match = \"/\";\n return = { status = 308; }; } ); } ); };\n",
      "%s:2: \"return\": a 308 redirect needs \"location\"", __LINE__ },
    { "location with 200", "http = { servers = ( { listen = [ \":1\" ]; locations = ( { match = \"/\"; return = { status = 200;\n location = \"/x\"; }; } ); } ); };\n",
      "%s:2: \"location\": only with a redirect status (301, 302, 303, 307 or 308), not 200", __LINE__ },
    { "location with 304", "http = { servers = ( { listen = [ \":1\" ]; locations = ( { match = \"/\"; return = { status = 304;\n location = \"/x\"; }; } ); } ); };\n",
      "%s:2: \"location\": only with a redirect status (301, 302, 303, 307 or 308), not 304", __LINE__ },
    { "location with 404", "http = { servers = ( { listen = [ \":1\" ]; locations = ( { match = \"/\"; return = {\n location = \"/x\";\n status = 404; }; } ); } ); };\n",
      "%s:2: \"location\": only with a redirect status (301, 302, 303, 307 or 308), not 404", __LINE__ },
    { "location unknown key", "http = { servers = ( { listen = [ \":1\" ]; locations = ( { match = \"/\"; return = { status = 200; };\n colour = 1; } ); } ); };\n",
      "%s:2: \"colour\": unknown directive", __LINE__ },
    { "access_log unknown key", "http = { access_log = {\n paths = \"off\"; }; servers = (); };\n",
      "%s:2: \"paths\": unknown directive", __LINE__ },
};

static void
test_conf_every_error_names_file_and_line(void **state)
{
    (void) state;
    sl_test_conf_errors(sl_conf_errors, sl_nelem(sl_conf_errors), sl_test_dir);
}


static void
test_conf_valid_file_fills_cycle_and_resolves_paths(void **state)
{
    char         path[256], err[1200], want[300];
    sl_cycle_t  *cycle;

    (void) state;
    (void) snprintf(path, sizeof(path), "%s/good.conf", sl_test_dir);
    sl_test_write(path,
        "worker_processes = 3;\nworker_connections = 100;\n"
        "accept = \"mutex\";\npid_file = \"run/s.pid\";\n"
        "shutdown_timeout = 2.5;\n"
        "error_log = { path = \"logs/error.log\"; level = \"info\"; };\n"
        "worker_rlimit_nofile = 300;\n"
        "http = { client_max_body_size = \"2m\"; keepalive_timeout = 0.25;\n"
        "  servers = ( { listen = [ \"127.0.0.1:8080\", \"[::1]:8080\" ];\n"
        "    root = \"html\"; locations = ( { match = \"= /x\"; "
        "return = { status = 204; }; } ); } ); };\n");
    cycle = sl_cycle_load(path, err, sizeof(err));
    if (cycle == NULL) {
        fail_msg("load failed: %s", err);
    }
    assert_int_equal(cycle->worker_processes, 3);
    assert_int_equal(cycle->worker_connections, 100);
    assert_int_equal(cycle->accept, SL_ACCEPT_CONF_MUTEX);
    assert_int_equal(cycle->shutdown_timeout, 2500);
    assert_int_equal(cycle->error_log_conf.level, SL_LOG_INFO);
    (void) snprintf(want, sizeof(want), "%s/run/s.pid", sl_test_dir);
    assert_string_equal((char *) cycle->pid_file.data, want);
    (void) snprintf(want, sizeof(want), "%s/logs/error.log", sl_test_dir);
    assert_string_equal((char *) cycle->error_log_conf.path.data, want);
    /* Kept for the message if the log cannot be opened at start. */
    (void) snprintf(want, sizeof(want), "%s:6: \"path\"", path);
    assert_string_equal(cycle->error_log_conf.where, want);
    assert_int_equal(cycle->rlimit_nofile, 300);
    (void) snprintf(want, sizeof(want), "%s:7: \"worker_rlimit_nofile\"",
                    path);
    assert_string_equal(cycle->rlimit_where, want);
    assert_int_equal(cycle->conn_fds, 1);   /* no location proxies */
    assert_non_null(cycle->listening);
    assert_non_null(cycle->listening->next);
    assert_null(cycle->listening->next->next);
    assert_string_equal((char *) cycle->listening->text.data,
                        "127.0.0.1:8080");
    assert_string_equal((char *) cycle->listening->next->text.data,
                        "[::1]:8080");
    sl_cycle_destroy(cycle);
}


static void
test_conf_auto_workers_is_cpu_count(void **state)
{
    char         path[256], err[1200];
    sl_cycle_t  *cycle;

    (void) state;
    (void) snprintf(path, sizeof(path), "%s/auto.conf", sl_test_dir);
    sl_test_write(path, "worker_processes = \"auto\";\n" HTTP_MIN);
    cycle = sl_cycle_load(path, err, sizeof(err));
    assert_non_null(cycle);
    assert_int_equal(cycle->worker_processes, sysconf(_SC_NPROCESSORS_ONLN));
    sl_cycle_destroy(cycle);
}


static void
test_conf_dump_fills_defaults(void **state)
{
    char    path[256], err[1200], *text;
    size_t  len;
    FILE   *out;

    (void) state;
    (void) snprintf(path, sizeof(path), "%s/dump.conf", sl_test_dir);
    sl_test_write(path, HTTP_MIN);
    out = open_memstream(&text, &len);
    assert_non_null(out);
    assert_int_equal(sl_cycle_dump(path, out, err, sizeof(err)), SL_OK);
    assert_int_equal(fclose(out), 0);
    assert_non_null(strstr(text, "keepalive_timeout = 75.0;"));
    assert_non_null(strstr(text, "accept = \"reuseport\";"));
    assert_non_null(strstr(text, "worker_connections = 4096;"));
    assert_non_null(strstr(text, "worker_rlimit_nofile = \"auto\";"));
    free(text);
}


static void
test_conf_size_parser(void **state)
{
    static const struct {
        const char  *in;
        sl_int_t     rc;
        size_t       out;
    } rows[] = {
        { "0", SL_OK, 0 }, { "512", SL_OK, 512 }, { "8k", SL_OK, 8192 },
        { "8K", SL_OK, 8192 }, { "1m", SL_OK, 1048576 },
        { "2G", SL_OK, 2147483648u }, { "", SL_ERROR, 0 },
        { "k", SL_ERROR, 0 }, { "-1", SL_ERROR, 0 }, { "1.5m", SL_ERROR, 0 },
        { " 1", SL_ERROR, 0 }, { "1 k", SL_ERROR, 0 }, { "12x", SL_ERROR, 0 },
        { "99999999999999999999", SL_ERROR, 0 },
        { "17179869184g", SL_ERROR, 0 },
    };
    size_t  i, out;

    (void) state;
    for (i = 0; i < sl_nelem(rows); i++) {
        out = 7;
        if (sl_conf_parse_size(rows[i].in, &out) != rows[i].rc
            || (rows[i].rc == SL_OK && out != rows[i].out))
        {
            fail_msg("size \"%s\": rc or value wrong (got %zu)", rows[i].in,
                     out);
        }
    }
}


static void
test_conf_time_parser(void **state)
{
    sl_msec_t  ms;

    (void) state;
    ms = 7;
    assert_int_equal(sl_conf_parse_time(0, &ms), SL_OK);
    assert_int_equal(ms, 0);
    assert_int_equal(sl_conf_parse_time(0.25, &ms), SL_OK);
    assert_int_equal(ms, 250);
    assert_int_equal(sl_conf_parse_time(75, &ms), SL_OK);
    assert_int_equal(ms, 75000);
    assert_int_equal(sl_conf_parse_time(-0.001, &ms), SL_ERROR);
    assert_int_equal(sl_conf_parse_time(1e12, &ms), SL_ERROR);
    assert_int_equal(sl_conf_parse_time(0.0 / 0.0, &ms), SL_ERROR);
}


static void
test_conf_missing_file_says_so(void **state)
{
    char         err[1200];
    sl_cycle_t  *cycle;

    (void) state;
    cycle = sl_cycle_load("/nonexistent/sluice.conf", err, sizeof(err));
    assert_null(cycle);
    assert_non_null(strstr(err, "/nonexistent/sluice.conf: cannot read: "
                                "No such file or directory"));
}


static int
sl_test_setup(void **state)
{
    (void) state;
    if (sl_test_conf_dir_make(sl_test_dir) != 0) {
        return -1;
    }
    return sl_http_register() == SL_OK ? 0 : -1;
}


static int
sl_test_teardown(void **state)
{
    (void) state;
    return sl_test_conf_dir_remove(sl_test_dir);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_conf_every_error_names_file_and_line),
        cmocka_unit_test(test_conf_valid_file_fills_cycle_and_resolves_paths),
        cmocka_unit_test(test_conf_auto_workers_is_cpu_count),
        cmocka_unit_test(test_conf_dump_fills_defaults),
        cmocka_unit_test(test_conf_size_parser),
        cmocka_unit_test(test_conf_time_parser),
        cmocka_unit_test(test_conf_missing_file_says_so),
    };

    return cmocka_run_group_tests(tests, sl_test_setup, sl_test_teardown);
}
