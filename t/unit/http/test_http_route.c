/*
 * test_http_route.c: unit tests of routing (src/http/sl_http_route.c) on
 * hand-built servers, as the http block leaves them after loading: the
 * server by Host (an exact name in any case, with or without a final
 * dot, the longest leading wildcard, else the address's first server),
 * then the location by path (exact matches first, then the longest
 * prefix, the order the loader sorts them in). Tables; a failure names
 * the row and its line.
 */
#include "sl_http.h"

#include <setjmp.h>
#include <cmocka.h>

/* The servers of one address, in the order they are listed. */
enum { DEFAULT = 0, EXACT, WILD, DEEP, WWW, NSERVERS };

static sl_str_t  rt_names[NSERVERS][2] = {
    { sl_string("default.test"), sl_null_string },
    { sl_string("a.test"), sl_string("b.test") },
    { sl_string("*.example.com"), sl_null_string },
    { sl_string("*.deep.example.com"), sl_null_string },
    /* Listed after the wildcard that also matches it: exact still wins. */
    { sl_string("www.example.com"), sl_null_string },
};

static sl_http_server_t   rt_servers[NSERVERS];
static sl_http_server_t  *rt_list[NSERVERS];
static sl_http_addr_t     rt_addr = { rt_list, NSERVERS };

typedef struct {
    const char  *name;
    int          line;
    const char  *host;       /* NULL: the request has none */
    int          server;
} rt_server_row_t;

#define S(nm, h, s)  { nm, __LINE__, h, s }

static const rt_server_row_t  rt_server_rows[] = {
    S("no_host", NULL, DEFAULT),
    S("empty_host", "", DEFAULT),
    S("unknown", "other.test", DEFAULT),
    S("exact_first_name", "a.test", EXACT),
    S("exact_second_name", "b.test", EXACT),
    S("exact_any_case", "A.Test", EXACT),
    S("exact_final_dot", "a.test.", EXACT),
    S("exact_prefix_only", "a.tes", DEFAULT),
    S("exact_longer", "a.test.x", DEFAULT),
    S("default_by_name", "default.test", DEFAULT),
    S("wildcard", "x.example.com", WILD),
    S("wildcard_two_labels", "x.y.example.com", WILD),
    S("wildcard_any_case", "X.EXAMPLE.Com", WILD),
    S("wildcard_final_dot", "x.example.com.", WILD),
    S("wildcard_needs_a_label", "example.com", DEFAULT),
    S("wildcard_empty_label", ".example.com", DEFAULT),
    S("wildcard_not_a_suffix", "xexample.com", DEFAULT),
    S("longest_wildcard", "x.deep.example.com", DEEP),
    S("shorter_wildcard_for_its_base", "deep.example.com", WILD),
    S("exact_beats_earlier_wildcard", "www.example.com", WWW),
    S("lone_dot", ".", DEFAULT),
};


/* Locations of one server, sorted as the loader sorts them. */
enum { L_EXACT_ROOT = 0, L_EXACT, L_EXACT_API, L_V1, L_API, L_ROOT, NLOCS };

static const struct {
    const char  *match;
    int          exact;
} rt_loc_defs[NLOCS] = {
    { "/", 1 }, { "/exact", 1 }, { "/api/", 1 },
    { "/api/v1/", 0 }, { "/api/", 0 }, { "/", 0 },
};

static sl_http_location_t   rt_locs[NLOCS];
static sl_http_location_t  *rt_loc_list[NLOCS];
static sl_http_server_t     rt_loc_server = { .locations = rt_loc_list,
                                              .nlocations = NLOCS };

typedef struct {
    const char  *name;
    int          line;
    const char  *uri;
    int          loc;
    int          nlocs;      /* the first nlocs locations (0: all) */
} rt_loc_row_t;

#define L(nm, u, l)      { nm, __LINE__, u, l, 0 }
#define LN(nm, u, l, n)  { nm, __LINE__, u, l, n }

