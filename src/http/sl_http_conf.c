/*
 * sl_http_conf.c: parsing the http block (http layer): the engine's own
 * directives, the servers and their locations, and handing module groups
 * to the modules (a location's content module, and http-level groups such
 * as "upstreams"). Registered with core as the "http" block.
 */
#include "sl_http.h"

#define SL_MSEC(s)  ((int64_t) (s) * 1000)

int  sl_http_conf_block_index = -1;

/* Checks one entry of a string list; SL_ERROR with a message in err. */
typedef sl_int_t (*sl_http_conf_check_pt)(const sl_str_t *s, char *err,
    size_t size);

static sl_int_t sl_http_conf_access_log(sl_conf_t *cf, sl_conf_node_t *n,
    void *field);
static sl_int_t sl_http_conf_servers(sl_conf_t *cf, sl_conf_node_t *n,
    void *field);
static sl_int_t sl_http_conf_server(sl_conf_t *cf, sl_conf_node_t *n,
    sl_http_main_conf_t *mcf, sl_http_server_t *srv);
static sl_int_t sl_http_conf_listen(sl_conf_t *cf, sl_conf_node_t *n,
    sl_http_server_t *srv);
static sl_int_t sl_http_conf_locations(sl_conf_t *cf, sl_conf_node_t *n,
    void *field);
static sl_int_t sl_http_conf_location(sl_conf_t *cf, sl_conf_node_t *n,
    sl_http_location_t *loc);
static sl_int_t sl_http_conf_return(sl_conf_t *cf, sl_conf_node_t *n,
    void *field);
static int sl_http_conf_is_redirect(int64_t status);
static sl_int_t sl_http_conf_server_names(sl_conf_t *cf, sl_conf_node_t *n,
    void *field);
static sl_int_t sl_http_conf_add_headers(sl_conf_t *cf, sl_conf_node_t *n,
    void *field);
static sl_int_t sl_http_conf_strlist(sl_conf_t *cf, sl_conf_node_t *n,
    void *field, sl_http_conf_check_pt check);
static sl_int_t sl_http_conf_server_name(const sl_str_t *name, char *err,
    size_t size);
static const char *sl_http_conf_server_name_unmatchable(
    const sl_str_t *name);
static sl_int_t sl_http_conf_header_line(const sl_str_t *line, char *err,
    size_t size);
static sl_int_t sl_http_conf_module(sl_conf_t *cf, sl_conf_node_t *n,
    sl_http_location_t *loc, const sl_http_module_t *m);
static sl_int_t sl_http_conf_modules_main(sl_conf_t *cf,
    sl_conf_node_t *node, sl_http_main_conf_t *mcf);
static sl_int_t sl_http_conf_match(sl_conf_t *cf, sl_conf_node_t *n,
    sl_http_location_t *loc);
static int sl_http_conf_location_cmp(const void *a, const void *b);
static const char **sl_http_conf_skip_names(sl_pool_t *pool, int main);

/* The current cycle while its http block is parsed (for listen). */

typedef struct {
    sl_str_t   path;
    sl_str_t   format;
    size_t     buffer;
    sl_msec_t  flush;
} sl_http_conf_log_t;

static const sl_conf_field_t  sl_http_log_fields[] = {
    { "path", SL_CONF_STR, offsetof(sl_http_conf_log_t, path), 1, 0, NULL,
      0 },
    { "format", SL_CONF_STR, offsetof(sl_http_conf_log_t, format), 1, 0,
      NULL, 0 },
    { "buffer", SL_CONF_SIZE, offsetof(sl_http_conf_log_t, buffer), 0,
      64 * 1024 * 1024, NULL, 0 },
    { "flush", SL_CONF_TIME, offsetof(sl_http_conf_log_t, flush), 0,
      SL_MSEC(3600), NULL, 0 },
    SL_CONF_END
};

