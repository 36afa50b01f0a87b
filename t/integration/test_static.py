#!/usr/bin/env python3
"""The static file module against the real binary (issue 5): methods,
content types, HEAD/GET parity, traversal attempts (../, %2e%2e, %2f,
double encoding, NUL, symlinks out of the root, dotfiles), directories
(301, index, autoindex), validators and conditional requests, every
range form byte-exact on a 5 MiB file, multipart/byteranges,
gzip_static, and the open-file cache's revalidation. The main suite runs
twice: with the thread pool and the cache (the defaults), and with
neither (thread_pool_threads = 0, open_file_cache.max = 0), so both
paths of the module serve the same answers."""
import email.utils
import os
import re
import shutil
import threading
import time
import unittest

import sltest

MIB5 = os.urandom(5 * 1024 * 1024)
SMALL = b"small file body\n"
GZ_PLAIN = b"plain text, compressible " * 40
GZ_BYTES = b"\x1f\x8b" + os.urandom(200)   # what matters is which is sent
NAMES = ["<b>&amp;\"'.txt", "caf\u00e9.txt", "sp ace.txt", "z.txt"]


def locations(extra_static=""):
    loc = ('{ match = "%s"; static = { %s %s }; }')
    return ",\n".join([
        loc % ("/", "gzip_static = true; charset = \"utf-8\";", extra_static),
        loc % ("/ai/", "autoindex = true;", extra_static),
        loc % ("/noetag/", "etag = false;", extra_static),
        loc % ("/nosym/", "symlinks = \"off\";", extra_static),
        loc % ("/dot/", "dotfiles = \"allow\";", extra_static),
        loc % ("/idx/", "index = [ \"missing.html\", \"second.html\" ];",
               extra_static),
    ])


def static_conf(extra_static="", top=""):
    # A generous keep-alive: on a loaded machine a Python client can take
    # seconds to drain a 5 MiB body the server already handed the kernel,
    # and the idle timer starts when the server is done, not the client.
    return sltest.conf(locations=locations(extra_static), workers=1,
                       server='root = "@DIR@/html";\n'
                              '        server_names = [ "static.test" ];',
                       top=top, http="keepalive_timeout = 60;")


