# t/unit/event: the event layer's unit tests (fragment of the top
# Makefile.am): one binary per unit, some with system calls wrapped.
sl_event_tests = \
	t/unit/event/test_timer \
	t/unit/event/test_posted \
	t/unit/event/test_epoll \
	t/unit/event/test_wakeup \
	t/unit/event/test_evsignal \
	t/unit/event/test_conns \
	t/unit/event/test_thread_pool \
	t/unit/event/test_accept \
	t/unit/event/test_accept_emfile \
	t/unit/event/test_accept_wrap \
	t/unit/event/test_batch
sl_unit_tests += $(sl_event_tests)
EXTRA_DIST += t/unit/event/evtest.h

t_unit_event_test_timer_SOURCES = t/unit/event/test_timer.c t/unit/event/evtest.h
t_unit_event_test_timer_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_event_test_timer_LDADD = $(SL_TEST_LIBS)

t_unit_event_test_posted_SOURCES = t/unit/event/test_posted.c t/unit/event/evtest.h
t_unit_event_test_posted_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_event_test_posted_LDADD = $(SL_TEST_LIBS)

t_unit_event_test_epoll_SOURCES = t/unit/event/test_epoll.c t/unit/event/evtest.h
t_unit_event_test_epoll_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_event_test_epoll_LDADD = $(SL_TEST_LIBS)

t_unit_event_test_wakeup_SOURCES = t/unit/event/test_wakeup.c t/unit/event/evtest.h
t_unit_event_test_wakeup_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_event_test_wakeup_LDADD = $(SL_TEST_LIBS)

t_unit_event_test_evsignal_SOURCES = t/unit/event/test_evsignal.c t/unit/event/evtest.h
t_unit_event_test_evsignal_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_event_test_evsignal_LDADD = $(SL_TEST_LIBS)

t_unit_event_test_conns_SOURCES = t/unit/event/test_conns.c t/unit/event/evtest.h
t_unit_event_test_conns_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_event_test_conns_LDADD = $(SL_TEST_LIBS)

t_unit_event_test_thread_pool_SOURCES = t/unit/event/test_thread_pool.c t/unit/event/evtest.h
t_unit_event_test_thread_pool_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_event_test_thread_pool_LDADD = $(SL_TEST_LIBS)

t_unit_event_test_accept_SOURCES = t/unit/event/test_accept.c t/unit/event/evtest.h
t_unit_event_test_accept_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_event_test_accept_LDADD = $(SL_TEST_LIBS)

t_unit_event_test_accept_emfile_SOURCES = t/unit/event/test_accept_emfile.c t/unit/event/evtest.h
t_unit_event_test_accept_emfile_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_event_test_accept_emfile_LDADD = $(SL_TEST_LIBS)

t_unit_event_test_accept_wrap_SOURCES = t/unit/event/test_accept_wrap.c t/unit/event/evtest.h
t_unit_event_test_accept_wrap_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_event_test_accept_wrap_LDADD = $(SL_TEST_LIBS)
t_unit_event_test_accept_wrap_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=accept4

t_unit_event_test_batch_SOURCES = t/unit/event/test_batch.c t/unit/event/evtest.h
t_unit_event_test_batch_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_event_test_batch_LDADD = $(SL_TEST_LIBS)

# Re-arming (del + add) with epoll_ctl and epoll_wait wrapped to count
# the system calls and see what the kernel still reports.
sl_event_rearm_test = t/unit/event/test_epoll_rearm
sl_unit_tests += $(sl_event_rearm_test)
t_unit_event_test_epoll_rearm_SOURCES = t/unit/event/test_epoll_rearm.c t/unit/event/evtest.h
t_unit_event_test_epoll_rearm_CFLAGS = $(SL_TEST_CFLAGS)
t_unit_event_test_epoll_rearm_LDADD = $(SL_TEST_LIBS)
t_unit_event_test_epoll_rearm_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=epoll_ctl -Wl,--wrap=epoll_wait
