#!/usr/bin/env python3
"""The HTTP/1.1 engine over raw sockets (issue 4), with `return`
locations only: keep-alive, pipelining, every timeout, limits, one
hostile input per case, virtual servers, locations, response headers,
and request bodies discarded so the connection stays in sync."""
import email.utils
import re
import select
import time
import unittest

import sltest


def ret(match, status=200, body=None, location=None, extra=""):
    parts = ["status = %d;" % status]
    if body is not None:
        parts.append('body = "%s";' % body.replace("\n", "\\n"))
    if location is not None:
        parts.append('location = "%s";' % location)
    return '{ match = "%s"; return = { %s }; %s }' % (match, " ".join(parts),
                                                     extra)


LOCATIONS = ",\n".join([
    ret("/", body="root\n"),
    ret("= /x", body="exact x\n"),
    ret("/x", body="prefix x\n"),
    ret("/x/y", body="prefix x/y\n"),
    ret("= /moved", 301, location="http://example.com/new"),
    ret("= /found", 302, body="see there\n", location="/there"),
    ret("= /nothing", 204),
    ret("= /gone", 410),
    ret("= /hdr", body="h\n", extra='add_headers = [ "X-Sltest: yes" ];'),
] + [ret("= /n%d" % i, body="n%d\n" % i) for i in range(1, 6)])

# One worker, so a slow client and a normal one share a loop; short
# timeouts so the timeout tests are quick.
ENGINE = sltest.conf(locations=LOCATIONS, workers=1, http="""
    client_header_timeout = 1;
    keepalive_timeout = 1;
    client_body_timeout = 1;
    client_header_buffer = "1k";
    client_max_body_size = "1k";
""")


class EngineCase(unittest.TestCase):
    conf = ENGINE

    @classmethod
    def setUpClass(cls):
        cls.srv = sltest.Server(cls.conf)
        cls.addClassCleanup(cls.srv.close)
        cls.srv.start()

    def client(self):
        c = sltest.Client(self.srv.port)
        self.addCleanup(c.close)
        return c

    def roundtrip(self, *args, **kw):
        """One request on a new connection; (response, client)."""
        c = self.client()
        c.request(*args, **kw)
        return c.read_response(head_only=args[:1] == ("HEAD",)), c

    def assert_closed(self, c, timeout=3):
        self.assertEqual(c.wait_closed(timeout), b"")

    def assert_kept(self, c):
        """The connection still serves: a second request is answered."""
        c.request("GET", "/n1")
        r = c.read_response()
        self.assertEqual((r.status, r.body), (200, b"n1\n"))


class KeepAlive(EngineCase):
    def test_http11_is_keepalive_by_default(self):
        c = self.client()
        for path, body in (("/n1", b"n1\n"), ("/n2", b"n2\n"),
                           ("/n3", b"n3\n")):
            c.request("GET", path)
            r = c.read_response()
            self.assertEqual((r.status, r.body), (200, body))
            self.assertIsNone(r.header("Connection"))
        self.assertTrue(c.is_open(0.1))

    def test_http10_closes_by_default(self):
        r, c = self.roundtrip("GET", "/n1", version="HTTP/1.0")
        self.assertEqual((r.status, r.body), (200, b"n1\n"))
        self.assertEqual(r.version, "HTTP/1.1")
        self.assertEqual(r.header("Connection"), "close")
        self.assert_closed(c)

    def test_http10_with_keepalive(self):
        r, c = self.roundtrip("GET", "/n1", version="HTTP/1.0",
                              headers=["Connection: keep-alive"])
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Connection"), "keep-alive")
        c.request("GET", "/n2", version="HTTP/1.0",
                  headers=["Connection: keep-alive"])
        self.assertEqual(c.read_response().body, b"n2\n")

    def test_http10_without_host_is_fine(self):
        r, c = self.roundtrip("GET", "/n1", host=None, version="HTTP/1.0")
        self.assertEqual(r.status, 200)

    def test_connection_close_is_honoured(self):
        for value in ("close", "Close", "foo, close", "keep-alive, close"):
            with self.subTest(value):
                r, c = self.roundtrip("GET", "/n1",
                                      headers=["Connection: " + value])
                self.assertEqual(r.status, 200)
                self.assertEqual(r.header("Connection"), "close")
                self.assert_closed(c)

    def test_keepalive_timeout_closes_an_idle_connection(self):
        r, c = self.roundtrip("GET", "/n1")
        t0 = time.monotonic()
        self.assert_closed(c, timeout=4)
        elapsed = time.monotonic() - t0
        self.assertGreater(elapsed, 0.8)     # keepalive_timeout = 1
        self.assertLess(elapsed, 2.5)

    def test_new_silent_connection_is_closed(self):
        c = self.client()
        t0 = time.monotonic()
        self.assert_closed(c, timeout=4)     # no bytes, no response
        self.assertLess(time.monotonic() - t0, 2.5)


