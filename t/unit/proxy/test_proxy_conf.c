/*
 * test_proxy_conf.c: the proxy module's directives (modules/proxy/
 * sl_proxy_conf.c) through the real loader, as src/sluice.c runs it:
 * every error row checks its "file:line: \"key\": message" text, and a
 * valid file is checked for what it resolves to (upstreams, the implicit
 * upstream of `pass`, defaults, the hash ring, the shared health area);
 * then the pure parts: hash_key compiled into variables (each one the
 * access log knows too) and backend addresses (numeric only).
 */
#include "sl_http.h"   /* the engine's side, to build what it would pass */
#include "sl_proxy.h"

#include <setjmp.h>
#include <cmocka.h>

#include "../conferr.h"

static char  sl_test_dir[] = "/tmp/sl-test-proxy-conf-XXXXXX";


#define UP(body)   "http = { upstreams = ( " body " );\n"
#define SRV(loc)   " servers = ( { listen = [ \"127.0.0.1:1\" ]; " \
                   "locations = ( " loc " ); } ); };\n"
#define OKLOC      "{ match = \"/\"; return = { status = 200; }; }"
#define APP        "{ name = \"app\"; servers = ( { address = " \
                   "\"127.0.0.1:9000\"; } ); }"

static const sl_conf_row_t  sl_proxy_conf_errors[] = {
    { "upstreams not a list", "http = { upstreams = 5;\n" SRV(OKLOC),
      "%s:1: \"upstreams\": expected a list of upstream groups", __LINE__ },
    { "upstream not a group", UP("5") SRV(OKLOC),
      "%s:1: \"upstreams[0]\": expected an upstream group", __LINE__ },
    { "name missing", UP("{ servers = ( { address = \"127.0.0.1:1\"; } ); }")
      SRV(OKLOC), "%s:1: \"upstreams[0]\": \"name\" is required here",
      __LINE__ },
    { "servers missing", UP("{ name = \"a\"; }") SRV(OKLOC),
      "\"servers\" is required here", __LINE__ },
    { "servers empty", UP("{ name = \"a\";\n servers = ( ); }") SRV(OKLOC),
      "%s:2: \"servers\": expected a list of at least one server", __LINE__ },
    { "server unknown key", UP("{ name = \"a\"; servers = ( {\n address = "
      "\"127.0.0.1:1\"; wieght = 2; } ); }") SRV(OKLOC),
      "%s:2: \"wieght\": unknown directive", __LINE__ },
    { "address missing", UP("{ name = \"a\"; servers = ( { weight = 2; } ); }")
      SRV(OKLOC), "\"servers[0]\": \"address\" is required here", __LINE__ },
    { "address no port", UP("{ name = \"a\"; servers = ( {\n address = "
      "\"127.0.0.1\"; } ); }") SRV(OKLOC),
      "%s:2: \"address\": expected \"address:port\"", __LINE__ },
    { "address bad port", UP("{ name = \"a\"; servers = ( {\n address = "
      "\"127.0.0.1:70000\"; } ); }") SRV(OKLOC),
      "%s:2: \"address\": invalid port \"70000\"", __LINE__ },
    { "address name", UP("{ name = \"a\"; servers = ( { address = "
      "\"localhost:80\"; } ); }") SRV(OKLOC),
      "invalid IPv4 address \"localhost\" (numeric addresses only)",
      __LINE__ },
    { "address v6", UP("{ name = \"a\"; servers = ( { address = "
      "\"[::zz]:80\"; } ); }") SRV(OKLOC), "invalid IPv6 address \"::zz\"",
      __LINE__ },
    { "weight zero", UP("{ name = \"a\"; servers = ( { address = "
      "\"127.0.0.1:1\";\n weight = 0; } ); }") SRV(OKLOC),
      "%s:2: \"weight\": 0 is out of range (expected 1 to 1000)", __LINE__ },
    { "max_fails negative", UP("{ name = \"a\"; servers = ( { address = "
      "\"127.0.0.1:1\"; max_fails = -1; } ); }") SRV(OKLOC),
      "\"max_fails\": -1 is out of range (expected 0 to 1000)", __LINE__ },
    { "balance enum", UP("{ name = \"a\";\n balance = \"random\"; servers = "
      "( { address = \"127.0.0.1:1\"; } ); }") SRV(OKLOC),
      "%s:2: \"balance\": invalid value (expected \"round_robin\", "
      "\"least_conn\" or \"hash\")", __LINE__ },
    { "keepalive range", UP("{ name = \"a\"; keepalive = 70000; servers = "
      "( { address = \"127.0.0.1:1\"; } ); }") SRV(OKLOC),
      "\"keepalive\": 70000 is out of range (expected 0 to 65536)",
      __LINE__ },
    { "duplicate name", UP(APP ",\n" APP) SRV(OKLOC),
      "%s:2: \"name\": duplicate upstream \"app\" (first at line 1)",
      __LINE__ },
    { "hash_key without hash", UP("{ name = \"a\";\n hash_key = \"$uri\"; "
      "servers = ( { address = \"127.0.0.1:1\"; } ); }") SRV(OKLOC),
      "%s:2: \"hash_key\": only with balance = \"hash\"", __LINE__ },
    { "hash_key unknown variable", UP("{ name = \"a\"; balance = \"hash\";\n"
      " hash_key = \"$host$cookie_x\"; servers = ( { address = "
      "\"127.0.0.1:1\"; } ); }") SRV(OKLOC),
      "%s:2: \"hash_key\": unknown variable \"$cookie_x\"", __LINE__ },
    { "health path missing", UP("{ name = \"a\";\n health_check = { "
      "interval = 1; }; servers = ( { address = \"127.0.0.1:1\"; } ); }")
      SRV(OKLOC), "%s:2: \"health_check\": \"path\" is required here",
      __LINE__ },
    { "health path relative", UP("{ name = \"a\"; health_check = {\n path = "
      "\"ping\"; }; servers = ( { address = \"127.0.0.1:1\"; } ); }")
      SRV(OKLOC), "%s:2: \"path\": must start with \"/\"", __LINE__ },
    { "health path space", UP("{ name = \"a\"; health_check = { path = "
      "\"/a b\"; }; servers = ( { address = \"127.0.0.1:1\"; } ); }")
      SRV(OKLOC), "\"path\": invalid character in a request target",
      __LINE__ },
    { "health healthy range", UP("{ name = \"a\"; health_check = { path = "
      "\"/\"; healthy = 0; }; servers = ( { address = \"127.0.0.1:1\"; } ); }")
      SRV(OKLOC), "\"healthy\": 0 is out of range (expected 1 to 100)",
      __LINE__ },
    { "health interval zero", UP("{ name = \"a\"; health_check = { path = "
      "\"/\"; interval = 0; }; servers = ( { address = \"127.0.0.1:1\"; } ); }")
      SRV(OKLOC), "\"interval\": 0 seconds is out of range", __LINE__ },
    { "health unknown key", UP("{ name = \"a\"; health_check = { path = "
      "\"/\"; method = \"HEAD\"; }; servers = ( { address = "
      "\"127.0.0.1:1\"; } ); }") SRV(OKLOC),
      "\"method\": unknown directive", __LINE__ },
    { "proxy neither", UP(APP) SRV("{ match = \"/\";\n proxy = { "
      "strip_prefix = true; }; }"),
      "%s:3: \"proxy\": a proxy group takes exactly one of \"upstream\" and "
      "\"pass\"", __LINE__ },
    { "proxy both", UP(APP) SRV("{ match = \"/\"; proxy = { upstream = "
      "\"app\"; pass = \"127.0.0.1:1\"; }; }"),
      "a proxy group takes exactly one of", __LINE__ },
    { "proxy unknown upstream", UP(APP) SRV("{ match = \"/\"; proxy = {\n "
      "upstream = \"ap\"; }; }"),
      "%s:3: \"upstream\": no upstream named \"ap\" in http.upstreams",
      __LINE__ },
    { "proxy without upstreams", "http = {" SRV("{ match = \"/\"; proxy = "
      "{ upstream = \"app\"; }; }"), "no upstream named \"app\"", __LINE__ },
    { "proxy bad pass", "http = {" SRV("{ match = \"/\"; proxy = {\n pass = "
      "\"127.0.0.1\"; }; }"),
      "%s:2: \"pass\": expected \"address:port\"", __LINE__ },
    { "proxy unknown key", UP(APP) SRV("{ match = \"/\"; proxy = { upstream "
      "= \"app\";\n proxy_pass = \"x\"; }; }"),
      "%s:3: \"proxy_pass\": unknown directive", __LINE__ },
    { "proxy tries range", UP(APP) SRV("{ match = \"/\"; proxy = { upstream "
      "= \"app\"; next_upstream_tries = 0; }; }"),
      "\"next_upstream_tries\": 0 is out of range (expected 1 to 100)",
      __LINE__ },
    { "proxy buffer too small", UP(APP) SRV("{ match = \"/\"; proxy = { "
      "upstream = \"app\"; buffer_size = \"512\"; }; }"),
      "\"buffer_size\": size 512 is out of range", __LINE__ },
    { "proxy timeout type", UP(APP) SRV("{ match = \"/\"; proxy = { upstream "
      "= \"app\"; read_timeout = \"60s\"; }; }"),
      "\"read_timeout\": expected a number of seconds", __LINE__ },
    { "proxy host empty", UP(APP) SRV("{ match = \"/\"; proxy = { upstream "
      "= \"app\"; host = \"\"; }; }"), "\"host\": must not be empty",
      __LINE__ },
    { "proxy and return", UP(APP) SRV("{ match = \"/\"; return = { status = "
      "200; }; proxy = { upstream = \"app\"; }; }"),
      "a location takes exactly one of return or a module block", __LINE__ },
};


