"""slload: load for the reload, upgrade and stop tests (issue 8), on top of
sltest. Python 3 standard library only.

Load(port) starts t/loadgen/sl_loadgen (built by make check) with keep-alive
and Connection: close clients at once and waits for its first response;
stop() ends it and returns its counters as a dict:

    requests ok non2xx refused reset eof timeout other connects max_ms

(see t/loadgen/sl_loadgen.c for what each class means) plus "failures",
the lines it printed for each failed request. assert_clean(test, stats)
fails unless every request got a 2xx response; refused connects are
failures too unless the server was stopped on purpose (refused_ok=True).

Reloader(srv, confs) sends HUP after HUP with a new config each time,
waiting for the verdict of each (`reload done` or `reload failed` in the
error log) before the pause, and counts them.
"""
import os
import select
import signal
import subprocess
import time

import sltest

LOADGEN = os.environ.get("SL_LOADGEN") or os.path.join(
    os.environ.get("SL_BUILDDIR", "."), "t", "loadgen", "sl_loadgen")

COUNTERS = ("requests", "ok", "non2xx", "refused", "reset", "eof",
            "timeout", "other", "connects", "max_ms")
ERRORS = ("non2xx", "reset", "eof", "timeout", "other")


def have_loadgen():
    return os.access(LOADGEN, os.X_OK)


class Load:
    """One sl_loadgen run against 127.0.0.1:port. rate caps requests per
    second (0: as fast as it goes)."""

    def __init__(self, port, keepalive=50, close=20, rate=0, timeout=10,
                 path="/"):
        args = [LOADGEN, "-p", str(port), "-k", str(keepalive),
                "-c", str(close), "-d", "0", "-t", str(timeout),
                "-u", path, "-v"]
        if rate:
            args += ["-r", str(rate)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.stats = None
        r, _, _ = select.select([self.proc.stdout], [], [], 10)
        line = self.proc.stdout.readline() if r else ""
        if line.strip() != "READY":
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError("sl_loadgen did not start: %r %r"
                                 % (line + out, err))

    def stop(self):
        """Stops sending, waits for the requests in flight; the counters."""
        if self.stats is not None:
            return self.stats
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=30)
        fields = dict(kv.split("=", 1) for kv in out.split()
                      if "=" in kv)
        self.stats = {k: int(fields.get(k, -1)) for k in COUNTERS}
        self.stats["failures"] = err.strip().splitlines()
        return self.stats

    def close(self):
        """For addCleanup: never leaves the client running."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def start(test, port, **kw):
    """A Load stopped by test's cleanup if the test does not stop it."""
    load = Load(port, **kw)
    test.addCleanup(load.close)
    return load


def summary(stats):
    return " ".join("%s=%s" % (k, stats[k]) for k in COUNTERS)


def assert_clean(test, stats, refused_ok=False):
    """Every request answered with a 2xx, and some were."""
    bad = {k: stats[k] for k in ERRORS if stats[k]}
    if stats["refused"] and not refused_ok:
        bad["refused"] = stats["refused"]
    test.assertEqual(bad, {}, "client-visible errors: %s\n%s"
                     % (summary(stats), "\n".join(stats["failures"][:20])))
    test.assertGreater(stats["ok"], 0, summary(stats))


class Reloader:
    """Reloads srv n times, pause seconds apart, with confs[i % len] as the
    config of reload i (a list of config texts)."""

    def __init__(self, srv, confs):
        self.srv = srv
        self.confs = confs
        self.done = 0
        self.failed = 0

    def run(self, n, pause=0.25, timeout=15):
        for i in range(n):
            mark = self.srv.log_mark()
            self.srv.write_conf(self.confs[i % len(self.confs)])
            self.srv.kill(signal.SIGHUP)
            m = self.srv.wait_log(r"reload (done|failed)", since=mark,
                                  timeout=timeout)
            if m.group(1) == "done":
                self.done += 1
            else:
                self.failed += 1
            time.sleep(pause)   # the pace of the reloads, not a wait


def worker_conf(workers, accept="reuseport", body="ok", extra_top="",
                extra_http=""):
    """An sltest config with a `return` location, the accept strategy and
    no access log (the load would fill the disk for nothing)."""
    return sltest.conf(
        locations='{ match = "/"; return = { status = 200; body = "%s\\n"; };'
                  ' }' % body,
        workers=workers, level="notice",
        top='accept = "%s";\n%s' % (accept, extra_top),
        http='access_log = { path = "off"; };\n' + extra_http)


def listening_inodes(port):
    """The inodes of the TCP sockets listening on port (any address)."""
    return {s["inode"] for s in sltest.tcp_sockets(port)
            if s["state"] == "LISTEN" and s["local"] == port}


def socket_inodes(pid):
    """The inodes of the sockets process pid holds (empty when gone)."""
    held = set()
    fd_dir = "/proc/%d/fd" % pid
    try:
        names = os.listdir(fd_dir)
    except OSError:
        return held
    for fd in names:
        try:
            link = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            held.add(int(link[8:-1]))
    return held


def listening_sockets(pid, port):
    """The listening sockets on port that process pid holds."""
    return socket_inodes(pid) & listening_inodes(port)
