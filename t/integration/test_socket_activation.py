#!/usr/bin/env python3
"""systemd socket activation (issue 8), with the test playing systemd: it
opens a listening socket itself and passes it as descriptor 3 with
LISTEN_FDS=1 and LISTEN_PID set to the server's pid (a small exec wrapper
sets LISTEN_PID to its own pid, then execs sluice, keeping that pid).
sluice must serve on the passed socket for the matching listen address
instead of binding one, keep it across reloads, share it between workers,
label it with its LISTEN_FDNAMES name, ignore sockets not meant for it
(another LISTEN_PID), close a passed socket no address wants, and leave
the socket usable when it stops: systemd keeps it, and clients that
arrive meanwhile must wait in its queue for the next start.
"""
import os
import signal
import socket
import subprocess
import sys
import unittest

import sltest
import slload

# Runs as: python3 -c WRAPPER FD BINARY ARGS... ; moves FD to 3, sets the
# systemd variables (LISTEN_PID: this very process, which exec keeps) and
# becomes BINARY. SL_LISTEN_PID_DELTA makes LISTEN_PID name another pid.
WRAPPER = """
import os, sys
fd = int(sys.argv[1])
if fd != 3:
    os.dup2(fd, 3)
    os.close(fd)
os.set_inheritable(3, True)
delta = int(os.environ.pop("SL_LISTEN_PID_DELTA", "0"))
os.environ["LISTEN_PID"] = str(os.getpid() + delta)
os.environ["LISTEN_FDS"] = "1"
os.execv(sys.argv[2], sys.argv[2:])
"""


class ActivatedServer(sltest.Server):
    """A Server started with a passed listening socket as descriptor 3."""

    def __init__(self, conf, sock, **kw):
        super().__init__(conf, **kw)
        self.passed = sock

    def _spawn(self):
        if self.notify is None or self.notify.stopping:
            path = os.path.join(self.dir, "notify.sock")
            if os.path.exists(path):
                os.unlink(path)
            self.notify = sltest.Notify(path)
        env = dict(os.environ)
        env.update(self.env)
        env["NOTIFY_SOCKET"] = self.notify.path
        self.stderr_file = open(self.stderr_path, "ab")
        fd = self.passed.fileno()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, str(fd), sltest.BINARY, "-c",
             os.path.relpath(self.conf_path, self.cwd)],
            stdin=subprocess.DEVNULL, stdout=self.stderr_file,
            stderr=self.stderr_file, env=env, cwd=self.cwd, pass_fds=[fd])
        self.pid = self.proc.pid
        self.expected_exit = None


def listening_socket():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    return s


def inode(sock):
    return os.fstat(sock.fileno()).st_ino


class SocketActivation(unittest.TestCase):
    def start(self, sock, workers=2, accept="reuseport", port=None, **kw):
        conf = slload.worker_conf(workers, accept)
        srv = ActivatedServer(conf, sock, **kw)
        self.addCleanup(srv.close)
        return srv.start(ports=[port or sock.getsockname()[1]])

    def passed(self):
        sock = listening_socket()
        self.addCleanup(sock.close)
        return sock

    def assert_serves_on_passed_socket_only(self, srv, sock, workers):
        port = sock.getsockname()[1]
        # Nothing else listens on the port: sluice bound nothing.
        self.assertEqual(slload.listening_inodes(port), {inode(sock)})
        pids = srv.wait_workers(workers)
        for pid in pids:
            self.assertIn(inode(sock), slload.socket_inodes(pid))
        self.assertEqual(sltest.get(port).body, b"ok\n")

    def test_passed_socket_is_used_and_shared_by_the_workers(self):
        sock = self.passed()
        srv = self.start(sock, env={"LISTEN_FDNAMES": "web"})
        self.assertIn("using inherited listen sockets", srv.stderr())
        self.assertRegex(srv.stderr(), r'\[notice\] %d#0: socket 3 from '
                         r'systemd \("web"\): 127\.0\.0\.1:%d'
                         % (srv.pid, sock.getsockname()[1]))
        self.assert_serves_on_passed_socket_only(srv, sock, 2)

    def test_mutex(self):
        sock = self.passed()
        srv = self.start(sock, accept="mutex")
        self.assert_serves_on_passed_socket_only(srv, sock, 2)

    @unittest.skipUnless(slload.have_loadgen(), "no %s" % slload.LOADGEN)
    def test_reloads_keep_the_passed_socket(self):
        sock = self.passed()
        srv = self.start(sock)
        load = slload.start(self, srv.port, rate=3000)
        slload.Reloader(srv, [slload.worker_conf(n) for n in (3, 1, 2)]).run(3)
        slload.assert_clean(self, load.stop())
        self.assert_serves_on_passed_socket_only(srv, sock, 2)

    def test_stop_leaves_the_socket_to_its_owner(self):
        # systemd keeps the socket after the service stops: a client that
        # connects then waits in its queue for the next start. So sluice
        # must leave it as it found it (no filter, still listening).
        sock = self.passed()
        srv = self.start(sock)
        srv.stop(signal.SIGQUIT)
        c = socket.create_connection(sock.getsockname(), timeout=2)
        self.addCleanup(c.close)
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(2)
        peer, _ = sock.accept()
        self.addCleanup(peer.close)
        self.assertTrue(peer.recv(100).startswith(b"GET / HTTP/1.1"))

    def test_sockets_for_another_process_are_ignored(self):
        # LISTEN_PID names someone else: the socket is not ours to use, so
        # sluice binds the address itself, which the passed socket holds.
        sock = self.passed()
        srv = ActivatedServer(slload.worker_conf(1), sock, ready=False,
                              env={"SL_LISTEN_PID_DELTA": "1"})
        self.addCleanup(srv.close)
        srv.start(ports=[sock.getsockname()[1]])
        self.assertNotEqual(srv.wait_exit(10), 0)
        self.assertNotIn("using inherited listen sockets", srv.stderr())
        self.assertRegex(srv.stderr() + srv.error_log(),
                         r"bind\(\) to 127\.0\.0\.1:%d failed"
                         % sock.getsockname()[1])

    def test_unwanted_socket_is_closed(self):
        sock = self.passed()
        srv = self.start(sock, port=sltest.free_ports(1)[0])
        self.assertRegex(srv.error_log() + srv.stderr(), r"inherited socket 3 "
                         r"matches no listen address: closed")
        for pid in [srv.pid] + srv.wait_workers(2):
            self.assertNotIn(inode(sock), slload.socket_inodes(pid))
        self.assertEqual(sltest.get(srv.port).body, b"ok\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
