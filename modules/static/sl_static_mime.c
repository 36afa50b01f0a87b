/*
 * sl_static_mime.c: the mime.types table (modules layer, static module).
 * The file is read once, when the configuration is loaded, into an array
 * sorted by extension; a request's lookup is a binary search over about a
 * hundred entries, without allocation or system call.
 *
 * The format (conf/mime.types): `types { media/type ext ext ...; ... }`,
 * '#' comments to the end of a line. An entry may span lines. Extensions
 * are stored in lower case and compared without regard to case; an
 * extension listed twice is an error, so the table never silently
 * depends on the order of the file.
 */
#include "sl_static.h"

#define SL_STATIC_MIME_EXT_MAX   32
#define SL_STATIC_MIME_FILE_MAX  (4 * 1024 * 1024)

typedef struct {
    const u_char        *p;
    const u_char        *end;
    unsigned             line;
    const char          *file;
    char                *err;
    size_t               errsize;
    sl_pool_t           *pool;
    sl_static_mime_entry_t  *entries;
    unsigned            *lines;        /* line of each entry, for errors */
    size_t               n;
    size_t               size;
} sl_static_mime_parser_t;

typedef struct {
    const u_char        *data;
    size_t               len;
    unsigned             line;
} sl_static_mime_token_t;

static int sl_static_mime_token(sl_static_mime_parser_t *mp,
    sl_static_mime_token_t *t);
