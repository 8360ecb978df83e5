"""Rebuild the crawl database from WARC files alone: ``scrapy extract -s DATA_DIR=DIR``.

Streams every WARC in DIR/warc in name (= time) order and turns each archived fetch back
into the ``Page`` the spider built during the crawl, cleans it with the crawl's own
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
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import Headers
from scrapy.settings import BaseSettings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils._compression import _DecompressionMaxSizeExceeded

from archive.reader import Entry, Problem, read_entries, read_entry, unfinished_files, warc_files
from pipelines.clean_pipeline import CleanPipeline, start_helpers
from pipelines.page import Page, absence_expected
from pipelines.procs import Helper, HelperDied
from pipelines.store import writer as dbwriter
from pipelines.store.db import finish_crawl, open_db, start_crawl
from pipelines.store.record import Ack, record_page

logger = logging.getLogger(__name__)
HOP_BY_HOP = {b"Connection", b"Keep-Alive", b"Transfer-Encoding", b"Proxy-Connection",
              b"X-Archive-Orig-Transfer-Encoding", b"Te", b"Trailer", b"Upgrade"}
REDIRECTS = {"301", "302", "303", "307", "308"}


def crawl_meta(text: str | None) -> dict[str, Any]:
    """A request record's WARC-JSON-Metadata; anything but a JSON object counts as none."""
    try:
        meta = json.loads(text or "{}")
    except (ValueError, RecursionError):
        return {}
    return meta if isinstance(meta, dict) else {}


class BodyTooLarge(ValueError):
    """A body that inflates past the size limit (the decoded bytes so far are dropped)."""


