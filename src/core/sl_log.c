/*
 * sl_log.c: the error log (core layer); see sl_log.h. The line layout is
 *   2026/11/23 09:28:36 [error] 1234#0: *17 message (2: No such file or
 *   directory) while reading request head, client: 127.0.0.1
 */
#include "sl_core.h"

const char *const  sl_log_level_names[] = {
    "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
    NULL
};

static sl_log_file_t  sl_log_stderr_file = { STDERR_FILENO, sl_string("stderr") };
static sl_log_t       sl_log_stderr = {
    SL_LOG_NOTICE, &sl_log_stderr_file, 0, NULL, NULL, NULL
};
sl_log_t  *sl_log_default = &sl_log_stderr;

static u_char *sl_log_add_context(sl_log_t *log, u_char *p, u_char *end);
static u_char *sl_log_add_errno(u_char *p, u_char *end, sl_err_t err);


sl_log_t *
sl_log_init_stderr(void)
{
    if (sl_cached_log_time.len == 0) {
        sl_time_update();
    }
    return &sl_log_stderr;
}


void
sl_log_error_core(sl_uint_t level, sl_log_t *log, sl_err_t err,
    const char *fmt, ...)
{
    u_char    line[SL_LOG_MAX_LINE], *p, *end;
    va_list   ap;
    int       fd;
    ssize_t   n;

    if (sl_cached_log_time.len == 0) {
        sl_time_update();   /* logging before anything read the clock */
    }
    end = line + sizeof(line) - 1;   /* room for the newline */
    p = sl_cpymem(line, sl_cached_log_time.data, sl_cached_log_time.len);
    p = sl_slprintf(p, end, " [%s] %d#0: ", sl_log_level_name(level),
                    (int) getpid());
    if (log->connection) {
        p = sl_slprintf(p, end, "*%lu ", (unsigned long) log->connection);
    }

    va_start(ap, fmt);
    p = sl_vslprintf(p, end, fmt, ap);
    va_end(ap);

    p = sl_log_add_errno(p, end, err);
    p = sl_log_add_context(log, p, end);
    *p++ = '\n';

    fd = log->file ? log->file->fd : STDERR_FILENO;
    n = write(fd, line, (size_t) (p - line));
    (void) n;   /* nowhere left to report a failed log write */
}


sl_int_t
sl_log_errtext(char *buf, size_t size, sl_err_t err, const char *fmt, ...)
{
    u_char   *p, *end;
    va_list   ap;

    end = (u_char *) buf + size - 1;   /* room for the NUL */
    va_start(ap, fmt);
    p = sl_vslprintf((u_char *) buf, end, fmt, ap);
    va_end(ap);
    p = sl_log_add_errno(p, end, err);
    *p = '\0';
    return SL_ERROR;
}


/* " (err: strerror)" at p, as every line with an errno has it. */
static u_char *
sl_log_add_errno(u_char *p, u_char *end, sl_err_t err)
{
    char  ebuf[128];

    if (err == 0) {
        return p;
    }
    return sl_slprintf(p, end, " (%d: %s)", err,
                       strerror_r(err, ebuf, sizeof(ebuf)));
}


static u_char *
sl_log_add_context(sl_log_t *log, u_char *p, u_char *end)
{
    if (log->action) {
        p = sl_slprintf(p, end, " while %s", log->action);
    }
    if (log->handler) {
        p = log->handler(log, p, (size_t) (end - p));
    }
    return p;
}


const char *
sl_log_level_name(sl_uint_t level)
{
    return sl_log_level_names[sl_min(level, (sl_uint_t) SL_LOG_DEBUG)];
}


int
sl_log_std_fd(const sl_str_t *path)
{
    if (sl_str_eq(path, "stderr")) {
        return STDERR_FILENO;
    }
    if (sl_str_eq(path, "stdout")) {
        return STDOUT_FILENO;
    }
    return -1;
}


sl_int_t
sl_log_file_open(sl_log_file_t *file, sl_err_t *err)
{
    file->fd = sl_log_std_fd(&file->path);
    if (file->fd != -1) {
        return SL_OK;
    }
    file->fd = open((const char *) file->path.data,
                    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (file->fd == -1) {
        *err = errno;
        return SL_ERROR;
    }
    return SL_OK;
}


sl_int_t
sl_log_file_reopen(sl_log_file_t *file, sl_err_t *err)
{
    int  fd;

    if (sl_log_std_fd(&file->path) != -1) {
        return SL_OK;   /* not ours to swap: whoever started us owns it */
    }
    fd = open((const char *) file->path.data,
              O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd == -1) {
        *err = errno;
        return SL_ERROR;
    }
    /* dup3 swaps the file under the same number atomically. */
    if (dup3(fd, file->fd, O_CLOEXEC) == -1) {
        *err = errno;
        (void) close(fd);
        return SL_ERROR;
    }
    (void) close(fd);
    return SL_OK;
}


void
sl_log_file_close(sl_log_file_t *file)
{
    if (file->fd > STDERR_FILENO) {
        (void) close(file->fd);
    }
    file->fd = -1;
}


void
sl_assert_fail(const char *expr, const char *file, int line)
{
    sl_log_error(SL_LOG_ALERT, sl_log_default, 0,
                 "assertion \"%s\" failed at %s:%d", expr, file, line);
    abort();
}