static sl_int_t sl_static_mime_fail(sl_static_mime_parser_t *mp,
    unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static sl_int_t sl_static_mime_entry(sl_static_mime_parser_t *mp,
    const sl_static_mime_token_t *type);
static sl_int_t sl_static_mime_add(sl_static_mime_parser_t *mp,
    const sl_str_t *type, const sl_static_mime_token_t *ext);
static int sl_static_mime_type_valid(const u_char *p, size_t len);
static int sl_static_mime_cmp(const void *a, const void *b);
static sl_int_t sl_static_mime_check_dups(sl_static_mime_parser_t *mp);


/* Special characters are tokens by themselves. */
#define sl_static_mime_special(c)  ((c) == '{' || (c) == '}' || (c) == ';')


/*
 * Reads the next token: 1 when one was read, 0 at the end of the text.
 */
static int
sl_static_mime_token(sl_static_mime_parser_t *mp, sl_static_mime_token_t *t)
{
    for (;;) {
        while (mp->p < mp->end && (*mp->p == ' ' || *mp->p == '\t'
               || *mp->p == '\r' || *mp->p == '\n'))
        {
            mp->line += *mp->p == '\n';
            mp->p++;
        }
        if (mp->p < mp->end && *mp->p == '#') {
            while (mp->p < mp->end && *mp->p != '\n') {
                mp->p++;
            }
            continue;
        }
        break;
    }
    if (mp->p == mp->end) {
        return 0;
    }
    t->data = mp->p;
    t->line = mp->line;
    if (sl_static_mime_special(*mp->p)) {
        mp->p++;
    } else {
        while (mp->p < mp->end && !sl_static_mime_special(*mp->p)
               && *mp->p != ' ' && *mp->p != '\t' && *mp->p != '\r'
               && *mp->p != '\n' && *mp->p != '#')
        {
            mp->p++;
        }
    }
    t->len = (size_t) (mp->p - t->data);
    return 1;
}


static sl_int_t
sl_static_mime_fail(sl_static_mime_parser_t *mp, unsigned line,
    const char *fmt, ...)
{
    va_list  ap;
    int      n;

    n = snprintf(mp->err, mp->errsize, "%s:%u: \"mime_types\": ", mp->file,
                 line);
    if (n < 0 || (size_t) n >= mp->errsize) {
        return SL_ERROR;
    }
    va_start(ap, fmt);
    (void) vsnprintf(mp->err + n, mp->errsize - (size_t) n, fmt, ap);
    va_end(ap);
    return SL_ERROR;
}


#define sl_static_mime_is(t, c)  ((t)->len == 1 && (t)->data[0] == (c))


sl_static_mime_t *
sl_static_mime_parse(sl_pool_t *pool, const char *file, const u_char *text,
    size_t len, char *err, size_t errsize)
{
    sl_static_mime_parser_t  mp;
    sl_static_mime_token_t   t;
    sl_static_mime_t        *m;

    memset(&mp, 0, sizeof(mp));
    mp.p = text;
    mp.end = text + len;
    mp.line = 1;
    mp.file = file;
    mp.err = err;
    mp.errsize = errsize;
    mp.pool = pool;

    if (!sl_static_mime_token(&mp, &t) || t.len != sl_lit_len("types")
        || !sl_memeq_lit(t.data, "types"))
    {
        (void) sl_static_mime_fail(&mp, mp.line, "expected \"types {\" "
                                   "at the start of the file");
        return NULL;
    }
    if (!sl_static_mime_token(&mp, &t) || !sl_static_mime_is(&t, '{')) {
        (void) sl_static_mime_fail(&mp, mp.line, "expected \"{\" after "
                                   "\"types\"");
        return NULL;
    }
    for (;;) {
        if (!sl_static_mime_token(&mp, &t)) {
            (void) sl_static_mime_fail(&mp, mp.line, "unexpected end of "
                                       "file (expected \"}\")");
            return NULL;
        }
        if (sl_static_mime_is(&t, '}')) {
            break;
        }
        if (sl_static_mime_entry(&mp, &t) != SL_OK) {
            return NULL;
        }
    }
    if (sl_static_mime_token(&mp, &t)) {
        (void) sl_static_mime_fail(&mp, t.line, "unexpected \"%.*s\" after "
                                   "the closing \"}\"", (int) t.len, t.data);
        return NULL;
    }
    if (sl_static_mime_check_dups(&mp) != SL_OK) {
        return NULL;
    }
    m = sl_palloc(pool, sizeof(sl_static_mime_t));
    if (m == NULL) {
        (void) snprintf(err, errsize, "%s: out of memory", file);
        return NULL;
    }
    m->entries = mp.entries;
    m->n = mp.n;
    return m;
}


/* One entry: the media type (already read), extensions, ';'. */
static sl_int_t
sl_static_mime_entry(sl_static_mime_parser_t *mp,
    const sl_static_mime_token_t *type)
{
    sl_static_mime_token_t  t;
    sl_str_t                ts;
    size_t                  exts;

    if (!sl_static_mime_type_valid(type->data, type->len)) {
        return sl_static_mime_fail(mp, type->line, "invalid media type "
                                   "\"%.*s\" (expected type/subtype)",
                                   (int) type->len, type->data);
    }
    ts.len = type->len;
    ts.data = sl_pstrdup(mp->pool, type->data, type->len);
    if (ts.data == NULL) {
        return sl_static_mime_fail(mp, type->line, "out of memory");
    }
    for (exts = 0; ; exts++) {
        if (!sl_static_mime_token(mp, &t)) {
            return sl_static_mime_fail(mp, mp->line, "unexpected end of "
                                       "file (expected \";\")");
        }
        if (sl_static_mime_is(&t, ';')) {
            break;
        }
        if (sl_static_mime_special(t.data[0])) {
            return sl_static_mime_fail(mp, t.line, "unexpected \"%c\" in the "
                                       "entry for \"%s\" (missing \";\"?)",
                                       t.data[0], ts.data);
        }
        if (sl_static_mime_add(mp, &ts, &t) != SL_OK) {
            return SL_ERROR;
        }
    }
    if (exts == 0) {
        return sl_static_mime_fail(mp, type->line, "\"%s\" lists no "
                                   "extension", ts.data);
    }
    return SL_OK;
}


static sl_int_t
sl_static_mime_add(sl_static_mime_parser_t *mp, const sl_str_t *type,
    const sl_static_mime_token_t *ext)
{
    sl_static_mime_entry_t  *grown;
    unsigned                *lines;
    u_char                  *e;
    size_t                   i, size;

    if (ext->len > SL_STATIC_MIME_EXT_MAX) {
        return sl_static_mime_fail(mp, ext->line, "extension \"%.*s\" is "
                                   "longer than %d bytes", (int) ext->len,
                                   ext->data, SL_STATIC_MIME_EXT_MAX);
    }
    for (i = 0; i < ext->len; i++) {
        if (!sl_http_is(ext->data[i], SL_HTTP_C_TCHAR) || ext->data[i] == '.')
        {
            return sl_static_mime_fail(mp, ext->line, "invalid extension "
                                       "\"%.*s\" (expected letters, digits "
                                       "and - _ ~ + !, without the dot)",
                                       (int) ext->len, ext->data);
        }
    }
    if (mp->n == mp->size) {
        size = mp->size ? mp->size * 2 : 128;
        grown = sl_palloc(mp->pool, size * sizeof(sl_static_mime_entry_t));
        lines = sl_palloc(mp->pool, size * sizeof(unsigned));
        if (grown == NULL || lines == NULL) {
            return sl_static_mime_fail(mp, ext->line, "out of memory");
        }
        if (mp->n) {
            memcpy(grown, mp->entries, mp->n * sizeof(*grown));
            memcpy(lines, mp->lines, mp->n * sizeof(*lines));
        }
        mp->entries = grown;
        mp->lines = lines;
        mp->size = size;
    }
    e = sl_pnalloc(mp->pool, ext->len + 1);
    if (e == NULL) {
        return sl_static_mime_fail(mp, ext->line, "out of memory");
    }
    for (i = 0; i < ext->len; i++) {
        e[i] = sl_tolower(ext->data[i]);
    }
    e[ext->len] = '\0';
    mp->entries[mp->n].ext.data = e;
    mp->entries[mp->n].ext.len = ext->len;
    mp->entries[mp->n].type = *type;
    mp->lines[mp->n] = ext->line;
    mp->n++;
    return SL_OK;
}


/* token "/" token: what a Content-Type value needs to be safe. */
static int
sl_static_mime_type_valid(const u_char *p, size_t len)
{
    size_t  i, slash;

    slash = 0;
    for (i = 0; i < len; i++) {
        if (p[i] == '/' && slash == 0 && i > 0) {
            slash = i;
            continue;
        }
        if (!sl_http_is(p[i], SL_HTTP_C_TCHAR)) {
            return 0;
        }
    }
    return slash > 0 && slash + 1 < len;
}


static int
sl_static_mime_cmp(const void *a, const void *b)
{
    const sl_static_mime_entry_t  *x, *y;
    int                            c;

    x = a;
    y = b;
    c = memcmp(x->ext.data, y->ext.data, sl_min(x->ext.len, y->ext.len));
    if (c != 0) {
        return c;
    }
    return x->ext.len < y->ext.len ? -1 : x->ext.len > y->ext.len;
}


/*
 * Sorts the entries by extension, carrying each one's line along, and
 * reports an extension listed twice at the later of its two lines.
 */
static sl_int_t
sl_static_mime_check_dups(sl_static_mime_parser_t *mp)
{
    typedef struct {
        sl_static_mime_entry_t  e;
        unsigned                line;
    } pair_t;
    pair_t  *pairs;
    size_t   i;

    if (mp->n == 0) {
        return SL_OK;
    }
    pairs = malloc(mp->n * sizeof(pair_t));
    if (pairs == NULL) {
        return sl_static_mime_fail(mp, mp->line, "out of memory");
    }
    for (i = 0; i < mp->n; i++) {
        pairs[i].e = mp->entries[i];
        pairs[i].line = mp->lines[i];
    }
    /* The entry is the pair's first member: the same comparison works. */
    qsort(pairs, mp->n, sizeof(pair_t), sl_static_mime_cmp);
    for (i = 0; i < mp->n; i++) {
        mp->entries[i] = pairs[i].e;
        if (i > 0 && sl_static_mime_cmp(&pairs[i - 1].e, &pairs[i].e) == 0) {
            (void) sl_static_mime_fail(mp, sl_max(pairs[i - 1].line,
                                                  pairs[i].line),
                                       "extension \"%s\" is already listed "
                                       "at line %u",
                                       (const char *) pairs[i].e.ext.data,
                                       sl_min(pairs[i - 1].line,
                                              pairs[i].line));
            free(pairs);
            return SL_ERROR;
        }
    }
    free(pairs);
    return SL_OK;
}


sl_static_mime_t *
sl_static_mime_load(sl_pool_t *pool, const char *path, char *err,
    size_t errsize)
{
    sl_static_mime_t  *m;
    struct stat        st;
    u_char            *text;
    ssize_t            n;
    size_t             got;
    int                fd;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd == -1 || fstat(fd, &st) == -1) {
        (void) snprintf(err, errsize, "cannot read \"%s\": %s", path,
                        strerror(errno));
        if (fd != -1) {
            (void) close(fd);
        }
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > SL_STATIC_MIME_FILE_MAX) {
        (void) close(fd);
        (void) snprintf(err, errsize, "cannot read \"%s\": %s", path,
                        S_ISREG(st.st_mode) ? "larger than 4 MiB"
                                            : "not a regular file");
        return NULL;
    }
    text = malloc((size_t) st.st_size + 1);
    got = 0;
    while (text && got < (size_t) st.st_size) {
        n = read(fd, text + got, (size_t) st.st_size - got);
        if (n <= 0) {
            break;
        }
        got += (size_t) n;
    }
    (void) close(fd);
    if (text == NULL || got != (size_t) st.st_size) {
        (void) snprintf(err, errsize, "cannot read \"%s\": %s", path,
                        text ? "short read" : "out of memory");
        free(text);
        return NULL;
    }
    m = sl_static_mime_parse(pool, path, text, got, err, errsize);
    free(text);
    return m;
}