static void
test_every_error_names_file_and_line(void **state)
{
    (void) state;
    sl_test_conf_errors(sl_proxy_conf_errors, sl_nelem(sl_proxy_conf_errors), sl_test_dir);
}


static sl_proxy_main_conf_t *
sl_test_main_conf(sl_cycle_t *cycle)
{
    sl_http_main_conf_t  *mcf;

    mcf = sl_cycle_block_get(cycle, sl_http_conf_block_index);
    assert_ptr_equal(sl_http_modules[sl_proxy_module.index], &sl_proxy_module);
    return sl_http_module_main_conf(mcf, &sl_proxy_module);
}


static const sl_proxy_loc_conf_t *
sl_test_loc(sl_cycle_t *cycle, const char *match)
{
    sl_http_main_conf_t  *mcf;
    sl_http_server_t     *srv;
    sl_uint_t             i;

    mcf = sl_cycle_block_get(cycle, sl_http_conf_block_index);
    srv = mcf->servers[0];
    for (i = 0; i < srv->nlocations; i++) {
        if (strcmp((char *) srv->locations[i]->match.data, match) == 0) {
            assert_ptr_equal(srv->locations[i]->module, &sl_proxy_module);
            return srv->locations[i]->module_conf;
        }
    }
    fail_msg("no location %s", match);
    return NULL;
}


