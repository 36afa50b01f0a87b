/*
 * sl_http_access_log.c: the access log (http layer). The format is
 * checked when the configuration is read (sl_http_access_log_check) and
 * compiled once per worker into a list of operations, literal text or a
 * variable; each finished request is formatted by walking that list into
 * a buffer, with no allocation, and the buffer goes out with one write(2)
 * when the next line does not fit, when the flush timer fires, on USR1
 * before the file is reopened, and on exit.
 *
 * Formats: "combined" (the default), "common", or a string of text and
 * variables written $name or ${name}:
 *
 *   $remote_addr $remote_user ("-": no authentication here) $time_local
 *   $time_iso8601 $request $request_method $request_uri (the raw target)
 *   $uri (decoded, normalised) $args (the query string, without '?';
 *   "-" without one) $server_protocol $status ("000" when none
 *   was set) $body_bytes_sent $bytes_sent $request_time (seconds with
 *   milliseconds) $http_<name> (any request header, '_' matching '-',
 *   case-insensitive: $http_referer $http_user_agent $http_host ...)
 *   $host $connection $connection_requests $pipe $server_name, and the
 *   variables modules provide (sl_http_variable_t: the proxy's
 *   $upstream_addr $upstream_status $upstream_response_time)
 *
 * A value that is absent prints "-". Bytes of variable values below 0x20,
 * '"', '\' and from 0x7F up are written as \xHH (nginx does the same), so
 * a line is always one line, a quoted field always ends at its closing
 * quote, and tools like goaccess can read the combined format whatever a
 * client sent. The format's own text is written as it is.
 *
 * Each worker appends to the file on its own descriptor (O_APPEND): one
 * write(2) of whole lines never interleaves with another worker's. A line
 * longer than the whole buffer is formatted into a temporary allocation
 * and written by itself.
 *
 * $pipe is "p" for a request whose bytes came behind another request's
 * (pipelined), "." otherwise.
 */
#include "sl_http.h"

#define SL_HTTP_AL_BUFFER_DEFAULT  (64 * 1024)
#define SL_HTTP_AL_FLUSH_DEFAULT   1000
#define SL_HTTP_AL_NAME_MAX        64

#define SL_HTTP_AL_COMBINED                                                 \
    "$remote_addr - $remote_user [$time_local] \"$request\" $status "       \
    "$body_bytes_sent \"$http_referer\" \"$http_user_agent\""
#define SL_HTTP_AL_COMMON                                                   \
    "$remote_addr - $remote_user [$time_local] \"$request\" $status "       \
    "$body_bytes_sent"

typedef enum {
    SL_HTTP_AL_LITERAL = 0,
    SL_HTTP_AL_REMOTE_ADDR,
    SL_HTTP_AL_REMOTE_USER,
    SL_HTTP_AL_TIME_LOCAL,
    SL_HTTP_AL_TIME_ISO8601,
    SL_HTTP_AL_REQUEST,
    SL_HTTP_AL_REQUEST_METHOD,
    SL_HTTP_AL_REQUEST_URI,
    SL_HTTP_AL_URI,
    SL_HTTP_AL_ARGS,
    SL_HTTP_AL_SERVER_PROTOCOL,
    SL_HTTP_AL_STATUS,
    SL_HTTP_AL_BODY_BYTES_SENT,
    SL_HTTP_AL_BYTES_SENT,
    SL_HTTP_AL_REQUEST_TIME,
    SL_HTTP_AL_HTTP_HEADER,
    SL_HTTP_AL_HOST,
    SL_HTTP_AL_CONNECTION,
    SL_HTTP_AL_CONNECTION_REQUESTS,
    SL_HTTP_AL_PIPE,
    SL_HTTP_AL_SERVER_NAME,
    SL_HTTP_AL_MODULE                  /* a module's (sl_http_variable_t) */
} sl_http_al_var_e;

typedef struct {
    const char        *name;
    sl_http_al_var_e   var;
} sl_http_al_name_t;