static const sl_conf_field_t  sl_http_main_fields[] = {
    { "access_log", SL_CONF_CUSTOM, 0, 0, 0,
      (const void *) (uintptr_t) sl_http_conf_access_log, 0 },
    { "keepalive_timeout", SL_CONF_TIME,
      offsetof(sl_http_main_conf_t, keepalive_timeout), 0, SL_MSEC(86400),
      NULL, 0 },
    { "keepalive_requests", SL_CONF_INT,
      offsetof(sl_http_main_conf_t, keepalive_requests), 0, INT64_MAX,
      NULL, 0 },
    { "client_header_timeout", SL_CONF_TIME,
      offsetof(sl_http_main_conf_t, client_header_timeout), 1,
      SL_MSEC(86400), NULL, 0 },
    { "client_body_timeout", SL_CONF_TIME,
      offsetof(sl_http_main_conf_t, client_body_timeout), 1, SL_MSEC(86400),
      NULL, 0 },
    { "send_timeout", SL_CONF_TIME, offsetof(sl_http_main_conf_t, send_timeout),
      1, SL_MSEC(86400), NULL, 0 },
    { "client_max_body_size", SL_CONF_SIZE,
      offsetof(sl_http_main_conf_t, client_max_body_size), 0, INT64_MAX,
      NULL, 0 },
    { "client_header_buffer", SL_CONF_SIZE,
      offsetof(sl_http_main_conf_t, client_header_buffer), 256, 1024 * 1024,
      NULL, 0 },
    { "deferred_accept", SL_CONF_BOOL,
      offsetof(sl_http_main_conf_t, deferred_accept), 0, 0, NULL, 0 },
    { "servers", SL_CONF_CUSTOM, offsetof(sl_http_main_conf_t, servers), 0, 0,
      (const void *) (uintptr_t) sl_http_conf_servers, 1 },
    SL_CONF_END
};

static const sl_conf_field_t  sl_http_server_fields[] = {
    { "listen", SL_CONF_STRLIST, offsetof(sl_http_server_t, listen), 1, 0,
      NULL, 1 },
    { "server_names", SL_CONF_CUSTOM,
      offsetof(sl_http_server_t, server_names), 0, 0,
      (const void *) (uintptr_t) sl_http_conf_server_names, 0 },
    { "root", SL_CONF_PATH, offsetof(sl_http_server_t, root), 1, 0, NULL,
      0 },
    { "locations", SL_CONF_CUSTOM, offsetof(sl_http_server_t, locations), 0,
      0, (const void *) (uintptr_t) sl_http_conf_locations, 0 },
    SL_CONF_END
};

static const sl_conf_field_t  sl_http_location_fields[] = {
    { "match", SL_CONF_STR, offsetof(sl_http_location_t, match), 1, 0, NULL,
      1 },
    { "return", SL_CONF_CUSTOM, offsetof(sl_http_location_t, return_status),
      0, 0, (const void *) (uintptr_t) sl_http_conf_return, 0 },
    { "add_headers", SL_CONF_CUSTOM,
      offsetof(sl_http_location_t, add_headers), 0, 0,
      (const void *) (uintptr_t) sl_http_conf_add_headers, 0 },
    SL_CONF_END
};

typedef struct {
    int64_t   status;
    sl_str_t  body;
    sl_str_t  location;
} sl_http_conf_return_t;

static const sl_conf_field_t  sl_http_return_fields[] = {
    { "status", SL_CONF_INT, offsetof(sl_http_conf_return_t, status), 200,
      599, NULL, 1 },
    { "body", SL_CONF_STR, offsetof(sl_http_conf_return_t, body), 0, 0, NULL,
      0 },
    { "location", SL_CONF_STR, offsetof(sl_http_conf_return_t, location), 1,
      0, NULL, 0 },
    SL_CONF_END
};


static void
sl_http_conf_defaults(sl_http_main_conf_t *mcf)
{
    mcf->keepalive_timeout = SL_MSEC(75);
    mcf->keepalive_requests = 10000;
    mcf->client_header_timeout = SL_MSEC(10);
    mcf->client_body_timeout = SL_MSEC(10);
    mcf->send_timeout = SL_MSEC(30);
    mcf->client_max_body_size = 1024 * 1024;
    mcf->client_header_buffer = 8 * 1024;
    mcf->deferred_accept = 1;
    sl_str_set(&mcf->access_log_path, "off");
    sl_str_set(&mcf->access_log_format, "combined");
    mcf->access_log_buffer = 64 * 1024;
    mcf->access_log_flush = SL_MSEC(1);
}


