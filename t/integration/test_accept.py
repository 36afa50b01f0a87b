#!/usr/bin/env python3
"""Accept strategies (issue 3): with 2 workers and accept = "reuseport" or
"mutex", many short connections (Connection: close, and keep-alive beside
them) are all served, none refused or reset, and both workers take a fair
share of them, as the status location's per-worker counters show.
"""
import re
import signal
import time
import unittest

import sltest
import slload

STATUS = '{ match = "= /status"; status = { }; }'
# The workers' accept counters come from the status module.
NEEDS_STATUS = unittest.skipUnless(sltest.has_module("status"),
                                   "built without the status module")
OK = '{ match = "/"; return = { status = 200; body = "ok\\n"; }; }'


def accepted_per_worker(port):
    """{pid: connections accepted} of the live workers, from /status."""
    body = sltest.get(port, "/status").body.decode()
    return {int(pid): int(n) for pid, n in re.findall(
        r'^sluice_connections_accepted_total\{pid="(\d+)",'
        r'generation="\d+"\} (\d+)$', body, re.M)}


@NEEDS_STATUS
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
        time.sleep(1.5)   # the share is measured over a stretch of load
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


def accepted_total(port):
    """Connections the workers accepted, this status request's included."""
    return sum(accepted_per_worker(port).values())


@NEEDS_STATUS
class DeferredAccept(unittest.TestCase):
    """deferred_accept = true sets TCP_DEFER_ACCEPT: a client that has
    connected but sent nothing is not accepted yet (the status counters
    do not see it), and is served as soon as it speaks."""

    def conf(self, deferred):
        return sltest.conf(locations="%s, %s" % (STATUS, OK), workers=1,
                           http="deferred_accept = %s;\n"
                                % ("true" if deferred else "false"))

    def silent_client_counted(self, srv, deferred):
        """Whether a connected, silent client was accepted (1) or not (0),
        as expected with deferred_accept on or off; it is then served
        once it sends its request."""
        before = accepted_total(srv.port)
        c = sltest.Client(srv.port)
        self.addCleanup(c.close)
        polls = []

        def counted():
            # Each status request is an accepted connection too.
            polls.append(1)
            return accepted_total(srv.port) - before - len(polls)
        if deferred:
            # Not accepted: only time can show it. Well within the
            # kernel's one second of waiting for the request.
            time.sleep(0.2)
            n = counted()
        else:
            n = sltest.wait_for(counted, msg="the silent client accepted")
        c.request("GET", "/", headers=["Connection: close"])
        self.assertEqual(c.read_response().status, 200)
        return n

    def test_silent_client_waits_in_the_kernel(self):
        srv = sltest.start(self, self.conf(True))
        self.assertEqual(self.silent_client_counted(srv, True), 0)

    def test_off_accepts_at_once(self):
        srv = sltest.start(self, self.conf(False))
        self.assertEqual(self.silent_client_counted(srv, False), 1)

    def test_reload_turns_it_on_and_off_on_kept_sockets(self):
        srv = sltest.start(self, self.conf(False))
        for deferred in (True, False):
            mark = srv.log_mark()
            srv.write_conf(self.conf(deferred))
            srv.kill(signal.SIGHUP)
            srv.wait_log(r"reload done", since=mark)
            srv.wait_workers(1)
            self.assertEqual(self.silent_client_counted(srv, deferred),
                             0 if deferred else 1)

    def test_quit_serves_clients_that_had_not_spoken(self):
        # Connected before the stop, silent until after it: the kernel
        # has not queued them, and a worker that closed its sockets at
        # once would have them reset.
        srv = sltest.start(self, self.conf(True))
        clients = [sltest.Client(srv.port) for _ in range(5)]
        for c in clients:
            self.addCleanup(c.close)
        r = sltest.run(["-s", "quit", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 0, r.stderr)
        # They speak once the worker has begun its final stop.
        srv.wait_log(r"final stop: clients connected without sending "
                     r"their request")
        for c in clients:
            c.request("GET", "/")
        for c in clients:
            resp = c.read_response()
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.header("Connection"), "close")
        self.assertEqual(srv.wait_exit(10), 0)
        self.assertIn("final stop: clients connected without sending "
                      "their request", srv.error_log())

    def test_quit_without_silent_clients_does_not_wait(self):
        # Nobody in the handshake: the kernel says so, and the workers
        # close at once instead of waiting out its second for a client
        # that may have connected.
        srv = sltest.start(self, self.conf(True))
        self.assertEqual(sltest.get(srv.port, "/").status, 200)
        start = time.monotonic()
        r = sltest.run(["-s", "quit", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(srv.wait_exit(10), 0)
        self.assertLess(time.monotonic() - start, 1.0,
                        "the stop waited for the kernel's second")
        self.assertNotIn("final stop: ", srv.error_log())

    @unittest.skipUnless(slload.have_loadgen(), "no %s (make check builds "
                         "it)" % slload.LOADGEN)
    def test_short_connections_are_all_served(self):
        # Most are answered and closed before they reach the epoll set.
        srv = sltest.start(self, self.conf(True))
        load = slload.start(self, srv.port, keepalive=5, close=20,
                            rate=2000)
        time.sleep(1)   # a stretch of load, then its count
        stats = load.stop()
        slload.assert_clean(self, stats)
        self.assertGreater(stats["connects"], 500, slload.summary(stats))


if __name__ == "__main__":
    unittest.main(verbosity=2)
