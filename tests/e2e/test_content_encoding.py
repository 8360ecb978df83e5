"""A real crawl of a loopback site whose reports come with lying, unknown, cut and damaged
Content-Encodings, then `scrapy extract` of its WARC files: both decide alike through
archive.contentcoding.decode (the same pages rows, errors and reports), a body not in its
claimed encoding is a report as it came, a cut stream is an error and no report, and the
WARC keeps every body as received."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import zlib
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from fixtureweb.crawl import REPO, SCRAPY, crawl
from fixtureweb.faults import report_page
from fixtureweb.loopback import PageHandler, served

REPORT = report_page()
GZIPPED = gzip.compress(REPORT)
ZLIBBED = zlib.compress(REPORT)
# path -> (body as served, Content-Encoding)
SERVED = {
    "/whole.html": (GZIPPED, "gzip"),
    "/lie.html": (REPORT + b"<!-- lie -->", "gzip"),  # plain HTML said to be gzip
    "/unknown.html": (REPORT + b"<!-- unknown -->", "x-foo, gzip"),
    "/cut.html": (GZIPPED[: len(GZIPPED) * 3 // 4], "gzip"),  # the stream's end missing
    "/cut-deflate.html": (ZLIBBED[: len(ZLIBBED) // 2], "deflate"),
    "/damaged.html": (GZIPPED[:-8] + b"\xff" * 8, "gzip"),  # wrong CRC and length
}


class _Site(PageHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/":
            links = "".join(f'<p><a href="{p}">报告{n}</a></p>' for n, p in enumerate(SERVED))
            self.send_page(f"<html><body>{links}</body></html>".encode())
            return
        if self.path not in SERVED:
            self.send_error(404)
            return
        body, coding = SERVED[self.path]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Encoding", coding)
        self.send_header("Content-Length", str(len(body)))  # right: only the stream is cut
        self.end_headers()
        self.wfile.write(body)


def rows(db_path: Path, base: str) -> tuple[dict[str, tuple], dict[str, int]]:
    """(url -> (status, error)) of pages and (url -> chars) of reports."""
    with sqlite3.connect(db_path) as db:
        pages = {url.removeprefix(base): (status, error) for url, status, error in
                 db.execute("select url, status, error from pages")}
        reports = {url.removeprefix(base): chars for url, chars in db.execute(
            "select p.url, r.chars from reports r join pages p on r.page_id = p.id")}
    return pages, reports


def archived_bodies(warc_dir: Path, base: str) -> dict[str, bytes]:
    found = {}
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh, no_record_parse=False):
                if rec.rec_type == "response":
                    url = rec.rec_headers.get_header("WARC-Target-URI").removeprefix(base)
                    found[url] = rec.raw_stream.read()  # the payload as received: no decoding
    return found


def test_crawl_and_extract_decide_alike_on_lying_and_broken_encodings(tmp_path: Path) -> None:
    data = tmp_path / "crawl"
    with served(_Site) as base:
        proc = crawl(data, None, "-a", f"start_urls={base}/", "-s", "DEPTH_LIMIT=1",
                     "-s", "DISCOVERY_SITEMAP=False", "-s", "ROBOTSTXT_OBEY=False",
                     "-s", "WARC_DEDUP_ENABLED=False", timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    pages, reports = rows(data / "reports.db", base)

    assert set(pages) == {"/", *SERVED}, pages
    for path in ("/whole.html", "/lie.html", "/unknown.html"):
        assert pages[path] == (200, None), path
        assert reports.get(path, 0) > 1000, (path, reports)  # the whole report
    assert pages["/cut.html"][1].startswith("BrokenEncoding: truncated gzip stream")
    assert pages["/cut-deflate.html"][1].startswith("BrokenEncoding: truncated deflate stream")
    assert pages["/damaged.html"][1].startswith("BrokenEncoding: damaged gzip stream")
    for path in ("/cut.html", "/cut-deflate.html", "/damaged.html"):
        assert pages[path][0] == 200 and path not in reports
    with sqlite3.connect(data / "reports.db") as db:
        stats = json.loads(db.execute("select stats from crawls order by rowid desc")
                           .fetchone()[0])
    assert stats.get("contentcoding/as_received") == 2
    assert stats.get("contentcoding/broken") == 3

    archived = archived_bodies(data / "warc", base)
    for path, (body, _) in SERVED.items():
        assert archived[path] == body, path

    again = tmp_path / "extracted.db"
    proc = subprocess.run([SCRAPY, "extract", "-s", f"DATA_DIR={data}", "--db", str(again)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert rows(again, base) == (pages, reports)
