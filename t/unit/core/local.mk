# t/unit/core: the core layer's unit tests (fragment of the top
# Makefile.am): pool, str, time, log, buf, queue, rlimit, listen, and the
# config loader (test_conf, which registers the http block as src/sluice.c
# does).
sl_unit_tests += t/unit/core/test_pool t/unit/core/test_str \
	t/unit/core/test_time t/unit/core/test_log t/unit/core/test_buf \
	t/unit/core/test_queue t/unit/core/test_rlimit t/unit/core/test_listen \
	t/unit/core/test_conf t/unit/core/test_shm t/unit/core/test_freelist
t_unit_core_test_shm_SOURCES = t/unit/core/test_shm.c
t_unit_core_test_shm_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_core_test_shm_LDADD = $(SL_TEST_LIBS)
t_unit_core_test_freelist_SOURCES = t/unit/core/test_freelist.c
t_unit_core_test_freelist_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_core_test_freelist_LDADD = $(SL_TEST_LIBS)
t_unit_core_test_pool_SOURCES = t/unit/core/test_pool.c
t_unit_core_test_pool_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_core_test_pool_LDADD = $(SL_TEST_LIBS)
t_unit_core_test_str_SOURCES = t/unit/core/test_str.c
t_unit_core_test_str_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_core_test_str_LDADD = $(SL_TEST_LIBS)
t_unit_core_test_time_SOURCES = t/unit/core/test_time.c
t_unit_core_test_time_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_core_test_time_LDADD = $(SL_TEST_LIBS)
t_unit_core_test_log_SOURCES = t/unit/core/test_log.c
t_unit_core_test_log_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_core_test_log_LDADD = $(SL_TEST_LIBS)
t_unit_core_test_buf_SOURCES = t/unit/core/test_buf.c
t_unit_core_test_buf_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_core_test_buf_LDADD = $(SL_TEST_LIBS)
t_unit_core_test_queue_SOURCES = t/unit/core/test_queue.c
t_unit_core_test_queue_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_core_test_queue_LDADD = $(SL_TEST_LIBS)
t_unit_core_test_rlimit_SOURCES = t/unit/core/test_rlimit.c
t_unit_core_test_rlimit_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_core_test_rlimit_LDADD = $(SL_TEST_LIBS)
t_unit_core_test_listen_SOURCES = t/unit/core/test_listen.c
t_unit_core_test_listen_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_core_test_listen_LDADD = $(SL_TEST_LIBS)
t_unit_core_test_conf_SOURCES = t/unit/core/test_conf.c t/unit/conferr.h
t_unit_core_test_conf_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_core_test_conf_LDADD = $(SL_TEST_LIBS)