sl_static_mime_t *
sl_static_mime_builtin(sl_pool_t *pool, char *err, size_t errsize)
{
    static const char  table[] =
        "types {\n"
        "text/html html htm;\n"
        "text/css css;\n"
        "text/plain txt;\n"
        "text/markdown md;\n"
        "text/csv csv;\n"
        "text/xml xml;\n"
        "text/javascript js mjs;\n"
        "application/json json map;\n"
        "application/wasm wasm;\n"
        "application/pdf pdf;\n"
        "application/zip zip;\n"
        "application/gzip gz;\n"
        "application/atom+xml atom;\n"
        "application/rss+xml rss;\n"
        "application/manifest+json webmanifest;\n"
        "image/png png;\n"
        "image/jpeg jpg jpeg;\n"
        "image/gif gif;\n"
        "image/webp webp;\n"
        "image/avif avif;\n"
        "image/svg+xml svg svgz;\n"
        "image/x-icon ico;\n"
        "font/woff woff;\n"
        "font/woff2 woff2;\n"
        "font/ttf ttf;\n"
        "font/otf otf;\n"
        "audio/mpeg mp3;\n"
        "audio/ogg ogg;\n"
        "video/mp4 mp4;\n"
        "video/webm webm;\n"
        "}\n";

    return sl_static_mime_parse(pool, "(built-in mime types)",
                                (const u_char *) table, sizeof(table) - 1,
                                err, errsize);
}


sl_int_t
sl_static_mime_find(const sl_static_mime_t *m, const u_char *name,
    size_t len)
{
    sl_static_mime_entry_t  key;
    const u_char           *p, *dot;
    u_char                  ext[SL_STATIC_MIME_EXT_MAX];
    size_t                  lo, hi, mid, i;
    int                     c;

    dot = NULL;
    for (p = name + len; p > name && p[-1] != '/'; p--) {
        if (p[-1] == '.' && dot == NULL) {
            dot = p - 1;
        }
    }
    /* No dot, or only a leading one (".profile"): no extension. */
    if (m == NULL || dot == NULL || dot == p || dot + 1 == name + len
        || (size_t) (name + len - dot - 1) > sizeof(ext))
    {
        return -1;
    }
    key.ext.len = (size_t) (name + len - dot - 1);
    for (i = 0; i < key.ext.len; i++) {
        ext[i] = sl_tolower(dot[1 + i]);
    }
    key.ext.data = ext;
    lo = 0;
    hi = m->n;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        c = sl_static_mime_cmp(&key, &m->entries[mid]);
        if (c == 0) {
            return (sl_int_t) mid;
        }
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return -1;
}
