"""Chinese full-text search: FTS5 with the trigram tokenizer over report titles and texts."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtureweb.gold import GOLD_DIR
from pipelines.clean.result import CleanResult
from pipelines.page import Fetch, Page
from pipelines.store.db import open_db
from pipelines.store.record import record_page
from tests.paths import REPO

QUERIES = yaml.safe_load((REPO / "datasette.yml").read_text("utf-8"))[
    "databases"]["reports"]["queries"]
# How the search query marks a hit (explore/plugins/report_views.py shows them as <mark>).
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"


def gold(host: str) -> dict:
    return json.loads((GOLD_DIR / f"{host}.json").read_text("utf-8"))


def record(db, url: str, title: str, text: str, offset: int) -> None:
    fetch = Fetch(url, 200, "2023-01-12T08:30:15Z", warc_file="a.warc.gz",
                  warc_offset=offset, warc_length=1)
    record_page(db, Page(url=url, status=200, fetches=[fetch],
                         cleaned=CleanResult(is_report=True, title=title, text=text)))


def search(db, term: str) -> list[str]:
    # Quoted as a phrase, as Datasette's search box does; through text_id, as its fts_pk.
    phrase = '"' + term.replace('"', '""') + '"'
    return [r[0] for r in db.execute(
        "select url from reports where text_id in"
        " (select rowid from reports_fts where reports_fts match ?) order by id", [phrase])]


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "reports.db")
    for i, host in enumerate(("www.taonan.gov.cn", "www.beizhen.gov.cn", "www.beipiao.gov.cn")):
        g = gold(host)
        record(db, g["url"], g["title"], g["text"], i)
    yield db
    db.close()


def test_the_index_is_fts5_trigram_over_title_and_text(db):
    sql = db.execute("select sql from sqlite_master where name = 'reports_fts'").fetchone()[0]
    assert "fts5" in sql.lower() and "trigram" in sql
    # Datasette searches the reports table through the index's rowids, as text ids.
    assert QUERIES["search"]["sql"].count("r.text_id = reports_fts.rowid") == 1
    meta = yaml.safe_load((REPO / "datasette.yml").read_text("utf-8"))
    assert meta["databases"]["reports"]["tables"]["reports"]["fts_pk"] == "text_id"


@pytest.mark.parametrize("term", ["冰汤圆", "秸秆变肉"])
def test_chinese_phrases_find_the_report_that_says_them(db, term):
    expected = [g["url"] for g in map(gold, ("www.taonan.gov.cn", "www.beizhen.gov.cn",
                                             "www.beipiao.gov.cn")) if term in g["text"]]
    assert gold("www.taonan.gov.cn")["url"] in expected
    assert search(db, term) == expected


def test_titles_are_searched_too(db):
    title = gold("www.beizhen.gov.cn")["title"]
    assert gold("www.beizhen.gov.cn")["url"] in search(db, title[:4])


def test_index_follows_updates_and_deletes(db):
    url = gold("www.taonan.gov.cn")["url"]
    record(db, url, "2022年政府工作报告", "改写后的文本里没有那个词。", 0)
    assert url not in search(db, "冰汤圆") and search(db, "改写后的文本") == [url]
    db["reports"].delete_where("url = ?", [url])
    assert search(db, "改写后的文本") == []
    assert db.execute("insert into reports_fts(reports_fts) values('integrity-check')")


def run_search(db, term: str) -> list[dict]:
    """The search query of datasette.yml, as Datasette runs it."""
    return list(db.query(QUERIES["search"]["sql"], {"term": term}))


def test_short_terms_need_the_search_query(db):
    url = gold("www.taonan.gov.cn")["url"]
    # Two characters are below what a trigram index can match...
    assert search(db, "洮南") == []
    # ...so the search query scans for them, and says so.
    rows = run_search(db, "洮南")
    assert [db["reports"].get(r["report_id"])["url"] for r in rows] == [url]
    assert rows[0]["search"].startswith("text scan")
    assert run_search(db, "") == run_search(db, "   ") == []


@pytest.mark.parametrize("term", ["冰汤圆", "秸秆变肉", "肉牛", "牛"])
def test_search_marks_the_hit_in_a_snippet(db, term):
    texts = {r["id"]: r["text"] for r in db.query("select id, text from reports")}
    rows = run_search(db, term)
    assert {r["report_id"] for r in rows} == {i for i, text in texts.items() if term in text}
    assert rows
    for r in rows:
        marked = r["snippet"].split(MARK_OPEN)
        # Every marked stretch is the term, and the snippet is a piece of the report's text.
        assert len(marked) > 1 and all(m.split(MARK_CLOSE)[0] == term for m in marked[1:])
        plain = r["snippet"].replace(MARK_OPEN, "").replace(MARK_CLOSE, "").strip("…")
        assert plain and plain in texts[r["report_id"]]
        assert r["search"].startswith("full-text" if len(term) >= 3 else "text scan")


TEXT = st.text(alphabet=st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from("，。、；：“”（）《》0123456789abcXYZ \"'*-")), min_size=3, max_size=200)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT, data=st.data())
def test_any_substring_of_three_or_more_characters_is_found(tmp_path, text, data):
    start = data.draw(st.integers(0, len(text) - 3))
    end = data.draw(st.integers(start + 3, min(len(text), start + 12)))
    term = text[start:end]
    db = open_db(tmp_path / "prop.db")
    try:
        db.execute("delete from removals")
        db.execute("delete from reports")
        record(db, "http://x.gov.cn/a.html", "标题", text, 0)
        assert search(db, term) == ["http://x.gov.cn/a.html"]
    finally:
        db.close()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT, data=st.data())
def test_any_substring_of_one_or_two_characters_is_found_by_the_search_query(
        tmp_path, text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    term = text[start:start + data.draw(st.integers(1, 2))]
    if not term.strip():
        return  # the query trims the term, and an empty one finds nothing
    db = open_db(tmp_path / "prop.db")
    try:
        db.execute("delete from removals")
        db.execute("delete from reports")
        record(db, "http://x.gov.cn/a.html", "标题", text, 0)
        rows = run_search(db, term)
        assert len(rows) == 1 and MARK_OPEN + term.strip() + MARK_CLOSE in rows[0]["snippet"]
    finally:
        db.close()
