"""Cleaning has a time limit (CLEAN_TIMEOUT): a page over it is recorded as a `timeout` and
skipped, its worker is killed and replaced, and every other page, the ones queued behind it
on that worker included, is cleaned as usual: in the helper itself, in CleanPipeline, in a
real crawl and in `scrapy extract`.  The hanging page is tests.hangclean's stand-in cleaner,
which never returns and ignores every signal a helper may be sent short of SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.settings import Settings
from warcio.archiveiterator import ArchiveIterator

from archive.extract import _Run
from fixtureweb.loopback import served
from pipelines import procs
from pipelines.clean_pipeline import CleanPipeline
from pipelines.page import Fetch, Page
from tests import hangclean
from tests.paths import PAGES
from tests.pipelines.test_clean_pool import alive

PAGES = PAGES
REPO = PAGES.parents[1]
LIMIT = 3.0  # seconds: the stand-in pages take milliseconds, the hanging one forever


def normal_pages() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(PAGES.glob("*.html"))]


def hostile_body() -> bytes:
    return normal_pages()[0][1] + hangclean.HANG


@pytest.mark.parametrize("fork", [False, True], ids=["forkserver", "fork"])
def test_a_call_over_its_deadline_is_killed_and_the_queue_behind_it_moves_on(fork):
    helper = procs.Helper("budget", procs.ready, fork=fork)
    first = helper.process.pid

    async def run() -> list:
        calls = [helper.call(hangclean.echo, v, timeout=LIMIT) for v in ("a", "hang", "b", "c")]
        return await asyncio.gather(*calls, return_exceptions=True)

    try:
        a, hung, b, c = asyncio.run(run())
        assert a == ("a", first)
        assert isinstance(hung, procs.CallTimedOut) and "over 3 s" in str(hung)
        # The calls queued behind it were answered by a new process; the old one is gone.
        replacement = helper.process.pid
        assert b == ("b", replacement) and c == ("c", replacement) and replacement != first
        assert not alive(first) and helper.alive and helper.pending == 0
    finally:
        helper.close()


def test_the_deadline_counts_from_when_the_call_starts():
    # Three calls of 0.4 of the limit each, queued at once: together they take longer than
    # the limit, each alone does not.
    helper = procs.Helper("budget", procs.ready)

    async def run() -> list:
        calls = [helper.call(time.sleep, 0.4 * LIMIT, timeout=LIMIT)
                 for _ in range(3)]
        return await asyncio.gather(*calls)

    try:
        assert asyncio.run(run()) == [None, None, None]
    finally:
        helper.close()


def pipeline(workers: int, timeout: float) -> CleanPipeline:
    run = _Run(Settings({"CLEAN_ENABLED": True, "CLEAN_WORKERS": workers,
                         "CLEAN_TIMEOUT": timeout}))
    p = CleanPipeline.from_crawler(run)  # type: ignore[arg-type]
    asyncio.run(p.open_spider())
    return p


def page(name: str, body: bytes) -> Page:
    url = f"http://www.example.gov.cn/{name}"
    return Page(url=url, status=200, content_type="text/html", body=body,
                fetches=[Fetch(url, 200)])


def clean_all(p: CleanPipeline, pages: list[Page]) -> list[Page]:
    async def run() -> list[Page]:
        return list(await asyncio.gather(*(p.process_item(x) for x in pages)))
    return asyncio.run(run())


def test_a_page_over_the_limit_is_a_timeout_and_the_pages_behind_it_are_cleaned(monkeypatch):
    inline = clean_all(pipeline(0, LIMIT), [page(n, b) for n, b in normal_pages()])
    monkeypatch.setattr("pipelines.clean_pipeline.clean_fetched", hangclean.clean_fetched)
    p = pipeline(1, LIMIT)  # one worker: every other page waits behind the hostile one
    try:
        worker = p.helpers[0].process.pid
        hostile, *rest = clean_all(p, [page("hostile.html", hostile_body()),
                                       *(page(n, b) for n, b in normal_pages())])
        assert hostile.cleaned.errors == ["timeout: cleaning took over 3 s (CLEAN_TIMEOUT)"]
        assert not hostile.cleaned.text and not hostile.cleaned.is_report
        assert [x.cleaned for x in rest] == [x.cleaned for x in inline]
        assert not any(x.cleaned.errors for x in rest)
        assert p.stats.get_value("clean/timeouts") == 1
        assert p.stats.get_value("clean/worker_errors") is None
        assert p.helpers[0].alive and p.helpers[0].process.pid != worker and not alive(worker)
    finally:
        p.close_spider()


def test_no_limit_when_the_setting_is_zero():
    p = pipeline(1, 0)
    try:
        assert p.timeout == 0
        done = clean_all(p, [page(n, b) for n, b in normal_pages()[:1]])
        assert done[0].cleaned is not None and not done[0].cleaned.errors
    finally:
        p.close_spider()


# --- a real crawl, and `scrapy extract` of what it archived --------------------------------


@contextlib.contextmanager
def serving(pages: dict[str, bytes]) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    with served(Handler) as base:
        yield base


def scrapy_with_hang(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run([sys.executable, "-m", "tests.hangclean", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def errors_and_reports(db_path: Path) -> tuple[dict[str, list[str]], set[str], dict]:
    db = sqlite3.connect(db_path)
    try:
        errors: dict[str, list[str]] = {}
        for url, message in db.execute("select url, message from errors where stage = 'clean'"):
            errors.setdefault(url, []).append(message)
        reports = {url for (url,) in db.execute("select url from reports")}
        stats = json.loads(db.execute("select stats from crawls order by id desc").fetchone()[0])
    finally:
        db.close()
    return errors, reports, stats


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data = tmp_path_factory.mktemp("budget")
    site = {f"/{name}": body for name, body in normal_pages()}
    site["/hostile.html"] = hostile_body()
    with serving(site) as base:
        # The hostile page first: one worker, so the pages fetched after it queue behind it.
        urls = [f"{base}/hostile.html", *(f"{base}/{n}" for n, _ in normal_pages())]
        proc = scrapy_with_hang("crawl", "reports", "-a", "start_urls=" + ",".join(urls),
                                "-s", f"DATA_DIR={data}", "-s", f"CLEAN_TIMEOUT={LIMIT}",
                                "-s", "CLEAN_WORKERS=1", "-s", "AUTOTHROTTLE_ENABLED=False")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return data, urls, proc.stderr


def archived_urls(warc_dir: Path) -> set[str]:
    urls = set()
    for path in warc_dir.glob("*.warc.gz"):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    urls.add(record.rec_headers.get_header("WARC-Target-URI"))
    return urls


def check_outcome(db_path: Path, urls: list[str]) -> None:
    hostile, *others = urls
    errors, reports, stats = errors_and_reports(db_path)
    assert errors == {hostile: ["timeout: cleaning took over 3 s (CLEAN_TIMEOUT)"]}
    assert stats.get("clean/timeouts") == 1 and "clean/worker_errors" not in stats
    assert hostile not in reports
    # The report pages among the others were cleaned as reports, the hostile page's
    # neighbours on its worker included.
    report_pages = {u for u in others if u.rsplit("/", 1)[1].startswith("report_")}
    assert report_pages and report_pages <= reports


def test_a_crawl_records_the_timeout_archives_the_page_and_cleans_the_rest(crawled):
    data, urls, log = crawled
    check_outcome(data / "reports.db", urls)
    assert set(urls) <= archived_urls(data / "warc")  # the hostile page is archived too
    assert "took over 3 s: skipped, its worker replaced" in log


@pytest.mark.parametrize("workers", ["1", "2"])
def test_extract_applies_the_same_limit(crawled, tmp_path, workers):
    data, urls, _ = crawled
    db = tmp_path / "extracted.db"
    proc = scrapy_with_hang("extract", "-s", f"DATA_DIR={data}", "-s", f"CLEAN_TIMEOUT={LIMIT}",
                            "--db", str(db), "--workers", workers)
    assert proc.returncode == 0, proc.stderr[-3000:]
    check_outcome(db, urls)
    # The rebuild says it is not whole: the page over the limit has no text.
    assert ("not cleaned: 1 pages over CLEAN_TIMEOUT, 0 whose cleaning worker died twice"
            in proc.stderr), proc.stderr[-3000:]
