#!/usr/bin/env python3
"""Binary upgrade on USR2 (issue 8), under load: the master starts the
binary again, which inherits the listen sockets (SLUICE_LISTEN_FDS) and
serves beside the old generation; then either the old master is told
QUIT and the new one serves alone, or the upgrade is rolled back and the
old master carries on. WINCH stops the old master's workers but keeps it
ready for a rollback (man/sluice.8). No client may see an error in any of
these steps.

The new master is the old one's child, so it shows up in srv.workers();
each test stops it by the pid it wrote, before the harness checks that
no process outlived the old master.
"""
import os
import signal
import unittest

import sltest
import slload

RATE = 3000


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


def alive(pid):
    """True while pid runs (a zombie child of ours is not running)."""
    state = sltest.proc_status(pid, "State")
    return state is not None and not state.startswith("Z")


@unittest.skipUnless(slload.have_loadgen(), "no %s" % slload.LOADGEN)
class Upgrade(unittest.TestCase):
    def setUp(self):
        self.srv = sltest.start(self, slload.worker_conf(2, body="one"))
        self.pid_file = self.srv.path("sluice.pid")
        self.load = slload.start(self, self.srv.port, rate=RATE)

    def upgrade(self, accept="reuseport"):
        """USR2 with a config that answers "two": returns the new master's
        pid once its workers accept."""
        srv = self.srv
        srv.write_conf(slload.worker_conf(2, accept, body="two"))
        mark = srv.log_mark()
        srv.kill(signal.SIGUSR2)
        new = sltest.wait_for(lambda: (lambda p: p if p and p != srv.pid
                                       else None)(read_pid(self.pid_file)),
                              msg="the new master's pid file")
        self.addCleanup(self.stop_master, new)
        self.assertEqual(read_pid(self.pid_file + ".oldbin"), srv.pid)
        self.assertEqual(sltest.proc_ppid(new), srv.pid)
        srv.wait_log(r"\[notice\] %d#0: all 2 workers are accepting" % new,
                     since=mark, timeout=10)
        # Said before its log file is open: on the stderr it inherited.
        self.assertRegex(srv.stderr(), r"\[notice\] %d#0: using inherited "
                         r"listen sockets" % new)
        return new

    def stop_master(self, pid):
        """Stops a master we did not start directly (QUIT, then KILL)."""
        if not alive(pid):
            return
        kids = sltest.proc_children(pid)
        os.kill(pid, signal.SIGQUIT)
        try:
            sltest.wait_for(lambda: not alive(pid), 10, msg="master %d" % pid)
        except AssertionError:
            os.kill(pid, signal.SIGKILL)
            raise
        sltest.wait_for(lambda: not any(alive(k) for k in kids), 5,
                        msg="the workers of master %d to exit" % pid)

    def bodies(self, n=60):
        """The bodies n fresh connections get."""
        return {sltest.get(self.srv.port).body for _ in range(n)}

    def workers_of(self, pid):
        return [p for p in sltest.proc_children(pid)
                if sltest.proc_cmdline(p).startswith("sluice: worker")]

    def test_upgrade_then_quit_the_old_master(self):
        srv = self.srv
        old_workers = srv.workers()
        new = self.upgrade()
        # Both generations take clients from the same sockets.
        sltest.wait_for(lambda: self.bodies() == {b"one\n", b"two\n"}, 10,
                        interval=0, msg="both masters serving")
        # WINCH: the old workers drain, the old master stays.
        srv.kill(signal.SIGWINCH)
        sltest.wait_for(lambda: not any(alive(p) for p in old_workers), 10,
                        msg="the old workers to exit")
        self.assertEqual(self.workers_of(srv.pid), [])
        self.assertEqual(self.bodies(), {b"two\n"})
        # QUIT: the old master leaves; the new one serves alone, on the
        # same sockets (nothing refused, nothing reset).
        srv.kill(signal.SIGQUIT)
        self.assertEqual(srv.wait_exit(10), 0)
        self.assertEqual(read_pid(self.pid_file), new)
        self.assertEqual(self.bodies(), {b"two\n"})
        stats = self.load.stop()
        slload.assert_clean(self, stats)
        self.assertEqual(len(self.workers_of(new)), 2)

    def test_upgrade_without_winch_then_quit_the_old_master(self):
        # The old master's QUIT drains its workers while the new ones
        # take over: its stop must not make the shared sockets ignore
        # clients, as a stop of its own sockets would.
        srv = self.srv
        new = self.upgrade("mutex")
        srv.kill(signal.SIGQUIT)
        self.assertEqual(srv.wait_exit(10), 0)
        self.assertEqual(self.bodies(), {b"two\n"})
        slload.assert_clean(self, self.load.stop())
        self.assertTrue(alive(new))

    def test_rollback_with_hup_and_quit(self):
        # The documented rollback: HUP brings the old master's workers
        # back (on the config it now reads: put the old one back), then
        # the new master is told QUIT; the old one takes its pid file back.
        srv = self.srv
        new = self.upgrade()
        srv.kill(signal.SIGWINCH)
        sltest.wait_for(lambda: self.workers_of(srv.pid) == [], 10,
                        msg="the old workers to exit")
        srv.write_conf(slload.worker_conf(2, body="one"))
        mark = srv.log_mark()
        srv.kill(signal.SIGHUP)
        srv.wait_log(r"\[notice\] %d#0: reload done" % srv.pid, since=mark)
        self.stop_master(new)
        # Written back when this master reaps the new one, which may come
        # just after the new one is gone.
        sltest.wait_for(lambda: read_pid(self.pid_file) == srv.pid,
                        msg="the pid file back")
        self.assertFalse(os.path.exists(self.pid_file + ".oldbin"))
        self.assertEqual(self.bodies(), {b"one\n"})
        slload.assert_clean(self, self.load.stop())

    def test_killed_new_master_rolls_back_by_itself(self):
        # The new binary dies (here: SIGKILL) after WINCH: the old master
        # starts workers again at once and takes its pid file back; the
        # new master's workers drain; clients queued meanwhile wait on the
        # sockets the old master still holds.
        srv = self.srv
        new = self.upgrade()
        new_workers = self.workers_of(new)
        srv.kill(signal.SIGWINCH)
        sltest.wait_for(lambda: self.workers_of(srv.pid) == [], 10,
                        msg="the old workers to exit")
        mark = srv.log_mark()
        os.kill(new, signal.SIGKILL)
        srv.wait_log(r"the new binary's master %d exited .*: this master "
                     r"carries on" % new, since=mark)
        sltest.wait_for(lambda: len(self.workers_of(srv.pid)) == 2, 10,
                        msg="the old master's workers back")
        sltest.wait_for(lambda: read_pid(self.pid_file) == srv.pid,
                        msg="the pid file back")
        sltest.wait_for(lambda: not any(alive(p) for p in new_workers), 10,
                        msg="the new master's workers to exit")
        self.assertEqual(self.bodies(), {b"one\n"})
        slload.assert_clean(self, self.load.stop())


if __name__ == "__main__":
    unittest.main(verbosity=2)
