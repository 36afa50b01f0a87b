#!/usr/bin/env python3
"""The reverse proxy module (issue 6) against the test backend
(t/backend/sl_test_backend.c): forwarding and hop-by-hop stripping, bodies
both ways (Content-Length, chunked, large, 100-continue), response framing,
every failure mode (refused, timeout, reset, dies mid-response, invalid
responses), retries only when safe, balancing, keep-alive pools, passive
and active health, and the WebSocket tunnel.

Each backend is a process the test starts on a free loopback port (it
prints "PORT n"); it is stopped by PID. sluice runs through sltest, which
fails a test on [alert], [crit] or sanitizer lines."""
import base64
import hashlib
import json
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sltest  # noqa: E402

BACKEND = os.path.join(os.environ.get("SL_BUILDDIR", "."), "t", "backend",
                       "sl_test_backend")


class Backend:
    """One sl_test_backend process on a free port."""

    def __init__(self, name, *args):
        self.name = name
        self.proc = subprocess.Popen([BACKEND, "--id", name] + list(args),
                                     stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode()
        m = re.match(r"PORT (\d+)", line)
        if not m:
            self.stop()
            raise AssertionError("backend %s did not start: %r" % (name, line))
        self.port = int(m.group(1))
        self.addr = "127.0.0.1:%d" % self.port

    def count(self):
        """(connections accepted, requests served), asked directly."""
        r = sltest.get(self.port, "/count")
        d = json.loads(r.body)
        return d["connections"], d["requests"]

    def get(self, path):
        return sltest.get(self.port, path)

    def wait_requests(self, since, n=1):
        """Waits until the backend has read n requests more than since (a
        count()[1]), not counting the /count requests that ask."""
        asked = []

        def seen():
            asked.append(1)
            return self.count()[1] - since - len(asked) >= n
        sltest.wait_for(seen, msg="%d more requests at backend %s"
                        % (n, self.name))

    def held(self):
        """The connections other processes hold open to the backend (the
        proxy's, unless the test has its own)."""
        return [s for s in sltest.tcp_sockets(self.port)
                if s["remote"] == self.port
                and s["state"] in ("ESTABLISHED", "CLOSE_WAIT")]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
        self.proc.stdout.close()


def dead_addr():
    """An address nothing listens on: a port bound, then released."""
    return "127.0.0.1:%d" % sltest.free_ports(1)[0]


def blackhole(test_class):
    """An address whose connects hang: a listener that never accepts,
    its accept queue filled, so the kernel drops further SYNs."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    test_class.addClassCleanup(s.close)
    for _ in range(3):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex(s.getsockname())
        test_class.addClassCleanup(c.close)
    return "127.0.0.1:%d" % s.getsockname()[1]


def pattern(off, n):
    """The backend's body bytes for [off, off + n)."""
    return bytes(ord("a") + (off + i) % 26 for i in range(n))


def upstream(name, servers, extra=""):
    items = []
    for s in servers:
        if isinstance(s, str):
            s = {"address": s}
        attrs = " ".join('%s = %s;' % (k, '"%s"' % v if isinstance(v, str)
                                       else v) for k, v in s.items())
        items.append("{ %s }" % attrs)
    return '{ name = "%s"; %s servers = ( %s ); }' % (name, extra,
                                                     ", ".join(items))


def proxy_loc(match, **kw):
    attrs = []
    for k, v in kw.items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, str):
            v = '"%s"' % v
        attrs.append("%s = %s;" % (k, v))
    return '{ match = "%s"; proxy = { %s }; }' % (match, " ".join(attrs))


ACCESS = ('access_log = { path = "access.log"; format = "$request $status '
          '[$upstream_addr] $upstream_status $upstream_response_time"; '
          'flush = 0; };')


def make_conf(upstreams, locations, http="", workers=1, server=""):
    return sltest.conf(
        locations=",\n".join(locations), workers=workers, server=server,
        http="""%s
    client_max_body_size = "64m";
    upstreams = ( %s );
    %s""" % (ACCESS, ",\n".join(upstreams), http))


def echo(resp):
    """The backend's JSON echo as a dict, headers as a list of pairs."""
    return json.loads(resp.body)


def header(d, name):
    for n, v in d["headers"]:
        if n.lower() == name.lower():
            return v
    return None


