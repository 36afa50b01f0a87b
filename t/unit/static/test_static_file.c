/*
 * test_static_file.c: unit tests of opening beneath the root and of the
 * file records (modules/static/sl_static_file.c), on a real temporary
 * tree (tree.h): symlinks inside and outside the root, the O_NOFOLLOW
 * walk used without openat2, FIFOs, small contents, and the ETag format.
 */
#include "static/sl_static.h"

#include "tree.h"

#define TAG  "\"5f5e100-400\""


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
test_etag_format(void **state)
{
    u_char  buf[SL_STATIC_ETAG_LEN];
    size_t  n;

    (void) state;
    n = sl_static_file_etag(buf, 100000000, 1024);
    assert_int_equal(n, strlen(TAG));
    assert_memory_equal(buf, TAG, n);
    n = sl_static_file_etag(buf, 0, 0);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "\"0-0\"", 5);
    /* The largest values still fit. */
    n = sl_static_file_etag(buf, (time_t) INT64_MAX, (off_t) INT64_MAX);
    assert_int_equal(n, 35);
    assert_true(n < SL_STATIC_ETAG_LEN);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_open_beneath),
        cmocka_unit_test(test_open_walk),
        cmocka_unit_test(test_file_records),
        cmocka_unit_test(test_etag_format),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
