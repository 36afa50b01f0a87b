#!/usr/bin/env python3
"""reload_compare: the issue 8 reload run against sluice and against nginx
from Debian, side by side. A benchmark, not a test (nginx is expected to
fail some clients), so not part of make check; run by hand from the build
tree once make check built t/loadgen/sl_loadgen:

    SL_BUILDDIR=. SL_SRCDIR=/path/to/src python3 \\
        /path/to/src/contrib/bench/reload_compare.py [RELOADS] [RUNS]

For each server and accept strategy, RUNS times (default 1): 2 workers,
50 keep-alive and 20 Connection: close clients (t/loadgen/sl_loadgen at
full speed), RELOADS reloads (default 40) 0.25 s apart, then a graceful
stop under load. sluice is reloaded with HUP and waits for each verdict;
nginx with `nginx -s reload`. Both answer every request with a fixed
200 "ok" (a `return` location). Prints one line per run and a table of
the sums: requests answered, and client-visible failures (reset, EOF
before a response, timeout, other, non-2xx) during the reloads and
during the stop (refused connects after the stop are not failures).
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

# The integration tests' harness and load driver, from the source tree.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "t", "integration"))
import sltest    # noqa: E402
import slload    # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
FAILS = ("reset", "eof", "timeout", "other", "non2xx")

NGINX_CONF = """
worker_processes 2;
daemon off;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log notice;
events { worker_connections 4096; }
http {
    access_log off;
    server {
        listen 127.0.0.1:%(port)d%(reuseport)s;
        location / { return 200 "ok\\n"; }
    }
}
"""


def wait_port(port, timeout=10):
    def up():
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            return False
    sltest.wait_for(up, timeout, msg="port %d" % port)


def sluice_run(accept, reloads):
    srv = sltest.Server(slload.worker_conf(2, accept))
    srv.start()
    try:
        load = slload.Load(srv.port)
        slload.Reloader(srv, [slload.worker_conf(2, accept)]).run(reloads)
        during = load.stop()
        load = slload.Load(srv.port)
        time.sleep(0.5)
        sltest.run(["-s", "quit", "-c", srv.conf_path])
        srv.wait_exit(15)
        stop = load.stop()
    finally:
        srv.close()
    return during, stop


def nginx_run(reuseport, reloads):
    d = tempfile.mkdtemp(prefix="slcmp-")
    port = sltest.free_ports(1)[0]
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF % {"dir": d, "port": port,
                              "reuseport": " reuseport" if reuseport else ""})
    proc = subprocess.Popen([NGINX, "-c", conf, "-p", d],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        load = slload.Load(port)
        for _ in range(reloads):
            subprocess.run([NGINX, "-c", conf, "-p", d, "-s", "reload"],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
            time.sleep(0.25)
        during = load.stop()
        load = slload.Load(port)
        time.sleep(0.5)
        subprocess.run([NGINX, "-c", conf, "-p", d, "-s", "quit"],
                       stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        proc.wait(30)
        stop = load.stop()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
        shutil.rmtree(d, ignore_errors=True)
    return during, stop


def add(total, stats):
    for k in slload.COUNTERS:
        if k != "max_ms":
            total[k] = total.get(k, 0) + stats[k]


def main():
    reloads = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    cases = [("sluice", "reuseport", lambda: sluice_run("reuseport", reloads)),
             ("sluice", "mutex", lambda: sluice_run("mutex", reloads))]
    if os.access(NGINX, os.X_OK):
        cases += [("nginx", "reuseport", lambda: nginx_run(True, reloads)),
                  ("nginx", "shared socket",
                   lambda: nginx_run(False, reloads))]
    rows = []
    for server, mode, run in cases:
        during_sum, stop_sum = {}, {}
        for i in range(runs):
            during, stop = run()
            add(during_sum, during)
            add(stop_sum, stop)
            print("%-6s %-13s run %d: reloads: %s" % (server, mode, i + 1,
                  slload.summary(during)))
            print("%-6s %-13s run %d: stop:    %s" % (server, mode, i + 1,
                  slload.summary(stop)))
            sys.stdout.flush()
        rows.append((server, mode, during_sum, stop_sum))
    print()
    print("%d runs of %d reloads each, 2 workers, 50 keep-alive + 20 close "
          "clients" % (runs, reloads))
    print("%-6s | %-13s | %10s | %s | %8s | %s"
          % ("server", "accept", "requests", "failed during reloads",
             "stop req", "failed during stop"))
    for server, mode, d, s in rows:
        print("%-6s | %-13s | %10d | %-21s | %8d | %s"
              % (server, mode, d["requests"], failures(d), s["requests"],
                 failures(s)))


def failures(stats):
    n = sum(stats[k] for k in FAILS)
    parts = ["%s %d" % (k, stats[k]) for k in FAILS if stats[k]]
    return "%d%s" % (n, " (%s)" % ", ".join(parts) if parts else "")


if __name__ == "__main__":
    main()
