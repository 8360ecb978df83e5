"""The database: migrations that re-apply safely, keys Datasette can show, metadata for every
column, and WAL with one writer: readers during a crawl and a crash mid-crawl both see a
consistent database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import sqlite_utils
import yaml

from crawler.commands.summary import summarize
from fixtureweb import load_manifest
from fixtureweb.crawl import REPO, SCRAPY, crawl_env
from pipelines.clean.result import CleanResult
from pipelines.page import Page
from pipelines.store import migrations
from pipelines.store.db import open_db
from pipelines.store.record import record_page
from tests.browsing import datasette, get_json

METADATA = yaml.safe_load((REPO / "datasette.yml").read_text("utf-8"))["databases"]["reports"]
TABLES = {"crawls", "pages", "reports", "removals", "errors"}


def schema(db) -> list[tuple]:
    return list(db.execute("select type, name, sql from sqlite_master order by name"))


def user_tables(db) -> set[str]:
    # reports_fts, its shadow tables and its content view are the search index.  Views
    # (coverage) are described in the metadata like tables.
    return {t for t in [*db.table_names(), *db.view_names()] if not t.startswith("reports_fts")}


def searched(db, term: str) -> list[str]:
    """URLs of the reports the search index finds term in (through text_id, as Datasette)."""
    return [r[0] for r in db.execute(
        "select url from reports where text_id in"
        " (select rowid from reports_fts where reports_fts match ?) order by id", [term])]


def test_migrations_apply_once_and_reapply_as_no_ops(tmp_path):
    db = open_db(tmp_path / "r.db")
    first, applied = schema(db), [m.name for m in migrations.migrations.applied(db)]
    db.close()
    db = open_db(tmp_path / "r.db")
    assert schema(db) == first
    assert [m.name for m in migrations.migrations.applied(db)] == applied
    # Other steps may follow (appended by other features); these come first, in this order.
    assert applied[:3] == ["m001_tables", "m002_reports_fts", "m003_report_clusters"]
    assert migrations.migrations.pending(db) == []
    assert user_tables(db) >= TABLES | {"_sqlite_migrations", "clusters", "report_copies",
                                        "known_sites", "coverage"}


def test_an_older_database_is_brought_up_to_date_keeping_its_rows(tmp_path):
    db = sqlite_utils.Database(tmp_path / "r.db")
    migrations.migrations.apply(db, stop_before="m002_reports_fts")
    assert not db["reports_fts"].exists()
    db["pages"].insert({"id": 1, "url": "http://a.gov.cn/"})
    db["reports"].insert({"page_id": 1, "url": "http://a.gov.cn/", "title": "2022年政府工作报告",
                          "text": "启动运营冰汤圆主题景区"})
    db.close()
    db = open_db(tmp_path / "r.db")
    assert searched(db, "冰汤圆") == ["http://a.gov.cn/"]


def test_a_database_from_before_migrations_is_refused_clearly(tmp_path):
    old = sqlite3.connect(tmp_path / "r.db")
    old.execute("create table pages (url text primary key, status integer)")
    old.commit()
    old.close()
    with pytest.raises(ValueError, match="older, unversioned schema"):
        open_db(tmp_path / "r.db")


def test_a_database_of_a_newer_schema_is_refused_for_writing(tmp_path):
    open_db(tmp_path / "r.db").close()
    later = sqlite3.connect(tmp_path / "r.db")
    later.execute("insert into _sqlite_migrations (migration_set, name, applied_at) "
                  "values ('gzbg', 'm999_later_step', '2030-01-01')")
    later.commit()
    later.close()
    with pytest.raises(ValueError, match="newer version of this code .*m999_later_step"):
        open_db(tmp_path / "r.db")


def test_keys_and_indexes_datasette_shows(tmp_path):
    db = open_db(tmp_path / "r.db")
    fks = {(t, fk.column, fk.other_table, fk.other_column)
           for t in TABLES for fk in db[t].foreign_keys}
    assert fks == {
        ("pages", "crawl_id", "crawls", "id"),
        ("reports", "page_id", "pages", "id"), ("reports", "crawl_id", "crawls", "id"),
        ("removals", "page_id", "pages", "id"), ("removals", "report_id", "reports", "id"),
        ("errors", "page_id", "pages", "id"), ("errors", "crawl_id", "crawls", "id"),
    }
    assert all(db[t].pks == ["id"] for t in TABLES)
    indexed = {(t, tuple(i.columns), i.unique) for t in TABLES for i in db[t].indexes}
    assert ("pages", ("warc_file", "warc_offset"), 1) in indexed
    assert ("reports", ("page_id",), 1) in indexed
    for facet in METADATA["tables"]["reports"]["facets"]:
        assert any(t == "reports" and cols[0] == facet for t, cols, _ in indexed), facet
    assert db.journal_mode == "wal"
    assert db.execute("pragma foreign_keys").fetchone() == (1,)


def test_metadata_describes_every_table_and_column(tmp_path):
    db = open_db(tmp_path / "r.db")
    tables = METADATA["tables"]
    assert set(tables) == user_tables(db)
    for name in user_tables(db):
        meta = tables[name]
        assert meta["title"] and meta["description"], name
        assert set(meta["columns"]) == set(db[name].columns_dict), name
        assert all(meta["columns"].values()), name
        for key in ("sort", "sort_desc", "label_column"):
            if key in meta:
                assert meta[key] in db[name].columns_dict
        assert set(meta.get("facets", [])) <= set(db[name].columns_dict)
    # Every canned query runs against the schema.
    for name, query in METADATA["queries"].items():
        assert query["title"] and query["description"], name
        db.execute(query["sql"], {"term": "冰汤圆"}).fetchall()


def slow_crawl(data_dir: Path, proxy_url: str) -> subprocess.Popen:
    """The real crawl, paced so that a test can watch (and interrupt) it mid-way."""
    start = ",".join(site["start_url"] for site in load_manifest()["sites"])
    cmd = [SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={data_dir}", "-a", f"start_urls={start}",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.1",
           "-s", "RANDOMIZE_DOWNLOAD_DELAY=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    return subprocess.Popen(cmd, cwd=REPO, env=crawl_env(proxy_url),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def reader(path: Path) -> sqlite3.Connection | None:
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        conn.execute("select count(*) from reports").fetchone()
        return conn
    except sqlite3.OperationalError:  # not created yet, or schema not applied yet
        return None


def consistency(conn: sqlite3.Connection) -> dict[str, object]:
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "integrity": one("pragma integrity_check"),
        "fk_violations": len(conn.execute("pragma foreign_key_check").fetchall()),
        "orphan_reports": one("select count(*) from reports where page_id not in"
                              " (select id from pages)"),
        "reports_missing": one("select count(*) from pages where is_report = 1 and id not in"
                               " (select page_id from reports)"),
        "orphan_removals": one("select count(*) from removals where page_id not in"
                               " (select id from pages)"),
    }


CONSISTENT = {"integrity": "ok", "fk_violations": 0, "orphan_reports": 0,
              "reports_missing": 0, "orphan_removals": 0}


def test_reading_while_a_crawl_writes(tmp_path, web):
    path = tmp_path / "reports.db"
    seen = []
    proc = slow_crawl(tmp_path, web.proxy_url)
    try:
        conn = None
        while proc.poll() is None:
            conn = conn or reader(path)
            if conn is not None:
                assert consistency(conn) == CONSISTENT
                seen.append(conn.execute("select count(*) from pages").fetchone()[0])
            time.sleep(0.1)
    finally:
        proc.kill() if proc.poll() is None else None
        proc.wait()
    assert proc.returncode == 0
    during = sorted(set(seen))
    assert seen == sorted(seen) and len(during) >= 5, during  # it grew while we read
    final = sqlite3.connect(path)
    assert consistency(final) == CONSISTENT
    assert final.execute("select count(*) from pages").fetchone()[0] >= during[-1]
    assert final.execute("select finished_at is not null from crawls").fetchone() == (1,)


def test_a_crash_mid_crawl_leaves_the_database_consistent(tmp_path, web):
    path = tmp_path / "reports.db"
    proc = slow_crawl(tmp_path, web.proxy_url)
    try:
        conn, pages = None, 0
        deadline = time.monotonic() + 120
        while pages < 40 and proc.poll() is None and time.monotonic() < deadline:
            conn = conn or reader(path)
            if conn is not None:
                pages = conn.execute("select count(*) from pages").fetchone()[0]
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill() if proc.poll() is None else None
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    conn.close()
    assert Path(str(path) + "-wal").exists()  # killed with its write-ahead log unfolded
    # `make browse` shows what the killed crawl committed.
    with datasette(path) as base:
        shown = get_json(f"{base}/reports/pages.json?_size=0")["filtered_table_rows_count"]
    assert shown >= 40
    after = sqlite3.connect(path)
    assert consistency(after) == CONSISTENT
    assert after.execute("select count(*) from pages").fetchone()[0] == shown
    # The crawl row says the run never finished, and the summary says so too.
    assert after.execute("select finished_at from crawls").fetchall() == [(None,)]
    after.close()
    assert "unfinished crawls (still running or killed): 1" in summarize(tmp_path)
    # The database takes writes again.
    db = open_db(path)
    record_page(db, Page(url="http://a.gov.cn/", status=200, fetches=[],
                         cleaned=CleanResult(is_report=True, title="t", text="冰汤圆奇观")))
    assert searched(db, "冰汤圆") == ["http://a.gov.cn/"]
    assert consistency(db.conn) == CONSISTENT
    db.close()
