# Integration tests: Python 3 (standard library only) driving the real binary.
TESTS += t/integration/test_layers.py
EXTRA_DIST += t/integration/test_layers.py