def write(path, data, mtime=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def build_tree(top):
    """The document root at top/html and a secret beside it."""
    shutil.copy(os.path.join(sltest.SRCDIR, "conf", "mime.types"),
                os.path.join(top, "mime.types"))
    h = os.path.join(top, "html")
    write(os.path.join(top, "secret"), b"SECRET outside the root\n")
    write(os.path.join(h, "index.html"), b"<p>home</p>\n")
    write(os.path.join(h, "small.txt"), SMALL)
    write(os.path.join(h, "big.bin"), MIB5)
    write(os.path.join(h, "empty.txt"), b"")
    write(os.path.join(h, "style.css"), b"p{}\n")
    write(os.path.join(h, "logo.png"), b"\x89PNG....")
    write(os.path.join(h, "data.json"), b"{}\n")
    write(os.path.join(h, "blob.unknownext"), b"?")
    write(os.path.join(h, "README"), b"readme\n")
    write(os.path.join(h, "sub", "index.html"), b"sub index\n")
    write(os.path.join(h, "sub", "a.txt"), b"sub a\n")
    write(os.path.join(h, "a dir", "index.html"), b"spaced\n")
    os.makedirs(os.path.join(h, "noindex"))
    write(os.path.join(h, ".env"), b"PASSWORD=x\n")
    write(os.path.join(h, "sub", ".git", "config"), b"[core]\n")
    write(os.path.join(h, ".well-known", "acme"), b"token\n")
    write(os.path.join(h, "dot", ".hidden"), b"visible here\n")
    write(os.path.join(h, "%2e%2e", "secret"), b"literal percent dir\n")
    os.symlink("small.txt", os.path.join(h, "link-in"))
    os.symlink("sub", os.path.join(h, "dirlink"))
    os.symlink("../secret", os.path.join(h, "link-out"))
    os.symlink("/etc/passwd", os.path.join(h, "link-abs"))
    write(os.path.join(h, "nosym", "plain.txt"), b"nosym plain\n")
    os.symlink("../small.txt", os.path.join(h, "nosym", "link"))
    write(os.path.join(h, "noetag", "f.txt"), b"no etag\n")
    write(os.path.join(h, "idx", "second.html"), b"second index\n")
    # gzip_static: a fresh .gz, a stale one, and a directory index.
    write(os.path.join(h, "gz", "f.txt"), GZ_PLAIN, mtime=1500000000)
    write(os.path.join(h, "gz", "f.txt.gz"), GZ_BYTES, mtime=1500000100)
    write(os.path.join(h, "gz", "old.txt"), GZ_PLAIN, mtime=1500000100)
    write(os.path.join(h, "gz", "old.txt.gz"), GZ_BYTES, mtime=1500000000)
    write(os.path.join(h, "gz", "none.txt"), GZ_PLAIN)
    write(os.path.join(h, "gzdir", "index.html"), b"<p>gz index</p>",
          mtime=1500000000)
    write(os.path.join(h, "gzdir", "index.html.gz"), GZ_BYTES,
          mtime=1500000000)
    # autoindex
    for i, name in enumerate(NAMES):
        write(os.path.join(h, "ai", name), b"x" * (i + 1))
    os.makedirs(os.path.join(h, "ai", "adir"))
    os.makedirs(os.path.join(h, "ai", "zdir"))
    write(os.path.join(h, "ai", ".hidden"), b"h")
    os.symlink("../../secret", os.path.join(h, "ai", "escape"))
    os.mkfifo(os.path.join(h, "fifo"))
    return h


def etag_of(path):
    st = os.stat(path)
    return '"%x-%x"' % (int(st.st_mtime), st.st_size)


def http_date(path):
    return email.utils.formatdate(int(os.stat(path).st_mtime), usegmt=True)


class StaticCase(unittest.TestCase):
    """One server for the class (one worker, so one cache)."""
    conf = static_conf()

    @classmethod
    def setUpClass(cls):
        cls.srv = sltest.Server(cls.conf)
        cls.addClassCleanup(cls.srv.close)
        cls.html = build_tree(cls.srv.dir)
        cls.srv.start()

    def get(self, path, headers=(), method="GET"):
        return sltest.get(self.srv.port, path, method=method,
                          headers=headers, timeout=10)

    def file(self, rel):
        return os.path.join(self.html, rel)


class Basics(StaticCase):
    def test_get_small_file(self):
        r = self.get("/small.txt")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, SMALL)
        self.assertEqual(r.header("Content-Type"),
                         "text/plain; charset=utf-8")
        self.assertEqual(r.header("Content-Length"), str(len(SMALL)))
        self.assertEqual(r.header("Accept-Ranges"), "bytes")
        self.assertEqual(r.header("ETag"), etag_of(self.file("small.txt")))
        self.assertEqual(r.header("Last-Modified"),
                         http_date(self.file("small.txt")))
        self.assertIsNone(r.header("Vary"))

    def test_get_big_file_byte_exact(self):
        r = self.get("/big.bin")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type"), "application/octet-stream")
        self.assertEqual(r.header("Content-Length"), str(len(MIB5)))
        self.assertTrue(r.body == MIB5, "5 MiB body differs")

    def test_big_file_twice_on_one_connection(self):
        with sltest.Client(self.srv.port, timeout=10) as c:
            for _ in range(2):
                c.request("GET", "/big.bin")
                r = c.read_response(timeout=10)
                self.assertEqual(r.status, 200)
                self.assertTrue(r.body == MIB5)
            c.request("GET", "/small.txt")
            self.assertEqual(c.read_response().body, SMALL)

    def test_keepalive_small_file_many_times(self):
        with sltest.Client(self.srv.port) as c:
            for _ in range(50):
                c.request("GET", "/small.txt")
                r = c.read_response()
                self.assertEqual((r.status, r.body), (200, SMALL))

    def test_pipelined_requests(self):
        with sltest.Client(self.srv.port) as c:
            c.send(b"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                   b"GET /sub/a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                   b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(c.read_response().body, SMALL)
            self.assertEqual(c.read_response().body, b"sub a\n")
            self.assertEqual(c.read_response().status, 404)

    def test_empty_file(self):
        r = self.get("/empty.txt")
        self.assertEqual((r.status, r.body), (200, b""))
        self.assertEqual(r.header("Content-Length"), "0")
        r = self.get("/empty.txt", ["Range: bytes=0-"])
        self.assertEqual(r.status, 416)
        self.assertEqual(r.header("Content-Range"), "bytes */0")

    def test_query_string_ignored(self):
        r = self.get("/small.txt?v=1&x=../../secret")
        self.assertEqual((r.status, r.body), (200, SMALL))

    def test_content_types(self):
        for path, ctype in (("/style.css", "text/css; charset=utf-8"),
                            ("/logo.png", "image/png"),
                            ("/data.json",
                             "application/json; charset=utf-8"),
                            ("/index.html", "text/html; charset=utf-8"),
                            ("/blob.unknownext", "application/octet-stream"),
                            ("/README", "application/octet-stream")):
            with self.subTest(path):
                r = self.get(path)
                self.assertEqual(r.status, 200)
                self.assertEqual(r.header("Content-Type"), ctype)

    def test_each_file_its_own_date_and_type(self):
        # Alternating files on one connection: a date or type remembered
        # from the previous response must never leak into the next one.
        files = (("gz/f.txt", "text/plain; charset=utf-8"),
                 ("gz/old.txt", "text/plain; charset=utf-8"),
                 ("style.css", "text/css; charset=utf-8"),
                 ("logo.png", "image/png"))
        with sltest.Client(self.srv.port) as c:
            for _ in range(2):
                for rel, ctype in files:
                    c.request("GET", "/" + rel)
                    r = c.read_response()
                    self.assertEqual(r.status, 200)
                    self.assertEqual(r.header("Last-Modified"),
                                     http_date(self.file(rel)), rel)
                    self.assertEqual(r.header("Content-Type"), ctype, rel)

    def test_other_methods_are_405(self):
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            with self.subTest(method):
                r = self.get("/small.txt", method=method)
                self.assertEqual(r.status, 405)
                self.assertEqual(r.header("Allow"), "GET, HEAD")

    def test_post_with_body_keeps_connection_in_sync(self):
        with sltest.Client(self.srv.port) as c:
            c.request("POST", "/small.txt", body=b"x" * 100)
            self.assertEqual(c.read_response().status, 405)
            c.request("GET", "/small.txt")
            self.assertEqual(c.read_response().body, SMALL)

    def test_head_get_parity(self):
        for path in ("/small.txt", "/big.bin", "/index.html", "/sub/",
                     "/ai/", "/gz/f.txt", "/empty.txt", "/nope", "/sub"):
            for extra in ([], ["Accept-Encoding: gzip"]):
                with self.subTest(path=path, extra=extra):
                    g = self.get(path, extra)
                    h = self.get(path, extra, method="HEAD")
                    self.assertEqual(h.status, g.status)
                    strip = lambda r: [(n, v) for n, v in r.headers
                                       if n.lower() != "date"]
                    self.assertEqual(strip(h), strip(g))
                    self.assertEqual(h.body, b"")

    def test_head_sends_no_body_bytes(self):
        with sltest.Client(self.srv.port) as c:
            c.request("HEAD", "/big.bin")
            h = c.read_response(head_only=True)
            self.assertEqual(h.header("Content-Length"), str(len(MIB5)))
            c.request("GET", "/small.txt")
            r = c.read_response()
            self.assertEqual((r.status, r.body), (200, SMALL))


class Errors(StaticCase):
    def test_missing_is_404(self):
        r = self.get("/nope.txt")
        self.assertEqual(r.status, 404)

    def test_error_line_names_client_and_server(self):
        # The one request-log context (issue 18): connection, client,
        # server and request, as on every line about a client.
        mark = self.srv.log_mark()
        r = self.get("/nope-logged.txt")
        self.assertEqual(r.status, 404)
        line = self.srv.wait_log(r"(?m)^.*nope-logged.*$", since=mark)[0]
        self.assertRegex(line, r'\[info\] \d+#0: \*\d+ static: '
                         r'"nope-logged\.txt" under the root gives 404 \(2: '
                         r'No such file or directory\), client: 127\.0\.0\.1, '
                         r'server: static\.test, request: '
                         r'"GET /nope-logged\.txt HTTP/1\.1"$')

    def test_file_with_trailing_slash_is_404(self):
        self.assertEqual(self.get("/small.txt/").status, 404)

    def test_fifo_is_404_and_does_not_block(self):
        self.assertEqual(self.get("/fifo").status, 404)
        self.assertEqual(self.get("/small.txt").status, 200)

    def test_directory_without_index_is_403(self):
        self.assertEqual(self.get("/noindex/").status, 403)

    @unittest.skipIf(os.geteuid() == 0, "root reads any file")
    def test_unreadable_is_403(self):
        path = self.file("locked.txt")
        write(path, b"locked")
        os.chmod(path, 0)
        self.addCleanup(os.chmod, path, 0o644)
        r = self.get("/locked.txt")
        self.assertEqual(r.status, 403)
        self.assertNotIn(b"locked", r.body)


class Traversal(StaticCase):
    """Nothing outside the root is ever served; a refusal looks exactly
    like a missing file (or a 400 for a path the engine rejects)."""

    def assert_refused(self, path, statuses=(404,)):
        r = self.get(path)
        self.assertIn(r.status, statuses, path)
        self.assertNotIn(b"SECRET", r.body)
        self.assertNotIn(b"root:", r.body)
        if r.status == 404:
            self.assertEqual(r.body, self.get("/does-not-exist").body)
        return r

    def test_dot_dot(self):
        for path in ("/../secret", "/sub/../../secret", "/../../etc/passwd",
                     "/./../secret"):
            with self.subTest(path):
                self.assert_refused(path, (400, 404))

    def test_encoded_dot_dot(self):
        for path in ("/%2e%2e/secret", "/%2E%2E/secret", "/.%2e/secret",
                     "/sub/%2e%2e/%2e%2e/secret"):
            with self.subTest(path):
                self.assert_refused(path, (400, 404))

    def test_encoded_slash_is_404(self):
        for path in ("/sub%2fa.txt", "/sub%2Fa.txt", "/..%2fsecret",
                     "/%2e%2e%2fsecret"):
            with self.subTest(path):
                self.assert_refused(path, (400, 404))
        # A file that exists, named with %2F: still refused.
        self.assertEqual(self.get("/sub%2fa.txt").status, 404)

    def test_double_encoding_is_decoded_once(self):
        # "%252e%252e" is the literal name "%2e%2e": a directory that does
        # exist in the root, not a way up.
        r = self.get("/%252e%252e/secret")
        self.assertEqual((r.status, r.body), (200, b"literal percent dir\n"))
        self.assert_refused("/%252e%252e/%252e%252e/secret")

    def test_nul(self):
        for path in ("/small.txt%00", "/small.txt%00.html", "/%00"):
            with self.subTest(path):
                self.assert_refused(path, (400,))

    def test_backslash_is_a_name(self):
        self.assert_refused("/..%5csecret")
        self.assert_refused("/..\\secret", (400, 404))

    def test_symlink_out_of_root(self):
        self.assert_refused("/link-out")
        self.assert_refused("/link-abs")

    def test_symlink_inside_root(self):
        r = self.get("/link-in")
        self.assertEqual((r.status, r.body), (200, SMALL))
        r = self.get("/dirlink/a.txt")
        self.assertEqual((r.status, r.body), (200, b"sub a\n"))

    def test_symlinks_off(self):
        self.assert_refused("/nosym/link")
        r = self.get("/nosym/plain.txt")
        self.assertEqual((r.status, r.body), (200, b"nosym plain\n"))

    def test_dotfiles_denied(self):
        for path in ("/.env", "/sub/.git/config", "/sub/.git/", "/.env/",
                     "/%2eenv"):
            with self.subTest(path):
                self.assert_refused(path)

    def test_well_known_allowed(self):
        r = self.get("/.well-known/acme")
        self.assertEqual((r.status, r.body), (200, b"token\n"))

    def test_dotfiles_allow(self):
        r = self.get("/dot/.hidden")
        self.assertEqual((r.status, r.body), (200, b"visible here\n"))


class Directories(StaticCase):
    def test_redirect_to_slash(self):
        r = self.get("/sub")
        self.assertEqual(r.status, 301)
        self.assertEqual(r.header("Location"), "/sub/")

    def test_redirect_keeps_query(self):
        r = self.get("/sub?a=1&b=2")
        self.assertEqual(r.header("Location"), "/sub/?a=1&b=2")

    def test_redirect_escapes(self):
        r = self.get("/a%20dir")
        self.assertEqual(r.status, 301)
        self.assertEqual(r.header("Location"), "/a%20dir/")
        r = self.get("/a%20dir/")
        self.assertEqual((r.status, r.body), (200, b"spaced\n"))

    def test_index(self):
        r = self.get("/sub/")
        self.assertEqual((r.status, r.body), (200, b"sub index\n"))
        self.assertEqual(r.header("Content-Type"), "text/html; charset=utf-8")
        r = self.get("/")
        self.assertEqual((r.status, r.body), (200, b"<p>home</p>\n"))

    def test_index_order(self):
        r = self.get("/idx/")
        self.assertEqual((r.status, r.body), (200, b"second index\n"))

    def test_autoindex(self):
        r = self.get("/ai/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type"), "text/html; charset=utf-8")
        page = r.body.decode("utf-8")
        self.assertIn("<title>Index of /ai/</title>", page)
        self.assertIn('<a href="../">../</a>', page)
        hrefs = re.findall(r'<a href="([^"]*)">([^<]*)</a>', page)
        self.assertEqual([h for h, _ in hrefs], [
            "../", "adir/", "zdir/", "%3Cb%3E%26amp%3B%22%27.txt",
            "caf%C3%A9.txt", "sp%20ace.txt", "z.txt"])
        self.assertIn("&lt;b&gt;&amp;amp;&quot;&#39;.txt</a>", page)
        self.assertIn("caf\u00e9.txt</a>", page)
        self.assertNotIn(".hidden", page)
        self.assertNotIn("escape", page)
        self.assertNotIn("<b>", page)
        # Each link fetches what it names.
        for href, _ in hrefs[3:]:
            self.assertEqual(self.get("/ai/" + href).status, 200, href)

    def test_autoindex_sizes_and_dates(self):
        page = self.get("/ai/").body.decode("utf-8")
        self.assertRegex(page, r'z\.txt</a></td><td>[A-Z][a-z]{2}, \d\d '
                               r'[A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT'
                               r'</td><td>4</td>')
        self.assertRegex(page, r'adir/</a></td><td>[^<]+</td><td>-</td>')


