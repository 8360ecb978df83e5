"""`scrapy extract` on records other tools (or damage) left without what our writer adds."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from fixtureweb.crawl import REPO, SCRAPY


def response_record(url: str, body: bytes) -> bytes:
    """An uncompressed response record with no WARC-Record-ID (a mandatory field some
    writers, or a hand-edited file, still leave out)."""
    block = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
             b"Content-Length: %d\r\n\r\n" % len(body)) + body
    head = (f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
            "WARC-Date: 2026-01-02T03:04:05Z\r\n"
            "Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(block)}\r\n\r\n").encode()
    return head + block + b"\r\n\r\n"


def test_responses_without_a_record_id_are_each_a_page(tmp_path: Path) -> None:
    (tmp_path / "warc").mkdir()
    urls = [f"http://www.example.gov.cn/{i}.html" for i in range(3)]
    (tmp_path / "warc" / "a.warc").write_bytes(b"".join(
        response_record(url, f"<html><p>第{i}页</p></html>".encode())
        for i, url in enumerate(urls)))
    proc = subprocess.run([SCRAPY, "extract", "-s", f"DATA_DIR={tmp_path}"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with sqlite3.connect(tmp_path / "reports.db") as db:
        rows = db.execute("select url, status from pages order by id").fetchall()
    assert rows == [(url, 200) for url in urls]
