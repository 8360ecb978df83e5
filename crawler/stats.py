"""Scrapy's memory stats collector, without the wrapper it puts around every attribute read.

Since Scrapy 2.14 a StatsCollector's ``__getattribute__`` wraps its methods to warn about a
``spider`` argument, and looks for a cached wrapper first on every attribute read, the ones
inside the methods included: each ``inc_value`` raised and caught an AttributeError.  Scrapy's
components and ours count several stats per request and per link: about 4% of the crawl
process's CPU on the mixed bench site.  The methods are Scrapy's own; a caller still passing
``spider`` (ignored, as Scrapy ignores it) is only no longer warned.
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class StatsCollector(MemoryStatsCollector):
    __getattribute__ = object.__getattribute__
