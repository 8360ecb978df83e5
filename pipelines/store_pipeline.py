"""Item pipeline: record every fetch, and every page the cleaner calls a report, in SQLite.

Rows are written by pipelines.store.record.record_page, the same function re-extraction
from WARC calls.  A page whose records
could not be archived is not stored, and a page that could not be stored stops the crawl
(archive/writefailed.py): the next run with the same JOBDIR fetches both again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES

from archive import writefailed
from pipelines.page import Page
from pipelines.procs import Helper, HelperDied
from pipelines.store import urlstate
from pipelines.store import writer as dbwriter
from pipelines.store.copies import cluster
from pipelines.store.db import CrawlStart, connect, crawl_db_path, finish_crawl, open_db
from pipelines.store.record import Ack, write

if TYPE_CHECKING:
    import sqlite_utils

logger = logging.getLogger(__name__)


def crawl_settings(crawler: Crawler) -> dict[str, Any]:
    """The settings a run was given: the project's and the command line's, not Scrapy's defaults."""
    s = crawler.settings
    floor = SETTINGS_PRIORITIES["project"]
    return {name: s[name] for name in s
            if (s.getpriority(name) or 0) >= floor and _jsonable(s[name])}


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _close_started(starting: asyncio.Future[Helper]) -> None:
    if not starting.cancelled() and starting.exception() is None:
        starting.result().close(dbwriter.close)