static void
test_valid_config_resolves(void **state)
{
    const sl_proxy_loc_conf_t  *a, *b, *c;
    sl_proxy_upstream_conf_t   *app;
    sl_proxy_main_conf_t       *pmc;
    sl_cycle_t                 *cycle;
    char                        path[256], err[1200];

    (void) state;
    (void) snprintf(path, sizeof(path), "%s/good.conf", sl_test_dir);
    sl_test_write(path,
        "http = { upstreams = (\n"
        " { name = \"app\"; balance = \"hash\"; hash_key = \"$host$uri\";\n"
        "   keepalive = 8; health_check = { path = \"/ping\"; };\n"
        "   servers = ( { address = \"127.0.0.1:9000\"; weight = 2; },\n"
        "               { address = \"[::1]:9001\"; max_fails = 0;\n"
        "                 fail_timeout = 2.5; } ); } );\n"
        " servers = ( { listen = [ \"127.0.0.1:1\" ]; locations = (\n"
        "  { match = \"/a/\"; proxy = { upstream = \"app\"; "
        "strip_prefix = true; read_timeout = 1.5; }; },\n"
        "  { match = \"/b/\"; proxy = { pass = \"127.0.0.1:7000\"; }; },\n"
        "  { match = \"/c/\"; proxy = { pass = \"127.0.0.1:7000\"; "
        "host = \"h\"; buffer_size = \"4k\"; }; } ); } ); };\n");
    cycle = sl_cycle_load(path, err, sizeof(err));
    if (cycle == NULL) {
        fail_msg("load failed: %s", err);
    }
    pmc = sl_test_main_conf(cycle);
    assert_int_equal(pmc->nupstreams, 2);   /* app and the pass */
    app = pmc->upstreams[0];
    assert_string_equal((char *) app->name.data, "app");
    assert_int_equal(app->balance, SL_PROXY_BALANCE_HASH);
    assert_int_equal(app->keepalive, 8);
    assert_int_equal(app->nservers, 2);
    assert_int_equal(app->servers[0].weight, 2);
    assert_int_equal(app->servers[0].max_fails, 1);
    assert_int_equal(app->servers[0].fail_timeout, 10000);
    assert_int_equal(app->servers[1].max_fails, 0);
    assert_int_equal(app->servers[1].fail_timeout, 2500);
    assert_int_equal(app->servers[1].addr.u.sa.sa_family, AF_INET6);
    assert_int_equal(ntohs(app->servers[1].addr.u.sin6.sin6_port), 9001);
    assert_int_equal(app->nkey, 2);
    assert_int_equal(app->key[0].type, SL_PROXY_VAR_HOST);
    assert_int_equal(app->key[1].type, SL_PROXY_VAR_URI);
    assert_int_equal(app->nring, 3 * SL_PROXY_RING_POINTS);
    assert_true(app->has_health);
    assert_string_equal((char *) app->health.path.data, "/ping");
    assert_int_equal(app->health.interval, 5000);
    assert_int_equal(app->health.healthy, 2);
    assert_int_equal(app->health.unhealthy, 3);
    assert_null(app->shared);      /* mapped by the master, before fork */
    assert_int_equal(sl_cycle_init_master(cycle, err, sizeof(err)), SL_OK);
    assert_non_null(app->shared);
    assert_int_equal(app->shared[0], 0);

    a = sl_test_loc(cycle, "/a/");
    assert_ptr_equal(a->upstream, app);
    assert_true(a->strip_prefix);
    assert_int_equal(a->read_timeout, 1500);
    assert_int_equal(a->connect_timeout, 5000);
    assert_int_equal(a->send_timeout, 60000);
    assert_int_equal(a->next_upstream_tries, 2);
    assert_int_equal(a->buffer_size, 16384);
    assert_int_equal(a->prefix.len, 3);
    b = sl_test_loc(cycle, "/b/");
    c = sl_test_loc(cycle, "/c/");
    assert_ptr_equal(b->upstream, pmc->upstreams[1]);
    assert_ptr_equal(c->upstream, b->upstream);   /* shared pool */
    assert_true(b->upstream->implicit);
    assert_int_equal(b->upstream->keepalive, 32);
    assert_null(b->upstream->shared);
    assert_string_equal((char *) c->host.data, "h");
    assert_int_equal(c->buffer_size, 4096);
    sl_cycle_destroy(cycle);
}


