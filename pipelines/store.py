"""Item pipeline: record every fetch, and every page the cleaner calls a report, in SQLite.

`record_page` is the one writer of page rows: the live crawl (SQLitePipeline) and
re-extraction from WARC both call it, so both produce the same rows.  A page whose records
could not be archived is not stored, and a page that could not be stored stops the crawl
(crawler/writefailed.py): the next run with the same JOBDIR fetches both again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any, NamedTuple, Self

import sqlite_utils
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES

from crawler import writefailed
from crawler.items import Page
from pipelines import cluster, dbwriter, stitch, urlstate
from pipelines.db import (
    crawl_db_path,
    finish_crawl,
    host,
    open_db,
    removal_rows,
    report_row,
    start_crawl,
    storable,
    wayback_ts,
)
from pipelines.procs import Helper, HelperDied

logger = logging.getLogger(__name__)


def _fetch_row(fetch: dict[str, Any]) -> dict[str, Any]:
    return {"url": fetch.get("url"), "status": fetch.get("status"),
            "fetched_at": fetch.get("fetched_at"), "wayback_ts": wayback_ts(fetch.get("fetched_at")),
            "download_latency": fetch.get("download_latency"),
            "warc_type": fetch.get("warc_type"), "warc_record_id": fetch.get("warc_record_id"),
            "warc_file": fetch.get("warc_file"), "warc_offset": fetch.get("warc_offset"),
            "warc_length": fetch.get("warc_length")}


def page_rows(page: Page) -> list[dict[str, Any]]:
    """One row per fetch behind the page: redirect hops and retries, then the final URL."""
    rows = []
    for i, fetch in enumerate(page.fetches[:-1]):
        nxt = page.fetches[i + 1]["url"]
        rows.append({**_fetch_row(fetch), "depth": page.depth, "referer": page.referer,
                     "redirect_to": nxt if nxt != fetch.get("url") else None, "is_report": 0})
    result = page.cleaned
    rows.append({
        **_fetch_row(page.final_fetch), "url": page.url, "status": page.status,
        "content_type": page.content_type, "length": page.length, "depth": page.depth,
        "referer": page.referer, "error": page.error,
        "is_report": int(result is not None and result.is_report),
    })
    for row in rows:
        row["host"] = host(row["url"])
    return rows


# Plain statements with bound parameters: sqlite-utils' insert()/update() introspect the
# table and convert every value on each call, which cost the crawl more than the writes.
def _names(row: dict[str, Any]) -> str:
    return ", ".join(f"[{k}]" for k in row)


def _insert(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> int:
    cur = db.conn.execute(f"insert into {table} ({_names(row)}) "
                          f"values ({', '.join('?' * len(row))})", list(row.values()))
    return int(cur.lastrowid or 0)


def _insert_many(db: sqlite_utils.Database, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        db.conn.executemany(f"insert into {table} ({_names(rows[0])}) "
                            f"values ({', '.join('?' * len(rows[0]))})",
                            [list(r.values()) for r in rows])


def _update(db: sqlite_utils.Database, table: str, rowid: int, row: dict[str, Any]) -> None:
    db.conn.execute(f"update {table} set {', '.join(f'[{k}] = ?' for k in row)} where id = ?",
                    [*row.values(), rowid])


def _upsert_page(db: sqlite_utils.Database, row: dict[str, Any]) -> int:
    # A fetch is identified by its WARC response record; recording it again (re-extraction
    # into the same database) updates that row.  Fetches never archived are always new.
    if row.get("warc_file"):
        found = db.execute("select id from pages where warc_file = ? and warc_offset = ?",
                           [row["warc_file"], row["warc_offset"]]).fetchone()
        if found:
            # The crawl that first recorded a fetch keeps it.
            update = {k: v for k, v in row.items() if k != "crawl_id"}
            _update(db, "pages", found[0], update)
            return int(found[0])
    return _insert(db, "pages", row)


def record_page(db: sqlite_utils.Database, page: Page, crawl_id: int | None = None) -> bool:
    """Write a page's rows (fetches, report, removals, errors) in one transaction.

    Returns whether a report row was written.  Idempotent for archived fetches: recording the
    same page again rewrites its rows instead of adding more.  crawl_id links the rows to a
    crawls row (see pipelines.db.start_crawl); None leaves them unlinked.
    """
    page = storable(page)  # issue 17: what the server sent, checked before it is a row
    result = page.cleaned
    is_report = result is not None and result.is_report
    with db.atomic():
        page_id = 0
        for row in page_rows(page):
            page_id = _upsert_page(db, {**row, "crawl_id": crawl_id})
        # What an earlier recording of this fetch left is replaced, not added to.
        db.execute("delete from removals where page_id = ?", [page_id])
        db.execute("delete from errors where page_id = ?", [page_id])
        found = db.execute("select id, crawl_id from reports where page_id = ?",
                           [page_id]).fetchone()
        report_id = None
        if is_report:
            row = {**report_row(page.url, page.final_fetch, result), "page_id": page_id,
                   "crawl_id": crawl_id}
            if found:
                report_id = found[0]
                _update(db, "reports", report_id, {**row, "crawl_id": found[1]})
            else:
                report_id = _insert(db, "reports", row)
        elif found:  # a re-extraction's cleaner no longer calls it a report
            cluster.forget_report(db, found[0])  # issue 11: its copy row goes first
            db.execute("delete from reports where id = ?", [found[0]])
        if report_id is not None:  # issue 11: near-duplicate cluster and canonical copy
            cluster.add_report(db, report_id, page_id, page.url, result, page.fingerprint)
        stitch.record(db, page, page_id)  # issue 19: articles split over pages
        if result is not None:
            _insert_many(db, "removals", [{**r, "page_id": page_id, "report_id": report_id}
                                          for r in removal_rows(result)])
        errors = ([("fetch", page.error)] if page.error else []) + \
            [("clean", e) for e in (result.errors if result is not None else [])]
        _insert_many(db, "errors", [
            {"crawl_id": crawl_id, "page_id": page_id, "url": page.url, "stage": stage,
             "message": message} for stage, message in errors])
        urlstate.record_state(db, page, crawl_id)  # issue 6: what the next crawl remembers
    return is_report


class Ack(NamedTuple):
    """What became of one page's write."""

    url: str
    stored: bool
    is_report: bool = False
    change: str | None = None  # urlstate.change_of: new/changed/unchanged/failed
    error: str | None = None


