"""Item pipeline: run the cleaner on every fetched HTML page and report attachment."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import Page
from pipelines.attachments import clean_attachment
from pipelines.clean import clean

_CLEANABLE = ("text/html", "application/xhtml", "text/plain", "")


def is_fetched(page: Page) -> bool:
    return page.status == 200 and bool(page.body)


def is_cleanable(page: Page) -> bool:
    ctype = page.content_type.split(";")[0].strip().lower()
    return is_fetched(page) and ctype.startswith(_CLEANABLE)


class CleanPipeline:
    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("CLEAN_ENABLED"):
            raise NotConfigured("CLEAN_ENABLED is off")
        return cls(crawler)

    def process_item(self, item: Page) -> Page:
        if not isinstance(item, Page):
            return item
        # PDF/DOCX attachments (recognised by their bytes: servers often send them as
        # application/octet-stream) go through the same stages as text (issue 9).
        result = clean_attachment(item.body, item.url, item.headers) if is_fetched(item) else None
        if result is not None:
            self.stats.inc_value("clean/attachments")
        elif is_cleanable(item):
            result = clean(item.body, item.url, item.headers)
        else:
            return item
        item.cleaned = result
        self.stats.inc_value("clean/pages")
        if result.is_report:
            self.stats.inc_value("clean/reports")
        if result.spam_removed:
            self.stats.inc_value("clean/spam_removed", result.spam_removed)
        if result.errors:
            self.stats.inc_value("clean/errors")
        return item
