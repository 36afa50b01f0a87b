/*
 * sl_proxy_conf.c: the proxy module's directives (modules layer): the
 * http-level list `upstreams` and a location's `proxy` group, their field
 * tables, the checks across fields (with file:line messages), backend
 * addresses, the compiled hash_key and the consistent-hash ring. Nothing
 * here does I/O; the one side effect is the small shared mapping that the
 * active health checks publish their verdicts in, made while the master
 * loads the configuration so every worker inherits it, and unmapped with
 * the cycle's pool.
 */
#include "sl_proxy.h"
#include "sl_shm.h"


#define SL_MSEC(s)  ((int64_t) (s) * 1000)
#define SL_PROXY_RING_MAX  (1 << 20)   /* points per upstream, at most */

static sl_int_t sl_proxy_conf_upstream(sl_conf_t *cf, sl_conf_node_t *node,
    sl_proxy_main_conf_t *pmc);
static sl_int_t sl_proxy_conf_servers(sl_conf_t *cf, sl_conf_node_t *node,
    void *field);
static sl_int_t sl_proxy_conf_health(sl_conf_t *cf, sl_conf_node_t *node,
    void *field);
static sl_int_t sl_proxy_conf_upstream_check(sl_conf_t *cf,
    sl_conf_node_t *node, sl_proxy_main_conf_t *pmc,
    sl_proxy_upstream_conf_t *uc);
static sl_int_t sl_proxy_conf_add(sl_pool_t *pool, sl_proxy_main_conf_t *pmc,
    sl_proxy_upstream_conf_t *uc);
static sl_proxy_upstream_conf_t *sl_proxy_conf_find(
    sl_proxy_main_conf_t *pmc, const sl_str_t *name);
static sl_proxy_upstream_conf_t *sl_proxy_conf_pass(sl_conf_t *cf,
    sl_conf_node_t *node, sl_proxy_main_conf_t *pmc, const sl_str_t *pass);
static sl_proxy_main_conf_t *sl_proxy_conf_main(sl_http_location_t *loc);
static int sl_proxy_ring_cmp(const void *a, const void *b);
static int sl_proxy_key_var(const u_char *name, size_t len,
    sl_proxy_var_t *v);

static const char *const  sl_proxy_balance_names[] = {
    "round_robin", "least_conn", "hash", NULL
};

static const sl_conf_field_t  sl_proxy_server_fields[] = {
    { "address", SL_CONF_STR, offsetof(sl_proxy_server_t, address), 1, 0,
      NULL, 1 },
    { "weight", SL_CONF_INT, offsetof(sl_proxy_server_t, weight), 1, 1000,
      NULL, 0 },
    { "max_fails", SL_CONF_INT, offsetof(sl_proxy_server_t, max_fails), 0,
      1000, NULL, 0 },
    { "fail_timeout", SL_CONF_TIME, offsetof(sl_proxy_server_t, fail_timeout),
      0, SL_MSEC(86400), NULL, 0 },
    SL_CONF_END
};

static const sl_conf_field_t  sl_proxy_health_fields[] = {
    { "path", SL_CONF_STR, offsetof(sl_proxy_health_conf_t, path), 1, 0,
      NULL, 1 },
    { "interval", SL_CONF_TIME, offsetof(sl_proxy_health_conf_t, interval),
      10, SL_MSEC(86400), NULL, 0 },
    { "timeout", SL_CONF_TIME, offsetof(sl_proxy_health_conf_t, timeout), 10,
      SL_MSEC(3600), NULL, 0 },
    { "healthy", SL_CONF_INT, offsetof(sl_proxy_health_conf_t, healthy), 1,
      100, NULL, 0 },
    { "unhealthy", SL_CONF_INT, offsetof(sl_proxy_health_conf_t, unhealthy),
      1, 100, NULL, 0 },
    SL_CONF_END
};

