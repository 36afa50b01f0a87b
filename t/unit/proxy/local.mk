# t/unit/proxy: the proxy module's unit tests (fragment of the top
# Makefile.am; left out with the module by --disable-proxy-module).
if SL_MODULE_PROXY
SL_PROXY_TEST_CFLAGS = $(SL_TEST_CFLAGS) -I$(top_srcdir)/modules/proxy

sl_unit_tests += t/unit/proxy/test_proxy_parse
t_unit_proxy_test_proxy_parse_SOURCES = t/unit/proxy/test_proxy_parse.c \
	t/unit/guard.h
t_unit_proxy_test_proxy_parse_CFLAGS = $(SL_PROXY_TEST_CFLAGS)
t_unit_proxy_test_proxy_parse_LDADD = $(SL_TEST_LIBS)

sl_unit_tests += t/unit/proxy/test_proxy_upstream \
	t/unit/proxy/test_proxy_head t/unit/proxy/test_proxy_conf \
	t/unit/proxy/test_proxy_health
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
t_unit_proxy_test_proxy_health_SOURCES = t/unit/proxy/test_proxy_health.c
t_unit_proxy_test_proxy_health_CFLAGS = $(SL_PROXY_TEST_CFLAGS)
t_unit_proxy_test_proxy_health_LDADD = $(SL_TEST_LIBS)

sl_unit_tests += t/unit/proxy/test_proxy_vars
t_unit_proxy_test_proxy_vars_SOURCES = t/unit/proxy/test_proxy_vars.c
t_unit_proxy_test_proxy_vars_CFLAGS = $(SL_PROXY_TEST_CFLAGS)
t_unit_proxy_test_proxy_vars_LDADD = $(SL_TEST_LIBS)
endif