class Conditionals(StaticCase):
    def setUp(self):
        self.tag = etag_of(self.file("small.txt"))
        self.date = http_date(self.file("small.txt"))

    def test_if_none_match(self):
        r = self.get("/small.txt", ["If-None-Match: " + self.tag])
        self.assertEqual(r.status, 304)
        self.assertEqual(r.body, b"")
        self.assertEqual(r.header("ETag"), self.tag)
        self.assertIsNone(r.header("Content-Length"))
        r = self.get("/small.txt", ["If-None-Match: \"other\", W/" + self.tag])
        self.assertEqual(r.status, 304)
        r = self.get("/small.txt", ["If-None-Match: \"other\""])
        self.assertEqual((r.status, r.body), (200, SMALL))

    def test_field_names_in_any_case(self):
        r = self.get("/small.txt", ["if-none-match: " + self.tag])
        self.assertEqual(r.status, 304)
        r = self.get("/small.txt", ["IF-MATCH: \"x\""])
        self.assertEqual(r.status, 412)
        r = self.get("/small.txt", ["RANGE: bytes=0-4"])
        self.assertEqual((r.status, r.body), (206, SMALL[:5]))
        r = self.get("/small.txt", ["If-Nothing: x", "Ranges: bytes=0-4"])
        self.assertEqual((r.status, r.body), (200, SMALL))

    def test_304_keeps_connection_in_sync(self):
        with sltest.Client(self.srv.port) as c:
            c.request("GET", "/small.txt", headers=["If-None-Match: *"])
            self.assertEqual(c.read_response().status, 304)
            c.request("GET", "/small.txt")
            self.assertEqual(c.read_response().body, SMALL)

    def test_if_modified_since(self):
        r = self.get("/small.txt", ["If-Modified-Since: " + self.date])
        self.assertEqual(r.status, 304)
        early = email.utils.formatdate(
            int(os.stat(self.file("small.txt")).st_mtime) - 10, usegmt=True)
        r = self.get("/small.txt", ["If-Modified-Since: " + early])
        self.assertEqual(r.status, 200)
        # If-None-Match wins over If-Modified-Since.
        r = self.get("/small.txt", ["If-None-Match: \"x\"",
                                    "If-Modified-Since: " + self.date])
        self.assertEqual(r.status, 200)

    def test_if_match(self):
        self.assertEqual(self.get("/small.txt",
                                  ["If-Match: " + self.tag]).status, 200)
        self.assertEqual(self.get("/small.txt",
                                  ["If-Match: \"x\""]).status, 412)
        self.assertEqual(self.get("/small.txt",
                                  ["If-Match: W/" + self.tag]).status, 412)

    def test_if_unmodified_since(self):
        early = email.utils.formatdate(
            int(os.stat(self.file("small.txt")).st_mtime) - 10, usegmt=True)
        self.assertEqual(self.get("/small.txt", ["If-Unmodified-Since: "
                                                 + early]).status, 412)
        self.assertEqual(self.get("/small.txt", ["If-Unmodified-Since: "
                                                 + self.date]).status, 200)

    def test_if_range(self):
        r = self.get("/small.txt", ["Range: bytes=0-4",
                                    "If-Range: " + self.tag])
        self.assertEqual((r.status, r.body), (206, SMALL[:5]))
        r = self.get("/small.txt", ["Range: bytes=0-4",
                                    "If-Range: " + self.date])
        self.assertEqual(r.status, 206)
        r = self.get("/small.txt", ["Range: bytes=0-4",
                                    "If-Range: \"stale\""])
        self.assertEqual((r.status, r.body), (200, SMALL))

    def test_etag_off(self):
        r = self.get("/noetag/f.txt")
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.header("ETag"))
        self.assertIsNotNone(r.header("Last-Modified"))


