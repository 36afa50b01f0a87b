#!/usr/bin/env python3
"""Zero-error reloads and stops (issue 8), the short version run by make
check: under keep-alive and Connection: close load at once, reloads on
HUP (also changing worker_processes up and down) and a final `sluice -s
quit` cost no client a request, for accept = "reuseport" and "mutex",
and with deferred_accept on; refused reloads change nothing under load. Then each drain rule on its
own, deterministically (a worker held with SIGSTOP stands for a busy one):

- a reload to fewer workers keeps the retired reuseport sockets open, so
  clients queued on them are still served;
- a graceful stop serves the clients waiting in the accept queue instead
  of resetting them, and new connection attempts are ignored (then
  refused) rather than queued behind a socket about to close;
- a response that promised keep-alive before QUIT keeps its promise: the
  next request on that connection is answered (with Connection: close);
- shutdown_timeout cuts a stalled download, and says so.

The long version (40 reloads per case) is test_reload_soak.py, run by
make check-long.
"""
import errno
import os
import re
import select
import signal
import socket
import time
import unittest

import sltest
import slload

# Requests per second for the load in make check: enough traffic for the
# reload races to show, without starving the tests running beside us.
RATE = 4000
RELOADS = 10
# The worker counts of successive reloads, from 2: up, down, steady.
COUNTS = (3, 1, 2, 2)


def needs_loadgen(cls):
    return unittest.skipUnless(slload.have_loadgen(), "no %s (make check "
                               "builds it)" % slload.LOADGEN)(cls)