sl_int_t
sl_http_conf_block_parse(sl_conf_t *cf, sl_conf_node_t *node,
    sl_cycle_t *cycle)
{
    sl_http_main_conf_t  *mcf;
    sl_listen_t          *ls;
    const char          **skip;

    mcf = sl_pcalloc(cf->pool, sizeof(sl_http_main_conf_t));
    skip = sl_http_conf_skip_names(cf->pool, 1);
    if (mcf == NULL || skip == NULL) {
        return sl_conf_error(cf, node, "out of memory");
    }
    sl_http_conf_defaults(mcf);
    mcf->cycle = cycle;
    cf->ctx = mcf;

    /* Module groups first: a location's check may resolve their names. */
    if (sl_http_conf_modules_main(cf, node, mcf) != SL_OK
        || sl_conf_parse_group_skip(cf, node, sl_http_main_fields, mcf, skip)
           != SL_OK)
    {
        return SL_ERROR;
    }
    /* Every address is HTTP's: the client speaks first on all of them. */
    for (ls = cycle->listening; ls; ls = ls->next) {
        ls->defer_accept = mcf->deferred_accept ? 1 : 0;
    }
    sl_cycle_block_set(cycle, sl_http_conf_block_index, mcf);
    return SL_OK;
}


/* The names a group may hold besides its own fields: module blocks. */
static const char **
sl_http_conf_skip_names(sl_pool_t *pool, int main)
{
    const char  **skip;
    size_t        i, n;

    skip = sl_pcalloc(pool, sizeof(char *) * (SL_HTTP_MAX_MODULES + 1));
    if (skip == NULL) {
        return NULL;
    }
    for (n = 0, i = 0; sl_http_modules[i]; i++) {
        if (main && sl_http_modules[i]->main_name) {
            skip[n++] = sl_http_modules[i]->main_name;
        } else if (!main && sl_http_modules[i]->name) {
            skip[n++] = sl_http_modules[i]->name;
        }
    }
    return skip;
}


static sl_int_t
sl_http_conf_modules_main(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_main_conf_t *mcf)
{
    const sl_http_module_t  *m;
    sl_conf_node_t          *n;
    size_t                   i;

    for (i = 0; sl_http_modules[i]; i++) {
        m = sl_http_modules[i];
        if (m->main_parse == NULL) {
            continue;
        }
        n = m->main_name ? config_setting_get_member(node, m->main_name)
                         : NULL;
        if (m->main_parse(cf, n, mcf, &mcf->main_confs[i]) != SL_OK) {
            return SL_ERROR;
        }
    }
    return SL_OK;
}


static sl_int_t
sl_http_conf_access_log(sl_conf_t *cf, sl_conf_node_t *n, void *field)
{
    sl_http_main_conf_t  *mcf;
    sl_http_conf_log_t    log;
    char                  err[256];

    mcf = cf->ctx;
    log.path = mcf->access_log_path;
    log.format = mcf->access_log_format;
    log.buffer = mcf->access_log_buffer;
    log.flush = mcf->access_log_flush;
    if (sl_conf_parse_group(cf, n, sl_http_log_fields, &log) != SL_OK) {
        return SL_ERROR;
    }
    if (!sl_str_eq(&log.path, "off") && sl_log_std_fd(&log.path) == -1) {
        log.path.data = sl_conf_resolve_path(cf, (const char *) log.path.data,
                                             &log.path.len);
        if (log.path.data == NULL) {
            return sl_conf_error(cf, n, "out of memory");
        }
    }
    if (sl_http_access_log_check(&log.format, err, sizeof(err)) != SL_OK) {
        return sl_conf_error(cf, config_setting_get_member(n, "format")
                                 ? config_setting_get_member(n, "format") : n,
                             "%s", err);
    }
    /* Every file, wherever it resolved: "./x" when -c was relative. */
    if (!sl_str_eq(&log.path, "off") && sl_log_std_fd(&log.path) == -1
        && sl_cycle_file_add(mcf->cycle, &log.path,
                             sl_conf_where(cf, config_setting_get_member(n,
                                           "path"))) != SL_OK)
    {
        return sl_conf_error(cf, n, "too many log files");
    }
    mcf->access_log_path = log.path;
    mcf->access_log_format = log.format;
    mcf->access_log_buffer = log.buffer;
    mcf->access_log_flush = log.flush;
    return SL_OK;
}


