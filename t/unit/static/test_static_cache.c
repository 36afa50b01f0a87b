/*
 * test_static_cache.c: unit tests of opening beneath the root and of the
 * open-file cache (modules/static/sl_static_file.c, sl_static_cache.c),
 * on a real temporary tree: symlinks inside and outside the root, the
 * O_NOFOLLOW walk used without openat2, FIFOs, small contents, and the
 * cache's validity window, revalidation, eviction by entries and bytes,
 * negative entries, and records that outlive their eviction while held.
 * Time is the `now` argument, so no test sleeps.
 */
#include "static/sl_static.h"

#include <setjmp.h>
#include <cmocka.h>

static char  sl_test_dir[] = "/tmp/sl-test-static-cache-XXXXXX";
static int   sl_test_root = -1;


static void
put(const char *rel, const char *text)
{
    char   path[512];
    FILE  *f;

    (void) snprintf(path, sizeof(path), "%s/%s", sl_test_dir, rel);
    f = fopen(path, "w");
    assert_non_null(f);
    (void) fputs(text, f);
    assert_int_equal(fclose(f), 0);
}


static void
make(const char *kind, const char *rel, const char *target)
{
    char  path[512];

    (void) snprintf(path, sizeof(path), "%s/%s", sl_test_dir, rel);
    if (strcmp(kind, "dir") == 0) {
        assert_int_equal(mkdir(path, 0755), 0);
    } else if (strcmp(kind, "fifo") == 0) {
        assert_int_equal(mkfifo(path, 0644), 0);
    } else {
        assert_int_equal(symlink(target, path), 0);
    }
}


static int
group_setup(void **state)
{
    char  path[512];

    (void) state;
    if (mkdtemp(sl_test_dir) == NULL) {
        return -1;
    }
    make("dir", "root", NULL);
    make("dir", "root/d", NULL);
    put("root/d/a.txt", "hello");
    put("root/big.bin", "0123456789abcdef0123456789abcdef");
    put("secret", "outside the root");
    make("link", "root/in", "d/a.txt");
    make("link", "root/d/up", "../big.bin");
    make("link", "root/out", "../secret");
    make("link", "root/abs", "/etc/hostname");
    make("link", "root/dlink", "d");
    make("fifo", "root/fifo", NULL);
    (void) snprintf(path, sizeof(path), "%s/root", sl_test_dir);
    sl_test_root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return sl_test_root >= 0 ? 0 : -1;
}


static int
group_teardown(void **state)
{
    char  cmd[600];

    (void) state;
    (void) close(sl_test_root);
    (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sl_test_dir);
    return system(cmd) == 0 ? 0 : -1;
}


static int
open_err(const char *path, unsigned flags)
{
    int  fd;

    errno = 0;
    fd = sl_static_open_beneath(sl_test_root, path, flags);
    if (fd >= 0) {
        (void) close(fd);
        return 0;
    }
    return errno;
}


static void
test_open_beneath(void **state)
{
    int  e;

    (void) state;
    assert_int_equal(open_err("d/a.txt", 0), 0);
    assert_int_equal(open_err("nope", 0), ENOENT);
    assert_int_equal(open_err("d/a.txt/x", 0), ENOTDIR);
    /* Symlinks inside the root are followed, also through "..". */
    assert_int_equal(open_err("in", 0), 0);
    assert_int_equal(open_err("d/up", 0), 0);
    assert_int_equal(open_err("dlink/a.txt", 0), 0);
    /* Escapes are refused, by ".." or by a symlink, absolute or not. */
    e = open_err("../secret", 0);
    assert_true(e == EXDEV || e == ELOOP);
    e = open_err("out", 0);
    assert_true(e == EXDEV || e == ELOOP);
    e = open_err("abs", 0);
    assert_true(e == EXDEV || e == ELOOP);
    /* symlinks = "off": no symlink at all. */
    assert_int_equal(open_err("in", SL_STATIC_OPEN_NO_SYMLINKS), ELOOP);
    assert_int_equal(open_err("dlink/a.txt", SL_STATIC_OPEN_NO_SYMLINKS),
                     ELOOP);
    assert_int_equal(open_err("d/a.txt", SL_STATIC_OPEN_NO_SYMLINKS), 0);
}