static const sl_conf_field_t  sl_proxy_upstream_fields[] = {
    { "name", SL_CONF_STR, offsetof(sl_proxy_upstream_conf_t, name), 1, 0,
      NULL, 1 },
    { "balance", SL_CONF_ENUM, offsetof(sl_proxy_upstream_conf_t, balance),
      0, 0, sl_proxy_balance_names, 0 },
    { "hash_key", SL_CONF_STR, offsetof(sl_proxy_upstream_conf_t, hash_key),
      1, 0, NULL, 0 },
    { "keepalive", SL_CONF_INT, offsetof(sl_proxy_upstream_conf_t, keepalive),
      0, 65536, NULL, 0 },
    { "servers", SL_CONF_CUSTOM, offsetof(sl_proxy_upstream_conf_t, servers),
      0, 0, (const void *) (uintptr_t) sl_proxy_conf_servers, 1 },
    { "health_check", SL_CONF_CUSTOM,
      offsetof(sl_proxy_upstream_conf_t, health), 0, 0,
      (const void *) (uintptr_t) sl_proxy_conf_health, 0 },
    SL_CONF_END
};

const sl_conf_field_t  sl_proxy_loc_fields[] = {
    { "upstream", SL_CONF_STR, offsetof(sl_proxy_loc_conf_t, upstream_name),
      1, 0, NULL, 0 },
    { "pass", SL_CONF_STR, offsetof(sl_proxy_loc_conf_t, pass), 1, 0, NULL,
      0 },
    { "strip_prefix", SL_CONF_BOOL, offsetof(sl_proxy_loc_conf_t,
      strip_prefix), 0, 0, NULL, 0 },
    { "connect_timeout", SL_CONF_TIME, offsetof(sl_proxy_loc_conf_t,
      connect_timeout), 1, SL_MSEC(3600), NULL, 0 },
    { "read_timeout", SL_CONF_TIME, offsetof(sl_proxy_loc_conf_t,
      read_timeout), 1, SL_MSEC(86400), NULL, 0 },
    { "send_timeout", SL_CONF_TIME, offsetof(sl_proxy_loc_conf_t,
      send_timeout), 1, SL_MSEC(86400), NULL, 0 },
    { "host", SL_CONF_STR, offsetof(sl_proxy_loc_conf_t, host), 1, 0, NULL,
      0 },
    { "next_upstream_tries", SL_CONF_INT, offsetof(sl_proxy_loc_conf_t,
      next_upstream_tries), 1, 100, NULL, 0 },
    { "buffer_size", SL_CONF_SIZE, offsetof(sl_proxy_loc_conf_t,
      buffer_size), 1024, 64 * 1024 * 1024, NULL, 0 },
    SL_CONF_END
};


/* A location's proxy defaults, before its fields are read. */
void
sl_proxy_loc_conf_init(void *conf)
{
    sl_proxy_loc_conf_t  *lcf;

    lcf = conf;
    lcf->connect_timeout = SL_MSEC(5);
    lcf->read_timeout = SL_MSEC(60);
    lcf->send_timeout = SL_MSEC(60);
    lcf->next_upstream_tries = 2;
    lcf->buffer_size = 16 * 1024;
}


static void
sl_proxy_conf_upstream_defaults(sl_proxy_upstream_conf_t *uc)
{
    uc->balance = SL_PROXY_BALANCE_RR;
    uc->keepalive = 32;
    uc->health.interval = SL_MSEC(5);
    uc->health.timeout = SL_MSEC(2);
    uc->health.healthy = 2;
    uc->health.unhealthy = 3;
}


static void
sl_proxy_conf_server_defaults(sl_proxy_server_t *s)
{
    s->weight = 1;
    s->max_fails = 1;
    s->fail_timeout = SL_MSEC(10);
}


/*
 * The http block's "upstreams" list (node is NULL when absent: the main
 * conf is made anyway, for the upstreams `pass` creates).
 */
sl_int_t
sl_proxy_main_parse(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_main_conf_t *mcf, void **main_conf)
{
    sl_proxy_main_conf_t  *pmc;
    int                    i, n;

    (void) mcf;
    pmc = sl_pcalloc(cf->pool, sizeof(sl_proxy_main_conf_t));
    if (pmc == NULL) {
        return sl_conf_error(cf, node, "out of memory");
    }
    *main_conf = pmc;
    if (node == NULL) {
        return SL_OK;
    }
    if (!config_setting_is_list(node)) {
        return sl_conf_error(cf, node, "expected a list of upstream groups "
                             "( { name = \"app\"; servers = ( ... ); } )");
    }
    n = config_setting_length(node);
    for (i = 0; i < n; i++) {
        if (sl_proxy_conf_upstream(cf, config_setting_get_elem(node,
                                   (unsigned) i), pmc) != SL_OK)
        {
            return SL_ERROR;
        }
    }
    return SL_OK;
}


