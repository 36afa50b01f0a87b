# modules/proxy: the reverse proxy module, its unit tests, the test
# backend and the integration test. Included from modules/local.mk.
if SL_MODULE_PROXY
libsluice_a_SOURCES += \
	modules/proxy/sl_proxy.h \
	modules/proxy/sl_proxy_parse.h \
	modules/proxy/sl_proxy_parse.c \
	modules/proxy/sl_proxy_conf.c \
	modules/proxy/sl_proxy_upstream.c \
	modules/proxy/sl_proxy_health.c \
	modules/proxy/sl_proxy_pool.c \
	modules/proxy/sl_proxy_head.c \
	modules/proxy/sl_proxy_module.c \
	modules/proxy/sl_proxy_send.c \
	modules/proxy/sl_proxy_relay.c \
	modules/proxy/sl_proxy_tunnel.c \
	modules/proxy/sl_proxy_vars.c

SL_PROXY_TEST_CFLAGS = $(SL_TEST_CFLAGS) -I$(top_srcdir)/modules/proxy

sl_unit_tests += t/unit/proxy/test_proxy_parse
t_unit_proxy_test_proxy_parse_SOURCES = t/unit/proxy/test_proxy_parse.c \
	t/unit/guard.h
t_unit_proxy_test_proxy_parse_CFLAGS = $(SL_PROXY_TEST_CFLAGS)
t_unit_proxy_test_proxy_parse_LDADD = $(SL_TEST_LIBS)

sl_unit_tests += t/unit/proxy/test_proxy_upstream \
	t/unit/proxy/test_proxy_head t/unit/proxy/test_proxy_conf
t_unit_proxy_test_proxy_upstream_SOURCES = t/unit/proxy/test_proxy_upstream.c
t_unit_proxy_test_proxy_upstream_CFLAGS = $(SL_PROXY_TEST_CFLAGS)
t_unit_proxy_test_proxy_upstream_LDADD = $(SL_TEST_LIBS)
t_unit_proxy_test_proxy_head_SOURCES = t/unit/proxy/test_proxy_head.c
t_unit_proxy_test_proxy_head_CFLAGS = $(SL_PROXY_TEST_CFLAGS)
t_unit_proxy_test_proxy_head_LDADD = $(SL_TEST_LIBS)
t_unit_proxy_test_proxy_conf_SOURCES = t/unit/proxy/test_proxy_conf.c \
	t/unit/conferr.h
t_unit_proxy_test_proxy_conf_CFLAGS = $(SL_PROXY_TEST_CFLAGS)
t_unit_proxy_test_proxy_conf_LDADD = $(SL_TEST_LIBS)

sl_unit_tests += t/unit/proxy/test_proxy_vars
t_unit_proxy_test_proxy_vars_SOURCES = t/unit/proxy/test_proxy_vars.c
t_unit_proxy_test_proxy_vars_CFLAGS = $(SL_PROXY_TEST_CFLAGS)
t_unit_proxy_test_proxy_vars_LDADD = $(SL_TEST_LIBS)

# The test backend the integration test starts (t/backend).
check_PROGRAMS += t/backend/sl_test_backend
t_backend_sl_test_backend_SOURCES = t/backend/sl_test_backend.c
t_backend_sl_test_backend_LDADD = -lpthread

TESTS += t/integration/test_proxy.py
EXTRA_DIST += t/integration/test_proxy.py

endif
