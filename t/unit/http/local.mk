# t/unit/http/local.mk: the request body reader and the access log (their
# sources and their unit tests), and the http block's load-time checks.
# Included from the top Makefile.am.

libsluice_a_SOURCES += src/http/sl_http_body.c src/http/sl_http_access_log.c

sl_unit_tests += t/unit/http/test_http_access_log t/unit/http/test_http_body \
	t/unit/http/test_http_conf t/unit/http/test_http_log

t_unit_http_test_http_access_log_SOURCES = \
	t/unit/http/test_http_access_log.c t/unit/event/evtest.h
t_unit_http_test_http_access_log_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_access_log_LDADD = $(SL_TEST_LIBS)

t_unit_http_test_http_body_SOURCES = t/unit/http/test_http_body.c \
	t/unit/event/evtest.h
t_unit_http_test_http_body_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_body_LDADD = $(SL_TEST_LIBS)
t_unit_http_test_http_body_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=epoll_ctl \
	-Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=posix_memalign

t_unit_http_test_http_conf_SOURCES = t/unit/http/test_http_conf.c \
	t/unit/conferr.h t/unit/guard.h
t_unit_http_test_http_conf_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_conf_LDADD = $(SL_TEST_LIBS)

t_unit_http_test_http_log_SOURCES = t/unit/http/test_http_log.c \
	t/unit/event/evtest.h
t_unit_http_test_http_log_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_log_LDADD = $(SL_TEST_LIBS)
