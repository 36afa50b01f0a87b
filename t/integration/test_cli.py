#!/usr/bin/env python3
"""The command line (issue 2): -t / -T / -V / -h, exit codes, config
errors as FILE:LINE: "key": message, -s through the pid file, and the
default config lookup."""
import os
import re
import shutil
import signal
import socket
import tempfile
import unittest

import sltest

GOOD = """worker_processes = 1;
pid_file = "sluice.pid";
error_log = { path = "error.log"; level = "notice"; };
http = {
    servers = ( {
        listen = [ "127.0.0.1:1" ];
        locations = ( { match = "/"; return = { status = 200; }; } );
    } );
};
"""

# Lines 1-3 of GOOD can be replaced or added to by the error table.
HTTP_OPEN = """http = {
    servers = ( {
        listen = [ "127.0.0.1:1" ];
"""

AFTER = GOOD.count("\n") + 1   # the line of a setting added to GOOD

# name, config, line, key, message regex. Each config is GOOD with one
# mistake; the line is where the mistake sits.
BAD = [
    ("unknown directive at top level",
     "worker_processes = 1;\nworker_procs = 2;\n" + GOOD.split("\n", 1)[1],
     2, "worker_procs", r"unknown directive"),
    ("unknown directive in http",
     "worker_processes = 1;\nhttp = {\n    keepalive = 5;\n"
     "    servers = ( { listen = [ \"127.0.0.1:1\" ];\n"
     "        locations = ( { match = \"/\"; return = { status = 200; }; } );"
     " } );\n};\n",
     3, "keepalive", r"unknown directive"),
    ("unknown directive in a server",
     "worker_processes = 1;\n" + HTTP_OPEN + "        roots = \"x\";\n"
     "        locations = ( { match = \"/\"; return = { status = 200; }; } );"
     "\n    } );\n};\n",
     5, "roots", r"unknown directive"),
    ("unknown directive in a location",
     "worker_processes = 1;\n" + HTTP_OPEN + "        locations = ( {\n"
     "            match = \"/\";\n            retrun = { status = 200; };\n"
     "        } );\n    } );\n};\n",
     7, "retrun", r"unknown directive"),
    ("wrong type",
     GOOD + "worker_connections = \"many\";\n",
     AFTER, "worker_connections", r"expected an integer"),
    ("worker_connections out of range",
     GOOD + "worker_connections = 5;\n",
     AFTER, "worker_connections",
     r"5 is out of range \(expected 16 to 1000000\)"),
    ("worker_processes out of range",
     GOOD.replace("worker_processes = 1;", "worker_processes = 0;"),
     1, "worker_processes", r"0 is out of range \(expected 1 to 256\)"),
    ("bad size",
     "worker_processes = 1;\nhttp = {\n    client_header_buffer = \"12x\";\n"
     "    servers = ( { listen = [ \"127.0.0.1:1\" ];\n"
     "        locations = ( { match = \"/\"; return = { status = 200; }; } );"
     " } );\n};\n",
     3, "client_header_buffer", r'invalid size "12x"'),
    ("bad accept enum",
     GOOD + "accept = \"poll\";\n",
     AFTER, "accept", r'invalid value \(expected "reuseport" or "mutex"\)'),
    ("bad error_log level",
     GOOD.replace('level = "notice"', 'level = "loud"'),
     3, "level", r"invalid value \(expected .*\"debug\"\)"),
    ("unknown user",
     GOOD + "user = \"no-such-user-sltest\";\n",
     AFTER, "user", r'unknown user "no-such-user-sltest"'),
    ("time out of range",
     GOOD + "shutdown_timeout = -1;\n",
     AFTER, "shutdown_timeout", r"-1 seconds is out of range"),
    ("return status out of range",
     GOOD.replace("status = 200", "status = 999"),
     7, "status", r"999 is out of range"),
    ("bad location match",
     GOOD.replace('match = "/"', 'match = "x"'),
     7, "match", r'expected "/prefix" or "= /exact"'),
    ("return location without a redirect status",
     GOOD.replace("status = 200;", 'status = 200; location = "/x";'),
     7, "location", r"only with a redirect status \(301, 302, 303, 307 or "
     r"308\), not 200"),
    # add_headers go onto the wire as written: a CR LF would end the head
    # and let the config write a second field, or a body.
    ("add_headers with CR LF in a value",
     GOOD.replace("} );", '\n add_headers = [ "X-A: 1",\n'
                  '   "X-B: 1\\r\\nSet-Cookie: a=b" ]; } );', 1),
     9, "add_headers[1]", r"the value may not hold CR, LF, NUL or any other "
     r"control character but HTAB \(character 7 is \\x0D\)"),
    ("add_headers without a colon",
     GOOD.replace("} );", '\n add_headers = [ "nosniff" ]; } );', 1),
     8, "add_headers[0]", r"expected \"Name: value\": no ':' after the field "
     r"name"),
    ("server_names in a form that never matches",
     GOOD.replace("listen = [", 'server_names = [ ".example.com" ];\n'
                  '        listen = [', 1),
     6, "server_names[0]", r'"\.example\.com" cannot match \(supported: '
     r'exact names, and "\*\." followed by a domain\): write both the '
     r'name and a wildcard instead'),
]


