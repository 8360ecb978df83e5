"""Close promptly: requests that wait for a host are set aside when the crawl starts closing.

Scrapy closes a spider gracefully: it waits until every request it has taken from the
scheduler is finished.  A request on the wire finishes within DOWNLOAD_TIMEOUT, but one
that *waits* can hold the close for much longer: for its host's robots.txt to be fetched
again (crawler/robots.py, ROBOTS_RETRY_DELAY doubling: minutes), or in its download slot's
queue behind the delay that backoff, Crawl-delay or AutoThrottle put on the host (each
request ahead of it costing up to BACKOFF_MAX_DELAY or CRAWLDELAY_MAX).  Ctrl-C,
CLOSESPIDER_TIMEOUT and Scrapyd's cancel (a SIGINT) then hang as long.

This downloader middleware, last in the chain, sees the close begin and sends the signal
``closing_started``.  Scrapy has no signal for that moment (``spider_closed`` comes only
after the waiting requests are finished, which is the wait itself), so it wraps the public
``engine.close_spider_async`` that every way of closing goes through.  From then on:

* requests queued in a download slot and not sent yet are taken out of the queue;
* crawler/robots.py ends the waits for robots.txt;
* a request reaching the end of the middleware chain is not sent.

Requests already on the wire finish as usual, so the close takes DOWNLOAD_TIMEOUT at most.

Nothing set aside is lost.  When the scheduler keeps its queue across runs (JOBDIR, or the
Redis queue of distributed mode: SCHEDULER_PERSIST) the request goes back into it, and the
resumed job or another worker fetches it; no row is written for it.  Otherwise it fails with
``NotFetched`` and the spider's errback records it: a ``pages`` row with the error
"not fetched: crawl closed while waiting for ...".  Stats: ``promptclose/requeued``,
``promptclose/not_fetched``.
"""

from __future__ import annotations

import logging
from typing import Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.job import job_dir
from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

# Sent once, with ``reason``, when the engine starts closing the spider.
closing_started = object()


class NotFetched(IgnoreRequest):
    """A request set aside, unsent, because the crawl closed while it waited."""

    def __init__(self, waiting_for: str):
        super().__init__(f"not fetched: crawl closed while waiting for {waiting_for}")


class PromptCloseMiddleware:
    def __init__(self, crawler: Crawler, requeue: bool):
        self.crawler = crawler
        self.stats = crawler.stats
        self.requeue = requeue
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("PROMPTCLOSE_ENABLED"):
            raise NotConfigured("PROMPTCLOSE_ENABLED is off")
        mw = cls(crawler, bool(job_dir(s)) or s.getbool("SCHEDULER_PERSIST"))
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self) -> None:
        engine = self.crawler.engine
        close = engine.close_spider_async

        async def close_spider_async(*, reason: str = "cancelled") -> None:
            self.begin(reason)
            await close(reason=reason)

        engine.close_spider_async = close_spider_async  # type: ignore[method-assign]

    def begin(self, reason: str) -> None:
        if self.closing:
            return
        self.closing = True
        self.crawler.signals.send_catch_log(closing_started, reason=reason)
        waiting = 0
        for key, slot in self.crawler.engine.downloader.slots.items():
            while slot.queue:
                _, queued = slot.queue.popleft()
                queued.errback(Failure(NotFetched(f"its turn at {key}")))
                waiting += 1
        logger.info("closing (%s): %d requests queued for a host set aside; requests on the "
                    "wire finish within DOWNLOAD_TIMEOUT", reason, waiting)

    def process_request(self, request: Request) -> None:
        if self.closing:
            raise NotFetched(f"its turn at {self.crawler.engine.downloader.get_slot_key(request)}")

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if not isinstance(exception, NotFetched):
            return None
        # Requests of the engine's own (robots.txt) have no place in the scheduler.
        if self.requeue and request.callback is not NO_CALLBACK:
            self.stats.inc_value("promptclose/requeued")
            logger.debug("closing: %s goes back to the queue (%s)", request, exception)
            return request.replace(dont_filter=True)  # its URL is in the seen set already
        self.stats.inc_value("promptclose/not_fetched")
        return None
