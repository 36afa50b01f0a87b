#!/usr/bin/env python3
"""The process model (issue 2): a master and its workers, process titles,
reload on HUP (good and bad configs), graceful QUIT, fast TERM, log
reopening on USR1, respawning with backoff, and the `user` directive."""
import os
import re
import signal
import threading
import time
import unittest

import sltest

BODY = '{ match = "/"; return = { status = 200; body = "%s\\n"; }; }'


def conf(body="one", workers=2, **kw):
    return sltest.conf(locations=BODY % body, workers=workers, **kw)


def is_sluice(pid):
    return sltest.proc_cmdline(pid).startswith("sluice")


def signal_if_alive(pid, signo):
    try:
        os.kill(pid, signo)
    except ProcessLookupError:
        pass


def wait_title(pid, title="sluice: worker"):
    """A child shows its parent's title until it sets its own."""
    sltest.wait_for(lambda: sltest.proc_cmdline(pid) == title,
                    msg="pid %d titled %r (is %r)"
                    % (pid, title, sltest.proc_cmdline(pid)))


class Workers(unittest.TestCase):
    def test_master_and_workers_with_titles(self):
        srv = sltest.start(self, conf())
        workers = srv.wait_workers(2)
        self.assertEqual(sltest.proc_cmdline(srv.pid), "sluice: master")
        for pid in workers:
            wait_title(pid)
            self.assertEqual(sltest.proc_ppid(pid), srv.pid)
        r = sltest.get(srv.port)
        self.assertEqual((r.status, r.body), (200, b"one\n"))
        log = srv.error_log()
        self.assertIn("started, master pid %d, 2 workers" % srv.pid, log)
        self.assertIn("all 2 workers are accepting", log)

    def test_killed_worker_is_respawned(self):
        srv = sltest.start(self, conf())
        victim = srv.workers()[0]
        os.kill(victim, signal.SIGKILL)
        workers = srv.wait_workers(2, exclude=[victim])
        self.assertEqual(len(workers), 2)
        srv.wait_log(r"\[warn\] %d#0: worker %d exited on signal 9 "
                     r"\(Killed\), respawning" % (srv.pid, victim))
        for pid in workers:
            wait_title(pid)
        self.assertEqual(sltest.get(srv.port).body, b"one\n")

    def test_crashed_worker_is_an_alert_and_respawned(self):
        # SIGABRT: a crash the sanitizers let through as a signal (they
        # turn a SEGV into exit code 1). No core file from this test.
        import resource
        core = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (0, core[1]))
        self.addCleanup(resource.setrlimit, resource.RLIMIT_CORE, core)
        srv = sltest.start(self, conf(workers=1),
                           allow=[r"exited on signal 6 "])
        victim = srv.workers()[0]
        os.kill(victim, signal.SIGABRT)
        srv.wait_workers(1, exclude=[victim])
        srv.wait_log(r"\[alert\] %d#0: worker %d exited on signal 6 "
                     r"\(Aborted\), respawning" % (srv.pid, victim))
        self.assertEqual(sltest.get(srv.port).body, b"one\n")

    def test_respawn_backs_off_when_a_worker_keeps_dying(self):
        # A worker that dies within 2 s of its start is dying young: each
        # such death doubles the respawn delay (200 ms, 400 ms, 800 ms),
        # whether it died before or after it began accepting. Here each
        # worker dies right after serving a request, as one crashing on
        # every request would.
        srv = sltest.start(self, conf(workers=1))
        gaps = []
        for _ in range(3):
            victim = srv.workers()[0]
            self.assertEqual(sltest.get(srv.port).status, 200)
            t0 = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            srv.wait_workers(1, exclude=[victim], timeout=5)
            gaps.append(time.monotonic() - t0)
        self.assertGreaterEqual(gaps[0], 0.15, gaps)
        self.assertGreaterEqual(gaps[1], 0.35, gaps)
        self.assertGreaterEqual(gaps[2], 0.75, gaps)
        self.assertEqual(sltest.get(srv.port).body, b"one\n")

    def test_accept_mutex_survives_a_killed_worker(self):
        # A worker killed while holding the accept mutex must not stall
        # the others: the master frees it.
        srv = sltest.start(self, conf(top='accept = "mutex";'))
        for _ in range(3):
            victim = srv.workers()[0]
            for _ in range(10):
                self.assertEqual(sltest.get(srv.port, timeout=2).status, 200)
            os.kill(victim, signal.SIGKILL)
            srv.wait_workers(2, exclude=[victim])
        t0 = time.monotonic()
        for _ in range(20):
            self.assertEqual(sltest.get(srv.port, timeout=2).status, 200)
        self.assertLess(time.monotonic() - t0, 2)

    def test_workers_follow_a_killed_master(self):
        srv = sltest.start(self, conf(top="", workers=2))
        workers = srv.workers()
        srv.stop(signal.SIGKILL, code=-signal.SIGKILL)
        # PR_SET_PDEATHSIG: they drain (nothing to drain) and exit.
        sltest.wait_for(lambda: not any(is_sluice(p) for p in workers), 5,
                        msg="orphaned workers to exit")


