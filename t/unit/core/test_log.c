/*
 * test_log.c: unit tests of the error log (core layer, sl_log.c): level
 * names, the layout of one line, level filtering, truncation, and opening
 * and reopening log files. Every test logs into its own file in a private
 * temporary directory and reads the file back.
 */
#include "sl_core.h"

#include <setjmp.h>
#include <cmocka.h>

#define TEST_ROW(name)  name, __LINE__

typedef struct {
    char            path[128];
    sl_log_file_t   file;
    sl_log_t        log;
    u_char          text[4 * SL_LOG_MAX_LINE];
    size_t          len;      /* bytes of text read back */
} test_log_ctx_t;

static char  test_log_dir[64];

/* What the context handler saw. */
static sl_log_t  *test_log_handler_log;
static size_t     test_log_handler_len;
static int        test_log_evaluated;


static int
test_log_group_setup(void **state)
{
    const char  *tmp;
    int          n;

    (void) state;
    tmp = getenv("TMPDIR");
    n = snprintf(test_log_dir, sizeof(test_log_dir), "%s/sl-log-XXXXXX",
                 tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (n < 0 || (size_t) n >= sizeof(test_log_dir)
        || mkdtemp(test_log_dir) == NULL)
    {
        return -1;
    }
    sl_time_update();
    return 0;
}


static int
test_log_group_teardown(void **state)
{
    (void) state;
    return rmdir(test_log_dir) == 0 ? 0 : -1;
}


/* Each test gets an empty mkstemp file and a debug-level log on it. */
static int
test_log_setup(void **state)
{
    test_log_ctx_t  *ctx;
    int              fd;

    ctx = calloc(1, sizeof(test_log_ctx_t));
    if (ctx == NULL) {
        return -1;
    }
    (void) snprintf(ctx->path, sizeof(ctx->path), "%s/error-XXXXXX",
                    test_log_dir);
    fd = mkstemp(ctx->path);
    if (fd == -1) {
        free(ctx);
        return -1;
    }
    ctx->file.fd = fd;
    ctx->file.path.data = (u_char *) ctx->path;
    ctx->file.path.len = strlen(ctx->path);
    ctx->log.level = SL_LOG_DEBUG;
    ctx->log.file = &ctx->file;
    test_log_handler_log = NULL;
    test_log_handler_len = 0;
    test_log_evaluated = 0;
    *state = ctx;
    return 0;
}


static int
test_log_teardown(void **state)
{
    test_log_ctx_t  *ctx = *state;

    if (ctx->file.fd > STDERR_FILENO) {
        (void) close(ctx->file.fd);
    }
    (void) unlink(ctx->path);
    free(ctx);
    return 0;
}


/* Reads the whole file at path into ctx->text. */
static void
test_log_read_path(test_log_ctx_t *ctx, const char *path)
{
    ssize_t  n;
    int      fd;

    fd = open(path, O_RDONLY);
    assert_int_not_equal(fd, -1);
    ctx->len = 0;
    do {
        n = read(fd, ctx->text + ctx->len, sizeof(ctx->text) - ctx->len);
        assert_true(n >= 0);
        ctx->len += (size_t) n;
    } while (n > 0 && ctx->len < sizeof(ctx->text));
    (void) close(fd);
}


static void
test_log_read(test_log_ctx_t *ctx)
{
    test_log_read_path(ctx, ctx->path);
}


/* The text every line starts with: "<time> [<level>] <pid>#0: ". */
static size_t
test_log_prefix(char *buf, size_t size, const char *level)
{
    int  n;

    n = snprintf(buf, size, "%.*s [%s] %d#0: ",
                 (int) sl_cached_log_time.len,
                 (const char *) sl_cached_log_time.data, level,
                 (int) getpid());
    assert_true(n > 0 && (size_t) n < size);
    return (size_t) n;
}


/* Asserts that the file holds exactly one line: the prefix, then rest. */
static void
test_log_expect_line(test_log_ctx_t *ctx, const char *level,
    const char *rest)
{
    char    want[SL_LOG_MAX_LINE + 128];
    size_t  n;

    n = test_log_prefix(want, sizeof(want), level);
    n += (size_t) snprintf(want + n, sizeof(want) - n, "%s\n", rest);
    test_log_read(ctx);
    if (ctx->len != n || memcmp(ctx->text, want, n) != 0) {
        fail_msg("log file holds\n  \"%.*s\"\nexpected\n  \"%s\"",
                 (int) ctx->len, ctx->text, want);
    }
}


static size_t
test_log_count_newlines(const u_char *p, size_t len)
{
    size_t  i, n;

    for (i = 0, n = 0; i < len; i++) {
        n += p[i] == '\n';
    }
    return n;
}


static u_char *
test_log_client_handler(sl_log_t *log, u_char *buf, size_t len)
{
    test_log_handler_log = log;
    test_log_handler_len = len;
    return sl_slprintf(buf, buf + len, ", client: %s",
                       (const char *) log->data);
}


static int
test_log_count_evaluation(void)
{
    return ++test_log_evaluated;
}


static void
test_log_level_names(void **state)
{
    static const char  *names[] = {
        "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"
    };
    sl_uint_t           level;

    (void) state;
    assert_int_equal(SL_LOG_EMERG, 0);
    assert_int_equal(SL_LOG_DEBUG, 7);
    for (level = 0; level < sl_nelem(names); level++) {
        assert_string_equal(sl_log_level_name(level), names[level]);
        assert_string_equal(sl_log_level_names[level], names[level]);
    }
    /* The config reads error_log.level with the same table, as an enum. */
    assert_null(sl_log_level_names[sl_nelem(names)]);
}


static void
test_log_level_name_clamps_out_of_range_to_debug(void **state)
{
    (void) state;
    assert_string_equal(sl_log_level_name(SL_LOG_DEBUG + 1), "debug");
    assert_string_equal(sl_log_level_name(1000), "debug");
}


static void
test_log_error_writes_one_line_with_time_level_and_pid(void **state)
{
    test_log_ctx_t  *ctx = *state;

    sl_log_error(SL_LOG_ERR, &ctx->log, 0, "open() \"%s\" failed, %d%%",
                 "/srv/x", 50);
    test_log_expect_line(ctx, "error", "open() \"/srv/x\" failed, 50%");

    /* The time is the cached one, in the log layout. */
    assert_int_equal(sl_cached_log_time.len, 19);
    assert_memory_equal(ctx->text, sl_cached_log_time.data, 19);
    assert_int_equal(ctx->text[4], '/');
    assert_int_equal(ctx->text[7], '/');
    assert_int_equal(ctx->text[10], ' ');
    assert_int_equal(ctx->text[13], ':');
    assert_int_equal(ctx->text[16], ':');
    assert_int_equal(ctx->text[19], ' ');
}


static void
test_log_error_appends_each_call_as_its_own_line(void **state)
{
    test_log_ctx_t  *ctx = *state;
    char             want[256];
    size_t           n;

    sl_log_error(SL_LOG_NOTICE, &ctx->log, 0, "first");
    sl_log_error(SL_LOG_WARN, &ctx->log, 0, "second");

    n = test_log_prefix(want, sizeof(want), "notice");
    n += (size_t) snprintf(want + n, sizeof(want) - n, "first\n");
    n += test_log_prefix(want + n, sizeof(want) - n, "warn");
    n += (size_t) snprintf(want + n, sizeof(want) - n, "second\n");
    test_log_read(ctx);
    assert_int_equal(ctx->len, n);
    assert_memory_equal(ctx->text, want, n);
}


static void
test_log_error_filters_by_level(void **state)
{
    static const struct {
        const char  *name;
        int          line;
        sl_uint_t    log_level;
        sl_uint_t    msg_level;
        int          written;
    } rows[] = {
        { TEST_ROW("debug at notice"), SL_LOG_NOTICE, SL_LOG_DEBUG, 0 },
        { TEST_ROW("info at notice"), SL_LOG_NOTICE, SL_LOG_INFO, 0 },
        { TEST_ROW("notice at notice"), SL_LOG_NOTICE, SL_LOG_NOTICE, 1 },
        { TEST_ROW("warn at notice"), SL_LOG_NOTICE, SL_LOG_WARN, 1 },
        { TEST_ROW("emerg at notice"), SL_LOG_NOTICE, SL_LOG_EMERG, 1 },
        { TEST_ROW("alert at emerg"), SL_LOG_EMERG, SL_LOG_ALERT, 0 },
        { TEST_ROW("emerg at emerg"), SL_LOG_EMERG, SL_LOG_EMERG, 1 },
        { TEST_ROW("debug at debug"), SL_LOG_DEBUG, SL_LOG_DEBUG, 1 },
        { TEST_ROW("crit at error"), SL_LOG_ERR, SL_LOG_CRIT, 1 },
        { TEST_ROW("warn at error"), SL_LOG_ERR, SL_LOG_WARN, 0 },
    };
    test_log_ctx_t  *ctx = *state;
    size_t           i, before;
    int              wrote;

    before = 0;
    for (i = 0; i < sl_nelem(rows); i++) {
        ctx->log.level = rows[i].log_level;
        sl_log_error(rows[i].msg_level, &ctx->log, 0, "row %zu", i);
        test_log_read(ctx);
        wrote = ctx->len > before;
        if (wrote != rows[i].written) {
            fail_msg("row \"%s\" (line %d): wrote %d, expected %d",
                     rows[i].name, rows[i].line, wrote, rows[i].written);
        }
        before = ctx->len;
    }
}


static void
test_log_error_filtered_out_does_not_evaluate_arguments(void **state)
{
    test_log_ctx_t  *ctx = *state;

    ctx->log.level = SL_LOG_NOTICE;
    sl_log_error(SL_LOG_DEBUG, &ctx->log, 0, "%d",
                 test_log_count_evaluation());
    assert_int_equal(test_log_evaluated, 0);
    test_log_read(ctx);
    assert_int_equal(ctx->len, 0);

    sl_log_error(SL_LOG_NOTICE, &ctx->log, 0, "%d",
                 test_log_count_evaluation());
    assert_int_equal(test_log_evaluated, 1);
}


static void
test_log_error_appends_errno_text(void **state)
{
    test_log_ctx_t  *ctx = *state;

    sl_log_error(SL_LOG_CRIT, &ctx->log, ENOENT, "open() \"%s\" failed",
                 "/nope");
    test_log_expect_line(ctx, "crit",
        "open() \"/nope\" failed (2: No such file or directory)");
}


static void
test_log_error_prefixes_connection_number(void **state)
{
    test_log_ctx_t  *ctx = *state;

    ctx->log.connection = 17;
    sl_log_error(SL_LOG_INFO, &ctx->log, 0, "client timed out");
    test_log_expect_line(ctx, "info", "*17 client timed out");
}


static void
test_log_error_appends_action_after_errno(void **state)
{
    test_log_ctx_t  *ctx = *state;

    ctx->log.action = "reading";
    sl_log_error(SL_LOG_INFO, &ctx->log, ECONNRESET, "recv() failed");
    test_log_expect_line(ctx, "info",
        "recv() failed (104: Connection reset by peer) while reading");
}


static void
test_log_error_appends_handler_context_last(void **state)
{
    test_log_ctx_t  *ctx = *state;

    ctx->log.connection = 3;
    ctx->log.action = "reading request head";
    ctx->log.handler = test_log_client_handler;
    ctx->log.data = (void *) "127.0.0.1";

    sl_log_error(SL_LOG_INFO, &ctx->log, EPIPE, "send() failed");
    test_log_expect_line(ctx, "info",
        "*3 send() failed (32: Broken pipe) while reading request head, "
        "client: 127.0.0.1");

    /* The handler got this log, and room that keeps the line, newline
     * included, within SL_LOG_MAX_LINE. */
    assert_ptr_equal(test_log_handler_log, &ctx->log);
    assert_true(test_log_handler_len > 1000);
    assert_true((ctx->len - 1 - strlen(", client: 127.0.0.1"))
                + test_log_handler_len + 1 <= SL_LOG_MAX_LINE);
}


static void
test_log_error_truncates_long_line_at_max_with_one_newline(void **state)
{
    test_log_ctx_t  *ctx = *state;
    char             prefix[128], *msg;
    size_t           n, i;

    msg = malloc(3 * SL_LOG_MAX_LINE);
    assert_non_null(msg);
    memset(msg, 'x', 3 * SL_LOG_MAX_LINE - 1);
    msg[3 * SL_LOG_MAX_LINE - 1] = '\0';

    ctx->log.connection = 9;
    ctx->log.action = "sending";
    ctx->log.handler = test_log_client_handler;
    ctx->log.data = (void *) "127.0.0.1";
    sl_log_error(SL_LOG_ERR, &ctx->log, ENOENT, "%s", msg);
    free(msg);

    test_log_read(ctx);
    n = test_log_prefix(prefix, sizeof(prefix), "error");
    assert_true(ctx->len > n + 3);
    assert_memory_equal(ctx->text, prefix, n);
    assert_memory_equal(ctx->text + n, "*9 x", 4);
    assert_int_equal(test_log_count_newlines(ctx->text, ctx->len), 1);
    assert_int_equal(ctx->text[ctx->len - 1], '\n');
    for (i = n + 3; i < ctx->len - 1; i++) {
        if (ctx->text[i] != 'x') {
            fail_msg("byte %zu of the truncated line is 0x%02x", i,
                     ctx->text[i]);
        }
    }
    assert_true(ctx->len <= SL_LOG_MAX_LINE);
    /* Cut at the limit, not short of it. */
    assert_int_equal(ctx->len, SL_LOG_MAX_LINE);
}


static void
test_log_error_truncates_context_that_does_not_fit(void **state)
{
    test_log_ctx_t  *ctx = *state;
    char             msg[SL_LOG_MAX_LINE];
    size_t           len;

    /* The message leaves room for part of the errno text only. */
    len = SL_LOG_MAX_LINE - 19 - 40;
    memset(msg, 'y', len);
    msg[len] = '\0';
    ctx->log.action = "proxying";
    ctx->log.handler = test_log_client_handler;
    ctx->log.data = (void *) "127.0.0.1";
    sl_log_error(SL_LOG_ERR, &ctx->log, ENOENT, "%s", msg);

    test_log_read(ctx);
    assert_true(ctx->len <= SL_LOG_MAX_LINE);
    assert_int_equal(test_log_count_newlines(ctx->text, ctx->len), 1);
    assert_int_equal(ctx->text[ctx->len - 1], '\n');
    assert_non_null(memchr(ctx->text, '(', ctx->len));
    assert_null(memchr(ctx->text, ',', ctx->len));
}


static void
test_log_error_without_file_writes_to_stderr(void **state)
{
    test_log_ctx_t  *ctx = *state;
    int              saved;

    saved = dup(STDERR_FILENO);
    assert_int_not_equal(saved, -1);
    assert_int_equal(dup2(ctx->file.fd, STDERR_FILENO), STDERR_FILENO);

    ctx->log.file = NULL;
    sl_log_error(SL_LOG_WARN, &ctx->log, 0, "to stderr");

    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    (void) close(saved);
    test_log_expect_line(ctx, "warn", "to stderr");
}


static void
test_log_file_open_appends_with_cloexec(void **state)
{
    test_log_ctx_t  *ctx = *state;
    sl_log_file_t    file;
    sl_err_t         err = -12345;
    int              flags;

    assert_int_equal(write(ctx->file.fd, "old line\n", 9), 9);
    file.fd = -1;
    file.path = ctx->file.path;
    assert_int_equal(sl_log_file_open(&file, &err), SL_OK);
    assert_int_equal(err, -12345);
    assert_true(file.fd > STDERR_FILENO);
    assert_int_not_equal(file.fd, ctx->file.fd);

    flags = fcntl(file.fd, F_GETFL);
    assert_true(flags != -1 && (flags & O_APPEND));
    assert_true(fcntl(file.fd, F_GETFD) & FD_CLOEXEC);

    ctx->log.file = &file;
    sl_log_error(SL_LOG_NOTICE, &ctx->log, 0, "new line");
    sl_log_file_close(&file);
    assert_int_equal(file.fd, -1);

    test_log_read(ctx);
    assert_true(ctx->len > 9);
    assert_memory_equal(ctx->text, "old line\n", 9);
    assert_memory_equal(ctx->text + ctx->len - 9, "new line\n", 9);
}


static void
test_log_file_open_creates_missing_file(void **state)
{
    test_log_ctx_t  *ctx = *state;
    sl_log_file_t    file;
    sl_err_t         err = 0;
    char             path[160];
    struct stat      st;

    (void) ctx;
    (void) snprintf(path, sizeof(path), "%s/created.log", test_log_dir);
    file.fd = -1;
    file.path.data = (u_char *) path;
    file.path.len = strlen(path);
    assert_int_equal(sl_log_file_open(&file, &err), SL_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0133, 0);
    sl_log_file_close(&file);
    assert_int_equal(unlink(path), 0);
}


static void
test_log_file_open_reports_errno_on_failure(void **state)
{
    sl_log_file_t  file;
    sl_err_t       err = 0;
    char           path[160];

    (void) state;
    (void) snprintf(path, sizeof(path), "%s/no-such-dir/error.log",
                    test_log_dir);
    file.fd = -1;
    file.path.data = (u_char *) path;
    file.path.len = strlen(path);
    assert_int_equal(sl_log_file_open(&file, &err), SL_ERROR);
    assert_int_equal(err, ENOENT);
}


static void
test_log_file_std_streams_use_fd_2_and_1_and_are_never_closed(void **state)
{
    static const struct {
        const char  *path;
        int          fd;
    } rows[] = {
        { "stderr", STDERR_FILENO }, { "stdout", STDOUT_FILENO },
        { "./stdout", -1 }, { "stdout.log", -1 }, { "STDOUT", -1 },
        { "/dev/stdout", -1 }, { "std", -1 },
    };
    sl_log_file_t  file;
    sl_err_t       err = 0;
    char           cwd[PATH_MAX];
    size_t         i;
    sl_str_t       path;

    (void) state;
    for (i = 0; i < sl_nelem(rows); i++) {
        path.data = (u_char *) rows[i].path;
        path.len = strlen(rows[i].path);
        if (sl_log_std_fd(&path) != rows[i].fd) {
            fail_msg("\"%s\": expected %d", rows[i].path, rows[i].fd);
        }
    }
    /* In a directory of our own: opening or reopening must not make a
     * file called "stdout" or "stderr". */
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(test_log_dir), 0);
    for (i = 0; i < 2; i++) {
        file.fd = -1;
        file.path.data = (u_char *) rows[i].path;
        file.path.len = strlen(rows[i].path);
        assert_int_equal(sl_log_file_open(&file, &err), SL_OK);
        assert_int_equal(file.fd, rows[i].fd);
        assert_int_equal(sl_log_file_reopen(&file, &err), SL_OK);
        assert_int_equal(file.fd, rows[i].fd);
        sl_log_file_close(&file);
        assert_int_equal(file.fd, -1);
        assert_int_not_equal(fcntl(rows[i].fd, F_GETFD), -1);
        assert_int_equal(access(rows[i].path, F_OK), -1);
    }
    assert_int_equal(chdir(cwd), 0);
}


