# src/event: fragment of the top Makefile.am (the event loop, timers,
# accept strategies, batched sends, the thread pool). Its unit tests are
# in t/unit/event/local.mk.
libsluice_a_SOURCES += \
	src/event/sl_event.h src/event/sl_loop.h \
	src/event/sl_epoll.c src/event/sl_timer.c src/event/sl_posted.c \
	src/event/sl_wakeup.c src/event/sl_evsignal.c \
	src/event/sl_conns.c src/event/sl_conns.h src/event/sl_batch.c \
	src/event/sl_accept.c src/event/sl_accept.h \
	src/event/sl_thread_pool.c src/event/sl_thread_pool.h