class KeepAliveRequests(EngineCase):
    conf = ENGINE.replace("client_header_timeout = 1;",
                          "client_header_timeout = 1;\n"
                          "    keepalive_requests = 3;")

    def test_limit_closes_after_n_requests(self):
        c = self.client()
        for i in (1, 2, 3):
            c.request("GET", "/n%d" % i)
            r = c.read_response()
            self.assertEqual(r.body, b"n%d\n" % i)
            self.assertEqual(r.header("Connection"),
                             "close" if i == 3 else None)
        self.assert_closed(c)

    def test_limit_with_a_pipeline(self):
        c = self.client()
        c.send(b"".join(b"GET /n%d HTTP/1.1\r\nHost: a\r\n\r\n" % i
                        for i in (1, 2, 3, 4, 5)))
        for i in (1, 2, 3):
            self.assertEqual(c.read_response().body, b"n%d\n" % i)
        self.assert_closed(c)


class KeepAliveOff(EngineCase):
    # sluice.conf(5): "keepalive_timeout ... 0 turns keep-alive off:
    # every response closes its connection." Then the response must say
    # so, or the client reuses a connection the server is closing.
    conf = ENGINE.replace("keepalive_timeout = 1;", "keepalive_timeout = 0;")

    def test_zero_keepalive_timeout_says_connection_close(self):
        r, c = self.roundtrip("GET", "/n1")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Connection"), "close")
        self.assert_closed(c)

    def test_zero_keepalive_timeout_with_a_pipeline(self):
        c = self.client()
        c.send(pipeline(["/n1", "/n2"]))
        r = c.read_response()
        self.assertEqual((r.body, r.header("Connection")), (b"n1\n", "close"))
        self.assert_closed(c)


def pipeline(paths, head=()):
    return b"".join(b"%s %s HTTP/1.1\r\nHost: a\r\n\r\n"
                    % (b"HEAD" if p in head else b"GET", p.encode())
                    for p in paths)


class Pipelining(EngineCase):
    PATHS = ["/n1", "/n2", "/n3", "/n4", "/n5"]

    def check(self, c, head=()):
        for p in self.PATHS:
            r = c.read_response(head_only=p in head)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("Content-Length"), "3")
            self.assertEqual(r.body, b"" if p in head else
                             p[1:].encode() + b"\n")
        self.assertTrue(c.is_open(0.05))
        self.assert_kept(c)

    def test_five_requests_in_one_send(self):
        c = self.client()
        c.send(pipeline(self.PATHS))
        self.check(c)

    def test_head_in_a_pipeline(self):
        c = self.client()
        c.send(pipeline(self.PATHS, head=("/n3",)))
        self.check(c, head=("/n3",))

    def test_pipeline_split_at_odd_boundaries(self):
        data = pipeline(self.PATHS)
        for size in (1, 3, 7, 13, 29, 64):
            with self.subTest(size=size):
                c = self.client()
                for i in range(0, len(data), size):
                    c.send(data[i:i + size])
                    if size < 7 and i > 60:
                        continue     # bytes 0..60 one send each suffice
                    time.sleep(0.002)   # separate segments, not a wait
                self.check(c)

    def test_pipeline_split_in_line_ends(self):
        # Cut right after every CR: the LF comes in the next segment.
        parts = pipeline(self.PATHS).split(b"\r")
        c = self.client()
        for i, part in enumerate(parts):
            c.send(part + (b"\r" if i < len(parts) - 1 else b""))
            time.sleep(0.002)   # separate segments, not a wait
        self.check(c)

    def test_long_pipeline_larger_than_the_read_buffer(self):
        # 300 requests (about 10 kB) through a 1 kB buffer, answered in
        # order; the responses (about 40 kB) overflow the cork too.
        c = self.client()
        paths = ["/n%d" % (i % 5 + 1) for i in range(300)]
        c.send(pipeline(paths))
        for p in paths:
            self.assertEqual(c.read_response().body, p[1:].encode() + b"\n")
        self.assert_kept(c)

    def test_bad_request_in_a_pipeline_ends_it_after_the_good_ones(self):
        c = self.client()
        c.send(pipeline(["/n1", "/n2"]) + b"GET / HTTP/1.1\r\nHost : a\r\n\r\n"
               + pipeline(["/n3"]))
        self.assertEqual(c.read_response().body, b"n1\n")
        self.assertEqual(c.read_response().body, b"n2\n")
        r = c.read_response()
        self.assertEqual(r.status, 400)
        self.assertEqual(r.header("Connection"), "close")
        self.assert_closed(c)

    def test_connection_close_in_a_pipeline_ends_it(self):
        # What follows the request that says close is never answered, and
        # the close must not reset the connection under the response.
        c = self.client()
        c.send(b"GET /n1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
               + pipeline(["/n2"] * 50))
        r = c.read_response()
        self.assertEqual(r.body, b"n1\n")
        self.assertEqual(r.header("Connection"), "close")
        self.assert_closed(c)

    def test_pipeline_after_a_request_on_the_same_connection(self):
        c = self.client()
        c.request("GET", "/n1")
        self.assertEqual(c.read_response().body, b"n1\n")
        c.send(pipeline(self.PATHS))
        self.check(c)


