#!/usr/bin/env python3
"""Accept strategies (issue 3): with 2 workers and accept = "reuseport" or
"mutex", many short connections (Connection: close, and keep-alive beside
them) are all served, none refused or reset, and both workers take a fair
share of them, as the status location's per-worker counters show.
"""
import re
import time
import unittest

import sltest
import slload

STATUS = '{ match = "= /status"; status = { }; }'
OK = '{ match = "/"; return = { status = 200; body = "ok\\n"; }; }'


def accepted_per_worker(port):
    """{pid: connections accepted} of the live workers, from /status."""
    body = sltest.get(port, "/status").body.decode()
    return {int(pid): int(n) for pid, n in re.findall(
        r'^sluice_connections_accepted_total\{pid="(\d+)",'
        r'generation="\d+"\} (\d+)$', body, re.M)}


@unittest.skipUnless(slload.have_loadgen(), "no %s (make check builds it)"
                     % slload.LOADGEN)
class AcceptStrategies(unittest.TestCase):
    def spread(self, accept):
        srv = sltest.start(self, sltest.conf(
            locations="%s, %s" % (STATUS, OK), workers=2, level="notice",
            top='accept = "%s";\n' % accept,
            http='access_log = { path = "off"; };\n'))
        workers = set(srv.wait_workers(2))
        before = accepted_per_worker(srv.port)
        # 40 clients that close after each request, 10 that keep alive.
        load = slload.start(self, srv.port, keepalive=10, close=40,
                            rate=3000)
        time.sleep(1.5)
        stats = load.stop()
        slload.assert_clean(self, stats)
        after = accepted_per_worker(srv.port)
        self.assertEqual(set(after), workers)
        took = {pid: after[pid] - before.get(pid, 0) for pid in workers}
        total = sum(took.values())
        # Every connection the client made was accepted by one of them.
        self.assertGreaterEqual(total, stats["connects"])
        self.assertGreater(stats["connects"], 1000, slload.summary(stats))
        for pid, n in took.items():
            self.assertGreater(n, total // 5, "worker %d took %d of %d: %s"
                               % (pid, n, total, took))

    def test_reuseport(self):
        self.spread("reuseport")

    def test_mutex(self):
        self.spread("mutex")


if __name__ == "__main__":
    unittest.main(verbosity=2)
