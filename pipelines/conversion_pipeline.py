"""Item pipeline: archive the cleaned text of every report beside the response it came from.

Runs after pipelines.clean_pipeline (300) and before pipelines.store_pipeline (800).  For each report it
writes a WARC ``conversion`` record (the cleaned text, ``WARC-Refers-To`` the response) and
a ``metadata`` record (the cleaner's findings and every removal with its kind), so the
archive alone carries both the evidence and the result.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from warcio.timeutils import datetime_to_iso_date

from archive.account import cleaner_account
from archive.service import ArchiveWriteError, WarcService
from pipelines.page import Page

logger = logging.getLogger(__name__)


class ConversionPipeline:
    def __init__(self, crawler: Crawler, service: WarcService):
        self.stats = crawler.stats
        self.service = service

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not (s.getbool("WARC_ENABLED") and s.getbool("WARC_CONVERSIONS_ENABLED")):
            raise NotConfigured("WARC_ENABLED or WARC_CONVERSIONS_ENABLED is off")
        return cls(crawler, WarcService.of(crawler))

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page) or item.cleaned is None or not item.cleaned.is_report:
            return item
        refers_to = item.final_fetch.warc_record_id
        if not refers_to:
            return item  # the response was not archived (write error): nothing to refer to
        now = datetime_to_iso_date(datetime.now(UTC).replace(tzinfo=None), use_micros=True)
        try:
            await self.service.write_conversion(item.url, item.cleaned, cleaner_account,
                                                refers_to, now)
        except ArchiveWriteError as e:
            # The service has stopped the crawl.  Marked, the page stays out of the database,
            # so the resume fetches it again (a revisit) and writes its conversion then.
            logger.error("WARC conversion write failed for %s: %s", item.url, e)
            self.stats.inc_value("archive/write_errors")
            item.final_fetch.archive_error = f"conversion: {e}"
            return item
        self.stats.inc_value("archive/conversions_written")
        return item
