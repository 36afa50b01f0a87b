#!/usr/bin/env python3
"""The reload soak (issue 8), run by `make check-long`, not by make check:
for accept = "reuseport" and "mutex", with worker_processes fixed at 2 and
changing at each reload (2, 3, 1, 2, 2, 3, ...), 40 reloads (HUP) 0.25 s
apart under keep-alive and Connection: close load at full speed, then a
graceful stop (`sluice -s quit`) under load; once more with
deferred_accept on. Every request must get a 2xx
response: no refused connect before the stop, no reset, no EOF before a
response, no timeout. Prints what each run measured.

SL_SOAK_RELOADS changes the number of reloads (default 40).
"""
import os
import sys
import time
import unittest

import sltest
import slload

RELOADS = int(os.environ.get("SL_SOAK_RELOADS", "40"))
KEEPALIVE, CLOSE = 50, 20


def report(line):
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


@unittest.skipUnless(slload.have_loadgen(), "no %s" % slload.LOADGEN)
class Soak(unittest.TestCase):
    def soak(self, accept, counts, deferred=False):
        http = "deferred_accept = %s;\n" % ("true" if deferred else "false")
        srv = sltest.start(self, slload.worker_conf(2, accept,
                                                    extra_http=http))
        label = accept + ("+deferred" if deferred else "")
        load = slload.start(self, srv.port, keepalive=KEEPALIVE, close=CLOSE)
        t0 = time.monotonic()
        reloader = slload.Reloader(srv, [slload.worker_conf(
            n, accept, extra_http=http) for n in counts])
        reloader.run(RELOADS)
        stats = load.stop()
        took = time.monotonic() - t0
        report("soak %-18s workers %-10s %d reloads in %.1f s: %s"
               % (label, "/".join(map(str, counts)), reloader.done, took,
                  slload.summary(stats)))

        # Measured before judged: a failed reload run still shows what
        # the stop does.
        quit_load = slload.start(self, srv.port, keepalive=KEEPALIVE,
                                 close=CLOSE)
        time.sleep(0.5)   # a stretch of load: connections in every state
        r = sltest.run(["-s", "quit", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(srv.wait_exit(10), 0)
        quit_stats = quit_load.stop()
        report("soak %-18s workers %-10s quit: %s"
               % (label, "/".join(map(str, counts)),
                  slload.summary(quit_stats)))

        slload.assert_clean(self, stats)
        self.assertEqual((reloader.done, reloader.failed), (RELOADS, 0))
        slload.assert_clean(self, quit_stats, refused_ok=True)

    def test_reuseport_fixed(self):
        self.soak("reuseport", [2])

    def test_reuseport_changing(self):
        self.soak("reuseport", [3, 1, 2, 2])

    def test_mutex_fixed(self):
        self.soak("mutex", [2])

    def test_mutex_changing(self):
        self.soak("mutex", [3, 1, 2, 2])

    def test_reuseport_changing_deferred(self):
        self.soak("reuseport", [3, 1, 2, 2], deferred=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
