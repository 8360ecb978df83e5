"""kill -9 in the middle of a crawl, then the same crawl again: nothing lost, nothing doubled.

The site is the benchmark's generated report site (a few hundred pages on loopback).  The
first crawl is killed with SIGKILL once part of it is stored; the second run (same command,
same DATA_DIR) finishes the abandoned ``.open`` WARC file and crawls to the end.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from bench.server import serving
from bench.sitegen import Site
from fixtureweb.crawl import REPO, SCRAPY, crawl

N_PAGES = 300


def _stored(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("select count(*) from pages").fetchone()[0]
    except sqlite3.Error:  # schema not there yet
        return 0


def _kill_midway(data: Path, args: list[str], at: int) -> int:
    cmd = [SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={data}",
           "-s", "AUTOTHROTTLE_ENABLED=False", *args]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _stored(data / "reports.db") < at:
        assert proc.poll() is None, "the crawl ended before it could be killed"
        assert time.monotonic() < deadline, "the crawl made no progress"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return _stored(data / "reports.db")


@pytest.fixture(scope="module")
def crashed(tmp_path_factory):
    data = tmp_path_factory.mktemp("crash")
    with serving(N_PAGES) as site:
        args = ["-a", f"start_urls={site.url}", "-s", f"DEPTH_LIMIT={site.depth + 1}",
                "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "DISCOVERY_MAX_PAGES=100000"]
        stored_at_kill = _kill_midway(data, args, at=N_PAGES // 3)
        open_files = list((data / "warc").glob("*.open"))
        proc = crawl(data, None, *args, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        urls = {site.url.rstrip("/") + path for path in Site(N_PAGES).paths()}
    db = sqlite3.connect(data / "reports.db")
    db.row_factory = sqlite3.Row
    yield data, db, urls, stored_at_kill, open_files
    db.close()


def _records(data: Path):
    for path in sorted((data / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for rec in it:
                rec.content_stream().read()  # a truncated record raises here
                yield path.name, it.get_record_offset(), rec


def test_kill_happened_midway_with_a_file_open(crashed):
    _, _, urls, stored_at_kill, open_files = crashed
    assert 0 < stored_at_kill < len(urls)
    assert open_files, "the killed crawl left no .open file: the test did not kill mid-write"


def test_every_warc_file_is_closed_and_valid(crashed):
    data = crashed[0]
    assert not list((data / "warc").glob("*.open"))
    files = [str(p) for p in sorted((data / "warc").glob("*.warc.gz"))]
    warcio = str(Path(sys.executable).with_name("warcio"))
    check = subprocess.run([warcio, "check", *files], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    for f in files:
        assert subprocess.run(["gzip", "-t", f]).returncode == 0


def test_every_page_in_exactly_one_complete_response_record(crashed):
    data, _, urls, _, _ = crashed
    responses = Counter(rec.rec_headers.get_header("WARC-Target-URI")
                        for _, _, rec in _records(data) if rec.rec_type == "response")
    missing = urls - set(responses)
    doubled = {u: n for u, n in responses.items() if u in urls and n > 1}
    assert not missing, sorted(missing)[:10]
    assert not doubled, sorted(doubled.items())[:10]


def test_at_most_one_row_per_page_and_fetch(crashed):
    data, db, urls, _, _ = crashed
    by_location = {(name, off): rec for name, off, rec in _records(data)}
    per_crawl = Counter((r["crawl_id"], r["url"]) for r in db.execute(
        "select crawl_id, url from pages"))
    assert max(per_crawl.values()) == 1
    fetched = {r["url"] for r in db.execute("select url from pages where status = 200")}
    assert urls <= fetched
    for row in db.execute("select * from pages where warc_file is not null"):
        rec = by_location[(row["warc_file"], row["warc_offset"])]
        assert rec.rec_headers.get_header("WARC-Target-URI") == row["url"]
    reports = Counter(r["url"] for r in db.execute(
        "select p.url from reports r join pages p on p.id = r.page_id"))
    assert reports and max(reports.values()) <= 2  # at most once per crawl


def test_database_integrity(crashed):
    _, db, _, _, _ = crashed
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
