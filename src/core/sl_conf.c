/*
 * sl_conf.c: libconfig loading, field tables and generic setters (core
 * layer); see sl_conf.h. libconfig 1.5 (Debian 12) gives each setting its
 * source file and line, which every message carries.
 */
#include "sl_core.h"
#include "sl_conf.h"

#include <math.h>

static sl_int_t sl_conf_set_bool(sl_conf_t *cf, sl_conf_node_t *n,
    const sl_conf_field_t *f, void *field);
static sl_int_t sl_conf_set_int(sl_conf_t *cf, sl_conf_node_t *n,
    const sl_conf_field_t *f, void *field);
static sl_int_t sl_conf_set_size(sl_conf_t *cf, sl_conf_node_t *n,
    const sl_conf_field_t *f, void *field);
static sl_int_t sl_conf_set_time(sl_conf_t *cf, sl_conf_node_t *n,
    const sl_conf_field_t *f, void *field);
static sl_int_t sl_conf_set_str(sl_conf_t *cf, sl_conf_node_t *n,
    const sl_conf_field_t *f, void *field);
static sl_int_t sl_conf_set_enum(sl_conf_t *cf, sl_conf_node_t *n,
    const sl_conf_field_t *f, void *field);
static sl_int_t sl_conf_set_strlist(sl_conf_t *cf, sl_conf_node_t *n,
    const sl_conf_field_t *f, void *field);
static const sl_conf_field_t *sl_conf_field_find(
    const sl_conf_field_t *fields, const char *name);
static int sl_conf_name_in(const char *name, const char *const *list);
static const char *sl_conf_type_name(sl_conf_type_e type);
static void sl_conf_add_default(sl_conf_node_t *node,
    const sl_conf_field_t *f, const void *field);
static size_t sl_conf_where_text(sl_conf_t *cf, sl_conf_node_t *node,
    char *buf, size_t size);


sl_int_t
sl_conf_open(sl_conf_t *cf, sl_pool_t *pool, const char *path)
{
    const char  *slash;
    size_t       dirlen;

    config_init(&cf->lc);
    cf->pool = pool;
    cf->err[0] = '\0';

    cf->file.len = strlen(path);
    cf->file.data = sl_pstrdup(pool, (const u_char *) path, cf->file.len);
    slash = strrchr(path, '/');
    dirlen = slash ? (size_t) (slash - path) + 1 : 0;
    cf->dir.data = sl_pstrdup(pool, (const u_char *) (dirlen ? path : "./"),
                              dirlen ? dirlen : 2);
    cf->dir.len = dirlen ? dirlen : 2;
    if (cf->file.data == NULL || cf->dir.data == NULL) {
        (void) snprintf(cf->err, sizeof(cf->err), "%s: out of memory", path);
        return SL_ERROR;
    }

    config_set_include_dir(&cf->lc, (const char *) cf->dir.data);

    if (config_read_file(&cf->lc, path) == CONFIG_FALSE) {
        if (config_error_type(&cf->lc) == CONFIG_ERR_FILE_IO) {
            (void) snprintf(cf->err, sizeof(cf->err), "%s: cannot read: %s",
                            path, strerror(errno));
        } else {
            (void) snprintf(cf->err, sizeof(cf->err), "%s:%d: %s",
                            config_error_file(&cf->lc)
                                ? config_error_file(&cf->lc) : path,
                            config_error_line(&cf->lc),
                            config_error_text(&cf->lc));
        }
        return SL_ERROR;
    }
    return SL_OK;
}


void
sl_conf_close(sl_conf_t *cf)
{
    config_destroy(&cf->lc);
}


sl_conf_node_t *
sl_conf_root(sl_conf_t *cf)
{
    return config_root_setting(&cf->lc);
}


const char *
sl_conf_node_name(sl_conf_node_t *node, char *buf, size_t size)
{
    sl_conf_node_t  *parent;
    const char      *name;

    name = config_setting_name(node);
    if (name) {
        return name;
    }
    parent = config_setting_parent(node);
    if (parent && config_setting_name(parent)) {
        (void) snprintf(buf, size, "%s[%d]", config_setting_name(parent),
                        config_setting_index(node));
        return buf;
    }
    return "(root)";
}


