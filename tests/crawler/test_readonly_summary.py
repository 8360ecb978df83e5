"""`scrapy summary` only reads the crawl database: opened read-only, never migrated nor
converted to WAL.  A database of an older schema is summarised as it is with one line saying
so and which commands update it; one that is not a crawl's is the one-line error."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from pipelines.store import migrations
from tests.crawler.test_bad_settings import one_line_error, scrapy
from tests.shared import CORPUS


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def schema(path: Path, upto: int | None = None, wal: bool = False) -> Path:
    """A crawl database with the first `upto` migrations of ours (None: all of them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    if wal:
        db.enable_wal()
    names = [m.name for m in migrations.migrations.pending(db)]
    migrations.migrations.apply(db, stop_before=None if upto is None else names[upto])
    db["crawls"].insert({"spider": "reports", "started_at": "2024-01-01T00:00:00"})
    db.close()
    return path


def newer_schema(path: Path) -> Path:
    """A crawl database with a schema step this code does not know: a later version's."""
    schema(path)
    with sqlite3.connect(path) as con:
        con.execute("insert into _sqlite_migrations (migration_set, name, applied_at) "
                    "values ('gzbg', 'm999_later_step', '2030-01-01')")
    con.close()
    return path


def summary(data: Path, *args: str):
    return scrapy("summary", "-s", f"DATA_DIR={data}", *args)


@pytest.mark.parametrize("wal", [False, True])
def test_an_older_schema_is_read_as_it_is(tmp_path, wal):
    db = schema(tmp_path / "reports.db", upto=3, wal=wal)
    before = digest(db)
    proc = summary(tmp_path)
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    behind = len(migrations.migrations._migrations) - 3
    assert first == (f"{db}: its schema is {behind} steps older than this code's; read as it "
                     "is and left unchanged (the next `scrapy crawl`, `scrapy extract "
                     "--keep-db` or `scrapy merge` into it updates it)")
    assert "unfinished crawls (still running or killed): 1" in proc.stdout
    assert digest(db) == before
    with sqlite3.connect(db) as con:
        assert len(con.execute("select * from _sqlite_migrations").fetchall()) == 3


def test_what_an_older_schema_lacks_is_one_error_line(tmp_path):
    db = schema(tmp_path / "reports.db", upto=3)
    before = digest(db)
    proc = summary(tmp_path, "--plots", str(tmp_path / "plots"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith(f"scrapy summary: error: {db}: no such table")
    assert "updates its schema" in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert digest(db) == before


def test_a_newer_schema_is_said_and_read_as_it_is(tmp_path):
    db = newer_schema(tmp_path / "reports.db")
    before = digest(db)
    proc = summary(tmp_path)
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()[:2]
    assert first.startswith(f"{db}: its schema is newer than this code's (steps m999_later_step")
    assert second.startswith("pages: 0")
    assert digest(db) == before


def test_a_current_database_is_not_converted_to_wal(tmp_path):
    db = schema(tmp_path / "reports.db")  # rollback journal, as sqlite3 or a copy leaves it
    before = digest(db)
    proc = summary(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("pages: 0")
    assert digest(db) == before
    with sqlite3.connect(db) as con:
        assert con.execute("pragma journal_mode").fetchone()[0] == "delete"


@pytest.mark.parametrize("tables", [[], ["create table things (x)"]])
def test_a_database_that_is_not_a_crawls_is_left_alone(tmp_path, tables):
    db = tmp_path / "reports.db"
    with sqlite3.connect(db) as con:
        for sql in tables:
            con.execute(sql)
    con.close()
    before = digest(db)
    one_line_error(summary(tmp_path), "summary", f"{db}: not a crawl database")
    assert digest(db) == before


@contextlib.contextmanager
def read_only_copy(tmp_path: Path, files: dict[str, Path]) -> Iterator[Path]:
    """A folder on a tmpfs remounted read-only, holding copies of files (name: source); the
    test is skipped where mounting is refused (not root, no mount rights)."""
    mnt = tmp_path / "ro"
    mnt.mkdir()
    try:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)],
                              capture_output=True, text=True)
    except FileNotFoundError:
        pytest.skip("no mount command: a real read-only mount is what is tested")
    if proc.returncode != 0:
        pytest.skip(f"mounting a tmpfs was refused ({proc.stderr.strip()}): a real read-only "
                    "mount is what is tested")
    try:
        for name, source in files.items():
            shutil.copy(source, mnt / name)
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_wal_database_on_a_read_only_mount_is_read(tmp_path):
    """As a crawl leaves it: WAL, closed cleanly (no -wal, no -shm), on read-only media."""
    db = schema(tmp_path / "src" / "reports.db", wal=True)
    with read_only_copy(tmp_path, {"reports.db": db}) as data:
        proc = summary(data)
        assert proc.returncode == 0, proc.stderr
        assert "unfinished crawls (still running or killed): 1" in proc.stdout
        out = tmp_path / "x.csv"
        proc = scrapy("export", "-s", f"DATA_DIR={data}", "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        assert out.read_text(encoding="utf-8").startswith("id,")
        assert sorted(p.name for p in data.iterdir()) == ["reports.db"]


def test_unread_changes_in_a_wal_on_a_read_only_mount_are_said(tmp_path):
    """A -wal holding changes and no -shm (a crawl killed there): not read without them, and
    the one line says why, not that the file is no SQLite."""
    db = schema(tmp_path / "src" / "reports.db", wal=True)
    con = sqlite3.connect(db)
    con.execute("pragma wal_autocheckpoint = 0")
    con.execute("insert into crawls (spider, started_at) values ('reports', '2024-01-02')")
    con.commit()
    wal = db.with_name("reports.db-wal")
    assert wal.stat().st_size > 0
    try:
        with read_only_copy(tmp_path, {"reports.db": db, wal.name: wal}) as data:
            for proc, command in ((summary(data), "summary"),
                                  (scrapy("export", "-s", f"DATA_DIR={data}", "-o",
                                          str(tmp_path / "x.csv")), "export")):
                one_line_error(proc, command, "reports.db-wal", "cannot be written")
            assert not (tmp_path / "x.csv").exists()
    finally:
        con.close()


def test_extract_keep_db_refuses_a_newer_schema_before_it_starts(tmp_path):
    db = newer_schema(tmp_path / "reports.db")
    (tmp_path / "warc").mkdir()
    shutil.copy(CORPUS / "warc" / "warcio" / "test" / "data" / "example.warc.gz",
                tmp_path / "warc" / "a.warc.gz")
    before = digest(db)
    proc = scrapy("extract", "-s", f"DATA_DIR={tmp_path}", "--keep-db")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        f"scrapy extract: error: {db}: database written by a newer version of this code "
        "(schema steps m999_later_step are unknown here): use that version, or rebuild it "
        "from the WARC files with this one")
    assert digest(db) == before
