"""`scrapy extract` on redirects: a followed one is a hop of its final page, and one whose
target has no archived response (refused by the SSRF guard, a redirect loop, a failed
fetch) is still a row of its own, as the crawl wrote it; never a lost response."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from fixtureweb.crawl import REPO, SCRAPY

SITE = "http://www.example.gov.cn"


def exchange(writer: WARCWriter, n: int, url: str, status: str, headers: list[tuple[str, str]],
             body: bytes, meta: dict) -> None:
    """A response record and its request record, as archive.middleware writes them."""
    rid = f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(
        url, "response", payload=BytesIO(body), http_headers=http,
        warc_headers_dict={"WARC-Record-ID": rid}))
    request = StatusAndHeaders(f"GET {url} HTTP/1.1", [], is_http_request=True)
    writer.write_record(writer.create_warc_record(
        url, "request", payload=BytesIO(b""), http_headers=request,
        warc_headers_dict={"WARC-Concurrent-To": rid, "WARC-JSON-Metadata": json.dumps(meta)}))


def test_a_redirect_whose_target_was_never_fetched_is_still_a_row(tmp_path: Path) -> None:
    (tmp_path / "warc").mkdir()
    html = [("Content-Type", "text/html; charset=utf-8")]
    with open(tmp_path / "warc" / "a-00001.warc.gz", "wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        exchange(w, 1, f"{SITE}/", "200 OK", html, "<p>首页</p>".encode(), {"depth": 0})
        # Followed: the hop goes with its final page.
        exchange(w, 2, f"{SITE}/moved.html", "302 Found", [("Location", f"{SITE}/new.html")],
                 b"", {"depth": 1})
        exchange(w, 3, f"{SITE}/new.html", "200 OK", html, "<p>新</p>".encode(),
                 {"depth": 1, "redirect_urls": [f"{SITE}/moved.html"]})
        # Not followed (its target refused, so no response of it is archived).
        exchange(w, 4, f"{SITE}/away.html", "302 Found",
                 [("Location", "http://127.0.0.1:9/secret")], b"", {"depth": 1})
    proc = subprocess.run([SCRAPY, "extract", "-s", f"DATA_DIR={tmp_path}"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with sqlite3.connect(tmp_path / "reports.db") as db:
        rows = db.execute("select url, status, error from pages order by id").fetchall()
    by_url = {url: (status, error) for url, status, error in rows}
    assert len(rows) == len(by_url) == 4, rows  # every response once, hops too
    assert by_url[f"{SITE}/new.html"] == (200, None)
    status, error = by_url[f"{SITE}/away.html"]
    assert status == 302 and error and "http://127.0.0.1:9/secret" in error
