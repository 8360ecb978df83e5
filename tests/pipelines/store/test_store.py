"""record_page: the rows one page turns into, written all or nothing, and the same rows again
when the page is recorded again (as re-extraction from WARC does)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.clean.result import CleanResult, Removal
from pipelines.page import Fetch, Page
from pipelines.store.db import MAX_REMOVAL_ROWS, open_db, start_crawl
from pipelines.store.record import record_page

URL = "http://www.example.gov.cn/zwgk/zfgzbg/t20230112_1.html"
HOP = "http://example.gov.cn/zwgk/zfgzbg/t20230112_1.html"


def fetch(url: str, offset: int, status: int = 200) -> Fetch:
    return Fetch(url, status, "2023-01-12T08:30:15.123456Z", warc_file="gzbg-1.warc.gz",
                 warc_offset=offset, warc_length=321, warc_type="response",
                 warc_record_id=f"<urn:uuid:{offset}>", download_latency=0.25)


def report(text: str = "现在，我代表市人民政府向大会报告工作。", **kw) -> CleanResult:
    return CleanResult(is_report=True, title="2022年政府工作报告", text=text, region="洮南市",
                       level="市", year=2022, **kw)


def page(result: CleanResult | None = None, **kw) -> Page:
    fields = {"url": URL, "status": 200, "content_type": "text/html; charset=utf-8",
              "body": b"<html>...</html>", "depth": 2, "referer": "http://example.gov.cn/",
              "fetches": [fetch(HOP, 0, 301), fetch(URL, 1000)], "cleaned": result}
    return Page(**{**fields, **kw})


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "reports.db")
    yield db
    db.close()


def rows(db, table: str) -> list[dict]:
    return [dict(r) for r in db.query(f"select * from {table} order by id")]


def test_every_fetch_gets_a_row_and_the_report_links_to_the_last(db):
    crawl = start_crawl(db, "reports")
    assert record_page(db, page(report()), crawl) is True
    hop, final = rows(db, "pages")
    assert (hop["url"], hop["status"], hop["redirect_to"]) == (HOP, 301, URL)
    assert (final["url"], final["status"], final["is_report"]) == (URL, 200, 1)
    assert final["host"] == "www.example.gov.cn" and hop["host"] == "example.gov.cn"
    assert final["wayback_ts"] == "20230112083015" and final["warc_offset"] == 1000
    assert final["download_latency"] == 0.25 and final["warc_record_id"] == "<urn:uuid:1000>"
    assert {hop["crawl_id"], final["crawl_id"]} == {crawl}
    [rep] = rows(db, "reports")
    assert (rep["page_id"], rep["crawl_id"], rep["url"]) == (final["id"], crawl, URL)
    assert rep["region"] == "洮南市" and rep["chars"] == len(rep["text"])
    assert db.execute("pragma foreign_key_check").fetchall() == []


def test_removals_and_errors_are_rows_of_their_own(db):
    result = report(removals=[Removal("spam_word", "博彩"), Removal("chrome", "网站首页")],
                    errors=["lost_char: could not decide"])
    record_page(db, page(result, error=None))
    [rep] = rows(db, "reports")
    removed = rows(db, "removals")
    assert [(r["seq"], r["kind"], r["is_spam"], r["text"]) for r in removed] == [
        (0, "spam_word", 1, "博彩"), (1, "chrome", 0, "网站首页")]
    assert {r["report_id"] for r in removed} == {rep["id"]}
    assert json.loads(rep["removals"]) == [["spam_word", "博彩"], ["chrome", "网站首页"]]
    [err] = rows(db, "errors")
    assert (err["stage"], err["message"], err["url"]) == ("clean", "lost_char: could not decide",
                                                          URL)


def test_recording_again_rewrites_the_same_rows(db):
    first = start_crawl(db, "reports")
    record_page(db, page(report(removals=[Removal("spam_word", "博彩")])), first)
    again = start_crawl(db, "reextract", source="reextract")
    record_page(db, page(report(text="改过的文本，不再相同。")), again)
    assert len(rows(db, "pages")) == 2 and len(rows(db, "reports")) == 1
    [rep] = rows(db, "reports")
    assert rep["text"] == "改过的文本，不再相同。"
    # The crawl that first recorded a fetch keeps it.
    assert rep["crawl_id"] == first and {p["crawl_id"] for p in rows(db, "pages")} == {first}
    assert rows(db, "removals") == []


def test_a_page_no_longer_judged_a_report_loses_its_report_row(db):
    record_page(db, page(report(removals=[Removal("spam_word", "博彩")])))
    assert record_page(db, page(CleanResult(is_report=False, text="新闻"))) is False
    assert [p["is_report"] for p in rows(db, "pages")] == [0, 0]
    assert rows(db, "reports") == [] and rows(db, "removals") == []


def test_a_fetch_that_got_no_response(db):
    failed = Page(url=URL, depth=1, error="DNSLookupError: no such host", fetches=[])
    assert record_page(db, failed) is False
    [row] = rows(db, "pages")
    assert row["error"] == "DNSLookupError: no such host" and row["warc_file"] is None
    [err] = rows(db, "errors")
    assert (err["stage"], err["page_id"]) == ("fetch", row["id"])


def test_http_error_pages_are_recorded_with_their_error(db):
    record_page(db, page(None, status=404, error="HTTP 404", fetches=[fetch(URL, 5, 404)]))
    [row] = rows(db, "pages")
    assert (row["status"], row["error"], row["is_report"]) == (404, "HTTP 404", 0)


def test_a_failed_write_leaves_nothing_behind(db):
    # The errors rows are written last; a message that breaks their NOT NULL constraint makes
    # that last statement fail after the pages, report and removals rows went in.
    result = report(removals=[Removal("spam_word", "博彩")], errors=[None])
    with pytest.raises(sqlite3.IntegrityError):
        record_page(db, page(result))
    for table in ("pages", "reports", "removals", "errors"):
        assert db[table].count == 0, table
    # A crawl id that does not exist breaks the first statement's foreign key.
    with pytest.raises(sqlite3.IntegrityError):
        record_page(db, page(report()), crawl_id=999)
    assert db["pages"].count == 0


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
ANY_TEXT = st.text(alphabet=st.one_of(CJK, st.characters(codec="utf-8",
                                                         exclude_categories=("Cs",))),
                   min_size=1, max_size=300)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=ANY_TEXT, text=ANY_TEXT,
       removed=st.lists(st.tuples(st.sampled_from(["spam_word", "chrome", "pinyin"]), ANY_TEXT),
                        max_size=4))
def test_text_round_trips_unchanged(db, title, text, removed):
    result = CleanResult(is_report=True, title=title, text=text,
                         removals=[Removal(k, t) for k, t in removed])
    record_page(db, page(result))
    [rep] = rows(db, "reports")
    assert (rep["title"], rep["text"]) == (title, text)
    assert [(r["kind"], r["text"]) for r in rows(db, "removals")] == removed


def test_a_hostile_number_of_removals_is_listed_up_to_a_cap(db):
    many = [Removal("lost_char", f"?→{i}") for i in range(MAX_REMOVAL_ROWS + 500)]
    record_page(db, page(report(removals=[*many, Removal("chrome", "分享到")])))
    removed = rows(db, "removals")
    assert len(removed) == MAX_REMOVAL_ROWS + 2
    assert [r["text"] for r in removed[:3]] == ["?→0", "?→1", "?→2"]
    assert {(r["kind"], r["text"]) for r in removed[MAX_REMOVAL_ROWS:]} == {
        ("chrome", "… and 1 more chrome not listed"),
        ("lost_char", "… and 500 more lost_char not listed")}
    [rep] = rows(db, "reports")
    assert len(json.loads(rep["removals"])) == MAX_REMOVAL_ROWS + 2
