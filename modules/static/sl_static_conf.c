/*
 * sl_static_conf.c: the `static` group of a location (modules layer,
 * static module): its field table for the generic setters, the defaults,
 * and the checks across fields, which also load mime.types so a request
 * never reads it. Runs in the master (and for -t), before any side
 * effect: nothing here opens anything but the mime.types file.
 */
#include "sl_static.h"

#define SL_MSEC(s)  ((int64_t) (s) * 1000)

static sl_int_t sl_static_conf_cache(sl_conf_t *cf, sl_conf_node_t *node,
    void *field);
static sl_int_t sl_static_conf_index(sl_conf_t *cf, sl_conf_node_t *node,
    sl_static_conf_t *conf);
static sl_int_t sl_static_conf_mime(sl_conf_t *cf, sl_conf_node_t *node,
    sl_static_conf_t *conf);
static sl_int_t sl_static_conf_types(sl_conf_t *cf, sl_conf_node_t *node,
    sl_static_conf_t *conf);
static int sl_static_conf_wants_charset(const sl_str_t *type);
static int sl_static_conf_type_valid(const sl_str_t *type);
static int sl_static_conf_token_valid(const sl_str_t *s);
static sl_int_t sl_static_conf_with_charset(sl_pool_t *pool,
    const sl_str_t *type, const sl_str_t *charset, sl_str_t *out);
static void sl_static_conf_forget(void *data);
static void sl_static_conf_dump_defaults(sl_conf_t *cf, sl_conf_node_t *node,
    const sl_static_conf_t *conf);

static const char *const  sl_static_dotfiles_names[] = {
    "deny", "allow", NULL
};

static const char *const  sl_static_symlinks_names[] = {
    "inside", "off", NULL
};

const sl_conf_field_t  sl_static_conf_fields[] = {
    { "index", SL_CONF_STRLIST, offsetof(sl_static_conf_t, index), 0, 0,
      NULL, 0 },
    { "autoindex", SL_CONF_BOOL, offsetof(sl_static_conf_t, autoindex), 0, 0,
      NULL, 0 },
    { "gzip_static", SL_CONF_BOOL, offsetof(sl_static_conf_t, gzip_static),
      0, 0, NULL, 0 },
    { "dotfiles", SL_CONF_ENUM, offsetof(sl_static_conf_t, dotfiles), 0, 0,
      sl_static_dotfiles_names, 0 },
    { "symlinks", SL_CONF_ENUM, offsetof(sl_static_conf_t, symlinks), 0, 0,
      sl_static_symlinks_names, 0 },
    { "charset", SL_CONF_STR, offsetof(sl_static_conf_t, charset), 1, 0, NULL,
      0 },
    { "default_type", SL_CONF_STR, offsetof(sl_static_conf_t, default_type),
      1, 0, NULL, 0 },
    { "mime_types", SL_CONF_PATH, offsetof(sl_static_conf_t, mime_types), 1,
      0, NULL, 0 },
    { "etag", SL_CONF_BOOL, offsetof(sl_static_conf_t, etag), 0, 0, NULL, 0 },
    { "open_file_cache", SL_CONF_CUSTOM,
      offsetof(sl_static_conf_t, open_file_cache), 0, 0,
      (const void *) (uintptr_t) sl_static_conf_cache, 0 },
    SL_CONF_END
};

static const sl_conf_field_t  sl_static_cache_fields[] = {
    { "max", SL_CONF_INT, offsetof(sl_static_cache_conf_t, max), 0, 1000000,
      NULL, 0 },
    { "max_bytes", SL_CONF_SIZE, offsetof(sl_static_cache_conf_t, max_bytes),
      0, (int64_t) 1024 * 1024 * 1024, NULL, 0 },
    { "valid", SL_CONF_TIME, offsetof(sl_static_cache_conf_t, valid), 0,
      SL_MSEC(86400), NULL, 0 },
    SL_CONF_END
};

/* The default index list: read-only, shared by every conf. */
static sl_str_t  sl_static_default_index[] = { sl_string("index.html") };

/*
 * The mime table last loaded, so the locations of one configuration
 * share one table. It lives in that configuration's pool; a cleanup on
 * the pool forgets it, so a later load never sees a freed table.
 */
static struct {
    const sl_conf_t     *cf;
    sl_str_t             path;
    sl_static_mime_t    *mime;
} sl_static_conf_last;


void
sl_static_conf_init(void *data)
{
    sl_static_conf_t  *conf;

    conf = data;
    conf->index.n = 1;
    conf->index.items = sl_static_default_index;
    conf->dotfiles = SL_STATIC_DOTFILES_DENY;
    conf->symlinks = SL_STATIC_SYMLINKS_INSIDE;
    sl_str_set(&conf->default_type, "application/octet-stream");
    conf->etag = 1;
    conf->open_file_cache.max = 1000;
    conf->open_file_cache.max_bytes = 16 * 1024 * 1024;
    conf->open_file_cache.valid = SL_MSEC(5);
}


static sl_int_t
sl_static_conf_cache(sl_conf_t *cf, sl_conf_node_t *node, void *field)
{
    return sl_conf_parse_group(cf, node, sl_static_cache_fields, field);
}


