"""The `reports` spider: breadth-first over government sites, every page handed on as a Page.

It holds no cleaning logic: whether a page is a report is decided downstream by
pipelines.clean, on the same bytes the archive holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.items import Page
from crawler.sites import load_sites


def _split(arg: str | None) -> list[str]:
    return [part.strip() for part in (arg or "").split(",") if part.strip()]


def site_domain(url: str) -> str:
    """The domain a start URL lets the crawl stay in: its host without a leading www."""
    host = urlsplit(url).hostname or ""
    if not host:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    return host.removeprefix("www.")


class ReportsSpider(Spider):
    name = "reports"

    def __init__(self, start_urls: str | None = None, sites: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._start_arg = _split(start_urls)
        self._sites_arg = _split(sites)
        for url in self._start_arg:
            if urlsplit(url).scheme not in ("http", "https"):
                raise ValueError(f"start_urls: only http(s) URLs can be crawled, got {url!r}")
        # Scrapy's OffsiteMiddleware reads this when the spider opens.
        self.allowed_domains = [site_domain(u) for u in self._start_arg]
        self.link_extractor = LinkExtractor(tags=("a", "area"), attrs=("href",))

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> ReportsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if not spider._start_arg:
            spider._start_arg = spider._urls_from_sites_file(crawler.settings.get("SITES_FILE"))
            spider.allowed_domains = [site_domain(u) for u in spider._start_arg]
        return spider

    def _urls_from_sites_file(self, path: str) -> list[str]:
        sites = load_sites(Path(path))
        if self._sites_arg:
            wanted = set(self._sites_arg)
            sites = [s for s in sites if s.name in wanted or s.region in wanted
                     or wanted & set(s.hosts)]
            if not sites:
                raise ValueError(f"no site in {path} matches {', '.join(self._sites_arg)}")
        return [url for site in sites for url in site.start_urls]

    async def start(self) -> AsyncIterator[Request]:
        for url in self._start_arg:
            yield Request(url, callback=self.parse, errback=self.failed)

    def parse(self, response: Response) -> Iterable[Page | Request]:
        yield self._page(response)
        if not isinstance(response, TextResponse):
            return
        for link in self.link_extractor.extract_links(response):
            yield Request(link.url, callback=self.parse, errback=self.failed)

    def failed(self, failure: Failure) -> Iterable[Page]:
        request = failure.request
        if failure.check(HttpError):
            page = self._page(failure.value.response)
            page.error = f"HTTP {page.status}"
        else:
            page = Page(url=request.url, depth=request.meta.get("depth", 0),
                        fetches=list(request.meta.get("warc_fetches", [])),
                        error=f"{failure.type.__name__}: {failure.getErrorMessage()}")
        yield page

    def _page(self, response: Response) -> Page:
        meta = response.meta
        referer = response.request.headers.get("Referer") if response.request else None
        return Page(
            url=response.url,
            status=response.status,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
            headers={k.decode("latin-1"): b", ".join(v).decode("latin-1")
                     for k, v in response.headers.items()},
            body=response.body,
            depth=meta.get("depth", 0),
            referer=referer.decode("latin-1") if referer else None,
            fetches=list(meta.get("warc_fetches", [])),
        )
