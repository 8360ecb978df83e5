"""Give up on a redirect loop at once, with an error the spider's errback records.

Without this, the redirect back to a URL already seen is dropped by the duplicate filter
without a trace: neither callback nor errback runs, so the hops are archived but nothing
says what happened.  Sits above RedirectMiddleware (600).  Stats: ``redirect/loops``.
"""

from __future__ import annotations

from typing import Self
from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from w3lib.url import canonicalize_url, safe_url_string


class RedirectLoop(IgnoreRequest):
    pass


class RedirectLoopMiddleware:
    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("REDIRECT_ENABLED"):
            raise NotConfigured("REDIRECT_ENABLED is off")
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if not 300 <= response.status < 400 or not location or request.meta.get("dont_redirect"):
            return response
        target = safe_url_string(urljoin(request.url, location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if canonicalize_url(target) in {canonicalize_url(u) for u in chain}:
            self.stats.inc_value("redirect/loops")
            raise RedirectLoop(f"redirect loop: {' -> '.join([*chain, target])}")
        return response