/*
 * "file:line: \"name\"" of node into buf (size > 0), NUL-terminated; just
 * "file" for the root group, which has no line. Returns the length.
 */
static size_t
sl_conf_where_text(sl_conf_t *cf, sl_conf_node_t *node, char *buf,
    size_t size)
{
    char         namebuf[128];
    const char  *file;
    int          n, line;

    file = node ? config_setting_source_file(node) : NULL;
    file = file ? file : (const char *) cf->file.data;
    line = node ? (int) config_setting_source_line(node) : 0;
    if (line == 0) {
        n = snprintf(buf, size, "%s", file);
    } else {
        n = snprintf(buf, size, "%s:%d: \"%s\"", file, line,
                     sl_conf_node_name(node, namebuf, sizeof(namebuf)));
    }
    return n < 0 ? 0 : sl_min((size_t) n, size - 1);
}


const char *
sl_conf_where(sl_conf_t *cf, sl_conf_node_t *node)
{
    char  buf[PATH_MAX + 160];

    return (const char *) sl_pstrdup(cf->pool, (const u_char *) buf,
                                     sl_conf_where_text(cf, node, buf,
                                                        sizeof(buf)));
}


sl_int_t
sl_conf_error(sl_conf_t *cf, sl_conf_node_t *node, const char *fmt, ...)
{
    va_list  ap;
    size_t   n;

    if (cf->err[0] != '\0') {
        return SL_ERROR;
    }
    n = sl_conf_where_text(cf, node, cf->err, sizeof(cf->err));
    if (n + 2 >= sizeof(cf->err)) {
        return SL_ERROR;
    }
    cf->err[n++] = ':';
    cf->err[n++] = ' ';
    va_start(ap, fmt);
    (void) vsnprintf(cf->err + n, sizeof(cf->err) - n, fmt, ap);
    va_end(ap);
    return SL_ERROR;
}


sl_int_t
sl_conf_parse_group(sl_conf_t *cf, sl_conf_node_t *node,
    const sl_conf_field_t *fields, void *conf)
{
    return sl_conf_parse_group_skip(cf, node, fields, conf, NULL);
}


sl_int_t
sl_conf_parse_group_skip(sl_conf_t *cf, sl_conf_node_t *node,
    const sl_conf_field_t *fields, void *conf, const char *const *skip)
{
    const sl_conf_field_t  *f;
    sl_conf_node_t         *m;
    const char             *name;
    int                     i, count;

    if (!config_setting_is_group(node)) {
        return sl_conf_error(cf, node, "must be a group { ... }");
    }

    count = config_setting_length(node);
    for (i = 0; i < count; i++) {
        m = config_setting_get_elem(node, (unsigned) i);
        name = config_setting_name(m);
        if (skip && sl_conf_name_in(name, skip)) {
            continue;
        }
        f = sl_conf_field_find(fields, name);
        if (f == NULL) {
            return sl_conf_error(cf, m, "unknown directive");
        }
        if (sl_conf_parse_value(cf, m, f, (u_char *) conf + f->offset)
            != SL_OK)
        {
            return SL_ERROR;
        }
    }

    for (f = fields; f->name; f++) {
        if (config_setting_get_member(node, f->name) != NULL) {
            continue;
        }
        if (f->required) {
            return sl_conf_error(cf, node, "\"%s\" is required here",
                                 f->name);
        }
        if (cf->fill_defaults) {
            sl_conf_add_default(node, f, (const u_char *) conf + f->offset);
        }
    }
    return SL_OK;
}


