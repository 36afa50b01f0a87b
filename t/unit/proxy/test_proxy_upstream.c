/*
 * test_proxy_upstream.c: balancing and passive health (modules/proxy/
 * sl_proxy_upstream.c) on hand-built upstream groups: the smooth weighted
 * round robin's exact sequence, least connections, the consistent hash
 * (stable keys, few moves when a peer goes), skipping tried and down
 * peers, and max_fails within fail_timeout.
 */
#include "sl_http.h"   /* the engine's side, to build what it would pass */
#include "sl_proxy.h"

#include <setjmp.h>
#include <cmocka.h>

typedef struct {
    sl_pool_t                 *pool;
    sl_proxy_upstream_conf_t   uc;
    sl_proxy_server_t          servers[8];
    sl_proxy_upstream_t        up;
    uint32_t                   shared[8];
} sl_test_group_t;


/* A group of n servers with the given weights (NULL: all 1). */
static sl_test_group_t *
sl_test_group(int balance, sl_uint_t n, const int64_t *weights)
{
    sl_test_group_t  *g;
    char              addr[32];
    sl_uint_t         i;

    g = calloc(1, sizeof(*g));
    assert_non_null(g);
    g->pool = sl_pool_create(4096);
    assert_non_null(g->pool);
    for (i = 0; i < n; i++) {
        (void) snprintf(addr, sizeof(addr), "127.0.0.%lu:80",
                        (unsigned long) i + 1);
        g->servers[i].address.len = strlen(addr);
        g->servers[i].address.data = sl_pstrdup(g->pool, (u_char *) addr,
                                                strlen(addr));
        g->servers[i].weight = weights ? weights[i] : 1;
        g->servers[i].max_fails = 1;
        g->servers[i].fail_timeout = 10000;
    }
    g->uc.name.data = (u_char *) "g";
    g->uc.name.len = 1;
    g->uc.balance = balance;
    g->uc.servers = g->servers;
    g->uc.nservers = n;
    if (balance == SL_PROXY_BALANCE_HASH) {
        assert_int_equal(sl_proxy_ring_build(g->pool, &g->uc), SL_OK);
    }
    assert_int_equal(sl_proxy_upstream_init(&g->up, &g->uc, NULL), SL_OK);
    return g;
}


static void
sl_test_group_free(sl_test_group_t *g)
{
    sl_proxy_upstream_free(&g->up);
    sl_pool_destroy(g->pool);
    free(g);
}


static char
sl_test_pick(sl_test_group_t *g, uint32_t hash)
{
    sl_proxy_peer_t  *p;

    p = sl_proxy_balance(&g->up, hash, NULL, 0, 1000);
    assert_non_null(p);
    return (char) ('a' + p->index);
}


static void
test_round_robin_is_smooth_and_weighted(void **state)
{
    static const int64_t  w[] = { 5, 1, 1 };
    sl_test_group_t      *g;
    char                  seq[15];
    int                   i;

    (void) state;
    g = sl_test_group(SL_PROXY_BALANCE_RR, 3, w);
    for (i = 0; i < 14; i++) {
        seq[i] = sl_test_pick(g, 0);
    }
    seq[14] = '\0';
    assert_string_equal(seq, "aabacaaaabacaa");
    sl_test_group_free(g);
}


static void
test_round_robin_equal_weights_alternate(void **state)
{
    sl_test_group_t  *g;
    char              seq[7];
    int               i;

    (void) state;
    g = sl_test_group(SL_PROXY_BALANCE_RR, 3, NULL);
    for (i = 0; i < 6; i++) {
        seq[i] = sl_test_pick(g, 0);
    }
    seq[6] = '\0';
    assert_string_equal(seq, "abcabc");
    sl_test_group_free(g);
}