/* Variable names: ASCII letters, digits and '_', whatever the locale. */
#define sl_http_al_is_name(c)                                               \
    ((((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z')                           \
     || ((c) >= '0' && (c) <= '9') || (c) == '_')

static const sl_http_al_name_t  sl_http_al_names[] = {
    { "remote_addr", SL_HTTP_AL_REMOTE_ADDR },
    { "remote_user", SL_HTTP_AL_REMOTE_USER },
    { "time_local", SL_HTTP_AL_TIME_LOCAL },
    { "time_iso8601", SL_HTTP_AL_TIME_ISO8601 },
    { "request", SL_HTTP_AL_REQUEST },
    { "request_method", SL_HTTP_AL_REQUEST_METHOD },
    { "request_uri", SL_HTTP_AL_REQUEST_URI },
    { "uri", SL_HTTP_AL_URI },
    { "args", SL_HTTP_AL_ARGS },
    { "server_protocol", SL_HTTP_AL_SERVER_PROTOCOL },
    { "status", SL_HTTP_AL_STATUS },
    { "body_bytes_sent", SL_HTTP_AL_BODY_BYTES_SENT },
    { "bytes_sent", SL_HTTP_AL_BYTES_SENT },
    { "request_time", SL_HTTP_AL_REQUEST_TIME },
    { "host", SL_HTTP_AL_HOST },
    { "connection", SL_HTTP_AL_CONNECTION },
    { "connection_requests", SL_HTTP_AL_CONNECTION_REQUESTS },
    { "pipe", SL_HTTP_AL_PIPE },
    { "server_name", SL_HTTP_AL_SERVER_NAME },
};

/* One step of a compiled format: text, or a variable (with the header
 * name, '_' already turned into '-', for $http_<name>). */
typedef struct {
    sl_http_al_var_e             var;
    sl_str_t                     text;
    const sl_http_variable_t    *module_var;   /* SL_HTTP_AL_MODULE */
} sl_http_al_op_t;

/* Output being formatted: bytes go to [p, end) while they fit; len counts
 * every byte the line needs, so an overflow tells how much was missing. */
typedef struct {
    u_char            *p;
    u_char            *end;
    size_t             len;
} sl_http_al_out_t;

struct sl_http_access_log_s {
    int                fd;
    unsigned           std:1;        /* stdout or stderr: never closed */
    unsigned           failing:1;    /* a write failed: said once */
    u_char            *path;         /* NUL-terminated */
    sl_log_t          *log;
    sl_loop_t         *loop;
    sl_event_t         timer;
    sl_msec_t          flush_msec;
    u_char            *start;        /* the buffer */
    u_char            *last;
    u_char            *end;
    sl_http_al_op_t   *ops;
    size_t             nops;
    u_char            *text;         /* the format's text the ops use */
    time_t             iso_sec;
    size_t             iso_len;
    u_char             iso[32];
};

static const sl_str_t *sl_http_al_format_text(const sl_str_t *format,
    sl_str_t *named);
static sl_int_t sl_http_al_compile(const sl_str_t *fmt, sl_http_al_op_t *ops,
    size_t *nops, char *err, size_t errsize);
static sl_int_t sl_http_al_variable(const u_char *name, size_t len,
    sl_http_al_op_t *op, char *err, size_t errsize);
static sl_int_t sl_http_al_build(sl_http_access_log_t *al,
    const sl_str_t *format);
static int sl_http_al_open_fd(sl_http_access_log_t *al, sl_err_t *err);
static void sl_http_al_format(sl_http_access_log_t *al, sl_http_request_t *r,
    sl_http_al_out_t *o);
static void sl_http_al_op(sl_http_access_log_t *al, sl_http_request_t *r,
    const sl_http_al_op_t *op, sl_http_al_out_t *o);
static void sl_http_al_op_request(sl_http_request_t *r,
    const sl_http_al_op_t *op, sl_http_al_out_t *o);
static void sl_http_al_op_response(sl_http_request_t *r,
    const sl_http_al_op_t *op, sl_http_al_out_t *o);
static void sl_http_al_put(sl_http_al_out_t *o, const void *s, size_t n);
#define sl_http_al_put_lit(o, lit)  sl_http_al_put(o, lit, sl_lit_len(lit))
static void sl_http_al_put_escaped(sl_http_al_out_t *o, const sl_str_t *s);
static void sl_http_al_put_uint(sl_http_al_out_t *o, uint64_t v);
static void sl_http_al_put_status(sl_http_al_out_t *o, int status);
static void sl_http_al_put_msec(sl_http_al_out_t *o, sl_msec_t ms);
static void sl_http_al_op_module(sl_http_request_t *r,
    const sl_http_al_op_t *op, sl_http_al_out_t *o);
static void sl_http_al_put_addr(sl_http_al_out_t *o, sl_conn_t *c);
static void sl_http_al_put_iso8601(sl_http_access_log_t *al,
    sl_http_al_out_t *o);
static const sl_str_t *sl_http_al_header(sl_http_request_t *r,
    const sl_str_t *name);
static void sl_http_al_write_long(sl_http_access_log_t *al,
    sl_http_request_t *r, size_t len);
static void sl_http_al_write_fd(sl_http_access_log_t *al, const u_char *p,
    size_t n);
static void sl_http_al_timer_handler(sl_event_t *ev);


/* "combined" and "common" name formats; anything else is the format. */
static const sl_str_t *
sl_http_al_format_text(const sl_str_t *format, sl_str_t *named)
{
    if (format->len == 0 || sl_str_eq(format, "combined")) {
        sl_str_set(named, SL_HTTP_AL_COMBINED);
        return named;
    }
    if (sl_str_eq(format, "common")) {
        sl_str_set(named, SL_HTTP_AL_COMMON);
        return named;
    }
    return format;
}


/*
 * Checks an access log format at configuration time: "combined",
 * "common" (an empty format means "combined") or text with known
 * $variables. format need not be NUL-terminated. Returns SL_OK, or
 * SL_ERROR with a message (no file or line: the caller adds them) in err,
 * NUL-terminated and truncated to errsize.
 */
sl_int_t
sl_http_access_log_check(const sl_str_t *format, char *err, size_t errsize)
{
    sl_str_t  named;
    size_t    nops;

    return sl_http_al_compile(sl_http_al_format_text(format, &named), NULL,
                              &nops, err, errsize);
}


/*
 * Splits fmt into ops (NULL: only count and check them); *nops gets the
 * count. The ops point into fmt. Returns SL_OK or SL_ERROR with err.
 */
static sl_int_t
sl_http_al_compile(const sl_str_t *fmt, sl_http_al_op_t *ops, size_t *nops,
    char *err, size_t errsize)
{
    const u_char     *p, *end, *lit, *name;
    sl_http_al_op_t   op;
    int               braced;

    *nops = 0;
    p = fmt->data;
    end = p + fmt->len;
    lit = p;
    while (p < end) {
        if (*p != '$') {
            p++;
            continue;
        }
        if (p > lit) {
            if (ops) {
                ops[*nops].var = SL_HTTP_AL_LITERAL;
                ops[*nops].text.data = (u_char *) lit;
                ops[*nops].text.len = (size_t) (p - lit);
            }
            (*nops)++;
        }
        p++;
        braced = p < end && *p == '{';
        p += braced;
        name = p;
        while (p < end && sl_http_al_is_name(*p)) {
            p++;
        }
        if (braced && (p == end || *p != '}')) {
            (void) snprintf(err, errsize, "unclosed \"${\" in the format");
            return SL_ERROR;
        }
        if (sl_http_al_variable(name, (size_t) (p - name), &op, err, errsize)
            != SL_OK)
        {
            return SL_ERROR;
        }
        p += braced;
        if (ops) {
            ops[*nops] = op;
        }
        (*nops)++;
        lit = p;
    }
    if (p > lit) {
        if (ops) {
            ops[*nops].var = SL_HTTP_AL_LITERAL;
            ops[*nops].text.data = (u_char *) lit;
            ops[*nops].text.len = (size_t) (p - lit);
        }
        (*nops)++;
    }
    return SL_OK;
}


/* Looks a variable name up; for $http_<name>, op->text is <name>. */
static sl_int_t
sl_http_al_variable(const u_char *name, size_t len, sl_http_al_op_t *op,
    char *err, size_t errsize)
{
    static const sl_str_t  http = sl_string("http_");
    size_t                 i;

    if (len == 0) {
        (void) snprintf(err, errsize, "\"$\" without a variable name in the "
                        "format (the variables are $remote_addr, $request, "
                        "$status ...)");
        return SL_ERROR;
    }
    op->text.data = (u_char *) name;
    op->text.len = len;
    if (len > http.len && memcmp(name, http.data, http.len) == 0) {
        op->var = SL_HTTP_AL_HTTP_HEADER;
        op->text.data += http.len;
        op->text.len -= http.len;
        return SL_OK;
    }
    for (i = 0; i < sl_nelem(sl_http_al_names); i++) {
        if (strlen(sl_http_al_names[i].name) == len
            && memcmp(sl_http_al_names[i].name, name, len) == 0)
        {
            op->var = sl_http_al_names[i].var;
            return SL_OK;
        }
    }
    op->module_var = sl_http_variable_find(name, len);
    if (op->module_var) {
        op->var = SL_HTTP_AL_MODULE;
        return SL_OK;
    }
    (void) snprintf(err, errsize, "unknown variable \"$%.*s\" in the format",
                    (int) sl_min(len, (size_t) SL_HTTP_AL_NAME_MAX),
                    (const char *) name);
    return SL_ERROR;
}


/*
 * Opens the access log of main for a worker: the file (appending; created
 * 0644), or fd 1 or 2 for "stdout" and "stderr"; the compiled format; a
 * buffer of access_log_buffer bytes (64k when 0); a flush timer of
 * access_log_flush ms (1 s when 0) on loop, armed when a line waits in the
 * buffer and cancelable, so it never holds up a graceful exit. Memory is
 * malloc'ed and freed by sl_http_access_log_close.
 * Returns the log, or NULL: when the path is "off" (nothing logged), or on
 * failure (logged at emerg to log). A caller that must tell the two apart
 * checks sl_str_eq(&main->access_log_path, "off").
 */
sl_http_access_log_t *
sl_http_access_log_open(sl_http_main_conf_t *main, sl_loop_t *loop,
    sl_log_t *log)
{
    sl_http_access_log_t  *al;
    sl_err_t               err;
    size_t                 size;

    if (main->access_log_path.len == 0
        || sl_str_eq(&main->access_log_path, "off"))
    {
        return NULL;
    }
    size = main->access_log_buffer ? main->access_log_buffer
                                   : SL_HTTP_AL_BUFFER_DEFAULT;
    al = calloc(1, sizeof(*al) + main->access_log_path.len + 1 + size);
    if (al == NULL) {
        sl_log_error(SL_LOG_EMERG, log, errno, "no memory for the access "
                     "log");
        return NULL;
    }
    al->fd = -1;
    al->log = log;
    al->loop = loop;
    al->path = (u_char *) (al + 1);
    memcpy(al->path, main->access_log_path.data, main->access_log_path.len);
    al->start = al->path + main->access_log_path.len + 1;
    al->last = al->start;
    al->end = al->start + size;
    al->flush_msec = main->access_log_flush ? main->access_log_flush
                                            : SL_HTTP_AL_FLUSH_DEFAULT;
    al->timer.handler = sl_http_al_timer_handler;
    al->timer.data = al;
    al->timer.cancelable = 1;
    al->iso_sec = -1;
    if (sl_http_al_build(al, &main->access_log_format) != SL_OK) {
        sl_http_access_log_close(al);
        return NULL;
    }
    err = 0;
    if (sl_http_al_open_fd(al, &err) == -1) {
        sl_log_error(SL_LOG_EMERG, log, err, "open() \"%s\" failed",
                     (const char *) al->path);
        sl_http_access_log_close(al);
        return NULL;
    }
    return al;
}


/* Compiles the format into al->ops over a private copy of its text. */
static sl_int_t
sl_http_al_build(sl_http_access_log_t *al, const sl_str_t *format)
{
    sl_str_t          named, copy;
    const sl_str_t   *fmt;
    char              err[256];
    size_t            i, n;

    fmt = sl_http_al_format_text(format, &named);
    if (sl_http_al_compile(fmt, NULL, &n, err, sizeof(err)) != SL_OK) {
        sl_log_error(SL_LOG_EMERG, al->log, 0, "access log format: %s", err);
        return SL_ERROR;
    }
    al->text = malloc(fmt->len + 1);
    al->ops = malloc(sl_max(n, (size_t) 1) * sizeof(sl_http_al_op_t));
    if (al->text == NULL || al->ops == NULL) {
        sl_log_error(SL_LOG_EMERG, al->log, errno, "no memory for the "
                     "access log format");
        return SL_ERROR;
    }
    memcpy(al->text, fmt->data, fmt->len);
    copy.data = al->text;
    copy.len = fmt->len;
    (void) sl_http_al_compile(&copy, al->ops, &al->nops, err, sizeof(err));
    /* Header names as they are matched: "user_agent" -> "user-agent". */
    for (i = 0; i < al->nops; i++) {
        for (n = 0; al->ops[i].var == SL_HTTP_AL_HTTP_HEADER
                    && n < al->ops[i].text.len; n++)
        {
            if (al->ops[i].text.data[n] == '_') {
                al->ops[i].text.data[n] = '-';
            }
        }
    }
    return SL_OK;
}


/* Sets al->fd; returns it, or -1 with *err. */
static int
sl_http_al_open_fd(sl_http_access_log_t *al, sl_err_t *err)
{
    sl_str_t  path;

    path.data = al->path;
    path.len = strlen((const char *) al->path);
    al->fd = sl_log_std_fd(&path);
    if (al->fd != -1) {
        al->std = 1;
        return al->fd;
    }
    al->fd = open((const char *) al->path,
                  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (al->fd == -1) {
        *err = errno;
    }
    return al->fd;
}


/*
 * Appends the line of r (which must still hold its pool: called before
 * the request is freed) to the buffer, writing the buffer out first when
 * the line does not fit. Never fails: a line that cannot be written is
 * dropped and the failure logged once.
 */
void
sl_http_access_log_write(sl_http_access_log_t *al, sl_http_request_t *r)
{
    sl_http_al_out_t  o;

    o.p = al->last;
    o.end = al->end;
    o.len = 0;
    sl_http_al_format(al, r, &o);
    if (o.len > (size_t) (al->end - al->last)) {
        sl_http_access_log_flush(al);
        if (o.len > (size_t) (al->end - al->start)) {
            sl_http_al_write_long(al, r, o.len);
            return;
        }
        o.p = al->last;
        o.len = 0;
        sl_http_al_format(al, r, &o);
    }
    al->last = o.p;
    if (!al->timer.timer_set) {
        (void) sl_timer_add(al->loop, &al->timer, al->flush_msec);
    }
}


/* A line longer than the whole buffer: formatted apart, written alone. */
static void
sl_http_al_write_long(sl_http_access_log_t *al, sl_http_request_t *r,
    size_t len)
{
    sl_http_al_out_t  o;
    u_char           *line;

    line = malloc(len);
    if (line == NULL) {
        sl_log_error(SL_LOG_CRIT, al->log, errno, "no memory for a %zu byte "
                     "access log line: dropped", len);
        return;
    }
    o.p = line;
    o.end = line + len;
    o.len = 0;
    sl_http_al_format(al, r, &o);
    sl_http_al_write_fd(al, line, (size_t) (o.p - line));
    free(line);
}


static void
sl_http_al_format(sl_http_access_log_t *al, sl_http_request_t *r,
    sl_http_al_out_t *o)
{
    size_t  i;

    for (i = 0; i < al->nops; i++) {
        sl_http_al_op(al, r, &al->ops[i], o);
    }
    sl_http_al_put_lit(o, "\n");
}


static void
sl_http_al_op(sl_http_access_log_t *al, sl_http_request_t *r,
    const sl_http_al_op_t *op, sl_http_al_out_t *o)
{
    switch (op->var) {
    case SL_HTTP_AL_LITERAL:
        sl_http_al_put(o, op->text.data, op->text.len);
        break;
    case SL_HTTP_AL_REMOTE_ADDR:
        sl_http_al_put_addr(o, r->c);
        break;
    case SL_HTTP_AL_REMOTE_USER:
        sl_http_al_put_lit(o, "-");
        break;
    case SL_HTTP_AL_TIME_LOCAL:
        sl_http_al_put(o, sl_cached_access_time.data,
                       sl_cached_access_time.len);
        break;
    case SL_HTTP_AL_TIME_ISO8601:
        sl_http_al_put_iso8601(al, o);
        break;
    case SL_HTTP_AL_STATUS:
    case SL_HTTP_AL_BODY_BYTES_SENT:
    case SL_HTTP_AL_BYTES_SENT:
    case SL_HTTP_AL_REQUEST_TIME:
    case SL_HTTP_AL_CONNECTION:
    case SL_HTTP_AL_CONNECTION_REQUESTS:
    case SL_HTTP_AL_PIPE:
        sl_http_al_op_response(r, op, o);
        break;
    case SL_HTTP_AL_MODULE:
        sl_http_al_op_module(r, op, o);
        break;
    default:
        sl_http_al_op_request(r, op, o);
        break;
    }
}


/* Variables from the request head and routing: escaped. */
static void
sl_http_al_op_request(sl_http_request_t *r, const sl_http_al_op_t *op,
    sl_http_al_out_t *o)
{
    static const sl_str_t   protocols[] = {
        sl_string("HTTP/1.0"), sl_string("HTTP/1.1")
    };
    const sl_str_t         *v;

    switch (op->var) {
    case SL_HTTP_AL_REQUEST:
        v = &r->head.request_line;
        break;
    case SL_HTTP_AL_REQUEST_METHOD:
        v = &r->head.method_name;
        break;
    case SL_HTTP_AL_REQUEST_URI:
        v = &r->head.target;
        break;
    case SL_HTTP_AL_URI:
        v = &r->uri;
        break;
    case SL_HTTP_AL_ARGS:
        v = &r->head.query;   /* data is NULL without a '?' */
        break;
    case SL_HTTP_AL_SERVER_PROTOCOL:
        v = r->head.http_major == 1 && r->head.http_minor <= 1
            ? &protocols[r->head.http_minor] : NULL;
        break;
    case SL_HTTP_AL_HTTP_HEADER:
        v = sl_http_al_header(r, &op->text);
        break;
    case SL_HTTP_AL_HOST:
        v = r->host.data ? &r->host : &r->head.host;
        break;
    default:   /* SL_HTTP_AL_SERVER_NAME */
        v = r->server && r->server->server_names.n
            ? &r->server->server_names.items[0] : NULL;
        break;
    }
    if (v == NULL || v->data == NULL) {
        sl_http_al_put_lit(o, "-");
        return;
    }
    sl_http_al_put_escaped(o, v);
}


/* Numbers and what the response left. */
static void
sl_http_al_op_response(sl_http_request_t *r, const sl_http_al_op_t *op,
    sl_http_al_out_t *o)
{
    off_t  n;

    switch (op->var) {
    case SL_HTTP_AL_STATUS:
        sl_http_al_put_status(o, r->status);
        break;
    case SL_HTTP_AL_BODY_BYTES_SENT:
        n = r->bytes_sent - r->header_bytes;
        sl_http_al_put_uint(o, n > 0 ? (uint64_t) n : 0);
        break;
    case SL_HTTP_AL_BYTES_SENT:
        sl_http_al_put_uint(o, r->bytes_sent > 0 ? (uint64_t) r->bytes_sent
                                                 : 0);
        break;
    case SL_HTTP_AL_REQUEST_TIME:
        sl_http_al_put_msec(o, sl_current_msec > r->start_msec
                               ? sl_current_msec - r->start_msec : 0);
        break;
    case SL_HTTP_AL_CONNECTION:
        sl_http_al_put_uint(o, r->c->number);
        break;
    case SL_HTTP_AL_CONNECTION_REQUESTS:
        /* The engine counts a request once it is done, after the log. */
        sl_http_al_put_uint(o, r->hc ? r->hc->requests + 1 : 1);
        break;
    default:   /* SL_HTTP_AL_PIPE */
        if (r->pipelined) {
            sl_http_al_put_lit(o, "p");
        } else {
            sl_http_al_put_lit(o, ".");
        }
        break;
    }
}


/* The first request header called name (case-insensitive), or NULL. */
static const sl_str_t *
sl_http_al_header(sl_http_request_t *r, const sl_str_t *name)
{
    sl_http_header_t  *h;
    size_t             i;

    for (i = 0; i < r->head.nheaders; i++) {
        h = &r->head.headers[i];
        if (h->name.len == name->len
            && sl_strncasecmp(h->name.data, name->data, name->len) == 0)
        {
            return &h->value;
        }
    }
    return NULL;
}


static void
sl_http_al_put(sl_http_al_out_t *o, const void *s, size_t n)
{
    o->len += n;
    if (n <= (size_t) (o->end - o->p)) {
        o->p = sl_cpymem(o->p, s, n);
    } else {
        o->p = o->end;   /* overflow is sticky: nothing after it lands */
    }
}


/* Writes s with bytes < 0x20, '"', '\' and >= 0x7F as \xHH. */
static void
sl_http_al_put_escaped(sl_http_al_out_t *o, const sl_str_t *s)
{
    static const char   hex[] = "0123456789ABCDEF";
    const u_char       *p, *end, *run;
    u_char              esc[4];

    p = s->data;
    end = p + s->len;
    while (p < end) {
        run = p;
        while (p < end && *p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\') {
            p++;
        }
        if (p > run) {
            sl_http_al_put(o, run, (size_t) (p - run));
        }
        if (p < end) {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = (u_char) hex[*p >> 4];
            esc[3] = (u_char) hex[*p & 0x0F];
            sl_http_al_put(o, esc, 4);
            p++;
        }
    }
}


static void
sl_http_al_put_uint(sl_http_al_out_t *o, uint64_t v)
{
    u_char  tmp[24];

    sl_http_al_put(o, tmp, (size_t) (sl_utoa(tmp, v) - tmp));
}


/* Three digits, as a status is: "000" when none was set. */
static void
sl_http_al_put_status(sl_http_al_out_t *o, int status)
{
    u_char  d[3];

    if (status > 999) {
        sl_http_al_put_uint(o, (uint64_t) status);
        return;
    }
    status = sl_max(status, 0);
    d[0] = (u_char) ('0' + status / 100);
    d[1] = (u_char) ('0' + status / 10 % 10);
    d[2] = (u_char) ('0' + status % 10);
    sl_http_al_put(o, d, 3);
}


/* Milliseconds as seconds: "0.003", "12.345". */
static void
sl_http_al_put_msec(sl_http_al_out_t *o, sl_msec_t ms)
{
    u_char  frac[4];

    sl_http_al_put_uint(o, ms / 1000);
    frac[0] = '.';
    frac[1] = (u_char) ('0' + ms % 1000 / 100);
    frac[2] = (u_char) ('0' + ms % 100 / 10);
    frac[3] = (u_char) ('0' + ms % 10);
    sl_http_al_put(o, frac, 4);
}


/* A module's variable: its text escaped, "-" when the request has none. */
static void
sl_http_al_op_module(sl_http_request_t *r, const sl_http_al_op_t *op,
    sl_http_al_out_t *o)
{
    u_char    buf[SL_HTTP_VARIABLE_BUF];
    sl_str_t  v;

    if (op->module_var->get(r, &v, buf, sizeof(buf)) != SL_OK) {
        sl_http_al_put_lit(o, "-");
        return;
    }
    sl_http_al_put_escaped(o, &v);
}


static void
sl_http_al_put_addr(sl_http_al_out_t *o, sl_conn_t *c)
{
    u_char  text[SL_ADDR_HOST_LEN];

    sl_http_al_put(o, text, sl_addr_peer_text(&c->addr.sa, c->socklen,
                                              text));
}


/* "2026-11-23T09:28:36+00:00" (UTC, as $time_local), cached per second. */
static void
sl_http_al_put_iso8601(sl_http_access_log_t *al, sl_http_al_out_t *o)
{
    struct tm  tm;
    time_t     sec;
    int        n;

    sec = sl_current_sec;
    if (sec != al->iso_sec) {
        sl_time_gmtime(sec, &tm);
        n = snprintf((char *) al->iso, sizeof(al->iso),
                     "%04d-%02d-%02dT%02d:%02d:%02d+00:00",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
        al->iso_len = n > 0 ? sl_min((size_t) n, sizeof(al->iso) - 1) : 0;
        al->iso_sec = sec;
    }
    sl_http_al_put(o, al->iso, al->iso_len);
}


/* Writes the buffered lines out now. */
void
sl_http_access_log_flush(sl_http_access_log_t *al)
{
    if (al->timer.timer_set) {
        sl_timer_del(al->loop, &al->timer);
    }
    if (al->last == al->start) {
        return;
    }
    sl_http_al_write_fd(al, al->start, (size_t) (al->last - al->start));
    al->last = al->start;
}


/*
 * One write(2) in the normal case; a short write (a full disk, a pipe) is
 * continued. What cannot be written is dropped: the failure is logged the
 * first time, and again only after a write succeeded in between.
 */
static void
sl_http_al_write_fd(sl_http_access_log_t *al, const u_char *p, size_t n)
{
    ssize_t   w;
    sl_err_t  err;

    while (n > 0) {
        w = write(al->fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t) w;
            continue;
        }
        err = w == -1 ? errno : 0;
        if (w == -1 && err == EINTR) {
            continue;
        }
        if (!al->failing) {
            al->failing = 1;
            sl_log_error(SL_LOG_ERR, al->log, err, "write() to the access "
                         "log \"%s\" failed: %zu bytes dropped",
                         (const char *) al->path, n);
        }
        return;
    }
    al->failing = 0;
}


static void
sl_http_al_timer_handler(sl_event_t *ev)
{
    sl_http_access_log_flush(ev->data);
}


/*
 * On USR1: writes the buffer out, then opens the path again and puts the
 * new file under the same descriptor number (dup3), so a file renamed by
 * logrotate gets no more lines. stdout and stderr are left alone. On
 * failure (logged) the old file stays in use.
 */
void
sl_http_access_log_reopen(sl_http_access_log_t *al)
{
    int  fd;

    sl_http_access_log_flush(al);
    if (al->std) {
        return;
    }
    fd = open((const char *) al->path,
              O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd == -1) {
        sl_log_error(SL_LOG_ERR, al->log, errno, "reopening the access log: "
                     "open() \"%s\" failed", (const char *) al->path);
        return;
    }
    if (dup3(fd, al->fd, O_CLOEXEC) == -1) {
        sl_log_error(SL_LOG_ERR, al->log, errno, "reopening the access log: "
                     "dup3() failed");
    }
    (void) close(fd);
}


/* Writes the buffer out, cancels the timer, closes, frees. NULL is ok. */
void
sl_http_access_log_close(sl_http_access_log_t *al)
{
    if (al == NULL) {
        return;
    }
    if (al->fd != -1) {
        sl_http_access_log_flush(al);
        if (!al->std) {
            (void) close(al->fd);
        }
    }
    if (al->timer.timer_set) {
        sl_timer_del(al->loop, &al->timer);
    }
    free(al->ops);
    free(al->text);
    free(al);
}