/* For -T: shows a default as if it had been written in the file. */
static void
sl_conf_add_default(sl_conf_node_t *node, const sl_conf_field_t *f,
    const void *field)
{
    const sl_str_t       *str;
    const sl_str_list_t  *list;
    const char *const    *names;
    sl_conf_node_t       *n, *e;
    char                  buf[32];
    size_t                i;

    switch (f->type) {
    case SL_CONF_BOOL:
        n = config_setting_add(node, f->name, CONFIG_TYPE_BOOL);
        (void) (n && config_setting_set_bool(n, *(const int *) field));
        break;
    case SL_CONF_INT:
        if (*(const int64_t *) field == (int) *(const int64_t *) field) {
            n = config_setting_add(node, f->name, CONFIG_TYPE_INT);
            (void) (n && config_setting_set_int(n,
                         (int) *(const int64_t *) field));
        } else {
            n = config_setting_add(node, f->name, CONFIG_TYPE_INT64);
            (void) (n && config_setting_set_int64(n,
                         *(const int64_t *) field));
        }
        break;
    case SL_CONF_SIZE:
        (void) snprintf(buf, sizeof(buf), "%zu", *(const size_t *) field);
        n = config_setting_add(node, f->name, CONFIG_TYPE_STRING);
        (void) (n && config_setting_set_string(n, buf));
        break;
    case SL_CONF_TIME:
        n = config_setting_add(node, f->name, CONFIG_TYPE_FLOAT);
        (void) (n && config_setting_set_float(n,
                     (double) *(const sl_msec_t *) field / 1000.0));
        break;
    case SL_CONF_STR:
    case SL_CONF_PATH:
        str = field;
        if (str->data == NULL) {
            break;
        }
        n = config_setting_add(node, f->name, CONFIG_TYPE_STRING);
        (void) (n && config_setting_set_string(n, (const char *) str->data));
        break;
    case SL_CONF_ENUM:
        names = f->extra;
        n = config_setting_add(node, f->name, CONFIG_TYPE_STRING);
        (void) (n && config_setting_set_string(n, names[*(const int *) field]));
        break;
    case SL_CONF_STRLIST:
        list = field;
        if (list->n == 0) {
            break;
        }
        n = config_setting_add(node, f->name, CONFIG_TYPE_ARRAY);
        for (i = 0; n && i < list->n; i++) {
            e = config_setting_add(n, NULL, CONFIG_TYPE_STRING);
            (void) (e && config_setting_set_string(e,
                         (const char *) list->items[i].data));
        }
        break;
    case SL_CONF_CUSTOM:
        break;   /* its parser knows its own defaults */
    }
}


sl_int_t
sl_conf_parse_value(sl_conf_t *cf, sl_conf_node_t *node,
    const sl_conf_field_t *f, void *field)
{
    sl_conf_parse_pt  parse;

    switch (f->type) {
    case SL_CONF_BOOL:
        return sl_conf_set_bool(cf, node, f, field);
    case SL_CONF_INT:
        return sl_conf_set_int(cf, node, f, field);
    case SL_CONF_SIZE:
        return sl_conf_set_size(cf, node, f, field);
    case SL_CONF_TIME:
        return sl_conf_set_time(cf, node, f, field);
    case SL_CONF_STR:
    case SL_CONF_PATH:
        return sl_conf_set_str(cf, node, f, field);
    case SL_CONF_ENUM:
        return sl_conf_set_enum(cf, node, f, field);
    case SL_CONF_STRLIST:
        return sl_conf_set_strlist(cf, node, f, field);
    case SL_CONF_CUSTOM:
        parse = (sl_conf_parse_pt) (uintptr_t) f->extra;
        return parse(cf, node, field);
    }
    return sl_conf_error(cf, node, "internal: field type %d", (int) f->type);
}


static const sl_conf_field_t *
sl_conf_field_find(const sl_conf_field_t *fields, const char *name)
{
    for (; fields->name; fields++) {
        if (strcmp(fields->name, name) == 0) {
            return fields;
        }
    }
    return NULL;
}


static int
sl_conf_name_in(const char *name, const char *const *list)
{
    for (; *list; list++) {
        if (strcmp(*list, name) == 0) {
            return 1;
        }
    }
    return 0;
}


static const char *
sl_conf_type_name(sl_conf_type_e type)
{
    switch (type) {
    case SL_CONF_BOOL:    return "true or false";
    case SL_CONF_INT:     return "an integer";
    case SL_CONF_SIZE:    return "a size such as \"512\", \"8k\" or \"1m\"";
    case SL_CONF_TIME:    return "a number of seconds";
    case SL_CONF_STR:     return "a string";
    case SL_CONF_PATH:    return "a path string";
    case SL_CONF_ENUM:    return "one of the names listed";
    case SL_CONF_STRLIST: return "a list of strings [ \"a\", \"b\" ]";
    case SL_CONF_CUSTOM:  return "a value";
    }
    return "a value";
}