static void
test_tried_and_down_peers_are_skipped(void **state)
{
    sl_proxy_peer_t  *tried[3], *p;
    sl_test_group_t  *g;
    int               i;

    (void) state;
    g = sl_test_group(SL_PROXY_BALANCE_RR, 3, NULL);
    tried[0] = &g->up.peers[0];
    tried[1] = &g->up.peers[2];
    for (i = 0; i < 4; i++) {
        p = sl_proxy_balance(&g->up, 0, tried, 2, 1000);
        assert_ptr_equal(p, &g->up.peers[1]);
    }
    tried[2] = &g->up.peers[1];
    assert_null(sl_proxy_balance(&g->up, 0, tried, 3, 1000));

    /* Down by the active checks (the shared word) ... */
    g->uc.shared = g->shared;
    g->shared[1] = 1;
    for (i = 0; i < 6; i++) {
        assert_true(sl_test_pick(g, 0) != 'b');
    }
    g->shared[1] = 0;
    /* ... or by failures: down until the time given. */
    g->up.peers[0].down_until = 5000;
    for (i = 0; i < 6; i++) {
        assert_true(sl_test_pick(g, 0) != 'a');
    }
    assert_ptr_equal(sl_proxy_balance(&g->up, 0, tried, 1, 5000),
                     &g->up.peers[1]);
    sl_test_group_free(g);
}


static void
test_least_conn_prefers_idle_relative_to_weight(void **state)
{
    static const int64_t  w[] = { 1, 1, 2 };
    sl_test_group_t      *g;
    sl_proxy_peer_t      *p;

    (void) state;
    g = sl_test_group(SL_PROXY_BALANCE_LEAST_CONN, 3, w);
    g->up.peers[0].active = 3;
    g->up.peers[1].active = 1;
    g->up.peers[2].active = 3;    /* 1.5 per weight unit */
    p = sl_proxy_balance(&g->up, 0, NULL, 0, 1000);
    assert_ptr_equal(p, &g->up.peers[1]);
    g->up.peers[1].active = 2;    /* b 2/1 vs c 3/2: c */
    p = sl_proxy_balance(&g->up, 0, NULL, 0, 1000);
    assert_ptr_equal(p, &g->up.peers[2]);
    /* Ties go round. */
    g->up.peers[0].active = 0;
    g->up.peers[1].active = 0;
    g->up.peers[2].active = 0;
    assert_int_equal(sl_test_pick(g, 0), 'a');
    assert_int_equal(sl_test_pick(g, 0), 'b');
    assert_int_equal(sl_test_pick(g, 0), 'c');
    assert_int_equal(sl_test_pick(g, 0), 'a');
    sl_test_group_free(g);
}


static void
test_hash_is_stable_and_moves_few_keys(void **state)
{
    sl_test_group_t  *g;
    char              before[2000], key[32];
    int               counts[4] = { 0 }, moved, i;
    uint32_t          h;

    (void) state;
    g = sl_test_group(SL_PROXY_BALANCE_HASH, 4, NULL);
    for (i = 0; i < 2000; i++) {
        (void) snprintf(key, sizeof(key), "/item/%d", i);
        h = sl_proxy_hash((u_char *) key, strlen(key));
        before[i] = sl_test_pick(g, h);
        assert_int_equal(sl_test_pick(g, h), before[i]);   /* stable */
        counts[before[i] - 'a']++;
    }
    for (i = 0; i < 4; i++) {
        /* Even enough: each of 4 gets 15% to 35% of the keys. */
        assert_in_range(counts[i], 300, 700);
    }
    /* c goes down: only its keys move, and they spread over the rest. */
    g->up.peers[2].down_until = 100000;
    moved = 0;
    for (i = 0; i < 2000; i++) {
        (void) snprintf(key, sizeof(key), "/item/%d", i);
        h = sl_proxy_hash((u_char *) key, strlen(key));
        if (before[i] == 'c') {
            assert_true(sl_test_pick(g, h) != 'c');
            moved++;
        } else {
            assert_int_equal(sl_test_pick(g, h), before[i]);
        }
    }
    assert_int_equal(moved, counts[2]);
    sl_test_group_free(g);
}