class Idle(unittest.TestCase):
    """Without clients nothing wakes up: the master sleeps until a signal,
    a worker's message or one of its own deadlines, and workers keep no
    heartbeat timer unless systemd's watchdog needs it (test_notify)."""

    def wakeups(self, pids):
        return [int(sltest.proc_status(pid, "voluntary_ctxt_switches"))
                for pid in pids]

    def test_idle_master_and_workers_sleep(self):
        srv = sltest.start(self, conf())
        pids = [srv.pid] + srv.wait_workers(2)
        self.assertEqual(sltest.get(srv.port).status, 200)
        # What never happens can only be shown by time passing: let the
        # request's aftermath pass, then count wake-ups over 2.5 s.
        time.sleep(0.5)
        before = self.wakeups(pids)
        time.sleep(2.5)
        self.assertEqual(self.wakeups(pids), before,
                         msg="master, workers: %r" % pids)
        # Asleep is not stuck: a signal and a client are still served.
        srv.kill(signal.SIGHUP)
        srv.wait_log(r"reload done")
        self.assertEqual(sltest.get(srv.port).body, b"one\n")

    def test_sleeping_master_still_kills_a_stuck_old_worker(self):
        # The only thing left to wake the master is its own deadline:
        # shutdown_timeout (1 s) plus 5 s of grace after the reload.
        srv = sltest.start(self, conf(workers=1, top="shutdown_timeout = 1;"))
        old = srv.wait_workers(1)[0]
        os.kill(old, signal.SIGSTOP)
        self.addCleanup(signal_if_alive, old, signal.SIGCONT)
        t0 = time.monotonic()
        srv.kill(signal.SIGHUP)
        srv.wait_log(r"worker %d did not exit in time: killing it" % old,
                     timeout=9)
        self.assertGreater(time.monotonic() - t0, 5.5)
        sltest.wait_for(lambda: sltest.proc_ppid(old) != srv.pid, 3,
                        msg="the stuck worker reaped")
        self.assertEqual(sltest.get(srv.port).body, b"one\n")