static void
test_log_file_close_releases_descriptor(void **state)
{
    test_log_ctx_t  *ctx = *state;
    int              fd;

    fd = ctx->file.fd;
    sl_log_file_close(&ctx->file);
    assert_int_equal(ctx->file.fd, -1);
    errno = 0;
    assert_int_equal(fcntl(fd, F_GETFD), -1);
    assert_int_equal(errno, EBADF);
}


static void
test_log_file_reopen_after_rename_writes_to_new_file(void **state)
{
    test_log_ctx_t  *ctx = *state;
    sl_log_file_t    file;
    sl_err_t         err = 0;
    char             rotated[160], want[256];
    size_t           n;
    int              fd;

    file.path = ctx->file.path;
    assert_int_equal(sl_log_file_open(&file, &err), SL_OK);
    fd = file.fd;
    ctx->log.file = &file;
    sl_log_error(SL_LOG_NOTICE, &ctx->log, 0, "before rotation");

    (void) snprintf(rotated, sizeof(rotated), "%s.1", ctx->path);
    assert_int_equal(rename(ctx->path, rotated), 0);
    assert_int_equal(sl_log_file_reopen(&file, &err), SL_OK);
    assert_int_equal(file.fd, fd);
    assert_true(fcntl(file.fd, F_GETFD) & FD_CLOEXEC);
    assert_true(fcntl(file.fd, F_GETFL) & O_APPEND);
    sl_log_error(SL_LOG_NOTICE, &ctx->log, 0, "after rotation");
    sl_log_file_close(&file);

    n = test_log_prefix(want, sizeof(want), "notice");
    test_log_read_path(ctx, rotated);
    assert_int_equal(unlink(rotated), 0);
    assert_int_equal(ctx->len, n + sizeof("before rotation\n") - 1);
    assert_memory_equal(ctx->text + n, "before rotation\n", ctx->len - n);

    test_log_read(ctx);
    assert_int_equal(ctx->len, n + sizeof("after rotation\n") - 1);
    assert_memory_equal(ctx->text, want, n);
    assert_memory_equal(ctx->text + n, "after rotation\n", ctx->len - n);
}


