"""Spider middleware: per-site link depth, from ``max_depth`` in the sites file.

DEPTH_LIMIT caps every site alike; a site entry's ``max_depth`` caps that site (its hosts
and their subdomains) lower.  It runs after Scrapy's DepthMiddleware (900), which
has set each new request's depth, and drops the requests beyond their site's depth.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from pipelines.store.sites import Site, normalize_host


def site_limits(sites: Iterable[Site]) -> dict[str, int]:
    """Host key -> max_depth of the sites that set one."""
    return {key: site.max_depth for site in sites
            if site.max_depth is not None for key in site.host_keys}


def limit_for(limits: dict[str, int], url: str) -> int | None:
    """The max_depth of the site url belongs to (its host or a subdomain), if it has one."""
    return host_limit(limits, urlsplit(url).hostname or "")


def host_limit(limits: dict[str, int], hostname: str) -> int | None:
    host = normalize_host(hostname)
    for key, limit in limits.items():
        if host == key or host.endswith("." + key):
            return limit
    return None


class SiteDepthMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self._limits: dict[str, int] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("SITEDEPTH_ENABLED"):
            raise NotConfigured("SITEDEPTH_ENABLED is off")
        return cls(crawler)

    @property
    def limits(self) -> dict[str, int]:
        """Host key -> max_depth of the crawled sites that set one (read once, lazily: the
        spider loads its sites when it is created)."""
        if self._limits is None:
            self._limits = site_limits(getattr(self.crawler.spider, "sites", []))
        return self._limits

    def _too_deep(self, request: Request) -> bool:
        limit = limit_for(self.limits, request.url)
        return limit is not None and request.meta.get("depth", 0) > limit

    def _keep(self, out: Any) -> bool:
        if isinstance(out, Request) and self.limits and self._too_deep(out):
            self.stats.inc_value("sitedepth/dropped")
            return False
        return True

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        return (out for out in result if self._keep(out))

    async def process_spider_output_async(self, response: Response,
                                          result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for out in result:
            if self._keep(out):
                yield out