sl_int_t
sl_static_conf_check(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_location_t *loc, void *data)
{
    sl_static_conf_t  *conf;
    sl_static_main_t  *smc;
    sl_conf_node_t    *n;

    conf = data;
    conf->loc = loc;
    smc = sl_http_module_main_conf(loc->server->main, &sl_static_module);
    conf->slot = smc->nlocs++;
    if (loc->server->root.len == 0) {
        return sl_conf_error(cf, node, "a static location needs \"root\" "
                             "in its server block");
    }
    if (sl_static_conf_index(cf, node, conf) != SL_OK) {
        return SL_ERROR;
    }
    n = config_setting_get_member(node, "charset");
    if (conf->charset.len && !sl_static_conf_token_valid(&conf->charset)) {
        return sl_conf_error(cf, n, "invalid charset \"%s\" (expected a "
                             "token such as \"utf-8\")", conf->charset.data);
    }
    n = config_setting_get_member(node, "default_type");
    if (!sl_static_conf_type_valid(&conf->default_type)) {
        return sl_conf_error(cf, n, "invalid media type \"%s\" (expected "
                             "type/subtype)", conf->default_type.data);
    }
    if (sl_static_conf_mime(cf, node, conf) != SL_OK
        || sl_static_conf_types(cf, node, conf) != SL_OK)
    {
        return SL_ERROR;
    }
    if (cf->fill_defaults) {
        sl_static_conf_dump_defaults(cf, node, conf);
    }
    return SL_OK;
}


/* Index names are file names inside the directory asked for. */
static sl_int_t
sl_static_conf_index(sl_conf_t *cf, sl_conf_node_t *node,
    sl_static_conf_t *conf)
{
    sl_conf_node_t  *list;
    sl_str_t        *s;
    size_t           i;

    list = config_setting_get_member(node, "index");
    conf->index_max = 0;
    for (i = 0; i < conf->index.n; i++) {
        s = &conf->index.items[i];
        if (memchr(s->data, '/', s->len) || sl_str_eq(s, ".")
            || sl_str_eq(s, ".."))
        {
            return sl_conf_error(cf, list ? config_setting_get_elem(list,
                                 (unsigned) i) : node, "invalid index \"%s\" "
                                 "(expected a file name: no '/', not \".\" "
                                 "or \"..\")", s->data);
        }
        conf->index_max = sl_max(conf->index_max, s->len);
    }
    return SL_OK;
}


static sl_int_t
sl_static_conf_mime(sl_conf_t *cf, sl_conf_node_t *node,
    sl_static_conf_t *conf)
{
    sl_conf_node_t     *n;
    sl_pool_cleanup_t  *cln;
    char                err[sizeof(cf->err)];

    n = config_setting_get_member(node, "mime_types");
    if (conf->mime_types.len == 0) {
        conf->mime_types.data = sl_conf_resolve_path(cf, "mime.types",
                                                     &conf->mime_types.len);
        if (conf->mime_types.data == NULL) {
            return sl_conf_error(cf, node, "out of memory");
        }
    }
    if (sl_static_conf_last.cf == cf
        && sl_str_eq(&sl_static_conf_last.path,
                     (const char *) conf->mime_types.data))
    {
        conf->mime = sl_static_conf_last.mime;
        return SL_OK;
    }
    err[0] = '\0';
    /* Not asked for and not there: the common types, as a web server
     * installed without its mime.types would still be expected to know
     * them. A file that is there but unreadable is still an error. */
    if (n == NULL && access((const char *) conf->mime_types.data, F_OK) == -1
        && errno == ENOENT)
    {
        conf->mime = sl_static_mime_builtin(cf->pool, err, sizeof(err));
    } else {
        conf->mime = sl_static_mime_load(cf->pool,
                                         (const char *) conf->mime_types.data,
                                         err, sizeof(err));
    }
    if (conf->mime == NULL) {
        if (!sl_strprefix_lit(err, "cannot read")) {
            /* A syntax error: it carries mime.types' own file:line. */
            if (cf->err[0] == '\0') {
                (void) snprintf(cf->err, sizeof(cf->err), "%s", err);
            }
            return SL_ERROR;
        }
        return n ? sl_conf_error(cf, n, "%s", err)
                 : sl_conf_error(cf, node, "the default mime_types: %s", err);
    }
    cln = sl_pool_cleanup_add(cf->pool, sl_static_conf_forget, NULL);
    if (cln == NULL) {
        return sl_conf_error(cf, node, "out of memory");
    }
    sl_static_conf_last.cf = cf;
    sl_static_conf_last.path = conf->mime_types;
    sl_static_conf_last.mime = (sl_static_mime_t *) conf->mime;
    return SL_OK;
}


static void
sl_static_conf_forget(void *data)
{
    (void) data;
    memset(&sl_static_conf_last, 0, sizeof(sl_static_conf_last));
}


