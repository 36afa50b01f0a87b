/*
 * test_static_path.c: unit tests of the path decisions of the static
 * module (modules/static/sl_static_path.c): the dotfiles policy (which
 * decoded paths count as hidden) and which bytes the percent-encoding
 * of Location and listing links keeps plain (the encoder itself is
 * core's, tested in test_str.c). Tables; a failure names the row.
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


/*
 * The bytes our links and redirects keep plain, against the rule written
 * out longhand: unreserved (RFC 3986 2.3) and '/'. Anything more could
 * break out of a quoted attribute or change what the path means.
 */
static void
test_path_plain_is_unreserved_and_slash(void **state)
{
    unsigned  c;
    int       want;

    (void) state;
    for (c = 0; c < 256; c++) {
        want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
               || (c >= '0' && c <= '9') || (c && strchr("-._~/", (int) c));
        if (!sl_static_path_plain[c] != !want) {
            fail_msg("byte 0x%02x: plain %d, want %d", c,
                     sl_static_path_plain[c], want);
        }
    }
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_path_hidden_rows),
        cmocka_unit_test(test_path_plain_is_unreserved_and_slash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