static void
test_log_file_reopen_failure_keeps_old_file(void **state)
{
    test_log_ctx_t  *ctx = *state;
    sl_log_file_t    file;
    sl_err_t         err = 0;
    char             missing[160];
    int              fd;

    file.path = ctx->file.path;
    assert_int_equal(sl_log_file_open(&file, &err), SL_OK);
    fd = file.fd;

    (void) snprintf(missing, sizeof(missing), "%s/gone/error.log",
                    test_log_dir);
    file.path.data = (u_char *) missing;
    file.path.len = strlen(missing);
    assert_int_equal(sl_log_file_reopen(&file, &err), SL_ERROR);
    assert_int_equal(err, ENOENT);
    assert_int_equal(file.fd, fd);

    ctx->log.file = &file;
    sl_log_error(SL_LOG_NOTICE, &ctx->log, 0, "still here");
    sl_log_file_close(&file);
    test_log_expect_line(ctx, "notice", "still here");
}


static void
test_log_init_stderr_gives_notice_log_on_fd_2(void **state)
{
    sl_log_t  *log;

    (void) state;
    log = sl_log_init_stderr();
    assert_non_null(log);
    assert_ptr_equal(log, sl_log_default);
    assert_int_equal(log->level, SL_LOG_NOTICE);
    assert_non_null(log->file);
    assert_int_equal(log->file->fd, STDERR_FILENO);
    assert_true(sl_str_eq(&log->file->path, "stderr"));
    assert_int_equal(log->connection, 0);
    assert_null(log->action);
    assert_null(log->handler);
    assert_int_equal(sl_cached_log_time.len, 19);
}


