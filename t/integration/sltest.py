"""sltest: the harness the sluice integration tests share (Python 3 stdlib).

A test writes a config, starts the real binary, talks to it over raw
sockets and lets the harness stop it and check what it left behind
(STYLE.md section 9; the habits of nginx-tests' DESTROY and h2o's
spawn_server):

    srv = sltest.start(self, sltest.conf(locations=sltest.RETURN_OK))
    r = sltest.get(srv.port, "/")
    self.assertEqual(r.status, 200)

Environment:
    SL_BINARY     the sluice binary (default: $SL_BUILDDIR/sluice, else
                  ./sluice)
    SL_SRCDIR     the source tree (tests that need shipped files)
    SL_MODULES    the modules the binary was built with ("static proxy
                  status"; make check sets it): see has_module
    SL_TEST_KEEP  1: keep each server's temporary directory (its path is
                  printed on stderr)
    SL_TEST_LOG_LEVEL  a level ("debug"): every config a Server writes logs
                  at it, whatever the test asked for, so the formatting
                  paths of info and debug lines run under the sanitizers
                  (the sanitizer build's run in .ci/run sets it)

Server(conf) writes conf into a fresh temporary directory, replacing
@DIR@ with that directory and @PORT@ / @PORT0@, @PORT1@ ... with free
TCP ports on 127.0.0.1 (bound to port 0 and read back; if the server then
fails with "Address already in use", new ports are picked and it starts
again). The binary runs in the foreground as `sluice -c conf` with
NOTIFY_SOCKET set to a datagram socket the harness owns: READY=1 there is
the readiness signal, and every message is kept (srv.notify). stderr goes
to a file, and so does stdout (to its own file, srv.stdout(), with
split_stdout=True). srv.pid is the master, srv.workers() (alias worker_pids()) its
children now, srv.error_log() the log's text. close() stops the master
(TERM, then KILL at a deadline) and fails the test when the master died of
a signal or exited non-zero unexpectedly, when the error log or stderr has
an [alert], [crit] or sanitizer line (unless a pattern in `allow` matches
it), or when a worker outlived its master.

Raw HTTP: Client(port) sends bytes and reads whole responses one by one
(Content-Length, chunked or close framing; 1xx skipped), get() is one
request on a fresh connection, keepalive_clients(port, n) opens n proven
keep-alive connections. conf() writes a small config around `return`
locations.

Never sleep and hope: wait_for(condition, timeout) polls with a deadline.
"""
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

BINARY = os.path.abspath(os.environ.get("SL_BINARY") or os.path.join(
    os.environ.get("SL_BUILDDIR", "."), "sluice"))
SRCDIR = os.path.abspath(os.environ.get(
    "SL_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")))
KEEP = os.environ.get("SL_TEST_KEEP") == "1"
LOG_LEVEL = os.environ.get("SL_TEST_LOG_LEVEL")
ERROR_LOG_LEVEL = re.compile(r'(error_log\s*=\s*\{[^}]*?level\s*=\s*")\w+(")')

# Lines that fail any test (STYLE.md 6: an alert is a bug, crit is
# exhaustion; the sanitizers print these words).
BAD_LINES = re.compile(r"\[alert\]|\[crit\]|Sanitizer|runtime error:")


