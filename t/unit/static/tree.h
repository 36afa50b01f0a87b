/*
 * tree.h: the temporary tree the static module's file tests open (the
 * group setup and teardown, and helpers to add to it), shared by
 * test_static_file.c and test_static_cache.c. A directory root/ holding
 * d/a.txt ("hello"), big.bin (32 bytes), symlinks that stay inside it
 * (in, d/up, dlink) and that leave it (out to ../secret, abs to
 * /etc/hostname), and a FIFO. Static functions only.
 */
#ifndef SL_TEST_STATIC_TREE_H
#define SL_TEST_STATIC_TREE_H

#include <setjmp.h>
#include <cmocka.h>

static char  sl_test_dir[] = "/tmp/sl-test-static-XXXXXX";
static int   sl_test_root = -1;


/* Writes text into the file rel (relative to the tree's directory). */
static inline void
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


/* Makes rel a "dir", a "fifo", or else a symlink to target. */
static inline void
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


/* cmocka group setup: the tree, and sl_test_root open on root/. */
static inline int
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


/* cmocka group teardown: closes the root and removes the tree. */
static inline int
group_teardown(void **state)
{
    char  cmd[600];

    (void) state;
    (void) close(sl_test_root);
    (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sl_test_dir);
    return system(cmd) == 0 ? 0 : -1;
}


/* A record of root/key as the module opens it (sl_static_file_open). */
static inline sl_static_file_t *
lookup(const char *key, unsigned flags, size_t small)
{
    sl_static_file_t  *f;

    f = sl_static_file_open(sl_test_root, (const u_char *) key, strlen(key),
                            flags, small);
    assert_non_null(f);
    return f;
}

#endif /* SL_TEST_STATIC_TREE_H */
