"""Extension: the crawl process's malloc keeps less freed memory (pipelines/malloctune.py)."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from pipelines.malloctune import tune


class MallocTune:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not tune():
            raise NotConfigured("the C library has no mallopt")
        return cls()
