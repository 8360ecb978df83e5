"""Damaged and hostile WARCs (issue 17), built here from a real crawl of the fixture web.

A flipped bit costs the one record it lands in, and the region is reported with file,
offset and length; a gzip bomb is its page's recorded error while extract's memory stays
far below the bomb; a status line of ``HTTP/1.1 99999999999999999999`` is a row with an
error, in the live crawl and in re-extraction alike.
"""

from __future__ import annotations

import shutil
import socketserver
import sqlite3
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.warcwriter import WARCWriter

from archive.reader import Entry, Problem, read_entries
from archive.records import archived_head, request_record, response_record
from fixtureweb.crawl import REPO, crawl, crawl_fixture_web
from fixtureweb.loopback import served
from pipelines.page import Fetch, Page
from pipelines.store.db import MAX_HEADER_CHARS, storable
from tests.e2e.test_archive_crawl import REPORT_URLS

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
ODD_STATUS = b"99999999999999999999"
MIB = 1 << 20
RSS_LIMIT_KIB = 400 * 1024  # the bomb inflates to 1 GiB; the limit is DOWNLOAD_MAXSIZE (64 MiB)
# Runs a command and writes the peak RSS of its largest process (KiB) to a file.
PEAK_RSS = ("import resource, subprocess, sys; rc = subprocess.run(sys.argv[2:]).returncode; "
            "open(sys.argv[1], 'w').write(str(resource.getrusage("
            "resource.RUSAGE_CHILDREN).ru_maxrss)); sys.exit(rc)")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("damaged")
    crawl_fixture_web(data)
    return data


def the_warc(data: Path) -> Path:
    [warc] = (data / "warc").glob("*.warc.gz")
    return warc


def entries(path: Path) -> tuple[list[Entry], list[Problem]]:
    problems: list[Problem] = []
    return list(read_entries(path, problems)), problems


def extract(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRAPY, "extract", "-s", f"DATA_DIR={data}", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=600)


def rows(db: Path, sql: str, *args: object) -> list[sqlite3.Row]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def archived_urls(db: Path) -> set[str]:
    return {r["url"] for r in rows(db, "select url from pages where warc_file is not null")}


def flipped(data: bytes, at: int, bit: int = 3) -> bytes:
    return data[:at] + bytes([data[at] ^ (1 << bit)]) + data[at + 1:]


def big_report(entries_: list[Entry]) -> Entry:
    """The largest report response: its member spans several of warcio's read blocks, where
    a damaged stream used to end the whole file."""
    return max((e for e in entries_ if e.record.rec_type == "response"
                and e.record.rec_headers.get_header("WARC-Target-URI") in REPORT_URLS),
               key=lambda e: e.length)


