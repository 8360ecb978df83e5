"""SIGTERM to the crawl's whole process group (issue 17): `timeout`, systemd and Scrapyd's host
shutting down send it to every process, the helpers included.

The helpers (clean workers, the WARC writer, the database writer) and the forkserver they
start from must not act on it: the crawl process shuts down gracefully and drains them in
order.  Before, the WARC writer died first and pages in flight were stored but never
archived.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from multiprocessing import forkserver
from pathlib import Path

import pytest

from fixtureweb.crawl import REPO, SCRAPY, crawl, crawl_env
from pipelines.procs import GROUP_SIGNALS, Helper, ready
from tests.faultcrawl import (
    START,
    check_archive,
    check_complete,
    exit_code,
    group_members,
    marker,
    start_crawl,
    stored,
)

STOP_AFTER = 40  # pages stored before the SIGTERM


def answers(helper: Helper) -> bool:
    async def call() -> None:
        await asyncio.wait_for(helper.call(ready), 30)
    asyncio.run(call())
    return True


def test_helpers_and_their_forkserver_outlive_the_group_signals():
    helper = Helper("signal-test", ready)
    try:
        server = forkserver._forkserver._forkserver_pid
        assert server is not None
        for sig in GROUP_SIGNALS:
            os.kill(helper.process.pid, sig)
            os.kill(server, sig)
        # Delivered (or ignored) by now: a killed process would not answer.
        assert answers(helper) and helper.alive
        second = Helper("signal-test-2", ready)  # from the same forkserver, still there
        assert forkserver._forkserver._forkserver_pid == server and answers(second)
        second.close()
    finally:
        helper.close()
    assert helper.process.exitcode == 0  # closed by its owner, not by a signal


def terminated_crawl(web, data: Path, jobdir: Path,
                     sig: signal.Signals = signal.SIGTERM) -> tuple[int, str]:
    """A full-speed crawl in a process group of its own, sent sig as a group once
    STOP_AFTER pages are stored; its exit code and log."""
    cmd = [SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={data}", "-s", f"JOBDIR={jobdir}",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-a", f"start_urls={START}"]
    log = data.parent / "sigterm.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, env=crawl_env(web.proxy_url), stdout=fh,
                                stderr=fh, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while stored(data / "reports.db") < STOP_AFTER:
                assert proc.poll() is None, "the crawl ended before the signal"
                assert time.monotonic() < deadline, "the crawl made no progress"
                time.sleep(0.02)
            os.killpg(proc.pid, sig)  # as `timeout` or systemd do, or a closed terminal
            code = proc.wait(timeout=180)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return code, log.read_text()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_to_the_group_loses_nothing(web, reference, tmp_path, sig):
    # SIGHUP: the terminal or ssh session the crawl was started from closed.
    data, jobdir = tmp_path / "data", tmp_path / "job"
    code, log = terminated_crawl(web, data, jobdir, sig)
    if sig == signal.SIGHUP:
        assert "SIGHUP (the terminal or session closed): stopping as on SIGTERM" in log
    assert "Received SIGTERM, shutting down gracefully" in log
    assert "Spider closed (shutdown)" in log
    assert code == 0
    # No helper died: no page lost its cleaning, its records or its row.
    assert [line for line in log.splitlines() if " ERROR: " in line] == []
    db = check_archive(data / "warc", data / "reports.db")  # every stored page archived
    kept = db.execute("select count(*) from pages").fetchone()[0]
    db.close()
    assert STOP_AFTER <= kept < len(reference), "the signal came after the crawl's end"
    assert not marker(jobdir)["running"]  # a clean stop: the JOBDIR's queue goes on

    proc = crawl(data, web.proxy_url, "-s", f"JOBDIR={jobdir}", "-a", f"start_urls={START}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Resuming crawl" in proc.stderr
    check_complete(data / "warc", data / "reports.db", reference).close()


def wait_for_line(proc: subprocess.Popen, log: Path, line: str) -> None:
    deadline = time.monotonic() + 120
    while line not in log.read_text():
        assert proc.poll() is None, f"the crawl ended before {line!r}"
        assert time.monotonic() < deadline, f"no {line!r} in the log"
        time.sleep(0.02)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_spider_opens_shuts_down_cleanly(web, reference, tmp_path, sig):
    """Sent while the pipelines start their helpers: Scrapy's stop did nothing then (its
    engine was not running) and stopped the reactor under the half-open crawl, which then
    waited forever for helpers nobody had closed."""
    data, jobdir, log = tmp_path / "data", tmp_path / "job", tmp_path / "early.log"
    proc = start_crawl(data, web.proxy_url, log, "-s", f"JOBDIR={jobdir}",
                       "-a", f"start_urls={START}")
    try:
        wait_for_line(proc, log, "Spider opened")
        os.killpg(proc.pid, sig)
    finally:
        code = exit_code(proc)
    text = log.read_text()
    assert code == 0, text[-3000:]
    assert "Spider closed (shutdown)" in text
    assert [line for line in text.splitlines() if " ERROR: " in line] == []
    if list((data / "warc").glob("*.warc.gz")):  # it may have fetched a page or two
        check_archive(data / "warc", data / "reports.db").close()
    else:
        assert stored(data / "reports.db") == 0, "stored, never archived"
    assert not marker(jobdir)["running"]

    proc = crawl(data, web.proxy_url, "-s", f"JOBDIR={jobdir}", "-a", f"start_urls={START}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    check_complete(data / "warc", data / "reports.db", reference).close()


def test_a_process_that_never_closes_its_helpers_still_exits():
    """A crawl stopped by force (a second Ctrl-C) closes no helper: at exit they are let go
    and end, where multiprocessing's own exit hook waited for them forever."""
    script = ("from pipelines.procs import Helper, ready\n"
              "helper = Helper('left-open', ready)\n"
              "print(helper.process.pid, flush=True)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE,
                            text=True, start_new_session=True)
    assert proc.stdout is not None
    helper = int(proc.stdout.readline())
    assert exit_code(proc) == 0
    assert helper not in group_members(proc.pid)


