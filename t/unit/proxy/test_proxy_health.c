/*
 * test_proxy_health.c: the pure part of active health checks
 * (modules/proxy/sl_proxy_health.c): which status lines of a backend's
 * answer count as healthy (2xx and 3xx of HTTP/1.x, the line ending in
 * CRLF).
 */
#include "sl_proxy.h"

#include <setjmp.h>
#include <cmocka.h>


static void
test_health_status_line(void **state)
{
    static const struct {
        const char  *line;
        int          ok;
    } rows[] = {
        { "HTTP/1.1 200 OK\r\n", 1 },
        { "HTTP/1.0 204\r\n", 1 },
        { "HTTP/1.1 302 Found\r\n", 1 },
        { "HTTP/1.1 404 Not Found\r\n", 0 },
        { "HTTP/1.1 503 Busy\r\n", 0 },
        { "HTTP/1.1 199 Hm\r\n", 0 },
        { "HTTP/2.0 200 OK\r\n", 0 },
        { "HTTP/1.1 200 OK\n", 0 },
        { "HTTP/1.1 2000\r\n", 0 },
        { "garbage\r\n", 0 },
    };
    size_t  i;

    (void) state;
    for (i = 0; i < sl_nelem(rows); i++) {
        if (sl_proxy_health_status_ok((const u_char *) rows[i].line,
                                      strlen(rows[i].line)) != rows[i].ok)
        {
            fail_msg("row %zu: %s", i, rows[i].line);
        }
    }
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_health_status_line),
    };

    return cmocka_run_group_tests_name("proxy_health", tests, NULL, NULL);
}
