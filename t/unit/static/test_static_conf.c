/*
 * test_static_conf.c: unit tests of the `static` group (modules/static/
 * sl_static_conf.c): every error path of the field table and of the
 * checks gives its exact "file:line: \"key\": reason" (for a mime.types
 * syntax error, that file's own file:line), and a valid group gets its
 * defaults, its mime table and its charset-qualified types. Each row
 * writes a config with a top-level `static` group into a temporary
 * directory and runs the generic setters then the module's check, as the
 * engine does for a location.
 */
#include "static/sl_static.h"

#include <setjmp.h>
#include <cmocka.h>

static char  sl_test_dir[] = "/tmp/sl-test-static-conf-XXXXXX";

static sl_http_server_t     test_server;
static sl_http_main_conf_t  test_main;     /* the static module's */
static sl_static_main_t     test_static_main;   /* slots come from here */

#define TYPES  "types {\n text/html html;\n application/json json;\n" \
               " image/png png;\n text/css css;\n}\n"


static void
write_file(const char *name, const char *text)
{
    char   path[512];
    FILE  *f;

    (void) snprintf(path, sizeof(path), "%s/%s", sl_test_dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}


static void
remove_file(const char *name)
{
    char  path[512];

    (void) snprintf(path, sizeof(path), "%s/%s", sl_test_dir, name);
    (void) unlink(path);
}


static int
group_setup(void **state)
{
    (void) state;
    if (mkdtemp(sl_test_dir) == NULL) {
        return -1;
    }
    write_file("mime.types", TYPES);
    write_file("bad.types", "types {\n text/html html\n}\n");
    /* What the engine's main_parse call would have made. */
    test_server.main = &test_main;
    sl_http_module_main_conf(&test_main, &sl_static_module)
        = &test_static_main;
    return 0;
}


static int
group_teardown(void **state)
{
    (void) state;
    remove_file("mime.types");
    remove_file("bad.types");
    remove_file("t.conf");
    (void) rmdir(sl_test_dir);
    return 0;
}


/*
 * Loads text as t.conf and runs the `static` group through the table and
 * the check. Returns SL_OK or SL_ERROR; the message is in cf->err.
 */
static sl_int_t
load(sl_conf_t *cf, sl_pool_t *pool, const char *text,
    sl_static_conf_t *conf, sl_http_location_t *loc)
{
    sl_conf_node_t  *node;
    char             path[512];
    sl_int_t         rc;

    write_file("t.conf", text);
    (void) snprintf(path, sizeof(path), "%s/t.conf", sl_test_dir);
    memset(cf, 0, sizeof(*cf));
    memset(conf, 0, sizeof(*conf));
    memset(loc, 0, sizeof(*loc));
    /* The engine runs conf_check once the server, root included, is read. */
    test_server.root.data = (u_char *) sl_test_dir;
    test_server.root.len = strlen(sl_test_dir);
    loc->server = &test_server;
    rc = sl_conf_open(cf, pool, path);
    assert_int_equal(rc, SL_OK);
    node = config_setting_get_member(sl_conf_root(cf), "static");
    assert_non_null(node);
    sl_static_conf_init(conf);
    rc = sl_conf_parse_group(cf, node, sl_static_conf_fields, conf);
    if (rc == SL_OK) {
        rc = sl_static_conf_check(cf, node, loc, conf);
    }
    return rc;
}


/* Copies pattern with each '@' replaced by the test directory. */
static void
expand(char *out, size_t size, const char *pattern)
{
    size_t  n, dl;

    dl = strlen(sl_test_dir);
    for (n = 0; *pattern && n + dl + 1 < size; pattern++) {
        if (*pattern == '@') {
            memcpy(out + n, sl_test_dir, dl);
            n += dl;
        } else {
            out[n++] = *pattern;
        }
    }
    out[n] = '\0';
}


typedef struct {
    const char  *name;
    int          line;
    const char  *text;
    const char  *expect;     /* '@' stands for the directory */
} conf_row_t;

#define BAD(nm, t, e)  { nm, __LINE__, t, e }

static const conf_row_t  conf_errors[] = {
    BAD("unknown", "static = {\n colour = 1; };\n",
        "@/t.conf:2: \"colour\": unknown directive"),
    BAD("not_a_group", "static = 1;\n",
        "@/t.conf:1: \"static\": must be a group { ... }"),
    BAD("autoindex_int", "static = { autoindex = 1; };\n",
        "@/t.conf:1: \"autoindex\": expected true or false"),
    BAD("gzip_static_string", "static = { gzip_static = \"on\"; };\n",
        "@/t.conf:1: \"gzip_static\": expected true or false"),
    BAD("etag_int", "static = { etag = 0; };\n",
        "@/t.conf:1: \"etag\": expected true or false"),
    BAD("dotfiles_enum", "static = {\n\n dotfiles = \"maybe\"; };\n",
        "@/t.conf:3: \"dotfiles\": invalid value (expected \"deny\" or "
        "\"allow\")"),
    BAD("symlinks_enum", "static = { symlinks = \"follow\"; };\n",
        "@/t.conf:1: \"symlinks\": invalid value (expected \"inside\" or "
        "\"off\")"),
    BAD("index_not_list", "static = { index = \"index.html\"; };\n",
        "@/t.conf:1: \"index\": expected a list of strings [ \"a\", "
        "\"b\" ]"),
    BAD("index_empty_name", "static = { index = [ \"\" ]; };\n",
        "@/t.conf:1: \"index[0]\": must not be empty"),
    BAD("index_slash", "static = { index = [ \"a.html\",\n \"a/b\" ]; };\n",
        "@/t.conf:2: \"index[1]\": invalid index \"a/b\" (expected a file "
        "name: no '/', not \".\" or \"..\")"),
    BAD("index_dotdot", "static = { index = [ \"..\" ]; };\n",
        "@/t.conf:1: \"index[0]\": invalid index \"..\" (expected a file "
        "name: no '/', not \".\" or \"..\")"),
    BAD("index_not_string", "static = { index = [ 1 ]; };\n",
        "@/t.conf:1: \"index[0]\": expected a string"),
    BAD("charset_empty", "static = { charset = \"\"; };\n",
        "@/t.conf:1: \"charset\": must not be empty"),
    BAD("charset_space", "static = { charset = \"utf 8\"; };\n",
        "@/t.conf:1: \"charset\": invalid charset \"utf 8\" (expected a "
        "token such as \"utf-8\")"),
    BAD("charset_semicolon", "static = { charset = \"utf-8;x=1\"; };\n",
        "@/t.conf:1: \"charset\": invalid charset \"utf-8;x=1\" (expected "
        "a token such as \"utf-8\")"),
    BAD("default_type_no_slash", "static = { default_type = \"text\"; };\n",
        "@/t.conf:1: \"default_type\": invalid media type \"text\" "
        "(expected type/subtype)"),
    BAD("default_type_newline",
        "static = { default_type = \"text/plain\\nX-A: b\"; };\n",
        "@/t.conf:1: \"default_type\": invalid media type \"text/plain\n"
        "X-A: b\" (expected type/subtype)"),
    BAD("default_type_ctl_in_params",
        "static = { default_type = \"text/plain; a=\\r\"; };\n",
        "@/t.conf:1: \"default_type\": invalid media type \"text/plain; "
        "a=\r\" (expected type/subtype)"),
    BAD("mime_types_missing", "static = {\n mime_types = \"nope.types\"; };\n",
        "@/t.conf:2: \"mime_types\": cannot read \"@/nope.types\": "
        "No such file or directory"),
    BAD("mime_types_empty", "static = { mime_types = \"\"; };\n",
        "@/t.conf:1: \"mime_types\": must not be empty"),
    BAD("mime_types_syntax", "static = { mime_types = \"bad.types\"; };\n",
        "@/bad.types:3: \"mime_types\": unexpected \"}\" in the entry for "
        "\"text/html\" (missing \";\"?)"),
    BAD("cache_not_group", "static = { open_file_cache = 5; };\n",
        "@/t.conf:1: \"open_file_cache\": must be a group { ... }"),
    BAD("cache_unknown", "static = { open_file_cache = {\n ttl = 1; }; };\n",
        "@/t.conf:2: \"ttl\": unknown directive"),
    BAD("cache_max_negative",
        "static = { open_file_cache = { max = -1; }; };\n",
        "@/t.conf:1: \"max\": -1 is out of range (expected 0 to 1000000)"),
    BAD("cache_max_string",
        "static = { open_file_cache = { max = \"9\"; }; };\n",
        "@/t.conf:1: \"max\": expected an integer"),
    BAD("cache_max_bytes",
        "static = { open_file_cache = { max_bytes = \"12q\"; }; };\n",
        "@/t.conf:1: \"max_bytes\": invalid size \"12q\" (expected a size "
        "such as \"512\", \"8k\" or \"1m\")"),
    BAD("cache_max_bytes_too_big", "static = { open_file_cache = { "
        "max_bytes = \"2g\"; }; };\n",
        "@/t.conf:1: \"max_bytes\": size 2147483648 is out of range "
        "(expected 0 to 1073741824)"),
    BAD("cache_valid_negative", "static = { open_file_cache = { valid = -1; "
        "}; };\n",
        "@/t.conf:1: \"valid\": -1 seconds is out of range (expected 0 to "
        "86400)"),
};


static void
test_conf_errors(void **state)
{
    const conf_row_t    *row;
    sl_static_conf_t     conf;
    sl_http_location_t   loc;
    sl_conf_t            cf;
    sl_pool_t           *pool;
    char                 expect[1024];
    size_t               i;

    (void) state;
    for (i = 0; i < sl_nelem(conf_errors); i++) {
        row = &conf_errors[i];
        pool = sl_pool_create(4096);
        assert_non_null(pool);
        if (load(&cf, pool, row->text, &conf, &loc) == SL_OK) {
            fail_msg("row %s (line %d): accepted", row->name, row->line);
        }
        expand(expect, sizeof(expect), row->expect);
        if (strcmp(cf.err, expect) != 0) {
            fail_msg("row %s (line %d):\n got    %s\n expect %s", row->name,
                     row->line, cf.err, expect);
        }
        sl_conf_close(&cf);
        sl_pool_destroy(pool);
    }
}


/* No mime_types and no mime.types beside the config: the built-in table. */
static void
test_conf_default_mime_missing(void **state)
{
    sl_static_conf_t     conf;
    sl_http_location_t   loc;
    sl_conf_t            cf;
    sl_pool_t           *pool;

    (void) state;
    remove_file("mime.types");
    pool = sl_pool_create(4096);
    assert_non_null(pool);
    assert_int_equal(load(&cf, pool, "\nstatic = { };\n", &conf, &loc),
                     SL_OK);
    assert_true(sl_str_eq(sl_static_conf_type(&conf,
                          (const u_char *) "a.css", 5), "text/css"));
    assert_true(sl_str_eq(sl_static_conf_type(&conf,
                          (const u_char *) "f.WOFF2", 7), "font/woff2"));
    assert_true(sl_str_eq(sl_static_conf_type(&conf,
                          (const u_char *) "x.unknown", 9),
                          "application/octet-stream"));
    sl_conf_close(&cf);
    sl_pool_destroy(pool);
    write_file("mime.types", TYPES);
}


/* A default mime.types that is there but cannot be read: said so plainly. */
static void
test_conf_default_mime_unreadable(void **state)
{
    sl_static_conf_t     conf;
    sl_http_location_t   loc;
    sl_conf_t            cf;
    sl_pool_t           *pool;
    char                 expect[1024], path[512];

    (void) state;
    remove_file("mime.types");
    (void) snprintf(path, sizeof(path), "%s/mime.types", sl_test_dir);
    assert_int_equal(mkdir(path, 0700), 0);
    pool = sl_pool_create(4096);
    assert_non_null(pool);
    assert_int_equal(load(&cf, pool, "\nstatic = { };\n", &conf, &loc),
                     SL_ERROR);
    (void) snprintf(expect, sizeof(expect), "%s/t.conf:2: \"static\": the "
                    "default mime_types: cannot read \"%s/mime.types\": not "
                    "a regular file", sl_test_dir, sl_test_dir);
    assert_string_equal(cf.err, expect);
    sl_conf_close(&cf);
    sl_pool_destroy(pool);
    assert_int_equal(rmdir(path), 0);
    write_file("mime.types", TYPES);
}


static void
test_conf_defaults(void **state)
{
    sl_static_conf_t     conf;
    sl_http_location_t   loc;
    sl_conf_t            cf;
    sl_pool_t           *pool;
    char                 path[512];

    (void) state;
    pool = sl_pool_create(4096);
    assert_non_null(pool);
    assert_int_equal(load(&cf, pool, "static = { };\n", &conf, &loc), SL_OK);
    assert_int_equal(conf.index.n, 1);
    assert_true(sl_str_eq(&conf.index.items[0], "index.html"));
    assert_int_equal(conf.autoindex, 0);
    assert_int_equal(conf.gzip_static, 0);
    assert_int_equal(conf.dotfiles, SL_STATIC_DOTFILES_DENY);
    assert_int_equal(conf.symlinks, SL_STATIC_SYMLINKS_INSIDE);
    assert_int_equal(conf.etag, 1);
    assert_int_equal(conf.open_file_cache.max, 1000);
    assert_int_equal(conf.open_file_cache.max_bytes, 16 * 1024 * 1024);
    assert_int_equal(conf.open_file_cache.valid, 5000);
    assert_ptr_equal(conf.loc, &loc);
    (void) snprintf(path, sizeof(path), "%s/mime.types", sl_test_dir);
    assert_true(sl_str_eq(&conf.mime_types, path));
    assert_true(sl_str_eq(sl_static_conf_type(&conf,
                          (const u_char *) "a.html", 6), "text/html"));
    assert_true(sl_str_eq(sl_static_conf_type(&conf,
                          (const u_char *) "a.bin", 5),
                          "application/octet-stream"));
    assert_int_equal(conf.index_max, 10);
    sl_conf_close(&cf);
    sl_pool_destroy(pool);
}


static void
test_conf_values_and_charset(void **state)
{
    sl_static_conf_t     conf;
    sl_http_location_t   loc;
    sl_conf_t            cf;
    sl_pool_t           *pool;

    (void) state;
    pool = sl_pool_create(4096);
    assert_non_null(pool);
    assert_int_equal(load(&cf, pool,
        "static = { index = [ \"index.htm\", \"default.html\" ];\n"
        " autoindex = true; gzip_static = true; dotfiles = \"allow\";\n"
        " symlinks = \"off\"; charset = \"utf-8\"; etag = false;\n"
        " default_type = \"text/plain\";\n"
        " open_file_cache = { max = 0; max_bytes = \"1k\"; valid = 0.5; };\n"
        "};\n", &conf, &loc), SL_OK);
    assert_int_equal(conf.index.n, 2);
    assert_int_equal(conf.index_max, 12);
    assert_int_equal(conf.autoindex, 1);
    assert_int_equal(conf.gzip_static, 1);
    assert_int_equal(conf.dotfiles, SL_STATIC_DOTFILES_ALLOW);
    assert_int_equal(conf.symlinks, SL_STATIC_SYMLINKS_OFF);
    assert_int_equal(conf.etag, 0);
    assert_int_equal(conf.open_file_cache.max, 0);
    assert_int_equal(conf.open_file_cache.max_bytes, 1024);
    assert_int_equal(conf.open_file_cache.valid, 500);
    /* Text types, JSON and JavaScript get the charset; images not. */
    assert_true(sl_str_eq(sl_static_conf_type(&conf,
                          (const u_char *) "a.html", 6),
                          "text/html; charset=utf-8"));
    assert_true(sl_str_eq(sl_static_conf_type(&conf,
                          (const u_char *) "a.json", 6),
                          "application/json; charset=utf-8"));
    assert_true(sl_str_eq(sl_static_conf_type(&conf,
                          (const u_char *) "a.png", 5), "image/png"));
    assert_true(sl_str_eq(sl_static_conf_type(&conf,
                          (const u_char *) "README", 6),
                          "text/plain; charset=utf-8"));
    sl_conf_close(&cf);
    sl_pool_destroy(pool);
}


/* The engine hands conf_check the whole server: no root, no static. */
static void
test_conf_needs_server_root(void **state)
{
    sl_static_conf_t     conf;
    sl_http_location_t   loc;
    sl_conf_t            cf;
    sl_pool_t           *pool;
    char                 want[600];

    (void) state;
    pool = sl_pool_create(4096);
    assert_non_null(pool);
    test_server.root.len = 0;
    write_file("t.conf", "\nstatic = { };\n");
    memset(&cf, 0, sizeof(cf));
    memset(&loc, 0, sizeof(loc));
    loc.server = &test_server;
    (void) snprintf(want, sizeof(want), "%s/t.conf", sl_test_dir);
    assert_int_equal(sl_conf_open(&cf, pool, want), SL_OK);
    sl_static_conf_init(&conf);
    assert_int_equal(sl_static_conf_check(&cf,
        config_setting_get_member(sl_conf_root(&cf), "static"), &loc, &conf),
        SL_ERROR);
    (void) snprintf(want, sizeof(want), "%s/t.conf:2: \"static\": a static "
                    "location needs \"root\" in its server block", sl_test_dir);
    assert_string_equal(cf.err, want);
    sl_conf_close(&cf);
    sl_pool_destroy(pool);
}


/* Two locations of one configuration share one parsed table. */
static void
test_conf_mime_shared(void **state)
{
    sl_static_conf_t     a, b;
    sl_http_location_t   loc;
    sl_conf_node_t      *node;
    sl_conf_t            cf;
    sl_pool_t           *pool;

    (void) state;
    pool = sl_pool_create(4096);
    assert_non_null(pool);
    assert_int_equal(load(&cf, pool, "static = { };\n", &a, &loc), SL_OK);
    node = config_setting_get_member(sl_conf_root(&cf), "static");
    memset(&b, 0, sizeof(b));
    sl_static_conf_init(&b);
    assert_int_equal(sl_static_conf_check(&cf, node, &loc, &b), SL_OK);
    assert_non_null(a.mime);
    assert_ptr_equal(a.mime, b.mime);
    sl_conf_close(&cf);
    sl_pool_destroy(pool);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_conf_errors),
        cmocka_unit_test(test_conf_default_mime_missing),
        cmocka_unit_test(test_conf_default_mime_unreadable),
        cmocka_unit_test(test_conf_defaults),
        cmocka_unit_test(test_conf_values_and_charset),
        cmocka_unit_test(test_conf_mime_shared),
        cmocka_unit_test(test_conf_needs_server_root),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
