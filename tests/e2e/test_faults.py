"""One crawl of the fault-mode fixture web; one test per fault, on what the crawl recorded.

Every fault page is on www.faults.gov.cn (robots faults on their own hosts), served on
loopback through the fixture proxy, which never forwards.  Each test checks the decided
outcome (docs/faults.md) in the database and the WARC files.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from fixtureweb.crawl import REPO, SCRAPY, crawl, crawl_env
from fixtureweb.demo import warc_check
from fixtureweb.faults import DOMAIN, HOME, METADATA_URL, PRIVATE_URL, FaultWeb
from fixtureweb.server import running

F = f"http://www.{DOMAIN}"
TIMEOUT = 1.5  # DOWNLOAD_TIMEOUT of the crawl; the slow faults take 4 s
MAXSIZE = 1024 * 1024


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data = tmp_path_factory.mktemp("faults")
    trap = socket.socket()  # the loopback port /ssrf-redirect.html points at
    trap.bind(("127.0.0.1", 0))
    trap.listen(8)
    trap.setblocking(False)
    web_faults = FaultWeb(trap_port=trap.getsockname()[1], slow=4.0)
    with running(hook=web_faults) as web:
        proc = crawl(data, web.proxy_url, "-a", f"start_urls={HOME}",
                     "-s", f"DOWNLOAD_TIMEOUT={TIMEOUT}", "-s", f"DOWNLOAD_MAXSIZE={MAXSIZE}",
                     "-s", "ROBOTS_RETRY_DELAY=1", "-s", "ROBOTS_RETRY_TIMES=1",
                     "-s", "BACKOFF_BASE_DELAY=0.5", timeout=240)
    try:
        trap.accept()
        trap_connections = 1
    except BlockingIOError:
        trap_connections = 0
    trap.close()
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = sqlite3.connect(data / "reports.db")
    db.row_factory = sqlite3.Row
    yield Crawl(data, db, proc.stderr, web_faults, trap_connections)
    db.close()


class Crawl:
    def __init__(self, data: Path, db: sqlite3.Connection, log: str, web: FaultWeb,
                 trap_connections: int):
        self.data, self.db, self.log, self.web = data, db, log, web
        self.trap_connections = trap_connections
        self.records = []  # (type, uri, status, payload length, file, offset)
        for path in sorted((data / "warc").glob("*.warc.gz")):
            with open(path, "rb") as fh:
                it = ArchiveIterator(fh)
                for rec in it:
                    status = rec.http_headers.get_statuscode() if rec.http_headers else None
                    size = len(rec.raw_stream.read())  # as received, still encoded
                    self.records.append((rec.rec_type, rec.rec_headers.get_header(
                        "WARC-Target-URI"), status, size, path.name, it.get_record_offset()))

    def rows(self, url: str) -> list[sqlite3.Row]:
        return self.db.execute("select * from pages where url = ? order by id", [url]).fetchall()

    def responses(self, url: str) -> list[tuple]:
        return [r for r in self.records if r[0] in ("response", "revisit") and r[1] == url]

    def error(self, url: str) -> str:
        rows = self.rows(url)
        assert len(rows) == 1, [dict(r) for r in rows]
        assert rows[0]["error"], dict(rows[0])
        return rows[0]["error"]


# -- the crawl as a whole ---------------------------------------------------------------
def test_crawl_finishes_with_valid_warcs_and_no_unhandled_exception(crawled):
    assert "finish_reason': 'finished'" in crawled.log
    assert "Traceback" not in crawled.log
    assert not list((crawled.data / "warc").glob("*.open"))
    files = [str(p) for p in (crawled.data / "warc").glob("*.warc.gz")]
    warcio = str(Path(sys.executable).with_name("warcio"))
    check = subprocess.run([warcio, "check", *files], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    for f in files:
        assert subprocess.run(["gzip", "-t", f]).returncode == 0
    assert crawled.db.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_healthy_page_beside_the_faults_is_a_report(crawled):
    row = crawled.db.execute("select * from reports where url = ?",
                             [f"{F}/ok/report.html"]).fetchone()
    assert row is not None and row["region"] == "北票市" and len(row["text"]) > 1000


def test_every_failure_has_an_errors_row(crawled):
    failed = {r["url"] for r in crawled.db.execute("select url from pages where error is not null")}
    logged = {r["url"] for r in crawled.db.execute("select url from errors where stage='fetch'")}
    assert failed and failed <= logged


# -- one test per fault -----------------------------------------------------------------
def test_slower_than_timeout_is_retried_then_recorded(crawled):
    assert "DownloadTimeoutError" in crawled.error(f"{F}/slow.html")
    assert len(crawled.web.requests_to(f"www.{DOMAIN}", "/slow.html")) == 3  # 1 + RETRY_TIMES
    assert not crawled.responses(f"{F}/slow.html")


@pytest.mark.parametrize("path", ["/reset.html", "/short.html"])
def test_cut_body_is_never_archived_as_a_page(crawled, path):
    # Reset mid-body, or closed before Content-Length: a failed download, retried, recorded.
    assert "DataLoss" in crawled.error(F + path)
    assert len(crawled.web.requests_to(f"www.{DOMAIN}", path)) == 3
    assert not crawled.responses(F + path)  # no partial record in the WARC


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_succeeds_on_retry_after_backoff(crawled, status):
    url = f"{F}/flaky{status}.html"
    rows = crawled.rows(url)
    assert [r["status"] for r in rows] == [status, status, 200]
    assert not any(r["error"] for r in rows)
    # Every attempt archived as received, each its own complete record.
    assert [r[2] for r in crawled.responses(url)] == [str(status), str(status), "200"]
    times = crawled.web.requests_to(f"www.{DOMAIN}", f"/flaky{status}.html")
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # Retry-After: 1 and a doubling host delay (±50% jitter): never an immediate retry.
    assert len(gaps) == 2 and min(gaps) >= 0.45, gaps


def test_redirect_loop_gives_up_with_a_row(crawled):
    assert "redirect loop" in crawled.error(f"{F}/loop/b.html")
    assert crawled.rows(f"{F}/loop/a.html")[0]["status"] == 302
    assert len(crawled.web.requests_to(f"www.{DOMAIN}", "/loop/a.html")) == 1


def test_calendar_trap_is_bounded_by_depth(crawled):
    trap = crawled.db.execute("select count(*), max(depth) from pages where url like ?",
                              [f"{F}/trap/%"]).fetchone()
    # Four links per month page, depth 1 to DEPTH_LIMIT (6): a diamond of at most 61 pages.
    assert 20 < trap[0] <= 61 and trap[1] <= 6


@pytest.mark.parametrize("path", ["/big.html", "/big-chunked.html"])
def test_page_over_size_limit_is_cancelled_and_recorded(crawled, path):
    assert "DownloadCancelledError" in crawled.error(F + path)
    assert not crawled.responses(F + path)


def test_gzip_bomb_is_stopped_at_the_size_limit(crawled):
    assert "exceeded DOWNLOAD_MAXSIZE" in crawled.error(f"{F}/bomb.html")
    # The bytes as received (small) are archived; nothing decompressed is kept.
    [(_, _, status, size, _, _)] = crawled.responses(f"{F}/bomb.html")
    assert status == "200" and size <= MAXSIZE


def test_charset_contradicting_the_body_is_decoded_from_the_bytes(crawled):
    row = crawled.db.execute("select * from reports where url = ?",
                             [f"{F}/charset.html"]).fetchone()
    assert row is not None, "GBK page declared utf-8 was not recognised as a report"
    assert row["region"] == "北镇市" and "\ufffd" not in row["text"]
    assert "政府工作报告" in row["title"]


def test_malformed_deeply_nested_html_is_recorded(crawled):
    [row] = crawled.rows(f"{F}/malformed.html")
    assert row["status"] == 200 and not row["error"] and not row["is_report"]


def test_hostile_entities_are_never_resolved(crawled):
    [row] = crawled.rows(f"{F}/hostile.html")
    assert row["status"] == 200
    texts = " ".join(t for (t,) in crawled.db.execute("select text from reports"))
    assert "root:" not in texts and "lollollol" not in texts
    # An external entity pointing at a private address was not fetched either.
    assert not crawled.web.requests_to("10.0.0.1")


def test_binary_served_as_html_is_recorded_not_fatal(crawled):
    [row] = crawled.rows(f"{F}/binary.html")
    assert row["status"] == 200 and not row["is_report"]
    assert crawled.responses(f"{F}/binary.html")


@pytest.mark.parametrize("host", ["robots500", "robotsslow"])
def test_unreachable_robots_txt_means_host_not_crawled(crawled, host):
    name = f"{host}.{DOMAIN}"
    assert "robots.txt unreachable" in crawled.error(f"http://{name}/")
    # Fetched again later (RFC 9309: retried), but never a page of the host.
    assert {p for _, h, p in crawled.web.seen if h == name} == {"/robots.txt"}
    assert len(crawled.web.requests_to(name, "/robots.txt")) == 6  # 2 rounds of 1 + 2 retries


def test_robots_txt_back_after_an_outage_is_obeyed(crawled):
    name = f"robotsflaky.{DOMAIN}"
    assert crawled.rows(f"http://{name}/public.html")[0]["status"] == 200
    assert "Forbidden by robots.txt" in crawled.error(f"http://{name}/private/secret.html")
    assert not crawled.web.requests_to(name, "/private/secret.html")


def test_links_to_metadata_and_private_addresses_are_never_requested(crawled):
    for host in ("169.254.169.254", "10.0.0.1", "::ffff:10.0.0.1", "[::ffff:10.0.0.1]"):
        assert not crawled.web.requests_to(host)
    assert f"refused link to {METADATA_URL}" in crawled.log
    assert f"refused link to {PRIVATE_URL}" in crawled.log


def test_redirect_to_loopback_is_refused_and_recorded(crawled):
    assert "SSRF guard: 127.0.0.1 is loopback" in crawled.error(f"{F}/ssrf-redirect.html")
    assert crawled.trap_connections == 0
    assert "'ssrf/refused': 5" in crawled.log


def test_redirect_to_a_name_resolving_to_loopback_is_refused(crawled):
    error = crawled.error(f"{F}/ssrf-redirect-name.html")
    assert "localhost resolves to 127.0.0.1, loopback" in error


# -- prompt close: a crawl waiting on a host is interrupted (docs/faults.md) ---
# Each crawl below would wait an hour (robots.txt retry, backoff) if the close waited for
# it; it must end within CLOSE_DEADLINE of the signal.  A liveness bound, not a speed test:
# DOWNLOAD_TIMEOUT plus a margin for a loaded machine.
WAIT = 3600
CLOSE_TIMEOUT = 5  # DOWNLOAD_TIMEOUT of these crawls
CLOSE_DEADLINE = CLOSE_TIMEOUT + 60
NOT_FETCHED = "not fetched: crawl closed while waiting for"
PAGE = f"{F}/hostile.html"  # a page of another host, linking nowhere: stored at once


def stored(data: Path, sql: str, args: tuple = ()) -> list[tuple]:
    if not (data / "reports.db").exists():
        return []
    db = sqlite3.connect(data / "reports.db", timeout=30)
    try:
        return db.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # the tables are not there yet
        return []
    finally:
        db.close()


class Interrupted:
    """A crawl in a process group of its own (as a terminal's job), its log in a file."""

    def __init__(self, data: Path, web_url: str, *args: str):
        self.data = data
        self.log_path = data.with_suffix(".log")
        cmd = [SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={data}",
               "-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"DOWNLOAD_TIMEOUT={CLOSE_TIMEOUT}",
               *args]
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(cmd, cwd=REPO, env=crawl_env(web_url), stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.closed_in: float | None = None

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def wait_for(self, ready: Callable[[], bool], what: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            assert self.proc.poll() is None, f"the crawl ended before {what}:\n{self.log[-3000:]}"
            assert time.monotonic() < deadline, f"no {what} after {timeout}s"
            time.sleep(0.1)

    def ended_within(self, timeout: float) -> int:
        """Wait for the exit, at most timeout seconds; its return code."""
        start = time.monotonic()
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the crawl was still running {timeout}s later:\n{self.log[-3000:]}")
        self.closed_in = time.monotonic() - start
        return code

    def interrupt(self) -> int:
        """Ctrl-C to the whole group; the exit code, once it ended within CLOSE_DEADLINE."""
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.ended_within(CLOSE_DEADLINE)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@pytest.fixture
def fault_web():
    faults = FaultWeb()
    with running(hook=faults) as web:
        yield web, faults
        faults.hold.set()  # let robotshang's hanging answers go


@pytest.fixture
def interrupted(fault_web):
    crawls: list[Interrupted] = []

    def start(data: Path, *args: str) -> Interrupted:
        crawls.append(Interrupted(data, fault_web[0].proxy_url, *args))
        return crawls[-1]

    yield start
    for c in crawls:
        c.kill()


def assert_sound(data: Path, log: str) -> None:
    """Exit after a clean close: nothing stored that is not archived, nothing archived twice,
    every WARC file whole."""
    assert "Traceback" not in log, log[-3000:]
    assert not list((data / "warc").glob("*.open"))
    assert warc_check(data / "warc") == []
    assert stored(data, "select url from pages where status is not null and warc_file is null") == []
    places = Counter(stored(data, "select warc_file, warc_offset from pages "
                                  "where warc_file is not null"))
    assert [p for p, n in places.items() if n > 1] == []


def robots_unreachable_logged(c: Interrupted, host: str) -> Callable[[], bool]:
    # The host's first robots.txt round failed: its requests now wait for the retry.
    return lambda: f"robots.txt of {host} unreachable" in c.log and bool(
        stored(c.data, "select 1 from pages where url = ?", (PAGE,)))


def test_ctrl_c_does_not_wait_for_robots_txt_retries(tmp_path, interrupted, fault_web):
    _, web = fault_web
    down, hang = f"robots500.{DOMAIN}", f"robotshang.{DOMAIN}"
    c = interrupted(tmp_path / "data", "-a", f"start_urls=http://{down}/,http://{hang}/,{PAGE}",
                    "-s", f"ROBOTS_RETRY_DELAY={WAIT}")
    c.wait_for(robots_unreachable_logged(c, down), "robots.txt round and stored page")
    assert c.interrupt() == 0
    log = c.log
    assert "'finish_reason': 'shutdown'" in log
    assert_sound(c.data, log)
    # Without a JOBDIR nothing can resume: every request that waited has its row, and the
    # hosts were never asked for a page.
    for host in (down, hang):
        for url in (f"http://{host}/", f"http://{host}/sitemap.xml"):
            [(error,)] = stored(c.data, "select error from pages where url = ?", (url,))
            assert f"{NOT_FETCHED} robots.txt of {host}" in error
        assert {p for _, h, p in web.seen if h == host} == {"/robots.txt"}


def test_ctrl_c_keeps_requests_waiting_for_robots_txt_in_the_jobdir(tmp_path, interrupted,
                                                                   fault_web):
    _, web = fault_web
    host = f"robotsflaky.{DOMAIN}"  # robots.txt: 503 three times, then rules
    start = f"start_urls=http://{host}/,{PAGE}"
    data, jobdir = tmp_path / "data", tmp_path / "job"
    c = interrupted(data, "-a", start, "-s", f"JOBDIR={jobdir}",
                    "-s", f"ROBOTS_RETRY_DELAY={WAIT}")
    c.wait_for(robots_unreachable_logged(c, host), "robots.txt round and stored page")
    assert c.interrupt() == 0
    assert_sound(data, c.log)
    assert "'promptclose/requeued': 2" in c.log  # the host's start page and sitemap
    assert stored(data, "select url from pages where url like ? and url not like ?",
                  (f"http://{host}/%", "%/robots.txt")) == []
    # The resumed job fetches them (from the JOBDIR queue: the start URLs are seen already).
    resumed = crawl(data, fault_web[0].proxy_url, "-a", start, "-s", f"JOBDIR={jobdir}",
                    "-s", "ROBOTS_RETRY_DELAY=0.2", timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Resuming crawl" in resumed.stderr
    assert_sound(data, resumed.stderr)
    [(status, error)] = stored(data, "select status, error from pages where url = ?",
                               (f"http://{host}/",))
    assert status == 200 and error is None
    assert web.requests_to(host, "/public.html")  # and its links were followed


def test_ctrl_c_does_not_wait_for_backoff(tmp_path, interrupted, fault_web):
    _, web = fault_web
    host = f"down.{DOMAIN}"  # every page 503
    urls = [f"http://{host}/{n}.html" for n in range(4)]
    # One request at a time (a download delay keeps the slot from starting its whole queue
    # at once) and no retries: the first 503 is recorded at once, and raises the host's
    # delay to an hour for the others, queued behind it.
    c = interrupted(tmp_path / "data", "-a", f"start_urls={','.join(urls)}",
                    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "DOWNLOAD_DELAY=0.5",
                    "-s", "RETRY_TIMES=0",
                    "-s", f"BACKOFF_BASE_DELAY={WAIT}", "-s", f"BACKOFF_MAX_DELAY={WAIT}")
    c.wait_for(lambda: bool(stored(c.data, "select 1 from pages where status = 503")),
               "503 row")
    assert c.interrupt() == 0
    assert_sound(c.data, c.log)
    rows = stored(c.data, "select url, status, error from pages where url like ? "
                  "and url not like '%/robots.txt'", (f"http://{host}/%",))
    # Every request of the host has its one row: fetched (503), or left waiting for the
    # host's delay and recorded as not fetched, never sent.
    assert sorted(u for u, _, _ in rows) == sorted([*urls, f"http://{host}/sitemap.xml"])
    fetched = [u for u, status, _ in rows if status == 503]
    waited = [(u, e) for u, status, e in rows if status is None]
    assert len(fetched) == 1 and len(waited) == 4
    assert all(f"{NOT_FETCHED} its turn at {host}" in e for _, e in waited)
    assert [p for _, h, p in web.seen if h == host and p != "/robots.txt"] == [
        fetched[0].removeprefix(f"http://{host}")]


def test_closespider_timeout_does_not_wait_for_robots_txt(tmp_path, interrupted):
    host = f"robots500.{DOMAIN}"
    c = interrupted(tmp_path / "data", "-a", f"start_urls=http://{host}/,{PAGE}",
                    "-s", f"ROBOTS_RETRY_DELAY={WAIT}", "-s", "CLOSESPIDER_TIMEOUT=10")
    # Startup on a loaded machine, the timeout, then the close itself.
    assert c.ended_within(180 + CLOSE_DEADLINE) == 0
    log = c.log
    assert "'finish_reason': 'closespider_timeout'" in log
    assert f"robots.txt of {host} unreachable" in log  # it was waiting when the timeout came
    assert_sound(c.data, log)
    [(error,)] = stored(c.data, "select error from pages where url = ?", (f"http://{host}/",))
    assert f"{NOT_FETCHED} robots.txt of {host}" in error
