"""Item pipeline: run the cleaner on every fetched HTML page and report attachment.

Cleaning is pure-Python CPU work (~5-10 ms a page), so it runs in a process pool of
CLEAN_WORKERS processes (default: one per core; 0 = inline, for debugging): on the reactor
thread it would stop every download while it ran, and a thread pool gains nothing under the
GIL.  The pipeline awaits the worker's result, so items still leave in their own time and
the store sees each page cleaned.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, NamedTuple, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import Page
from pipelines.attachments import clean_attachment
from pipelines.clean import clean
from pipelines.fingerprint import Fingerprint
from pipelines.result import CleanResult

logger = logging.getLogger(__name__)
_CLEANABLE = ("text/html", "application/xhtml", "text/plain", "")


def is_fetched(page: Page) -> bool:
    return page.status == 200 and bool(page.body)


def is_cleanable(page: Page) -> bool:
    ctype = page.content_type.split(";")[0].strip().lower()
    return is_fetched(page) and ctype.startswith(_CLEANABLE)


class Cleaned(NamedTuple):
    """What a worker sends back for one fetched body."""

    result: CleanResult | None
    attachment: bool
    # A report's near-duplicate fingerprint (issue 11), computed here rather than by the
    # process writing the database, which is the crawl's reactor.
    fingerprint: Fingerprint | None = None


def clean_fetched(body: bytes, url: str, headers: Mapping[str, str],
                  cleanable: bool) -> Cleaned:
    """Clean one fetched body; runs in a worker process.

    PDF/DOCX attachments (recognised by their bytes: servers often send them as
    application/octet-stream) go through the same stages as text (issue 9).
    """
    result = clean_attachment(body, url, headers)
    attachment = result is not None
    if not attachment and cleanable:
        result = clean(body, url, headers)
    fingerprint = Fingerprint.of(result.text) if result is not None and result.is_report else None
    return Cleaned(result, attachment, fingerprint)


def worker_count(value: int) -> int:
    """A *_WORKERS setting: negative means one per core."""
    return (os.cpu_count() or 1) if value < 0 else value


def make_pool(workers: int) -> ProcessPoolExecutor:
    # forkserver, not fork: the crawl process has threads (DNS, the reactor's pool) that a
    # forked child would inherit half-locked.  The server preloads the cleaner once.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pipelines.cleaning"])
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=exit_with_parent)


def exit_with_parent() -> None:
    """In a worker: exit when the process that started the pool is gone.

    A crawl killed with SIGKILL never shuts its pool down, and its workers would wait on
    their queue for ever (they hold its write end themselves).
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def start_workers(pool: Executor, workers: int) -> None:
    for future in [pool.submit(os.getpid) for _ in range(workers)]:
        future.result()


def failed(exc: BaseException) -> CleanResult:
    """What a page gets when its worker died or could not return: a recorded failure."""
    return CleanResult(errors=[f"clean worker failed: {type(exc).__name__}: {exc}"])


class CleanPipeline:
    def __init__(self, crawler: Crawler, workers: int):
        self.stats = crawler.stats
        self.workers = workers
        self.pool: Executor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("CLEAN_ENABLED"):
            raise NotConfigured("CLEAN_ENABLED is off")
        return cls(crawler, worker_count(s.getint("CLEAN_WORKERS", -1)))

    async def open_spider(self) -> None:
        if self.workers and self.pool is None:
            self.pool = make_pool(self.workers)
            # Workers start on demand, the first one with the forkserver and its imports
            # (about a second): started here, in a thread, so that neither the reactor nor
            # the first pages wait for them, and a pool that cannot start fails the crawl now.
            await asyncio.to_thread(start_workers, self.pool, self.workers)

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page) or not is_fetched(item):
            return item
        args = (item.body, item.url, item.headers, is_cleanable(item))
        pool = self.pool
        if pool is None:
            cleaned = clean_fetched(*args)
        else:
            try:
                cleaned = await asyncio.wrap_future(pool.submit(clean_fetched, *args))
            except Exception as exc:  # noqa: BLE001 - a worker's death must not lose the page
                logger.error("cleaning %s failed in a worker: %s", item.url, exc)
                self.stats.inc_value("clean/worker_errors")
                # A dead worker breaks the whole pool: start one afresh for the next pages
                # (once, though every page in flight reports the same break).
                if isinstance(exc, BrokenProcessPool) and self.pool is pool:
                    pool.shutdown(wait=False)
                    self.pool = make_pool(self.workers)
                cleaned = Cleaned(failed(exc), False)
        self.record(item, cleaned)
        return item

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
