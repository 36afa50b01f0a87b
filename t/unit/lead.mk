# t/unit: the lead's unit tests (config loading, CLI).
sl_unit_tests += t/unit/core/test_conf
t_unit_core_test_conf_SOURCES = t/unit/core/test_conf.c t/unit/conferr.h
t_unit_core_test_conf_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_core_test_conf_LDADD = $(SL_TEST_LIBS)