class ProxyCase(unittest.TestCase):
    """A class starts its backends, then one sluice on a config made by
    cls.config(); both live for the class."""
    backends = {}

    @classmethod
    def setUpClass(cls):
        cls.be = {}
        for name, args in cls.backends.items():
            cls.be[name] = Backend(name, *args)
            cls.addClassCleanup(cls.be[name].stop)
        cls.srv = sltest.Server(cls.config(), ports=1)
        cls.addClassCleanup(cls.srv.close)
        cls.srv.start()

    def client(self):
        c = sltest.Client(self.srv.port)
        self.addCleanup(c.close)
        return c

    def get(self, path, **kw):
        return sltest.get(self.srv.port, path, **kw)

    def access_lines(self, pattern, timeout=3.0):
        rx = re.compile(pattern)

        def lines():
            try:
                with open(self.srv.path("access.log")) as f:
                    return [l for l in f if rx.search(l)]
            except OSError:
                return []
        return sltest.wait_for(lines, timeout,
                               msg="access log line /%s/" % pattern)


class TestForwarding(ProxyCase):
    backends = {"b1": ()}

    @classmethod
    def config(cls):
        b1 = cls.be["b1"].addr
        return make_conf(
            [upstream("app", [b1])],
            [proxy_loc("/", upstream="app"),
             proxy_loc("/api/", upstream="app", strip_prefix=True),
             proxy_loc("/hosted/", host="backend.example", **{"pass": b1}),
             proxy_loc("/short/", upstream="app", strip_prefix=True,
                       read_timeout=0.5)])

    def test_request_head_forwarded_and_hop_by_hop_stripped(self):
        c = self.client()
        c.request("GET", "/echo/a%20b?x=1&y=2", host="example.com:8080",
                  headers=["X-Keep: yes", "Connection: keep-alive, X-Hop",
                           "X-Hop: secret", "Keep-Alive: timeout=5",
                           "TE: trailers", "Trailer: X-T",
                           "Proxy-Authorization: basic x",
                           "Proxy-Connection: keep-alive",
                           "Upgrade: h2c", "X-Forwarded-For: 192.0.2.1",
                           "X-Forwarded-Proto: https",
                           "X-Forwarded-Host: evil"])
        r = c.read_response()
        self.assertEqual(r.status, 200)
        d = echo(r)
        self.assertEqual(d["method"], "GET")
        self.assertEqual(d["target"], "/echo/a%20b?x=1&y=2")
        self.assertEqual(header(d, "Host"), "example.com:8080")
        self.assertEqual(header(d, "X-Keep"), "yes")
        for gone in ("X-Hop", "Keep-Alive", "TE", "Trailer", "Connection",
                     "Proxy-Authorization", "Proxy-Connection", "Upgrade"):
            self.assertIsNone(header(d, gone), gone)
        self.assertEqual(header(d, "X-Forwarded-For"), "192.0.2.1, 127.0.0.1")
        self.assertEqual(header(d, "X-Forwarded-Proto"), "http")
        self.assertEqual(header(d, "X-Forwarded-Host"), "example.com:8080")
        self.assertEqual([n for n, _ in d["headers"]].count("X-Forwarded-For"),
                         1)
        # The client connection stays open for the next request.
        c.request("GET", "/echo/2")
        self.assertEqual(echo(c.read_response())["target"], "/echo/2")

    def test_unknown_trace_and_connect_never_reach_the_backend(self):
        # 501 before routing, as the manual's PROXY section says: these
        # are not forwarded, and the connection closes (what follows the
        # head cannot be known).
        before = self.be["b1"].count()[1]
        for name, raw in (
                ("unknown", b"PURGE /echo HTTP/1.1\r\nHost: a\r\n\r\n"),
                ("lower case", b"get /echo HTTP/1.1\r\nHost: a\r\n\r\n"),
                ("TRACE", b"TRACE /echo HTTP/1.1\r\nHost: a\r\n\r\n"),
                ("CONNECT", b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n"
                            b"\r\n")):
            with self.subTest(name):
                c = self.client()
                c.send(raw)
                r = c.read_response()
                self.assertEqual(r.status, 501)
                self.assertEqual(r.header("Connection"), "close")
        # /count is itself a request the backend serves and counts.
        self.assertEqual(self.be["b1"].count()[1], before + 1)

    def test_h2c_upgrade_is_not_forwarded(self):
        # h2c (deprecated, RFC 9113 3.1) would let a client speak HTTP/2
        # to the backend past the proxy: the request goes as a plain one,
        # without Upgrade or HTTP2-Settings, whether or not Connection
        # names HTTP2-Settings.
        c = self.client()
        for conn in ("Upgrade, HTTP2-Settings", "Upgrade"):
            c.request("GET", "/echo/h2c", headers=[
                "Connection: " + conn, "Upgrade: h2c",
                "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"])
            r = c.read_response(interim=True)
            self.assertEqual(r.status, 200, conn)
            d = echo(r)
            self.assertEqual(d["target"], "/echo/h2c")
            for gone in ("Upgrade", "HTTP2-Settings", "Connection"):
                self.assertIsNone(header(d, gone), (conn, gone))

    def test_strip_prefix_and_configured_host(self):
        d = echo(self.get("/api/echo?q=1"))
        self.assertEqual(d["target"], "/echo?q=1")
        d = echo(self.get("/api/"))
        self.assertEqual(d["target"], "/")
        # Routed by the normalised path: the backend gets that path.
        d = echo(self.get("/api/x/../echo%41?z"))
        self.assertEqual(d["target"], "/echoA?z")
        d = echo(self.get("/hosted/p", host="client.example"))
        self.assertEqual(header(d, "Host"), "backend.example")
        self.assertEqual(header(d, "X-Forwarded-Host"), "client.example")
        self.assertEqual(d["target"], "/hosted/p")

    def test_response_fields(self):
        r = self.get("/cookies/60")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.all("Set-Cookie"),
                         ["c%d=v%d" % (i, i) for i in range(60)])
        self.assertEqual(r.all("Server"), ["sluice"])
        self.assertEqual(len(r.all("Date")), 1)
        self.assertEqual(r.body, b"ok")
        # The backend's Connection: close stops at the proxy.
        c = self.client()
        c.request("GET", "/connclose")
        r = c.read_response()
        self.assertEqual(r.status, 200)
        self.assertNotEqual(r.header("Connection"), "close")
        c.request("GET", "/echo/after")
        self.assertEqual(echo(c.read_response())["target"], "/echo/after")

    def test_bodies_content_length_and_chunked(self):
        c = self.client()
        c.request("POST", "/echo", body=b"hello world")
        d = echo(c.read_response())
        self.assertEqual(d["body"], "hello world")
        self.assertEqual(header(d, "Content-Length"), "11")
        c.request("PUT", "/echo", headers=["Transfer-Encoding: chunked"],
                  body=b"5\r\nhello\r\n1;ext=1\r\n!\r\n0\r\nX-T: 1\r\n\r\n")
        d = echo(c.read_response())
        self.assertEqual(d["body"], "hello!")
        self.assertEqual(header(d, "Transfer-Encoding"), "chunked")
        self.assertIsNone(header(d, "Content-Length"))

    def test_large_uploads_stream(self):
        data = os.urandom(3 * 1024 * 1024 + 200 * 1024 + 17)
        fnv = 2166136261
        for b in data:
            fnv = ((fnv ^ b) * 16777619) & 0xffffffff
        c = self.client()
        c.request("POST", "/upload", body=data)
        d = json.loads(c.read_response(timeout=20).body)
        self.assertEqual((d["body_len"], d["fnv"], d["chunked"]),
                         (len(data), fnv, 0))
        # Chunked, in uneven pieces.
        pieces, off = [], 0
        for size in (1, 4096, 70000, 1 << 20, 3, 2 * 1024 * 1024):
            pieces.append(b"%x\r\n%s\r\n" % (size, data[off:off + size]))
            off += size
        c.request("POST", "/upload", headers=["Transfer-Encoding: chunked"],
                  body=b"".join(pieces) + b"0\r\n\r\n")
        d = json.loads(c.read_response(timeout=20).body)
        sent = data[:off]
        fnv = 2166136261
        for b in sent:
            fnv = ((fnv ^ b) * 16777619) & 0xffffffff
        self.assertEqual((d["body_len"], d["fnv"], d["chunked"]),
                         (len(sent), fnv, 1))

    def test_early_answer_before_the_body_is_sent(self):
        c = self.client()
        body = b"z" * (4 * 1024 * 1024)
        c.request("POST", "/early", body=body)
        r = c.read_response()
        self.assertEqual((r.status, r.body), (413, b"early\n"))
        # The rest of the body was dropped in step: the next request works.
        c.request("GET", "/echo/next")
        self.assertEqual(echo(c.read_response())["target"], "/echo/next")

    def test_expect_100_continue(self):
        c = self.client()
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
               "Expect: 100-continue\r\n\r\n")
        r = c.read_response(interim=True)
        self.assertEqual(r.status, 100)
        c.send("hello")
        r = c.read_response()
        self.assertEqual(r.status, 200)
        d = echo(r)
        self.assertEqual(d["body"], "hello")
        self.assertIsNone(header(d, "Expect"))

    def test_response_framings(self):
        c = self.client()
        c.request("GET", "/size/100000")
        r = c.read_response()
        self.assertEqual(r.header("Content-Length"), "100000")
        self.assertEqual(r.body, pattern(0, 100000))
        c.request("GET", "/chunked/100000/777")
        r = c.read_response()
        self.assertEqual(r.header("Transfer-Encoding"), "chunked")
        self.assertEqual(r.body, pattern(0, 100000))
        # Until the backend closes: chunked for HTTP/1.1, on the same
        # connection ...
        c.request("GET", "/close/5000")
        r = c.read_response()
        self.assertEqual(r.header("Transfer-Encoding"), "chunked")
        self.assertEqual(r.body, pattern(0, 5000))
        c.request("HEAD", "/size/100")
        r = c.read_response(head_only=True)
        self.assertEqual(r.header("Content-Length"), "100")
        for code in (204, 304):
            c.request("GET", "/status/%d" % code)
            r = c.read_response()
            self.assertEqual(r.status, code)
            self.assertIsNone(r.header("Content-Length"))
        c.request("GET", "/interim")
        r = c.read_response(interim=True)
        self.assertEqual(r.status, 200)
        c.request("GET", "/echo/last")
        self.assertEqual(echo(c.read_response())["target"], "/echo/last")
        # ... and close-delimited for HTTP/1.0.
        c2 = self.client()
        c2.request("GET", "/close/3000", version="HTTP/1.0")
        r = c2.read_response()
        self.assertIsNone(r.header("Transfer-Encoding"))
        self.assertEqual(r.body, pattern(0, 3000))

    def test_pipelined_requests_answered_in_order(self):
        c = self.client()
        c.send("".join("GET /echo/p%d HTTP/1.1\r\nHost: x\r\n\r\n" % i
                       for i in range(5)) +
               "POST /echo/p5 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
               "\r\nabc" + "GET /size/10 HTTP/1.1\r\nHost: x\r\n\r\n")
        for i in range(5):
            self.assertEqual(echo(c.read_response())["target"], "/echo/p%d" % i)
        d = echo(c.read_response())
        self.assertEqual((d["target"], d["body"]), ("/echo/p5", "abc"))
        self.assertEqual(c.read_response().body, pattern(0, 10))

    def test_slow_client_does_not_grow_the_worker(self):
        worker = self.srv.workers()[0]
        rss0 = int(sltest.proc_status(worker, "VmRSS").split()[0])
        s = socket.create_connection(("127.0.0.1", self.srv.port))
        self.addCleanup(s.close)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        size = 64 * 1024 * 1024
        s.sendall(b"GET /size/%d HTTP/1.1\r\nHost: x\r\n\r\n" % size)
        # The client reads nothing: the sockets fill up to the backend,
        # whose bytes then wait unread in the proxy's socket.
        unread = []

        def backend_stalled():
            unread.append(sum(c["rx"] for c in self.be["b1"].held()))
            return unread[-1] and unread[-1:] == unread[-2:-1]
        sltest.wait_for(backend_stalled, 10, interval=0.1,
                        msg="the proxy to stop reading the backend")
        rss1 = int(sltest.proc_status(worker, "VmRSS").split()[0])
        self.assertLess(rss1 - rss0, 8 * 1024, "worker grew by %d KiB"
                        % (rss1 - rss0))
        # Then it reads it all: every byte, in order.
        buf = bytearray(size + 4096)
        view, got = memoryview(buf), 0
        s.settimeout(20)
        while True:
            n = s.recv_into(view[got:])
            self.assertGreater(n, 0, "EOF after %d bytes" % got)
            got += n
            head_end = buf.find(b"\r\n\r\n", 0, min(got, 4096))
            if head_end > 0 and got - head_end - 4 >= size:
                break
        self.assertIn(b"Content-Length: %d" % size, bytes(buf[:head_end]))
        body = buf[head_end + 4:head_end + 4 + size]
        self.assertEqual(len(body), size)
        self.assertEqual(bytes(body[:26]), pattern(0, 26))
        self.assertEqual(bytes(body[-1000:]), pattern(size - 1000, 1000))

    def test_client_gone_releases_the_backend(self):
        mark = self.srv.log_mark()
        before = self.be["b1"].count()[1]
        c = sltest.Client(self.srv.port)
        c.request("GET", "/slow/3000")
        self.be["b1"].wait_requests(before)   # then the client goes
        c.close()
        t0 = time.monotonic()
        self.srv.wait_log(r"client closed the connection before the "
                          r"response ended", since=mark, timeout=2)
        self.assertLess(time.monotonic() - t0, 1.5)

    def test_read_timeout_gives_504(self):
        t0 = time.monotonic()
        r = self.get("/short/slow/3000")
        self.assertEqual(r.status, 504)
        self.assertLess(time.monotonic() - t0, 2.5)
        self.srv.wait_log(r"upstream timed out")