def trickle(c, data, interval, until):
    """Sends data one byte per interval until the server answers or the
    data runs out; returns the seconds from the first byte to the answer
    (or to the end), and how many bytes went."""
    t0 = time.monotonic()
    sent = 0
    for i in range(len(data)):
        try:
            c.send(data[i:i + 1])
        except OSError:
            break
        sent += 1
        r, _, _ = select.select([c.sock], [], [], interval)
        if r or time.monotonic() - t0 > until:
            break
    return time.monotonic() - t0, sent


class Timeouts(EngineCase):
    HEAD = (b"GET /n1 HTTP/1.1\r\nHost: a\r\nX-Long: " + b"y" * 200
            + b"\r\n\r\n")

    def test_header_timeout_is_a_deadline_from_the_first_byte(self):
        # One byte every 0.3 s would keep an idle timer from firing; the
        # deadline (1 s) does not move.
        c = self.client()
        elapsed, sent = trickle(c, self.HEAD, 0.3, 4)
        r = c.read_response(timeout=2)
        self.assertEqual(r.status, 408)
        self.assertEqual(r.header("Connection"), "close")
        self.assertIn(b"408 Request Timeout", r.body)
        self.assert_closed(c)
        self.assertGreater(elapsed, 0.8)
        self.assertLess(elapsed, 1.6)
        self.assertLess(sent, 7)

    def test_deadline_applies_to_a_keepalive_request_too(self):
        c = self.client()
        c.request("GET", "/n1")
        self.assertEqual(c.read_response().body, b"n1\n")
        elapsed, _ = trickle(c, self.HEAD, 0.3, 4)
        self.assertEqual(c.read_response(timeout=2).status, 408)
        self.assertGreater(elapsed, 0.8)
        self.assertLess(elapsed, 1.6)

    def test_slowloris_is_cut_off_while_a_normal_client_is_served(self):
        slow = [self.client() for _ in range(3)]
        for s in slow:
            s.send(b"G")
        t0 = time.monotonic()
        cut = {}
        fast = self.client()
        served, worst = 0, 0.0
        i = 1
        while len(cut) < len(slow) and time.monotonic() - t0 < 4:
            for n, s in enumerate(slow):
                if n in cut:
                    continue
                if select.select([s.sock], [], [], 0)[0]:
                    cut[n] = (time.monotonic() - t0, s.read_response())
                else:
                    try:
                        s.send(self.HEAD[i:i + 1])
                    except OSError:
                        pass
            t = time.monotonic()
            fast.request("GET", "/n2")
            self.assertEqual(fast.read_response(timeout=1).body, b"n2\n")
            worst = max(worst, time.monotonic() - t)
            served += 1
            i += 1
            time.sleep(0.1)   # the slow clients' pace
        self.assertEqual(len(cut), len(slow), "slow clients still held")
        for n, (when, r) in cut.items():
            self.assertEqual(r.status, 408)
            self.assertLess(when, 1.7)
        self.assertGreater(served, 5)
        self.assertLess(worst, 0.5)

    def test_client_vanishing_mid_head_costs_nothing(self):
        for part in (b"GET /n1 HT", b"GET /n1 HTTP/1.1\r\nHost: a\r\n",
                     b"POST /n1 HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n"
                     b"\r\nabc"):
            c = sltest.Client(self.srv.port)
            c.send(part)
            c.close()
        r, c = self.roundtrip("GET", "/n1")
        self.assertEqual(r.body, b"n1\n")