static const rt_loc_row_t  rt_loc_rows[] = {
    L("exact_root", "/", L_EXACT_ROOT),
    L("exact", "/exact", L_EXACT),
    L("exact_is_not_a_prefix", "/exact/more", L_ROOT),
    L("exact_needs_the_whole_path", "/exac", L_ROOT),
    L("exact_before_same_prefix", "/api/", L_EXACT_API),
    L("longest_prefix", "/api/v1/users", L_V1),
    L("longest_prefix_exactly", "/api/v1/", L_V1),
    L("shorter_prefix", "/api/v2", L_API),
    L("prefix_is_bytes_not_segments", "/apix", L_ROOT),
    L("prefix_case_matters", "/API/v1/", L_ROOT),
    L("root_prefix", "/index.html", L_ROOT),
    LN("no_location_matches", "/index.html", -1, L_ROOT),
    LN("no_locations", "/", -1, -1),
};


static int
rt_setup(void **state)
{
    int  i;

    (void) state;
    for (i = 0; i < NSERVERS; i++) {
        rt_servers[i].server_names.items = rt_names[i];
        rt_servers[i].server_names.n = rt_names[i][1].len ? 2 : 1;
        rt_list[i] = &rt_servers[i];
    }
    for (i = 0; i < NLOCS; i++) {
        rt_locs[i].match.data = (u_char *) rt_loc_defs[i].match;
        rt_locs[i].match.len = strlen(rt_loc_defs[i].match);
        rt_locs[i].exact = rt_loc_defs[i].exact;
        rt_loc_list[i] = &rt_locs[i];
    }
    return 0;
}


static void
test_route_server_rows(void **state)
{
    const rt_server_row_t  *row;
    sl_http_server_t       *srv;
    sl_str_t                host;
    size_t                  i;

    (void) state;
    for (i = 0; i < sl_nelem(rt_server_rows); i++) {
        row = &rt_server_rows[i];
        if (row->host) {
            host.data = (u_char *) row->host;
            host.len = strlen(row->host);
        }
        srv = sl_http_route_server(&rt_addr, row->host ? &host : NULL);
        if (srv != &rt_servers[row->server]) {
            fail_msg("row %s (line %d): server %d, expected %d", row->name,
                     row->line, srv ? (int) (srv - rt_servers) : -1,
                     row->server);
        }
    }
}


/* One server on the address answers every Host, its own names or not. */
static void
test_route_single_server_takes_every_host(void **state)
{
    sl_http_addr_t  one = { &rt_list[EXACT], 1 };
    sl_str_t        host = sl_string("x.example.com");

    (void) state;
    assert_ptr_equal(sl_http_route_server(&one, &host), &rt_servers[EXACT]);
    assert_ptr_equal(sl_http_route_server(&one, NULL), &rt_servers[EXACT]);
}


static void
test_route_location_rows(void **state)
{
    const rt_loc_row_t  *row;
    sl_http_location_t  *loc;
    sl_str_t             uri;
    size_t               i;

    (void) state;
    for (i = 0; i < sl_nelem(rt_loc_rows); i++) {
        row = &rt_loc_rows[i];
        uri.data = (u_char *) row->uri;
        uri.len = strlen(row->uri);
        rt_loc_server.nlocations = row->nlocs == 0 ? NLOCS
                                   : row->nlocs < 0 ? 0 : row->nlocs;
        loc = sl_http_route_location(&rt_loc_server, &uri);
        if (loc != (row->loc < 0 ? NULL : &rt_locs[row->loc])) {
            fail_msg("row %s (line %d): location %d, expected %d",
                     row->name, row->line, loc ? (int) (loc - rt_locs) : -1,
                     row->loc);
        }
    }
    rt_loc_server.nlocations = NLOCS;
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_route_server_rows),
        cmocka_unit_test(test_route_single_server_takes_every_host),
        cmocka_unit_test(test_route_location_rows),
    };

    return cmocka_run_group_tests(tests, rt_setup, NULL);
}