/* Content-Type values, with the charset where it applies, built once. */
static sl_int_t
sl_static_conf_types(sl_conf_t *cf, sl_conf_node_t *node,
    sl_static_conf_t *conf)
{
    size_t  i;

    conf->types = sl_palloc(cf->pool, sizeof(sl_str_t)
                                      * sl_max(conf->mime->n, (size_t) 1));
    if (conf->types == NULL) {
        return sl_conf_error(cf, node, "out of memory");
    }
    for (i = 0; i < conf->mime->n; i++) {
        if (sl_static_conf_with_charset(cf->pool, &conf->mime->entries[i].type,
                                        &conf->charset, &conf->types[i])
            != SL_OK)
        {
            return sl_conf_error(cf, node, "out of memory");
        }
    }
    if (sl_static_conf_with_charset(cf->pool, &conf->default_type,
                                    &conf->charset, &conf->default_ct)
        != SL_OK)
    {
        return sl_conf_error(cf, node, "out of memory");
    }
    return SL_OK;
}


static int
sl_static_conf_wants_charset(const sl_str_t *type)
{
    static const sl_str_t  text = sl_string("text/");

    return (type->len > text.len
            && sl_strncasecmp(type->data, text.data, text.len) == 0)
           || sl_str_eq_nocase(type, "application/javascript")
           || sl_str_eq_nocase(type, "application/json");
}


static sl_int_t
sl_static_conf_with_charset(sl_pool_t *pool, const sl_str_t *type,
    const sl_str_t *charset, sl_str_t *out)
{
    u_char  *p;

    if (charset->len == 0 || !sl_static_conf_wants_charset(type)
        || memchr(type->data, ';', type->len))
    {
        *out = *type;
        return SL_OK;
    }
    out->len = type->len + sl_lit_len("; charset=") + charset->len;
    out->data = sl_pnalloc(pool, out->len);
    if (out->data == NULL) {
        return SL_ERROR;
    }
    p = sl_cpymem(out->data, type->data, type->len);
    p = sl_cpymem_lit(p, "; charset=");
    (void) sl_cpymem(p, charset->data, charset->len);
    return SL_OK;
}


/*
 * A default_type is token "/" token, optionally followed by parameters
 * of visible characters and spaces (a charset is a token, checked below).
 * Both go into a header line verbatim, so no control byte may pass.
 */
static int
sl_static_conf_type_valid(const sl_str_t *type)
{
    size_t  i;
    int     slash, params;

    slash = 0;
    params = 0;
    for (i = 0; i < type->len; i++) {
        if (params) {
            if (type->data[i] < 0x20 || type->data[i] == 0x7f) {
                return 0;
            }
        } else if (type->data[i] == '/' && !slash && i > 0) {
            slash = 1;
        } else if (type->data[i] == ';' && slash) {
            params = 1;
        } else if (!sl_http_is(type->data[i], SL_HTTP_C_TCHAR)) {
            return 0;
        }
    }
    return slash && type->data[type->len - 1] != '/';
}


static int
sl_static_conf_token_valid(const sl_str_t *s)
{
    size_t  i;

    for (i = 0; i < s->len; i++) {
        if (!sl_http_is(s->data[i], SL_HTTP_C_TCHAR)) {
            return 0;
        }
    }
    return s->len > 0;
}


const sl_str_t *
sl_static_conf_type(const sl_static_conf_t *conf, const u_char *key,
    size_t len)
{
    sl_int_t  i;

    i = sl_static_mime_find(conf->mime, key, len);
    return i >= 0 ? &conf->types[i] : &conf->default_ct;
}


/* For -T: the group and path the generic code cannot show. */
static void
sl_static_conf_dump_defaults(sl_conf_t *cf, sl_conf_node_t *node,
    const sl_static_conf_t *conf)
{
    sl_conf_node_t  *g, *n;
    char             buf[32];

    if (config_setting_get_member(node, "mime_types") == NULL) {
        n = config_setting_add(node, "mime_types", CONFIG_TYPE_STRING);
        (void) (n && config_setting_set_string(n,
                     (const char *) conf->mime_types.data));
    }
    if (config_setting_get_member(node, "open_file_cache") != NULL) {
        return;
    }
    g = config_setting_add(node, "open_file_cache", CONFIG_TYPE_GROUP);
    if (g == NULL) {
        return;
    }
    n = config_setting_add(g, "max", CONFIG_TYPE_INT);
    (void) (n && config_setting_set_int(n, (int) conf->open_file_cache.max));
    (void) snprintf(buf, sizeof(buf), "%zu", conf->open_file_cache.max_bytes);
    n = config_setting_add(g, "max_bytes", CONFIG_TYPE_STRING);
    (void) (n && config_setting_set_string(n, buf));
    n = config_setting_add(g, "valid", CONFIG_TYPE_FLOAT);
    (void) (n && config_setting_set_float(n,
                 (double) conf->open_file_cache.valid / 1000.0));
    (void) cf;
}


sl_int_t
sl_static_main_parse(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_main_conf_t *mcf, void **main_conf)
{
    (void) node;
    (void) mcf;
    *main_conf = sl_pcalloc(cf->pool, sizeof(sl_static_main_t));
    return *main_conf ? SL_OK : sl_conf_error(cf, NULL, "out of memory");
}
