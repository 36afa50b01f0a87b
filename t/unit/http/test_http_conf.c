/*
 * test_http_conf.c: what the http block refuses at load because it could
 * never work as written (src/http/sl_http_conf.c): add_headers entries
 * that are not one whole "Name: value" field line (the check itself,
 * sl_http_parse_field_line, is tested in test_http_parse_field.c), and
 * server_names in forms the router cannot match. Every refusal is a row
 * with its exact "file:line: ..." message; the forms that are supported
 * still load.
 */
#include "sl_core.h"
#include "sl_cycle.h"
#include "sl_http.h"

#include <setjmp.h>
#include <cmocka.h>

#include "conferr.h"

static char  sl_test_dir[] = "/tmp/sl-test-http-conf-XXXXXX";

/* A server on :1 whose one location carries the text of X. */
#define LOC(x)                                                              \
    "http = { servers = ( { listen = [ \":1\" ];\n"                         \
    " locations = ( { match = \"/\"; return = { status = 200; };\n" x       \
    " } ); } ); };\n"
/* The same with server-level text. */
#define SRV(x)                                                              \
    "http = { servers = ( { listen = [ \":1\" ];\n" x                       \
    " locations = ( { match = \"/\"; return = { status = 200; }; } );"      \
    " } ); };\n"

#define NAME_ERR  "cannot match (supported: exact names, and \"*.\" " \
                  "followed by a domain): "
#define TOKEN_ERR "the field name may hold only letters, digits and " \
                  "!#$%&'*+-.^_`|~, and ':' must follow it at once"
#define VALUE_ERR "the value may not hold CR, LF, NUL or any other " \
                  "control character but HTAB"


static const sl_conf_row_t  sl_http_conf_errors[] = {
    { "header with CRLF",
      LOC(" add_headers = [ \"X-A: 1\",\n \"X-B: 1\\r\\nSet-Cookie: x\" ];"),
      "%s:4: \"add_headers[1]\": " VALUE_ERR " (character 7 is \\x0D)",
      __LINE__ },
    { "header with LF",
      LOC(" add_headers = [ \"X-B: 1\\nX: 2\" ];"),
      "%s:3: \"add_headers[0]\": " VALUE_ERR " (character 7 is \\x0A)",
      __LINE__ },
    { "header with a control byte",
      LOC(" add_headers = [ \"X-B: \\x1b[31m\" ];"),
      "%s:3: \"add_headers[0]\": " VALUE_ERR " (character 6 is \\x1B)",
      __LINE__ },
    { "header without colon",
      LOC(" add_headers = [ \"nosniff\" ];"),
      "%s:3: \"add_headers[0]\": expected \"Name: value\": no ':' after the "
      "field name", __LINE__ },
    { "header name with a space",
      LOC(" add_headers = [ \"X Frame: DENY\" ];"),
      "%s:3: \"add_headers[0]\": " TOKEN_ERR " (character 2 is ' ')",
      __LINE__ },
    { "header with space before colon",
      LOC(" add_headers = [ \"X-Frame : DENY\" ];"),
      "%s:3: \"add_headers[0]\": " TOKEN_ERR " (character 8 is ' ')",
      __LINE__ },
    { "header without name",
      LOC(" add_headers = [ \": DENY\" ];"),
      "%s:3: \"add_headers[0]\": the field name before ':' is empty",
      __LINE__ },
    { "header not a string",
      LOC(" add_headers = [ 1 ];"),
      "%s:3: \"add_headers[0]\": expected a string", __LINE__ },
    { "server name with a leading dot",
      SRV(" server_names = [ \"a.test\",\n \".example.com\" ];"),
      "%s:3: \"server_names[1]\": \".example.com\" " NAME_ERR "write both "
      "the name and a wildcard instead, as in \"example.com\", "
      "\"*.example.com\"", __LINE__ },
    { "server name with a trailing wildcard",
      SRV(" server_names = [ \"example.*\" ];"),
      "%s:2: \"server_names[0]\": \"example.*\" " NAME_ERR "a wildcard may "
      "only be a leading \"*.\" as in \"*.example.com\"; list other names in "
      "full, as in \"example.com\", \"example.org\"", __LINE__ },
    { "server name that is a lone star",
      SRV(" server_names = [ \"*\" ];"),
      "%s:2: \"server_names[0]\": \"*\" " NAME_ERR "a wildcard", __LINE__ },
    { "server name with an inner star",
      SRV(" server_names = [ \"www.*.example.com\" ];"),
      "%s:2: \"server_names[0]\": \"www.*.example.com\" " NAME_ERR
      "a wildcard", __LINE__ },
    { "server name with two stars",
      SRV(" server_names = [ \"*.*.example.com\" ];"),
      "%s:2: \"server_names[0]\": \"*.*.example.com\" " NAME_ERR
      "a wildcard", __LINE__ },
    { "server name as a regex",
      SRV(" server_names = [ \"~^www\\\\d+\\\\.example\\\\.com$\" ];"),
      "%s:2: \"server_names[0]\": \"~^www\\d+\\.example\\.com$\" " NAME_ERR
      "regular expressions are not supported; list the names", __LINE__ },
    { "server name with a port",
      SRV(" server_names = [ \"example.com:8080\" ];"),
      "%s:2: \"server_names[0]\": \"example.com:8080\" " NAME_ERR "write "
      "it without a port", __LINE__ },
    { "IPv6 literal with a port",
      SRV(" server_names = [ \"[::1]:8080\" ];"),
      "%s:2: \"server_names[0]\": \"[::1]:8080\" " NAME_ERR "write "
      "it without a port", __LINE__ },
    { "server name with a final dot",
      SRV(" server_names = [ \"example.com.\" ];"),
      "%s:2: \"server_names[0]\": \"example.com.\" " NAME_ERR "write it "
      "without the final dot", __LINE__ },
};


