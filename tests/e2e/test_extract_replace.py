"""`scrapy extract` without --keep-db rebuilds beside the database and replaces it only once
whole: a run that fails (a full disk) or is stopped (SIGTERM) leaves the old one as it was."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from fixtureweb.crawl import REPO, SCRAPY
from tests.e2e.test_extract_disk_full import archive
from tests.faultcrawl import tmpfs


def extract(data: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRAPY, "extract", "-s", f"DATA_DIR={data}",
                           "-s", f"SQLITE_PATH={db}", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def rows(db: Path) -> tuple[int, list[tuple]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        pages, = con.execute("select count(*) from pages").fetchone()
        crawls = con.execute("select source, finish_reason from crawls order by id").fetchall()
        assert con.execute("pragma integrity_check").fetchone() == ("ok",)
        return pages, crawls
    finally:
        con.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".rebuild" in p.name)


def test_a_full_disk_leaves_the_database_it_would_replace(tmp_path: Path) -> None:
    archive(tmp_path / "small" / "warc", 10)
    archive(tmp_path / "big" / "warc", 1000)
    with tmpfs(tmp_path / "disk", "4m") as disk:
        db = disk / "reports.db"
        assert extract(tmp_path / "small", db).returncode == 0
        before = rows(db)
        assert before == (10, [("extract", "finished")])
        proc = extract(tmp_path / "big", db, "--workers", "1")
        assert proc.returncode == 1, proc.stderr[-3000:]
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith("scrapy extract: error: ") and "disk is full" in last, last
        assert f"{db} is as it was" in last and "Traceback" not in proc.stderr
        assert rows(db) == before
        assert leftovers(disk) == []  # the partial rebuild is gone, its room free again


def test_sigterm_leaves_the_database_it_would_replace(tmp_path: Path) -> None:
    archive(tmp_path / "small" / "warc", 10)
    archive(tmp_path / "big" / "warc", 3000, files=3)
    db = tmp_path / "reports.db"
    assert extract(tmp_path / "small", db).returncode == 0
    before = rows(db)
    proc = subprocess.Popen([SCRAPY, "extract", "-s", f"DATA_DIR={tmp_path / 'big'}",
                             "-s", f"SQLITE_PATH={db}", "--workers", "1"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rebuild = db.with_name(db.name + ".rebuild")
    deadline = time.monotonic() + 120
    # Stopped once it writes pages into the rebuild (the event), well before its end.
    while proc.poll() is None and time.monotonic() < deadline:
        if rebuild.exists() and _pages(rebuild) > 0:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "extract ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-3000:]
    assert f"interrupted; {db} is as it was" in stderr
    assert rows(db) == before
    assert leftovers(tmp_path) == []


def _pages(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
        try:
            return con.execute("select count(*) from pages").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:  # not created yet, or busy
        return 0


def test_an_old_write_ahead_log_is_not_read_into_the_rebuild(tmp_path: Path) -> None:
    # A crawl killed with pages in its log leaves reports.db-wal beside reports.db: the
    # rebuild that replaces the database must not be read with that old log.
    archive(tmp_path / "data" / "warc", 20)
    db = tmp_path / "data" / "reports.db"
    con = sqlite3.connect(db)
    con.execute("pragma journal_mode=wal")
    con.execute("pragma wal_autocheckpoint=0")
    con.execute("create table pages (url text)")
    con.executemany("insert into pages values (?)", [(f"u{i}",) for i in range(500)])
    con.commit()
    shutil.copy(db.with_name("reports.db-wal"), tmp_path / "old-wal")
    con.close()
    shutil.copy(tmp_path / "old-wal", db.with_name("reports.db-wal"))
    proc = extract(tmp_path / "data", db)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert rows(db) == (20, [("extract", "finished")])
    assert leftovers(tmp_path / "data") == []


def test_a_linked_database_is_rebuilt_where_the_link_points(tmp_path: Path) -> None:
    archive(tmp_path / "small" / "warc", 10)
    archive(tmp_path / "data" / "warc", 20)
    real = tmp_path / "elsewhere" / "reports.db"
    real.parent.mkdir()
    assert extract(tmp_path / "small", real).returncode == 0
    link = tmp_path / "data" / "reports.db"
    link.symlink_to(real)
    proc = extract(tmp_path / "data", link)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert link.is_symlink() and link.resolve() == real
    assert rows(real)[0] == 20
