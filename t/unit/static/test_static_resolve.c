/*
 * test_static_resolve.c: unit tests of the decision of which file
 * answers a path (modules/static/sl_static_resolve.c), with a fake lookup
 * over a described tree: files, directories, index order, a 403 that does
 * not fall through to the next index, listings, the .gz sibling, errno to
 * status, and "not known" (a cache miss) stopping the procedure at every
 * step. A failure names the row and its line.
 */
#include "static/sl_static.h"

#include <setjmp.h>
#include <cmocka.h>

typedef struct {
    const char  *key;
    char         kind;       /* 'f' file, 'd' directory, 'e' error */
    int          err;
    time_t       mtime;
} node_t;

static const node_t  tree[] = {
    { "a.txt", 'f', 0, 100 },
    { "a.txt.gz", 'f', 0, 100 },
    { "old.txt", 'f', 0, 100 },
    { "old.txt.gz", 'f', 0, 99 },
    { "gzdir.txt", 'f', 0, 100 },
    { "gzdir.txt.gz", 'd', 0, 200 },
    { "plain.txt", 'f', 0, 100 },
    { "index.html", 'f', 0, 100 },
    { ".", 'd', 0, 0 },
    { "d", 'd', 0, 0 },
    { "d/index.html", 'f', 0, 0 },
    { "e", 'd', 0, 0 },
    { "two", 'd', 0, 0 },
    { "two/second.html", 'f', 0, 0 },
    { "lockidx", 'd', 0, 0 },
    { "lockidx/first.html", 'e', EACCES, 0 },
    { "lockidx/second.html", 'f', 0, 0 },
    { "dirindex", 'd', 0, 0 },
    { "dirindex/first.html", 'd', 0, 0 },
    { "dirindex/second.html", 'f', 0, 0 },
    { "locked", 'e', EACCES, 0 },
    { "escape", 'e', EXDEV, 0 },
    { "loop", 'e', ELOOP, 0 },
    { "busy", 'e', EMFILE, 0 },
    { "a.txt/first.html", 'e', ENOTDIR, 0 },
    { "a.txt/second.html", 'e', ENOTDIR, 0 },
};

/* Records handed out by the fake lookup, freed after each row. */
static sl_static_file_t  *made[16];
static size_t             nmade;
static const char        *miss_key;   /* this key is "not known" */
static int                seen_miss;


static sl_static_file_t *
fake_lookup(sl_static_ctx_t *ctx, const u_char *key, size_t len)
{
    sl_static_file_t  *f;
    const node_t      *n;
    size_t             i;

    (void) ctx;
    if (miss_key && strlen(miss_key) == len && memcmp(miss_key, key, len) == 0)
    {
        seen_miss = 1;
        return NULL;
    }
    assert_true(nmade < sl_nelem(made));
    f = calloc(1, sizeof(sl_static_file_t) + len + 1);
    assert_non_null(f);
    memcpy(f->key, key, len);
    f->key_len = len;
    f->fd = -1;
    f->err = ENOENT;
    for (i = 0; i < sl_nelem(tree); i++) {
        n = &tree[i];
        if (strlen(n->key) != len || memcmp(n->key, key, len) != 0) {
            continue;
        }
        f->err = n->kind == 'e' ? n->err : 0;
        f->is_dir = n->kind == 'd';
        f->is_reg = n->kind == 'f';
        f->mtime = n->mtime;
    }
    made[nmade++] = f;
    return f;
}


typedef struct {
    const char  *name;
    int          line;
    const char  *uri;
    int          index2;     /* index = [ "first.html", "second.html" ] */
    int          autoindex;
    int          result;
    const char  *file;       /* the file found, or NULL */
    const char  *gz;         /* its .gz, or NULL */
} resolve_row_t;

#define ROW(nm, u, i2, ai, res, f, g)  { nm, __LINE__, u, i2, ai, res, f, g }
#define FOUND  SL_STATIC_FOUND
#define LIST   SL_STATIC_LISTING

static const resolve_row_t  resolve_rows[] = {
    ROW("file", "/plain.txt", 0, 0, FOUND, "plain.txt", NULL),
    ROW("file_with_gz", "/a.txt", 0, 0, FOUND, "a.txt", "a.txt.gz"),
    ROW("older_gz_ignored", "/old.txt", 0, 0, FOUND, "old.txt", NULL),
    ROW("gz_that_is_a_dir_ignored", "/gzdir.txt", 0, 0, FOUND, "gzdir.txt",
        NULL),
    ROW("missing", "/nope", 0, 0, 404, NULL, NULL),
    ROW("directory_redirect", "/d", 0, 0, 301, NULL, NULL),
    ROW("root_index", "/", 0, 0, FOUND, "index.html", NULL),
    ROW("dir_index", "/d/", 0, 0, FOUND, "d/index.html", NULL),
    ROW("no_index_is_403", "/e/", 0, 0, 403, NULL, NULL),
    ROW("no_index_listing", "/e/", 0, 1, LIST, NULL, NULL),
    ROW("missing_dir", "/nope/", 0, 1, 404, NULL, NULL),
    ROW("file_as_dir", "/a.txt/", 1, 1, 404, NULL, NULL),
    ROW("index_order", "/two/", 1, 0, FOUND, "two/second.html", NULL),
    ROW("unreadable_index_is_403", "/lockidx/", 1, 0, 403, NULL, NULL),
    ROW("index_that_is_a_dir_skipped", "/dirindex/", 1, 0, FOUND,
        "dirindex/second.html", NULL),
    ROW("eacces", "/locked", 0, 0, 403, NULL, NULL),
    ROW("escape", "/escape", 0, 0, 404, NULL, NULL),
    ROW("loop", "/loop", 0, 0, 404, NULL, NULL),
    ROW("emfile", "/busy", 0, 0, 500, NULL, NULL),
};