class Reload(unittest.TestCase):
    def test_good_config_starts_new_workers(self):
        srv = sltest.start(self, conf("one"))
        old = srv.workers()
        mark = srv.log_mark()

        # Clients keep coming during the reload: none may be refused.
        stop, errors, bodies = threading.Event(), [], set()

        def hammer():
            while not stop.is_set():
                try:
                    r = sltest.get(srv.port)
                    bodies.add(r.body)
                    if r.status != 200:
                        errors.append(r)
                except (OSError, AssertionError) as e:
                    errors.append(e)
        t = threading.Thread(target=hammer)
        t.start()
        try:
            srv.write_conf(conf("two"))
            srv.kill(signal.SIGHUP)
            new = srv.wait_workers(2, exclude=old, timeout=10)
            # Old workers are gone for good, not just re-parented.
            self.assertFalse([p for p in old if is_sluice(p)])
            sltest.wait_for(lambda: b"two\n" in bodies, msg="the new body")
        finally:
            stop.set()
            t.join()
        self.assertEqual(errors, [])
        for pid in new:
            wait_title(pid)
        self.assertEqual(sltest.get(srv.port).body, b"two\n")
        log = srv.error_log()[mark:]
        self.assertIn("reloading configuration from %s" % srv.conf_path, log)
        self.assertIn("reload done: generation 2 serving", log)
        self.assertIn("generation 1 finished", log)

    def test_bad_config_keeps_the_running_workers(self):
        srv = sltest.start(self, conf("one"))
        old = srv.workers()
        mark = srv.log_mark()
        bad = conf("two").replace("keepalive_timeout = 5;",
                                  "keepalive_timeout = \"long\";")
        line = bad[:bad.index("keepalive_timeout")].count("\n") + 1
        srv.write_conf(bad)
        srv.kill(signal.SIGHUP)
        m = srv.wait_log(r"\[emerg\] .*reload failed: (.*); the running "
                         r"configuration stays", since=mark)
        self.assertEqual(m.group(1), '%s:%d: "keepalive_timeout": expected '
                         'a number of seconds' % (srv.conf_path, line))
        self.assertEqual(srv.workers(), old)
        self.assertEqual(sltest.get(srv.port).body, b"one\n")
        # Fixed, the next HUP works.
        srv.write_conf(conf("three"))
        srv.kill(signal.SIGHUP)
        srv.wait_workers(2, exclude=old, timeout=10)
        # (the old workers may take a client or two as they stop)
        sltest.wait_for(lambda: sltest.get(srv.port).body == b"three\n", 5,
                        msg="the new configuration answering")

    def test_idle_connection_gets_its_next_request_answered(self):
        # An idle keep-alive connection on an old worker is not cut under
        # a request the client may already be sending: its next request
        # is answered (by the old config) with Connection: close.
        srv = sltest.start(self, conf("one", workers=1))
        old = srv.workers()
        c = sltest.keepalive_clients(srv.port, 1)[0]
        self.addCleanup(c.close)
        srv.write_conf(conf("two", workers=1))
        srv.kill(signal.SIGHUP)
        srv.wait_log(r"reload done")
        sltest.wait_for(lambda: "shutting down" in
                        sltest.proc_cmdline(old[0]), msg="old worker draining")
        c.request("GET", "/")
        r = c.read_response()
        self.assertEqual((r.status, r.body), (200, b"one\n"))
        self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(c.wait_closed(), b"")
        sltest.wait_for(lambda: not is_sluice(old[0]), msg="old worker exit")
        self.assertEqual(sltest.get(srv.port).body, b"two\n")

    def test_new_listen_address_replaces_the_old(self):
        text = conf().replace("@PORT@", "@PORT0@")
        srv = sltest.start(self, text, ports=2)
        srv.write_conf(text.replace("@PORT0@", "@PORT1@"))
        old = srv.workers()
        srv.kill(signal.SIGHUP)
        srv.wait_workers(2, exclude=old, timeout=10)
        srv.wait_log(r"generation 1 finished")
        self.assertEqual(sltest.get(srv.ports[1]).status, 200)
        with self.assertRaises(ConnectionRefusedError):
            sltest.get(srv.ports[0])


    def test_new_error_log_is_used_after_reload(self):
        srv = sltest.start(self, conf())
        old = srv.workers()
        srv.write_conf(conf().replace('"error.log"', '"error2.log"'))
        srv.kill(signal.SIGHUP)
        srv.wait_workers(2, exclude=old, timeout=10)
        new_log = srv.path("error2.log")
        srv.logs.append(new_log)
        srv.wait_log(r"reload done: generation 2 serving", path=new_log)
        self.assertEqual(bad_request(srv.port), 400)
        srv.wait_log(r"\[info\] (%s)#0: .*bad request"
                     % "|".join(map(str, srv.workers())), path=new_log)
        self.assertNotIn("generation 2 serving", srv.error_log())

    def test_worker_count_change(self):
        srv = sltest.start(self, conf(workers=2))
        old = srv.workers()
        srv.write_conf(conf(workers=3))
        srv.kill(signal.SIGHUP)
        self.assertEqual(len(srv.wait_workers(3, exclude=old, timeout=10)), 3)
        srv.write_conf(conf(workers=1))
        old = srv.workers()
        srv.kill(signal.SIGHUP)
        srv.wait_workers(1, exclude=old, timeout=10)
        self.assertEqual(sltest.get(srv.port).status, 200)

    def test_reload_to_a_taken_port_keeps_the_old_config(self):
        import socket
        hog = socket.socket()
        self.addCleanup(hog.close)
        hog.bind(("127.0.0.1", 0))
        hog.listen(1)
        srv = sltest.start(self, conf("one"))
        old = srv.workers()
        mark = srv.log_mark()
        srv.write_conf(conf("two").replace(
            '"127.0.0.1:@PORT@"', '"127.0.0.1:@PORT@", "127.0.0.1:%d"'
            % hog.getsockname()[1]))
        srv.kill(signal.SIGHUP)
        # The refusal gives the cause, and it is logged once.
        bind = (r"bind\(\) to 127\.0\.0\.1:%d failed \(98: Address already "
                r"in use\)" % hog.getsockname()[1])
        srv.wait_log(r"\[emerg\] \d+#0: reload failed: %s; the running "
                     r"configuration stays\n" % bind, since=mark)
        self.assertEqual(len(re.findall(bind, srv.error_log()[mark:])), 1)
        self.assertEqual(srv.workers(), old)
        self.assertEqual(sltest.get(srv.port).body, b"one\n")

    def test_frequent_reloads_do_not_pile_up_draining_generations(self):
        # Each generation keeps an idle client, so it drains for up to
        # shutdown_timeout; past 4 draining ones the oldest is stopped.
        srv = sltest.start(self, conf("g1", workers=1))
        held = []
        for g in range(2, 8):
            c = sltest.keepalive_clients(srv.port, 1)[0]
            self.addCleanup(c.close)
            held.append(c)
            mark = srv.log_mark()
            srv.write_conf(conf("g%d" % g, workers=1))
            srv.kill(signal.SIGHUP)
            srv.wait_log(r"reload done: generation %d serving" % g, since=mark)
        srv.wait_log(r"generations draining: stopping generation 1 now")
        srv.wait_log(r"generations draining: stopping generation 2 now")
        self.assertEqual(held[0].wait_closed(), b"")
        self.assertEqual(held[1].wait_closed(), b"")
        # The current worker plus at most 4 draining ones.
        self.assertLessEqual(len(srv.workers()), 5)
        # A client queued as the reload finished may still be taken (and
        # served) by the previous worker as it drains the socket it shares
        # with the new one; new clients then go to the new one.
        sltest.wait_for(lambda: sltest.get(srv.port).body == b"g7\n", 5,
                        msg="generation 7 answering")
        # The newest draining generations still answer their client.
        held[-1].request("GET", "/")
        r = held[-1].read_response()
        self.assertEqual((r.body, r.header("Connection")), (b"g6\n", "close"))


    def test_removed_address_refuses_while_the_old_generation_drains(self):
        # The old worker drains an idle client (up to shutdown_timeout) and
        # no longer accepts: its address, gone from the config, must refuse
        # new clients rather than queue them until the drain ends.
        text = conf(workers=1, top="shutdown_timeout = 3;").replace(
            "@PORT@", "@PORT0@")
        srv = sltest.start(self, text, ports=2)
        idle = sltest.keepalive_clients(srv.ports[0], 1)[0]
        self.addCleanup(idle.close)
        old = srv.workers()
        srv.write_conf(text.replace("@PORT0@", "@PORT1@"))
        srv.kill(signal.SIGHUP)
        srv.wait_workers(2, timeout=10)          # the old one drains
        sltest.wait_for(lambda: "shutting down" in
                        sltest.proc_cmdline(old[0]), msg="old worker draining")
        self.assertEqual(sltest.get(srv.ports[1]).status, 200)
        try:
            c = sltest.Client(srv.ports[0])
        except ConnectionRefusedError:
            return
        self.addCleanup(c.close)
        c.request("GET", "/")
        self.assertEqual(c.read_response(timeout=5).status, 200)


