"""kill -9 in the middle of a crawl: the next run finishes or cleanly truncates the .open file."""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import time
import zlib
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from archive.reader import read_entries
from archive.recovery import recover
from fixtureweb import load_manifest
from fixtureweb.crawl import REPO, SCRAPY, crawl_env, crawl_fixture_web
from fixtureweb.server import running

MANIFEST = load_manifest()
WARCIO = str(Path(sys.executable).with_name("warcio"))


def whole_members(data: bytes) -> int:
    """Number of complete gzip members at the start of data (independent of archive code)."""
    count = 0
    while data:
        inflater = zlib.decompressobj(wbits=31)
        try:
            inflater.decompress(data)
        except zlib.error:
            break
        if not inflater.eof:
            break
        count += 1
        data = inflater.unused_data
    return count


def kill_mid_crawl(data: Path, min_bytes: int = 60_000) -> Path:
    """Start a crawl, SIGKILL it once its WARC holds min_bytes; return the .open file."""
    with running() as web:
        start = ",".join(site["start_url"] for site in MANIFEST["sites"])
        proc = subprocess.Popen(
            [SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={data}", "-a", f"start_urls={start}",
             "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.02"],
            cwd=REPO, env=crawl_env(web.proxy_url), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                opened = list((data / "warc").glob("*.warc.gz.open"))
                if opened and opened[0].stat().st_size >= min_bytes:
                    break
                assert proc.poll() is None, "crawl ended before it could be killed"
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    [opened] = (data / "warc").glob("*.warc.gz.open")
    return opened


def test_kill_9_then_next_run_recovers(tmp_path):
    opened = kill_mid_crawl(tmp_path)
    # Every record closed before the kill is readable as it stands.
    with open(opened, "rb") as fh:
        kinds = [rec.rec_type for rec in ArchiveIterator(fh)]
    assert kinds[0] == "warcinfo" and "response" in kinds
    # Make the crash land mid-record for sure: a torn, half-written gzip member at the end.
    whole = opened.read_bytes()
    members = whole_members(whole)
    with open(opened, "ab") as fh:
        fh.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + os.urandom(5000))[:700])

    crawl_fixture_web(tmp_path)  # the next run

    assert not list((tmp_path / "warc").glob("*.open"))
    final = opened.with_name(opened.name.removesuffix(".open"))
    assert final.read_bytes() == whole  # cut at the last whole record, nothing else lost
    assert whole_members(final.read_bytes()) == members
    for f in (tmp_path / "warc").glob("*.warc.gz"):
        check = subprocess.run([WARCIO, "check", str(f)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        assert subprocess.run(["gzip", "-t", str(f)]).returncode == 0, f


def test_complete_open_file_is_renamed_unchanged(tmp_path):
    opened = kill_mid_crawl(tmp_path)
    whole = opened.read_bytes()
    whole = whole[: len(whole) - len(_trailing_partial(whole))]
    opened.write_bytes(whole)  # ends exactly at a record boundary
    [done] = recover(tmp_path / "warc")
    assert done.path == opened.with_name(opened.name.removesuffix(".open"))
    assert done.path.read_bytes() == whole and done.dropped == 0
    assert done.records == whole_members(whole)


def _trailing_partial(data: bytes) -> bytes:
    """The bytes after the last complete gzip member (what a crash may leave)."""
    rest = data
    while rest:
        inflater = zlib.decompressobj(wbits=31)
        try:
            inflater.decompress(rest)
        except zlib.error:
            return rest
        if not inflater.eof:
            return rest
        rest = inflater.unused_data
    return b""


def test_files_of_live_writers_and_empty_files(tmp_path):
    host = socket.gethostname().replace("-", "_").replace(".", "_")
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        live = tmp_path / f"gzbg-20260101000000000-00001-{host}-{sleeper.pid}.warc.gz.open"
        live.write_bytes(b"")
        empty = tmp_path / f"gzbg-20260101000000000-00001-{host}-999999999.warc.gz.open"
        empty.write_bytes(b"\x1f\x8b\x08\x00garbage")
        done = recover(tmp_path)
        assert live.exists()  # another process is still writing it: left alone
        assert not empty.exists() and [d.records for d in done] == [0]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_damage_between_whole_records_is_stepped_over_not_cut(tmp_path):
    """A member damaged on disk in the middle of a killed crawl's file: the records after it
    are kept (their rows point into the file); only the torn tail goes."""
    buf = BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="WARC/1.1")
    ends = []
    for i in range(5):
        writer.write_record(writer.create_warc_record(
            f"http://example.gov.cn/{i}.html", "resource", payload=BytesIO(b"x" * 500 + bytes([i])),
            warc_content_type="text/html"))
        ends.append(buf.tell())
    data = bytearray(buf.getvalue())
    data[ends[1] + 40] ^= 0x10  # inside the third record's deflate stream
    torn = data + data[ends[3]:ends[4]][:60]  # a sixth record cut off by the kill
    path = tmp_path / "gzbg-20260101000000000-00001-otherhost-1.warc.gz.open"
    path.write_bytes(bytes(torn))

    [done] = recover(tmp_path)
    assert done.path.name.endswith(".warc.gz") and done.records == 4
    kept = done.path.read_bytes()
    assert kept == bytes(data)  # the damaged member left in place, the torn tail cut
    problems: list = []
    read = [e.record.rec_headers.get_header("WARC-Target-URI")
            for e in read_entries(done.path, problems)]
    assert read == [f"http://example.gov.cn/{i}.html" for i in (0, 1, 3, 4)]
    assert len(problems) == 1 and problems[0].offset == ends[1]


def test_damage_in_the_first_record_does_not_delete_the_file(tmp_path):
    buf = BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="WARC/1.1")
    for i in range(2):
        writer.write_record(writer.create_warc_record(
            f"http://example.gov.cn/{i}.html", "resource", payload=BytesIO(b"y" * 300),
            warc_content_type="text/html"))
    data = bytearray(buf.getvalue())
    data[30] ^= 0x10
    path = tmp_path / "gzbg-20260101000000000-00001-otherhost-1.warc.gz.open"
    path.write_bytes(bytes(data))
    [done] = recover(tmp_path)
    assert done.records == 1 and done.path.exists() and done.path.read_bytes() == bytes(data)
