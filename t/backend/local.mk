# t/backend: the HTTP backend the proxy's integration test starts
# (fragment of the top Makefile.am; built by make check with the module).
if SL_MODULE_PROXY
check_PROGRAMS += t/backend/sl_test_backend
t_backend_sl_test_backend_SOURCES = t/backend/sl_test_backend.c
t_backend_sl_test_backend_LDADD = -lpthread
endif