static sl_int_t
sl_conf_set_bool(sl_conf_t *cf, sl_conf_node_t *n, const sl_conf_field_t *f,
    void *field)
{
    if (config_setting_type(n) != CONFIG_TYPE_BOOL) {
        return sl_conf_error(cf, n, "expected %s", sl_conf_type_name(f->type));
    }
    *(int *) field = config_setting_get_bool(n);
    return SL_OK;
}


static sl_int_t
sl_conf_set_int(sl_conf_t *cf, sl_conf_node_t *n, const sl_conf_field_t *f,
    void *field)
{
    int64_t  v;
    int      t;

    t = config_setting_type(n);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
        return sl_conf_error(cf, n, "expected %s", sl_conf_type_name(f->type));
    }
    v = (int64_t) config_setting_get_int64(n);
    if (v < f->min || v > f->max) {
        return sl_conf_error(cf, n,
                             "%lld is out of range (expected %lld to %lld)",
                             (long long) v, (long long) f->min,
                             (long long) f->max);
    }
    *(int64_t *) field = v;
    return SL_OK;
}


sl_int_t
sl_conf_parse_size(const char *s, size_t *out)
{
    uint64_t  v, mult;
    size_t    len;
    int64_t   digits;

    len = strlen(s);
    if (len == 0) {
        return SL_ERROR;
    }
    mult = 1;
    switch (s[len - 1]) {
    case 'k': case 'K': mult = 1024; len--; break;
    case 'm': case 'M': mult = 1024 * 1024; len--; break;
    case 'g': case 'G': mult = 1024 * 1024 * 1024; len--; break;
    default: break;
    }
    digits = sl_atoi64((const u_char *) s, len);
    if (digits < 0) {
        return SL_ERROR;
    }
    v = (uint64_t) digits;
    if (v > SIZE_MAX / mult) {
        return SL_ERROR;
    }
    *out = (size_t) (v * mult);
    return SL_OK;
}


static sl_int_t
sl_conf_set_size(sl_conf_t *cf, sl_conf_node_t *n, const sl_conf_field_t *f,
    void *field)
{
    size_t       v;
    int64_t      iv;
    const char  *s;

    switch (config_setting_type(n)) {
    case CONFIG_TYPE_STRING:
        s = config_setting_get_string(n);
        if (sl_conf_parse_size(s, &v) != SL_OK) {
            return sl_conf_error(cf, n, "invalid size \"%s\" (expected %s)",
                                 s, sl_conf_type_name(f->type));
        }
        break;
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        iv = (int64_t) config_setting_get_int64(n);
        if (iv < 0) {
            return sl_conf_error(cf, n, "a size cannot be negative");
        }
        v = (size_t) iv;
        break;
    default:
        return sl_conf_error(cf, n, "expected %s", sl_conf_type_name(f->type));
    }
    if ((int64_t) v < f->min || (uint64_t) v > (uint64_t) f->max) {
        return sl_conf_error(cf, n,
                             "size %zu is out of range (expected %lld to %lld)",
                             v, (long long) f->min, (long long) f->max);
    }
    *(size_t *) field = v;
    return SL_OK;
}


sl_int_t
sl_conf_parse_time(double seconds, sl_msec_t *out)
{
    if (!(seconds >= 0) || seconds > 1e9 || isnan(seconds)) {
        return SL_ERROR;
    }
    *out = (sl_msec_t) llround(seconds * 1000.0);
    return SL_OK;
}


static sl_int_t
sl_conf_set_time(sl_conf_t *cf, sl_conf_node_t *n, const sl_conf_field_t *f,
    void *field)
{
    double     secs;
    sl_msec_t  ms;

    switch (config_setting_type(n)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        secs = (double) config_setting_get_int64(n);
        break;
    case CONFIG_TYPE_FLOAT:
        secs = config_setting_get_float(n);
        break;
    default:
        return sl_conf_error(cf, n, "expected %s", sl_conf_type_name(f->type));
    }
    if (sl_conf_parse_time(secs, &ms) != SL_OK
        || (int64_t) ms < f->min || (int64_t) ms > f->max)
    {
        return sl_conf_error(cf, n,
                             "%g seconds is out of range (expected %g to %g)",
                             secs, (double) f->min / 1000,
                             (double) f->max / 1000);
    }
    *(sl_msec_t *) field = ms;
    return SL_OK;
}


