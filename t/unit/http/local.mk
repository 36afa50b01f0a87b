# t/unit/http: the http layer's unit tests (fragment of the top
# Makefile.am).

# The request parser, its field checks, the path normaliser and the
# chunked decoder.
sl_unit_tests += t/unit/http/test_http_parse
t_unit_http_test_http_parse_SOURCES = t/unit/http/test_http_parse.c \
	t/unit/guard.h
t_unit_http_test_http_parse_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_parse_LDADD = $(SL_TEST_LIBS)

sl_unit_tests += t/unit/http/test_http_parse_field
t_unit_http_test_http_parse_field_SOURCES = \
	t/unit/http/test_http_parse_field.c t/unit/guard.h
t_unit_http_test_http_parse_field_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_parse_field_LDADD = $(SL_TEST_LIBS)

sl_unit_tests += t/unit/http/test_http_parse_path
t_unit_http_test_http_parse_path_SOURCES = t/unit/http/test_http_parse_path.c \
	t/unit/guard.h
t_unit_http_test_http_parse_path_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_parse_path_LDADD = $(SL_TEST_LIBS)

sl_unit_tests += t/unit/http/test_http_parse_chunked
t_unit_http_test_http_parse_chunked_SOURCES = \
	t/unit/http/test_http_parse_chunked.c t/unit/guard.h
t_unit_http_test_http_parse_chunked_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_parse_chunked_LDADD = $(SL_TEST_LIBS)

# The body reader and the access log (on a loop), the http block's
# load-time checks.
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
	t/unit/conferr.h
t_unit_http_test_http_conf_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_conf_LDADD = $(SL_TEST_LIBS)

t_unit_http_test_http_log_SOURCES = t/unit/http/test_http_log.c \
	t/unit/event/evtest.h
t_unit_http_test_http_log_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_log_LDADD = $(SL_TEST_LIBS)

# The engine's pure and near-pure parts: routing, the response head, the
# cork of pipelined responses (on a socketpair and a loop).
sl_unit_tests += t/unit/http/test_http_route t/unit/http/test_http_response \
	t/unit/http/test_http_cork

t_unit_http_test_http_route_SOURCES = t/unit/http/test_http_route.c
t_unit_http_test_http_route_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_route_LDADD = $(SL_TEST_LIBS)

t_unit_http_test_http_response_SOURCES = t/unit/http/test_http_response.c \
	t/unit/event/evtest.h
t_unit_http_test_http_response_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_response_LDADD = $(SL_TEST_LIBS)

t_unit_http_test_http_cork_SOURCES = t/unit/http/test_http_cork.c \
	t/unit/event/evtest.h
t_unit_http_test_http_cork_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_cork_LDADD = $(SL_TEST_LIBS)