def write(db: Any, page: Page, crawl_id: int | None) -> Ack:
    """record_page, with a failed write (rolled back) reported rather than raised."""
    try:
        is_report = record_page(db, page, crawl_id)
    except sqlite3.Error as exc:
        return Ack(page.url, False, error=str(exc))
    return Ack(page.url, True, is_report, urlstate.change_of(page))


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
    pipelines/dbwriter.py for why), or inline on the reactor thread."""

    def __init__(self, crawler: Crawler, path: Path):
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = path
        self.writer: Helper | None = None
        self.target: dbwriter.Target | None = None
        self.db: sqlite_utils.Database | None = None  # None until opened: see spider_closed
        self.crawl_id: int | None = None
        self._starting: asyncio.Future[Helper] | None = None
        # Writes sent and not yet counted, by URL: counted as their acks come back, and all
        # of them at the close.
        self.unacked: dict[asyncio.Future[Ack], str] = {}

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
            raise writefailed.open_failed(
                self.crawler, writefailed.STORE,
                f"the database {self.path} could not be opened ({exc})") from exc

    async def _open(self) -> None:
        s = self.crawler.settings
        self.db = open_db(self.path)
        spider = self.crawler.spider
        self.crawl_id = start_crawl(self.db, spider.name if spider else "",
                                    settings=crawl_settings(self.crawler),
                                    crawl_key=s.get("CRAWL_ID") or None)
        # issue 11: clusters of copies (pipelines/cluster.py), kept by the writing connection
        self.target = dbwriter.Target(self.path, self.crawl_id, s.get("SITES_FILE"),
                                      s.getfloat("CLUSTER_THRESHOLD"),
                                      s.getbool("CLUSTER_ENABLED"))
        if s.getbool("SQLITE_PROCESS"):
            # Started in a thread: the forkserver may still be starting (see CleanPipeline).
            self._starting = asyncio.ensure_future(asyncio.to_thread(dbwriter.start,
                                                                     self.target))
            self.writer = await self._starting
        else:
            cluster.attach(self.db, self.target.sites_file,
                           threshold=self.target.cluster_threshold,
                           enabled=self.target.cluster_enabled)

    def process_item(self, item: Page) -> Page:
        if not isinstance(item, Page):
            return item
        if any(writefailed.NOT_ARCHIVED in fetch for fetch in item.fetches):
            # Stored, it would never be fetched again; left out, a resume fetches it.
            self.stats.inc_value("store/not_archived")
            raise DropItem(f"not stored, its archive write failed: {item.url}")
        if self.writer is None:
            self._count(write(self.db, item, self.crawl_id))
        else:
            if not self.writer.alive:  # it died: its unanswered pages are counted lost
                self.writer = self.writer.restarted()
            future = self.writer.call(dbwriter.write_page, dbwriter.shipped(item))
            self.unacked[future] = item.url
            future.add_done_callback(self._acked)
        # The body has been archived and cleaned; keep it out of memory from here on.
        item.body = b""
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
        if self.db is None:  # never opened: nothing to finish
            return
        try:
            urlstate.record_counts(self.db, self.crawl_id, self.stats.get_stats())  # issue 6
            finish_crawl(self.db, self.crawl_id, reason, self.stats.get_stats())
        except sqlite3.Error as exc:  # the crawls row stays unfinished, as after a kill
            writefailed.write_failed(self.crawler, writefailed.STORE,
                                     f"the crawl's row could not be finished ({exc})")
        finally:
            self.db.close()
            self.db = None
