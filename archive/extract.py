"""Rebuild the crawl database from WARC files alone: ``scrapy extract -s DATA_DIR=DIR``.

Streams every WARC in DIR/warc in name (= time) order and turns each archived fetch back
into the ``Page`` the spider built during the crawl (with the spider's own builder,
archive/pages.py: decoding, revisits and errors judged alike), cleans it with the crawl's own
``CleanPipeline`` (so HTML and attachments take exactly the live path to ``clean()``) and
records it with the same ``pipelines.store.record.record_page``, so the rows are the ones a live
crawl writes.  What the HTTP messages do not say (link depth, redirect chain, whether the
fetch was a page or robots.txt) comes from the request record's ``WARC-JSON-Metadata``.
Revisit records get their payload from the record they refer to.  Damaged regions are
reported with file, offset and length and skipped (archive/reader.py).  A record whose
WARC-Record-ID was already read in this run (a file copied twice into the directory, or
concatenated with itself) is skipped and counted: one record is one fetch, recorded once.
A ``.open`` file is an unfinished file of a running or killed crawl: it is not read (it may
still grow, and the next crawl's recovery, archive/recovery.py, truncates and renames it, so
rows pointing into it would point at the wrong name); it is listed, for the operator.
A body is never held
or inflated past ``DOWNLOAD_MAXSIZE``, the limit the crawl applied when it fetched it: a
larger one (a gzip bomb) is the page's recorded error, as it was in the crawl.

With workers > 1 the cleaning runs in that many of the pipeline's worker processes, and one
more writes the database (pipelines/store/writer.py), while this one reads the WARC files.
Pages reach the writer in WARC order, so the rows (and their ids) are the ones a
single-process run writes.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
from scrapy.settings import BaseSettings
from scrapy.statscollectors import MemoryStatsCollector

from archive.pages import (
    Meta,
    Unreadable,
    archived_fetch,
    is_redirect_hop,
    page_from_records,
    payload_source,
    read_request_meta,
)
from archive.reader import (
    Entry,
    Problem,
    not_files,
    read_entries,
    unfinished_files,
    warc_files,
)
from pipelines.clean_pipeline import ChangedOnlyCleanPipeline, start_helpers
from pipelines.page import Page
from pipelines.procs import Helper, HelperDied
from pipelines.store import writer as dbwriter
from pipelines.store.db import finish_crawl, open_db, start_crawl
from pipelines.store.record import Ack, record_page
from pipelines.store.urlstate import UNCHANGED

logger = logging.getLogger(__name__)


class WriteFailed(RuntimeError):
    """A page could not be written to the database (a full disk, a dead writer process)."""


class _Run:
    """The part of a Crawler that the item pipelines read: settings and a stats collector."""

    def __init__(self, settings: BaseSettings):
        self.settings = settings
        self.stats = MemoryStatsCollector(self)  # type: ignore[arg-type]


@dataclass
class Stats:
    files: int = 0
    records: int = 0
    pages: int = 0
    reports: int = 0
    duplicates: int = 0  # records whose WARC-Record-ID was read before in this run
    problems: list[Problem] = field(default_factory=list)
    unfinished: list[Path] = field(default_factory=list)  # .open files, not read
    # Named like WARC files but none (a link to nothing, a folder, a FIFO), with why: not read.
    not_files: list[tuple[Path, str]] = field(default_factory=list)
    # Pages recorded with a cleaning failure and no text: over CLEAN_TIMEOUT, or their worker
    # died twice.
    timeouts: int = 0
    worker_errors: int = 0


class Extractor:
    def __init__(self, settings: BaseSettings, db_path: Path | None = None,
                 progress: Callable[[str], None] | None = None, interval: float = 5.0,
                 workers: int = 1):
        data_dir = Path(settings.get("DATA_DIR"))
        self.warc_dir = data_dir / "warc"
        self.db_path = db_path or data_dir / "reports.db"
        self.run_ = _Run(settings)
        self.max_body = settings.getint("DOWNLOAD_MAXSIZE")
        self.workers = max(1, workers)
        # The crawl's own cleaning pipeline, with its workers (none: clean in this process).
        # A time limit needs one even for --workers 1: only a worker can be killed mid-page.
        # The incremental one: a page fetched again unchanged is not cleaned again (_page).
        self.cleaner = ChangedOnlyCleanPipeline.from_crawler(self.run_)  # type: ignore[arg-type]
        self.cleaner.workers = self.workers if self.workers > 1 or self.cleaner.timeout else 0
        # Pages being cleaned, oldest first; bounded so bodies in flight stay few, and long
        # enough that a slow page at its head leaves the other workers pages to clean.
        self.window: deque[tuple[Page, asyncio.Task[Page]]] = deque()
        self.window_max = 32 * self.workers
        self.writer: Helper | None = None
        self.acks: deque[tuple[str, asyncio.Future[Ack]]] = deque()  # writes not yet counted
        self.crawl_id: int | None = None
        self.progress = progress or logger.info
        self.interval = interval
        self.stats = Stats()
        # Where payloads live, for revisits: by record id and by payload digest.
        self.by_id: dict[str, tuple[str, int]] = {}
        self.by_digest: dict[str, tuple[str, int]] = {}
        # Redirect responses, by URL, until the page they led to is read; each left over at
        # the end (its target refused, a loop, a failed fetch: nothing of it archived) is a
        # page of its own, as in the crawl.
        self.hops: dict[str, tuple[Entry, Meta, str | None]] = {}
        # Responses waiting for their request record, by record id.
        self.pending: dict[str, Entry] = {}
        self.seen_ids: set[str] = set()  # every record id read, to skip a second copy

    def run(self) -> Stats:
        files = warc_files(self.warc_dir)
        self.stats.unfinished = unfinished_files(self.warc_dir)
        self.stats.not_files = not_files(self.warc_dir)
        db = open_db(self.db_path)
        self.crawl_id = start_crawl(db, "reports", source="extract",
                                    settings={"warc_dir": str(self.warc_dir)})
        reason = "failed"
        try:
            # Forked, before the loop starts any thread: they share this process's imports and
            # start at once.  (They never touch its database connection.)
            if self.cleaner.workers:
                self.cleaner.helpers = start_helpers(self.cleaner.workers, fork=True)
            if self.workers > 1:
                self.writer = dbwriter.start(dbwriter.Target(self.db_path, self.crawl_id),
                                             fork=True)
            asyncio.run(self._extract(db, files))
            reason = "finished"
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (the command turns it into one)
            reason = "interrupted"
            raise
        finally:
            self.cleaner.close_spider()
            if self.writer is not None:
                self.writer.close(dbwriter.close)
            try:
                finish_crawl(db, self.crawl_id, reason, self.run_.stats.get_stats())
            except sqlite3.Error:
                if reason == "finished":
                    raise
                # A failed run (a full disk): the error that stopped it is the one to show.
                logger.exception("extract: the crawls row could not be closed")
            db.close()
        self._report(None, len(files))
        self.stats.timeouts = self.run_.stats.get_value("clean/timeouts", 0)
        self.stats.worker_errors = self.run_.stats.get_value("clean/worker_errors", 0)
        return self.stats

    async def _extract(self, db: sqlite_utils.Database, files: list[Path]) -> None:
        await self.cleaner.open_spider()
        last = time.monotonic()
        for path in files:
            self.stats.files += 1
            for entry in read_entries(path, self.stats.problems, max_payload=self.max_body):
                self.stats.records += 1
                record_id = entry.record.rec_headers.get_header("WARC-Record-ID")
                if record_id in self.seen_ids:
                    self.stats.duplicates += 1
                    continue
                if record_id:
                    self.seen_ids.add(record_id)
                await self._entry(db, entry)
                if time.monotonic() - last >= self.interval:
                    last = time.monotonic()
                    self._report(path, len(files))
            for entry in self.pending.values():  # responses without a request record
                await self._page(db, entry, {}, None)
            self.pending.clear()
        for entry, meta, referer in list(self.hops.values()):
            await self._page(db, entry, meta, referer, final=True)
        self.hops.clear()
        await self._drain(db, 0)

    def _report(self, path: Path | None, total: int) -> None:
        s = self.stats
        where = f" ({path.name})" if path else ""
        self.progress(f"extract: {s.files}/{total} files{where}, {s.records} records, "
                      f"{s.pages} pages, {s.reports} reports, {len(s.problems)} problems, "
                      f"{s.duplicates} duplicate records")

    async def _entry(self, db: sqlite_utils.Database, entry: Entry) -> None:
        rec = entry.record
        h = rec.rec_headers
        if rec.rec_type == "response":
            location = (entry.file, entry.offset)
            self.by_id[h.get_header("WARC-Record-ID")] = location
            digest = h.get_header("WARC-Payload-Digest")
            if digest:
                self.by_digest.setdefault(digest, location)
        if rec.rec_type in ("response", "revisit") and rec.http_headers is not None:
            if record_id := h.get_header("WARC-Record-ID"):
                self.pending[record_id] = entry
            else:  # no request record can name it: a page without one, not one in a heap
                await self._page(db, entry, {}, None)
        elif rec.rec_type == "request":
            response = self.pending.pop(h.get_header("WARC-Concurrent-To") or "", None)
            if response is not None:
                referer = rec.http_headers.get_header("Referer") if rec.http_headers else None
                await self._page(db, response,
                                 read_request_meta(h.get_header("WARC-JSON-Metadata")), referer)

    def _locate(self, refers_to: str | None, digest: str | None) -> tuple[str, int] | None:
        """Where the original of a revisit is: a response record read before in this run."""
        return self.by_id.get(refers_to or "") or self.by_digest.get(digest or "")

    async def _page(self, db: sqlite_utils.Database, entry: Entry, meta: Meta,
                    referer: str | None, final: bool = False) -> None:
        """final: a redirect that led to no archived page is that page."""
        if meta.get("page") is False:
            return  # robots.txt: fetched by Scrapy itself, never a page
        if is_redirect_hop(entry) and not final:
            self.hops[archived_fetch(entry, meta).url] = (entry, meta, referer)
            return
        try:
            source: Entry | Unreadable = payload_source(entry, self.warc_dir, self._locate,
                                                        self.max_body)
        except Unreadable as exc:
            source = exc
            if exc.location is None:  # a damaged original was reported when it was read
                self.stats.problems.append(Problem(entry.file, entry.offset,
                                                   "revisit of a payload not in this archive",
                                                   entry.length))
        urls = meta.get("redirect_urls")
        hops = [archived_fetch(*self.hops.pop(u)[:2]) for u in urls
                if isinstance(u, str) and u in self.hops] if isinstance(urls, list) else []
        page = page_from_records(entry, source, meta, referer, hops, self.max_body)
        if (entry.record.rec_type == "revisit" and isinstance(source, Entry)
                and source.record.rec_headers.get_header("WARC-Target-URI") == page.url):
            # The URL fetched again with the payload an earlier fetch of it archived: what the
            # crawl's incremental middleware calls unchanged, and does not clean again (so
            # no second report row); also a page refetched after a crawl stopped before
            # storing its first fetch.
            page.final_fetch.change = UNCHANGED
        if final and is_redirect_hop(entry):  # the crawl's reason (refused, loop...) is not kept
            location = entry.record.http_headers.get_header("Location")
            page.error = f"{page.error}: redirect to {location} with no archived response"
        # Cleaned as the crawl cleans: a worker's failure is the page's recorded failure.
        self.window.append((page, asyncio.ensure_future(self.cleaner.process_item(page))))
        await self._drain(db, self.window_max if self.cleaner.helpers else 0)

    async def _drain(self, db: sqlite_utils.Database, keep: int) -> None:
        """Record the oldest pages, in order, until at most `keep` are in flight."""
        while len(self.window) > keep:
            page, cleaning = self.window.popleft()
            await cleaning
            if self.writer is None:
                try:
                    is_report = record_page(db, page, self.crawl_id)
                except sqlite3.Error as exc:  # named as the writer process names it
                    raise WriteFailed(f"writing {page.url} to {self.db_path} failed: "
                                       f"{exc}") from exc
                self._count(Ack(page.url, True, is_report))
            else:
                self.acks.append((page.url, self.writer.call(dbwriter.write_page,
                                                             dbwriter.shipped(page))))
        while self.acks and (self.acks[0][1].done() or not keep):
            url, ack = self.acks.popleft()
            try:
                self._count(await ack)
            except HelperDied as exc:  # as a write on this process would raise
                raise WriteFailed(f"writing {url} to {self.db_path} failed: {exc}") from exc

    def _count(self, ack: Ack) -> None:
        if not ack.stored:  # as a write on this process would raise
            raise WriteFailed(f"writing {ack.url} to {self.db_path} failed: {ack.error}")
        self.stats.pages += 1
        self.stats.reports += ack.is_report
