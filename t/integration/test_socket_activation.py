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

The descriptor store (FDSTORE=1), with the test as systemd again: the
master hands its own sockets over, one name per address; a restart that
passes them back loses no client that connected in between; a stored
address no longer configured, or dropped by a reload, is removed from the
store (FDSTOREREMOVE=1).
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import unittest

import sltest
import slload

# Runs as: python3 -c WRAPPER FD[,FD...] BINARY ARGS... ; moves the FDs to
# 3, 4, ..., sets the systemd variables (LISTEN_PID: this very process,
# which exec keeps) and becomes BINARY. SL_LISTEN_PID_DELTA makes
# LISTEN_PID name another pid.
WRAPPER = """
import fcntl, os, sys
fds = [int(x) for x in sys.argv[1].split(",")]
high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 1000) for fd in fds]
for fd in fds:
    os.close(fd)
for i, fd in enumerate(high):
    os.dup2(fd, 3 + i)
    os.close(fd)
delta = int(os.environ.pop("SL_LISTEN_PID_DELTA", "0"))
os.environ["LISTEN_PID"] = str(os.getpid() + delta)
os.environ["LISTEN_FDS"] = str(len(fds))
os.execv(sys.argv[2], sys.argv[2:])
"""


class ActivatedServer(sltest.Server):
    """A Server started with passed listening sockets (one, or a list) as
    descriptors 3, 4, ..."""

    def __init__(self, conf, sock, **kw):
        super().__init__(conf, **kw)
        self.passed = sock if isinstance(sock, list) else [sock]

    def _spawn(self):
        if self.notify is None or self.notify.stopping:
            path = os.path.join(self.dir, "notify.sock")
            if os.path.exists(path):
                os.unlink(path)
            self.notify = sltest.Notify(path, keep_fds=self.keep_fds)
        env = dict(os.environ)
        env.update(self.env)
        env["NOTIFY_SOCKET"] = self.notify.path
        self.stderr_file = open(self.stderr_path, "ab")
        fds = [s if isinstance(s, int) else s.fileno() for s in self.passed]
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, ",".join(map(str, fds)),
             sltest.BINARY, "-c", os.path.relpath(self.conf_path, self.cwd)],
            stdin=subprocess.DEVNULL, stdout=self.stderr_file,
            stderr=self.stderr_file, env=env, cwd=self.cwd, pass_fds=fds)
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


def stored(srv):
    """{FDNAME: [descriptors]} of the FDSTORE=1 messages so far, as the
    store holds them (the same socket twice is kept once, by inode)."""
    out = {}
    for i, (_, fields, _) in enumerate(srv.notify.all()):
        if fields.get("FDSTORE") == "1":
            have = out.setdefault(fields["FDNAME"], [])
            inodes = [os.fstat(fd).st_ino for fd in have]
            have += [fd for fd in srv.notify.fds.get(i, [])
                     if os.fstat(fd).st_ino not in inodes]
    return out


def store_name(port):
    return "sluice-listen-127.0.0.1_%d" % port


def bound_port(fd):
    s = socket.socket(fileno=os.dup(fd))
    try:
        return s.getsockname()[1]
    finally:
        s.close()


class DescriptorStore(unittest.TestCase):
    def start(self, workers=2, ports=1, conf=None):
        srv = sltest.Server(conf or slload.worker_conf(workers),
                            keep_fds=True, ports=ports)
        self.addCleanup(srv.close)
        return srv.start()

    def test_listen_sockets_are_stored_one_name_per_address(self):
        srv = self.start()
        store = stored(srv)
        self.assertEqual(list(store), [store_name(srv.port)])
        # reuseport with 2 workers: both sockets of the address.
        fds = store[store_name(srv.port)]
        self.assertEqual(len(fds), 2)
        for fd in fds:
            self.assertEqual(bound_port(fd), srv.port)
        self.assertEqual(slload.listening_inodes(srv.port),
                         {os.fstat(fd).st_ino for fd in fds})

    def test_restart_with_the_stored_sockets_loses_no_client(self):
        srv = self.start()
        fds = stored(srv)[store_name(srv.port)]
        srv.stop(signal.SIGQUIT)
        # Stopped: only the store holds the sockets. A client connecting
        # now is not refused; it is served once the next master runs.
        result = {}

        def client():
            try:
                result["response"] = sltest.get(srv.port, timeout=8)
            except OSError as e:
                result["error"] = e
        t = threading.Thread(target=client)
        t.start()
        # Its SYN is out (the stopped sockets leave it unanswered until
        # the next master takes them, and the kernel retries it).
        sltest.wait_for(lambda: any(
            s["remote"] == srv.port for s in sltest.tcp_sockets(srv.port)),
            msg="the client connecting")
        names = ":".join([store_name(srv.port)] * len(fds))
        srv2 = ActivatedServer(slload.worker_conf(2), list(fds),
                               keep_fds=True, env={"LISTEN_FDNAMES": names})
        self.addCleanup(srv2.close)
        srv2.start(ports=[srv.port])
        t.join(10)
        self.assertNotIn("error", result)
        self.assertEqual(result["response"].status, 200)
        self.assertIn("socket 3 from systemd's descriptor store: "
                      "127.0.0.1:%d" % srv.port, srv2.error_log() +
                      srv2.stderr())
        # It bound nothing new, and stores the same sockets again.
        self.assertEqual(slload.listening_inodes(srv.port),
                         {os.fstat(fd).st_ino for fd in fds})
        again = stored(srv2)[store_name(srv.port)]
        self.assertEqual({os.fstat(fd).st_ino for fd in again},
                         {os.fstat(fd).st_ino for fd in fds})
        self.assertEqual(sltest.get(srv.port).body, b"ok\n")

    def test_stored_address_no_longer_configured_is_removed(self):
        sock = listening_socket()
        self.addCleanup(sock.close)
        name = store_name(sock.getsockname()[1])
        srv = ActivatedServer(slload.worker_conf(1), sock, keep_fds=True,
                              env={"LISTEN_FDNAMES": name})
        self.addCleanup(srv.close)
        srv.start(ports=sltest.free_ports(1))
        srv.notify.wait("FDSTOREREMOVE", "1")
        i = srv.notify.find("FDSTOREREMOVE", "1")
        self.assertEqual(srv.notify.all()[i][1]["FDNAME"], name)
        self.assertEqual(list(stored(srv)), [store_name(srv.port)])

    def test_reload_removes_a_dropped_address(self):
        two = slload.worker_conf(1).replace(
            'listen = [ "127.0.0.1:@PORT@" ]',
            'listen = [ "127.0.0.1:@PORT0@", "127.0.0.1:@PORT1@" ]')
        self.assertNotEqual(two, slload.worker_conf(1))
        srv = self.start(ports=2, conf=two)
        self.assertEqual(set(stored(srv)), {store_name(p) for p in srv.ports})
        start = len(srv.notify.all())
        srv.write_conf(slload.worker_conf(1).replace("@PORT@", "@PORT0@"))
        srv.kill(signal.SIGHUP)
        i, fields = srv.notify.wait("FDSTOREREMOVE", "1", start, timeout=10)
        self.assertEqual(fields["FDNAME"], store_name(srv.ports[1]))
        self.assertIsNone(srv.notify.find("FDSTOREREMOVE", "1", i + 1))


if __name__ == "__main__":
    unittest.main(verbosity=2)