def decoded(body: bytes, headers: Headers, max_size: int = 0) -> tuple[bytes, Headers]:
    """Content-decode as Scrapy's HttpCompressionMiddleware does for the spider.

    Scrapy's decoders inflate in 64 KiB steps and stop once max_size (0: no limit) is
    crossed, so a bomb costs at most max_size of memory; that raises BodyTooLarge.
    """
    encodings = headers.getlist("Content-Encoding")
    if not encodings or not body:
        return body, headers
    to_decode, to_keep = HttpCompressionMiddleware._split_encodings(encodings)
    raw = body
    try:
        for encoding in to_decode:
            body = HttpCompressionMiddleware._decode(body, encoding, max_size)
    except _DecompressionMaxSizeExceeded as exc:  # the middleware's words, for the same row
        raise BodyTooLarge(f"its body ({len(raw)} B compressed, {exc.decompressed_size} B "
                           f"decompressed so far) exceeded DOWNLOAD_MAXSIZE ({max_size} B) "
                           "during decompression") from None
    except Exception:  # undecodable: the spider would have failed on it too; keep the bytes
        return raw, headers
    headers = headers.copy()
    if to_keep:
        headers["Content-Encoding"] = to_keep
    else:
        del headers["Content-Encoding"]
    return body, headers


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
        self.cleaner = CleanPipeline.from_crawler(self.run_)  # type: ignore[arg-type]
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
        self.hops: dict[str, dict[str, Any]] = {}  # redirect responses, by URL
        self.pending: dict[str, Entry] = {}  # responses waiting for their request record
        self.seen_ids: set[str] = set()  # every record id read, to skip a second copy

    def run(self) -> Stats:
        files = warc_files(self.warc_dir)
        self.stats.unfinished = unfinished_files(self.warc_dir)
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
        finally:
            self.cleaner.close_spider()
            if self.writer is not None:
                self.writer.close(dbwriter.close)
            finish_crawl(db, self.crawl_id, reason, self.run_.stats.get_stats())
            db.close()
        self._report(None, len(files))
        return self.stats

    async def _extract(self, db: Any, files: list[Path]) -> None:
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
                await self._page(db, entry, {})
            self.pending.clear()
        await self._drain(db, 0)

    def _report(self, path: Path | None, total: int) -> None:
        s = self.stats
        where = f" ({path.name})" if path else ""
        self.progress(f"extract: {s.files}/{total} files{where}, {s.records} records, "
                      f"{s.pages} pages, {s.reports} reports, {len(s.problems)} problems, "
                      f"{s.duplicates} duplicate records")

    async def _entry(self, db: Any, entry: Entry) -> None:
        rec = entry.record
        h = rec.rec_headers
        if rec.rec_type == "response":
            location = (entry.file, entry.offset)
            self.by_id[h.get_header("WARC-Record-ID")] = location
            digest = h.get_header("WARC-Payload-Digest")
            if digest:
                self.by_digest.setdefault(digest, location)
        if rec.rec_type in ("response", "revisit") and rec.http_headers is not None:
            self.pending[h.get_header("WARC-Record-ID")] = entry
        elif rec.rec_type == "request":
            response = self.pending.pop(h.get_header("WARC-Concurrent-To") or "", None)
            if response is not None:
                meta = crawl_meta(h.get_header("WARC-JSON-Metadata"))
                meta["referer"] = rec.http_headers.get_header("Referer") if rec.http_headers \
                    else None
                await self._page(db, response, meta)

    def _payload(self, entry: Entry) -> Entry | None:
        """The entry holding the HTTP payload: a response's own, or the one a revisit
        refers to."""
        if entry.record.rec_type == "response":
            return entry
        h = entry.record.rec_headers
        location = self.by_id.get(h.get_header("WARC-Refers-To") or "") or \
            self.by_digest.get(h.get_header("WARC-Payload-Digest") or "")
        if location is None:
            self.stats.problems.append(Problem(entry.file, entry.offset,
                                               "revisit of a payload not in this archive",
                                               entry.length))
            return None
        return read_entry(self.warc_dir / location[0], location[1], self.max_body)

    async def _page(self, db: Any, entry: Entry, meta: dict[str, Any]) -> None:
        if meta.get("page") is False:
            return  # robots.txt: fetched by Scrapy itself, never a page
        rec = entry.record
        url = rec.rec_headers.get_header("WARC-Target-URI")
        status = rec.http_headers.get_statuscode()
        # Any digits, so that pipelines.store.db.storable names a status out of range.
        fetch = {"url": url, "status": int(status) if status.isascii() and status.isdigit()
                 else None,
                 "fetched_at": rec.rec_headers.get_header("WARC-Date"),
                 "warc_file": entry.file, "warc_offset": entry.offset,
                 "warc_length": entry.length, "warc_type": rec.rec_type,
                 "warc_record_id": rec.rec_headers.get_header("WARC-Record-ID")}
        if status in REDIRECTS and rec.http_headers.get_header("Location"):
            self.hops[url] = fetch  # a hop: its page row is written with the final URL's
            return
        source = self._payload(entry)
        headers = Headers([(k, v) for k, v in rec.http_headers.headers
                           if k.title().encode() not in HOP_BY_HOP])
        body, failed = b"", None
        try:
            if source is None:  # the row is still written, with the reason
                failed = "revisit of a payload that is missing or damaged in this archive"
            elif source.too_large:
                raise BodyTooLarge(f"its body ({source.too_large} B as archived) exceeded "
                                   f"DOWNLOAD_MAXSIZE ({self.max_body} B)")
            else:
                body, headers = decoded(source.payload, headers, self.max_body)
        except BodyTooLarge as exc:  # as HttpCompressionMiddleware's IgnoreRequest in the crawl
            body, failed = b"", f"IgnoreRequest: Ignored response <{status} {url}> because {exc}."
        urls = meta.get("redirect_urls")
        hops = [self.hops.pop(u) for u in urls if isinstance(u, str) and u in self.hops] \
            if isinstance(urls, list) else []
        page = Page(
            url=url, status=fetch["status"],
            content_type=(headers.get("Content-Type") or b"").decode("latin-1"),
            headers={k.decode("latin-1"): b", ".join(v).decode("latin-1")
                     for k, v in headers.items()},
            body=body, depth=meta.get("depth", 0), referer=meta.get("referer"),
            fetches=[*hops, fetch],
        )
        # As HttpErrorMiddleware + the spider's errback do, sitemap probes excused alike.
        if (page.status is None or not 200 <= page.status < 300) and \
                not absence_expected(meta.get("discovery"), page.status):
            page.error = f"HTTP {status[:40]}"
        page.error = failed or page.error
        # Cleaned as the crawl cleans: a worker's failure is the page's recorded failure.
        self.window.append((page, asyncio.ensure_future(self.cleaner.process_item(page))))
        await self._drain(db, self.window_max if self.cleaner.helpers else 0)

    async def _drain(self, db: Any, keep: int) -> None:
        """Record the oldest pages, in order, until at most `keep` are in flight."""
        while len(self.window) > keep:
            page, cleaning = self.window.popleft()
            await cleaning
            if self.writer is None:
                self._count(Ack(page.url, True, record_page(db, page, self.crawl_id)))
            else:
                self.acks.append((page.url, self.writer.call(dbwriter.write_page,
                                                             dbwriter.shipped(page))))
        while self.acks and (self.acks[0][1].done() or not keep):
            url, ack = self.acks.popleft()
            try:
                self._count(await ack)
            except HelperDied as exc:  # as a write on this process would raise
                raise RuntimeError(f"writing {url} to {self.db_path} failed: {exc}") from exc

    def _count(self, ack: Ack) -> None:
        if not ack.stored:  # as a write on this process would raise
            raise RuntimeError(f"writing {ack.url} to {self.db_path} failed: {ack.error}")
        self.stats.pages += 1
        self.stats.reports += ack.is_report
