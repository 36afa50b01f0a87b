#!/usr/bin/env python3
"""The limit on open files (issue 17): each worker's soft RLIMIT_NOFILE
is raised toward the hard one as worker_connections needs, or set to
worker_rlimit_nofile, at start and reload; a limit that still does not
fit is one [warn] line with the numbers, and a worker_rlimit_nofile that
cannot be had stops the start with its file:line. Each server starts
under soft 256, hard 512 (preexec), and the limits are read from
/proc/PID/limits."""
import os
import re
import signal
import subprocess
import sys
import unittest

import sltest

SOFT, HARD = 256, 512
WARN = (r"\[warn\] %d#0: worker_connections (\d+) may need more open files "
        r"than a worker may have \(needed (\d+), soft (\d+), hard (\d+)\)")


def start(test, top, **kw):
    return sltest.start(test, sltest.conf(top=top),
                        preexec=sltest.limit_nofile(SOFT, HARD), **kw)


def can_raise_hard_limit():
    """Whether a process of ours may raise its hard limit (root with
    CAP_SYS_RESOURCE), tried in a child."""
    code = ("import resource as r; r.setrlimit(r.RLIMIT_NOFILE, (%d, %d)); "
            "r.setrlimit(r.RLIMIT_NOFILE, (%d, %d))"
            % (SOFT, HARD, HARD + 88, HARD + 88))
    return subprocess.run([sys.executable, "-c", code],
                          stderr=subprocess.DEVNULL).returncode == 0


class Limits(unittest.TestCase):
    def warnings(self, srv):
        return re.findall(WARN % srv.pid, srv.error_log())

    def assert_nofile(self, pid, want):
        """A new worker sets its limit right after fork: waits for it."""
        sltest.wait_for(lambda: sltest.proc_nofile(pid) == want,
                        msg="worker %d to set its limit to %r" % (pid, want))
        self.assertEqual(sltest.proc_nofile(pid), want)

    def test_soft_limit_is_raised_to_the_hard_one_and_the_rest_warned(self):
        srv = start(self, "worker_connections = 1000;")
        for pid in srv.workers():
            self.assertEqual(sltest.proc_nofile(pid), (HARD, HARD))
        # Once, with the numbers: 1000 connections, a listen socket and
        # what a worker holds of its own; no proxy, so not twice that.
        (conns, needed, soft, hard), = self.warnings(srv)
        self.assertEqual((conns, soft, hard), ("1000", str(HARD), str(HARD)))
        self.assertGreater(int(needed), 1000)
        self.assertLess(int(needed), 2000)
        self.assertIn("raise the hard limit", srv.error_log())

    def test_a_config_that_fits_is_raised_as_far_as_needed_silently(self):
        srv = start(self, "worker_connections = 300;")
        soft, hard = sltest.proc_nofile(srv.workers()[0])
        self.assertEqual(hard, HARD)
        self.assertGreater(soft, 300)
        self.assertLess(soft, HARD)
        self.assertEqual(self.warnings(srv), [])

    def test_worker_rlimit_nofile_sets_it(self):
        srv = start(self, "worker_connections = 1000;\n"
                          "worker_rlimit_nofile = 300;")
        for pid in srv.workers():
            self.assertEqual(sltest.proc_nofile(pid), (300, HARD))
        # The master keeps its own: a low value cannot starve it.
        self.assertEqual(sltest.proc_nofile(srv.pid), (SOFT, HARD))
        (conns, needed, soft, hard), = self.warnings(srv)
        self.assertEqual((soft, hard), ("300", str(HARD)))
        self.assertIn("raise worker_rlimit_nofile", srv.error_log())

    def test_reload_sets_the_new_limit(self):
        top = "worker_connections = 100;\nworker_rlimit_nofile = 300;"
        srv = start(self, top)
        self.assertEqual(sltest.proc_nofile(srv.workers()[0]), (300, HARD))
        old = srv.workers()
        srv.write_conf(srv.conf_text.replace("worker_rlimit_nofile = 300;",
                                             "worker_rlimit_nofile = 400;"))
        srv.kill(signal.SIGHUP)
        new = srv.wait_workers(1, exclude=old, timeout=10)
        self.assert_nofile(new[0], (400, HARD))
        # A worker respawned later gets its generation's limit too.
        os.kill(new[0], signal.SIGKILL)
        new = srv.wait_workers(1, exclude=new, timeout=10)
        self.assert_nofile(new[0], (400, HARD))
        # Left out again: as needed, never below what the master got.
        srv.write_conf(srv.conf_text.replace("worker_rlimit_nofile = 300;",
                                             ""))
        srv.kill(signal.SIGHUP)
        new = srv.wait_workers(1, exclude=new, timeout=10)
        soft, hard = sltest.proc_nofile(new[0])
        self.assertEqual(hard, HARD)
        self.assertGreaterEqual(soft, SOFT)
        self.assertLess(soft, 300)

    def test_above_the_hard_limit(self):
        # Only root may raise the hard limit, and only with
        # CAP_SYS_RESOURCE: otherwise sluice refuses to start, saying
        # where the value is and why it cannot be set.
        text = sltest.conf(top="worker_rlimit_nofile = 600;")
        line = text[:text.index("worker_rlimit_nofile")].count("\n") + 1
        srv = sltest.Server(text, ready=False,
                            preexec=sltest.limit_nofile(SOFT, HARD))
        self.addCleanup(srv.close)
        srv.start()
        if os.geteuid() == 0 and can_raise_hard_limit():
            sltest.wait_for(lambda: srv.notify.find("READY", "1"), 10,
                            msg="READY=1")
            self.assertEqual(sltest.proc_nofile(srv.workers()[0]),
                             (600, 600))
            return
        self.assertEqual(srv.wait_exit(10), 1)
        where = 'sluice.conf:%d: "worker_rlimit_nofile": ' % line
        if os.geteuid() == 0:
            why = (r"cannot raise the hard limit on open files from 512 to "
                   r"600 \(1: Operation not permitted\)")
        else:
            why = (r"600 is above the hard limit on open files \(512\), "
                   r"which only root may raise")
        found = re.findall(r"\[emerg\] \d+#0: " + re.escape(where) + why,
                           srv.stderr() + srv.error_log())
        self.assertEqual(len(found), 1, srv.stderr() + srv.error_log())
        self.assertFalse(os.path.exists(srv.path("sluice.pid")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