class Stop(unittest.TestCase):
    def test_quit_finishes_the_request_in_flight(self):
        srv = sltest.start(self, conf(workers=1))
        worker = srv.workers()[0]
        busy, idle = sltest.keepalive_clients(srv.port, 2)
        self.addCleanup(busy.close)
        self.addCleanup(idle.close)
        busy.send("GET / HTTP/1.1\r\nHost: x\r\n")   # half a head
        srv.kill(signal.SIGQUIT)
        sltest.wait_for(lambda: "shutting down" in sltest.proc_cmdline(worker),
                        msg="the worker to start draining")
        self.assertTrue(srv.alive())
        busy.send("\r\n")
        r = busy.read_response()
        self.assertEqual((r.status, r.body), (200, b"one\n"))
        self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(busy.wait_closed(), b"")
        # The idle keep-alive connection is answered once more.
        self.assertTrue(srv.alive())
        idle.request("GET", "/")
        r = idle.read_response()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(idle.wait_closed(), b"")
        self.assertEqual(srv.wait_exit(5), 0)
        self.assertIn("graceful stop", srv.error_log())
        self.assertFalse(os.path.exists(srv.path("sluice.pid")))
        self.assertFalse(is_sluice(worker))

    def test_new_client_during_graceful_stop_is_not_left_hanging(self):
        # Once the workers stop accepting, a new client must be refused at
        # once (or served), not connected into a listen queue nobody reads
        # and reset when the master finally exits.
        srv = sltest.start(self, conf(workers=1, top="shutdown_timeout = 3;"))
        worker = srv.workers()[0]
        idle = sltest.keepalive_clients(srv.port, 1)[0]   # keeps it draining
        self.addCleanup(idle.close)
        srv.kill(signal.SIGQUIT)
        sltest.wait_for(lambda: "shutting down" in
                        sltest.proc_cmdline(worker),
                        msg="the worker to start draining")
        try:
            c = sltest.Client(srv.port)
        except ConnectionRefusedError:
            return
        self.addCleanup(c.close)
        c.request("GET", "/")
        r = c.read_response(timeout=5)
        self.assertEqual(r.status, 200)

    def test_quit_ends_idle_connections_at_shutdown_timeout(self):
        srv = sltest.start(self, conf(workers=1, top="shutdown_timeout = 1;"))
        c = sltest.keepalive_clients(srv.port, 1)[0]
        self.addCleanup(c.close)
        t0 = time.monotonic()
        srv.kill(signal.SIGQUIT)
        self.assertEqual(c.wait_closed(4), b"")
        self.assertEqual(srv.wait_exit(4), 0)
        elapsed = time.monotonic() - t0
        self.assertGreater(elapsed, 0.8)
        self.assertLess(elapsed, 3.5)
        self.assertIn("shutdown_timeout reached: closing 1 connections",
                      srv.error_log())

    def test_zero_shutdown_timeout_closes_at_once(self):
        # sluice.conf(5): 0 closes what is still open as soon as the
        # workers stop accepting, idle or not.
        srv = sltest.start(self, conf(workers=1, top="shutdown_timeout = 0;"))
        idle, busy = sltest.keepalive_clients(srv.port, 2)
        self.addCleanup(idle.close)
        self.addCleanup(busy.close)
        busy.send("GET / HTTP/1.1\r\n")   # a head that never ends
        srv.kill(signal.SIGQUIT)
        self.assertEqual(idle.wait_closed(4), b"")
        self.assertEqual(busy.wait_closed(4), b"")
        self.assertEqual(srv.wait_exit(4), 0)
        self.assertIn("shutdown_timeout reached: closing 2 connections",
                      srv.error_log())

    def test_quit_without_clients_is_immediate(self):
        srv = sltest.start(self, conf())
        t0 = time.monotonic()
        srv.kill(signal.SIGQUIT)
        self.assertEqual(srv.wait_exit(3), 0)
        self.assertLess(time.monotonic() - t0, 1.5)

    def test_term_is_fast_even_with_clients(self):
        srv = sltest.start(self, conf(top="shutdown_timeout = 30;"))
        clients = sltest.keepalive_clients(srv.port, 3)
        for c in clients:
            self.addCleanup(c.close)
        clients[0].send("GET / HTTP/1.1\r\n")
        t0 = time.monotonic()
        srv.stop(signal.SIGTERM, timeout=5)
        self.assertLess(time.monotonic() - t0, 2.0)
        self.assertIn("fast stop", srv.error_log())
        self.assertFalse(os.path.exists(srv.path("sluice.pid")))
        for c in clients:
            self.assertEqual(c.wait_closed(2), b"")

    def test_int_is_a_fast_stop(self):
        srv = sltest.start(self, conf())
        srv.stop(signal.SIGINT, timeout=5)
        self.assertIn("fast stop", srv.error_log())