class SQLitePipeline:
    """Records every item: through the writer process (SQLITE_PROCESS, the default: see
    pipelines/store/writer.py for why), or inline on the reactor thread."""

    def __init__(self, crawler: Crawler, path: Path):
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = path
        self.writer: Helper | None = None
        self._target: dbwriter.Target | None = None
        # Written on the reactor thread (SQLITE_PROCESS off) only; the writer process opens
        # it otherwise, and this one opens a plain connection to finish the crawls row.
        self.db: sqlite_utils.Database | None = None
        self.crawl_id: int | None = None  # None until opened: see spider_closed
        self._starting: asyncio.Future[Helper] | None = None
        # Writes sent and not yet counted, by URL: counted as their acks come back, and all
        # of them at the close.
        self.unacked: dict[asyncio.Future[Ack], str] = {}
        self.backlog = max(1, crawler.settings.getint("SQLITE_BACKLOG", 256))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("SQLITE_ENABLED"):
            raise NotConfigured("SQLITE_ENABLED is off")
        pipeline = cls(crawler, crawl_db_path(s))
        # spider_closed fires after every item is through and the finish reason is known.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    async def open_spider(self) -> None:
        """Open the database (and start its writer); if it cannot be (a full disk, say),
        the crawl is closed as soon as it is open, with finish reason store_write_failed."""
        try:
            await self._open()
        except (sqlite3.Error, OSError, HelperDied) as exc:
            if self.db is not None:
                self.db.close()
                self.db = None
            self.crawl_id = None
            raise writefailed.open_failed(
                self.crawler, writefailed.STORE,
                f"the database {self.path} could not be opened ({exc})") from exc

    async def _open(self) -> None:
        s = self.crawler.settings
        spider = self.crawler.spider
        new_crawl = CrawlStart(spider.name if spider else "", crawl_settings(self.crawler),
                               s.get("CRAWL_ID") or None)
        # issue 11: clusters of copies (pipelines/store/copies/cluster.py), kept by the writing connection
        target = dbwriter.Target(self.path, None, s.get("SITES_FILE"),
                                 s.getfloat("CLUSTER_THRESHOLD"), s.getbool("CLUSTER_ENABLED"),
                                 new_crawl=new_crawl)
        if s.getbool("SQLITE_PROCESS"):
            # Started in a thread: the forkserver may still be starting (see CleanPipeline).
            # The writer opens the database (schema migrations) and inserts the crawls row.
            self._starting = asyncio.ensure_future(asyncio.to_thread(dbwriter.start, target))
            self.writer = await self._starting
            self.crawl_id = await self.writer.call(dbwriter.crawl_id)
            # What a writer started after this one dies goes on with: the same crawls row.
            self._target = dataclasses.replace(target, crawl_id=self.crawl_id, new_crawl=None)
        else:
            self.db = open_db(self.path)
            self.crawl_id = new_crawl.insert(self.db)
            cluster.attach(self.db, target.sites_file, threshold=target.cluster_threshold,
                           enabled=target.cluster_enabled)

    async def process_item(self, item: Page) -> Page:
        if not isinstance(item, Page):
            return item
        if any(fetch.archive_error is not None for fetch in item.fetches):
            # Stored, it would never be fetched again; left out, a resume fetches it.
            self.stats.inc_value("store/not_archived")
            raise DropItem(f"not stored, its archive write failed: {item.url}")
        if self.writer is None:
            self._count(write(self.db, item, self.crawl_id))
            item.body = b""  # archived and cleaned: kept out of memory from here on
            return item
        if not self.writer.alive:  # it died: its unanswered pages are counted lost
            self.writer.close()
            self.writer = dbwriter.start(self._target)
        # The page as the writer needs it (dbwriter.shipped), without copying it: the body has
        # been archived and cleaned, and is kept out of memory from here on.
        item.body = b""
        future = self.writer.call(dbwriter.write_page, item)
        self.unacked[future] = item.url
        future.add_done_callback(self._acked)
        # Back-pressure: a writer slower than the crawl (a large database, many reports) would
        # otherwise have the pages it has not written pile up in this process's memory.
        while len(self.unacked) > self.backlog:
            # The oldest write; its _acked, registered first, has run when this wakes.
            await asyncio.wait([next(iter(self.unacked))])
        return item

    def _acked(self, future: asyncio.Future[Ack]) -> None:
        url = self.unacked.pop(future, None)
        if url is None:
            return  # counted at the close
        try:
            ack = future.result()
        except Exception as exc:  # noqa: BLE001 - the writer died: the page is not stored
            ack = Ack(url, False, error=str(exc))
        self._count(ack)

    def _count(self, ack: Ack) -> None:
        if not ack.stored:
            # The transaction rolled back, or the writer died: the fetch is in the WARC, and
            # not in the database, so the crawl stops and a resume fetches it again.
            logger.error("SQLite write failed for %s: %s", ack.url, ack.error)
            self.stats.inc_value("store/write_errors")
            writefailed.write_failed(self.crawler, writefailed.STORE,
                                     f"the database could not be written ({ack.error})")
            return
        if ack.is_report:
            self.stats.inc_value("store/reports")
        self.stats.inc_value("store/pages")
        if ack.change:  # issue 6: new/changed/unchanged/failed
            self.stats.inc_value(f"incremental/{ack.change}")

    def spider_closed(self, reason: str) -> None:
        starting, self._starting = self._starting, None
        if starting is not None and not starting.done():
            # Another component failed to open, and the crawl closes while the writer
            # starts: it is closed once started (it has written nothing).
            starting.add_done_callback(_close_started)
        if self.writer is not None:
            try:
                self.writer.close(dbwriter.close)
            except (HelperDied, sqlite3.Error) as exc:
                logger.error("the database writer did not close cleanly: %s", exc)
            for future in list(self.unacked):  # answered by now, their callbacks not run
                self._acked(future)
        if self.crawl_id is None:  # never opened: nothing to finish
            return
        conn = None
        try:
            conn = self.db.conn if self.db is not None else connect(self.path)
            urlstate.record_counts(conn, self.crawl_id, self.stats.get_stats())  # issue 6
            finish_crawl(conn, self.crawl_id, reason, self.stats.get_stats())
        except sqlite3.Error as exc:  # the crawls row stays unfinished, as after a kill
            writefailed.write_failed(self.crawler, writefailed.STORE,
                                     f"the crawl's row could not be finished ({exc})")
        finally:
            if self.db is not None:
                self.db.close()
                self.db = None
            elif conn is not None:
                conn.close()
            self.crawl_id = None