@needs_loadgen
class ReloadUnderLoad(unittest.TestCase):
    def reload_and_quit(self, accept, deferred):
        http = "deferred_accept = %s;\n" % ("true" if deferred else "false")
        srv = sltest.start(self, slload.worker_conf(2, accept,
                                                    extra_http=http))
        load = slload.start(self, srv.port, rate=RATE)
        reloader = slload.Reloader(srv, [slload.worker_conf(
            n, accept, extra_http=http) for n in COUNTS])
        reloader.run(RELOADS)
        stats = load.stop()
        slload.assert_clean(self, stats)
        self.assertEqual((reloader.done, reloader.failed), (RELOADS, 0))
        # The old generations leave once their clients are gone.
        srv.wait_workers(COUNTS[(RELOADS - 1) % len(COUNTS)], timeout=8)

        # The graceful stop: clients keep coming until it; every request
        # in flight is answered, later ones are refused.
        load = slload.start(self, srv.port, rate=RATE)
        time.sleep(0.3)   # let the load run: connections in every state
        r = sltest.run(["-s", "quit", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(srv.wait_exit(10), 0)
        if deferred:
            # A SYN ignored during the stop is retried 1 s and then 3 s
            # after the first: let the second meet the closed port.
            time.sleep(2)
        stats = load.stop()
        slload.assert_clean(self, stats, refused_ok=True)
        self.assertGreater(stats["refused"], 0, "the load ran past the stop")

    def test_reuseport(self):
        self.reload_and_quit("reuseport", deferred=False)

    def test_mutex(self):
        self.reload_and_quit("mutex", deferred=False)

    def test_deferred_accept(self):
        # Clients accepted with their request, answered before the epoll
        # set sees them; on the stop, clients that connected and have not
        # spoken yet are still taken (sl_http_worker_shutdown).
        self.reload_and_quit("reuseport", deferred=True)

    def test_refused_reloads_change_nothing(self):
        hog = socket.socket()
        self.addCleanup(hog.close)
        hog.bind(("127.0.0.1", 0))
        hog.listen(1)
        good = slload.worker_conf(2)
        srv = sltest.start(self, good)
        old = srv.workers()
        load = slload.start(self, srv.port, rate=RATE)

        # Invalid: -s reload names the file and line and signals nothing;
        # a bare HUP makes the master say the same and keep its workers.
        bad = good.replace("keepalive_timeout = 5;",
                           'keepalive_timeout = "x";')
        line = bad[:bad.index("keepalive_timeout")].count("\n") + 1
        srv.write_conf(bad)
        r = sltest.run(["-s", "reload", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:%d: \"keepalive_timeout\"" % (srv.conf_path, line),
                      r.stderr)
        mark = srv.log_mark()
        srv.kill(signal.SIGHUP)
        srv.wait_log(r"reload failed: %s:%d: " % (re.escape(srv.conf_path),
                                                  line), since=mark)

        # Valid, but one of its addresses is taken: the master's verdict.
        srv.write_conf(good.replace(
            '"127.0.0.1:@PORT@"', '"127.0.0.1:@PORT@", "127.0.0.1:%d"'
            % hog.getsockname()[1]))
        r = sltest.run(["-s", "reload", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r"reload refused: bind\(\) to 127\.0\.0\.1:"
                         r"%d failed" % hog.getsockname()[1])
        self.assertRegex(srv.error_log(), r"reload failed: bind\(\) to "
                         r"127\.0\.0\.1:%d failed" % hog.getsockname()[1])
        self.assertEqual(srv.workers(), old)

        stats = load.stop()
        slload.assert_clean(self, stats)
        self.assertEqual(srv.workers(), old)


def worker_by_index(srv, generation, index):
    """The pid the master logged for (generation, index)."""
    m = srv.wait_log(r"started worker (\d+) \(generation %d, index %d\)"
                     % (generation, index))
    return int(m.group(1))


def sent_requests(port, n):
    """n fresh clients, each with a whole request sent (Connection:
    close): they are connected, maybe still in an accept queue."""
    clients = []
    for _ in range(n):
        c = sltest.Client(port)
        c.request("GET", "/", headers=["Connection: close"])
        clients.append(c)
    return clients


def answered(client, wait):
    """True when client has bytes (or EOF) to read within wait seconds."""
    r, _, _ = select.select([client.sock], [], [], wait)
    return bool(r)


def stopped(test, pid):
    """SIGSTOPs pid until the test ends (or SIGCONT)."""
    def cont():
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    os.kill(pid, signal.SIGSTOP)
    test.addCleanup(cont)


class SmallWindowClient(sltest.Client):
    """A client whose receive buffer is tiny, so a big response it does not
    read stalls in the server."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect(("127.0.0.1", port))
        self.buf = b""
        self.eof = False


class Drain(unittest.TestCase):
    def test_fewer_workers_keep_the_retired_reuseport_socket(self):
        # Three reuseport sockets; worker 2 is stuck, so clients the kernel
        # queues on socket 2 wait. A reload to one worker must not retire
        # socket 2 (its clients would be reset when it closes, and new
        # ones would keep queuing there until then): the new worker polls
        # it, and serves them while old worker 2 is still stuck.
        srv = sltest.start(self, slload.worker_conf(3))
        victim = worker_by_index(srv, 1, 2)
        stopped(self, victim)
        clients = []
        for _ in range(4):
            clients += sent_requests(srv.port, 16)
            waiting = [c for c in clients if not answered(c, 0.3)]
            if waiting:
                break
        self.assertTrue(waiting, "no client landed on socket 2")
        for c in clients:
            self.addCleanup(c.close)
        srv.write_conf(slload.worker_conf(1))
        srv.kill(signal.SIGHUP)
        srv.wait_log(r"reload done: generation 2 serving")
        self.assertTrue(sltest.proc_starttime(victim))   # still stuck
        for c in waiting + sent_requests(srv.port, 16):
            r = c.read_response(timeout=3)
            self.assertEqual((r.status, r.body), (200, b"ok\n"))
        os.kill(victim, signal.SIGCONT)
        srv.wait_workers(1, timeout=5)

    def check_quit_serves_the_queue(self, accept):
        # More clients wait than the worker accepts per wake-up (32): it
        # sees them and the stop at once, and must take them all.
        srv = sltest.start(self, slload.worker_conf(1, accept))
        worker = srv.workers()[0]
        stopped(self, worker)
        queued = sent_requests(srv.port, 80)
        for c in queued:
            self.addCleanup(c.close)
        srv.kill(signal.SIGQUIT)
        sltest.wait_for(lambda: not slload.listening_sockets(srv.pid,
                                                            srv.port),
                        msg="the master to close its listen sockets")
        # A client arriving now is not queued behind a socket about to
        # close: its SYN goes unanswered, and once the socket is closed
        # its retry is refused.
        late = socket.socket()
        self.addCleanup(late.close)
        late.setblocking(False)
        self.assertNotEqual(late.connect_ex(("127.0.0.1", srv.port)), 0)
        _, w, _ = select.select([], [late], [], 0.5)
        self.assertEqual(w, [], "a connection was accepted after the stop")
        os.kill(worker, signal.SIGCONT)
        for c in queued:
            r = c.read_response(timeout=5)
            self.assertEqual((r.status, r.body), (200, b"ok\n"))
            self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(srv.wait_exit(5), 0)
        _, w, _ = select.select([], [late], [], 5)
        self.assertEqual(w, [late], "the late client heard nothing")
        self.assertEqual(late.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR),
                         errno.ECONNREFUSED)

    def test_quit_serves_the_accept_queue_reuseport(self):
        self.check_quit_serves_the_queue("reuseport")

    def test_quit_serves_the_accept_queue_mutex(self):
        self.check_quit_serves_the_queue("mutex")

    def big_response_conf(self, top=""):
        # Bigger than what the socket buffers hold when the client reads
        # nothing (its receive buffer is made small; the server's send
        # buffer grows to net.ipv4.tcp_wmem's 4 MiB at most). Written as
        # adjacent strings: libconfig reads one huge literal slowly.
        body = '" "'.join(["x" * (256 << 10)] * 24)
        return sltest.conf(locations='{ match = "/big"; return = { status = '
                           '200; body = "%s"; }; }, %s' % (body,
                                                            sltest.RETURN_OK),
                           workers=1, top=top)

    def stalled_download(self, port):
        c = SmallWindowClient(port)
        c.request("GET", "/big")
        # The response has begun: its head left before the stop.
        sltest.wait_for(lambda: answered(c, 0),
                        msg="the first bytes of the response")
        return c

    def test_keepalive_promised_before_quit_is_kept(self):
        srv = sltest.start(self, self.big_response_conf())
        worker = srv.workers()[0]
        c = self.stalled_download(srv.port)
        self.addCleanup(c.close)
        srv.kill(signal.SIGQUIT)
        sltest.wait_for(lambda: "shutting down" in
                        sltest.proc_cmdline(worker), msg="the worker drains")
        r = c.read_response(timeout=10)
        self.assertEqual((r.status, len(r.body)), (200, 6 << 20))
        self.assertIsNone(r.header("Connection"))   # keep-alive promised
        # So the client may send its next request at once: it is answered.
        c.request("GET", "/")
        r = c.read_response()
        self.assertEqual((r.status, r.body), (200, b"ok\n"))
        self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(c.wait_closed(), b"")
        self.assertEqual(srv.wait_exit(5), 0)

    def test_shutdown_timeout_cuts_a_stalled_download(self):
        srv = sltest.start(self, self.big_response_conf(
            "shutdown_timeout = 1;"))
        c = self.stalled_download(srv.port)
        self.addCleanup(c.close)
        t0 = time.monotonic()
        srv.kill(signal.SIGQUIT)
        self.assertEqual(srv.wait_exit(5), 0)
        self.assertGreater(time.monotonic() - t0, 0.8)
        self.assertIn("shutdown_timeout reached: closing 1 connections",
                      srv.error_log())
        # The client gets the end of what was sent, then the close.
        c.sock.settimeout(5)
        got = 0
        try:
            while True:
                data = c.sock.recv(1 << 20)
                if not data:
                    break
                got += len(data)
        except ConnectionResetError:
            pass
        self.assertLess(got, 6 << 20)


if __name__ == "__main__":
    unittest.main(verbosity=2)
