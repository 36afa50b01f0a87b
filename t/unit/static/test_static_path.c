/*
 * test_static_path.c: unit tests of the path decisions of the static
 * module (modules/static/sl_static_path.c): the dotfiles policy (which
 * decoded paths count as hidden) and the percent-encoding used in
 * Location and in listing links. Tables; a failure names the row.
 */
#include "static/sl_static.h"

#include <setjmp.h>
#include <cmocka.h>
#include "guard.h"

typedef struct {
    const char  *name;
    int          line;
    const char  *uri;
    int          hidden;
} hidden_row_t;

#define H(nm, u, h)  { nm, __LINE__, u, h }

static const hidden_row_t  hidden_rows[] = {
    H("root", "/", 0),
    H("plain", "/a/b.html", 0),
    H("dir", "/a/b/", 0),
    H("dot_inside_name", "/a.b/c.d", 0),
    H("trailing_dot_name", "/a./b.", 0),
    H("dotfile", "/.env", 1),
    H("dotdir", "/.git/config", 1),
    H("dotdir_slash", "/.git/", 1),
    H("deep_dotfile", "/a/b/.htpasswd", 1),
    H("deep_dotdir", "/a/.svn/entries", 1),
    H("dot_dot_name", "/a/..x", 1),
    H("well_known", "/.well-known/acme-challenge/tok", 0),
    H("well_known_dir", "/.well-known/", 0),
    H("well_known_bare", "/.well-known", 0),
    H("well_known_hidden_inside", "/.well-known/.secret", 1),
    H("well_known_not_first", "/a/.well-known/x", 1),
    H("well_known_prefix", "/.well-knownx/y", 1),
    H("well_known_case", "/.Well-Known/x", 1),
};


static void
test_path_hidden_rows(void **state)
{
    const hidden_row_t  *row;
    sl_guard_t           g;
    const u_char        *p;
    size_t               i, len;
    int                  h;

    (void) state;
    memset(&g, 0, sizeof(g));
    assert_int_equal(sl_guard_init(&g, 4096), 0);
    for (i = 0; i < sl_nelem(hidden_rows); i++) {
        row = &hidden_rows[i];
        len = strlen(row->uri);
        p = sl_guard_put(&g, row->uri, len);
        h = sl_static_path_hidden(p, len);
        if (h != row->hidden) {
            fail_msg("row %s (line %d): %d, expected %d", row->name,
                     row->line, h, row->hidden);
        }
    }
    sl_guard_free(&g);
}


typedef struct {
    const char  *name;
    int          line;
    const char  *in;
    const char  *out;
} escape_row_t;

#define X(nm, i, o)  { nm, __LINE__, i, o }

static const escape_row_t  escape_rows[] = {
    X("plain", "/a/b-c_d.e~f", "/a/b-c_d.e~f"),
    X("space", "/a b", "/a%20b"),
    X("percent", "/100%", "/100%25"),
    X("query_and_fragment", "/a?b#c", "/a%3Fb%23c"),
    X("quote_and_angle", "/\"<x>'", "/%22%3Cx%3E%27"),
    X("ampersand", "/a&b", "/a%26b"),
    X("colon_scheme_like", "javascript:alert(1)", "javascript%3Aalert%281%29"),
    X("utf8", "/caf\xc3\xa9", "/caf%C3%A9"),
    X("control", "/a\x01\x7f", "/a%01%7F"),
    X("backslash", "/a\\b", "/a%5Cb"),
    X("empty", "", ""),
};


static void
test_path_escape_rows(void **state)
{
    const escape_row_t  *row;
    u_char               buf[256], *end;
    size_t               i, len;

    (void) state;
    for (i = 0; i < sl_nelem(escape_rows); i++) {
        row = &escape_rows[i];
        len = strlen(row->in);
        memset(buf, 'Z', sizeof(buf));
        end = sl_static_path_escape(buf, (const u_char *) row->in, len);
        if ((size_t) (end - buf) != strlen(row->out)
            || memcmp(buf, row->out, strlen(row->out)) != 0
            || sl_static_path_escape_len((const u_char *) row->in, len)
               != strlen(row->out))
        {
            fail_msg("row %s (line %d): \"%.*s\", expected \"%s\"",
                     row->name, row->line, (int) (end - buf), buf, row->out);
        }
        assert_int_equal(*end, 'Z');   /* nothing past the end */
    }
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_path_hidden_rows),
        cmocka_unit_test(test_path_escape_rows),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
