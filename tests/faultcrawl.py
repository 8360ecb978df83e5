"""Shared by the fault-injection tests (issue 17): crawl the fixture web for real, break it,
and check that nothing was stored unarchived, archived twice, or left damaged."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.resume import MARKER
from fixtureweb import load_manifest
from fixtureweb.crawl import REPO, SCRAPY, crawl_env
from fixtureweb.demo import warc_check

MANIFEST = load_manifest()
START = ",".join(site["start_url"] for site in MANIFEST["sites"])


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted on path for the block; the test is skipped where mounting
    is refused (not root, no mount rights in a container)."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                              capture_output=True, text=True)
    except FileNotFoundError:
        pytest.skip("no mount command: a tiny filesystem is needed to fill the disk for real")
    if proc.returncode != 0:
        pytest.skip(f"mounting a tmpfs was refused ({proc.stderr.strip()}): a tiny "
                    "filesystem is needed to fill the disk for real")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def resize(path: Path, size: str) -> None:
    """Free space the way an operator would: make the filesystem bigger."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def stored(db_path: Path) -> int:
    """Rows in pages, read while a crawl may be writing them (0 before the table exists)."""
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("select count(*) from pages").fetchone()[0]
    except sqlite3.Error:
        return 0


def marker(jobdir: Path) -> dict:
    return json.loads((jobdir / MARKER).read_text())


def records(warc_dir: Path) -> dict[tuple[str, int], tuple[str, str, str, str | None]]:
    """(file, offset) -> (type, target URI, record id, refers-to) of every whole record."""
    found = {}
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for rec in it:
                rec.content_stream().read()  # a truncated record raises here
                h = rec.rec_headers
                found[(path.name, it.get_record_offset())] = (
                    rec.rec_type, h.get_header("WARC-Target-URI"),
                    h.get_header("WARC-Record-ID"), h.get_header("WARC-Refers-To"))
    return found


def check_archive(warc_dir: Path, db_path: Path) -> sqlite3.Connection:
    """Every WARC whole and closed; every stored response archived, at the place its row says.

    Returns the database, for more checks.
    """
    assert not list(warc_dir.glob("*.open")), "a WARC file was left open"
    assert warc_check(warc_dir) == []  # gzip -t and warcio check, on every file
    recs = records(warc_dir)
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    # A row with a status had a response: it must point at that response's records.
    unarchived = [r["url"] for r in db.execute(
        "select url from pages where status is not null and warc_record_id is null")]
    assert unarchived == [], f"stored, never archived: {unarchived[:10]}"
    for row in db.execute("select * from pages where warc_file is not null"):
        kind, uri, rid, _ = recs[(row["warc_file"], row["warc_offset"])]
        assert (kind, uri, rid) == (row["warc_type"], row["url"], row["warc_record_id"])
    return db


def check_complete(warc_dir: Path, db_path: Path, reference: set[str]) -> sqlite3.Connection:
    """After the resume: every page of an uninterrupted crawl stored once and archived as one
    full response (a page fetched again is a revisit of it)."""
    db = check_archive(warc_dir, db_path)
    counts = Counter(u for (u,) in db.execute("select url from pages"))
    assert [u for u, n in counts.items() if n > 1] == []
    missing, extra = sorted(reference - set(counts)), sorted(set(counts) - reference)
    assert (missing, extra) == ([], []), "not the pages of an uninterrupted crawl"
    recs = records(warc_dir).values()
    responses = Counter(uri for kind, uri, _, _ in recs if kind == "response")
    assert [u for u, n in responses.items() if n > 1] == [], "archived twice"
    kinds = {rid: (kind, refers) for kind, _, rid, refers in recs}
    for url, rid in db.execute("select url, warc_record_id from pages "
                               "where warc_record_id is not null"):
        kind, refers_to = kinds[rid]
        assert kind == "response" or kinds[refers_to][0] == "response", url
    return db


def start_crawl(data_dir: Path, proxy_url: str, log: Path, *args: str) -> subprocess.Popen:
    """The real `scrapy crawl reports` in a process group of its own (signals go to the
    group, as from a terminal), its output in log."""
    cmd = [SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={data_dir}",
           "-s", "AUTOTHROTTLE_ENABLED=False", *args]
    with open(log, "w") as fh:
        return subprocess.Popen(cmd, cwd=REPO, env=crawl_env(proxy_url), stdout=fh, stderr=fh,
                                start_new_session=True)


def group_members(pgid: int) -> list[int]:
    """Processes of the group still running (zombies, already gone, are not counted)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(stat.parent.name))
    return found


def exit_code(proc: subprocess.Popen, deadline: float = 120) -> int:
    """The crawl's exit code once it and every process of its group are gone; a crawl
    still there after `deadline` seconds (a hang, not slowness) is killed and fails."""
    end = time.monotonic() + deadline
    while proc.poll() is None or group_members(proc.pid):
        if time.monotonic() > end:
            left = group_members(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            pytest.fail(f"still running {deadline:g} s on: {left} (a hang)")
        time.sleep(0.1)
    return proc.returncode
