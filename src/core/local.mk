# src/core: fragment of the top Makefile.am (strings, pools, buffers,
# time, logs, config, cycle, listen sockets, processes). Its unit tests
# are in t/unit/core/local.mk.
libsluice_a_SOURCES += \
	src/core/sl_core.h src/core/sl_queue.h \
	src/core/sl_str.c src/core/sl_str.h \
	src/core/sl_pool.c src/core/sl_pool.h \
	src/core/sl_buf.c src/core/sl_buf.h \
	src/core/sl_freelist.c src/core/sl_freelist.h \
	src/core/sl_time.c src/core/sl_time.h \
	src/core/sl_log.c src/core/sl_log.h
libsluice_a_SOURCES += \
	src/core/sl_conf.c src/core/sl_conf.h \
	src/core/sl_cycle.c src/core/sl_cycle.h \
	src/core/sl_listen.c src/core/sl_listen.h src/core/sl_listen_store.c \
	src/core/sl_listen_diag.c \
	src/core/sl_shm.c src/core/sl_shm.h \
	src/core/sl_notify.c src/core/sl_notify.h \
	src/core/sl_signal.c src/core/sl_signal.h \
	src/core/sl_process.c src/core/sl_process.h \
	src/core/sl_rlimit.c src/core/sl_rlimit.h
