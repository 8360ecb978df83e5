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
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.recovery import recover
from tests.crawling import REPO, SCRAPY, crawl_fixture_web
from tests.demo import crawl_env
from tests.fixtureweb import load_manifest
from tests.fixtureweb.server import running

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