class TestFailures(ProxyCase):
    backends = {"b1": (), "reset": ("--reset",), "idle": ("--idle-close", "300")}

    @classmethod
    def config(cls):
        b1, reset = cls.be["b1"].addr, cls.be["reset"].addr
        cls.dead = dead_addr()
        cls.hole = blackhole(cls)
        return make_conf(
            [upstream("hole", [cls.hole]),
             upstream("refused", [cls.dead]),
             upstream("failover", [{"address": cls.dead, "weight": 1000,
                                    "max_fails": 0}, b1]),
             upstream("resetfirst", [{"address": reset, "weight": 1000,
                                      "max_fails": 0}, b1]),
             upstream("passive", [{"address": cls.dead, "max_fails": 1,
                                   "fail_timeout": 30}, b1]),
             upstream("idle", [cls.be["idle"].addr]),
             upstream("one", [b1]),
             upstream("logged", [{"address": cls.dead, "max_fails": 0}])],
            [proxy_loc("/hole/", upstream="hole", connect_timeout=0.3),
             proxy_loc("/refused/", upstream="refused"),
             proxy_loc("/failover/", upstream="failover", strip_prefix=True),
             proxy_loc("/resetfirst/", upstream="resetfirst",
                       strip_prefix=True),
             proxy_loc("/passive/", upstream="passive", strip_prefix=True),
             proxy_loc("/idle/", upstream="idle", strip_prefix=True),
             proxy_loc("/notries/", upstream="failover", strip_prefix=True,
                       next_upstream_tries=1),
             proxy_loc("/logged/", upstream="logged"),
             proxy_loc("/", upstream="one")],
            server='server_names = [ "proxy.test" ];')

    def test_refused_is_502(self):
        r = self.get("/refused/x")
        self.assertEqual(r.status, 502)
        self.access_lines(r"GET /refused/x HTTP/1.1 502 \[%s\] 502"
                          % re.escape(self.dead))

    def test_error_line_names_client_server_and_upstream(self):
        # The one request-log context (issue 18): the line says what the
        # proxy was doing, for which client, server and request, and to
        # which backend.
        mark = self.srv.log_mark()
        self.assertEqual(self.get("/logged/x?a=1").status, 502)
        self.srv.wait_log(
            r'(?m)\[error\] \d+#0: \*\d+ connect\(\) failed \(111: '
            r'Connection refused\) while connecting to upstream, client: '
            r'127\.0\.0\.1, server: proxy\.test, request: "GET /logged/x\?a=1 '
            r'HTTP/1\.1", upstream: "%s"$' % re.escape(self.dead), since=mark)

    def test_connect_timeout_is_504(self):
        t0 = time.monotonic()
        r = self.get("/hole/x")
        self.assertEqual(r.status, 504)
        self.assertLess(time.monotonic() - t0, 2)
        self.srv.wait_log(r"connect\(\) timed out .*%s" % re.escape(self.hole))
        self.access_lines(r"GET /hole/x HTTP/1.1 504 \[%s\] 504 \d+\.\d{3}$"
                          % re.escape(self.hole))

    def test_next_server_after_refused(self):
        r = self.get("/failover/echo/f")
        self.assertEqual(r.status, 200)
        self.assertEqual(echo(r)["id"], "b1")
        # Nothing was sent to the refusing server: a POST moves on too.
        c = self.client()
        c.request("POST", "/failover/echo", body="data")
        d = echo(c.read_response())
        self.assertEqual((d["id"], d["body"]), ("b1", "data"))
        # Each try has its status and time, in the order of the addresses.
        self.access_lines(r"POST /failover/echo HTTP/1.1 200 \[%s, %s\] "
                          r"502, 200 \d+\.\d{3}, \d+\.\d{3}$"
                          % (re.escape(self.dead),
                             re.escape(self.be["b1"].addr)))
        self.assertEqual(self.get("/notries/echo").status, 502)

    def test_retry_only_idempotent(self):
        _, before = self.be["b1"].count()
        r = self.get("/resetfirst/echo/g")
        self.assertEqual((r.status, echo(r)["id"]), (200, "b1"))
        _, mid = self.be["b1"].count()
        self.assertEqual(mid, before + 2)   # the retry and /count
        c = self.client()
        c.request("POST", "/resetfirst/echo", body="once")
        self.assertEqual(c.read_response().status, 502)
        _, after = self.be["b1"].count()
        self.assertEqual(after, mid + 1)    # only /count: no retry

    def test_passive_health_marks_down(self):
        mark = self.srv.log_mark()
        for i in range(6):
            r = self.get("/passive/echo/%d" % i)
            self.assertEqual((r.status, echo(r)["id"]), (200, "b1"))
        log = self.srv.error_log()[mark:]
        self.assertEqual(len(re.findall(r"connect\(\) failed.*%s"
                                        % re.escape(self.dead), log)), 1,
                         log)
        self.assertIn("is down for 30000 ms after 1 failures", log)

    def test_dies_mid_response_closes_client(self):
        c = self.client()
        c.request("GET", "/die/1000")
        with self.assertRaises(AssertionError):
            c.read_response()   # 2000 announced, 1000 came, then EOF
        self.assertTrue(c.eof)
        c = self.client()
        c.request("GET", "/diechunked")
        with self.assertRaises(AssertionError):
            c.read_response()   # no last chunk: never looks complete
        self.assertTrue(c.eof)

    def test_invalid_responses_are_502(self):
        for kind in ("garbage", "cl_te", "dup_cl", "bare_lf", "http2",
                     "fold", "huge"):
            r = self.get("/bad/%s" % kind)
            self.assertEqual(r.status, 502, kind)
        # A bad chunk after the head went out: the client is cut off.
        c = self.client()
        c.request("GET", "/bad/badchunk")
        with self.assertRaises(AssertionError):
            c.read_response()
        self.assertTrue(c.eof)

    def test_kept_connection_closed_by_backend(self):
        # The backend closes idle connections after 0.3 s: the proxy sees
        # the EOF and does not reuse what is gone.
        self.assertEqual(self.get("/idle/echo/1").status, 200)
        sltest.wait_for(lambda: not self.be["idle"].held(),
                        msg="the proxy to close what the backend closed")
        self.assertEqual(self.get("/idle/echo/2").status, 200)
        # A kept connection that dies on reuse (the backend reads the next
        # request and closes): a GET is retried on a new connection ...
        self.assertEqual(self.get("/dropnext").status, 200)
        r = self.get("/echo/after-drop")
        self.assertEqual((r.status, echo(r)["target"]),
                         (200, "/echo/after-drop"))
        # ... a POST that was sent is not.
        self.assertEqual(self.get("/dropnext").status, 200)
        c = self.client()
        c.request("POST", "/echo", body="x")
        self.assertEqual(c.read_response().status, 502)


