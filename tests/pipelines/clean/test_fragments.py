"""Partial reports: a fragment page is a report row with is_fragment = 1, and its copy row
says so too."""

from __future__ import annotations

from pathlib import Path

from pipelines.clean.cleaner import clean
from pipelines.page import Fetch, Page
from pipelines.store.db import open_db, start_crawl
from pipelines.store.record import record_page
from tests.paths import PAGES

PAGES = PAGES
URL = "http://www.beipiao.gov.cn/zwgk/zfgzbg/202201/t20220112_1585223.html"


def fetched(url: str, offset: int) -> Fetch:
    return Fetch(url, 200, "2023-01-12T08:30:15Z", warc_file="gzbg-1.warc.gz",
                 warc_offset=offset, warc_length=100, warc_type="response",
                 warc_record_id=f"<urn:uuid:{offset}>")


def test_fragment_page_is_stored_as_a_fragment_report(tmp_path: Path) -> None:
    body = (PAGES / "bylines" / "no_dateline_title_year.html").read_bytes()
    result = clean(body, URL)
    db = open_db(tmp_path / "reports.db")
    crawl = start_crawl(db, "reports")
    page = Page(url=URL, status=200, content_type="text/html", body=body,
                fetches=[fetched(URL, 0)], cleaned=result)
    assert record_page(db, page, crawl)
    row = db.execute("select is_fragment, year, region, title from reports").fetchone()
    assert tuple(row) == (1, 2022, "北票市", "2022年北票市政府工作报告")
    # Alone in its cluster it is still flagged a fragment among the copies.
    assert db.execute("select is_fragment from report_copies").fetchone()[0] == 1
    db.close()