static int
walk_err(const char *path)
{
    int  fd;

    errno = 0;
    fd = sl_static_open_walk(sl_test_root, path);
    if (fd >= 0) {
        (void) close(fd);
        return 0;
    }
    return errno;
}


/* The fallback never follows a symlink and never climbs. */
static void
test_open_walk(void **state)
{
    (void) state;
    assert_int_equal(walk_err("d/a.txt"), 0);
    assert_int_equal(walk_err("big.bin"), 0);
    assert_int_equal(walk_err("."), 0);
    assert_int_equal(walk_err("nope"), ENOENT);
    assert_int_equal(walk_err("in"), ELOOP);
    assert_int_equal(walk_err("out"), ELOOP);
    assert_int_equal(walk_err("dlink/a.txt"), ENOTDIR);
    assert_int_equal(walk_err("../secret"), EXDEV);
    assert_int_equal(walk_err("d/../big.bin"), EXDEV);
    assert_int_equal(walk_err("d//a.txt"), EXDEV);
}


static sl_static_file_t *
lookup(const char *key, unsigned flags, size_t small)
{
    sl_static_file_t  *f;

    f = sl_static_file_open(sl_test_root, (const u_char *) key, strlen(key),
                            flags, small);
    assert_non_null(f);
    return f;
}


