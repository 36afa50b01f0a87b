#!/usr/bin/env python3
"""The benchmark suite's own parts (issue 7), so that its numbers can be
trusted: bench.py's selftest (the wrk and strace parsers and the target
verdicts), and canned, the responder that sets the generator's ceiling.
canned is compiled here from contrib/bench/canned.c; it must answer every
request head, on a connection whose request came with it (answered before
it is even registered) or later, close after one answer with -C, keep the
connection and answer pipelined heads in order without, and send answers
of the size asked with -s."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

import sltest

SRCDIR = os.environ.get("SL_SRCDIR", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BENCH = os.path.join(SRCDIR, "contrib", "bench")
HEAD = b"GET /1k.bin HTTP/1.1\r\nHost: x\r\n\r\n"


def read_answers(s, n, deadline=5.0):
    """n answers off s: a list of (head, body)."""
    s.settimeout(deadline)
    data = b""
    out = []
    while len(out) < n:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                raise AssertionError("EOF after %d answers" % len(out))
            data += chunk
        head, data = data.split(b"\r\n\r\n", 1)
        size = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        while len(data) < size:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise AssertionError("EOF in a body")
            data += chunk
        out.append((head, data[:size]))
        data = data[size:]
    return out, data


class Selftest(unittest.TestCase):

    def test_bench_selftest(self):
        r = subprocess.run([sys.executable, os.path.join(BENCH, "bench.py"),
                            "selftest"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)


class Canned(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sl-canned-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.binary = os.path.join(cls.tmp, "canned")
        cc = os.environ.get("CC", "cc")
        r = subprocess.run([cc, "-O2", "-o", cls.binary,
                            os.path.join(BENCH, "canned.c")],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError("canned did not build: " + r.stderr)

    def start(self, *flags):
        p = subprocess.Popen([self.binary] + list(flags),
                             stdout=subprocess.PIPE, text=True)

        def stop():
            p.terminate()
            p.wait(5)
            p.stdout.close()
        self.addCleanup(stop)
        line = p.stdout.readline()
        self.assertTrue(line.startswith("port="), line)
        return int(line.split("=")[1])

    def connect(self, port):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.addCleanup(s.close)
        return s

    def test_close_after_one_answer(self):
        port = self.start("-C")
        for _ in range(20):
            s = self.connect(port)
            s.sendall(HEAD)
            answers, rest = read_answers(s, 1)
            self.assertIn(b"Connection: close", answers[0][0])
            self.assertEqual(answers[0][1], b"x" * 1024)
            self.assertEqual(rest + s.recv(100), b"")   # then EOF
            s.close()

    def test_request_that_comes_in_parts(self):
        # The first part comes with the connection (read before the
        # connection is registered), the rest through epoll.
        port = self.start("-C")
        s = self.connect(port)
        s.sendall(HEAD[:10])
        sltest.wait_for(lambda: (lambda end: end and end["inode"]
                                 and end["rx"] == 0)(sltest.server_end(s)),
                        msg="canned to accept and read the first part")
        s.sendall(HEAD[10:])
        answers, _ = read_answers(s, 1)
        self.assertTrue(answers[0][0].startswith(b"HTTP/1.1 200 OK"))
        self.assertEqual(s.recv(100), b"")

    def test_keepalive_and_pipelined_heads(self):
        port = self.start()
        s = self.connect(port)
        s.sendall(HEAD * 3)
        answers, rest = read_answers(s, 3)
        self.assertEqual(rest, b"")
        for head, body in answers:
            self.assertNotIn(b"Connection: close", head)
            self.assertEqual(len(body), 1024)
        s.sendall(HEAD)
        self.assertEqual(len(read_answers(s, 1)[0]), 1)

    def test_size(self):
        port = self.start("-s", str(1 << 20))
        s = self.connect(port)
        s.sendall(HEAD)
        answers, _ = read_answers(s, 1)
        self.assertEqual(len(answers[0][1]), 1 << 20)


if __name__ == "__main__":
    unittest.main(verbosity=2)