static sl_int_t
sl_http_conf_servers(sl_conf_t *cf, sl_conf_node_t *n, void *field)
{
    sl_http_main_conf_t  *mcf;
    sl_http_server_t     *srv;
    int                   i, count;

    mcf = sl_container_of(field, sl_http_main_conf_t, servers);
    if (!config_setting_is_list(n) && !config_setting_is_array(n)) {
        return sl_conf_error(cf, n, "expected a list of server groups ( { ... } )");
    }
    count = config_setting_length(n);
    if (count == 0) {
        return sl_conf_error(cf, n, "needs at least one server");
    }
    mcf->servers = sl_pcalloc(cf->pool, sizeof(sl_http_server_t *)
                                        * (size_t) count);
    if (mcf->servers == NULL) {
        return sl_conf_error(cf, n, "out of memory");
    }
    for (i = 0; i < count; i++) {
        srv = sl_pcalloc(cf->pool, sizeof(sl_http_server_t));
        if (srv == NULL) {
            return sl_conf_error(cf, n, "out of memory");
        }
        srv->main = mcf;
        if (sl_http_conf_server(cf, config_setting_get_elem(n, (unsigned) i),
                                mcf, srv) != SL_OK)
        {
            return SL_ERROR;
        }
        mcf->servers[mcf->nservers++] = srv;
    }
    return SL_OK;
}


static sl_int_t
sl_http_conf_server(sl_conf_t *cf, sl_conf_node_t *n,
    sl_http_main_conf_t *mcf, sl_http_server_t *srv)
{
    sl_http_location_t  *loc;
    sl_uint_t            i;

    if (!config_setting_is_group(n)) {
        return sl_conf_error(cf, n, "expected a server group { ... }");
    }
    if (sl_conf_parse_group(cf, n, sl_http_server_fields, srv) != SL_OK) {
        return SL_ERROR;
    }
    while (srv->root.len > 1 && srv->root.data[srv->root.len - 1] == '/') {
        srv->root.len--;
    }
    for (i = 0; i < srv->nlocations; i++) {
        loc = srv->locations[i];
        loc->server = srv;
        if (loc->module == NULL && loc->return_status == 0) {
            return sl_conf_error(cf, n, "location \"%s\" at line %lu names "
                                 "no handler (static, proxy, return, ...)",
                                 loc->match.data, (unsigned long) loc->line);
        }
        /* Now that root and every sibling are known, whatever the order
         * of the members in the file. */
        if (loc->module && loc->module->conf_check
            && loc->module->conf_check(cf, loc->module_node, loc,
                                       loc->module_conf) != SL_OK)
        {
            return SL_ERROR;
        }
        loc->module_node = NULL;
    }
    return sl_http_conf_listen(cf, config_setting_get_member(n, "listen"),
                               srv);
}