static sl_int_t
sl_proxy_conf_upstream(sl_conf_t *cf, sl_conf_node_t *node,
    sl_proxy_main_conf_t *pmc)
{
    sl_proxy_upstream_conf_t  *uc;

    if (!config_setting_is_group(node)) {
        return sl_conf_error(cf, node, "expected an upstream group "
                             "{ name = ...; servers = ( ... ); }");
    }
    uc = sl_pcalloc(cf->pool, sizeof(sl_proxy_upstream_conf_t));
    if (uc == NULL) {
        return sl_conf_error(cf, node, "out of memory");
    }
    sl_proxy_conf_upstream_defaults(uc);
    uc->line = (sl_uint_t) config_setting_source_line(node);
    if (sl_conf_parse_group(cf, node, sl_proxy_upstream_fields, uc) != SL_OK
        || sl_proxy_conf_upstream_check(cf, node, pmc, uc) != SL_OK)
    {
        return SL_ERROR;
    }
    if (sl_proxy_conf_add(cf->pool, pmc, uc) != SL_OK) {
        return sl_conf_error(cf, node, "out of memory");
    }
    return SL_OK;
}


static sl_int_t
sl_proxy_conf_upstream_check(sl_conf_t *cf, sl_conf_node_t *node,
    sl_proxy_main_conf_t *pmc, sl_proxy_upstream_conf_t *uc)
{
    sl_proxy_upstream_conf_t  *other;
    sl_conf_node_t            *n;
    char                       err[256];

    other = sl_proxy_conf_find(pmc, &uc->name);
    if (other) {
        return sl_conf_error(cf, config_setting_get_member(node, "name"),
                             "duplicate upstream \"%s\" (first at line %lu)",
                             uc->name.data, (unsigned long) other->line);
    }
    n = config_setting_get_member(node, "hash_key");
    if (n && uc->balance != SL_PROXY_BALANCE_HASH) {
        return sl_conf_error(cf, n, "only with balance = \"hash\"");
    }
    if (n && sl_proxy_key_compile(cf->pool, &uc->hash_key, &uc->key,
                                  &uc->nkey, err, sizeof(err)) != SL_OK)
    {
        return sl_conf_error(cf, n, "%s", err);
    }
    if (uc->balance == SL_PROXY_BALANCE_HASH
        && sl_proxy_ring_build(cf->pool, uc) != SL_OK)
    {
        return sl_conf_error(cf, node, "out of memory");
    }
    return SL_OK;
}


static sl_int_t
sl_proxy_conf_add(sl_pool_t *pool, sl_proxy_main_conf_t *pmc,
    sl_proxy_upstream_conf_t *uc)
{
    sl_proxy_upstream_conf_t  **grown;
    sl_uint_t                   n;

    if (pmc->nupstreams == pmc->nalloc) {
        n = pmc->nalloc ? pmc->nalloc * 2 : 8;
        grown = sl_palloc(pool, n * sizeof(sl_proxy_upstream_conf_t *));
        if (grown == NULL) {
            return SL_ERROR;
        }
        if (pmc->nupstreams) {
            memcpy(grown, pmc->upstreams,
                   pmc->nupstreams * sizeof(sl_proxy_upstream_conf_t *));
        }
        pmc->upstreams = grown;
        pmc->nalloc = n;
    }
    uc->index = pmc->nupstreams;
    pmc->upstreams[pmc->nupstreams++] = uc;
    return SL_OK;
}