FIRST_SPAWNED = r"""
import os, signal, sys, threading
signal.signal(signal.SIGTERM, lambda *a: None)  # the owner acts on it, as Scrapy does
from pipelines import procs
threading.Timer(float(sys.argv[1]), os.killpg, (os.getpgid(0), signal.SIGTERM)).start()
try:
    helper = procs.Helper("first-spawned", procs.ready, spawn=True)
except procs.HelperDied as exc:
    sys.exit(f"died: {exc}")
helper.close()
"""


@pytest.mark.parametrize("after", [0.0, 0.02, 0.05, 0.1])
def test_the_first_spawned_helper_outlives_a_group_signal_while_it_starts(after):
    """Spawning starts CPython's resource tracker, which unblocks the group's signals in the
    starting thread: started any later than first, it would let a SIGTERM sent to the group
    kill the helper before it ignores them."""
    proc = subprocess.run([sys.executable, "-c", FIRST_SPAWNED, str(after)], cwd=REPO,
                          capture_output=True, text=True, start_new_session=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_a_crawl_stopped_by_force_never_exits_0_unless_it_closed(web, tmp_path):
    """Ctrl-C twice: Scrapy stops the reactor under the crawl, whose close path (draining the
    helpers, finishing the WARC file and the crawls row) never runs, and pages in flight may
    be lost: a non-zero exit then.  Only a crawl that closed before the second signal
    (graceful shutdown was quicker) may exit 0, with everything it stored archived."""
    data, log = tmp_path / "data", tmp_path / "forced.log"
    proc = start_crawl(data, web.proxy_url, log, "-a", f"start_urls={START}")
    try:
        deadline = time.monotonic() + 120
        while stored(data / "reports.db") < STOP_AFTER // 4:
            assert proc.poll() is None, "the crawl ended before the signal"
            assert time.monotonic() < deadline, "the crawl made no progress"
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGINT)
        wait_for_line(proc, log, "shutting down gracefully")
        os.killpg(proc.pid, signal.SIGINT)
    finally:
        code = exit_code(proc)
    text = log.read_text()
    if "Spider closed" in text:
        assert code == 0, text[-3000:]
        check_archive(data / "warc", data / "reports.db").close()
    else:
        assert "forcing unclean shutdown" in text
        assert code == 1, text[-3000:]
        assert "the crawl was stopped by force before it closed" in text


def test_a_hang_up_while_the_crawl_stops_is_no_second_signal(web, tmp_path):
    # Ctrl-C, then the terminal window closed: the hang-up must not force the crawl down.
    data = tmp_path / "data"
    cmd = [SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={data}",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-a", f"start_urls={START}"]
    log = tmp_path / "crawl.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=REPO, env=crawl_env(web.proxy_url), stdout=fh,
                                stderr=fh, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while stored(data / "reports.db") < 5:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGINT)
        wait_for_line(proc, log, "Closing spider (shutdown)")
        with contextlib.suppress(ProcessLookupError):  # closed already: nothing to hang up
            os.killpg(proc.pid, signal.SIGHUP)
        code = proc.wait(timeout=180)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = log.read_text()
    assert code == 0, text[-3000:]
    assert "stopped by force" not in text and "finished: " in text
    assert "stopping as on SIGTERM" not in text
