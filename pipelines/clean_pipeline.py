"""Item pipeline: run the cleaner on every fetched HTML page and report attachment.

Cleaning is pure-Python CPU work (~5-10 ms a page), so it runs in CLEAN_WORKERS helper
processes (pipelines.procs.Helper, running pipelines/clean_worker.py; default: one per core
but the reactor's; 0 = inline, for debugging): on the reactor thread it would stop every
download while it ran, and a thread pool gains nothing under the GIL.  The pipeline awaits
the worker's result, so items still leave in their own time and the store sees each page
cleaned.  `scrapy extract` uses the same workers.

Every page gets CLEAN_TIMEOUT seconds of its worker's time: a page still being cleaned then
(a hostile one) has its worker killed and replaced, and is recorded with a `timeout` error
and no text; the pages queued behind it go to the new worker.  Enforced from this side, by
SIGKILL: an alarm inside the worker would raise wherever the page happened to be (clean()
records any exception as the page's error and goes on), and would wait for C code such as
libxml2's parser or OpenCC to return.  Inline cleaning (CLEAN_WORKERS=0) has no limit.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from pipelines import procs
from pipelines.clean.result import CleanResult
from pipelines.clean_worker import Cleaned, clean_fetched, warm_up
from pipelines.page import Page
from pipelines.store.urlstate import UNCHANGED

logger = logging.getLogger(__name__)
_CLEANABLE = ("text/html", "application/xhtml", "text/plain", "")


def is_fetched(page: Page) -> bool:
    return page.status == 200 and bool(page.body)


def is_cleanable(page: Page) -> bool:
    ctype = page.content_type.split(";")[0].strip().lower()
    return is_fetched(page) and ctype.startswith(_CLEANABLE)


def worker_count(value: int, beside_reactor: bool = False) -> int:
    """A *_WORKERS setting: negative means one per core, or beside a crawl's reactor, which
    keeps a core busy, one per other core (at least one).  On two cores one worker cleaned
    the report-heavy bench site as fast as two and saved their memory: each holds its own
    ~110 MB of cleaning tables (docs/crawling.md)."""
    if value >= 0:
        return value
    cores = os.cpu_count() or 1
    return max(1, cores - 1) if beside_reactor else cores


# Below the writers too: a writer is one serial stage that no other process can take over,
# so when the cores are short the cleaners, of which there are several, give way.  (In
# `scrapy extract` at the writers' priority, the database writer fell a second behind.)
NICENESS = procs.NICENESS + 3


def start_helpers(workers: int, fork: bool = False) -> list[procs.Helper]:
    helpers: list[procs.Helper] = []
    try:
        for i in range(workers):
            # A lone worker has nobody to share the forkserver's preloaded tables with: from
            # there it would only add the forkserver's own ~100 MB.  Spawned, it loads them
            # itself (about 0.7 s, also when one replaces it).
            start = functools.partial(procs.Helper, f"clean-worker-{i}", warm_up, fork=fork,
                                      niceness=NICENESS, spawn=workers == 1)
            try:
                helpers.append(start())
            except procs.HelperDied as exc:
                # Killed while it loaded (the OOM killer, an operator), as a worker may be
                # killed later: one more start, as a dead worker's pages get one more try.
                logger.warning("%s; starting it once more", exc)
                helpers.append(start())
    except BaseException:
        for helper in helpers:  # the ones started: nobody else would close them
            helper.close()
        raise
    return helpers


def _close_started(starting: asyncio.Future[list[procs.Helper]]) -> None:
    if not starting.cancelled() and starting.exception() is None:
        for helper in starting.result():
            helper.close()


def failed(exc: BaseException) -> CleanResult:
    """What a page gets when its worker died or could not return: a recorded failure."""
    return CleanResult(errors=[f"clean worker failed: {type(exc).__name__}: {exc}"])


def timed_out(seconds: float) -> CleanResult:
    """What a page gets when its cleaning ran over the time limit."""
    return CleanResult(errors=[f"timeout: cleaning took over {seconds:g} s (CLEAN_TIMEOUT)"])


class CleanPipeline:
    def __init__(self, crawler: Crawler, workers: int, timeout: float = 0.0):
        self.stats = crawler.stats
        self.workers = workers
        self.timeout = timeout  # seconds per page in a worker; 0: no limit
        self.helpers: list[procs.Helper] = []
        self._starting: asyncio.Future[list[procs.Helper]] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("CLEAN_ENABLED"):
            raise NotConfigured("CLEAN_ENABLED is off")
        return cls(crawler, worker_count(s.getint("CLEAN_WORKERS", -1), beside_reactor=True),
                   max(0.0, s.getfloat("CLEAN_TIMEOUT", 10.0)))

    async def open_spider(self) -> None:
        if self.workers and not self.helpers:
            # The first start is the forkserver's, with its imports (about a second): in a
            # thread, so that the reactor does not wait for it, and a worker that cannot
            # start fails the crawl now.
            self._starting = asyncio.ensure_future(asyncio.to_thread(start_helpers,
                                                                     self.workers))
            self.helpers = await self._starting

    def close_spider(self) -> None:
        starting, self._starting = self._starting, None
        if starting is not None and not starting.done():
            # Another component failed to open, and the crawl closes while these start:
            # they are closed once started.
            starting.add_done_callback(_close_started)
        for helper in self.helpers:
            helper.close()
        self.helpers = []

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page) or not is_fetched(item):
            return item
        args = (item.body, item.url, item.headers, is_cleanable(item))
        if not self.helpers:
            cleaned = clean_fetched(*args)
        else:
            cleaned = await self._in_worker(item.url, args)
        self.record(item, cleaned)
        return item

    async def _in_worker(self, url: str, args: tuple[Any, ...]) -> Cleaned:
        """Cleaned by the least busy worker.  A worker that dies (killed, out of memory) takes
        with it every page it held: each is tried once more on a live one, so only a page
        that kills a worker twice is a recorded failure."""
        retried = False
        while True:
            helper = min(self.helpers, key=lambda h: h.pending)
            try:
                return await helper.call(clean_fetched, *args, timeout=self.timeout or None)
            except procs.CallTimedOut:
                logger.warning("cleaning %s took over %g s: skipped, its worker replaced",
                               url, self.timeout)
                self.stats.inc_value("clean/timeouts")
                return Cleaned(timed_out(self.timeout), False)
            except Exception as exc:  # noqa: BLE001 - a worker's death must not lose the page
                died = not helper.alive
                self._replace_dead()
                if died and not retried:
                    logger.warning("cleaning %s: its worker died (%s); trying once more", url,
                                   exc)
                    self.stats.inc_value("clean/worker_retries")
                    retried = True
                    continue
                logger.error("cleaning %s failed in a worker: %s", url, exc)
                self.stats.inc_value("clean/worker_errors")
                return Cleaned(failed(exc), False)

    def _replace_dead(self) -> None:
        """A new worker for each dead one (once, though every page one held reports it),
        started without waiting for its set-up (a spawned one takes most of a second, and
        the reactor would wait).  One that cannot start fails the pages sent to it, as
        recorded failures, and is replaced again when the next page finds it dead."""
        for i, helper in enumerate(self.helpers):
            if not helper.alive:
                try:
                    self.helpers[i] = helper.restarted(wait=False)
                except OSError as exc:  # no process to be had: its pages fail at once
                    logger.error("a new clean worker could not start: %s", exc)

    def record(self, item: Page, cleaned: Cleaned) -> None:
        """Attach a result to its page and count it."""
        result, attachment, item.fingerprint = cleaned
        if result is None:
            return
        item.cleaned = result
        if attachment:
            self.stats.inc_value("clean/attachments")
        self.stats.inc_value("clean/pages")
        if result.is_report:
            self.stats.inc_value("clean/reports")
        if result.spam_removed:
            self.stats.inc_value("clean/spam_removed", result.spam_removed)
        if result.errors:
            self.stats.inc_value("clean/errors")


class ChangedOnlyCleanPipeline(CleanPipeline):
    """The cleaning pipeline, minus pages an incremental recrawl found unchanged.

    crawler.incremental marks a fetch ``unchanged`` when the server answered 304 or sent the
    payload it sent last time; cleaning it again would only repeat the report row the earlier
    crawl wrote.  It replaces CleanPipeline in ITEM_PIPELINES.
    """

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, Page) and item.final_fetch.change == UNCHANGED:
            self.stats.inc_value("incremental/not_recleaned")
            return item
        return await super().process_item(item)
