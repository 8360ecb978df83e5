"""Content-decoding in the crawl, in place of Scrapy's HttpCompressionMiddleware (590).

It decodes with archive.contentcoding.decode, the function `scrapy extract` and resume decode
archived bodies with, so both make the same page of a body: one not in its claimed encoding
(a lying or unknown Content-Encoding) is taken as it came and counted
(`contentcoding/as_received`); one cut before its end marker or damaged fails with
BrokenEncoding, which the spider's errback records as the page's error (the WARC keeps the
bytes as received: the archive middleware sits above); one inflating past DOWNLOAD_MAXSIZE
is ignored as Scrapy's middleware ignores it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response, TextResponse
from scrapy.responsetypes import responsetypes

from archive.contentcoding import BrokenEncoding, InflatedTooLarge, decode
from archive.pages import decoded_headers

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class ContentDecodingMiddleware:
    def __init__(self, stats: StatsCollector, max_size: int, warn_size: int):
        self.stats = stats
        self.max_size = max_size
        self.warn_size = warn_size

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ContentDecodingMiddleware:
        if not crawler.settings.getbool("COMPRESSION_ENABLED"):
            raise NotConfigured("COMPRESSION_ENABLED is off")
        return cls(crawler.stats, crawler.settings.getint("DOWNLOAD_MAXSIZE"),
                   crawler.settings.getint("DOWNLOAD_WARNSIZE"))

    def process_request(self, request: Request) -> None:
        # As Scrapy's does, but only what warcio and pywb read (DEFAULT_REQUEST_HEADERS).
        request.headers.setdefault("Accept-Encoding", b"gzip, deflate")

    def process_response(self, request: Request, response: Response) -> Response:
        encodings = response.headers.getlist("Content-Encoding")
        if request.method == "HEAD" or not encodings:
            return response
        max_size = request.meta.get("download_maxsize", self.max_size)
        try:
            result = decode(response.body, encodings, max_size)
        except InflatedTooLarge as exc:  # Scrapy's words, so the row reads as it did
            msg = f"Ignored response {response} because {exc.reason(len(response.body))}."
            logger.warning(msg)
            raise IgnoreRequest(msg) from None
        except BrokenEncoding:
            self.stats.inc_value("contentcoding/broken")
            raise
        if result.as_received is not None:
            self.stats.inc_value("contentcoding/as_received")
            logger.info("%s is not in its claimed Content-Encoding %r: taken as it came",
                        response, result.as_received.decode("latin-1"))
        warn_size = request.meta.get("download_warnsize", self.warn_size)
        if len(response.body) < warn_size <= len(result.body):
            logger.warning("%s body size after decompression (%d B) is larger than the "
                           "download warning size (%d B).", response, len(result.body),
                           warn_size)
        if result.body is not response.body:  # Scrapy's counts of decoded responses
            self.stats.inc_value("httpcompression/response_bytes", len(result.body))
            self.stats.inc_value("httpcompression/response_count")
        headers = decoded_headers(response.headers, result)  # as extract's pages have them
        respcls = responsetypes.from_args(headers=headers, url=response.url, body=result.body)
        kwargs: dict[str, Any] = {"body": result.body, "headers": headers}
        if issubclass(respcls, TextResponse):
            kwargs["encoding"] = None  # the declared or sniffed charset of the decoded body
        return response.replace(cls=respcls, **kwargs)