class Ranges(StaticCase):
    def check_single(self, spec, start, last, data=MIB5, path="/big.bin"):
        r = self.get(path, ["Range: " + spec])
        self.assertEqual(r.status, 206, spec)
        self.assertEqual(r.header("Content-Range"),
                         "bytes %d-%d/%d" % (start, last, len(data)))
        self.assertEqual(r.header("Content-Length"), str(last - start + 1))
        self.assertTrue(r.body == data[start:last + 1], spec)

    def test_single_forms_big_file(self):
        n = len(MIB5)
        self.check_single("bytes=0-0", 0, 0)
        self.check_single("bytes=100-65635", 100, 65635)
        self.check_single("bytes=1048576-", 1048576, n - 1)
        self.check_single("bytes=-1000", n - 1000, n - 1)
        self.check_single("bytes=-%d" % (n * 2), 0, n - 1)
        self.check_single("bytes=%d-%d" % (n - 10, n * 3), n - 10, n - 1)
        self.check_single("bytes=0-%d" % (n - 1), 0, n - 1)

    def test_single_forms_small_file(self):
        self.check_single("bytes=2-5", 2, 5, SMALL, "/small.txt")
        self.check_single("bytes=-3", len(SMALL) - 3, len(SMALL) - 1, SMALL,
                          "/small.txt")
        self.check_single("bytes=4-", 4, len(SMALL) - 1, SMALL, "/small.txt")

    def test_unsatisfiable(self):
        for spec in ("bytes=%d-" % len(MIB5), "bytes=-0",
                     "bytes=99999999-99999999"):
            with self.subTest(spec):
                r = self.get("/big.bin", ["Range: " + spec])
                self.assertEqual(r.status, 416)
                self.assertEqual(r.header("Content-Range"),
                                 "bytes */%d" % len(MIB5))

    def test_malformed_is_ignored(self):
        for spec in ("bytes=5-1", "bytes=abc", "pages=1-2", "bytes=1-2;x",
                     "bytes=", "bytes=0-1,0-1", "bytes=10-20,0-5"):
            with self.subTest(spec):
                r = self.get("/small.txt", ["Range: " + spec])
                self.assertEqual((r.status, r.body), (200, SMALL))
                self.assertIsNone(r.header("Content-Range"))

    def multipart(self, r, data, ctype, spans):
        m = re.fullmatch(r"multipart/byteranges; boundary=(\S+)",
                         r.header("Content-Type"))
        self.assertIsNotNone(m, r.header("Content-Type"))
        b = m.group(1).encode()
        expect = b""
        for start, last in spans:
            expect += (b"\r\n--" + b + b"\r\nContent-Type: " + ctype.encode()
                       + b"\r\nContent-Range: bytes %d-%d/%d\r\n\r\n"
                       % (start, last, len(data)) + data[start:last + 1])
        expect += b"\r\n--" + b + b"--\r\n"
        self.assertEqual(r.header("Content-Length"), str(len(expect)))
        self.assertTrue(r.body == expect, "multipart body differs")

    def test_multiple_ranges(self):
        n = len(MIB5)
        r = self.get("/big.bin", ["Range: bytes=0-99, 1000-1999,-500"])
        self.assertEqual(r.status, 206)
        self.multipart(r, MIB5, "application/octet-stream",
                       [(0, 99), (1000, 1999), (n - 500, n - 1)])
        r = self.get("/small.txt", ["Range: bytes=0-1,4-"])
        self.assertEqual(r.status, 206)
        self.multipart(r, SMALL, "text/plain; charset=utf-8",
                       [(0, 1), (4, len(SMALL) - 1)])

    def test_too_many_ranges_is_200(self):
        spec = ",".join("%d-%d" % (i * 10, i * 10 + 1) for i in range(17))
        r = self.get("/big.bin", ["Range: bytes=" + spec])
        self.assertEqual(r.status, 200)
        self.assertTrue(r.body == MIB5)
        spec = ",".join("%d-%d" % (i * 10, i * 10 + 1) for i in range(16))
        self.assertEqual(self.get("/big.bin",
                                  ["Range: bytes=" + spec]).status, 206)

    def test_head_ignores_range(self):
        r = self.get("/small.txt", ["Range: bytes=0-1"], method="HEAD")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Length"), str(len(SMALL)))


