/*
 * sl_log.h: the error log (core layer). A log line is written with one
 * write(2) to an O_APPEND file so lines from several processes never
 * interleave. An sl_log_t is cheap to copy: connections share their
 * worker's log (an idle one must stay small), and a line about one is
 * written through a copy made for that line, with the connection's
 * number, a context handler and, where it helps, an action (see
 * sl_http_conn_error), so every line says which connection, what it was
 * doing, and for whom.
 */
#ifndef SL_LOG_H
#define SL_LOG_H

enum {
    SL_LOG_EMERG = 0,    /* cannot start or reload */
    SL_LOG_ALERT,        /* an invariant broke: a bug */
    SL_LOG_CRIT,         /* exhaustion: EMFILE, ENOMEM */
    SL_LOG_ERR,          /* our side failed a request */
    SL_LOG_WARN,         /* suspicious configuration */
    SL_LOG_NOTICE,       /* lifecycle */
    SL_LOG_INFO,         /* what a client caused */
    SL_LOG_DEBUG
};

#define SL_LOG_MAX_LINE  2048

/* One open log file; shared by every sl_log_t that writes to it. */
typedef struct {
    int        fd;
    sl_str_t   path;       /* NUL-terminated; "stderr", "stdout": fd 2, 1 */
} sl_log_file_t;

/*
 * Adds context ("client: 1.2.3.4, server: x") at buf, returning the end.
 * Called only when a line is written.
 */
typedef u_char *(*sl_log_handler_pt)(sl_log_t *log, u_char *buf, size_t len);

struct sl_log_s {
    sl_uint_t           level;
    sl_log_file_t      *file;
    sl_uint_t           connection;   /* 0: not about a connection */
    const char         *action;       /* "reading request head" or NULL */
    sl_log_handler_pt   handler;
    void               *data;         /* for handler */
};

/* A function, not a macro test, so a constant level 0 raises no warning. */
static inline int
sl_log_enabled(sl_uint_t level, const sl_log_t *log)
{
    return level <= log->level;
}

#define sl_log_error(lvl, log, err, ...)                                    \
    do {                                                                    \
        if (sl_log_enabled((sl_uint_t) (lvl), log)) {                       \
            sl_log_error_core(lvl, log, err, __VA_ARGS__);                  \
        }                                                                   \
    } while (0)

#ifdef SL_DEBUG
#define sl_log_debug(log, ...) sl_log_error(SL_LOG_DEBUG, log, 0, __VA_ARGS__)
#else
#define sl_log_debug(log, ...) ((void) 0)
#endif

/* Formats and writes one line; err != 0 appends "(err: strerror)". */
void sl_log_error_core(sl_uint_t level, sl_log_t *log, sl_err_t err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * For code that reports to its caller instead of logging (STYLE.md 6):
 * formats fmt into buf, with " (err: strerror)" appended when err != 0,
 * as a log line would have it; buf (size > 0) is NUL-terminated, the text
 * truncated to fit. The caller that handles the failure logs buf once or
 * passes it on. Returns SL_ERROR, for `return sl_log_errtext(...)`.
 */
sl_int_t sl_log_errtext(char *buf, size_t size, sl_err_t err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * The level names, indexed by level and NULL-terminated: what a line
 * says in brackets and what error_log.level takes (an SL_CONF_ENUM list).
 */
extern const char *const  sl_log_level_names[];

/* The name of level as a log line shows it: "emerg" .. "debug" (a level
 * above debug is "debug"). Static text. */
const char *sl_log_level_name(sl_uint_t level);

/*
 * The descriptor a log path names by itself: STDERR_FILENO for "stderr",
 * STDOUT_FILENO for "stdout", -1 for any other path (a file). The one
 * rule for the error log and the access log alike: such a path is never
 * resolved against the config's directory, opened, reopened or closed.
 */
int sl_log_std_fd(const sl_str_t *path);

/*
 * Opens path for appending (creating it 0644); "stderr" and "stdout" use
 * fd 2 and 1 (sl_log_std_fd). Returns SL_OK, or SL_ERROR with the reason
 * in err (errno).
 */
sl_int_t sl_log_file_open(sl_log_file_t *file, sl_err_t *err);

/*
 * Reopens the file at its path in place (the descriptor number stays, so
 * every holder keeps working): used on USR1 after logrotate renamed it.
 * Returns SL_OK or SL_ERROR with errno in err; the old file stays in use
 * on failure.
 */
sl_int_t sl_log_file_reopen(sl_log_file_t *file, sl_err_t *err);

/* Closes the file unless it is stderr or stdout. */
void sl_log_file_close(sl_log_file_t *file);

/*
 * The process-wide fallback log (stderr, level notice) used before a
 * config is loaded and by code that has no better log.
 */
sl_log_t *sl_log_init_stderr(void);
extern sl_log_t  *sl_log_default;

#endif /* SL_LOG_H */
