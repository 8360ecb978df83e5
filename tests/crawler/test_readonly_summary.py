"""`scrapy summary` only reads the crawl database: opened read-only, never migrated nor
converted to WAL.  A database of an older schema is summarised as it is with one line saying
so and which commands update it; one that is not a crawl's is the one-line error."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from pipelines.store import migrations
from tests.crawler.test_bad_settings import one_line_error, scrapy


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
