"""Downloader middleware that writes every HTTP exchange to WARC files as it was received.

It sits above HttpCompressionMiddleware, so bodies are archived still content-encoded, and
above Redirect/Retry, so redirects and error statuses are archived too.  Where each record
landed is left in ``request.meta["warc_fetches"]`` for the pipelines downstream.
"""

from __future__ import annotations

import logging
import platform
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from warcio.timeutils import datetime_to_iso_date

from archive.records import request_record, response_record
from archive.warcfile import RotatingWarcWriter

logger = logging.getLogger(__name__)


def _software() -> str:
    names = ("gzbg-archive", "scrapy", "warcio")
    parts = []
    for name in names:
        try:
            parts.append(f"{name}/{version(name)}")
        except Exception:  # not installed as a distribution (e.g. run from a checkout)
            continue
    return " ".join(parts + [f"python/{platform.python_version()}"])


class WarcArchiveMiddleware:
    def __init__(self, crawler: Crawler, directory: Path, prefix: str, max_size: int,
                 warcinfo: dict[str, str]):
        self.crawler = crawler
        self.stats = crawler.stats
        self.warc = RotatingWarcWriter(directory, prefix, max_size, warcinfo)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off")
        crawl_id = s.get("CRAWL_ID") or uuid.uuid4().hex
        warcinfo = {
            "software": _software(),
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": crawl_id,
            "robots": "obey" if s.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": s.get("USER_AGENT", ""),
        }
        if s.get("WARC_OPERATOR"):
            warcinfo["operator"] = s.get("WARC_OPERATOR")
        mw = cls(crawler, Path(s.get("DATA_DIR")) / "warc", s.get("WARC_PREFIX"),
                 s.getint("WARC_MAX_SIZE"), warcinfo)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def process_response(self, request: Request, response: Response) -> Response:
        now = datetime_to_iso_date(datetime.now(UTC).replace(tzinfo=None), use_micros=True)
        try:
            resp = response_record(self.warc.writer, response, now)
            req = request_record(self.warc.writer, request, response.url, now,
                                 resp.rec_headers.get_header("WARC-Record-ID"))
            loc, _ = self.warc.write(resp, req)
        except OSError as e:
            # A full disk must not pass silently: the page is then not archived.
            logger.error("WARC write failed for %s: %s", response.url, e)
            self.stats.inc_value("archive/write_errors")
            return response
        self.stats.inc_value("archive/records_written", 2)
        self.stats.inc_value("archive/bytes_archived", len(response.body))
        fetch = {"url": response.url, "status": response.status, "fetched_at": now,
                 "warc_file": loc.file, "warc_offset": loc.offset, "warc_length": loc.length}
        request.meta.setdefault("warc_fetches", []).append(fetch)
        return response

    def spider_closed(self) -> None:
        self.warc.close()
        self.stats.set_value("archive/files", len(self.warc.files_closed))

