"""Plain-Scrapy baselines for the crawl benchmark.

Two baselines, both on the same site with the same crawl settings as our full pipeline:

* ``same spider`` (the one the overhead ratio uses): ``scrapy crawl reports`` with
  ``WARC_ENABLED``, ``CLEAN_ENABLED`` and ``SQLITE_ENABLED`` off (and the archive's dedup,
  conversion records and raw-head download handler with them).  Same spider code, same
  link extractor, same Page items, same scheduler settings; the only difference from the full
  run is archiving, cleaning and storing, which is exactly the cost the issue asks about.
* ``minimal spider`` (a reference point): this file, run with ``scrapy runspider``: a bare
  link-following spider that yields nothing, with the project's middlewares, pipelines and
  extensions switched off.  It shows what Scrapy itself costs on this machine.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

# The three switches the issue names; the archive's dedup and conversion switches go with
# WARC (they are part of archiving), named too in case they stop following WARC_ENABLED.
# archive.http's raw-head download handler exists only for the archive: Scrapy's own is used.
SCRAPY_HANDLERS = {"http": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler",
                   "https": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"}
PLAIN_OFF = ("WARC_ENABLED=False", "CLEAN_ENABLED=False", "SQLITE_ENABLED=False",
             "WARC_DEDUP_ENABLED=False", "WARC_CONVERSIONS_ENABLED=False",
             "DOWNLOAD_HANDLERS=" + json.dumps(SCRAPY_HANDLERS))


class PlainSpider(Spider):
    name = "plain"
    custom_settings = {
        # Only Scrapy's own components: these replace the project's dicts wholesale.
        "DOWNLOADER_MIDDLEWARES": {},
        "SPIDER_MIDDLEWARES": {},
        "ITEM_PIPELINES": {},
        "EXTENSIONS": {},
        "DOWNLOAD_HANDLERS": SCRAPY_HANDLERS,
    }

    def __init__(self, start_url: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        if urlsplit(start_url).scheme not in ("http", "https"):
            raise ValueError(f"start_url: an http(s) URL is needed, got {start_url!r}")
        self.start_urls = [start_url]
        self.allowed_domains = [urlsplit(start_url).hostname or ""]
        self.links = LinkExtractor(tags=("a", "area"), attrs=("href",))

    def parse(self, response: Response) -> Iterator[Request]:
        if isinstance(response, TextResponse):
            for link in self.links.extract_links(response):
                yield Request(link.url, callback=self.parse)
