#!/usr/bin/env python3
"""sd_notify (issue 2): READY=1 with MAINPID and STATUS once the workers
accept, RELOADING=1 with MONOTONIC_USEC then READY=1 on HUP, STOPPING=1 on
QUIT and TERM, and WATCHDOG=1 pings while every worker's loop turns.
EXTEND_TIMEOUT_USEC (issue 8): a reload asks for its handshake's time,
and a graceful stop, which may outlast TimeoutStopSec, keeps asking for
what remains of shutdown_timeout while it drains."""
import os
import signal
import socket
import time
import unittest

import sltest

BODY = '{ match = "/"; return = { status = 200; body = "%s\\n"; }; }'


def conf(body="one", **kw):
    return sltest.conf(locations=BODY % body, workers=2, **kw)


class Notify(unittest.TestCase):
    def test_ready_after_start(self):
        srv = sltest.start(self, conf())
        i, ready = srv.notify.wait("READY", "1")
        self.assertEqual(ready["MAINPID"], str(srv.pid))
        self.assertEqual(ready["STATUS"],
                         "ready: generation 1, 2 of 2 workers")
        # Sent by the master itself, once every worker accepts.
        msgs = srv.notify.all()
        self.assertEqual(msgs[i][0], srv.pid)
        self.assertEqual([m for m in msgs if m[1].get("READY")], [msgs[i]])
        self.assertEqual(sltest.get(srv.port).status, 200)
        # A status line came first, while the workers were starting.
        first = [m[1]["STATUS"] for m in msgs if "STATUS" in m[1]][0]
        self.assertEqual(first[:9], "starting:")
        self.assertIn("all 2 workers are accepting", srv.error_log())

    def test_reload_is_announced_then_ready(self):
        srv = sltest.start(self, conf())
        start = len(srv.notify.all())
        srv.write_conf(conf("two"))
        before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        srv.kill(signal.SIGHUP)
        i, rel = srv.notify.wait("RELOADING", "1", start)
        after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        # MONOTONIC_USEC is CLOCK_MONOTONIC when the reload began.
        self.assertLessEqual(before, int(rel["MONOTONIC_USEC"]))
        self.assertLessEqual(int(rel["MONOTONIC_USEC"]), after)
        j, ready = srv.notify.wait("READY", "1", i + 1, timeout=10)
        self.assertEqual(ready["MAINPID"], str(srv.pid))
        self.assertEqual(ready["STATUS"],
                         "reloaded: generation 2, 2 of 2 workers")
        # READY=1 means the new generation serves (a client queued at that
        # moment may still be taken by an old worker as it stops).
        sltest.wait_for(lambda: sltest.get(srv.port).body == b"two\n", 2,
                        msg="generation 2 answering")

    def test_failed_reload_is_ready_again_with_the_reason(self):
        srv = sltest.start(self, conf())
        start = len(srv.notify.all())
        srv.write_conf(conf() + "\nbogus = 1;\n")
        srv.kill(signal.SIGHUP)
        i, _ = srv.notify.wait("RELOADING", "1", start)
        _, ready = srv.notify.wait("READY", "1", i + 1)
        self.assertRegex(ready["STATUS"], r'^reload failed: %s:\d+: "bogus": '
                         r'unknown directive' % srv.conf_path)

    def test_quit_is_announced(self):
        srv = sltest.start(self, conf())
        srv.stop(signal.SIGQUIT)
        _, msg = srv.notify.wait("STOPPING", "1")
        self.assertEqual(msg["STATUS"], "stopping gracefully")

    def test_term_is_announced(self):
        srv = sltest.start(self, conf())
        srv.stop(signal.SIGTERM)
        _, msg = srv.notify.wait("STOPPING", "1")
        self.assertEqual(msg["STATUS"], "stopping")
        self.assertIsNone(srv.notify.find("READY", "1",
                                          srv.notify.find("STOPPING")))

    def test_reload_asks_for_its_handshake_time(self):
        srv = sltest.start(self, conf())
        start = len(srv.notify.all())
        srv.kill(signal.SIGHUP)
        i, _ = srv.notify.wait("RELOADING", "1", start)
        _, ext = srv.notify.wait("EXTEND_TIMEOUT_USEC", None, i)
        # The handshake timeout (10 s) and the kill grace (5 s).
        self.assertEqual(ext["EXTEND_TIMEOUT_USEC"], "15000000")
        srv.notify.wait("READY", "1", i + 1, timeout=10)

    def test_long_graceful_stop_extends_the_stop_timeout(self):
        # shutdown_timeout 20 s; a client holds its connection with half a
        # request (client_header_timeout 60 s), so the drain lasts.
        srv = sltest.start(self, sltest.conf(
            workers=1, top="shutdown_timeout = 20;\n",
            http="client_header_timeout = 60;\n"))
        c = socket.create_connection(("127.0.0.1", srv.port))
        self.addCleanup(c.close)
        c.sendall(b"GET / HTTP/1.1\r\n")
        sltest.wait_for(lambda: sltest.accepted(c),
                        msg="the worker to accept the client")
        start = len(srv.notify.all())
        srv.kill(signal.SIGQUIT)
        i, _ = srv.notify.wait("STOPPING", "1", start)
        _, ext = srv.notify.wait("EXTEND_TIMEOUT_USEC", None, i)
        # What remains of shutdown_timeout, the kill grace (5 s) and the
        # time to the next message (5 s): 30 s, less what has passed.
        usec = int(ext["EXTEND_TIMEOUT_USEC"])
        self.assertGreater(usec, 29000000)
        self.assertLessEqual(usec, 30000000)
        # Still draining: the master waits for the connection. That it
        # does not exit only time passing can show.
        time.sleep(0.5)
        self.assertTrue(srv.alive())
        c.close()
        self.assertEqual(srv.wait_exit(10), 0)

    def test_no_watchdog_pings_without_watchdog_usec(self):
        srv = sltest.start(self, conf())
        # Two reloads' worth of time for a ping to show up if it would.
        srv.kill(signal.SIGHUP)
        srv.wait_log(r"reload done")
        srv.wait_log(r"generation 1 finished")
        self.assertIsNone(srv.notify.find("WATCHDOG"))


