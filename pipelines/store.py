"""Item pipeline: record every page, and every page the cleaner calls a report, in SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

import sqlite_utils
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import Page
from pipelines.db import open_db, report_row


def page_rows(page: Page) -> list[dict[str, Any]]:
    """One row per fetch behind the page: redirect hops and retries, then the final URL."""
    rows = []
    for fetch in page.fetches[:-1]:
        rows.append({"url": fetch["url"], "status": fetch["status"], "depth": page.depth,
                     "fetched_at": fetch["fetched_at"], "warc_file": fetch["warc_file"],
                     "warc_offset": fetch["warc_offset"], "warc_length": fetch["warc_length"]})
    last = page.final_fetch
    rows.append({
        "url": page.url, "status": page.status, "content_type": page.content_type,
        "length": len(page.body), "depth": page.depth, "referer": page.referer,
        "fetched_at": last.get("fetched_at"), "warc_file": last.get("warc_file"),
        "warc_offset": last.get("warc_offset"), "warc_length": last.get("warc_length"),
        "error": page.error,
    })
    return rows


def record_page(db: sqlite_utils.Database, page: Page) -> bool:
    """Write a page's rows, and its report row if the cleaner found one, in one transaction.

    Returns whether a report row was written.  The live crawl and re-extraction both call this,
    so both produce the same rows.
    """
    result = page.cleaned
    is_report = result is not None and result.is_report
    with db.atomic():
        db["pages"].upsert_all(page_rows(page), pk="url", alter=True)
        if is_report:
            db["reports"].upsert(report_row(page.url, page.final_fetch, result), pk="url",
                                 alter=True)
    return is_report


class SQLitePipeline:
    def __init__(self, crawler: Crawler, path: Path):
        self.stats = crawler.stats
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("SQLITE_ENABLED"):
            raise NotConfigured("SQLITE_ENABLED is off")
        path = Path(s.get("SQLITE_PATH") or Path(s.get("DATA_DIR")) / "reports.db")
        return cls(crawler, path)

    def open_spider(self) -> None:
        self.db = open_db(self.path)

    def process_item(self, item: Page) -> Page:
        if not isinstance(item, Page):
            return item
        if record_page(self.db, item):
            self.stats.inc_value("store/reports")
        self.stats.inc_value("store/pages")
        # The body has been archived and cleaned; keep it out of memory from here on.
        item.body = b""
        return item

    def close_spider(self) -> None:
        self.db.close()
