"""One crawl per DATA_DIR (hostile-7 F16): a second crawl, an extract into its database or a
merge into it is refused at once while a crawl holds the folder; a crawl killed by SIGKILL
leaves no lock behind.

The crawls are real `scrapy crawl` processes against a loopback site whose start page is
held back until the test releases it, so the first crawl is certainly running (its request
in flight) while the others try: no timing is assumed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fixtureweb.crawl import REPO, SCRAPY
from tests.faultcrawl import exit_code, group_members

PAGE = "<html><head><title>首页</title></head><body><p>政府工作报告</p></body></html>"
DEADLINE = 120.0  # seconds: far beyond any start-up on a loaded machine


class GatedSite:
    """A loopback site whose start page answers only once `release` is called."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.requested = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/":
                    self.send_error(404)
                    return
                site.requested.set()
                site.gate.wait(DEADLINE * 3)
                body = PAGE.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                try:
                    self.end_headers()
                    self.wfile.write(body)
                except ConnectionError:  # the crawl that asked was killed meanwhile
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def hold(self) -> None:
        self.gate.clear()
        self.requested.clear()

    def release(self) -> None:
        self.gate.set()

    def wait_requested(self) -> None:
        assert self.requested.wait(DEADLINE), "the crawl never asked for the start page"


@pytest.fixture
def site() -> Iterator[GatedSite]:
    gated = GatedSite()
    thread = threading.Thread(target=gated.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gated
    finally:
        gated.release()
        gated.server.shutdown()
        gated.server.server_close()


def crawl_args(site: GatedSite, data: Path) -> list[str]:
    return [SCRAPY, "crawl", "reports", "-a", f"start_urls={site.url}", "-s", f"DATA_DIR={data}",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"DOWNLOAD_TIMEOUT={DEADLINE * 2:g}"]


def start_crawl(site: GatedSite, data: Path, log: Path) -> subprocess.Popen:
    with open(log, "w") as fh:
        return subprocess.Popen(crawl_args(site, data), cwd=REPO, stdout=fh, stderr=fh,
                                start_new_session=True)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRAPY, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=DEADLINE)


def refused(proc: subprocess.CompletedProcess[str], command: str, data: Path, pid: int) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"scrapy {command}: error: DATA_DIR {data} is in use by another crawl (pid {pid})"]


def finished(proc: subprocess.Popen, log: Path) -> None:
    assert exit_code(proc, DEADLINE) == 0, log.read_text()[-3000:]
    assert "Spider closed (finished)" in log.read_text()


def test_a_second_crawl_or_a_merge_into_a_running_crawl_is_refused(site, tmp_path):
    data = tmp_path / "data"
    site.hold()
    first = start_crawl(site, data, tmp_path / "first.log")
    try:
        site.wait_requested()  # crawling: its start page is in flight
        second = subprocess.run(crawl_args(site, data), cwd=REPO, capture_output=True,
                                text=True, timeout=DEADLINE)
        refused(second, "crawl", data, first.pid)
        worker = tmp_path / "worker.db"
        sqlite3.connect(worker).close()  # an empty database: merge checks its sources first
        refused(run("merge", "-s", f"DATA_DIR={data}", str(worker)), "merge", data, first.pid)
        assert first.poll() is None  # the refusals left the first crawl alone
    finally:
        site.release()
    finished(first, tmp_path / "first.log")
    with sqlite3.connect(data / "reports.db") as db:
        assert db.execute("select count(*) from pages where url = ?",
                          [site.url]).fetchone()[0] == 1  # one crawl wrote, once


def test_a_killed_crawl_leaves_no_lock_and_extract_waits_for_the_next(site, tmp_path):
    data = tmp_path / "data"
    site.hold()
    killed = start_crawl(site, data, tmp_path / "killed.log")
    try:
        site.wait_requested()
        # The crawl process alone, as the OOM killer does: its helpers may outlive it a
        # moment, and must not hold the lock.
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(DEADLINE)
        site.release()
        again = start_crawl(site, data, tmp_path / "again.log")
        finished(again, tmp_path / "again.log")
    finally:
        if group_members(killed.pid):
            os.killpg(killed.pid, signal.SIGKILL)
    # A crawl holds the folder: extract may not rebuild its database, but may write another.
    site.hold()
    third = start_crawl(site, data, tmp_path / "third.log")
    try:
        site.wait_requested()
        refused(run("extract", "-s", f"DATA_DIR={data}"), "extract", data, third.pid)
        assert (data / "reports.db").is_file()  # not deleted for the rebuild
        elsewhere = run("extract", "-s", f"DATA_DIR={data}", "--db", str(tmp_path / "x.db"))
        # Exit 1 only for the running crawl's .open file, which it does not read.
        assert "in use" not in elsewhere.stderr
        assert "rebuilt" in elsewhere.stdout, elsewhere.stderr
        with sqlite3.connect(tmp_path / "x.db") as db:
            assert db.execute("select count(*) from pages where url = ?",
                              [site.url]).fetchone()[0] == 1
    finally:
        site.release()
    finished(third, tmp_path / "third.log")