class Limits(EngineCase):
    def check_error(self, c, status, text):
        r = c.read_response()
        self.assertEqual(r.status, status)
        self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(r.header("Content-Type"), "text/html")
        self.assertIn(("<h1>%d %s</h1>" % (status, text)).encode(), r.body)
        self.assert_closed(c)

    def test_request_line_over_the_buffer_is_414(self):
        c = self.client()
        c.send(b"GET /" + b"a" * 1100 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
        self.check_error(c, 414, "URI Too Long")

    def test_head_over_the_buffer_is_431(self):
        c = self.client()
        c.send(b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * 1100
               + b"\r\n\r\n")
        self.check_error(c, 431, "Request Header Fields Too Large")

    def test_head_of_exactly_the_buffer_size_is_fine(self):
        start = b"GET /n1 HTTP/1.1\r\nHost: a\r\nX: "
        for extra, status in ((0, 200), (1, 431)):
            with self.subTest(extra=extra):
                c = self.client()
                head = start + b"p" * (1024 - len(start) - 4 + extra)
                c.send(head + b"\r\n\r\n")
                self.assertEqual(c.read_response().status, status)

    def test_too_many_header_fields_is_431(self):
        c = self.client()
        c.send(b"GET / HTTP/1.1\r\nHost: a\r\n"
               + b"".join(b"H%d: v\r\n" % i for i in range(101)) + b"\r\n")
        self.check_error(c, 431, "Request Header Fields Too Large")


# One hostile input per row: (name, bytes, status). Every answer must be
# the status with a short HTML body and Connection: close, and then the
# connection must close (its framing cannot be trusted).
H = b"GET / HTTP/1.1\r\nHost: a\r\n"
HOSTILE = [
    ("Content-Length with Transfer-Encoding",
     b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("duplicate Content-Length",
     b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
     b"Content-Length: 5\r\n\r\nhello", 400),
    ("Content-Length list", H + b"Content-Length: 5, 5\r\n\r\nhello", 400),
    ("Content-Length not a number", H + b"Content-Length: 5x\r\n\r\n", 400),
    ("Content-Length negative", H + b"Content-Length: -1\r\n\r\n", 400),
    ("obs-fold", H + b"X-A: a\r\n b\r\n\r\n", 400),
    ("space before colon", b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
    ("tab before colon", H + b"X-A\t: a\r\n\r\n", 400),
    ("bare LF line ends", b"GET / HTTP/1.1\nHost: a\n\n", 400),
    ("bare LF in the header section", H + b"X-A: a\nX-B: b\r\n\r\n", 400),
    ("bare CR in a value", H + b"X-A: a\rb\r\n\r\n", 400),
    ("NUL in a header value", H + b"X-A: a\x00b\r\n\r\n", 400),
    ("NUL in a header name", H + b"X-\x00A: a\r\n\r\n", 400),
    ("header line without colon", H + b"NoColonHere\r\n\r\n", 400),
    ("missing Host in HTTP/1.1", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("absolute-form without Host",
     b"GET http://a/ HTTP/1.1\r\n\r\n", 400),
    ("two Host fields", H + b"Host: b\r\n\r\n", 400),
    ("empty Host", b"GET / HTTP/1.1\r\nHost: \r\n\r\n", 400),
    ("Host with a space", b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
    ("HTTP/2.0 request line", b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
    ("HTTP/3.1 request line", b"GET / HTTP/3.1\r\nHost: a\r\n\r\n", 505),
    ("lower-case version", b"GET / http/1.1\r\nHost: a\r\n\r\n", 400),
    ("two spaces in the request line", b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
     400),
    ("unknown method", b"FOO / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    ("TRACE", b"TRACE / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    ("CONNECT", b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 501),
    ("Transfer-Encoding: gzip, chunked",
     b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n"
     b"\r\n0\r\n\r\n", 501),
    ("Transfer-Encoding: chunked, gzip",
     b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n"
     b"\r\n", 400),
    ("Transfer-Encoding: chunked twice",
     b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("Transfer-Encoding with a parameter",
     b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;x=1\r\n\r\n",
     400),
    ("Transfer-Encoding in HTTP/1.0",
     b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("control byte in the target", b"GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n",
     400),
    ("fragment in the target", b"GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("asterisk with GET", b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("TLS client hello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
     400),
    ("too many empty lines first", b"\r\n" * 5 + H + b"\r\n", 400),
]


class Strictness(EngineCase):
    def test_hostile_inputs(self):
        for name, data, status in HOSTILE:
            with self.subTest(name):
                c = self.client()
                c.send(data)
                r = c.read_response()
                self.assertEqual(r.status, status, r)
                self.assertEqual(r.header("Connection"), "close")
                self.assertEqual(r.header("Content-Type"), "text/html")
                self.assertEqual(r.header("Content-Length"), str(len(r.body)))
                self.assertLess(len(r.body), 300)
                self.assertIn(b"<h1>%d " % status, r.body)
                self.assertEqual(r.header("Server"), "sluice")
                self.assertIsNotNone(r.header("Date"))
                self.assert_closed(c)

    def test_bad_paths_are_400(self):
        # The head itself is sound, so the connection may stay; if it does
        # it must still be in sync.
        for path in (b"/../x", b"/a/../../x", b"/a%00", b"/a%zz", b"/a%2",
                     b"/%2e%2e/x"):
            with self.subTest(path):
                c = self.client()
                c.send(b"GET " + path + b" HTTP/1.1\r\nHost: a\r\n\r\n")
                r = c.read_response()
                self.assertEqual(r.status, 400)
                self.assertIn(b"<h1>400 Bad Request</h1>", r.body)
                if r.header("Connection") == "close":
                    self.assert_closed(c)
                else:
                    self.assert_kept(c)

    def test_hostile_input_does_not_disturb_others(self):
        good = self.client()
        good.request("GET", "/n1")
        good.read_response()
        for _, data, _ in HOSTILE:
            c = sltest.Client(self.srv.port)
            c.send(data)
            c.read_response()
            c.close()
        self.assert_kept(good)

    def test_a_few_empty_lines_before_a_request_are_skipped(self):
        c = self.client()
        c.send(b"\r\n\r\nGET /n1 HTTP/1.1\r\nHost: a\r\n\r\n")
        self.assertEqual(c.read_response().body, b"n1\n")

    def test_unknown_expectation_is_417_and_keeps_the_connection(self):
        r, c = self.roundtrip("GET", "/n1", headers=["Expect: magic"])
        self.assertEqual(r.status, 417)
        self.assertIsNone(r.header("Connection"))
        self.assert_kept(c)


class Routing(EngineCase):
    def body(self, path, **kw):
        r, _ = self.roundtrip("GET", path, **kw)
        self.assertEqual(r.status, 200, path)
        return r.body

    def test_exact_beats_prefix_and_longest_prefix_wins(self):
        self.assertEqual(self.body("/x"), b"exact x\n")
        self.assertEqual(self.body("/x?q=1"), b"exact x\n")
        self.assertEqual(self.body("/x/"), b"prefix x\n")
        self.assertEqual(self.body("/xz"), b"prefix x\n")
        self.assertEqual(self.body("/x/y"), b"prefix x/y\n")
        self.assertEqual(self.body("/x/y/z"), b"prefix x/y\n")
        self.assertEqual(self.body("/"), b"root\n")
        self.assertEqual(self.body("/other"), b"root\n")

    def test_routing_uses_the_decoded_normalised_path(self):
        self.assertEqual(self.body("/%78"), b"exact x\n")
        self.assertEqual(self.body("//x"), b"exact x\n")
        self.assertEqual(self.body("/a/../x"), b"exact x\n")
        self.assertEqual(self.body("/./x/./y"), b"prefix x/y\n")

    def test_redirect_sends_location_and_a_standard_page(self):
        r, _ = self.roundtrip("GET", "/moved")
        self.assertEqual(r.status, 301)
        self.assertEqual(r.reason, "Moved Permanently")
        self.assertEqual(r.header("Location"), "http://example.com/new")
        self.assertEqual(r.header("Content-Type"), "text/html")
        self.assertIn(b"301 Moved Permanently", r.body)

    def test_redirect_with_a_body(self):
        r, c = self.roundtrip("GET", "/found")
        self.assertEqual(r.status, 302)
        self.assertEqual(r.header("Location"), "/there")
        self.assertEqual(r.body, b"see there\n")
        self.assert_kept(c)

    def test_error_status_return_keeps_the_connection(self):
        r, c = self.roundtrip("GET", "/gone")
        self.assertEqual(r.status, 410)
        self.assertIn(b"410 Gone", r.body)
        self.assertIsNone(r.header("Connection"))
        self.assert_kept(c)

    def test_204_has_no_body_and_no_length(self):
        r, c = self.roundtrip("GET", "/nothing")
        self.assertEqual(r.status, 204)
        self.assertIsNone(r.header("Content-Length"))
        self.assertIsNone(r.header("Transfer-Encoding"))
        self.assert_kept(c)   # no stray body bytes before the next one

    def test_add_headers(self):
        r, _ = self.roundtrip("GET", "/hdr")
        self.assertEqual(r.header("X-Sltest"), "yes")

    def test_options_asterisk(self):
        c = self.client()
        c.send(b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")
        r = c.read_response()
        self.assertEqual(r.status, 200)
        self.assertIn("GET", r.header("Allow"))
        self.assertIn("OPTIONS", r.header("Allow"))
        self.assertEqual(r.header("Content-Length"), "0")
        self.assert_kept(c)

    def test_date_and_server_headers(self):
        r, _ = self.roundtrip("GET", "/n1")
        self.assertEqual(r.header("Server"), "sluice")
        self.assertEqual(len(r.all("Date")), 1)
        self.assertTrue(r.header("Date").endswith(" GMT"))
        when = email.utils.parsedate_to_datetime(r.header("Date"))
        self.assertLess(abs(when.timestamp() - time.time()), 1.5)
        self.assertEqual(r.header("Content-Type"), "text/plain")
        # Cached per second, never stale: an idle worker still says now.
        time.sleep(1.1)   # wall-clock time must pass
        r2, _ = self.roundtrip("GET", "/n1")
        when2 = email.utils.parsedate_to_datetime(r2.header("Date"))
        self.assertGreaterEqual((when2 - when).total_seconds(), 1)
        self.assertLess(abs(when2.timestamp() - time.time()), 1.5)

    def test_head_has_length_but_no_body(self):
        c = self.client()
        c.request("HEAD", "/x")
        r = c.read_response(head_only=True)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Length"), str(len(b"exact x\n")))
        # Had a body followed, the next response would not parse.
        self.assert_kept(c)

    def test_head_of_an_error_page(self):
        c = self.client()
        c.request("HEAD", "/moved")
        r = c.read_response(head_only=True)
        self.assertEqual(r.status, 301)
        self.assertNotEqual(r.header("Content-Length"), "0")
        self.assert_kept(c)


VHOSTS = """
worker_processes = 1;
error_log = { path = "error.log"; level = "info"; };
http = {
    client_header_timeout = 2;
    servers = (
        { listen = [ "127.0.0.1:@PORT@" ];
          server_names = [ "first.test" ];
          locations = ( %s ); },
        { listen = [ "127.0.0.1:@PORT@" ];
          server_names = [ "exact.test", "*.example.com" ];
          locations = ( %s ); },
        { listen = [ "127.0.0.1:@PORT@" ];
          server_names = [ "*.sub.example.com" ];
          locations = ( %s ); }
    );
};
""" % (ret("/", body="first\n"), ret("/", body="second\n"),
       ret("= /only", body="third\n"))


class VirtualServers(EngineCase):
    conf = VHOSTS

    def which(self, host, path="/", **kw):
        r, _ = self.roundtrip("GET", path, host=host, **kw)
        return r.status, r.body

    def test_server_names(self):
        cases = [
            ("first.test", b"first\n"),
            ("exact.test", b"second\n"),
            ("EXACT.Test", b"second\n"),
            ("exact.test:8080", b"second\n"),
            ("www.example.com", b"second\n"),
            ("a.b.example.com", b"second\n"),
            ("example.com", b"first\n"),        # not matched by *.
            ("unknown.test", b"first\n"),       # the default server
            ("127.0.0.1", b"first\n"),
        ]
        for host, body in cases:
            with self.subTest(host):
                self.assertEqual(self.which(host), (200, body))

    def test_host_with_a_trailing_dot_is_the_same_name(self):
        # The parser accepts one trailing dot ("exact.test." is the fully
        # qualified form of the same name); routing must then match it
        # like the name without it, as nginx does.
        self.assertEqual(self.which("exact.test."), (200, b"second\n"))
        self.assertEqual(self.which("www.example.com.:80"),
                         (200, b"second\n"))

    def test_longest_wildcard_wins(self):
        self.assertEqual(self.which("x.sub.example.com", "/only"),
                         (200, b"third\n"))

    def test_missing_location_is_404_and_keeps_the_connection(self):
        c = self.client()
        c.request("GET", "/nowhere", host="x.sub.example.com")
        r = c.read_response()
        self.assertEqual(r.status, 404)
        self.assertEqual(r.header("Content-Type"), "text/html")
        self.assertIn(b"404 Not Found", r.body)
        self.assertIsNone(r.header("Connection"))
        c.request("GET", "/only", host="x.sub.example.com")
        self.assertEqual(c.read_response().body, b"third\n")

    def test_absolute_form_takes_the_host_from_the_target(self):
        c = self.client()
        c.send(b"GET http://exact.test/ HTTP/1.1\r\nHost: first.test\r\n\r\n")
        self.assertEqual(c.read_response().body, b"second\n")

    def test_http10_without_host_goes_to_the_default(self):
        self.assertEqual(self.which(None, version="HTTP/1.0"),
                         (200, b"first\n"))


class Bodies(EngineCase):
    """A `return` location does not read the body: the engine discards it
    and the next request on the connection is still found."""

    def test_content_length_body_then_pipelined_get(self):
        c = self.client()
        c.send(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n"
               b"hello world" + pipeline(["/n1"]))
        r = c.read_response()
        self.assertEqual((r.status, r.body), (200, b"exact x\n"))
        self.assertIsNone(r.header("Connection"))
        self.assertEqual(c.read_response().body, b"n1\n")
        self.assert_kept(c)

    def test_chunked_body_then_pipelined_get(self):
        c = self.client()
        c.send(b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
               b"\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: t\r\n"
               b"\r\n" + pipeline(["/n1"]))
        r = c.read_response()
        self.assertEqual((r.status, r.body), (200, b"exact x\n"))
        self.assertEqual(c.read_response().body, b"n1\n")
        self.assert_kept(c)

    def test_body_arriving_after_the_response(self):
        c = self.client()
        c.send(b"PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n")
        self.assertEqual(c.read_response().status, 200)
        c.send(b"01234")
        time.sleep(0.05)   # a separate segment
        c.send(b"56789" + pipeline(["/n2"]))
        self.assertEqual(c.read_response().body, b"n2\n")

    def test_body_timeout_is_between_reads_not_a_deadline(self):
        # client_body_timeout = 1: a body trickling one byte every 0.3 s
        # for 3 s is still read to its end.
        c = self.client()
        c.send(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n")
        self.assertEqual(c.read_response().status, 200)
        for b in b"0123456789":
            c.send(bytes([b]))
            time.sleep(0.3)   # the client's pace
        c.request("GET", "/n4")
        self.assertEqual(c.read_response().body, b"n4\n")

    def test_stalled_body_is_cut_after_client_body_timeout(self):
        c = self.client()
        c.send(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n"
               b"01234")
        self.assertEqual(c.read_response().status, 200)
        t0 = time.monotonic()
        self.assert_closed(c, timeout=4)
        self.assertGreater(time.monotonic() - t0, 0.8)
        self.assertLess(time.monotonic() - t0, 2.5)

    def test_expect_continue_body_not_sent_closes_after_the_response(self):
        # The final response goes out at once and no 100 follows it; a
        # client still waiting for the 100 may never send the body, so
        # the connection is not kept waiting for it.
        c = self.client()
        c.send(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
               b"Expect: 100-continue\r\n\r\n")
        r = c.read_response(interim=True)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"exact x\n")
        self.assert_closed(c)

    def test_expect_continue_with_the_body_sent_anyway(self):
        c = self.client()
        c.send(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
               b"Expect: 100-continue\r\n\r\nhello" + pipeline(["/n5"]))
        r = c.read_response(interim=True)
        self.assertEqual(r.status, 200)
        self.assertEqual(c.read_response().body, b"n5\n")

    def test_chunked_body_over_the_limit_ends_the_connection(self):
        c = self.client()
        c.send(b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
               b"\r\n800\r\n" + b"z" * 2048 + b"\r\n0\r\n\r\n"
               + pipeline(["/n1"]))
        self.assertEqual(c.read_response().status, 200)
        self.assertNotIn(b"n1\n", c.wait_closed())

    def test_large_body_over_the_limit_still_gets_its_413(self):
        # 200 kB sent without reading: the 413 must not be lost to a reset
        # (the server drains what it will not read before closing).
        c = self.client()
        c.sock.setblocking(True)
        c.send(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 200000\r\n"
               b"\r\n" + b"z" * 200000)
        r = c.read_response()
        self.assertEqual(r.status, 413)
        self.assert_closed(c)

    def test_body_over_client_max_body_size_is_413(self):
        c = self.client()
        c.send(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n"
               + b"z" * 5000)
        r = c.read_response()
        self.assertEqual(r.status, 413)
        self.assertEqual(r.header("Connection"), "close")
        self.assertIn(b"413 Content Too Large", r.body)
        self.assert_closed(c)

    def test_body_at_client_max_body_size_is_fine(self):
        c = self.client()
        c.send(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1024\r\n\r\n"
               + b"z" * 1024 + pipeline(["/n3"]))
        self.assertEqual(c.read_response().status, 200)
        self.assertEqual(c.read_response().body, b"n3\n")

    def test_bad_chunk_closes_the_connection(self):
        # The response went out before the body was read; a bad chunk
        # after it leaves nothing to answer: the connection just closes.
        c = self.client()
        c.send(b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
               b"\r\nzz\r\n" + pipeline(["/n1"]))
        self.assertEqual(c.read_response().status, 200)
        rest = c.wait_closed()
        self.assertNotIn(b"n1\n", rest)


BIG = 100000
SLOW = sltest.conf(workers=1, locations=",\n".join([
    ret("/", body="small\n"), ret("= /big", body="b" * BIG)]),
    http="send_timeout = 1;\n    keepalive_timeout = 10;",
    top="worker_connections = 16;",
    level="info")


class Resources(EngineCase):
    """Clients that do not read, and more clients than connections."""
    conf = SLOW

    def setUp(self):
        # The crit line about worker_connections is expected here.
        self.srv.allow = [re.compile(r"worker_connections are not enough")]

    def test_client_that_never_reads_is_cut_after_send_timeout(self):
        mark = self.srv.log_mark()
        c = self.client()
        # 30 MB of responses: more than the socket buffers hold.
        c.send(pipeline(["/big"] * 300))
        t0 = time.monotonic()
        # Meanwhile others are served.
        r = sltest.get(self.srv.port, "/")
        self.assertEqual(r.body, b"small\n")
        self.srv.wait_log(r"client timed out while reading", since=mark,
                          timeout=5)
        self.assertLess(time.monotonic() - t0, 4)
        # What was sent before the cut is whole responses, then EOF.
        got = 0
        try:
            while True:
                r = c.read_response(timeout=5)
                self.assertEqual(len(r.body), BIG)
                got += 1
        except AssertionError as e:
            self.assertIn("closed", str(e))
        self.assertLess(got, 300)

    def test_clients_beyond_worker_connections_wait_their_turn(self):
        held = sltest.keepalive_clients(self.srv.port, 16)
        for c in held:
            self.addCleanup(c.close)
        extra = self.client()           # queued in the backlog
        extra.request("GET", "/")
        r, _, _ = select.select([extra.sock], [], [], 0.5)
        self.assertEqual(r, [])        # not served while all are taken
        held[0].close()
        r = extra.read_response(timeout=3)
        self.assertEqual(r.body, b"small\n")
        self.srv.wait_log(r"\[crit\] .*16 worker_connections are not "
                          r"enough, clients wait in the backlog")


if __name__ == "__main__":
    unittest.main(verbosity=2)