/* Attaches srv to each of its listen addresses in the cycle. */
static sl_int_t
sl_http_conf_listen(sl_conf_t *cf, sl_conf_node_t *n, sl_http_server_t *srv)
{
    sl_listen_t       *ls;
    sl_http_addr_t    *addr;
    sl_http_server_t **grown;
    sl_uint_t          i, j;
    char               err[256];

    for (i = 0; i < srv->listen.n; i++) {
        ls = sl_listen_add(srv->main->cycle,
                           (const char *) srv->listen.items[i].data, err,
                           sizeof(err));
        if (ls == NULL) {
            return sl_conf_error(cf, config_setting_get_elem(n, (unsigned) i),
                                 "%s", err);
        }
        addr = ls->data;
        if (addr == NULL) {
            addr = sl_pcalloc(cf->pool, sizeof(sl_http_addr_t));
            if (addr == NULL) {
                return sl_conf_error(cf, n, "out of memory");
            }
            ls->data = addr;
        }
        for (j = 0; j < addr->nservers; j++) {
            if (addr->servers[j] == srv) {
                return sl_conf_error(cf, config_setting_get_elem(n,
                                     (unsigned) i), "listed twice");
            }
        }
        grown = sl_palloc(cf->pool, sizeof(sl_http_server_t *)
                                    * (addr->nservers + 1));
        if (grown == NULL) {
            return sl_conf_error(cf, n, "out of memory");
        }
        if (addr->nservers) {
            memcpy(grown, addr->servers,
                   sizeof(sl_http_server_t *) * addr->nservers);
        }
        grown[addr->nservers++] = srv;
        addr->servers = grown;
    }
    return SL_OK;
}


static sl_int_t
sl_http_conf_locations(sl_conf_t *cf, sl_conf_node_t *n, void *field)
{
    sl_http_server_t    *srv;
    sl_http_location_t  *loc;
    sl_uint_t            i, j;
    int                  count;

    srv = sl_container_of(field, sl_http_server_t, locations);
    if (!config_setting_is_list(n)) {
        return sl_conf_error(cf, n, "expected a list of location groups "
                             "( { match = \"/\"; ... } )");
    }
    count = config_setting_length(n);
    srv->locations = sl_pcalloc(cf->pool, sizeof(sl_http_location_t *)
                                          * (size_t) (count + 1));
    if (srv->locations == NULL) {
        return sl_conf_error(cf, n, "out of memory");
    }
    for (i = 0; i < (sl_uint_t) count; i++) {
        loc = sl_pcalloc(cf->pool, sizeof(sl_http_location_t));
        if (loc == NULL) {
            return sl_conf_error(cf, n, "out of memory");
        }
        loc->server = srv;
        if (sl_http_conf_location(cf, config_setting_get_elem(n, (unsigned) i),
                                  loc) != SL_OK)
        {
            return SL_ERROR;
        }
        for (j = 0; j < srv->nlocations; j++) {
            if (srv->locations[j]->exact == loc->exact
                && srv->locations[j]->match.len == loc->match.len
                && memcmp(srv->locations[j]->match.data, loc->match.data,
                          loc->match.len) == 0)
            {
                return sl_conf_error(cf,
                    config_setting_get_elem(n, (unsigned) i),
                    "duplicate location \"%s\" (first at line %lu)",
                    loc->match.data, (unsigned long) srv->locations[j]->line);
            }
        }
        srv->locations[srv->nlocations++] = loc;
    }
    qsort(srv->locations, srv->nlocations, sizeof(sl_http_location_t *),
          sl_http_conf_location_cmp);
    return SL_OK;
}


/* Exact locations first, then prefixes longest first: routing takes the
 * first that matches. */
static int
sl_http_conf_location_cmp(const void *a, const void *b)
{
    const sl_http_location_t  *x, *y;

    x = *(sl_http_location_t *const *) a;
    y = *(sl_http_location_t *const *) b;
    if (x->exact != y->exact) {
        return x->exact ? -1 : 1;
    }
    if (x->match.len != y->match.len) {
        return x->match.len > y->match.len ? -1 : 1;
    }
    return memcmp(x->match.data, y->match.data, x->match.len);
}


