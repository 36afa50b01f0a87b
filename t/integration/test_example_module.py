#!/usr/bin/env python3
"""The example module of modules/README.md, run in the test binary that
make check links it into (t/example/sluice-example): each hook does what
the README says. Config: the greeting's default and its load-time check
(file:line). Master: the shared visitor count goes on across workers and
across a reload. Worker: each logs its count when it exits. Request: GET
and HEAD answered, others 405 with Allow; $example_visitor in the access
log, "-" for a request another location answered."""
import os
import re
import signal
import unittest

import sltest

BINARY = os.path.join(os.environ.get("SL_BUILDDIR", "."), "t", "example",
                      "sluice-example")

LOCATIONS = ('{ match = "/hi"; example = { greeting = "%s"; }; },'
             ' { match = "/plain"; example = { }; },'
             ' { match = "/"; return = { status = 200; body = "ok\\n"; }; }')
ACCESS = ('access_log = { path = "access.log"; '
          'format = "$uri $status $example_visitor"; };')


def conf(greeting="hello", workers=2):
    return sltest.conf(locations=LOCATIONS % greeting, workers=workers,
                       http=ACCESS)


@unittest.skipUnless(os.access(BINARY, os.X_OK),
                     "no %s (make check builds it)" % BINARY)
class ExampleModule(unittest.TestCase):
    def setUp(self):
        self.saved = sltest.BINARY
        sltest.BINARY = os.path.abspath(BINARY)
        self.addCleanup(setattr, sltest, "BINARY", self.saved)

    def test_counts_across_workers_and_a_reload(self):
        srv = sltest.start(self, conf())
        seen = []
        for _ in range(6):
            r = sltest.get(srv.port, "/hi")
            self.assertEqual(r.status, 200)
            seen.append(r.body)
        self.assertEqual(seen, [b"hello, visitor %d\n" % n
                                for n in range(1, 7)])
        mark = srv.log_mark()
        srv.write_conf(conf("bonjour"))
        srv.kill(signal.SIGHUP)
        srv.wait_log(r"reload done", since=mark)
        r = sltest.get(srv.port, "/hi")
        self.assertEqual(r.body, b"bonjour, visitor 7\n")
        self.assertEqual(sltest.get(srv.port, "/plain").body,
                         b"hello, visitor 8\n")   # the default greeting

    def test_methods(self):
        srv = sltest.start(self, conf())
        r = sltest.get(srv.port, "/hi", method="HEAD")
        self.assertEqual((r.status, r.body), (200, b""))
        self.assertEqual(r.header("Content-Length"), "17")
        r = sltest.get(srv.port, "/hi", method="DELETE")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("Allow"), "GET, HEAD")

    def test_variable_in_the_access_log(self):
        srv = sltest.start(self, conf(workers=1))
        self.assertEqual(sltest.get(srv.port, "/hi").status, 200)
        self.assertEqual(sltest.get(srv.port, "/other").status, 200)
        path = srv.path("access.log")
        lines = sltest.wait_for(
            lambda: os.path.exists(path)
            and len(sltest.read_text(path).splitlines()) >= 2
            and sltest.read_text(path).splitlines(),
            msg="two access log lines")
        self.assertEqual(lines[:2], ["/hi 200 1", "/other 200 -"])

    def test_workers_log_their_count_when_they_exit(self):
        srv = sltest.start(self, conf(workers=1))
        for _ in range(3):
            sltest.get(srv.port, "/hi")
        srv.stop(signal.SIGQUIT)
        self.assertIn("example: this worker greeted 3 visitors",
                      srv.error_log())

    def test_bad_greeting_is_a_config_error(self):
        srv = sltest.Server(conf("x" * 65))
        self.addCleanup(srv.close)
        srv.ports = sltest.free_ports(1)
        srv.write_conf()
        r = sltest.run(["-t", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"sluice\.conf:\d+: .*\"greeting\" must "
                         r"have 1 to 64 characters")


if __name__ == "__main__":
    unittest.main(verbosity=2)
