/*
 * sl_http_route.c: choosing the server and the location of a request
 * (http layer). Pure: no I/O, unit-tested on hand-built servers
 * (t/unit/http/test_http_route.c).
 * Servers: an exact name wins, then the longest leading wildcard
 * ("*.example.com" matches "a.example.com", not "example.com"), else the
 * address's default (the first server listed on it). Locations: exact
 * matches, then the longest prefix (the list is sorted that way at load).
 */
#include "sl_http.h"

static int sl_http_route_wildcard(const sl_str_t *name, const sl_str_t *host);


static int
sl_http_route_wildcard(const sl_str_t *name, const sl_str_t *host)
{
    size_t  suffix;

    /* "*.example.com": the host must end in ".example.com" and have a
     * non-empty label before it. */
    if (name->len < 3 || name->data[0] != '*' || name->data[1] != '.') {
        return 0;
    }
    suffix = name->len - 1;
    return host->len > suffix
           && sl_strncasecmp(host->data + host->len - suffix, name->data + 1,
                             suffix) == 0;
}


sl_http_server_t *
sl_http_route_server(sl_http_addr_t *addr, const sl_str_t *host)
{
    sl_http_server_t  *srv, *best;
    sl_str_t          *name, trimmed;
    size_t             best_len;
    sl_uint_t          i, j;

    if (host == NULL || host->len == 0 || addr->nservers == 1) {
        return addr->servers[0];
    }
    /* "example.com." is the same name as "example.com". */
    if (host->data[host->len - 1] == '.') {
        trimmed.data = host->data;
        trimmed.len = host->len - 1;
        host = &trimmed;
    }
    best = NULL;
    best_len = 0;
    for (i = 0; i < addr->nservers; i++) {
        srv = addr->servers[i];
        for (j = 0; j < srv->server_names.n; j++) {
            name = &srv->server_names.items[j];
            if (name->len == host->len
                && sl_strncasecmp(name->data, host->data, host->len) == 0)
            {
                return srv;
            }
            if (name->len > best_len && sl_http_route_wildcard(name, host)) {
                best = srv;
                best_len = name->len;
            }
        }
    }
    return best ? best : addr->servers[0];
}


sl_http_location_t *
sl_http_route_location(sl_http_server_t *srv, const sl_str_t *uri)
{
    sl_http_location_t  *loc;
    sl_uint_t            i;

    for (i = 0; i < srv->nlocations; i++) {
        loc = srv->locations[i];
        if (loc->exact) {
            if (loc->match.len == uri->len
                && memcmp(loc->match.data, uri->data, uri->len) == 0)
            {
                return loc;
            }
            continue;
        }
        if (loc->match.len <= uri->len
            && memcmp(loc->match.data, uri->data, loc->match.len) == 0)
        {
            return loc;
        }
    }
    return NULL;
}