def bad_request(port):
    """A request the worker logs at info ("bad request")."""
    with sltest.Client(port) as c:
        c.send("GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n")
        return c.read_response().status


class Reopen(unittest.TestCase):
    def check_reopen(self, srv):
        workers = srv.workers()
        os.rename(srv.error_log_path, srv.error_log_path + ".1")
        srv.kill(signal.SIGUSR1)
        srv.wait_log(r"\[notice\] %d#0: logs reopened" % srv.pid)
        # Every worker reopens too: each writes its next line to the new
        # file (new connections spread over the workers).
        pending = set(workers)

        def all_wrote():
            self.assertEqual(bad_request(srv.port), 400)
            log = srv.error_log()
            pending.difference_update(
                p for p in list(pending)
                if re.search(r"\[info\] %d#0: (\*\d+ )?bad request" % p, log))
            return not pending
        sltest.wait_for(all_wrote, 10, interval=0, msg="lines from %s"
                        % workers)
        old = sltest.read_text(srv.error_log_path + ".1")
        self.assertNotIn("logs reopened", old)

    def test_usr1_reopens_the_error_log(self):
        self.check_reopen(sltest.start(self, conf()))

    def test_failed_reopen_is_not_claimed(self):
        # The log's path cannot be opened any more (a directory took its
        # place): the master says why, once, in the file it keeps using,
        # and does not claim "logs reopened".
        srv = sltest.start(self, conf())
        old = srv.error_log_path + ".1"
        srv.logs.append(old)
        os.rename(srv.error_log_path, old)
        os.mkdir(srv.error_log_path)
        mark = len(sltest.read_text(old))
        srv.kill(signal.SIGUSR1)
        line = (r"\[error\] %d#0: cannot reopen error log \"(\./)?error\.log\" "
                r"\(21: Is a directory\)\n" % srv.pid)
        srv.wait_log(line, since=mark, path=old)
        # The workers got the signal too: once one has said so, the
        # master has long finished its part.
        srv.wait_log(r"\[error\] %d#0: cannot reopen the error log"
                     % srv.workers()[0], since=mark, path=old)
        log = sltest.read_text(old)[mark:]
        self.assertEqual(len(re.findall(line, log)), 1, log)
        self.assertNotIn("logs reopened", log)

    def test_failed_access_log_reopen_is_not_claimed(self):
        # (the master creates the workers' log files, and names where
        # each is set when it cannot)
        srv = sltest.start(self, conf(http='access_log = { path = '
                                      '"@DIR@/access.log"; };'))
        access = srv.path("access.log")
        os.rename(access, access + ".1")
        os.mkdir(access)
        mark = srv.log_mark()
        srv.kill(signal.SIGUSR1)
        line = (r"\[error\] %d#0: reopening logs: sluice\.conf:\d+: \"path\": "
                r"cannot open \"[^\"]*access\.log\" \(21: Is a directory\)\n"
                % srv.pid)
        srv.wait_log(line, since=mark)
        srv.wait_log(r"\[error\] %d#0: reopening the access log"
                     % srv.workers()[0], since=mark)
        log = srv.error_log()[mark:]
        self.assertEqual(len(re.findall(line, log)), 1, log)
        self.assertNotIn("logs reopened", log)