static void
test_key_compile(void **state)
{
    sl_proxy_var_t  *v;
    sl_pool_t       *pool;
    sl_uint_t        n;
    sl_str_t         text;
    char             err[256];

    (void) state;
    pool = sl_pool_create(4096);
    assert_non_null(pool);
    sl_str_set(&text, "u:$uri;$http_x_user_id$args");
    assert_int_equal(sl_proxy_key_compile(pool, &text, &v, &n, err,
                                          sizeof(err)), SL_OK);
    assert_int_equal(n, 5);
    assert_int_equal(v[0].type, SL_PROXY_VAR_TEXT);
    assert_int_equal(v[0].text.len, 2);
    assert_int_equal(v[1].type, SL_PROXY_VAR_URI);
    assert_int_equal(v[2].type, SL_PROXY_VAR_TEXT);
    assert_int_equal(v[3].type, SL_PROXY_VAR_HTTP);
    assert_int_equal(v[3].text.len, 9);
    assert_memory_equal(v[3].text.data, "x-user-id", 9);
    assert_int_equal(v[4].type, SL_PROXY_VAR_ARGS);
    sl_str_set(&text, "$nope");
    assert_int_equal(sl_proxy_key_compile(pool, &text, &v, &n, err,
                                          sizeof(err)), SL_ERROR);
    assert_non_null(strstr(err, "unknown variable \"$nope\""));
    sl_str_set(&text, "$");
    assert_int_equal(sl_proxy_key_compile(pool, &text, &v, &n, err,
                                          sizeof(err)), SL_ERROR);
    sl_pool_destroy(pool);
}


