"""Stop a crawl whose archive or database cannot be written (issue 17).

A write that fails (a full disk, an I/O error, a writer process that died) must not pass
silently.  The crawl stops as on one Ctrl-C: the requests in flight finish, and what they
archive and store stays consistent (a page is stored only if it is archived).  The finish
reason says why, ``scrapy crawl`` exits non-zero (crawler/commands/crawl.py), and the JOBDIR
is not marked done (crawler/resume.py), so the next run with it fetches again exactly what
was not stored.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

ARCHIVE = "archive_write_failed"
STORE = "store_write_failed"
# The stat that holds the first failure's reason; set also when the crawl was already closing
# for another reason (a SIGTERM, say), whose finish reason then stays.
STAT = "write_failed"

_closing: set[Any] = set()  # close_spider_async calls in flight, kept from the collector


def write_failed(crawler: Crawler, reason: str, message: str) -> None:
    """Record a failed write and stop the crawl (once: later failures only count)."""
    stats = crawler.stats
    assert stats is not None
    stats.inc_value(f"{STAT}/{reason}")
    if stats.get_value(STAT) is not None:
        return
    stats.set_value(STAT, reason)
    logger.error("%s: %s; stopping the crawl (resume it with the same JOBDIR once fixed)",
                 reason, message)
    try:
        engine = crawler.engine
    except RuntimeError:  # not crawling (a component used on its own)
        return
    if engine is not None and engine.spider is not None:
        d = deferred_from_coro(engine.close_spider_async(reason=reason))
        _closing.add(d)
        d.addBoth(_closed, d)


def open_failed(crawler: Crawler, reason: str, message: str) -> CloseSpider:
    """Record a store or archive that could not be opened; the opening component raises the
    returned CloseSpider, with which Scrapy finishes opening the spider (every other
    component starts) and then closes it with this reason: every component closes again."""
    stats = crawler.stats
    assert stats is not None
    stats.inc_value(f"{STAT}/{reason}")
    if stats.get_value(STAT) is None:
        stats.set_value(STAT, reason)
        logger.error("%s: %s; the crawl cannot start (run it again with the same JOBDIR "
                     "once fixed)", reason, message)
    return CloseSpider(reason)


def _closed(result: Any, d: Any) -> None:
    _closing.discard(d)
    if isinstance(result, Failure):
        logger.error("could not stop the crawl: %s", result.getErrorMessage())


def failure(stats: Any) -> str | None:
    """The reason a crawl's writes failed, or None."""
    return stats.get_value(STAT) if stats is not None else None
