# t/unit/static: the static module's unit tests (fragment of the top
# Makefile.am; left out with the module by --disable-static-module).
if SL_MODULE_STATIC
sl_static_tests = \
	t/unit/static/test_static_range \
	t/unit/static/test_static_cond \
	t/unit/static/test_static_file \
	t/unit/static/test_static_mime \
	t/unit/static/test_static_conf \
	t/unit/static/test_static_path \
	t/unit/static/test_static_autoindex \
	t/unit/static/test_static_cache \
	t/unit/static/test_static_resolve
sl_unit_tests += $(sl_static_tests)

t_unit_static_test_static_range_SOURCES = t/unit/static/test_static_range.c
t_unit_static_test_static_range_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_static_test_static_range_LDADD = $(SL_TEST_LIBS)

t_unit_static_test_static_cond_SOURCES = t/unit/static/test_static_cond.c \
	t/unit/guard.h
t_unit_static_test_static_cond_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_static_test_static_cond_LDADD = $(SL_TEST_LIBS)

t_unit_static_test_static_file_SOURCES = t/unit/static/test_static_file.c \
	t/unit/static/tree.h
t_unit_static_test_static_file_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_static_test_static_file_LDADD = $(SL_TEST_LIBS)

t_unit_static_test_static_mime_SOURCES = t/unit/static/test_static_mime.c
t_unit_static_test_static_mime_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_static_test_static_mime_LDADD = $(SL_TEST_LIBS)

t_unit_static_test_static_conf_SOURCES = t/unit/static/test_static_conf.c
t_unit_static_test_static_conf_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_static_test_static_conf_LDADD = $(SL_TEST_LIBS)

t_unit_static_test_static_path_SOURCES = t/unit/static/test_static_path.c
t_unit_static_test_static_path_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_static_test_static_path_LDADD = $(SL_TEST_LIBS)

t_unit_static_test_static_autoindex_SOURCES = \
	t/unit/static/test_static_autoindex.c
t_unit_static_test_static_autoindex_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_static_test_static_autoindex_LDADD = $(SL_TEST_LIBS)

t_unit_static_test_static_cache_SOURCES = t/unit/static/test_static_cache.c \
	t/unit/static/tree.h
t_unit_static_test_static_cache_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_static_test_static_cache_LDADD = $(SL_TEST_LIBS)

t_unit_static_test_static_resolve_SOURCES = \
	t/unit/static/test_static_resolve.c
t_unit_static_test_static_resolve_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_static_test_static_resolve_LDADD = $(SL_TEST_LIBS)
endif
