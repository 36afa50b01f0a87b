# Integration tests: Python 3 (standard library only) driving the real binary.
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
# The example module of modules/README.md, in its own test binary.
TESTS += t/integration/test_example_module.py
EXTRA_DIST += t/integration/test_example_module.py