static sl_proxy_upstream_conf_t *
sl_proxy_conf_find(sl_proxy_main_conf_t *pmc, const sl_str_t *name)
{
    sl_uint_t  i;

    for (i = 0; i < pmc->nupstreams; i++) {
        if (!pmc->upstreams[i]->implicit
            && pmc->upstreams[i]->name.len == name->len
            && memcmp(pmc->upstreams[i]->name.data, name->data, name->len)
               == 0)
        {
            return pmc->upstreams[i];
        }
    }
    return NULL;
}


/* "servers": a list of backend groups; field is the upstream's servers. */
static sl_int_t
sl_proxy_conf_servers(sl_conf_t *cf, sl_conf_node_t *node, void *field)
{
    sl_proxy_upstream_conf_t  *uc;
    sl_proxy_server_t         *s;
    sl_conf_node_t            *e;
    char                       err[256];
    int                        i, n;

    uc = sl_container_of(field, sl_proxy_upstream_conf_t, servers);
    if (!config_setting_is_list(node) || config_setting_length(node) == 0) {
        return sl_conf_error(cf, node, "expected a list of at least one "
                             "server ( { address = \"127.0.0.1:9000\"; } )");
    }
    n = config_setting_length(node);
    uc->servers = sl_pcalloc(cf->pool, sizeof(sl_proxy_server_t) * (size_t) n);
    if (uc->servers == NULL) {
        return sl_conf_error(cf, node, "out of memory");
    }
    for (i = 0; i < n; i++) {
        e = config_setting_get_elem(node, (unsigned) i);
        s = &uc->servers[i];
        sl_proxy_conf_server_defaults(s);
        if (!config_setting_is_group(e)) {
            return sl_conf_error(cf, e, "expected a server group "
                                 "{ address = \"127.0.0.1:9000\"; }");
        }
        if (sl_conf_parse_group(cf, e, sl_proxy_server_fields, s) != SL_OK) {
            return SL_ERROR;
        }
        if (sl_proxy_addr_parse((const char *) s->address.data, &s->addr,
                                err, sizeof(err)) != SL_OK)
        {
            return sl_conf_error(cf, config_setting_get_member(e, "address"),
                                 "%s", err);
        }
    }
    uc->nservers = (sl_uint_t) n;
    return SL_OK;
}


/* "health_check": field is the upstream's health conf. */
static sl_int_t
sl_proxy_conf_health(sl_conf_t *cf, sl_conf_node_t *node, void *field)
{
    sl_proxy_upstream_conf_t  *uc;
    sl_proxy_health_conf_t    *hc;
    size_t                     i;

    hc = field;
    uc = sl_container_of(field, sl_proxy_upstream_conf_t, health);
    if (sl_conf_parse_group(cf, node, sl_proxy_health_fields, hc) != SL_OK) {
        return SL_ERROR;
    }
    if (hc->path.data[0] != '/') {
        return sl_conf_error(cf, config_setting_get_member(node, "path"),
                             "must start with \"/\"");
    }
    for (i = 0; i < hc->path.len; i++) {
        if (!sl_http_is(hc->path.data[i], SL_HTTP_C_TARGET)) {
            return sl_conf_error(cf, config_setting_get_member(node, "path"),
                                 "invalid character in a request target");
        }
    }
    uc->has_health = 1;
    return SL_OK;
}


/*
 * One shared word per server of the upstreams with health checks: worker
 * 0 writes the verdicts, every worker reads them. A zone of this
 * generation alone: a reload's servers may be others in the same places.
 */
sl_int_t
sl_proxy_init_master(sl_cycle_t *cycle, void *main_conf, char *err,
    size_t errsize)
{
    sl_proxy_main_conf_t  *pmc;
    sl_shm_zone_t         *z;
    volatile uint32_t     *area;
    size_t                 n;
    sl_uint_t              i;

    pmc = main_conf;
    n = 0;
    for (i = 0; pmc && i < pmc->nupstreams; i++) {
        n += pmc->upstreams[i]->has_health ? pmc->upstreams[i]->nservers : 0;
    }
    if (n == 0) {
        return SL_OK;
    }
    z = sl_shm_zone_add(cycle, "proxy_health", n * sizeof(uint32_t),
                        SL_SHM_ZONE_OWN, err, errsize);
    if (z == NULL) {
        return SL_ERROR;
    }
    area = z->addr;
    for (i = 0; i < pmc->nupstreams; i++) {
        if (pmc->upstreams[i]->has_health) {
            pmc->upstreams[i]->shared = area;
            area += pmc->upstreams[i]->nservers;
        }
    }
    return SL_OK;
}


