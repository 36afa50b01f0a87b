# t/integration/reload.mk: fragment of the top Makefile.am (issue 8:
# zero-error reload, drain, binary upgrade, socket activation).
#
# make check runs the short versions: 10 reloads per accept strategy under
# load, the drain cases one by one, USR2 upgrade and rollback under load,
# and systemd socket activation with sockets the test passes itself.
#     make check-long
# runs the soak: 40 reloads 0.25 s apart under load for each accept
# strategy, with a fixed and with a changing worker_processes, and a
# graceful stop under load at the end of each (a few minutes).

# The load client the tests drive (t/loadgen/sl_loadgen.c): it tells a
# refused connect from a client the server dropped, which wrk cannot.
check_PROGRAMS += t/loadgen/sl_loadgen
t_loadgen_sl_loadgen_SOURCES = t/loadgen/sl_loadgen.c

TESTS += t/integration/test_reload_load.py t/integration/test_upgrade.py \
	t/integration/test_socket_activation.py
EXTRA_DIST += t/integration/slload.py t/integration/test_reload_load.py \
	t/integration/test_upgrade.py t/integration/test_socket_activation.py \
	t/integration/test_reload_soak.py t/integration/reload_compare.py

# Not in TESTS: minutes long. Prints what it measured.
check-long: check-long-reload
check-long-reload: sluice t/loadgen/sl_loadgen
	@$(AM_TESTS_ENVIRONMENT) $(PYTHON) \
	    $(srcdir)/t/integration/test_reload_soak.py -v

.PHONY: check-long check-long-reload