static void
setup_ctx(sl_static_ctx_t *ctx, sl_static_conf_t *conf, const char *uri,
    u_char *path, u_char *key)
{
    static sl_str_t  one[] = { sl_string("index.html") };
    static sl_str_t  two[] = { sl_string("first.html"),
                               sl_string("second.html") };
    size_t           len;

    memset(ctx, 0, sizeof(*ctx));
    ctx->conf = conf;
    conf->index.items = conf->index.n == 2 ? two : one;
    conf->index_max = 11;
    len = strlen(uri);
    ctx->dir_request = uri[len - 1] == '/';
    len = len - 1 - (len > 1 && ctx->dir_request);
    if (len == 0) {
        memcpy(path, ".", 2);
        len = 1;
    } else {
        memcpy(path, uri + 1, len);
        path[len] = '\0';
    }
    ctx->path = path;
    ctx->path_len = len;
    ctx->key = key;
    ctx->result = -1;
}


static void
free_made(void)
{
    while (nmade) {
        free(made[--nmade]);
    }
}


static void
test_resolve_rows(void **state)
{
    const resolve_row_t  *row;
    sl_static_conf_t      conf;
    sl_static_ctx_t       ctx;
    u_char                path[128], key[160];
    size_t                i;

    (void) state;
    for (i = 0; i < sl_nelem(resolve_rows); i++) {
        row = &resolve_rows[i];
        memset(&conf, 0, sizeof(conf));
        conf.index.n = row->index2 ? 2 : 1;
        conf.autoindex = row->autoindex;
        conf.gzip_static = 1;
        setup_ctx(&ctx, &conf, row->uri, path, key);
        miss_key = NULL;
        if (sl_static_resolve(&ctx, fake_lookup) != SL_OK) {
            fail_msg("row %s (line %d): not SL_OK", row->name, row->line);
        }
        if (ctx.result != row->result
            || (row->file == NULL) != (ctx.file == NULL)
            || (row->file && strcmp((char *) ctx.file->key, row->file) != 0)
            || (row->gz == NULL) != (ctx.gz == NULL)
            || (row->gz && strcmp((char *) ctx.gz->key, row->gz) != 0))
        {
            fail_msg("row %s (line %d): result %d file %s gz %s", row->name,
                     row->line, ctx.result,
                     ctx.file ? (char *) ctx.file->key : "-",
                     ctx.gz ? (char *) ctx.gz->key : "-");
        }
        if (row->result == LIST && (ctx.dir == NULL || !ctx.dir->is_dir)) {
            fail_msg("row %s (line %d): no directory", row->name, row->line);
        }
        free_made();
    }
}


/* A cache miss at any step stops the decision: SL_AGAIN, nothing kept. */
static void
test_resolve_miss_at_each_step(void **state)
{
    static const struct {
        const char  *uri;
        const char  *miss;
    } steps[] = {
        { "/a.txt", "a.txt" },
        { "/a.txt", "a.txt.gz" },
        { "/d/", "d/index.html" },
        { "/e/", "e/index.html" },
        { "/e/", "e" },
        { "/two/", "two/first.html" },
        { "/two/", "two/second.html" },
        { "/two/", "two/second.html.gz" },
    };
    sl_static_conf_t  conf;
    sl_static_ctx_t   ctx;
    u_char            path[128], key[160];
    size_t            i;

    (void) state;
    for (i = 0; i < sl_nelem(steps); i++) {
        memset(&conf, 0, sizeof(conf));
        conf.index.n = strncmp(steps[i].uri, "/two", 4) == 0 ? 2 : 1;
        conf.gzip_static = 1;
        setup_ctx(&ctx, &conf, steps[i].uri, path, key);
        miss_key = steps[i].miss;
        seen_miss = 0;
        if (sl_static_resolve(&ctx, fake_lookup) != SL_AGAIN || !seen_miss) {
            fail_msg("step %zu (%s, miss %s): not SL_AGAIN", i,
                     steps[i].uri, steps[i].miss);
        }
        free_made();
    }
    miss_key = NULL;
}


static void
test_errno_status(void **state)
{
    (void) state;
    assert_int_equal(sl_static_errno_status(EACCES), 403);
    assert_int_equal(sl_static_errno_status(EPERM), 403);
    assert_int_equal(sl_static_errno_status(ENOENT), 404);
    assert_int_equal(sl_static_errno_status(ENOTDIR), 404);
    assert_int_equal(sl_static_errno_status(ELOOP), 404);
    assert_int_equal(sl_static_errno_status(EXDEV), 404);
    assert_int_equal(sl_static_errno_status(ENAMETOOLONG), 404);
    assert_int_equal(sl_static_errno_status(EMFILE), 500);
    assert_int_equal(sl_static_errno_status(EIO), 500);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_resolve_rows),
        cmocka_unit_test(test_resolve_miss_at_each_step),
        cmocka_unit_test(test_errno_status),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