class CheckConfig(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sltest-cli-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, text, name="sluice.conf"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_good_config_passes_without_side_effects(self):
        path = self.write(GOOD)
        r = sltest.run(["-t", "-c", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration file %s test is successful" % path,
                      r.stderr)
        # -t validates only: no pid file, no log, no socket.
        self.assertEqual(sorted(os.listdir(self.dir)), ["sluice.conf"])

    def test_logs_that_cannot_be_opened_fail_the_check(self):
        # As with nginx -t, but nothing is created to find out. The error
        # log's message says where its path is set.
        conf = os.path.join(self.dir, "sluice.conf")
        for what, text, shown in (
                ('%s:3: "path": error log' % conf,
                 GOOD.replace('"error.log"', '"nodir/e.log"'),
                 os.path.join(self.dir, "nodir", "e.log")),
                ("log", GOOD.replace("http = {", 'http = {\n    access_log = '
                                     '{ path = "nodir/a.log"; };'),
                 os.path.join(self.dir, "nodir", "a.log")),
                ("log", GOOD.replace("http = {", 'http = {\n    access_log = '
                                     '{ path = "sluice.conf/a.log"; };'),
                 os.path.join(self.dir, "sluice.conf", "a.log"))):
            with self.subTest(shown):
                path = self.write(text)
                r = sltest.run(["-t", "-c", path])
                self.assertEqual(r.returncode, 1, r.stderr)
                where, _, what = what.rpartition(": ")
                self.assertIn('%scannot open %s "%s" for writing (' % (
                    where + ": " if where else "", what, shown), r.stderr)
                self.assertIn("test failed", r.stderr)
                self.assertEqual(sorted(os.listdir(self.dir)),
                                 ["sluice.conf"])

    def test_bad_configs_name_file_line_and_key(self):
        for name, text, line, key, msg in BAD:
            with self.subTest(name):
                path = self.write(text)
                r = sltest.run(["-t", "-c", path])
                self.assertEqual(r.returncode, 1, r.stderr)
                want = r'%s:%d: "%s": %s' % (re.escape(path), line,
                                             re.escape(key), msg)
                self.assertRegex(r.stderr, want)
                self.assertIn("test failed", r.stderr)

    def test_syntax_error_is_libconfig_message_with_file_line(self):
        path = self.write(GOOD.replace("worker_processes = 1;",
                                       "worker_processes = ;"))
        r = sltest.run(["-t", "-c", path])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, re.escape(path) + r":1: syntax error")

    def test_error_in_included_file_names_that_file(self):
        self.write("worker_connections = 3;\n", "inc.conf")
        path = self.write(GOOD + '@include "inc.conf"\n')
        r = sltest.run(["-t", "-c", path])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r'inc\.conf:1: "worker_connections": '
                                   r'3 is out of range')

    def test_nested_include_resolves_against_the_main_file(self):
        # As the manual says (libconfig's include directory): b.conf named
        # in conf.d/a.conf is the one next to sluice.conf.
        os.mkdir(os.path.join(self.dir, "conf.d"))
        self.write('@include "b.conf"\n', "conf.d/a.conf")
        self.write("worker_connections = 100;\n", "b.conf")
        self.write("worker_connections = 3;\n", "conf.d/b.conf")
        path = self.write(GOOD + '@include "conf.d/a.conf"\n')
        r = sltest.run(["-T", "-c", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"(?m)^worker_connections = 100;$")

    def test_missing_http_block(self):
        path = self.write("worker_processes = 1;\n")
        r = sltest.run(["-t", "-c", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn('the "http" block is missing', r.stderr)

    def test_unreadable_file(self):
        path = os.path.join(self.dir, "nope.conf")
        r = sltest.run(["-t", "-c", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn(path + ": cannot read: No such file or directory",
                      r.stderr)

    def test_dump_prints_config_with_defaults(self):
        path = self.write(GOOD)
        r = sltest.run(["-T", "-c", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("test is successful", r.stderr)
        self.assertRegex(r.stdout, r'match = "/";')
        # Defaults the file does not set are shown filled in.
        self.assertRegex(r.stdout, r"keepalive_timeout = 75")
        self.assertRegex(r.stdout, r"worker_connections = 4096;")
        self.assertRegex(r.stdout, r'worker_rlimit_nofile = "auto";')
        self.assertRegex(r.stdout, r'client_header_buffer = "8192";')

    def test_dump_of_bad_config_fails(self):
        path = self.write(GOOD + "accept = 1;\n")
        r = sltest.run(["-T", "-c", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn('"accept"', r.stderr)

    def test_prefix_finds_conf_under_it(self):
        os.mkdir(os.path.join(self.dir, "conf"))
        self.write(GOOD, "conf/sluice.conf")
        r = sltest.run(["-t", "-p", self.dir])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("conf/sluice.conf test is successful", r.stderr)

    def test_prefix_without_conf_says_so(self):
        r = sltest.run(["-t", "-p", self.dir])
        self.assertEqual(r.returncode, 1)
        self.assertIn("no configuration file: %s/conf/sluice.conf does not "
                      "exist (use -c FILE)" % self.dir, r.stderr)

    def test_no_config_at_all_says_so(self):
        # The installed default (SYSCONFDIR/sluice/sluice.conf) must be
        # absent for this test: read its path from -h.
        h = sltest.run(["-h"]).stdout
        default = re.search(r"default (\S+)\)", h).group(1)
        if os.path.exists(default):
            self.skipTest("%s exists on this machine" % default)
        for args in ([], ["-t"]):
            r = sltest.run(args, cwd=self.dir)
            self.assertEqual(r.returncode, 1)
            self.assertIn("no configuration file: %s does not exist "
                          "(use -c FILE)" % default, r.stderr)


class Options(unittest.TestCase):
    def test_version(self):
        r = sltest.run(["-V"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^sluice version \d+\.\d+")

    def test_help(self):
        r = sltest.run(["-h"])
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith("usage: sluice [-c FILE]"))
        for opt in ("-c", "-p", "-t", "-T", "-s", "-V", "-h"):
            self.assertIn("  %s " % opt, r.stdout)

    def test_usage_errors_exit_2(self):
        cases = [
            (["-x"], "unknown option -x"),
            (["-c"], "option -c needs a value"),
            (["-t", "extra"], 'unexpected argument "extra"'),
            (["-s", "restart", "-c", "/x"],
             '-s takes reload, quit, stop or reopen, not "restart"'),
        ]
        for args, msg in cases:
            with self.subTest(args=args):
                r = sltest.run(args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(msg, r.stderr)


class SignalOption(unittest.TestCase):
    """-s finds the master through the pid file of the config."""

    def start(self):
        return sltest.start(self, sltest.conf(workers=1))

    def test_reload_waits_for_the_verdict(self):
        srv = self.start()
        old = srv.workers()
        srv.write_conf(srv.conf_text.replace('"ok\\n"', '"new\\n"'))
        r = sltest.run(["-s", "reload", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("sluice: reloaded:", r.stderr)
        # The verdict comes when the new generation serves; once the old
        # worker is gone, only the new config can answer.
        srv.wait_workers(1, exclude=old)
        self.assertEqual(sltest.get(srv.port).body, b"new\n")

    def test_reload_with_bad_config_fails_before_signalling(self):
        srv = self.start()
        old = srv.workers()
        mark = srv.log_mark()
        srv.write_conf(srv.conf_text + "\nworker_connections = 1;\n")
        r = sltest.run(["-s", "reload", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, re.escape(srv.conf_path)
                         + r':\d+: "worker_connections": 1 is out of range')
        self.assertEqual(srv.workers(), old)
        self.assertNotIn("reloading", srv.error_log()[mark:])
        self.assertEqual(sltest.get(srv.port).body, b"ok\n")

    def test_reload_that_the_master_rejects_reports_why(self):
        # The file is valid, but its new address is taken: the master's
        # verdict comes back and -s reload exits 1.
        hog = socket.socket()
        self.addCleanup(hog.close)
        hog.bind(("127.0.0.1", 0))
        hog.listen(1)
        srv = self.start()
        old = srv.workers()
        srv.write_conf(srv.conf_text.replace(
            '"127.0.0.1:@PORT@"', '"127.0.0.1:%d"' % hog.getsockname()[1]))
        r = sltest.run(["-s", "reload", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("sluice: reload refused: bind() to 127.0.0.1:%d failed "
                      "(98: Address already in use)\n" % hog.getsockname()[1],
                      r.stderr)
        self.assertEqual(srv.workers(), old)

    def test_reopen(self):
        srv = self.start()
        mark = srv.log_mark()
        os.rename(srv.error_log_path, srv.error_log_path + ".1")
        r = sltest.run(["-s", "reopen", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 0, r.stderr)
        srv.wait_log(r"logs reopened")
        old = sltest.read_text(srv.error_log_path + ".1")
        self.assertEqual(mark, len(old))

    def test_quit(self):
        srv = self.start()
        pid_file = srv.path("sluice.pid")
        with open(pid_file) as f:
            self.assertEqual(int(f.read()), srv.pid)
        r = sltest.run(["-s", "quit", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(srv.wait_exit(10), 0)
        self.assertIn("graceful stop", srv.error_log())
        self.assertFalse(os.path.exists(pid_file))

    def test_stop(self):
        srv = self.start()
        r = sltest.run(["-s", "stop", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(srv.wait_exit(5), 0)
        self.assertIn("fast stop", srv.error_log())
        self.assertFalse(os.path.exists(srv.path("sluice.pid")))

    def test_no_master_running(self):
        srv = self.start()
        srv.stop()
        r = sltest.run(["-s", "quit", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 1)
        self.assertIn('cannot read a pid from "%s"' % srv.path("sluice.pid"),
                      r.stderr)

    def test_config_without_pid_file(self):
        d = tempfile.mkdtemp(prefix="sltest-cli-")
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, "sluice.conf")
        with open(path, "w") as f:
            f.write(GOOD.replace('pid_file = "sluice.pid";', ""))
        r = sltest.run(["-s", "reload", "-c", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("sets no pid_file: cannot find the master", r.stderr)


class Startup(unittest.TestCase):
    def test_relative_paths_resolve_against_the_config_directory(self):
        # Started from another directory with a relative -c, the log and
        # the pid file land next to the config, nothing in the cwd.
        elsewhere = tempfile.mkdtemp(prefix="sltest-cwd-")
        self.addCleanup(shutil.rmtree, elsewhere, True)
        srv = sltest.start(self, sltest.conf(), cwd=elsewhere)
        with open(srv.path("sluice.pid")) as f:
            self.assertEqual(int(f.read()), srv.pid)
        self.assertIn("started, master pid %d" % srv.pid, srv.error_log())
        self.assertEqual(os.listdir(elsewhere), [])
        # Reload re-reads the same file although -c was relative.
        old = srv.workers()
        srv.write_conf(srv.conf_text.replace('"ok\\n"', '"two\\n"'))
        srv.kill(signal.SIGHUP)
        srv.wait_log(r"reload done")
        srv.wait_workers(1, exclude=old)
        sltest.wait_for(lambda: sltest.get(srv.port).body == b"two\n", 5,
                        msg="the new configuration answering")

    def test_error_log_in_missing_directory_fails_with_resolved_path(self):
        srv = sltest.Server(sltest.conf().replace('path = "error.log"',
                                                  'path = "nodir/e.log"'),
                            ready=False)
        self.addCleanup(srv.close)
        srv.start()
        self.assertEqual(srv.wait_exit(5), 1)
        # Once, with where the path is set.
        m = re.findall(r'\[emerg\] \d+#0: (.*): cannot open error log '
                       r'"([^"]+)" \(2: No such file', srv.stderr())
        self.assertEqual(len(m), 1, srv.stderr())
        self.assertEqual(m[0][0], '%s:4: "path"'
                         % os.path.relpath(srv.conf_path, srv.cwd))
        m = re.search(r'cannot open error log "([^"]+)"', srv.stderr())
        # Resolved against the config's directory (the message may show it
        # relative to the cwd when -c was relative).
        self.assertEqual(os.path.normpath(os.path.join(srv.cwd, m.group(1))),
                         os.path.join(srv.dir, "nodir", "e.log"))
        self.assertFalse(os.path.exists(srv.path("sluice.pid")))

    def test_access_log_that_cannot_be_opened_names_its_line(self):
        # A directory where the file would be: start fails, saying where
        # the path is set, once; -t says the same.
        conf = sltest.conf(http='access_log = { path = "adir"; };')
        srv = sltest.Server(conf, ready=False)
        self.addCleanup(srv.close)
        os.mkdir(srv.path("adir"))
        srv.start()
        self.assertEqual(srv.wait_exit(5), 1)
        where = r'sluice\.conf:\d+: "path": cannot open "[^"]*adir"'
        out = srv.stderr() + srv.error_log()
        self.assertEqual(len(re.findall(where, out)), 1, out)
        r = sltest.run(["-t", "-c", srv.conf_path])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r'sluice\.conf:\d+: "path": cannot open '
                         r'log "[^"]*adir" for writing')

    def test_port_in_use_fails_cleanly(self):
        hog = socket.socket()
        self.addCleanup(hog.close)
        hog.bind(("127.0.0.1", 0))
        hog.listen(1)
        srv = sltest.Server(sltest.conf(), ready=False)
        self.addCleanup(srv.close)
        srv.start(ports=[hog.getsockname()[1]])
        self.assertEqual(srv.wait_exit(5), 1)
        self.assertRegex(srv.stderr() + srv.error_log(),
                         r"bind\(\) to 127\.0\.0\.1:%d failed" % srv.port)
        self.assertFalse(os.path.exists(srv.path("sluice.pid")))

if __name__ == "__main__":
    unittest.main(verbosity=2)
