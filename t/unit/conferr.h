/*
 * conferr.h: table tests of configuration errors (t/unit test helper,
 * header only): each row is a config text and the error it must give,
 * "%s" standing for the file's path. sl_test_conf_errors writes each text
 * to DIR/bad.conf, loads it with sl_cycle_load and fails the test, naming
 * the row and its source line, unless the load fails with that error.
 * sl_test_conf_dir_make and _remove are the group setup and teardown
 * around that directory. Include after cmocka.h and sl_cycle.h.
 */
#ifndef SL_TEST_CONFERR_H
#define SL_TEST_CONFERR_H

typedef struct {
    const char  *name;
    const char  *text;
    const char  *expect;     /* substring of the error, "%s" = the file */
    int          line;
} sl_conf_row_t;


static void
sl_test_write(const char *path, const char *text)
{
    FILE  *f;

    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}


/* The row's text with "%s" replaced by the file name. */
static void
sl_test_expand(char *out, size_t size, const char *pattern, const char *file)
{
    const char  *mark;

    mark = strstr(pattern, "%s");
    if (mark == NULL) {
        (void) snprintf(out, size, "%s", pattern);
        return;
    }
    (void) snprintf(out, size, "%.*s%s%s", (int) (mark - pattern), pattern,
                    file, mark + 2);
}


static void
sl_test_conf_errors(const sl_conf_row_t *rows, size_t n, const char *dir)
{
    char         path[256], expect[512], err[1200];
    sl_cycle_t  *cycle;
    size_t       i;

    (void) snprintf(path, sizeof(path), "%s/bad.conf", dir);
    for (i = 0; i < n; i++) {
        sl_test_write(path, rows[i].text);
        err[0] = '\0';
        cycle = sl_cycle_load(path, err, sizeof(err));
        sl_test_expand(expect, sizeof(expect), rows[i].expect, path);
        if (cycle != NULL || strstr(err, expect) == NULL) {
            fail_msg("row \"%s\" (line %d): expected \"%s\", got \"%s\"%s",
                     rows[i].name, rows[i].line, expect, err,
                     cycle ? " (and the load succeeded)" : "");
        }
    }
}

/*
 * Group setup of a config test: the stderr log, and dir (a mkdtemp
 * template, filled in) made for the files written. Returns 0 or -1.
 */
static inline int
sl_test_conf_dir_make(char *dir)
{
    (void) sl_log_init_stderr();
    return mkdtemp(dir) == NULL ? -1 : 0;
}


/* Group teardown: dir and every file in it removed. Returns 0 or -1. */
static inline int
sl_test_conf_dir_remove(const char *dir)
{
    char  cmd[300];

    (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif /* SL_TEST_CONFERR_H */
