"""Back off from a host that answers 5xx/429 or fails to answer, before Scrapy retries it.

Scrapy's RetryMiddleware re-schedules a failed request at once.  A government server that
answers 503 is usually overloaded; hammering it three times in a second helps nobody.  Sitting
just above RetryMiddleware, this doubles the download delay of the host's slot on every
retryable failure (at least ``BACKOFF_BASE_DELAY`` seconds and at least what ``Retry-After``
asks, at most ``BACKOFF_MAX_DELAY``), so the retry and every other request to that host wait;
a success halves it back towards the configured delay.  Stats: ``backoff/raised``.

An error status raises the delay on ``response_downloaded``, as AutoThrottle adjusts its
delays: the downloader sends it before it starts the slot's next request, where
process_response would come too late on a fast server (the next request is already on its
way while the response still goes through the middlewares and the archive).
"""

from __future__ import annotations

import logging
from typing import Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.misc import load_object

logger = logging.getLogger(__name__)


def retry_after(response: Response) -> float:
    """Retry-After in seconds (the delta-seconds form; an HTTP date counts as 0)."""
    value = (response.headers.get(b"Retry-After") or b"").decode("latin-1").strip()
    return float(value) if value.isdigit() else 0.0


class BackoffMiddleware:
    def __init__(self, crawler: Crawler, base: float, cap: float, codes: set[int],
                 exceptions: tuple[type[BaseException], ...]):
        self.crawler = crawler
        self.stats = crawler.stats
        self.base, self.cap = base, cap
        self.codes = codes
        self.exceptions = exceptions
        self.floor = crawler.settings.getfloat("DOWNLOAD_DELAY")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("BACKOFF_ENABLED") or not s.getbool("RETRY_ENABLED"):
            raise NotConfigured("BACKOFF_ENABLED or RETRY_ENABLED is off")
        exceptions = tuple(load_object(e) if isinstance(e, str) else e
                           for e in s.getlist("RETRY_EXCEPTIONS"))
        mw = cls(crawler, s.getfloat("BACKOFF_BASE_DELAY"), s.getfloat("BACKOFF_MAX_DELAY"),
                 {int(c) for c in s.getlist("RETRY_HTTP_CODES")}, exceptions)
        crawler.signals.connect(mw.response_downloaded, signal=signals.response_downloaded)
        return mw

    def _slot(self, request: Request):
        downloader = self.crawler.engine.downloader
        return downloader.slots.get(downloader.get_slot_key(request))

    def _raise(self, request: Request, at_least: float, why: str) -> None:
        slot = self._slot(request)
        if slot is None:
            return
        slot.delay = min(self.cap, max(slot.delay * 2, self.base, at_least))
        self.stats.inc_value("backoff/raised")
        logger.info("backing off %s for %.1fs after %s", request.url, slot.delay, why)

    def _failed(self, request: Request, response: Response) -> bool:
        return response.status in self.codes and not request.meta.get("dont_retry")

    def response_downloaded(self, response: Response, request: Request) -> None:
        if self._failed(request, response):
            self._raise(request, min(retry_after(response), self.cap), f"HTTP {response.status}")

    def process_response(self, request: Request, response: Response) -> Response:
        # Halved here, not on response_downloaded: the crawl-delay middleware below puts its
        # floor back on the same way back, while on response_downloaded the slot's next
        # request would start in between, below the host's Crawl-delay.
        if not self._failed(request, response):
            slot = self._slot(request)
            if slot is not None and slot.delay > self.floor:
                slot.delay = max(self.floor, slot.delay / 2)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, self.exceptions) and not request.meta.get("dont_retry"):
            self._raise(request, 0.0, type(exception).__name__)