static void
test_hash_ring_follows_weights(void **state)
{
    static const int64_t  w[] = { 3, 1 };
    sl_test_group_t      *g;
    char                  key[32];
    int                   a, i;

    (void) state;
    g = sl_test_group(SL_PROXY_BALANCE_HASH, 2, w);
    assert_int_equal(g->uc.nring, 4 * SL_PROXY_RING_POINTS);
    for (i = 1; i < (int) g->uc.nring; i++) {
        assert_true(g->uc.ring[i - 1].hash <= g->uc.ring[i].hash);
    }
    a = 0;
    for (i = 0; i < 4000; i++) {
        (void) snprintf(key, sizeof(key), "k%d", i);
        a += sl_test_pick(g, sl_proxy_hash((u_char *) key, strlen(key)))
             == 'a';
    }
    assert_in_range(a, 2600, 3400);   /* about 3 in 4 */
    sl_test_group_free(g);
}


static void
test_max_fails_within_fail_timeout(void **state)
{
    sl_test_group_t  *g;
    sl_proxy_peer_t  *p;

    (void) state;
    g = sl_test_group(SL_PROXY_BALANCE_RR, 2, NULL);
    p = &g->up.peers[0];
    g->servers[0].max_fails = 3;
    g->servers[0].fail_timeout = 1000;
    sl_proxy_peer_failed(p, 10000);
    sl_proxy_peer_failed(p, 10500);
    assert_true(sl_proxy_peer_is_up(p, 10500));
    /* The window (1 s from the first failure) is over: counting restarts. */
    sl_proxy_peer_failed(p, 11200);
    assert_true(sl_proxy_peer_is_up(p, 11200));
    sl_proxy_peer_failed(p, 11300);
    sl_proxy_peer_failed(p, 11400);
    assert_false(sl_proxy_peer_is_up(p, 11400));
    assert_false(sl_proxy_peer_is_up(p, 12399));
    assert_true(sl_proxy_peer_is_up(p, 12400));   /* fail_timeout later */
    /* A success resets the count. */
    sl_proxy_peer_failed(p, 20000);
    sl_proxy_peer_failed(p, 20001);
    sl_proxy_peer_ok(p);
    sl_proxy_peer_failed(p, 20002);
    assert_true(sl_proxy_peer_is_up(p, 20002));
    /* max_fails = 0: never down. */
    g->servers[1].max_fails = 0;
    sl_proxy_peer_failed(&g->up.peers[1], 1);
    assert_true(sl_proxy_peer_is_up(&g->up.peers[1], 1));
    sl_test_group_free(g);
}


static void
test_single_peer_is_never_marked_down(void **state)
{
    sl_test_group_t  *g;

    (void) state;
    g = sl_test_group(SL_PROXY_BALANCE_RR, 1, NULL);
    sl_proxy_peer_failed(&g->up.peers[0], 100);
    sl_proxy_peer_failed(&g->up.peers[0], 101);
    assert_true(sl_proxy_peer_is_up(&g->up.peers[0], 102));
    sl_test_group_free(g);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_round_robin_is_smooth_and_weighted),
        cmocka_unit_test(test_round_robin_equal_weights_alternate),
        cmocka_unit_test(test_tried_and_down_peers_are_skipped),
        cmocka_unit_test(test_least_conn_prefers_idle_relative_to_weight),
        cmocka_unit_test(test_hash_is_stable_and_moves_few_keys),
        cmocka_unit_test(test_hash_ring_follows_weights),
        cmocka_unit_test(test_max_fails_within_fail_timeout),
        cmocka_unit_test(test_single_peer_is_never_marked_down),
    };

    return cmocka_run_group_tests_name("proxy_upstream", tests, NULL, NULL);
}
