/*
 * test_static_mime.c: unit tests of the mime.types parser and lookup
 * (modules/static/sl_static_mime.c): lookups by extension (case, several
 * dots, no extension, hidden names), every syntax error with the
 * mime.types file's own "file:line", and the file shipped in conf/.
 */
#include "static/sl_static.h"

#include <setjmp.h>
#include <cmocka.h>

static const char  sl_test_types[] =
    "# a comment\n"
    "types {\n"
    "    text/html   html htm;   # trailing comment\n"
    "    text/css    css;\n"
    "    application/gzip gz;\n"
    "    image/svg+xml\n"
    "        svg svgz;\n"
    "}\n";


static int
setup(void **state)
{
    *state = sl_pool_create(4096);
    return *state ? 0 : -1;
}


static int
teardown(void **state)
{
    sl_pool_destroy(*state);
    return 0;
}


static const char *
type_of(const sl_static_mime_t *m, const char *name)
{
    sl_int_t  i;

    i = sl_static_mime_find(m, (const u_char *) name, strlen(name));
    return i < 0 ? NULL : (const char *) m->entries[i].type.data;
}


static void
test_mime_lookup(void **state)
{
    sl_static_mime_t  *m;
    char               err[256];

    m = sl_static_mime_parse(*state, "t.types", (const u_char *) sl_test_types,
                             strlen(sl_test_types), err, sizeof(err));
    assert_non_null(m);
    assert_int_equal(m->n, 6);
    assert_string_equal(type_of(m, "index.html"), "text/html");
    assert_string_equal(type_of(m, "a/b/c.htm"), "text/html");
    assert_string_equal(type_of(m, "UPPER.HTML"), "text/html");
    assert_string_equal(type_of(m, "Mixed.Css"), "text/css");
    assert_string_equal(type_of(m, "x.tar.gz"), "application/gzip");
    assert_string_equal(type_of(m, "logo.svgz"), "image/svg+xml");
    assert_null(type_of(m, "README"));
    assert_null(type_of(m, ".profile"));
    assert_null(type_of(m, "dir/.html"));
    assert_null(type_of(m, "dir.html/README"));
    assert_null(type_of(m, "file."));
    assert_null(type_of(m, "file.unknown"));
    assert_null(type_of(m, "file.htmlx"));
    assert_null(type_of(m, "file.htm0"));
    assert_null(type_of(m, "x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assert_null(type_of(m, ""));
    /* A NULL table (no mime types loaded) knows nothing. */
    assert_int_equal(sl_static_mime_find(NULL, (const u_char *) "a.html", 6),
                     -1);
}


static void
test_mime_empty_table(void **state)
{
    sl_static_mime_t  *m;
    char               err[256];

    m = sl_static_mime_parse(*state, "e", (const u_char *) "types { }", 9,
                             err, sizeof(err));
    assert_non_null(m);
    assert_int_equal(m->n, 0);
    assert_null(type_of(m, "a.html"));
}


typedef struct {
    const char  *name;
    int          line;
    const char  *text;
    const char  *expect;     /* the whole message */
} mime_err_t;

#define BAD(nm, t, e)  { nm, __LINE__, t, e }

static const mime_err_t  mime_errors[] = {
    BAD("empty_file", "",
        "m.types:1: \"mime_types\": expected \"types {\" at the start of "
        "the file"),
    BAD("wrong_keyword", "\n\nmimes { text/html html; }",
        "m.types:3: \"mime_types\": expected \"types {\" at the start of "
        "the file"),
    BAD("no_brace", "types\n text/html html;",
        "m.types:2: \"mime_types\": expected \"{\" after \"types\""),
    BAD("invalid_type", "types {\n text/html html;\n texthtml htm;\n}",
        "m.types:3: \"mime_types\": invalid media type \"texthtml\" "
        "(expected type/subtype)"),
    BAD("type_with_two_slashes", "types {\n a/b/c x;\n}",
        "m.types:2: \"mime_types\": invalid media type \"a/b/c\" "
        "(expected type/subtype)"),
    BAD("no_extension", "types {\n\n text/html ;\n}",
        "m.types:3: \"mime_types\": \"text/html\" lists no extension"),
    BAD("missing_semicolon", "types {\n text/html html\n text/css css;\n}",
        "m.types:3: \"mime_types\": invalid extension \"text/css\" "
        "(expected letters, digits and - _ ~ + !, without the dot)"),
    BAD("extension_with_dot", "types {\n text/html .html;\n}",
        "m.types:2: \"mime_types\": invalid extension \".html\" "
        "(expected letters, digits and - _ ~ + !, without the dot)"),
    BAD("brace_inside_entry", "types {\n text/html html {\n}",
        "m.types:2: \"mime_types\": unexpected \"{\" in the entry for "
        "\"text/html\" (missing \";\"?)"),
    BAD("duplicate", "types {\n text/html html;\n text/plain txt;\n"
        " text/x HTML;\n}",
        "m.types:4: \"mime_types\": extension \"html\" is already listed "
        "at line 2"),
    BAD("unterminated", "types {\n text/html html;\n",
        "m.types:3: \"mime_types\": unexpected end of file (expected \"}\")"),
    BAD("unterminated_entry", "types {\n text/html html",
        "m.types:2: \"mime_types\": unexpected end of file (expected \";\")"),
    BAD("after_close", "types { text/html html; }\n\n}",
        "m.types:3: \"mime_types\": unexpected \"}\" after the closing \"}\""),
    BAD("long_extension", "types {\n a/b "
        "abcdefghijabcdefghijabcdefghijabc;\n}",
        "m.types:2: \"mime_types\": extension "
        "\"abcdefghijabcdefghijabcdefghijabc\" is longer than 32 bytes"),
};


static void
test_mime_errors(void **state)
{
    const mime_err_t  *row;
    char               err[512];
    size_t             i;

    for (i = 0; i < sl_nelem(mime_errors); i++) {
        row = &mime_errors[i];
        err[0] = '\0';
        if (sl_static_mime_parse(*state, "m.types", (const u_char *) row->text,
                                 strlen(row->text), err, sizeof(err))
            != NULL)
        {
            fail_msg("row %s (line %d): parsed", row->name, row->line);
        }
        if (strcmp(err, row->expect) != 0) {
            fail_msg("row %s (line %d):\n got    %s\n expect %s", row->name,
                     row->line, err, row->expect);
        }
    }
}


static void
test_mime_load_missing_file(void **state)
{
    char  err[512];

    assert_null(sl_static_mime_load(*state, "/nonexistent/sl/mime.types",
                                    err, sizeof(err)));
    assert_string_equal(err, "cannot read \"/nonexistent/sl/mime.types\": "
                        "No such file or directory");
    assert_null(sl_static_mime_load(*state, "/", err, sizeof(err)));
    assert_string_equal(err, "cannot read \"/\": not a regular file");
}


/* The file shipped in conf/ parses and knows the usual types. */
static void
test_mime_shipped_file(void **state)
{
    sl_static_mime_t  *m;
    const char        *src;
    char               path[4096], err[512];

    src = getenv("SL_SRCDIR");
    (void) snprintf(path, sizeof(path), "%s/conf/mime.types",
                    src ? src : "../..");
    err[0] = '\0';
    m = sl_static_mime_load(*state, path, err, sizeof(err));
    if (m == NULL) {
        fail_msg("%s", err);
    }
    assert_true(m->n > 50);
    assert_string_equal(type_of(m, "index.html"), "text/html");
    assert_string_equal(type_of(m, "s.css"), "text/css");
    assert_string_equal(type_of(m, "a.js"), "text/javascript");
    assert_string_equal(type_of(m, "d.json"), "application/json");
    assert_string_equal(type_of(m, "i.png"), "image/png");
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_mime_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mime_empty_table, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_mime_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mime_load_missing_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_mime_shipped_file, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