class GzipStatic(StaticCase):
    def test_gz_served_when_accepted(self):
        r = self.get("/gz/f.txt", ["Accept-Encoding: br, gzip"])
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, GZ_BYTES)
        self.assertEqual(r.header("Content-Encoding"), "gzip")
        self.assertEqual(r.header("Vary"), "Accept-Encoding")
        self.assertEqual(r.header("Content-Type"),
                         "text/plain; charset=utf-8")
        self.assertEqual(r.header("Content-Length"), str(len(GZ_BYTES)))
        self.assertEqual(r.header("ETag"), etag_of(self.file("gz/f.txt.gz")))

    def test_plain_when_not_accepted_with_vary(self):
        for ae in ([], ["Accept-Encoding: gzip;q=0"],
                   ["Accept-Encoding: identity"],
                   ["Accept-Encoding: gzip;q=0, *"]):
            with self.subTest(ae):
                r = self.get("/gz/f.txt", ae)
                self.assertEqual(r.body, GZ_PLAIN)
                self.assertIsNone(r.header("Content-Encoding"))
                self.assertEqual(r.header("Vary"), "Accept-Encoding")

    def test_vary_on_every_answer_about_a_file_with_a_gz(self):
        # A cache in front must key by Accept-Encoding whatever the answer
        # is, the 412 and 416 too: each one depends on which file was
        # chosen. Without a usable .gz no answer varies.
        cases = ((("GET", []), 200), (("HEAD", []), 200),
                 (("GET", ["Range: bytes=0-1"]), 206),
                 (("GET", ["Range: bytes=99999-"]), 416),
                 (("GET", ["If-Match: \"nope\""]), 412))
        for path, vary in (("/gz/f.txt", "Accept-Encoding"),
                           ("/gz/none.txt", None), ("/gz/old.txt", None)):
            for ae in ([], ["Accept-Encoding: gzip"]):
                for (method, extra), status in cases:
                    with self.subTest(path=path, ae=ae, extra=extra,
                                      method=method):
                        r = self.get(path, ae + extra, method=method)
                        self.assertEqual(r.status, status)
                        self.assertEqual(r.header("Vary"), vary)

    def test_older_gz_is_not_used(self):
        r = self.get("/gz/old.txt", ["Accept-Encoding: gzip"])
        self.assertEqual(r.body, GZ_PLAIN)
        self.assertIsNone(r.header("Content-Encoding"))
        self.assertIsNone(r.header("Vary"))

    def test_no_gz_no_vary(self):
        r = self.get("/gz/none.txt", ["Accept-Encoding: gzip"])
        self.assertEqual(r.body, GZ_PLAIN)
        self.assertIsNone(r.header("Vary"))

    def test_range_of_the_gz(self):
        r = self.get("/gz/f.txt", ["Accept-Encoding: gzip",
                                   "Range: bytes=0-9"])
        self.assertEqual((r.status, r.body), (206, GZ_BYTES[:10]))
        self.assertEqual(r.header("Content-Range"),
                         "bytes 0-9/%d" % len(GZ_BYTES))

    def test_index_gz(self):
        r = self.get("/gzdir/", ["Accept-Encoding: gzip"])
        self.assertEqual((r.status, r.body), (200, GZ_BYTES))
        self.assertEqual(r.header("Content-Type"), "text/html; charset=utf-8")

    def test_gz_conditional(self):
        tag = etag_of(self.file("gz/f.txt.gz"))
        r = self.get("/gz/f.txt", ["Accept-Encoding: gzip",
                                   "If-None-Match: " + tag])
        self.assertEqual(r.status, 304)
        self.assertEqual(r.header("Vary"), "Accept-Encoding")
        r = self.get("/gz/f.txt", ["If-None-Match: " + tag])
        self.assertEqual((r.status, r.body), (200, GZ_PLAIN))