class TestBufferSize(ProxyCase):
    """buffer_size per location, with response buffers reused between
    requests: a location never gets another location's size."""
    backends = {"b1": ()}

    @classmethod
    def config(cls):
        return make_conf(
            [upstream("app", [cls.be["b1"].addr])],
            [proxy_loc("/", upstream="app"),
             proxy_loc("/small/", upstream="app", strip_prefix=True,
                       buffer_size="1k")])

    def test_each_location_keeps_its_buffer_size(self):
        # A head of about 1.5 KiB: over 1k, well under the default 16k.
        # The small location goes first, so the first buffer kept is a
        # small one (ASan reports a small buffer given to "/").
        c = self.client()
        for i in range(6):
            c.request("GET", "/small/cookies/10")
            r = c.read_response()
            self.assertEqual((i, r.status, len(r.all("Set-Cookie"))),
                             (i, 200, 10))
            c.request("GET", "/cookies/60")
            r = c.read_response()
            self.assertEqual((i, r.status, len(r.all("Set-Cookie"))),
                             (i, 200, 60))
            c.request("GET", "/small/cookies/60")
            self.assertEqual((i, c.read_response().status), (i, 502))
        self.access_lines(r"GET /small/cookies/60 HTTP/1.1 502 ")


class TestBalancing(ProxyCase):
    backends = {"b1": (), "b2": (), "b3": ()}

    @classmethod
    def config(cls):
        b1, b2, b3 = (cls.be[n].addr for n in ("b1", "b2", "b3"))
        return make_conf(
            [upstream("rr", [{"address": b1, "weight": 3}, b2]),
             upstream("lc", [b1, b2], 'balance = "least_conn";'),
             upstream("hu", [b1, b2, b3],
                      'balance = "hash"; hash_key = "$request_uri";'),
             upstream("ha", [b1, b2, b3], 'balance = "hash";'),
             upstream("ka", [b3], "keepalive = 4;"),
             upstream("ka2", [b3], "keepalive = 2;"),
             upstream("noka", [b3], "keepalive = 0;")],
            [proxy_loc("/rr/", upstream="rr", strip_prefix=True),
             proxy_loc("/lc/", upstream="lc", strip_prefix=True),
             proxy_loc("/hu/", upstream="hu", strip_prefix=True),
             proxy_loc("/ha/", upstream="ha", strip_prefix=True),
             proxy_loc("/ka/", upstream="ka", strip_prefix=True),
             proxy_loc("/ka2/", upstream="ka2", strip_prefix=True),
             proxy_loc("/noka/", upstream="noka", strip_prefix=True)])

    def ids(self, path, n):
        return [echo(self.get(path))["id"] for _ in range(n)]

    def test_weighted_round_robin_is_smooth(self):
        ids = self.ids("/rr/echo", 40)
        self.assertEqual(ids.count("b1"), 30)
        self.assertEqual(ids.count("b2"), 10)
        # Spread, never bunched: b2 every fourth request.
        for i in range(0, 40, 4):
            self.assertEqual(ids[i:i + 4].count("b2"), 1, ids)

    def test_least_conn_avoids_the_busy_one(self):
        def served():
            return sum(self.be[n].count()[1] for n in ("b1", "b2"))
        before = served()
        slow = self.client()
        slow.request("GET", "/lc/slow/1500")
        # The slow request is with its backend (each /count adds two).
        sltest.wait_for(lambda: served() >= before + 3, 2, msg="slow request")
        ids = self.ids("/lc/echo", 6)
        busy = ({"b1", "b2"} - set(ids))
        self.assertEqual(len(busy), 1, ids)
        d = echo(slow.read_response())
        self.assertEqual({d["id"]}, busy)

    def test_consistent_hash(self):
        for uri in ("/hu/echo/a", "/hu/echo/b", "/hu/echo/c?q=1"):
            self.assertEqual(len(set(self.ids(uri, 5))), 1, uri)
        spread = {echo(self.get("/hu/echo/k%d" % i))["id"]
                  for i in range(30)}
        self.assertEqual(spread, {"b1", "b2", "b3"})
        # Keyed on the client's address by default: always the same one.
        self.assertEqual(len(set(self.ids("/ha/echo", 6))), 1)

    def test_keepalive_pool_reuse(self):
        conns0, _ = self.be["b3"].count()
        for i in range(30):
            self.assertEqual(self.get("/ka/echo/%d" % i).status, 200)
        conns1, _ = self.be["b3"].count()
        # One for our /count, at most one for the pool.
        self.assertLessEqual(conns1 - conns0, 2)
        for i in range(5):
            self.assertEqual(self.get("/noka/echo/%d" % i).status, 200)
        conns2, _ = self.be["b3"].count()
        self.assertEqual(conns2 - conns1, 6)

    def concurrent(self, n, rounds, path):
        """n clients at once, each making rounds requests in turn."""
        statuses = []

        def client():
            for _ in range(rounds):
                statuses.append(self.get(path).status)
        threads = [threading.Thread(target=client) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(statuses, [200] * (n * rounds))

    def test_surplus_idle_connections_are_kept_briefly(self):
        # keepalive = 2 and 4 requests at a time: the 2 connections over
        # the pool's size come back and are reused, not closed and opened
        # again for every round (that would be 2 a round).
        conns0, _ = self.be["b3"].count()
        others = len(self.be["b3"].held())     # other pools' idle ones
        self.concurrent(4, 8, "/ka2/slow/50")
        conns1, _ = self.be["b3"].count()
        self.assertLessEqual(conns1 - conns0, 4 + 1)   # and our /count
        # Idle for longer than a second, the surplus is gone and the pool
        # keeps its two: three requests at once need one new connection.
        sltest.wait_for(lambda: len(self.be["b3"].held()) <= others + 2,
                        3, msg="the surplus idle connections to close")
        self.concurrent(3, 1, "/ka2/slow/300")
        conns2, _ = self.be["b3"].count()
        self.assertEqual(conns2 - conns1, 1 + 1)


class TestHealthChecks(ProxyCase):
    backends = {"h1": (), "h2": ()}

    @classmethod
    def config(cls):
        h1, h2 = cls.be["h1"].addr, cls.be["h2"].addr
        return make_conf(
            [upstream("app", [h1, h2],
                      'health_check = { path = "/health"; interval = 0.1; '
                      'timeout = 0.5; healthy = 2; unhealthy = 2; };')],
            [proxy_loc("/", upstream="app")], workers=2)

    def test_marked_down_and_back_up(self):
        self.assertEqual(set(self.ids(8)), {"h1", "h2"})
        self.assertEqual(self.be["h2"].get("/sethealth/503").status, 200)
        self.srv.wait_log(r"server %s is down \(health check"
                          % re.escape(self.be["h2"].addr))
        # Every worker reads the verdict: no request reaches h2.
        self.assertEqual(set(self.ids(12)), {"h1"})
        self.assertEqual(self.be["h2"].get("/sethealth/200").status, 200)
        self.srv.wait_log(r"server %s is up \(health check"
                          % re.escape(self.be["h2"].addr))
        sltest.wait_for(lambda: "h2" in self.ids(4), 3, msg="h2 back")

    def ids(self, n):
        return [echo(self.get("/echo"))["id"] for _ in range(n)]


def ws_frame(payload, opcode=2):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(payload))