class StdStreams(unittest.TestCase):
    """"stdout" and "stderr" name the streams sluice was started with, for
    the error log and the access log alike: no file of that name is made,
    not at start and not when USR1 reopens the logs."""

    def test_error_and_access_log_to_stdout(self):
        text = conf(http='access_log = { path = "stdout"; '
                         'format = "access $status $request_uri"; '
                         'flush = 0.01; };')
        text = text.replace('path = "error.log"', 'path = "stdout"')
        self.assertIn('error_log = { path = "stdout"', text)
        srv = sltest.start(self, text, split_stdout=True)
        start = r"\[notice\] %d#0: " % srv.pid
        srv.wait_log(start, path=srv.stdout_path)
        self.assertEqual(sltest.get(srv.port, "/seen").status, 200)
        srv.wait_log(r"(?m)^access 200 /seen$", path=srv.stdout_path)
        srv.kill(signal.SIGUSR1)
        srv.wait_log(start + "logs reopened", path=srv.stdout_path)
        # A worker's line after the reopen still reaches stdout.
        self.assertEqual(bad_request(srv.port), 400)
        srv.wait_log(r"\[info\] \d+#0: (\*\d+ )?bad request",
                     path=srv.stdout_path)
        self.assertNotRegex(srv.stderr(), r"\[notice\]|access 200")
        self.assertFalse(os.path.exists(srv.path("stdout")))
        self.assertFalse(os.path.exists(srv.path("error.log")))