u_char *
sl_conf_resolve_path(sl_conf_t *cf, const char *path, size_t *len)
{
    size_t   plen;
    u_char  *p, *d;

    plen = strlen(path);
    if (path[0] == '/') {
        *len = plen;
        return sl_pstrdup(cf->pool, (const u_char *) path, plen);
    }
    p = sl_pnalloc(cf->pool, cf->dir.len + plen + 1);
    if (p == NULL) {
        return NULL;
    }
    d = sl_cpymem(p, cf->dir.data, cf->dir.len);
    d = sl_cpymem(d, path, plen);
    *d = '\0';
    *len = (size_t) (d - p);
    return p;
}


static sl_int_t
sl_conf_set_str(sl_conf_t *cf, sl_conf_node_t *n, const sl_conf_field_t *f,
    void *field)
{
    sl_str_t    *str;
    const char  *s;

    if (config_setting_type(n) != CONFIG_TYPE_STRING) {
        return sl_conf_error(cf, n, "expected %s", sl_conf_type_name(f->type));
    }
    s = config_setting_get_string(n);
    if ((int64_t) strlen(s) < f->min) {
        return sl_conf_error(cf, n, "must not be empty");
    }
    str = field;
    if (f->type == SL_CONF_PATH && s[0] != '\0') {
        str->data = sl_conf_resolve_path(cf, s, &str->len);
    } else {
        str->len = strlen(s);
        str->data = sl_pstrdup(cf->pool, (const u_char *) s, str->len);
    }
    if (str->data == NULL) {
        return sl_conf_error(cf, n, "out of memory");
    }
    return SL_OK;
}


static sl_int_t
sl_conf_set_enum(sl_conf_t *cf, sl_conf_node_t *n, const sl_conf_field_t *f,
    void *field)
{
    const char *const  *names;
    const char         *s;
    char                expect[256], *p;
    int                 i;

    names = f->extra;
    if (config_setting_type(n) == CONFIG_TYPE_STRING) {
        s = config_setting_get_string(n);
        for (i = 0; names[i]; i++) {
            if (strcmp(s, names[i]) == 0) {
                *(int *) field = i;
                return SL_OK;
            }
        }
    }

    p = expect;
    for (i = 0; names[i]; i++) {
        p = (char *) sl_slprintf((u_char *) p, (u_char *) expect
                                 + sizeof(expect) - 1, "%s\"%s\"",
                                 i ? (names[i + 1] ? ", " : " or ") : "",
                                 names[i]);
    }
    *p = '\0';
    return sl_conf_error(cf, n, "invalid value (expected %s)", expect);
}


static sl_int_t
sl_conf_set_strlist(sl_conf_t *cf, sl_conf_node_t *n,
    const sl_conf_field_t *f, void *field)
{
    sl_str_list_t   *list;
    sl_conf_node_t  *e;
    const char      *s;
    int              i, count;

    if (!config_setting_is_aggregate(n) || config_setting_is_group(n)) {
        return sl_conf_error(cf, n, "expected %s", sl_conf_type_name(f->type));
    }
    count = config_setting_length(n);
    if (count < f->min) {
        return sl_conf_error(cf, n, "needs at least %lld entries",
                             (long long) f->min);
    }
    list = field;
    list->n = (size_t) count;
    list->items = sl_pcalloc(cf->pool, sizeof(sl_str_t) * (size_t) (count + 1));
    if (list->items == NULL) {
        return sl_conf_error(cf, n, "out of memory");
    }
    for (i = 0; i < count; i++) {
        e = config_setting_get_elem(n, (unsigned) i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            return sl_conf_error(cf, e, "expected a string");
        }
        s = config_setting_get_string(e);
        if (s[0] == '\0') {
            return sl_conf_error(cf, e, "must not be empty");
        }
        list->items[i].len = strlen(s);
        list->items[i].data = sl_pstrdup(cf->pool, (const u_char *) s,
                                         list->items[i].len);
        if (list->items[i].data == NULL) {
            return sl_conf_error(cf, e, "out of memory");
        }
    }
    return SL_OK;
}


sl_int_t
sl_conf_write(sl_conf_t *cf, FILE *out)
{
    config_write(&cf->lc, out);
    return ferror(out) ? SL_ERROR : SL_OK;
}