/* Location ------------------------------------------------------------ */

static sl_proxy_main_conf_t *
sl_proxy_conf_main(sl_http_location_t *loc)
{
    return sl_http_module_main_conf(loc->server->main, &sl_proxy_module);
}


/*
 * The checks across a location's proxy fields: exactly one of upstream
 * and pass, the upstream resolved by name (the http-level list is parsed
 * first) or made for the pass address. Returns SL_OK or SL_ERROR with
 * cf->err set.
 */
sl_int_t
sl_proxy_loc_conf_check(sl_conf_t *cf, sl_conf_node_t *node,
    sl_http_location_t *loc, void *conf)
{
    sl_proxy_loc_conf_t   *lcf;
    sl_proxy_main_conf_t  *pmc;
    sl_conf_node_t        *n;

    lcf = conf;
    pmc = sl_proxy_conf_main(loc);
    if (pmc == NULL) {
        return sl_conf_error(cf, node, "internal: no proxy main conf");
    }
    if ((lcf->upstream_name.len == 0) == (lcf->pass.len == 0)) {
        return sl_conf_error(cf, node, "a proxy group takes exactly one of "
                             "\"upstream\" and \"pass\"");
    }
    if (lcf->upstream_name.len) {
        lcf->upstream = sl_proxy_conf_find(pmc, &lcf->upstream_name);
        if (lcf->upstream == NULL) {
            n = config_setting_get_member(node, "upstream");
            return sl_conf_error(cf, n, "no upstream named \"%s\" in "
                                 "http.upstreams", lcf->upstream_name.data);
        }
    } else {
        lcf->upstream = sl_proxy_conf_pass(cf,
                            config_setting_get_member(node, "pass"), pmc,
                            &lcf->pass);
        if (lcf->upstream == NULL) {
            return SL_ERROR;
        }
    }
    lcf->prefix = loc->match;
    return SL_OK;
}


/* A `pass` address becomes a one-server upstream, shared by every
 * location that names the same address (and so is its keep-alive pool). */
static sl_proxy_upstream_conf_t *
sl_proxy_conf_pass(sl_conf_t *cf, sl_conf_node_t *node,
    sl_proxy_main_conf_t *pmc, const sl_str_t *pass)
{
    sl_proxy_upstream_conf_t  *uc;
    sl_uint_t                  i;
    char                       err[256];

    for (i = 0; i < pmc->nupstreams; i++) {
        uc = pmc->upstreams[i];
        if (uc->implicit && uc->name.len == pass->len
            && memcmp(uc->name.data, pass->data, pass->len) == 0)
        {
            return uc;
        }
    }
    uc = sl_pcalloc(cf->pool, sizeof(sl_proxy_upstream_conf_t));
    if (uc == NULL || (uc->servers = sl_pcalloc(cf->pool,
                                                sizeof(sl_proxy_server_t)))
                      == NULL)
    {
        (void) sl_conf_error(cf, node, "out of memory");
        return NULL;
    }
    sl_proxy_conf_upstream_defaults(uc);
    sl_proxy_conf_server_defaults(uc->servers);
    if (sl_proxy_addr_parse((const char *) pass->data, &uc->servers->addr,
                            err, sizeof(err)) != SL_OK)
    {
        (void) sl_conf_error(cf, node, "%s", err);
        return NULL;
    }
    uc->name = *pass;
    uc->servers->address = *pass;
    uc->nservers = 1;
    uc->implicit = 1;
    uc->line = (sl_uint_t) config_setting_source_line(node);
    if (sl_proxy_conf_add(cf->pool, pmc, uc) != SL_OK) {
        (void) sl_conf_error(cf, node, "out of memory");
        return NULL;
    }
    return uc;
}


/* Addresses, keys, the ring ------------------------------------------ */

/*
 * Parses "192.0.2.1:80" or "[2001:db8::1]:80" (numeric only: a worker
 * must never block on DNS). NUL-terminated text. Returns SL_OK, or
 * SL_ERROR with the reason in err.
 */
