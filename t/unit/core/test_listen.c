/*
 * test_listen.c: the pure parts of listen sockets (core layer,
 * sl_listen.c): listen addresses parsed and written back in their normal
 * form, the host text of client addresses against inet_ntop, and the one
 * spelling of any peer (host, "unix:" or "-").
 */
#include "sl_core.h"
#include "sl_listen.h"

#include <setjmp.h>
#include <cmocka.h>


static void
test_listen_addresses_parse_and_normalise(void **state)
{
    static const struct {
        const char  *in;
        const char  *text;    /* NULL: an error */
    } rows[] = {
        { "127.0.0.1:80", "127.0.0.1:80" }, { ":8080", "0.0.0.0:8080" },
        { "*:8080", "0.0.0.0:8080" }, { "localhost:1", "127.0.0.1:1" },
        { "[::1]:443", "[::1]:443" }, { "[::]:80", "[::]:80" },
        { "127.0.0.1:0", NULL }, { "127.0.0.1:65536", NULL },
        { "127.0.0.1:", NULL }, { "[::1]443", NULL }, { "1.2.3:80", NULL },
        { "127.0.0.1:8a", NULL }, { "example.com:80", NULL },
        { "[localhost]:80", NULL },
    };
    sl_sockaddr_t  addr;
    socklen_t      len;
    char           err[128], text[64];
    size_t         i;

    (void) state;
    for (i = 0; i < sl_nelem(rows); i++) {
        if (sl_listen_parse_addr(rows[i].in, &addr, &len, err, sizeof(err))
            != (rows[i].text ? SL_OK : SL_ERROR))
        {
            fail_msg("listen \"%s\": wrong result (%s)", rows[i].in, err);
        }
        if (rows[i].text) {
            (void) sl_listen_addr_text(&addr, text, sizeof(text));
            assert_string_equal(text, rows[i].text);
        }
    }
}


/* The host text of client addresses, with inet_ntop as the oracle. */
static void
test_addr_host_text_matches_inet_ntop(void **state)
{
    /* 0.0.0.0, 255.255.255.255, one- and two-digit bytes; then a
     * pseudo-random spread */
    static const uint32_t  edges[] = { 0, 0xffffffffu, 0x0a00090fu };
    sl_sockaddr_t          a;
    char                   want[INET6_ADDRSTRLEN];
    u_char                 got[SL_ADDR_HOST_LEN];
    size_t                 n;
    uint32_t               x;
    int                    i;

    (void) state;
    memset(&a, 0, sizeof(a));
    a.sin.sin_family = AF_INET;
    for (i = 0, x = 0; i < 20000; i++) {
        x = i < (int) sl_nelem(edges) ? edges[i]
                                      : x * 1664525u + 1013904223u;
        a.sin.sin_addr.s_addr = x;
        assert_non_null(inet_ntop(AF_INET, &a.sin.sin_addr, want,
                                  sizeof(want)));
        n = sl_addr_host_text(&a.sa, got);
        if (n != strlen(want) || memcmp(got, want, n) != 0) {
            fail_msg("%s: got \"%.*s\"", want, (int) n, got);
        }
    }
    memset(&a, 0, sizeof(a));
    a.sin6.sin6_family = AF_INET6;
    a.sin6.sin6_addr.s6_addr[15] = 1;
    n = sl_addr_host_text(&a.sa, got);
    assert_int_equal(n, 3);
    assert_memory_equal(got, "::1", 3);
    a.sa.sa_family = AF_UNIX;
    assert_int_equal(sl_addr_host_text(&a.sa, got), 0);
}


/* The one spelling of a peer: its host, "unix:", or "-" when unknown. */
static void
test_addr_peer_text_names_every_peer(void **state)
{
    static const struct {
        int          family;
        const char  *host;        /* for inet_pton, or NULL */
        socklen_t    len;         /* 0: the address is unknown */
        const char  *want;
    } rows[] = {
        { AF_INET, "192.0.2.5", sizeof(struct sockaddr_in), "192.0.2.5" },
        { AF_INET6, "2001:db8::1", sizeof(struct sockaddr_in6),
          "2001:db8::1" },
        { AF_INET6, "::ffff:192.0.2.5", sizeof(struct sockaddr_in6),
          "::ffff:192.0.2.5" },
        { AF_UNIX, NULL, sizeof(sa_family_t), "unix:" },
        { AF_INET, "192.0.2.5", 0, "-" },
        { AF_UNIX, NULL, 0, "-" },
        { AF_UNSPEC, NULL, sizeof(sl_sockaddr_t), "-" },
    };
    sl_sockaddr_t  a;
    u_char         got[SL_ADDR_HOST_LEN];
    size_t         i, n;

    (void) state;
    for (i = 0; i < sl_nelem(rows); i++) {
        memset(&a, 0, sizeof(a));
        a.sa.sa_family = (sa_family_t) rows[i].family;
        if (rows[i].host) {
            assert_int_equal(inet_pton(rows[i].family, rows[i].host,
                                       rows[i].family == AF_INET
                                       ? (void *) &a.sin.sin_addr
                                       : (void *) &a.sin6.sin6_addr), 1);
        }
        n = sl_addr_peer_text(&a.sa, rows[i].len, got);
        if (n != strlen(rows[i].want) || memcmp(got, rows[i].want, n) != 0) {
            fail_msg("row %zu: \"%.*s\", expected \"%s\"", i, (int) n,
                     got, rows[i].want);
        }
    }
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_listen_addresses_parse_and_normalise),
        cmocka_unit_test(test_addr_host_text_matches_inet_ntop),
        cmocka_unit_test(test_addr_peer_text_names_every_peer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