/* Every variable hash_key takes means the same in the access log, which
 * knows each of them ($args included). */
static void
test_key_variables_are_access_log_variables(void **state)
{
    static const char *const  keys[] = {
        "$remote_addr", "$request_uri", "$uri", "$args", "$host",
        "$request_method", "$http_x_user_id",
    };
    sl_proxy_var_t           *v;
    sl_pool_t                *pool;
    sl_uint_t                 n;
    sl_str_t                  text;
    char                      err[256];
    size_t                    i;

    (void) state;
    pool = sl_pool_create(4096);
    assert_non_null(pool);
    for (i = 0; i < sl_nelem(keys); i++) {
        text.data = (u_char *) keys[i];
        text.len = strlen(keys[i]);
        if (sl_proxy_key_compile(pool, &text, &v, &n, err, sizeof(err))
            != SL_OK || n != 1
            || sl_http_access_log_check(&text, err, sizeof(err)) != SL_OK)
        {
            fail_msg("%s: %s", keys[i], err);
        }
    }
    sl_pool_destroy(pool);
}


static void
test_addr_parse(void **state)
{
    sl_proxy_addr_t  a;
    char             err[256];

    (void) state;
    assert_int_equal(sl_proxy_addr_parse("10.0.0.1:8080", &a, err,
                                         sizeof(err)), SL_OK);
    assert_int_equal(a.u.sa.sa_family, AF_INET);
    assert_int_equal(ntohs(a.u.sin.sin_port), 8080);
    assert_int_equal(a.len, sizeof(struct sockaddr_in));
    assert_int_equal(sl_proxy_addr_parse("[::1]:1", &a, err, sizeof(err)),
                     SL_OK);
    assert_int_equal(a.u.sa.sa_family, AF_INET6);
    assert_int_equal(sl_proxy_addr_parse("::1:80", &a, err, sizeof(err)),
                     SL_ERROR);
    assert_int_equal(sl_proxy_addr_parse("[::1]80", &a, err, sizeof(err)),
                     SL_ERROR);
    assert_int_equal(sl_proxy_addr_parse("1.2.3.4:0", &a, err, sizeof(err)),
                     SL_ERROR);
    assert_int_equal(sl_proxy_addr_parse(":80", &a, err, sizeof(err)),
                     SL_ERROR);
    assert_int_equal(sl_proxy_addr_parse("1.2.3.4:8x", &a, err, sizeof(err)),
                     SL_ERROR);
    /* Numeric only, as the manual says: no name is looked up, not even
     * the one listen knows. */
    assert_int_equal(sl_proxy_addr_parse("localhost:80", &a, err,
                                         sizeof(err)), SL_ERROR);
    assert_non_null(strstr(err, "numeric addresses only"));
    assert_int_equal(sl_proxy_addr_parse("app.internal:80", &a, err,
                                         sizeof(err)), SL_ERROR);
}


static int
sl_test_setup(void **state)
{
    (void) state;
    if (mkdtemp(sl_test_dir) == NULL) {
        return -1;
    }
    return sl_http_register() == SL_OK ? 0 : -1;
}


static int
sl_test_teardown(void **state)
{
    char  path[300];

    (void) state;
    (void) snprintf(path, sizeof(path), "%s/bad.conf", sl_test_dir);
    (void) unlink(path);
    (void) snprintf(path, sizeof(path), "%s/good.conf", sl_test_dir);
    (void) unlink(path);
    return rmdir(sl_test_dir);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_every_error_names_file_and_line),
        cmocka_unit_test(test_valid_config_resolves),
        cmocka_unit_test(test_key_compile),
        cmocka_unit_test(test_key_variables_are_access_log_variables),
        cmocka_unit_test(test_addr_parse),
    };

    (void) sl_log_init_stderr();
    return cmocka_run_group_tests_name("proxy_conf", tests, sl_test_setup,
                                       sl_test_teardown);
}
