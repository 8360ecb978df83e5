"""The search index holds each distinct report text once (issue 20), and finds exactly the
reports a per-row index (the former one, migration m002) finds, whatever is inserted, copied,
rewritten or deleted, by record_page or by any other writer."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.clean.result import CleanResult
from pipelines.page import Fetch, Page
from pipelines.store import migrations, searchindex
from pipelines.store.db import open_db
from pipelines.store.record import record_page

TEXTS = ["启动运营冰汤圆主题景区，全年接待游客。", "秸秆变肉工程持续推进，肉牛存栏增长。",
         "冰汤圆主题景区的秸秆变肉项目。", "政府工作报告：全面推进乡村振兴。"]
TITLES = ["2022年政府工作报告", "政府工作报告"]
TERMS = ["冰汤圆", "秸秆变肉", "主题景区", "政府工作", "乡村振兴", "2022年", "肉牛存栏", "报告："]


def per_row_hits(db: sqlite_utils.Database, term: str) -> list[int]:
    """What the former index (one entry per reports row) finds: built afresh beside it."""
    db.execute("drop table if exists ref_fts")
    db.execute("create virtual table ref_fts using fts5(title, text, tokenize='trigram',"
               " content='reports', content_rowid='id')")
    db.execute("insert into ref_fts(ref_fts) values ('rebuild')")
    return [r[0] for r in db.execute(
        "select id from reports where id in (select rowid from ref_fts where ref_fts match ?)"
        " order by id", [f'"{term}"'])]


def hits(db: sqlite_utils.Database, term: str) -> list[int]:
    return [r[0] for r in db.execute(
        "select id from reports where text_id in"
        " (select rowid from reports_fts where reports_fts match ?) order by id", [f'"{term}"'])]


def check(db: sqlite_utils.Database) -> None:
    db.execute("insert into reports_fts(reports_fts) values ('integrity-check')")
    for term in TERMS:
        assert hits(db, term) == per_row_hits(db, term), term
    # Every row points at a row with its title and text that holds an entry; and a text
    # with its right hash has one entry, however many rows repeat it.
    rows = db.execute("select r.title is h.title and r.text is h.text, h.id = h.text_id"
                      " from reports r left join reports h on h.id = r.text_id").fetchall()
    assert all(same and holds for same, holds in rows)
    holders = [searchindex.text_hash(title, text) for title, text, digest in db.execute(
        "select title, text, text_hash from reports where id = text_id")
        if digest == searchindex.text_hash(title, text)]
    assert len(holders) == len(set(holders))


def report_page(url: str, title: str, text: str, offset: int) -> Page:
    fetch = Fetch(url, 200, "2023-01-12T08:30:15Z", warc_file="a.warc.gz",
                  warc_offset=offset, warc_length=1)
    return Page(url=url, status=200, fetches=[fetch],
                cleaned=CleanResult(is_report=True, title=title, text=text))


def test_copies_share_one_entry_and_are_all_found(tmp_path):
    db = open_db(tmp_path / "r.db")
    for i in range(6):  # three mirrors of one report, three of another
        record_page(db, report_page(f"http://m{i}.gov.cn/a.html", TITLES[0], TEXTS[i % 2], i),
                    crawl_id=None)
    assert db.execute("select count(*) from reports_fts_docsize").fetchone()[0] == 2
    assert hits(db, "冰汤圆") == [1, 3, 5] and hits(db, "秸秆变肉") == [2, 4, 6]
    check(db)
    # Recording a page again (re-extraction) with a new text moves it to another entry; the
    # next copy takes over the entry the first held.
    record_page(db, report_page("http://m0.gov.cn/a.html", TITLES[0], TEXTS[3], 0))
    assert hits(db, "冰汤圆") == [3, 5] and hits(db, "乡村振兴") == [1]
    check(db)
    db.close()


OPS = st.lists(st.one_of(
    st.tuples(st.just("insert"), st.sampled_from(TITLES), st.sampled_from(TEXTS), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 30)),
    st.tuples(st.just("rewrite"), st.integers(0, 30), st.sampled_from(TEXTS), st.booleans()),
), min_size=1, max_size=25)


@pytest.fixture(scope="module", params=["on", "off"])
def shared_db(request, tmp_path_factory):
    # sqlite-utils turns recursive triggers on, a plain connection (Datasette's) has them off.
    db = open_db(tmp_path_factory.mktemp("ops") / "ops.db")
    db.execute(f"pragma recursive_triggers = {request.param}")
    yield db
    db.close()


@settings(max_examples=80, deadline=None)
@given(ops=OPS)
def test_any_writes_find_what_a_per_row_index_finds(shared_db, ops):
    # Writers other than record_page: rows with or without a hash, deletes, texts rewritten
    # with their hash or without it (as stitch.py rewrites a first part).
    db = shared_db
    db.execute("delete from reports")  # the last example's rows, through the triggers
    db.execute("delete from pages")
    assert db.execute("select count(*) from reports_fts_docsize").fetchone() == (0,)
    for op in ops:
        ids = [r[0] for r in db.execute("select id from reports order by id")]
        if op[0] == "insert":
            _, title, text, hashed = op
            page_id = db.execute("insert into pages (url) values ('http://a.gov.cn/')").lastrowid
            db.execute("insert into reports (page_id, url, title, text, text_hash)"
                       " values (?, 'http://a.gov.cn/', ?, ?, ?)",
                       [page_id, title, text,
                        searchindex.text_hash(title, text) if hashed else None])
        elif ids and op[0] == "delete":
            db.execute("delete from reports where id = ?", [ids[op[1] % len(ids)]])
        elif ids:
            _, pick, text, hashed = op
            rowid = ids[pick % len(ids)]
            title = db.execute("select title from reports where id = ?", [rowid]).fetchone()[0]
            if hashed:
                db.execute("update reports set text = ?, text_hash = ? where id = ?",
                           [text, searchindex.text_hash(title, text), rowid])
            else:
                db.execute("update reports set text = ? where id = ?", [text, rowid])
    check(db)


def test_an_older_database_gets_one_entry_per_text(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    migrations.migrations.apply(old, stop_before="m008_search_index_per_text")
    for i in range(7):
        url = f"http://a{i}.gov.cn/"
        page_id = old.execute("insert into pages (url) values (?)", [url]).lastrowid
        old.execute("insert into reports (page_id, url, title, text) values (?, ?, ?, ?)",
                    [page_id, url, TITLES[i % 2], TEXTS[i % 3]])
    before = {term: per_row_hits(old, term) for term in TERMS}
    old.close()
    db = open_db(path)
    assert {term: hits(db, term) for term in TERMS} == before
    # Six distinct (title, text) pairs among seven rows: (i % 2, i % 3) repeats for i = 0, 6.
    assert db.execute("select count(*) from reports_fts_docsize").fetchone()[0] == 6
    check(db)
    db.close()
    assert sqlite3.connect(path).execute("pragma integrity_check").fetchone() == ("ok",)