sl_int_t
sl_proxy_addr_parse(const char *text, sl_proxy_addr_t *addr, char *err,
    size_t errsize)
{
    const char  *colon, *host_end, *host;
    char         buf[64];
    size_t       hlen;
    int64_t      port;

    memset(addr, 0, sizeof(*addr));
    colon = strrchr(text, ':');
    if (colon == NULL || colon[1] == '\0') {
        (void) snprintf(err, errsize, "expected \"address:port\", not \"%s\"",
                        text);
        return SL_ERROR;
    }
    port = sl_atoi64((const u_char *) colon + 1, strlen(colon + 1));
    if (port < 1 || port > 65535) {
        (void) snprintf(err, errsize, "invalid port \"%s\"", colon + 1);
        return SL_ERROR;
    }
    host = text;
    host_end = colon;
    if (text[0] == '[') {
        if (colon == text || colon[-1] != ']') {
            (void) snprintf(err, errsize, "invalid address \"%s\"", text);
            return SL_ERROR;
        }
        host = text + 1;
        host_end = colon - 1;
    }
    hlen = (size_t) (host_end - host);
    if (hlen == 0 || hlen >= sizeof(buf)) {
        (void) snprintf(err, errsize, "invalid address \"%s\"", text);
        return SL_ERROR;
    }
    memcpy(buf, host, hlen);
    buf[hlen] = '\0';
    if (text[0] == '[') {
        if (inet_pton(AF_INET6, buf, &addr->u.sin6.sin6_addr) != 1) {
            (void) snprintf(err, errsize, "invalid IPv6 address \"%s\"", buf);
            return SL_ERROR;
        }
        addr->u.sin6.sin6_family = AF_INET6;
        addr->u.sin6.sin6_port = htons((uint16_t) port);
        addr->len = sizeof(struct sockaddr_in6);
        return SL_OK;
    }
    if (inet_pton(AF_INET, buf, &addr->u.sin.sin_addr) != 1) {
        (void) snprintf(err, errsize, "invalid IPv4 address \"%s\" (numeric "
                        "addresses only)", buf);
        return SL_ERROR;
    }
    addr->u.sin.sin_family = AF_INET;
    addr->u.sin.sin_port = htons((uint16_t) port);
    addr->len = sizeof(struct sockaddr_in);
    return SL_OK;
}


/* Names a variable of hash_key may use; fills v. False when unknown. */
static int
sl_proxy_key_var(const u_char *name, size_t len, sl_proxy_var_t *v)
{
    static const struct {
        const char  *name;
        int          type;
    } vars[] = {
        { "remote_addr", SL_PROXY_VAR_REMOTE_ADDR },
        { "request_uri", SL_PROXY_VAR_REQUEST_URI },
        { "uri", SL_PROXY_VAR_URI },
        { "args", SL_PROXY_VAR_ARGS },
        { "host", SL_PROXY_VAR_HOST },
        { "request_method", SL_PROXY_VAR_METHOD },
    };
    static const sl_str_t  http = sl_string("http_");
    size_t                 i;

    for (i = 0; i < sl_nelem(vars); i++) {
        if (strlen(vars[i].name) == len
            && memcmp(vars[i].name, name, len) == 0)
        {
            v->type = vars[i].type;
            return 1;
        }
    }
    if (len > http.len && memcmp(name, http.data, http.len) == 0) {
        v->type = SL_PROXY_VAR_HTTP;
        v->text.data = (u_char *) name + http.len;
        v->text.len = len - http.len;
        return 1;
    }
    return 0;
}


/*
 * Compiles a hash_key such as "$host$request_uri" into pieces in pool:
 * literal text and variables ($remote_addr, $request_uri, $uri, $args,
 * $host, $request_method, $http_NAME with '_' for '-'). A $http_ name is
 * rewritten in place in pool memory. Returns SL_OK, or SL_ERROR with the
 * reason in err.
 */