static void
test_log_error_before_first_time_update_still_writes_line(void **state)
{
    test_log_ctx_t  *ctx = *state;
    sl_str_t         saved;
    char             want[64];
    int              n;

    /* sl_log_default may be used before anything read the clock: the
     * cached time is still {0, NULL} then. */
    saved = sl_cached_log_time;
    sl_cached_log_time.len = 0;
    sl_cached_log_time.data = NULL;
    ctx->log.level = SL_LOG_NOTICE;
    sl_log_error(SL_LOG_NOTICE, &ctx->log, 0, "early");
    sl_cached_log_time = saved;

    n = snprintf(want, sizeof(want), " [notice] %d#0: early\n",
                 (int) getpid());
    test_log_read(ctx);
    assert_true(ctx->len >= (size_t) n);
    assert_int_equal(test_log_count_newlines(ctx->text, ctx->len), 1);
    assert_memory_equal(ctx->text + ctx->len - (size_t) n, want, (size_t) n);
}


#define TEST_LOG(fn)                                                        \
    cmocka_unit_test_setup_teardown(fn, test_log_setup, test_log_teardown)

int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_log_level_names),
        cmocka_unit_test(test_log_level_name_clamps_out_of_range_to_debug),
        TEST_LOG(test_log_error_writes_one_line_with_time_level_and_pid),
        TEST_LOG(test_log_error_appends_each_call_as_its_own_line),
        TEST_LOG(test_log_error_filters_by_level),
        TEST_LOG(test_log_error_filtered_out_does_not_evaluate_arguments),
        TEST_LOG(test_log_error_appends_errno_text),
        TEST_LOG(test_log_error_prefixes_connection_number),
        TEST_LOG(test_log_error_appends_action_after_errno),
        TEST_LOG(test_log_error_appends_handler_context_last),
        TEST_LOG(test_log_error_truncates_long_line_at_max_with_one_newline),
        TEST_LOG(test_log_error_truncates_context_that_does_not_fit),
        TEST_LOG(test_log_error_without_file_writes_to_stderr),
        TEST_LOG(test_log_file_open_appends_with_cloexec),
        TEST_LOG(test_log_file_open_creates_missing_file),
        cmocka_unit_test(test_log_file_open_reports_errno_on_failure),
        cmocka_unit_test(
            test_log_file_std_streams_use_fd_2_and_1_and_are_never_closed),
        TEST_LOG(test_log_file_close_releases_descriptor),
        TEST_LOG(test_log_file_reopen_after_rename_writes_to_new_file),
        TEST_LOG(test_log_file_reopen_failure_keeps_old_file),
        cmocka_unit_test(test_log_init_stderr_gives_notice_log_on_fd_2),
        /* Last: in a sanitizer build a failure here aborts the program. */
        TEST_LOG(test_log_error_before_first_time_update_still_writes_line),
    };

    return cmocka_run_group_tests_name("core/log", tests,
                                       test_log_group_setup,
                                       test_log_group_teardown);
}
