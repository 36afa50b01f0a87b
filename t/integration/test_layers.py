#!/usr/bin/env python3
"""make check: no file includes a header from a layer below it, and the
checker itself catches a violation (so this test can fail)."""
import os
import subprocess
import sys
import tempfile
import unittest

SRC = os.environ.get("SL_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
CHECK = os.path.join(SRC, "build-aux", "check-layers")


def run(top):
    return subprocess.run([sys.executable, CHECK, top], capture_output=True, text=True)


class LayerTest(unittest.TestCase):
    def test_tree_respects_layers(self):
        r = run(SRC)
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_checker_catches_core_including_http(self):
        with tempfile.TemporaryDirectory() as top:
            for d in ("src/core", "src/event", "src/http", "modules/static"):
                os.makedirs(os.path.join(top, d))
            open(os.path.join(top, "src/http/sl_http.h"), "w").write("\n")
            open(os.path.join(top, "src/core/sl_x.c"), "w").write('#include "sl_http.h"\n')
            r = run(top)
            self.assertEqual(r.returncode, 1)
            self.assertIn("src/core/sl_x.c", r.stdout)

    def test_checker_catches_http_including_a_module(self):
        with tempfile.TemporaryDirectory() as top:
            for d in ("src/core", "src/event", "src/http", "modules/static"):
                os.makedirs(os.path.join(top, d))
            open(os.path.join(top, "modules/static/sl_static.h"), "w").write("\n")
            open(os.path.join(top, "src/http/sl_y.c"), "w").write('#include "sl_static.h"\n')
            self.assertEqual(run(top).returncode, 1)

    def test_checker_catches_a_module_including_engine_internals(self):
        with tempfile.TemporaryDirectory() as top:
            for d in ("src/core", "src/event", "src/http", "modules/static"):
                os.makedirs(os.path.join(top, d))
            for h in ("sl_http.h", "sl_http_module.h"):
                open(os.path.join(top, "src/http", h), "w").write("\n")
            ok = os.path.join(top, "modules/static/sl_a.c")
            open(ok, "w").write('#include "sl_http_module.h"\n')
            self.assertEqual(run(top).returncode, 0)
            open(os.path.join(top, "modules/static/sl_b.c"), "w").write(
                '#include "sl_http.h"\n')
            r = run(top)
            self.assertEqual(r.returncode, 1)
            self.assertIn("modules/static/sl_b.c: includes sl_http.h", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
