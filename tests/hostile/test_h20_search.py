"""The per-text search index (pipelines/store/searchindex.py, issue 20) as Datasette serves it:
a database of mirrored reports (copies sharing one index entry), one re-recorded with a new
text and the row holding a shared entry deleted, searched through `make browse` with terms of
one, two, three and more characters.  Every row whose title or text holds the term is found,
copies included, by the canned search and (three characters or more) by the table's search."""

from __future__ import annotations

import sqlite3

import pytest

from pipelines.clean.result import CleanResult
from pipelines.page import Fetch, Page
from pipelines.store.db import open_db
from pipelines.store.record import record_page
from tests.browsing import datasette, get_json, q

TEXTS = ["启动运营冰汤圆主题景区，全年接待游客。", "秸秆变肉工程持续推进，肉牛存栏增长。",
         "冰汤圆主题景区的秸秆变肉项目。", "政府工作报告：全面推进乡村振兴。"]
TITLES = ["2022年政府工作报告", "政府工作报告", "关于“冰汤圆”的报告"]
TERMS = ["冰", "肉牛", "冰汤圆", "秸秆变肉", "主题景区", "报告", "乡村振兴", "2022年", "“冰汤",
         "游客。", "不存在的词"]


def _page(url: str, title: str, text: str, offset: int) -> Page:
    fetch = Fetch(url, 200, "2023-01-12T08:30:15Z", warc_file="a.warc.gz",
                  warc_offset=offset, warc_length=1)
    return Page(url=url, status=200, fetches=[fetch],
                cleaned=CleanResult(is_report=True, title=title, text=text))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "reports.db"
    db = open_db(path)
    n = 0
    for title in TITLES:
        for text in TEXTS:
            for mirror in range(3 if text == TEXTS[0] else 2):
                n += 1
                record_page(db, _page(f"http://m{mirror}.gov.cn/{n}.html", title, text, n),
                            crawl_id=None)
    # A copy re-recorded with another text, and the rows holding two shared entries gone.
    record_page(db, _page("http://m0.gov.cn/1.html", TITLES[0], TEXTS[3], 1))
    holders = [r[0] for r in db.execute(
        "select id from reports where id = text_id and id in"
        " (select text_id from reports group by text_id having count(*) > 1) order by id")]
    assert len(holders) >= 2
    for rowid in holders[:2]:
        db.execute("delete from reports where id = ?", [rowid])
    db.close()
    with datasette(path) as base:
        yield base + "/reports", path


def _expected(path, term: str) -> set[int]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute(
            "select id from reports where instr(title, ?) > 0 or instr(text, ?) > 0",
            [term, term])}


@pytest.mark.parametrize("term", TERMS)
def test_the_search_query_finds_every_copy(site, term):
    base, path = site
    rows = get_json(f"{base}/search.json?_shape=array&_size=max&term={q(term)}")
    assert {r["report_id"] for r in rows} == _expected(path, term)
    if len(term) >= 3:
        assert all("\ue000" in r["snippet"] for r in rows)  # the hit, highlighted


@pytest.mark.parametrize("term", [t for t in TERMS if len(t) >= 3])
def test_the_tables_search_finds_every_copy(site, term):
    base, path = site
    rows = get_json(f"{base}/reports.json?_shape=array&_size=max&_search={q(term)}")
    assert {r["id"] for r in rows} == _expected(path, term)