sl_int_t
sl_proxy_key_compile(sl_pool_t *pool, const sl_str_t *text,
    sl_proxy_var_t **vars, sl_uint_t *nvars, char *err, size_t errsize)
{
    sl_proxy_var_t  *v;
    u_char          *p, *end, *s;
    size_t           i;
    sl_uint_t        n;

    p = sl_pnalloc(pool, text->len);
    v = sl_pcalloc(pool, sizeof(sl_proxy_var_t) * (text->len + 1));
    if (p == NULL || v == NULL) {
        (void) snprintf(err, errsize, "out of memory");
        return SL_ERROR;
    }
    memcpy(p, text->data, text->len);
    end = p + text->len;
    n = 0;
    while (p < end) {
        s = p;
        if (*p != '$') {
            while (p < end && *p != '$') {
                p++;
            }
            v[n].type = SL_PROXY_VAR_TEXT;
            v[n].text.data = s;
            v[n++].text.len = (size_t) (p - s);
            continue;
        }
        for (p++; p < end && (*p == '_' || (*p >= 'a' && *p <= 'z')
                              || (*p >= '0' && *p <= '9')); p++)
        {
            /* the name */
        }
        if (!sl_proxy_key_var(s + 1, (size_t) (p - s - 1), &v[n])) {
            (void) snprintf(err, errsize, "unknown variable \"%.*s\" "
                            "(expected $remote_addr, $request_uri, $uri, "
                            "$args, $host, $request_method or $http_NAME)",
                            (int) (p - s), s);
            return SL_ERROR;
        }
        for (i = 0; v[n].type == SL_PROXY_VAR_HTTP && i < v[n].text.len;
             i++)
        {
            if (v[n].text.data[i] == '_') {
                v[n].text.data[i] = '-';
            }
        }
        n++;
    }
    *vars = v;
    *nvars = n;
    return SL_OK;
}


/*
 * FNV-1a with a final avalanche (MurmurHash3's fmix32): cheap, and
 * well spread over the ring even for keys that differ in one byte.
 */
uint32_t
sl_proxy_hash(const u_char *p, size_t len)
{
    uint32_t  h;
    size_t    i;

    h = 2166136261u;
    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}


static int
sl_proxy_ring_cmp(const void *a, const void *b)
{
    const sl_proxy_ring_point_t  *x, *y;

    x = a;
    y = b;
    if (x->hash != y->hash) {
        return x->hash < y->hash ? -1 : 1;
    }
    return x->server < y->server ? -1 : (x->server > y->server);
}


/*
 * Builds the consistent-hash ring: each server gets points in proportion
 * to its weight, placed by hashing "address#n", so the ring depends only
 * on the addresses (every worker and every reload build the same one)
 * and removing a server moves only the keys that were on its points.
 */
sl_int_t
sl_proxy_ring_build(sl_pool_t *pool, sl_proxy_upstream_conf_t *uc)
{
    sl_proxy_ring_point_t  *ring;
    u_char                  buf[128], *p;
    uint64_t                total, per;
    sl_uint_t               i, j, n, points;

    total = 0;
    for (i = 0; i < uc->nservers; i++) {
        total += (uint64_t) uc->servers[i].weight;
    }
    per = SL_PROXY_RING_POINTS;
    if (total * per > SL_PROXY_RING_MAX) {
        per = sl_max((uint64_t) 1, SL_PROXY_RING_MAX / total);
    }
    ring = sl_palloc(pool, sizeof(sl_proxy_ring_point_t) * total * per);
    if (ring == NULL) {
        return SL_ERROR;
    }
    n = 0;
    for (i = 0; i < uc->nservers; i++) {
        points = (sl_uint_t) (uc->servers[i].weight * (int64_t) per);
        for (j = 0; j < points; j++) {
            p = sl_slprintf(buf, buf + sizeof(buf), "%s#%lu",
                            (const char *) uc->servers[i].address.data,
                            (unsigned long) j);
            ring[n].hash = sl_proxy_hash(buf, (size_t) (p - buf));
            ring[n++].server = (uint32_t) i;
        }
    }
    qsort(ring, n, sizeof(sl_proxy_ring_point_t), sl_proxy_ring_cmp);
    uc->ring = ring;
    uc->nring = n;
    return SL_OK;
}