def ws_read(c, timeout=5.0):
    deadline = time.monotonic() + timeout
    head = c._take(2, deadline)
    n = head[1] & 0x7f
    if n == 126:
        n = struct.unpack("!H", c._take(2, deadline))[0]
    elif n == 127:
        n = struct.unpack("!Q", c._take(8, deadline))[0]
    return head[0] & 0x0f, c._take(n, deadline)


class TestWebSocket(ProxyCase):
    backends = {"w": ()}

    @classmethod
    def config(cls):
        return make_conf([upstream("ws", [cls.be["w"].addr])],
                         [proxy_loc("/", upstream="ws", read_timeout=1)])

    def handshake(self, c, path="/ws", upgrade="websocket"):
        key = base64.b64encode(os.urandom(16)).decode()
        c.request("GET", path, headers=["Upgrade: " + upgrade,
                                         "Connection: Upgrade",
                                         "Sec-WebSocket-Key: " + key,
                                         "Sec-WebSocket-Version: 13"])
        r = c.read_response(interim=True)
        self.assertEqual(r.status, 101)
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode())
            .digest()).decode()
        self.assertEqual(r.header("Sec-WebSocket-Accept"), accept)
        self.assertEqual(r.header("Upgrade"), "websocket")
        self.assertEqual(r.header("Connection"), "upgrade")

    def test_echo_through_the_tunnel(self):
        c = self.client()
        self.handshake(c)
        c.send(ws_frame(b"hello", 1))
        self.assertEqual(ws_read(c), (1, b"hello"))
        big = os.urandom(300000)
        c.send(ws_frame(big))
        self.assertEqual(ws_read(c, 10), (2, big))
        c.send(ws_frame(b"\x03\xe8", 8))
        self.assertEqual(ws_read(c), (8, b"\x03\xe8"))
        self.assertEqual(c.wait_closed(), b"")

    def test_websocket_listed_after_h2c_still_tunnels(self):
        c = self.client()
        self.handshake(c, "/ws", upgrade="h2c, websocket")
        c.send(ws_frame(b"both", 1))
        self.assertEqual(ws_read(c), (1, b"both"))

    def test_frame_right_after_the_101(self):
        # The backend's first frame comes in the segment of its 101: the
        # client must get the 101 first, though the 101 may leave in the
        # loop's send batch while the tunnel could write at once.
        for _ in range(20):
            c = self.client()
            self.handshake(c, "/ws/greet")
            self.assertEqual(ws_read(c), (1, b"hi"))
            c.close()

    def test_frame_right_after_the_request(self):
        c = self.client()
        key = base64.b64encode(os.urandom(16)).decode()
        c.send("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               "Connection: upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % key)
        c.send(ws_frame(b"early", 1))
        self.assertEqual(c.read_response(interim=True).status, 101)
        self.assertEqual(ws_read(c), (1, b"early"))

    def test_idle_tunnel_closes(self):
        c = self.client()
        self.handshake(c)
        t0 = time.monotonic()
        self.assertEqual(c.wait_closed(timeout=5), b"")
        self.assertGreater(time.monotonic() - t0, 0.8)

    def test_no_upgrade_without_asking(self):
        # The backend answers /ws without a key with 400: relayed as is.
        r = self.get("/ws")
        self.assertEqual(r.status, 400)


class TestDescriptorLimit(unittest.TestCase):
    def test_a_proxied_connection_counts_twice(self):
        # The backend's connection is a descriptor too: the master's
        # warning about the limit on open files counts two per connection
        # where a location proxies (t/integration/test_limits.py has the
        # rest).
        srv = sltest.start(self, sltest.conf(
            top="worker_connections = 1000;",
            locations=proxy_loc("/", **{"pass": dead_addr()})),
            preexec=sltest.limit_nofile(256, 512))
        m = re.search(r"\[warn\] %d#0: worker_connections 1000 may need "
                      r"more open files than a worker may have \(needed "
                      r"(\d+), soft 512, hard 512\)" % srv.pid, srv.error_log())
        self.assertTrue(m, srv.error_log())
        self.assertGreater(int(m.group(1)), 2000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