class Watchdog(unittest.TestCase):
    # WATCHDOG_USEC = 2 s: the master pings every 1 s, and calls a worker
    # stuck when its heartbeat is older than max(1 s, 3 s).
    def start(self):
        return sltest.start(self, conf(),
                            env={"WATCHDOG_USEC": "2000000"})

    def pings(self, srv, start=0):
        return [m for m in srv.notify.all()[start:] if "WATCHDOG" in m[1]]

    def test_pings_arrive(self):
        srv = self.start()
        sltest.wait_for(lambda: len(self.pings(srv)) >= 2, 4,
                        msg="two WATCHDOG=1")
        for pid, fields, _ in self.pings(srv):
            self.assertEqual(pid, srv.pid)
            self.assertEqual(fields["WATCHDOG"], "1")

    def test_pings_go_on_while_workers_are_idle(self):
        # Past the 3 s staleness limit without a client: the workers'
        # heartbeat timer, not traffic, keeps the pings coming.
        srv = self.start()
        sltest.wait_for(lambda: self.pings(srv), 3, msg="a first ping")
        time.sleep(3.5)   # the staleness limit must pass: time, not a state
        n = len(srv.notify.all())
        sltest.wait_for(lambda: self.pings(srv, n), 3, msg="a ping at 4 s")
        self.assertNotIn("not responding", srv.error_log())

    def test_pings_stop_while_a_worker_is_stuck(self):
        srv = self.start()
        sltest.wait_for(lambda: self.pings(srv), 3, msg="a first ping")
        worker = srv.workers()[0]
        os.kill(worker, signal.SIGSTOP)
        self.addCleanup(os.kill, worker, signal.SIGCONT)
        m = srv.wait_log(r"\[warn\] .*worker %d is not responding" % worker,
                         timeout=6)
        # From the first complaint on, no ping for a while (the master
        # checks every second and complains each time).
        n = len(srv.notify.all())
        mark = srv.log_mark()
        srv.wait_log(r"worker %d is not responding" % worker, since=mark,
                     timeout=3)
        self.assertEqual(self.pings(srv, n), [])
        self.assertTrue(m)
        # Unstuck, it beats again and the pings resume.
        os.kill(worker, signal.SIGCONT)
        n = len(srv.notify.all())
        sltest.wait_for(lambda: self.pings(srv, n), 4, msg="pings resuming")
        self.assertEqual(sltest.get(srv.port).status, 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