static void
test_file_records(void **state)
{
    sl_static_file_t  *f;
    struct stat        st;
    u_char             etag[SL_STATIC_ETAG_LEN];
    char               path[512];

    (void) state;
    f = lookup("d/a.txt", SL_STATIC_OPEN_READ_SMALL, 1024);
    assert_int_equal(f->err, 0);
    assert_true(f->is_reg);
    assert_int_equal(f->size, 5);
    assert_non_null(f->data);
    assert_memory_equal(f->data, "hello", 5);
    assert_int_equal(f->fd, -1);   /* contents kept, descriptor closed */
    (void) snprintf(path, sizeof(path), "%s/root/d/a.txt", sl_test_dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(f->etag_len, sl_static_file_etag(etag, st.st_mtim.tv_sec,
                                                       st.st_size));
    assert_memory_equal(f->etag, etag, f->etag_len);
    assert_string_equal((char *) f->key, "d/a.txt");
    sl_static_file_drop(f);

    /* Bigger than small_max: sent from the descriptor. */
    f = lookup("big.bin", SL_STATIC_OPEN_READ_SMALL, 16);
    assert_int_equal(f->err, 0);
    assert_null(f->data);
    assert_true(f->fd >= 0);
    sl_static_file_drop(f);

    f = lookup("d", 0, 0);
    assert_int_equal(f->err, 0);
    assert_true(f->is_dir);
    assert_int_equal(f->fd, -1);
    sl_static_file_drop(f);

    /* A FIFO is not served, and opening it does not block. */
    f = lookup("fifo", SL_STATIC_OPEN_READ_SMALL, 1024);
    assert_int_equal(f->err, ENOENT);
    assert_int_equal(f->fd, -1);
    sl_static_file_drop(f);

    f = lookup("out", 0, 0);
    assert_true(f->err == EXDEV || f->err == ELOOP);
    sl_static_file_drop(f);
}


static void
cache_conf(sl_static_cache_t *c, int64_t max, size_t max_bytes,
    sl_msec_t valid)
{
    sl_static_cache_conf_t  conf;

    conf.max = max;
    conf.max_bytes = max_bytes;
    conf.valid = valid;
    assert_int_equal(sl_static_cache_init(c, &conf), SL_OK);
}


static sl_static_file_t *
cached(sl_static_cache_t *c, const char *key, sl_msec_t now)
{
    return sl_static_cache_get(c, (const u_char *) key, strlen(key), now);
}


/* Offers a fresh lookup as the module does; returns the record to use. */
static sl_static_file_t *
offer(sl_static_cache_t *c, const char *key, sl_msec_t now)
{
    sl_static_file_t  *f, *use;

    f = lookup(key, SL_STATIC_OPEN_READ_SMALL, SL_STATIC_SMALL_MAX);
    use = sl_static_cache_insert(c, f, now);
    if (use != f) {
        sl_static_file_drop(f);
    }
    return use;
}


static void
test_cache_validity_window(void **state)
{
    sl_static_cache_t   c;
    sl_static_file_t   *f, *g;

    (void) state;
    cache_conf(&c, 10, 1024 * 1024, 5000);
    assert_null(cached(&c, "d/a.txt", 1000));
    f = offer(&c, "d/a.txt", 1000);
    assert_true(f->cached);
    assert_ptr_equal(cached(&c, "d/a.txt", 1000), f);
    assert_ptr_equal(cached(&c, "d/a.txt", 5999), f);
    assert_null(cached(&c, "d/a.txt", 6000));   /* valid has passed */
    /* Unchanged on disk: the old record, contents and all, is kept. */
    g = offer(&c, "d/a.txt", 6000);
    assert_ptr_equal(g, f);
    assert_ptr_equal(cached(&c, "d/a.txt", 10999), f);
    assert_int_equal(c.n, 1);
    sl_static_cache_destroy(&c);
}


static void
test_cache_replaced_file(void **state)
{
    sl_static_cache_t   c;
    sl_static_file_t   *f, *g;

    (void) state;
    cache_conf(&c, 10, 1024 * 1024, 1000);
    put("root/r.txt", "one");
    f = offer(&c, "r.txt", 0);
    assert_memory_equal(f->data, "one", 3);
    f->refs++;   /* a request still sends it */
    put("root/r.txt", "second");
    /* Within the window the old record is still what is served. */
    assert_ptr_equal(cached(&c, "r.txt", 999), f);
    assert_null(cached(&c, "r.txt", 1000));
    g = offer(&c, "r.txt", 1000);
    assert_ptr_not_equal(g, f);
    assert_int_equal(g->size, 6);
    assert_memory_equal(g->data, "second", 6);
    assert_ptr_equal(cached(&c, "r.txt", 1000), g);
    /* The replaced record is out of the cache but alive while held. */
    assert_false(f->cached);
    assert_memory_equal(f->data, "one", 3);
    f->refs--;
    sl_static_file_drop(f);
    assert_int_equal(c.n, 1);
    sl_static_cache_destroy(&c);
}


static void
test_cache_deleted_file(void **state)
{
    sl_static_cache_t   c;
    sl_static_file_t   *f;
    char                path[512];

    (void) state;
    cache_conf(&c, 10, 1024 * 1024, 1000);
    put("root/gone.txt", "x");
    f = offer(&c, "gone.txt", 0);
    assert_int_equal(f->err, 0);
    (void) snprintf(path, sizeof(path), "%s/root/gone.txt", sl_test_dir);
    assert_int_equal(unlink(path), 0);
    assert_null(cached(&c, "gone.txt", 1000));
    f = offer(&c, "gone.txt", 1000);
    assert_int_equal(f->err, ENOENT);   /* now a cached "not found" */
    assert_true(f->cached);
    assert_ptr_equal(cached(&c, "gone.txt", 1500), f);
    sl_static_cache_destroy(&c);
}


static void
test_cache_eviction_by_entries(void **state)
{
    sl_static_cache_t   c;
    sl_static_file_t   *a;

    (void) state;
    cache_conf(&c, 2, 1024 * 1024, 100000);
    put("root/e1", "1");
    put("root/e2", "2");
    put("root/e3", "3");
    a = offer(&c, "e1", 0);
    a->refs++;
    (void) offer(&c, "e2", 0);
    assert_ptr_equal(cached(&c, "e1", 1), a);   /* e1 is now the newest */
    (void) offer(&c, "e3", 2);
    assert_int_equal(c.n, 2);
    assert_null(cached(&c, "e2", 3));           /* the least recent went */
    assert_ptr_equal(cached(&c, "e1", 3), a);
    (void) offer(&c, "d/a.txt", 4);
    (void) offer(&c, "big.bin", 5);
    assert_null(cached(&c, "e1", 6));
    /* Evicted while held: still readable until released. */
    assert_false(a->cached);
    assert_memory_equal(a->data, "1", 1);
    a->refs--;
    sl_static_file_drop(a);
    sl_static_cache_destroy(&c);
}


static void
test_cache_eviction_by_bytes(void **state)
{
    sl_static_cache_t   c;
    sl_static_file_t   *f;

    (void) state;
    cache_conf(&c, 100, 45, 100000);
    (void) offer(&c, "d/a.txt", 0);     /* 5 bytes */
    (void) offer(&c, "big.bin", 1);     /* 32 bytes: 37 in all */
    assert_int_equal(c.bytes, 37);
    put("root/b10", "0123456789");
    (void) offer(&c, "b10", 2);         /* 47: the oldest must go */
    assert_null(cached(&c, "d/a.txt", 3));
    assert_non_null(cached(&c, "big.bin", 3));
    assert_non_null(cached(&c, "b10", 3));
    assert_int_equal(c.bytes, 42);
    assert_int_equal(c.n, 2);
    sl_static_cache_destroy(&c);

    /* One file larger than max_bytes: answered, never kept. */
    cache_conf(&c, 100, 8, 100000);
    f = offer(&c, "big.bin", 0);
    assert_int_equal(f->err, 0);
    assert_false(f->cached);
    assert_int_equal(c.n, 0);
    assert_int_equal(c.bytes, 0);
    assert_memory_equal(f->data, "0123", 4);
    sl_static_file_drop(f);
    sl_static_cache_destroy(&c);
}


static void
test_cache_transient_errors_not_kept(void **state)
{
    sl_static_cache_t   c;
    sl_static_file_t   *f;

    (void) state;
    cache_conf(&c, 10, 1024, 100000);
    f = lookup("nope", 0, 0);
    assert_int_equal(f->err, ENOENT);
    assert_ptr_equal(sl_static_cache_insert(&c, f, 0), f);
    assert_true(f->cached);
    f = lookup("nope2", 0, 0);
    f->err = EMFILE;   /* as if the worker had run out of descriptors */
    assert_ptr_equal(sl_static_cache_insert(&c, f, 0), f);
    assert_false(f->cached);
    assert_null(cached(&c, "nope2", 1));
    sl_static_file_drop(f);
    sl_static_cache_destroy(&c);
}


static void
test_cache_off(void **state)
{
    sl_static_cache_t   c;
    sl_static_file_t   *f;

    (void) state;
    cache_conf(&c, 0, 1024, 100000);
    assert_null(c.buckets);
    f = lookup("d/a.txt", 0, 0);
    assert_ptr_equal(sl_static_cache_insert(&c, f, 0), f);
    assert_false(f->cached);
    assert_null(cached(&c, "d/a.txt", 0));
    sl_static_file_drop(f);
    sl_static_cache_destroy(&c);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_open_beneath),
        cmocka_unit_test(test_open_walk),
        cmocka_unit_test(test_file_records),
        cmocka_unit_test(test_cache_validity_window),
        cmocka_unit_test(test_cache_replaced_file),
        cmocka_unit_test(test_cache_deleted_file),
        cmocka_unit_test(test_cache_eviction_by_entries),
        cmocka_unit_test(test_cache_eviction_by_bytes),
        cmocka_unit_test(test_cache_transient_errors_not_kept),
        cmocka_unit_test(test_cache_off),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