static sl_int_t
sl_http_conf_location(sl_conf_t *cf, sl_conf_node_t *n,
    sl_http_location_t *loc)
{
    const sl_http_module_t  *m;
    sl_conf_node_t          *mn;
    const char             **skip;
    size_t                   i;

    if (!config_setting_is_group(n)) {
        return sl_conf_error(cf, n, "expected a location group { ... }");
    }
    loc->line = (sl_uint_t) config_setting_source_line(n);
    skip = sl_http_conf_skip_names(cf->pool, 0);
    if (skip == NULL) {
        return sl_conf_error(cf, n, "out of memory");
    }
    if (sl_conf_parse_group_skip(cf, n, sl_http_location_fields, loc, skip)
        != SL_OK
        || sl_http_conf_match(cf, config_setting_get_member(n, "match"), loc)
           != SL_OK)
    {
        return SL_ERROR;
    }

    for (i = 0; sl_http_modules[i]; i++) {
        m = sl_http_modules[i];
        mn = m->name ? config_setting_get_member(n, m->name) : NULL;
        if (mn == NULL) {
            continue;
        }
        if (loc->module || loc->return_status) {
            return sl_conf_error(cf, mn, "a location takes exactly one of "
                                 "return or a module block");
        }
        if (sl_http_conf_module(cf, mn, loc, m) != SL_OK) {
            return SL_ERROR;
        }
    }
    return SL_OK;
}


/* A list of strings (as SL_CONF_STRLIST), each entry passed to check. */
static sl_int_t
sl_http_conf_strlist(sl_conf_t *cf, sl_conf_node_t *n, void *field,
    sl_http_conf_check_pt check)
{
    static const sl_conf_field_t   strlist = {
        NULL, SL_CONF_STRLIST, 0, 0, 0, NULL, 0
    };
    sl_str_list_t                 *list;
    char                           err[256];
    size_t                         i;

    if (sl_conf_parse_value(cf, n, &strlist, field) != SL_OK) {
        return SL_ERROR;
    }
    list = field;
    for (i = 0; i < list->n; i++) {
        if (check(&list->items[i], err, sizeof(err)) != SL_OK) {
            return sl_conf_error(cf, config_setting_get_elem(n, (unsigned) i),
                                 "%s", err);
        }
    }
    return SL_OK;
}


static sl_int_t
sl_http_conf_server_names(sl_conf_t *cf, sl_conf_node_t *n, void *field)
{
    return sl_http_conf_strlist(cf, n, field, sl_http_conf_server_name);
}


static sl_int_t
sl_http_conf_server_name(const sl_str_t *name, char *err, size_t size)
{
    const char  *why;

    why = sl_http_conf_server_name_unmatchable(name);
    if (why != NULL) {
        (void) snprintf(err, size, "\"%s\" cannot match (supported: exact "
                        "names, and \"*.\" followed by a domain): %s",
                        (const char *) name->data, why);
    }
    return why ? SL_ERROR : SL_OK;
}


/*
 * sl_http_route_server matches exact names and a leading "*." wildcard.
 * nginx's other forms (".example.com", "example.*", "~regex"), a final
 * dot (the router drops the Host's) and a port (the router compares the
 * Host without it) would load and never match: returns what to write
 * instead, or NULL for a name that can match.
 */
static const char *
sl_http_conf_server_name_unmatchable(const sl_str_t *name)
{
    const u_char  *star;

    if (name->data[0] == '.') {
        return "write both the name and a wildcard instead, as in "
               "\"example.com\", \"*.example.com\"";
    }
    if (name->data[0] == '~') {
        return "regular expressions are not supported; list the names";
    }
    star = memchr(name->data, '*', name->len);
    if (star && (star != name->data || name->len < 3 || name->data[1] != '.'
                 || memchr(star + 1, '*', name->len - 1)))
    {
        return "a wildcard may only be a leading \"*.\" as in "
               "\"*.example.com\"; list other names in full, as in "
               "\"example.com\", \"example.org\"";
    }
    if (name->data[name->len - 1] == '.') {
        return "write it without the final dot: a Host with one matches "
               "the name without";
    }
    if (name->data[0] == '[' ? name->data[name->len - 1] != ']'
                             : memchr(name->data, ':', name->len) != NULL)
    {
        return "write it without a port: the Host's port is not compared, "
               "and the listen entries say which ports the server has";
    }
    return NULL;
}


/* An add_headers entry goes onto the wire as written: it must be one
 * whole field line, or a CR or LF in it would end the head early. */
