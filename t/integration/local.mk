# t/integration: tests that run the real binary on loopback (fragment of
# the top Makefile.am). Python 3, standard library only.
TESTS += t/integration/test_layers.py
EXTRA_DIST += t/integration/test_layers.py
# The shared harness (imported by the tests, not run itself), then the CLI,
# the process model, sd_notify and the HTTP engine over raw sockets.
TESTS += t/integration/test_cli.py t/integration/test_master.py \
	t/integration/test_notify.py t/integration/test_http_engine.py \
	t/integration/test_send_batch.py t/integration/test_limits.py
EXTRA_DIST += t/integration/sltest.py t/integration/test_cli.py \
	t/integration/test_master.py t/integration/test_notify.py \
	t/integration/test_http_engine.py t/integration/test_send_batch.py \
	t/integration/test_limits.py
# The benchmark suite's own parts: bench.py's selftest and canned.
TESTS += t/integration/test_bench_tools.py
EXTRA_DIST += t/integration/test_bench_tools.py
# Accept strategies: both workers share the clients, none is refused.
TESTS += t/integration/test_accept.py
EXTRA_DIST += t/integration/test_accept.py
# The manual and the parser know the same directives (man/sluice.conf.5
# against `sluice -T` and the field tables).
TESTS += t/integration/test_conf_docs.py
EXTRA_DIST += t/integration/test_conf_docs.py

# The modules, each with its module (configure --disable-<name>-module).
if SL_MODULE_STATIC
TESTS += t/integration/test_static.py
EXTRA_DIST += t/integration/test_static.py
endif
# The proxy's test starts t/backend/sl_test_backend.
if SL_MODULE_PROXY
TESTS += t/integration/test_proxy.py
EXTRA_DIST += t/integration/test_proxy.py
endif

# Issue 8: zero-error reload, drain, binary upgrade, socket activation,
# with the load client t/loadgen/sl_loadgen.
#
# make check runs the short versions: 10 reloads per accept strategy under
# load, the drain cases one by one, USR2 upgrade and rollback under load,
# and systemd socket activation with sockets the test passes itself.
#     make check-long
# runs the soak: 40 reloads 0.25 s apart under load for each accept
# strategy, with a fixed and with a changing worker_processes, and a
# graceful stop under load at the end of each (a few minutes).
TESTS += t/integration/test_reload_load.py t/integration/test_upgrade.py \
	t/integration/test_socket_activation.py
EXTRA_DIST += t/integration/slload.py t/integration/test_reload_load.py \
	t/integration/test_upgrade.py t/integration/test_socket_activation.py \
	t/integration/test_reload_soak.py

# Not in TESTS: minutes long. Prints what it measured.
check-long: check-long-reload
check-long-reload: sluice t/loadgen/sl_loadgen
	@$(AM_TESTS_ENVIRONMENT) $(PYTHON) \
	    $(srcdir)/t/integration/test_reload_soak.py -v

.PHONY: check-long check-long-reload
# The example module of modules/README.md, in its own test binary.
TESTS += t/integration/test_example_module.py
EXTRA_DIST += t/integration/test_example_module.py