# -- a flipped bit ------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["deflate start", "middle", "crc", "size"])
def test_a_flipped_bit_costs_only_the_record_it_lands_in(crawled: Path, tmp_path: Path,
                                                         where: str) -> None:
    warc = the_warc(crawled)
    good, _ = entries(warc)
    hit = [good[len(good) // 3], big_report(good), good[-1]]
    for victim in hit:
        at = victim.offset + {"deflate start": 12, "middle": victim.length // 2,
                              "crc": victim.length - 7, "size": victim.length - 2}[where]
        damaged = tmp_path / warc.name
        damaged.write_bytes(flipped(warc.read_bytes(), at))
        read, problems = entries(damaged)
        assert [(e.offset, e.payload) for e in read] == \
            [(e.offset, e.payload) for e in good if e is not victim]
        # One region, where the record starts, as long as the record: nothing else skipped.
        assert problems == [Problem(warc.name, victim.offset, problems[0].message,
                                    victim.length)]


# The CRC's: found only at the member's end, in a later block of warcio's, which then
# took the file for one gzip stream and stopped (163 of 355 records read).
@pytest.mark.parametrize("where", ["middle", "crc"])
def test_extract_reads_every_other_record_after_a_bit_flip(crawled: Path, tmp_path: Path,
                                                           where: str) -> None:
    warc = the_warc(crawled)
    good, _ = entries(warc)
    victim = big_report(good)
    data = tmp_path / "data"
    (data / "warc").mkdir(parents=True)
    at = victim.offset + (victim.length // 2 if where == "middle" else victim.length - 7)
    (data / "warc" / warc.name).write_bytes(flipped(warc.read_bytes(), at))

    proc = extract(data)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # damage is not hidden
    # Only our lines: warcio's own prints (a bare zlib error, no file or offset) are not shown.
    assert [line for line in proc.stderr.splitlines()
            if not line.startswith(("extract: ", "damaged: "))] == []
    [damaged] = [line for line in proc.stderr.splitlines() if line.startswith("damaged: ")]
    assert damaged.startswith(f"damaged: {warc.name} at offset {victim.offset}: ")
    assert damaged.endswith(f"({victim.length} bytes skipped)")
    assert f"from {len(good) - 1} records in 1 files; 1 damaged regions skipped " \
        f"({victim.length} bytes)" in proc.stdout
    url = victim.record.rec_headers.get_header("WARC-Target-URI")
    assert archived_urls(data / "reports.db") == archived_urls(crawled / "reports.db") - {url}


def test_garbage_is_quoted_escaped_and_short(crawled: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(crawled / "warc", data / "warc")
    warc = the_warc(data)
    size = warc.stat().st_size
    garbage = bytes(range(256)) * 40  # control bytes, Latin-1, invalid UTF-8
    with open(warc, "ab") as fh:
        fh.write(garbage)
    proc = extract(data)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    [damaged] = [line for line in proc.stderr.splitlines() if line.startswith("damaged: ")]
    assert damaged.startswith(f"damaged: {warc.name} at offset {size}: ")
    assert damaged.endswith(f"({len(garbage)} bytes skipped)")
    # Printable ASCII only, the garbage shown escaped and cut, not as raw bytes.
    assert damaged.isascii() and damaged.isprintable() and len(damaged) < 300, damaged
    assert "\\x" in damaged or "\\u" in damaged


# -- a gzip bomb --------------------------------------------------------------------------

def gzip_of_zeros(size: int) -> bytes:
    """One gzip member inflating to size zero bytes (size a multiple of 1 MiB), in ~1 MB.

    Each MiB is deflated with a full flush, which resets the compressor, so every MiB
    compresses to the same bytes: built in a second instead of deflating the whole.
    """
    zeros = bytes(MIB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // MIB):
        crc = zlib.crc32(zeros, crc)
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + piece * (size // MIB)
            + deflate.flush() + struct.pack("<II", crc, size & 0xFFFFFFFF))


def fetch_records(url: str, head: bytes, body: bytes, n: int) -> list:
    """The response and request records of one archived fetch, as the crawl writes them."""
    date = "2026-01-02T03:04:05Z"
    response_id = f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>"
    return [response_record(url, archived_head(head), body, date, "127.0.0.1", response_id),
            request_record(url, "GET", [("Accept", "*/*")], b"", date, response_id,
                           {"depth": 1}, f"<urn:uuid:00000000-0000-4000-9000-{n:012d}>")]


def append_records(path: Path, records: list) -> None:
    with open(path, "ab") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        for record in records:
            writer.write_record(record)


def html_head(status: bytes, length: int, *extra: bytes) -> bytes:
    return (b"HTTP/1.1 " + status + b" OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + b"".join(line + b"\r\n" for line in extra)
            + b"Content-Length: %d\r\n\r\n" % length)


def test_a_gzip_bomb_is_a_recorded_error_in_bounded_memory(crawled: Path,
                                                           tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(crawled / "warc", data / "warc")
    bomb = gzip_of_zeros(1024 * MIB)
    # Also a payload archived uncompressed but larger than the limit (a foreign WARC's).
    huge = bytes(96 * MIB)
    append_records(the_warc(data), [
        *fetch_records("http://127.0.0.1:9/bomb.html",
                       html_head(b"200", len(bomb), b"Content-Encoding: gzip"), bomb, 1),
        *fetch_records("http://127.0.0.1:9/huge.html", html_head(b"200", len(huge)), huge, 2),
    ])
    del huge
    peak_file = tmp_path / "peak"
    proc = subprocess.run([sys.executable, "-c", PEAK_RSS, str(peak_file), SCRAPY, "extract",
                           "-s", f"DATA_DIR={data}"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # a bomb is no damaged archive
    peak_kib = int(peak_file.read_text())
    print(f"peak RSS of scrapy extract with a 1 GiB gzip bomb: {peak_kib // 1024} MiB")
    assert peak_kib < RSS_LIMIT_KIB
    db = data / "reports.db"
    for name in ("bomb", "huge"):
        url = f"http://127.0.0.1:9/{name}.html"
        [page] = rows(db, "select * from pages where url = ?", url)
        assert page["status"] == 200 and "exceeded DOWNLOAD_MAXSIZE" in page["error"]
        [error] = rows(db, "select * from errors where page_id = ?", page["id"])
        assert error["stage"] == "fetch" and "exceeded DOWNLOAD_MAXSIZE" in error["message"]
    # Everything else is still extracted.
    assert archived_urls(crawled / "reports.db") <= archived_urls(db)


# -- an absurd status line ------------------------------------------------------------------

def test_an_absurd_status_line_in_the_archive_is_a_row_with_an_error(tmp_path: Path) -> None:
    warc = tmp_path / "warc" / "odd.warc.gz"
    warc.parent.mkdir()
    body = b"<html><body><p>odd</p></body></html>"
    append_records(warc, [
        *fetch_records("http://127.0.0.1:9/odd.html", html_head(ODD_STATUS, len(body)), body, 1),
        *fetch_records("http://127.0.0.1:9/digits.html", html_head("٣٠٠".encode(), len(body)),
                       body, 2),
        *fetch_records("http://127.0.0.1:9/long.html",
                       html_head(b"200", len(body), b"ETag: " + b"x" * 100_000), body, 3),
    ])
    proc = extract(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    db = tmp_path / "reports.db"
    [odd] = rows(db, "select * from pages where url like '%/odd.html'")
    assert odd["status"] is None and ODD_STATUS.decode() in odd["error"]
    assert "not in 100..999" in odd["error"]
    [digits] = rows(db, "select * from pages where url like '%/digits.html'")
    assert digits["status"] is None and digits["error"]
    [long] = rows(db, "select * from pages where url like '%/long.html'")
    assert long["status"] == 200 and f"cut to {MAX_HEADER_CHARS}" in long["error"]
    messages = [r["message"] for r in rows(db, "select message from errors")]
    assert any("not in 100..999" in m for m in messages)
    assert any("cut to" in m for m in messages)


class OddStatus(socketserver.StreamRequestHandler):
    """Answers every page with the absurd status line; robots.txt and the rest: 404."""

    def handle(self) -> None:
        request_line = self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        body = b"<html><body><p>odd</p></body></html>"
        status = ODD_STATUS if b" /odd.html " in request_line else b"404"
        self.wfile.write(html_head(status, len(body), b"Connection: close") + body)


@pytest.fixture
def odd_server() -> Iterator[str]:
    with served(OddStatus) as base:
        yield base


def test_a_live_crawl_keeps_the_row_of_an_absurd_status_line(odd_server: str,
                                                              tmp_path: Path) -> None:
    url = f"{odd_server}/odd.html"
    proc = crawl(tmp_path, None, "-a", f"start_urls={url}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = tmp_path / "reports.db"
    [page] = rows(db, "select * from pages where url = ?", url)
    assert page["status"] is None and ODD_STATUS.decode() in page["error"]
    assert page["warc_file"]  # archived as received...
    [errors] = rows(db, "select count(*) from errors where page_id = ?", page["id"])
    assert errors[0] >= 1
    [crawl_row] = rows(db, "select finish_reason from crawls")
    assert crawl_row["finish_reason"] == "finished"
    read, problems = entries(tmp_path / "warc" / page["warc_file"])
    assert not problems
    assert any(e.record.http_headers is not None
               and e.record.http_headers.get_statuscode() == ODD_STATUS.decode()
               for e in read)
    # ...and re-extraction rebuilds the same row.
    rebuilt = tmp_path / "rebuilt.db"
    proc = extract(tmp_path, "--db", str(rebuilt))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [again] = rows(rebuilt, "select * from pages where url = ?", url)
    assert again["status"] is None and again["error"] == page["error"]


# -- what storable makes of values no column should take ----------------------------------

def test_storable_keeps_the_page_and_says_what_it_changed() -> None:
    page = Page(url="http://a.example/x", status=2**70, content_type="text/html" * 2000,
                headers={"ETag": "\ud800bad"}, depth=[1], error="HTTP 2**70",  # type: ignore[arg-type]
                fetches=[Fetch("http://a.example/", status=True),
                         Fetch("http://a.example/x", status=2**70, warc_offset=2**64)])
    fixed = storable(page)
    assert fixed.status is None and fixed.depth == 0
    assert len(fixed.content_type) == MAX_HEADER_CHARS
    assert fixed.headers["ETag"] == "?bad"
    assert [f.status for f in fixed.fetches] == [None, None]
    assert fixed.fetches[1].warc_offset is None
    assert fixed.error.startswith("HTTP 2**70; ")
    for words in ("not in 100..999", "True is not a number", "cut to", "not text",
                  "too large", "not a depth"):
        assert words in fixed.error, words
    ok = Page(url="http://a.example/", status=200, content_type="text/html")
    assert storable(ok) is ok
