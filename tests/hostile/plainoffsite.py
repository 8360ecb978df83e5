"""Scrapy's offsite filter under a policy of its own (the same one): the known-link shortcut
(crawler/knownlinks.py) then leaves offsite links to it, which is the crawl without it."""

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware


class PlainOffsite(OffsiteMiddleware):
    def should_follow(self, request: Request, spider: Spider) -> bool:
        return super().should_follow(request, spider)
