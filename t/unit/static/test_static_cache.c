/*
 * test_static_cache.c: unit tests of the open-file cache
 * (modules/static/sl_static_cache.c) over records of a real temporary
 * tree (tree.h): the validity window, revalidation, eviction by entries
 * and bytes, negative entries, and records that outlive their eviction
 * while held. Time is the `now` argument, so no test sleeps.
 */
#include "static/sl_static.h"

#include "tree.h"


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
