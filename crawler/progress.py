"""Extension: a progress line every PROGRESS_INTERVAL seconds while a crawl runs."""

from __future__ import annotations

import logging
import time
from collections.abc import Sized
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from archive import writefailed
from pipelines import procs

logger = logging.getLogger(__name__)


class Progress:
    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.stats = crawler.stats
        self.interval = interval
        self.loop: task.LoopingCall | None = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("PROGRESS_INTERVAL is 0")
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.log)
        self.loop.start(self.interval, now=False)

    def line(self) -> str:
        get = self.stats.get_value
        queued = self.queued()
        elapsed = max(time.monotonic() - self.started, 1e-9)
        fetched = get("downloader/response_count", 0) or 0
        failed = writefailed.failure(self.stats)
        # A recrawl stores no report that has not changed: the count says why there are none.
        unchanged = get("incremental/unchanged", 0) or 0
        parts = [f"progress: {fetched} fetched ({fetched / elapsed:.1f}/s)",
                 f"{get('store/reports', 0) or 0} reports",
                 *([f"{unchanged} pages unchanged"] if unchanged else []),
                 f"{queued} queued",
                 # Stored pages with an error, as `scrapy summary` counts them (404s, robots.txt
                 # refusals, timeouts), not the downloader's exceptions alone.
                 f"{get('incremental/failed', 0) or 0} failed or skipped",
                 f"{(get('archive/bytes_archived', 0) or 0) / 1e6:.1f} MB archived",
                 *([f"stopping: {failed}"] if failed else [])]
        return ", ".join(parts)

    def queued(self) -> int:
        """Requests waiting in the scheduler, as it counts them: after a resume its disk queue
        holds requests enqueued by the earlier run, which this run's stats never saw."""
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        if isinstance(scheduler, Sized):
            return len(scheduler)
        get = self.stats.get_value  # a scheduler that cannot count: this run's own balance
        return max(0, (get("scheduler/enqueued", 0) or 0) - (get("scheduler/dequeued", 0) or 0))

    def log(self) -> None:
        logger.info(self.line())
        self.warn_silent()

    @staticmethod
    def warn_silent() -> None:
        for name, seconds in procs.silent(procs.SILENT_WARNING):
            logger.warning("%s has not answered for %.0f s (a stalled disk, a stopped or hung "
                           "process?): the crawl waits for it", name, seconds)

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()

    def engine_stopped(self) -> None:
        # Not at spider_closed: the store pipeline's handler, run after this extension's,
        # waits there for the database writer's backlog, whose reports the line counts.
        logger.info(self.line().replace("progress:", "finished:"))
