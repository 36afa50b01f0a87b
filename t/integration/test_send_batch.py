#!/usr/bin/env python3
"""Batched sends (`io_uring`, on by default): small keep-alive responses
leave through the worker's io_uring, not one write call each; with
`io_uring = false` every response is a write call; responses to a client
that stops reading stay in order; a client that never reads is timed out
and its socket released. Skipped where the kernel refuses io_uring."""
import os
import socket
import time
import unittest

import sltest
import test_proxy

A = "a" * 3000
B = "b" * 3000
LOCATIONS = ",\n".join([
    '{ match = "/"; return = { status = 200; body = "ok\\n"; }; }',
    '{ match = "= /a"; return = { status = 200; body = "%s"; }; }' % A,
    '{ match = "= /b"; return = { status = 200; body = "%s"; }; }' % B,
])


# More than the kernel lets a socket buffer (tcp_wmem's 4 MiB here), so
# the worker's sends run into a full socket and must wait.
STUCK = 1500


def batch_conf(io_uring=True, send_timeout=10):
    return sltest.conf(locations=LOCATIONS, workers=1,
                       top="io_uring = %s;" % ("true" if io_uring
                                               else "false"),
                       http="send_timeout = %d;" % send_timeout)


def write_calls(pid):
    """Write-type system calls the process made (writev counts; a send
    made by io_uring does not)."""
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            if line.startswith("syscw:"):
                return int(line.split()[1])
    raise AssertionError("no syscw in /proc/%d/io" % pid)


def has_ring(pid):
    fds = "/proc/%d/fd" % pid
    for name in os.listdir(fds):
        try:
            if "io_uring" in os.readlink(os.path.join(fds, name)):
                return True
        except OSError:
            pass
    return False


class SendBatch(unittest.TestCase):

    def start(self, io_uring=True, send_timeout=10):
        srv = sltest.Server(batch_conf(io_uring, send_timeout))
        self.addCleanup(srv.close)
        srv.start()
        worker = srv.wait_workers(1)[0]
        if io_uring and not has_ring(worker):
            self.assertIn("sends are not batched", srv.error_log())
            self.skipTest("io_uring refused here")
        return srv, worker

    def keepalive_writes(self, srv, worker, n=200, body=b"ok\n"):
        c = sltest.Client(srv.port)
        self.addCleanup(c.close)
        c.request(path="/")
        self.assertEqual(c.read_response().status, 200)
        before = write_calls(worker)
        for _ in range(n):
            c.request(path="/")
            r = c.read_response()
            self.assertEqual(r.status, 200)
            if body is not None:
                self.assertEqual(r.body, body)
        return write_calls(worker) - before

    def start_proxy(self, io_uring):
        """sluice proxying / to a test backend over kept-alive
        connections."""
        if not sltest.has_module("proxy"):
            self.skipTest("built without the proxy module")
        be = test_proxy.Backend("b")
        self.addCleanup(be.stop)
        srv = sltest.Server(sltest.conf(
            locations='{ match = "/"; proxy = { upstream = "b"; }; }',
            top="io_uring = %s;" % ("true" if io_uring else "false"),
            http='upstreams = ( { name = "b"; keepalive = 4; servers = '
                 '( { address = "%s"; } ); } );' % be.addr))
        self.addCleanup(srv.close)
        srv.start()
        worker = srv.wait_workers(1)[0]
        if io_uring and not has_ring(worker):
            self.skipTest("io_uring refused here")
        return srv, worker

    def test_proxied_requests_make_no_write_call(self):
        # Both the request to the backend and the response to the client
        # leave with the loop's batch.
        srv, worker = self.start_proxy(True)
        self.assertLess(self.keepalive_writes(srv, worker, body=None), 20)

    def test_proxied_requests_with_io_uring_off(self):
        srv, worker = self.start_proxy(False)
        self.assertGreaterEqual(
            self.keepalive_writes(srv, worker, body=None), 400)

    def test_small_responses_make_no_write_call(self):
        srv, worker = self.start()
        self.assertLess(self.keepalive_writes(srv, worker), 20)

    def test_io_uring_off_writes_every_response(self):
        srv, worker = self.start(io_uring=False)
        self.assertFalse(has_ring(worker))
        self.assertGreaterEqual(self.keepalive_writes(srv, worker), 200)

    def stuck_client(self, srv, n):
        """A client with a tiny receive window that sends n requests, one
        at a time (each read alone, so each response is batched), without
        reading."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(s.close)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", srv.port))
        for i in range(n):
            s.sendall(b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\n"
                      % (b"a" if i % 2 == 0 else b"b"))
            time.sleep(0.001)   # the client's pace, not a wait
        return s

    def test_unread_responses_arrive_whole_and_in_order(self):
        srv, _ = self.start()
        n = STUCK
        s = self.stuck_client(srv, n)
        s.settimeout(5)
        data = b""
        last = (A if (n - 1) % 2 == 0 else B).encode()
        while data.count(b"HTTP/1.1 200 OK\r\n") < n \
                or not data.endswith(last):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
        bodies = [part.split(b"\r\n\r\n", 1)[1][:3000]
                  for part in data.split(b"HTTP/1.1 200 OK\r\n")[1:]]
        self.assertEqual(len(bodies), n)
        for i, body in enumerate(bodies):
            self.assertEqual(body, (A if i % 2 == 0 else B).encode(), i)

    def test_client_that_never_reads_is_timed_out_and_released(self):
        srv, worker = self.start(send_timeout=1)
        fds = "/proc/%d/fd" % worker
        idle = len(os.listdir(fds))
        mark = srv.log_mark()
        s = self.stuck_client(srv, STUCK)
        self.assertGreater(len(os.listdir(fds)), idle)
        srv.wait_log("timed out while reading the response", since=mark)
        # The socket is closed in the worker, and not held by the ring:
        # the client reads what was sent before, then the end (a reset,
        # as the worker never read the requests still queued).
        sltest.wait_for(lambda: len(os.listdir(fds)) <= idle,
                        msg="the worker's socket closed")
        s.settimeout(5)
        try:
            while s.recv(1 << 20):
                pass
        except ConnectionResetError:
            pass


if __name__ == "__main__":
    unittest.main()