static sl_int_t
sl_http_conf_header_line(const sl_str_t *line, char *err, size_t size)
{
    const char  *why;
    size_t       bad;
    u_char       c;

    if (sl_http_parse_field_line(line->data, line->len, &bad, &why)
        == SL_OK)
    {
        return SL_OK;
    }
    if (bad == line->len) {
        (void) snprintf(err, size, "%s", why);
        return SL_ERROR;
    }
    c = line->data[bad];
    (void) snprintf(err, size, (c >= 0x20 && c < 0x7f) ? "%s (character %zu "
                    "is '%c')" : "%s (character %zu is \\x%02X)", why,
                    bad + 1, c);
    return SL_ERROR;
}


static sl_int_t
sl_http_conf_add_headers(sl_conf_t *cf, sl_conf_node_t *n, void *field)
{
    return sl_http_conf_strlist(cf, n, field, sl_http_conf_header_line);
}


static sl_int_t
sl_http_conf_match(sl_conf_t *cf, sl_conf_node_t *n, sl_http_location_t *loc)
{
    if (loc->match.len > 2 && loc->match.data[0] == '='
        && loc->match.data[1] == ' ')
    {
        loc->exact = 1;
        loc->match.data += 2;
        loc->match.len -= 2;
    }
    if (loc->match.data[0] != '/') {
        return sl_conf_error(cf, n, "expected \"/prefix\" or \"= /exact\"");
    }
    return SL_OK;
}


/*
 * The statuses that send the client to the one URI in Location (RFC 9110
 * 15.4.2-9), as nginx's "return code URL" takes them. 300 offers choices,
 * 304 answers a cache, 305 and 306 are obsolete: a location with those,
 * or with any other status, is a mistake in the file.
 */
static int
sl_http_conf_is_redirect(int64_t status)
{
    return status == 301 || status == 302 || status == 303 || status == 307
           || status == 308;
}


static sl_int_t
sl_http_conf_return(sl_conf_t *cf, sl_conf_node_t *n, void *field)
{
    sl_http_location_t     *loc;
    sl_http_conf_return_t   ret;
    sl_conf_node_t         *loc_node;

    loc = sl_container_of(field, sl_http_location_t, return_status);
    if (loc->module) {
        return sl_conf_error(cf, n, "a location takes exactly one of return "
                             "or a module block");
    }
    memset(&ret, 0, sizeof(ret));
    if (sl_conf_parse_group(cf, n, sl_http_return_fields, &ret) != SL_OK) {
        return SL_ERROR;
    }
    loc_node = config_setting_get_member(n, "location");
    if (sl_http_conf_is_redirect(ret.status) && loc_node == NULL) {
        return sl_conf_error(cf, n, "a %lld redirect needs \"location\"",
                             (long long) ret.status);
    }
    if (!sl_http_conf_is_redirect(ret.status) && loc_node != NULL) {
        return sl_conf_error(cf, loc_node, "only with a redirect status "
                             "(301, 302, 303, 307 or 308), not %lld",
                             (long long) ret.status);
    }
    loc->return_status = ret.status;
    loc->return_body = ret.body;
    loc->return_location = ret.location;
    return SL_OK;
}


static sl_int_t
sl_http_conf_module(sl_conf_t *cf, sl_conf_node_t *n, sl_http_location_t *loc,
    const sl_http_module_t *m)
{
    sl_cycle_t  *cycle;
    void        *conf;

    conf = sl_pcalloc(cf->pool, sl_max(m->conf_size, (size_t) 1));
    if (conf == NULL) {
        return sl_conf_error(cf, n, "out of memory");
    }
    if (m->conf_init) {
        m->conf_init(conf);
    }
    if (m->fields && sl_conf_parse_group(cf, n, m->fields, conf) != SL_OK) {
        return SL_ERROR;
    }
    loc->module = m;
    loc->module_conf = conf;
    loc->module_node = n;   /* conf_check runs when the server is read */
    cycle = loc->server->main->cycle;
    cycle->conn_fds = sl_max(cycle->conn_fds, (sl_uint_t) 1 + m->extra_fds);
    return SL_OK;
}
