/*
 * test_proxy_vars.c: the proxy's variables (modules/proxy/sl_proxy_vars.c)
 * as the engine finds them by name: every try's address, status and time
 * from the request's proxy context; "-" (declined) for a request the proxy
 * did not answer or tried no backend for; lists longer than the caller's
 * buffer go to the request pool whole.
 */
#include "sl_proxy.h"

#include <setjmp.h>
#include <cmocka.h>

typedef struct {
    sl_pool_t            *pool;
    sl_http_location_t    loc;
    sl_http_request_t     r;
    sl_proxy_ctx_t        ctx;
    sl_proxy_try_t        tries[100];
} test_vars_t;


static int
test_vars_setup(void **state)
{
    test_vars_t  *t;

    t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->pool = sl_pool_create(4096);
    assert_non_null(t->pool);
    t->loc.module = &sl_proxy_module;
    t->r.loc = &t->loc;
    t->r.pool = t->pool;
    t->r.ctx = &t->ctx;
    t->ctx.r = &t->r;
    t->ctx.try_log = t->tries;
    *state = t;
    return 0;
}


static int
test_vars_teardown(void **state)
{
    test_vars_t  *t;

    t = *state;
    sl_pool_destroy(t->pool);
    free(t);
    return 0;
}


/* The value of $name for t's request, or NULL when declined. */
static const char *
test_vars_get(test_vars_t *t, const char *name, size_t bufsize)
{
    static char                char_value[4096];
    const sl_http_variable_t  *v;
    u_char                     buf[SL_HTTP_VARIABLE_BUF];
    sl_str_t                   value;

    assert_true(bufsize <= sizeof(buf));
    v = sl_http_variable_find((const u_char *) name, strlen(name));
    assert_non_null(v);
    if (v->get(&t->r, &value, buf, bufsize) != SL_OK) {
        return NULL;
    }
    assert_true(value.len < sizeof(char_value));
    memcpy(char_value, value.data, value.len);
    char_value[value.len] = '\0';
    return char_value;
}


static void
test_every_try_is_listed(void **state)
{
    test_vars_t  *t;

    t = *state;
    /* A try answered 502, then one that got no answer (a client gone). */
    t->tries[0].status = 502;
    t->tries[0].time = 12345;
    t->tries[1].status = 0;
    t->tries[1].time = 7;
    t->ctx.tries = 2;
    t->ctx.addrs = (u_char *) "127.0.0.1:9000, 127.0.0.1:9001";
    t->ctx.addrs_len = strlen((char *) t->ctx.addrs);
    assert_string_equal(test_vars_get(t, "upstream_addr", 256),
                        "127.0.0.1:9000, 127.0.0.1:9001");
    assert_string_equal(test_vars_get(t, "upstream_status", 256), "502, -");
    assert_string_equal(test_vars_get(t, "upstream_response_time", 256),
                        "12.345, 0.007");
}


static void
test_no_try_or_another_module_declines(void **state)
{
    test_vars_t       *t;
    sl_http_module_t   other;

    t = *state;
    assert_null(test_vars_get(t, "upstream_addr", 256));
    assert_null(test_vars_get(t, "upstream_status", 256));
    assert_null(test_vars_get(t, "upstream_response_time", 256));
    /* The same context under another module's location is not ours. */
    t->ctx.tries = 1;
    t->tries[0].status = 200;
    memset(&other, 0, sizeof(other));
    t->loc.module = &other;
    assert_null(test_vars_get(t, "upstream_status", 256));
    t->r.loc = NULL;
    assert_null(test_vars_get(t, "upstream_status", 256));
}


static void
test_a_long_list_is_whole(void **state)
{
    test_vars_t  *t;
    const char   *v;
    sl_uint_t     i;

    t = *state;
    for (i = 0; i < 100; i++) {
        t->tries[i].status = 503;
        t->tries[i].time = 1001;
    }
    t->ctx.tries = 100;
    v = test_vars_get(t, "upstream_status", 16);
    assert_int_equal(strlen(v), 100 * 3 + 99 * 2);
    v = test_vars_get(t, "upstream_response_time", 16);
    assert_int_equal(strlen(v), 100 * 5 + 99 * 2);
    assert_memory_equal(v + strlen(v) - 7, ", 1.001", 7);
}


static void
test_unknown_names_are_not_found(void **state)
{
    (void) state;
    assert_null(sl_http_variable_find((const u_char *) "upstream", 8));
    assert_null(sl_http_variable_find((const u_char *) "upstream_addrx", 14));
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_every_try_is_listed,
                                        test_vars_setup, test_vars_teardown),
        cmocka_unit_test_setup_teardown(test_no_try_or_another_module_declines,
                                        test_vars_setup, test_vars_teardown),
        cmocka_unit_test_setup_teardown(test_a_long_list_is_whole,
                                        test_vars_setup, test_vars_teardown),
        cmocka_unit_test(test_unknown_names_are_not_found),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
