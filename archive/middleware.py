"""Downloader middleware that writes every HTTP exchange to WARC files as it was received.

It sits above HttpCompressionMiddleware, so bodies are archived still content-encoded, and
above Redirect/Retry, so redirects and error statuses are archived too.  The response head
comes byte for byte from archive.http's download handler when it is in use.  Writing happens
in the archive's writer process; where each record landed is left in
``request.meta["warc_fetches"]`` (a pipelines.page.Fetch each) for the pipelines downstream.
The response goes on only once its records are on disk; if they could not be written, the
fetch fails (NotArchived) and is marked so, and the store leaves its page out: a resumed
crawl fetches it again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from warcio.timeutils import datetime_to_iso_date

from archive.archiver import Exchange
from archive.http import RAW_HEAD_META
from archive.pages import latency, request_meta
from archive.records import archived_head, header_pairs, rebuilt_head
from archive.service import ArchiveWriteError, WarcService
from pipelines.page import Fetch

logger = logging.getLogger(__name__)


class NotArchived(IgnoreRequest):
    """A response whose records could not be written: it must not be taken for a page."""


class WarcArchiveMiddleware:
    def __init__(self, crawler: Crawler, service: WarcService):
        self.stats = crawler.stats
        self.service = service
        # What HttpErrorMiddleware lets through, so re-extraction judges statuses alike.
        self.allowed_codes = [int(c) for c in crawler.settings.getlist("HTTPERROR_ALLOWED_CODES")]
        self.allow_all = crawler.settings.getbool("HTTPERROR_ALLOW_ALL")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off")
        return cls(crawler, WarcService.of(crawler))

    async def process_response(self, request: Request, response: Response) -> Response:
        now = datetime_to_iso_date(datetime.now(UTC).replace(tzinfo=None), use_micros=True)
        raw = request.meta.pop(RAW_HEAD_META, None)
        if raw is not None:
            head = archived_head(raw)
        else:
            self.stats.inc_value("archive/heads_rebuilt")
            head = rebuilt_head(response.status, header_pairs(response.headers),
                                getattr(response, "protocol", None) or "HTTP/1.1")
        exchange = Exchange(
            url=response.url, method=request.method,
            request_headers=header_pairs(request.headers), request_body=request.body or b"",
            head=head, body=response.body, date=now,
            ip=str(response.ip_address) if response.ip_address is not None else None,
            crawl_meta=request_meta(request, self.allowed_codes, self.allow_all),
        )
        try:
            written = await self.service.write_exchange(exchange)
        except ArchiveWriteError as e:
            logger.error("WARC write failed for %s: %s", response.url, e)
            self.stats.inc_value("archive/write_errors")
            # The service has stopped the crawl.  The page goes no further than the spider's
            # errback; its mark keeps it out of the database.
            request.meta.setdefault("warc_fetches", []).append(
                Fetch(response.url, response.status, now, archive_error=str(e)))
            raise NotArchived(f"not archived: {e}") from e
        self.stats.inc_value("archive/records_written", 2)
        if written["warc_type"] == "revisit":
            self.stats.inc_value("archive/revisits_written")
        else:
            self.stats.inc_value("archive/bytes_archived", len(response.body))
        fetch = Fetch(response.url, response.status, now, **written,
                      download_latency=latency(exchange.crawl_meta))
        request.meta.setdefault("warc_fetches", []).append(fetch)
        return response
