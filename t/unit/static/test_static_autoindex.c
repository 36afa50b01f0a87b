/*
 * test_static_autoindex.c: unit tests of directory listings
 * (modules/static/sl_static_autoindex.c): HTML escaping with UTF-8
 * validation, the rendered page (order, escaping of names and links, the
 * parent link), and reading a real directory (hidden entries, symlinks
 * inside and outside the root, FIFOs left out).
 */
#include "static/sl_static.h"

#include <setjmp.h>
#include <cmocka.h>

typedef struct {
    const char  *name;
    int          line;
    const char  *in;
    const char  *out;
} esc_row_t;

#define R(nm, i, o)  { nm, __LINE__, i, o }

static const esc_row_t  esc_rows[] = {
    R("plain", "index.html", "index.html"),
    R("specials", "<a href=\"x\">&'", "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"),
    R("utf8_two", "caf\xc3\xa9", "caf\xc3\xa9"),
    R("utf8_three", "\xe2\x82\xac", "\xe2\x82\xac"),
    R("utf8_four", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"),
    R("lone_continuation", "a\x80z", "a&#xFFFD;z"),
    R("truncated_sequence", "a\xc3", "a&#xFFFD;"),
    R("overlong_slash", "\xc0\xaf", "&#xFFFD;&#xFFFD;"),
    R("overlong_three", "\xe0\x80\xaf", "&#xFFFD;&#xFFFD;&#xFFFD;"),
    R("surrogate", "\xed\xa0\x80", "&#xFFFD;&#xFFFD;&#xFFFD;"),
    R("above_max", "\xf4\x90\x80\x80", "&#xFFFD;&#xFFFD;&#xFFFD;&#xFFFD;"),
    R("latin1", "\xe9t\xe9", "&#xFFFD;t&#xFFFD;"),
    R("control", "a\x01\x1b[31m\x7f", "a&#xFFFD;&#xFFFD;[31m&#xFFFD;"),
    R("newline", "a\nb", "a&#xFFFD;b"),
};


static void
test_html_escape_rows(void **state)
{
    const esc_row_t  *row;
    u_char            buf[512], *end;
    size_t            i, len;

    (void) state;
    for (i = 0; i < sl_nelem(esc_rows); i++) {
        row = &esc_rows[i];
        len = strlen(row->in);
        end = sl_static_html_escape(buf, (const u_char *) row->in, len);
        assert_true((size_t) (end - buf) <= 8 * len);
        if ((size_t) (end - buf) != strlen(row->out)
            || memcmp(buf, row->out, (size_t) (end - buf)) != 0)
        {
            fail_msg("row %s (line %d): \"%.*s\", expected \"%s\"",
                     row->name, row->line, (int) (end - buf), buf, row->out);
        }
    }
}


static char *
render(sl_pool_t *pool, const char *uri, sl_static_listing_t *l)
{
    sl_buf_t  *b;
    sl_str_t   u;
    char      *s;

    u.data = (u_char *) uri;
    u.len = strlen(uri);
    sl_static_autoindex_sort(l);
    b = sl_static_autoindex_render(pool, &u, l);
    assert_non_null(b);
    assert_true(b->last <= b->end);
    s = sl_palloc(pool, (size_t) (b->last - b->pos) + 1);
    memcpy(s, b->pos, (size_t) (b->last - b->pos));
    s[b->last - b->pos] = '\0';
    return s;
}


static void
test_render_order_and_escaping(void **state)
{
    sl_static_dirent_t   e[5];
    sl_static_listing_t  l;
    sl_pool_t           *pool;
    char                *page, *a, *b, *c, *d;

    (void) state;
    pool = sl_pool_create(4096);
    memset(e, 0, sizeof(e));
    e[0].name = (char *) "zeta.txt";
    e[0].size = 42;
    e[1].name = (char *) "sub";
    e[1].is_dir = 1;
    e[2].name = (char *) "<script>.html";
    e[2].size = 7;
    e[3].name = (char *) "javascript:x";
    e[4].name = (char *) "alpha";
    e[4].is_dir = 1;
    memset(&l, 0, sizeof(l));
    l.entries = e;
    l.n = 5;
    page = render(pool, "/d<ir>/", &l);

    assert_non_null(strstr(page, "<title>Index of /d&lt;ir&gt;/</title>"));
    assert_null(strstr(page, "<ir>"));
    assert_non_null(strstr(page, "<a href=\"../\">../</a>"));
    /* Directories first, each group by name. */
    a = strstr(page, "href=\"alpha/\">alpha/</a>");
    b = strstr(page, "href=\"sub/\">sub/</a>");
    c = strstr(page, "href=\"%3Cscript%3E.html\">&lt;script&gt;.html</a>");
    d = strstr(page, "href=\"zeta.txt\">zeta.txt</a>");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_non_null(d);
    assert_true(a < b && b < c && c < d);
    assert_non_null(strstr(page, "href=\"javascript%3Ax\">javascript:x</a>"));
    assert_null(strstr(page, "<script>"));
    assert_non_null(strstr(page, "</td><td>42</td>"));
    assert_non_null(strstr(page, "Thu, 01 Jan 1970 00:00:00 GMT"));
    sl_pool_destroy(pool);
}


static void
test_render_root_has_no_parent_link(void **state)
{
    sl_static_listing_t  l;
    sl_pool_t           *pool;
    char                *page;

    (void) state;
    pool = sl_pool_create(4096);
    memset(&l, 0, sizeof(l));
    l.truncated = 1;
    page = render(pool, "/", &l);
    assert_null(strstr(page, "../"));
    assert_non_null(strstr(page, "(listing truncated)"));
    assert_non_null(strstr(page, "</table>\n<p>(listing truncated)</p>\n"
                                 "</body></html>\n"));
    sl_pool_destroy(pool);
}


static char  sl_test_dir[] = "/tmp/sl-test-autoindex-XXXXXX";


static void
touch(const char *rel, const char *text)
{
    char   path[512];
    FILE  *f;

    (void) snprintf(path, sizeof(path), "%s/%s", sl_test_dir, rel);
    f = fopen(path, "w");
    assert_non_null(f);
    (void) fputs(text, f);
    assert_int_equal(fclose(f), 0);
}


static const sl_static_dirent_t *
find(const sl_static_listing_t *l, const char *name)
{
    size_t  i;

    for (i = 0; i < l->n; i++) {
        if (strcmp(l->entries[i].name, name) == 0) {
            return &l->entries[i];
        }
    }
    return NULL;
}


static void
test_read_directory(void **state)
{
    sl_static_listing_t        l;
    const sl_static_dirent_t  *e;
    char                       path[512], cmd[700];
    int                        root;

    (void) state;
    assert_non_null(mkdtemp(sl_test_dir));
    (void) snprintf(path, sizeof(path), "%s/root", sl_test_dir);
    assert_int_equal(mkdir(path, 0755), 0);
    (void) snprintf(path, sizeof(path), "%s/root/d", sl_test_dir);
    assert_int_equal(mkdir(path, 0755), 0);
    touch("root/d/file.txt", "hello");
    touch("root/d/.hidden", "x");
    touch("root/secret", "outside d, inside root");
    touch("outside", "outside root");
    (void) snprintf(path, sizeof(path), "%s/root/d/sub", sl_test_dir);
    assert_int_equal(mkdir(path, 0755), 0);
    (void) snprintf(path, sizeof(path), "%s/root/d/fifo", sl_test_dir);
    assert_int_equal(mkfifo(path, 0644), 0);
    (void) snprintf(path, sizeof(path), "%s/root/d/in", sl_test_dir);
    assert_int_equal(symlink("../secret", path), 0);
    (void) snprintf(path, sizeof(path), "%s/root/d/out", sl_test_dir);
    assert_int_equal(symlink("../../outside", path), 0);
    (void) snprintf(path, sizeof(path), "%s/root/d/abs", sl_test_dir);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    (void) snprintf(path, sizeof(path), "%s/root/d/dangling", sl_test_dir);
    assert_int_equal(symlink("nothing", path), 0);

    (void) snprintf(path, sizeof(path), "%s/root", sl_test_dir);
    root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(root >= 0);

    memset(&l, 0, sizeof(l));
    sl_static_autoindex_read(root, "d", 0, 0, &l);
    assert_int_equal(l.err, 0);
    assert_int_equal(l.n, 3);   /* file.txt, sub, in */
    e = find(&l, "file.txt");
    assert_non_null(e);
    assert_int_equal(e->size, 5);
    assert_false(e->is_dir);
    assert_true(find(&l, "sub") && find(&l, "sub")->is_dir);
    e = find(&l, "in");
    assert_non_null(e);
    assert_int_equal(e->size, strlen("outside d, inside root"));
    assert_null(find(&l, ".hidden"));
    assert_null(find(&l, "fifo"));
    assert_null(find(&l, "out"));
    assert_null(find(&l, "abs"));
    assert_null(find(&l, "dangling"));
    sl_static_autoindex_free(&l);

    /* Hidden entries shown; symlinks off: "in" is gone too. */
    memset(&l, 0, sizeof(l));
    sl_static_autoindex_read(root, "d", SL_STATIC_OPEN_NO_SYMLINKS, 1, &l);
    assert_int_equal(l.err, 0);
    assert_non_null(find(&l, ".hidden"));
    assert_null(find(&l, "in"));
    assert_int_equal(l.n, 3);   /* file.txt, sub, .hidden */
    sl_static_autoindex_free(&l);

    /* The root itself, and a path that is not there. */
    memset(&l, 0, sizeof(l));
    sl_static_autoindex_read(root, ".", 0, 0, &l);
    assert_int_equal(l.err, 0);
    assert_non_null(find(&l, "d"));
    assert_non_null(find(&l, "secret"));
    sl_static_autoindex_free(&l);
    memset(&l, 0, sizeof(l));
    sl_static_autoindex_read(root, "nope", 0, 0, &l);
    assert_int_equal(l.err, ENOENT);
    assert_int_equal(l.n, 0);
    sl_static_autoindex_free(&l);

    (void) close(root);
    (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sl_test_dir);
    assert_int_equal(system(cmd), 0);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_html_escape_rows),
        cmocka_unit_test(test_render_order_and_escaping),
        cmocka_unit_test(test_render_root_has_no_parent_link),
        cmocka_unit_test(test_read_directory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