def wait_for(cond, timeout=5.0, interval=0.02, msg="condition"):
    """Polls cond() until it returns a true value, which is returned.
    Raises AssertionError naming msg when timeout seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s"
                                 % (timeout, msg))
        time.sleep(interval)


def has_module(name):
    """Whether the binary under test has module name (configure
    --disable-NAME-module leaves it out), from SL_MODULES; without it, as
    when a test is run by hand, every module is assumed. A test that needs
    a module skips without it: unittest.skipUnless(has_module(...))."""
    built = os.environ.get("SL_MODULES")
    return built is None or name in built.split()


def with_log_level(text, level):
    """Config text whose error_log group logs at level (set or added)."""
    text, n = ERROR_LOG_LEVEL.subn(r"\g<1>%s\g<2>" % level, text)
    if n == 0:
        text = re.sub(r"(error_log\s*=\s*\{)", r'\1 level = "%s";' % level,
                      text)
    return text


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1, all bound at once so they
    differ, then released for the server to take."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def run(args, timeout=15, **kw):
    """Runs the binary with args to completion: a CompletedProcess with
    text stdout and stderr."""
    return subprocess.run([BINARY] + list(args), capture_output=True,
                          text=True, timeout=timeout, **kw)


def proc_children(pid):
    """PIDs whose parent is pid (from /proc/PID/task/PID/children when the
    kernel has it, else by scanning /proc/*/stat)."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return sorted(int(x) for x in f.read().split())
    except OSError:
        pass
    kids = []
    for name in os.listdir("/proc"):
        if name.isdigit() and proc_ppid(int(name)) == pid:
            kids.append(int(name))
    return sorted(kids)


def _stat(pid):
    """The fields of /proc/PID/stat after the command name, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()


def proc_ppid(pid):
    """The parent of pid, or None when pid is gone."""
    st = _stat(pid)
    return int(st[1]) if st else None


def proc_starttime(pid):
    """When pid started (clock ticks since boot), or None: with the pid it
    names one process even if the pid is reused."""
    st = _stat(pid)
    return int(st[19]) if st else None


def proc_cmdline(pid):
    """pid's command line as one string (NULs as spaces), '' when gone."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            raw = f.read()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def proc_status(pid, field):
    """A field of /proc/PID/status ("Uid", "State"...), or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def proc_nofile(pid):
    """(soft, hard) limit on open files of a process, from
    /proc/PID/limits ("unlimited" as -1), or None."""
    try:
        with open("/proc/%d/limits" % pid) as f:
            for line in f:
                if line.startswith("Max open files"):
                    soft, hard = line.split()[3:5]
                    return tuple(-1 if v == "unlimited" else int(v)
                                 for v in (soft, hard))
    except OSError:
        pass
    return None


TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV",
              4: "FIN_WAIT1", 5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE",
              8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}
NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20


def tcp_sockets(port):
    """The TCP sockets with port at either end, but those in TIME_WAIT, as
    dicts: local and remote (ports), state ("LISTEN", "SYN_RECV" for a
    client the kernel holds under TCP_DEFER_ACCEPT ...), rx and tx (bytes
    queued; for a listening socket rx is its accept queue) and inode (0
    while no process holds it: a connection not accepted yet). Asked of
    the kernel with sock_diag, which skips TIME_WAIT cheaply: load tests
    leave tens of thousands, and /proc/net/tcp lists each one."""
    out = []
    states = 0xffffffff & ~(1 << 6)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM,
                       NETLINK_SOCK_DIAG) as nl:
        for family in (socket.AF_INET, socket.AF_INET6):
            req = struct.pack("=BBBBI48x", family, socket.IPPROTO_TCP, 0, 0,
                              states)
            nl.send(struct.pack("=IHHII", 16 + len(req), SOCK_DIAG_BY_FAMILY,
                                0x301, 1, 0) + req)   # REQUEST | DUMP
            out += [s for s in _diag_replies(nl) if port in (s["local"],
                                                             s["remote"])]
    return out


def _diag_replies(nl):
    """The sockets of one sock_diag dump (struct inet_diag_msg after each
    16-byte netlink header), until NLMSG_DONE."""
    while True:
        data, off = nl.recv(65536), 0
        while off < len(data):
            length, kind = struct.unpack_from("=IH", data, off)
            if kind == 3:        # NLMSG_DONE
                return
            if kind == 2:        # NLMSG_ERROR
                raise OSError("sock_diag refused the dump")
            msg = off + 16
            local, remote = struct.unpack_from("!HH", data, msg + 4)
            rx, tx, _, inode = struct.unpack_from("=IIII", data, msg + 56)
            yield {"local": local, "remote": remote,
                   "state": TCP_STATES.get(data[msg + 1], data[msg + 1]),
                   "rx": rx, "tx": tx, "inode": inode}
            off += (length + 3) & ~3


def server_end(client):
    """The server's end of the connection of client (a connected socket),
    as tcp_sockets describes it, or None."""
    here, there = client.getsockname()[1], client.getpeername()[1]
    for s in tcp_sockets(here):
        if s["local"] == there and s["remote"] == here:
            return s
    return None


def accepted(client):
    """Whether the server has accepted the connection of client: a
    process holds the server's end of it."""
    end = server_end(client)
    return bool(end and end["inode"])


def limit_nofile(soft, hard):
    """A preexec function (Server(preexec=...)) that starts the binary
    with these limits on open files."""
    import resource

    def preexec():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return preexec


class Notify:
    """An AF_UNIX datagram socket standing in for systemd's notify socket.
    A thread drains it at once (sd_notify blocks when the queue is full)
    and keeps each message as (sender pid, {field: value}, text).
    Descriptors sent with a message (FDSTORE=1) are closed at once, as
    systemd does without FileDescriptorStoreMax=, unless keep_fds: then
    self.fds maps the message's index to them, and close() closes them."""

    def __init__(self, path, keep_fds=False):
        self.path = path
        self.keep_fds = keep_fds
        self.fds = {}
        self.messages = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stopping:
            r, _, _ = select.select([self.sock], [], [], 0.05)
            if not r:
                continue
            data, anc, _, _ = self.sock.recvmsg(
                65536, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(4 * 256))
            pid = None
            fds = []
            for level, kind, cdata in anc:
                if (level, kind) == (socket.SOL_SOCKET,
                                     socket.SCM_CREDENTIALS):
                    pid = struct.unpack("3i", cdata[:12])[0]
                elif (level, kind) == (socket.SOL_SOCKET, socket.SCM_RIGHTS):
                    n = len(cdata) // 4
                    fds += struct.unpack("%di" % n, cdata[:4 * n])
            text = data.decode(errors="replace")
            fields = dict(line.split("=", 1)
                          for line in text.split("\n") if "=" in line)
            with self.lock:
                if fds and self.keep_fds:
                    self.fds[len(self.messages)] = fds
                else:
                    for fd in fds:
                        os.close(fd)
                self.messages.append((pid, fields, text))

    def all(self):
        """A copy of every message so far."""
        with self.lock:
            return list(self.messages)

    def find(self, key, value=None, start=0):
        """Index of the first message from start on that has key (equal to
        value when given), or None."""
        msgs = self.all()
        for i in range(start, len(msgs)):
            fields = msgs[i][1]
            if key in fields and value in (None, fields[key]):
                return i
        return None

    def wait(self, key, value=None, start=0, timeout=5.0):
        """Waits for find(key, value, start); returns (index, fields)."""
        def found():
            i = self.find(key, value, start)
            return None if i is None else (i,)   # index 0 must be true
        i = wait_for(found, timeout, msg="notify message %s=%s"
                     % (key, value or "*"))[0]
        return i, self.all()[i][1]

    def close(self):
        self.stopping = True
        self.thread.join(2)
        self.sock.close()
        for fds in self.fds.values():
            for fd in fds:
                os.close(fd)
        self.fds = {}


class Server:
    """One sluice master on a temporary config (see the module docstring).

    conf: config text with @DIR@ and @PORT@/@PORTn@ placeholders.
    ports: how many ports to pick.  env: extra environment variables.
    allow: regexes; a bad log line that matches one is tolerated.
    error_log: the log file to check, relative to the directory.
    ready: wait for READY=1 in start().  cwd: the master's working
    directory (default: the temporary directory); -c is given relative
    to it.  keep_fds: keep descriptors sent to the notify socket (see
    Notify).  split_stdout: stdout to stdout.txt rather than with
    stderr.  preexec: a function run in the child before the binary
    (subprocess's preexec_fn), e.g. to lower its limits."""

    def __init__(self, conf, ports=1, env=None, allow=(),
                 error_log="error.log", ready=True, cwd=None,
                 keep_fds=False, split_stdout=False, preexec=None):
        self.conf_text = conf
        self.keep_fds = keep_fds
        self.preexec = preexec
        self.nports = ports
        self.env = env or {}
        self.allow = [re.compile(a) for a in allow]
        self.wait_ready = ready
        self.dir = tempfile.mkdtemp(prefix="sltest-")
        self.cwd = cwd or self.dir
        self.conf_path = os.path.join(self.dir, "sluice.conf")
        self.error_log_path = os.path.join(self.dir, error_log)
        self.stderr_path = os.path.join(self.dir, "stderr.txt")
        self.stdout_path = os.path.join(
            self.dir, "stdout.txt" if split_stdout else "stderr.txt")
        self.stdout_file = None   # split_stdout: its own file
        self.logs = [self.error_log_path]   # checked at teardown; add more
        self.proc = None
        self.notify = None
        self.seen_workers = {}   # pid: start time
        self.expected_exit = None   # set by stop(): nothing to complain of
        self.closed = False

    # -- life ------------------------------------------------------------

    def write_conf(self, text=None):
        """(Re)writes the config, placeholders filled with this server's
        directory and ports (used before a reload too)."""
        text = self.conf_text if text is None else text
        text = text.replace("@DIR@", self.dir)
        for i, p in enumerate(self.ports):
            text = text.replace("@PORT%d@" % i, str(p))
        text = text.replace("@PORT@", str(self.ports[0]))
        if LOG_LEVEL:
            text = with_log_level(text, LOG_LEVEL)
        with open(self.conf_path, "w") as f:
            f.write(text)

    def start(self, timeout=10.0, ports=None):
        """Starts the master and waits for READY=1 (or, with ready=False,
        only for the process to exist). ports: use these, no retry.
        Returns self."""
        for attempt in range(4):
            self.ports = ports or free_ports(self.nports)
            self.write_conf()
            self._spawn()
            if not self.wait_ready:
                return self
            if self._ready(timeout):
                return self
            if self.alive():
                self.proc.kill()
                self.proc.wait()
            self.expected_exit = self.proc.returncode
            err = self.stderr() + self.error_log()
            if "Address already in use" not in err or attempt == 3 \
                    or ports:
                raise AssertionError("sluice did not become ready:\n" + err)
            self.notify.close()
        return self

    def _spawn(self):
        if self.notify is None or self.notify.stopping:
            path = os.path.join(self.dir, "notify.sock")
            if os.path.exists(path):
                os.unlink(path)
            self.notify = Notify(path, keep_fds=self.keep_fds)
        env = dict(os.environ)
        env.update(self.env)
        env["NOTIFY_SOCKET"] = self.notify.path
        if self.proc is not None:
            self.stderr_file.close()   # a restart: one file, appended
        if self.stdout_file is not None:
            self.stdout_file.close()
        self.stderr_file = open(self.stderr_path, "ab")
        if self.stdout_path != self.stderr_path:
            self.stdout_file = open(self.stdout_path, "ab")
        conf = os.path.relpath(self.conf_path, self.cwd)
        self.proc = subprocess.Popen([BINARY, "-c", conf],
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.stdout_file
                                     or self.stderr_file,
                                     stderr=self.stderr_file, env=env,
                                     cwd=self.cwd, preexec_fn=self.preexec)
        self.pid = self.proc.pid
        self.expected_exit = None

    def _ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.notify.find("READY", "1") is not None:
                self.workers()   # remember them for the leftover check
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.01)
        return False

    @property
    def port(self):
        return self.ports[0]

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self, signo):
        """Sends signo to the master."""
        os.kill(self.pid, signo)

    def wait_exit(self, timeout=10.0):
        """Waits for the master to exit; its return code (negative: the
        signal that killed it). Raises AssertionError on timeout."""
        try:
            self.expected_exit = self.proc.wait(timeout)
            return self.expected_exit
        except subprocess.TimeoutExpired:
            raise AssertionError("master %d still running after %.1f s"
                                 % (self.pid, timeout))

    def stop(self, signo=signal.SIGTERM, timeout=10.0, code=0):
        """Signals the master and waits; SIGKILL at the deadline, which
        fails. Asserts the exit code (code=None: any exit)."""
        if self.alive():
            self.workers()
            self.kill(signo)
            try:
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                self.expected_exit = self.proc.returncode
                raise AssertionError("master %d ignored signal %d for %.1f s:"
                                     " killed" % (self.pid, signo, timeout))
        rc = self.proc.returncode
        self.expected_exit = rc
        if code is not None and rc != code:
            raise AssertionError("master exited with %s, expected %s\n%s"
                                 % (rc, code, self.stderr()[-2000:]))
        return rc

    def close(self):
        """Teardown: stop if running, then the checks. Idempotent."""
        if self.closed:
            return
        self.closed = True
        try:
            if self.proc is not None:
                for pid in self.leftovers():
                    if (proc_status(pid, "State") or "").startswith("T"):
                        os.kill(pid, signal.SIGCONT)   # a test's SIGSTOP
                if self.alive():
                    self.stop()
                rc = self.proc.returncode
                if self.expected_exit is None and rc != 0:
                    raise AssertionError("master exited with %s unexpectedly"
                                         % rc)
                self.check_leftovers()
                self.check_logs()
        finally:
            if self.notify:
                self.notify.close()
            if self.proc is not None:
                self.stderr_file.close()
            if self.stdout_file is not None:
                self.stdout_file.close()
            if KEEP:
                sys.stderr.write("sltest: kept %s\n" % self.dir)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)

    def leftovers(self):
        """The workers ever seen that still run (same pid, same start)."""
        return [p for p, t in self.seen_workers.items()
                if proc_starttime(p) == t]

    def check_leftovers(self):
        """No worker may outlive its master."""
        try:
            wait_for(lambda: not self.leftovers(), 3, msg="workers to exit")
        except AssertionError:
            left = self.leftovers()
            for p in left:
                os.kill(p, signal.SIGKILL)
            raise AssertionError("workers outlived the master: %s" % left)

    def check_logs(self):
        """No [alert], [crit] or sanitizer line in the logs (unless
        allowed)."""
        bad = []
        for text in [read_text(p) for p in self.logs] + [self.stderr()] + \
                ([self.stdout()] if self.stdout_path != self.stderr_path
                 else []):
            for line in text.splitlines():
                if BAD_LINES.search(line) and \
                        not any(a.search(line) for a in self.allow):
                    bad.append(line)
        if bad:
            raise AssertionError("bad lines in the logs:\n" + "\n".join(bad))

    # -- looking at it ---------------------------------------------------

    def workers(self):
        """The master's children now (its workers), sorted."""
        kids = proc_children(self.pid) if self.alive() else []
        for pid in kids:
            start = proc_starttime(pid)
            if start is not None:
                self.seen_workers.setdefault(pid, start)
        return kids

    worker_pids = workers

    def wait_workers(self, n, exclude=(), timeout=5.0):
        """Waits until the master has exactly n children, none of them in
        exclude; returns them."""
        return wait_for(lambda: (lambda w: w if len(w) == n and
                                 not set(w) & set(exclude) else None)(
                                     self.workers()),
                        timeout, msg="%d workers not in %s" % (n, exclude))

    def error_log(self):
        """The error log file's text ('' when it does not exist)."""
        return read_text(self.error_log_path)

    def stderr(self):
        return read_text(self.stderr_path)

    def stdout(self):
        """What the master and workers wrote to stdout (with stderr's
        unless split_stdout)."""
        return read_text(self.stdout_path)

    def log_mark(self):
        """A position in the error log, for wait_log(since=...)."""
        return len(self.error_log())

    def wait_log(self, pattern, since=0, timeout=5.0, path=None):
        """Waits for a regex to match the error log after offset since;
        returns the match."""
        rx = re.compile(pattern)
        path = path or self.error_log_path
        return wait_for(lambda: rx.search(read_text(path)[since:]), timeout,
                        msg="/%s/ in %s" % (pattern, os.path.basename(path)))

    def path(self, name):
        return os.path.join(self.dir, name)


def read_text(path):
    """A file's text ('' when it cannot be read)."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


_read = read_text   # the old name, still used by some tests


def start(test, conf, **kw):
    """Starts a Server for a unittest.TestCase, closed by its cleanup."""
    srv = Server(conf, **kw)
    test.addCleanup(srv.close)
    return srv.start()


# -- configs -------------------------------------------------------------

RETURN_OK = '{ match = "/"; return = { status = 200; body = "ok\\n"; }; }'


def conf(locations=RETURN_OK, http="", top="", server="", workers=1,
         level="info"):
    """A small config: one server on 127.0.0.1:@PORT@ with the given
    locations (libconfig text), error.log (at level) and sluice.pid in the
    temp dir, shutdown_timeout 5 and short client timeouts
    (client_header_timeout 2, keepalive_timeout 5) unless http sets them.
    top, http and server add settings to those groups."""
    for key, value in (("client_header_timeout", 2),
                       ("keepalive_timeout", 5)):
        if key not in http:
            http = "%s = %s;\n    %s" % (key, value, http)
    if "shutdown_timeout" not in top:
        top = "shutdown_timeout = 5;\n" + top
    return """
worker_processes = %d;
pid_file = "sluice.pid";
error_log = { path = "error.log"; level = "%s"; };
%s
http = {
    %s
    servers = ( {
        listen = [ "127.0.0.1:@PORT@" ];
        %s
        locations = ( %s );
    } );
};
""" % (workers, level, top, http, server, locations)


# -- raw HTTP ------------------------------------------------------------

class Response:
    """A parsed response: status, reason, version, headers (a list of
    (name, value) in order), body (bytes, de-chunked), raw (head bytes)."""

    def __init__(self, version, status, reason, headers, raw):
        self.version, self.status, self.reason = version, status, reason
        self.headers, self.raw, self.body = headers, raw, b""

    def header(self, name):
        """The first value of a header (any case), or None."""
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def __repr__(self):
        return "<Response %d %r %r>" % (self.status, self.headers,
                                        self.body[:200])


class Client:
    """One client connection over a raw socket, with its own read buffer,
    so responses to pipelined requests can be read one by one."""

    def __init__(self, port, host="127.0.0.1", timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False

    def send(self, data):
        """Sends bytes (or str, as latin-1) whole."""
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def request(self, method="GET", path="/", host="localhost", headers=(),
                body=b"", version="HTTP/1.1"):
        """Sends one request; Content-Length is added for a body unless
        headers already frame it."""
        if isinstance(body, str):
            body = body.encode()
        lines = ["%s %s %s" % (method, path, version)]
        if host is not None:
            lines.append("Host: " + host)
        lines += list(headers)
        framed = any(h.lower().startswith(("content-length:",
                                           "transfer-encoding:"))
                     for h in headers)
        if body and not framed:
            lines.append("Content-Length: %d" % len(body))
        self.send("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body)

    def _fill(self, deadline):
        """Reads more bytes into buf; False at EOF (or reset)."""
        if self.eof:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("timed out reading a response; have %r"
                                 % self.buf[:300])
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise AssertionError("timed out reading a response; have %r"
                                 % self.buf[:300])
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _take(self, n, deadline):
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise AssertionError("connection closed after %d of %d bytes"
                                     % (len(self.buf), n))
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _line(self, deadline):
        while b"\r\n" not in self.buf:
            if not self._fill(deadline):
                raise AssertionError("connection closed in a line: %r"
                                     % self.buf[:300])
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_response(self, timeout=5.0, head_only=False, interim=False):
        """Reads one whole response. head_only: a response to HEAD (no body
        whatever the headers say). interim=False skips 1xx responses."""
        deadline = time.monotonic() + timeout
        while True:
            while b"\r\n\r\n" not in self.buf:
                if not self._fill(deadline):
                    raise AssertionError("connection closed before a "
                                         "response head; have %r"
                                         % self.buf[:300])
            raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
            lines = raw.decode("latin-1").split("\r\n")
            version, status, reason = (lines[0].split(" ", 2) + [""])[:3]
            headers = [tuple(x.strip() for x in l.split(":", 1))
                       for l in lines[1:]]
            r = Response(version, int(status), reason, headers, raw)
            if 100 <= r.status < 200 and not interim:
                continue
            break
        if head_only or r.status in (204, 304) or r.status < 200:
            return r
        te = r.header("Transfer-Encoding")
        if te and "chunked" in te.lower():
            r.body = self._chunked(deadline)
        elif r.header("Content-Length") is not None:
            r.body = self._take(int(r.header("Content-Length")), deadline)
        else:
            while self._fill(deadline):
                pass
            r.body, self.buf = self.buf, b""
        return r

    def _chunked(self, deadline):
        body = b""
        while True:
            size = int(self._line(deadline).split(b";")[0], 16)
            if size == 0:
                while self._line(deadline):
                    pass   # trailers
                return body
            body += self._take(size, deadline)
            if self._take(2, deadline) != b"\r\n":
                raise AssertionError("chunk not followed by CRLF")

    def wait_closed(self, timeout=5.0):
        """Waits for the server to close: returns the bytes that came
        before EOF (b'' normally). Raises AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while self._fill(deadline):
            pass
        data, self.buf = self.buf, b""
        return data

    def is_open(self, wait=0.0):
        """True when no EOF (or reset) arrived within wait seconds."""
        r, _, _ = select.select([self.sock], [], [], wait)
        if not r:
            return True
        try:
            data = self.sock.recv(65536, socket.MSG_PEEK)
        except ConnectionResetError:
            return False
        return bool(data)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def get(port, path="/", host="localhost", method="GET", headers=(),
        timeout=5.0):
    """One request on a fresh connection (Connection: close); the
    Response."""
    with Client(port, timeout=timeout) as c:
        c.request(method, path, host,
                  list(headers) + ["Connection: close"])
        return c.read_response(timeout, head_only=method == "HEAD")


def keepalive_clients(port, n):
    """n connections, each proven accepted by one keep-alive request."""
    clients = []
    for _ in range(n):
        c = Client(port)
        c.request("GET", "/")
        r = c.read_response()
        if r.status != 200 or r.header("Connection") == "close":
            raise AssertionError("not kept alive: %r" % r)
        clients.append(c)
    return clients