# The same suites with no thread pool and no open-file cache: every
# lookup happens inline, every file is sent from a fresh descriptor.
SYNC_CONF = static_conf(extra_static="open_file_cache = { max = 0; };",
                        top="thread_pool_threads = 0;")


class BasicsSync(Basics):
    conf = SYNC_CONF


class ErrorsSync(Errors):
    conf = SYNC_CONF


class TraversalSync(Traversal):
    conf = SYNC_CONF


class DirectoriesSync(Directories):
    conf = SYNC_CONF


class ConditionalsSync(Conditionals):
    conf = SYNC_CONF


class RangesSync(Ranges):
    conf = SYNC_CONF


class GzipStaticSync(GzipStatic):
    conf = SYNC_CONF


@unittest.skipIf(os.geteuid() != 0, "needs root to start workers as nobody")
class ConcurrentMisses(unittest.TestCase):
    """Many requests looking up the same missing paths at once: each
    lookup makes its own record in the thread pool, and the cache keeps
    only one; the request whose record is given up must not keep a
    pointer into it. The 404 is logged at info with that record's path,
    which is where the sanitizer build caught a use after free (issue
    17). Connection: close, so every request is a fresh lookup race."""

    THREADS = 32
    PER_THREAD = 60
    MISSING = ["/gone-a.txt", "/sub/gone-b.txt", "/no/such/dir/c"]

    def test_same_missing_paths_at_once(self):
        srv = sltest.Server(static_conf())
        self.addCleanup(srv.close)
        build_tree(srv.dir)
        srv.start()
        workers = srv.workers()
        statuses = []
        lock = threading.Lock()

        def client(n):
            seen = []
            for i in range(self.PER_THREAD):
                path = self.MISSING[(n + i) % len(self.MISSING)]
                r = sltest.get(srv.port, path, timeout=10)
                seen.append(r.status)
            with lock:
                statuses.extend(seen)

        threads = [threading.Thread(target=client, args=(n,))
                   for n in range(self.THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(statuses, [404] * self.THREADS * self.PER_THREAD)
        self.assertEqual(srv.workers(), workers, "a worker died")
        self.assertIn("gone-a.txt\" under the root gives 404",
                      srv.error_log())


class PermissionsAsNobody(unittest.TestCase):
    """EACCES is a 403 (logged at error, with the reason), distinct from
    a 404 but leaking nothing; run as root with workers as `nobody`, since
    root itself may read any file."""

    def setUp(self):
        self.srv = sltest.Server(static_conf(top='user = "nobody";'))
        self.addCleanup(self.srv.close)
        self.html = build_tree(self.srv.dir)
        os.chmod(self.srv.dir, 0o755)
        write(os.path.join(self.html, "locked.txt"), b"LOCKED content")
        os.chmod(os.path.join(self.html, "locked.txt"), 0)
        write(os.path.join(self.html, "closed", "f.txt"), b"LOCKED too")
        os.chmod(os.path.join(self.html, "closed"), 0o700)
        write(os.path.join(self.html, "lockidx", "index.html"), b"LOCKED")
        os.chmod(os.path.join(self.html, "lockidx", "index.html"), 0)
        self.srv.start()

    def test_unreadable_file_is_403(self):
        for path in ("/locked.txt", "/closed/f.txt", "/lockidx/"):
            with self.subTest(path):
                r = sltest.get(self.srv.port, path)
                self.assertEqual(r.status, 403)
                self.assertNotIn(b"LOCKED", r.body)
        self.srv.wait_log(r'(?m)\[error\] \d+#0: \*\d+ static: "locked\.txt" '
                          r'under the root gives 403 \(13: Permission '
                          r'denied\), client: 127\.0\.0\.1, server: '
                          r'static\.test, request: "GET /locked\.txt '
                          r'HTTP/1\.1"$')
        self.srv.wait_log(r"\[error\] .*static: \"lockidx/index.html\" "
                          r"under the root gives 403")
        r = sltest.get(self.srv.port, "/small.txt")
        self.assertEqual((r.status, r.body), (200, SMALL))


class CacheRevalidation(unittest.TestCase):
    """open_file_cache.valid: a change is seen once `valid` has passed
    since the file was last checked, never later; before that the cached
    answer stands (that is what makes a hit free of system calls)."""
    VALID = 2.0

    def setUp(self):
        self.srv = sltest.Server(static_conf(
            extra_static="open_file_cache = { valid = %g; };" % self.VALID))
        self.addCleanup(self.srv.close)
        self.html = build_tree(self.srv.dir)
        self.srv.start()

    def get(self, path):
        return sltest.get(self.srv.port, path)

    def past_valid(self):
        # The behaviour under test is a time window: wait it out.
        time.sleep(self.VALID + 0.3)

    def test_modified_file(self):
        path = os.path.join(self.html, "c.txt")
        write(path, b"version one\n")
        self.assertEqual(self.get("/c.txt").body, b"version one\n")
        write(path, b"version two, longer\n")
        self.assertEqual(self.get("/c.txt").body, b"version one\n")
        self.past_valid()
        r = self.get("/c.txt")
        self.assertEqual(r.body, b"version two, longer\n")
        self.assertEqual(r.header("ETag"), etag_of(path))

    def test_replaced_same_size_and_mtime(self):
        path = os.path.join(self.html, "r.txt")
        write(path, b"AAAA", mtime=1600000000)
        self.assertEqual(self.get("/r.txt").body, b"AAAA")
        write(path + ".new", b"BBBB", mtime=1600000000)
        os.rename(path + ".new", path)   # a new inode, same size and date
        self.past_valid()
        self.assertEqual(self.get("/r.txt").body, b"BBBB")

    def test_deleted_file(self):
        path = os.path.join(self.html, "d.txt")
        write(path, b"here\n")
        self.assertEqual(self.get("/d.txt").status, 200)
        os.unlink(path)
        self.past_valid()
        self.assertEqual(self.get("/d.txt").status, 404)

    def test_created_file(self):
        self.assertEqual(self.get("/new.txt").status, 404)
        write(os.path.join(self.html, "new.txt"), b"new\n")
        self.past_valid()
        self.assertEqual(self.get("/new.txt").body, b"new\n")

    def test_gz_appears(self):
        path = os.path.join(self.html, "g.txt")
        write(path, b"plain", mtime=1600000000)
        r = self.get("/g.txt")
        self.assertIsNone(r.header("Vary"))
        write(path + ".gz", GZ_BYTES, mtime=1600000001)
        self.past_valid()
        r = sltest.get(self.srv.port, "/g.txt",
                       headers=["Accept-Encoding: gzip"])
        self.assertEqual(r.body, GZ_BYTES)

    def test_response_in_flight_survives_replacement(self):
        path = os.path.join(self.html, "big2.bin")
        write(path, MIB5)
        with sltest.Client(self.srv.port, timeout=10) as c:
            c.request("GET", "/big2.bin")
            # Read only the head, then replace the file under the reader.
            deadline = time.monotonic() + 5
            while b"\r\n\r\n" not in c.buf:
                c._fill(deadline)
            write(path + ".new", b"tiny")
            os.rename(path + ".new", path)
            r = c.read_response(timeout=10)
            self.assertTrue(r.body == MIB5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
