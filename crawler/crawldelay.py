"""Downloader middleware: honour robots.txt ``Crawl-delay`` per download slot.

Scrapy's RobotsTxtMiddleware obeys Allow/Disallow but not Crawl-delay, and other components
move a slot's delay: AutoThrottle lowers it when the server answers fast, crawler.backoff
halves it after a success.  This middleware reads Crawl-delay from every robots.txt response
that passes through it (Protego, the parser Scrapy uses) and puts that host's slot delay back
to at least Crawl-delay on every request and every response.  It sits below the backoff
middleware (560), so on the way back it runs after the others have adjusted the delay and
before the downloader starts the slot's next request.  Jitter is switched off on such slots
so the random spread never dips below the delay.
"""

from __future__ import annotations

import logging
from typing import Self

from protego import Protego
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler.robots import cut_robots

logger = logging.getLogger(__name__)


class CrawlDelayMiddleware:
    def __init__(self, crawler: Crawler, user_agent: str, max_delay: float):
        self.crawler = crawler
        self.user_agent = user_agent
        self.max_delay = max_delay
        self.max_bytes = crawler.settings.getint("ROBOTSTXT_MAX_BYTES")
        self.delays: dict[str, float] = {}  # slot key → Crawl-delay in seconds

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("CRAWLDELAY_ENABLED"):
            raise NotConfigured("CRAWLDELAY_ENABLED is off")
        if not s.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured("ROBOTSTXT_OBEY is off")
        agent = s.get("ROBOTSTXT_USER_AGENT") or s.get("USER_AGENT")
        return cls(crawler, agent, s.getfloat("CRAWLDELAY_MAX"))

    def process_request(self, request: Request) -> None:
        self._apply(request)

    def process_response(self, request: Request, response: Response) -> Response:
        if urlparse_cached(request).path == "/robots.txt" and response.status == 200:
            self._read_robots(request, response)
        self._apply(request)
        return response

    def _read_robots(self, request: Request, response: Response) -> None:
        try:
            # What the robots middleware parses, no more: a hostile robots.txt of megabytes
            # would otherwise be parsed twice on the reactor (crawler/robots.py).
            text = cut_robots(response.body, self.max_bytes).decode("utf-8", "replace")
            delay = Protego.parse(text).crawl_delay(self.user_agent)
        except Exception as exc:  # a broken robots.txt must not break the crawl
            logger.warning("crawl-delay: cannot read %s: %s", request.url, exc)
            return
        if delay is None or delay <= 0:
            return
        delay = float(delay)
        if delay > self.max_delay:
            logger.warning("crawl-delay: %s asks for %.1f s; using CRAWLDELAY_MAX %.1f s",
                           request.url, delay, self.max_delay)
            delay = self.max_delay
        key = self.crawler.engine.downloader.get_slot_key(request)
        if self.delays.get(key) != delay:
            logger.info("crawl-delay: %.2f s between requests to %s (robots.txt)", delay, key)
            self.crawler.stats.set_value(f"crawldelay/{key}", delay)
        self.delays[key] = delay

    def _apply(self, request: Request) -> None:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        delay = self.delays.get(key)
        slot = downloader.slots.get(key)
        if delay is None or slot is None:
            return
        slot.jitter = 0.0
        if slot.delay < delay:
            slot.delay = delay
