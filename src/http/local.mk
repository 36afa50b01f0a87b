# src/http: fragment of the top Makefile.am

libsluice_a_SOURCES += \
	src/http/sl_http_parse.h \
	src/http/sl_http_parse.c \
	src/http/sl_http_parse_field.c \
	src/http/sl_http_parse_path.c \
	src/http/sl_http_parse_chunked.c

# Unit tests of the request parser (t/unit/http/).
sl_unit_tests += t/unit/http/test_http_parse
t_unit_http_test_http_parse_SOURCES = t/unit/http/test_http_parse.c \
	t/unit/guard.h
t_unit_http_test_http_parse_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_http_test_http_parse_LDADD = $(SL_TEST_LIBS)

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

# A micro-benchmark of the parser, built and run on request only:
#     make bench-http-parse
# It compiles the parser sources itself, with the configured CC and CFLAGS.
BENCH_HTTP_PARSE_SRC = $(top_srcdir)/t/unit/http/bench_http_parse.c \
	$(top_srcdir)/src/http/sl_http_parse.c \
	$(top_srcdir)/src/http/sl_http_parse_field.c \
	$(top_srcdir)/src/http/sl_http_parse_path.c \
	$(top_srcdir)/src/http/sl_http_parse_chunked.c

t/unit/http/bench_http_parse: $(BENCH_HTTP_PARSE_SRC) \
		$(top_srcdir)/src/http/sl_http_parse.h
	@$(MKDIR_P) t/unit/http
	$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(CPPFLAGS) \
		$(AM_CFLAGS) $(CFLAGS) -o $@ $(BENCH_HTTP_PARSE_SRC)

bench-http-parse: t/unit/http/bench_http_parse
	./t/unit/http/bench_http_parse

.PHONY: bench-http-parse
CLEANFILES += t/unit/http/bench_http_parse
EXTRA_DIST += t/unit/http/bench_http_parse.c