static void
test_conf_refusals_name_file_and_line(void **state)
{
    (void) state;
    sl_test_conf_errors(sl_http_conf_errors, sl_nelem(sl_http_conf_errors),
                        sl_test_dir);
}


/* What is supported loads, and keeps the entries as written. */
static void
test_conf_supported_forms_load(void **state)
{
    char                  path[256], err[1200];
    sl_cycle_t           *cycle;
    sl_http_main_conf_t  *mcf;
    sl_http_server_t     *srv;

    (void) state;
    (void) snprintf(path, sizeof(path), "%s/good.conf", sl_test_dir);
    sl_test_write(path, SRV(" server_names = [ \"example.com\", "
                            "\"*.example.com\", \"*.a\", \"localhost\", "
                            "\"[::1]\" ];")
                  "\n");
    cycle = sl_cycle_load(path, err, sizeof(err));
    if (cycle == NULL) {
        fail_msg("load failed: %s", err);
    }
    sl_cycle_destroy(cycle);
    sl_test_write(path, LOC(" add_headers = [ \"X-A: 1\", \"X-Empty:\", "
                            "\"X-T:\\tv\" ];"));
    cycle = sl_cycle_load(path, err, sizeof(err));
    if (cycle == NULL) {
        fail_msg("load failed: %s", err);
    }
    mcf = sl_cycle_block_get(cycle, sl_http_conf_block_index);
    srv = mcf->servers[0];
    assert_int_equal(srv->locations[0]->add_headers.n, 3);
    assert_string_equal((char *) srv->locations[0]->add_headers.items[2].data,
                        "X-T:\tv");
    sl_cycle_destroy(cycle);
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
        cmocka_unit_test(test_conf_refusals_name_file_and_line),
        cmocka_unit_test(test_conf_supported_forms_load),
    };

    return cmocka_run_group_tests(tests, sl_test_setup, sl_test_teardown);
}