@unittest.skipUnless(os.geteuid() == 0, "the user directive needs root")
class User(unittest.TestCase):
    def start(self):
        srv = sltest.Server(conf(top='user = "nobody";'))
        self.addCleanup(srv.close)
        # The workers reopen the log by its path: they must reach it.
        os.chmod(srv.dir, 0o755)
        return srv.start()

    def test_workers_run_as_the_user_and_can_log(self):
        import pwd
        nobody = pwd.getpwnam("nobody")
        srv = self.start()
        self.assertEqual(sltest.proc_status(srv.pid, "Uid").split()[0], "0")
        for pid in srv.wait_workers(2):
            self.assertEqual(sltest.proc_status(pid, "Uid").split(),
                             [str(nobody.pw_uid)] * 4)
            self.assertEqual(sltest.proc_status(pid, "Gid").split(),
                             [str(nobody.pw_gid)] * 4)
        self.assertEqual(bad_request(srv.port), 400)
        srv.wait_log(r"\[info\] (%s)#0: (\*\d+ )?bad request"
                     % "|".join(map(str, srv.workers())))
        self.assertEqual(os.stat(srv.error_log_path).st_uid, nobody.pw_uid)

    def test_reopen_as_the_user(self):
        Reopen.check_reopen(self, self.start())

    def test_reload_as_the_user(self):
        srv = self.start()
        old = srv.workers()
        srv.write_conf(conf("two", top='user = "nobody";'))
        srv.kill(signal.SIGHUP)
        for pid in srv.wait_workers(2, exclude=old, timeout=10):
            self.assertNotEqual(sltest.proc_status(pid, "Uid").split()[0], "0")
        sltest.wait_for(lambda: sltest.get(srv.port).body == b"two\n", 5,
                        msg="the new configuration answering")


if __name__ == "__main__":
    unittest.main(verbosity=2)
