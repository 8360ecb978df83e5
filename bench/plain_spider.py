"""The plain-Scrapy baseline: ``python -m bench.plain_spider URL [-s NAME=VALUE ...]``.

A bare ``scrapy.Spider`` that follows every ``<a href>`` of every page on the start URLs'
hosts (URL may be several, comma-separated) and does nothing else, run by a ``CrawlerProcess`` with Scrapy's default settings plus
only the crawl settings every benchmark run shares (concurrency, depth, robots.txt, no
delay).  The project's settings module is never loaded, so none of its middlewares,
pipelines, extensions or download handlers run: this is what Scrapy itself costs.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response, TextResponse
from scrapy.settings import Settings


class PlainSpider(Spider):
    name = "plain"

    def __init__(self, start_url: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        # Comma-separated, as `scrapy crawl reports -a start_urls=` takes them (the bench's
        # many-host site).
        self.start_urls = [url.strip() for url in start_url.split(",") if url.strip()]
        if not self.start_urls or any(urlsplit(url).scheme not in ("http", "https")
                                      for url in self.start_urls):
            raise ValueError(f"start_url: http(s) URLs are needed, got {start_url!r}")
        # Scrapy's own offsite filter keeps it on the sites (the pages link to other hosts).
        self.allowed_domains = sorted({urlsplit(url).hostname or "" for url in self.start_urls})

    def parse(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            return
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if url.startswith(("http://", "https://")):  # not javascript: or mailto:
                yield Request(url, callback=self.parse)


def settings(pairs: list[str]) -> Settings:
    """Scrapy's defaults with NAME=VALUE overrides; never the project's settings module."""
    out = Settings()
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"-s: NAME=VALUE expected, got {pair!r}")
        out.set(name, value, priority="cmdline")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("start_url")
    parser.add_argument("-s", dest="settings", action="append", default=[],
                        metavar="NAME=VALUE", help="a Scrapy setting (repeatable)")
    args = parser.parse_args(argv)
    process = CrawlerProcess(settings(args.settings), install_root_handler=True)
    process.crawl(PlainSpider, start_url=args.start_url)
    process.start()


if __name__ == "__main__":
    main()
