"""Spider middleware: resume a crawl with JOBDIR even after the process was killed.

Scrapy's JOBDIR keeps the request queue and the dupefilter's seen set on disk, but writes
the queue's index only when the spider closes.  Stopped with one Ctrl-C (SIGINT) the crawl
finishes the requests in flight and closes cleanly, and the next run with the same JOBDIR
simply goes on.  Killed (SIGKILL, power loss) it leaves a queue index that is missing or
stale, and a seen set that also holds requests that were queued, or fetched but not yet
stored, and are now lost: filtered as seen, never fetched.

So the database, not the JOBDIR, says what is done.  A marker file in the JOBDIR tells a
killed run from a closed one; a run stopped by a failed write (archive/writefailed.py: a full
disk, say) counts as killed, since the pages it could not archive or store are in its seen
set.  After such a run this middleware, before the scheduler opens the JOBDIR,

* rewrites ``requests.seen`` to the fingerprints of the URLs stored by this job's runs (every
  pages row, so a stored page is never fetched twice), and drops the stale queue;
* re-derives the frontier: it hands the spider the archived bodies of the stored pages (read
  from the WARC files, as fetched) and yields the links the spider follows from them, ahead
  of the start requests.  The dupefilter lets through exactly the links not stored yet.

A page that was fetched and archived but not stored is fetched again; the archive then
writes it as a revisit (identical payload), so it is one full response in the WARC files
and one row in the database.

A stored page whose archived record can no longer be read (a damaged or missing WARC file,
or a revisit whose original is) would silently take its links with it.  Each is logged as a
warning, counted (stat ``resume/unreadable_records``) and fetched again, past the dupefilter.
Its payload digest is dropped from the digest index first: the only copy is unreadable, so the
new fetch is archived as a full response, not as a revisit of the lost one (the old row stays,
pointing at the damaged record, as the history of that fetch).

A request queue the last run left unreadable (a state file left empty by a full disk; see
``queue_damage`` in crawler/scheduler.py) is a damaged frontier too: it is rebuilt the same way.

A JOBDIR that cannot be written when the run starts (its disk full already) closes the crawl
as soon as it is open, as a JOBDIR write failure (crawler/scheduler.py), before anything is
fetched; the marker is left as it was.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.job import job_dir

from archive import writefailed
from archive.dedup import DigestIndex
from archive.pages import Unreadable, page_from_records, payload_source, read_archived
from archive.service import dedup_path
from crawler.discovery import GENERIC, PRIORITY, REPORT
from crawler.incremental import FULL_FETCH
from crawler.scheduler import JOBDIR, queue_damage, replace_text
from pipelines.page import SITEMAP
from pipelines.store import stored
from pipelines.store.db import crawl_db_path

logger = logging.getLogger(__name__)
MARKER = "gzbg-resume.json"


class ResumeMiddleware:
    def __init__(self, crawler: Crawler, jobdir: Path, db: Path, warc_dir: Path,
                 digests: Path):
        self.crawler = crawler
        self.jobdir, self.db, self.warc_dir, self.digests = jobdir, db, warc_dir, digests
        self.marker = jobdir / MARKER
        # A body the crawl would have refused (a bomb) is not inflated to rebuild links.
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.rebuild = False
        # Both open while the frontier is rebuilt.
        self._index: DigestIndex | None = None
        self._stored: stored.RecordLocations | None = None
        previous = self._read_marker()
        self.since = previous.get("since", stored.last_crawl_id(self.db))
        # Why the JOBDIR could not be prepared (a disk full before the run started): the crawl
        # is closed as soon as it is open (spider_opened), not ended by a traceback here,
        # where no engine exists yet to close it.
        self.open_error: str | None = None
        try:
            if previous.get("running"):
                self._reset_jobdir(f"stopped ({previous['failed']})" if previous.get("failed")
                                   else "killed")
            elif (damage := queue_damage(jobdir / "requests.queue")) is not None:
                # Its request queue unreadable (a state file left empty by a full disk): the
                # queued requests are lost as after a killed run, and rebuilt the same way.
                self._reset_jobdir(f"left with a request queue that cannot be read ({damage})")
            self._write_marker(running=True)
        except OSError as exc:
            # The old marker is left as it was (still "running" after a failed run), so the
            # next run resets the JOBDIR again.
            self.open_error = (f"the JOBDIR {jobdir}: its resume marker and seen set could "
                               f"not be written when the run started ({exc})")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        jobdir = job_dir(s)
        if not jobdir:
            raise NotConfigured  # the usual crawl: no reason to warn on every one
        if not s.getbool("RESUME_ENABLED"):
            raise NotConfigured("RESUME_ENABLED is off")
        data = Path(s.get("DATA_DIR"))
        mw = cls(crawler, Path(jobdir), crawl_db_path(s), data / "warc", dedup_path(s))
        # After every spider_closed handler: the database writer's last pages are only
        # known to be stored (or not) once the store's handler has drained it.
        crawler.signals.connect(mw.engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self) -> None:
        if self.open_error is not None:
            raise writefailed.open_failed(self.crawler, JOBDIR, self.open_error)

    # -- the marker: which crawls rows belong to this job, and whether its last run closed --
    def _read_marker(self) -> dict[str, Any]:
        try:
            return json.loads(self.marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write_marker(self, running: bool, failed: str | None = None) -> None:
        self.jobdir.mkdir(parents=True, exist_ok=True)
        state: dict[str, Any] = {"since": self.since, "running": running}
        if failed:
            state["failed"] = failed
        # Written aside and renamed: a write that fails (a full disk) leaves the marker as it
        # was, never empty, which would read as a run that closed cleanly.
        replace_text(self.marker, json.dumps(state))

    def engine_stopped(self) -> None:
        failed = writefailed.failure(self.crawler.stats)
        try:
            self._write_marker(running=failed is not None, failed=failed)
        except OSError as exc:
            # The marker still says "running" (written when the run started): the next run
            # rebuilds the frontier, as after a failed run.
            writefailed.write_failed(self.crawler, JOBDIR, f"the JOBDIR {self.jobdir}: its "
                                     f"resume marker could not be written ({exc})")

    # -- after a killed run ------------------------------------------------------------
    def _reset_jobdir(self, how: str) -> None:
        urls = stored.urls_stored_since(self.db, self.since)
        fingerprint = self.crawler.request_fingerprinter.fingerprint
        # RFPDupeFilter's documented format: each fingerprint as its big-endian 2-byte
        # length, then its bytes.
        with open(self.jobdir / "requests.seen", "wb") as fh:
            for url in urls:
                fp = fingerprint(Request(url))
                fh.write(len(fp).to_bytes(2, "big") + fp)
        shutil.rmtree(self.jobdir / "requests.queue", ignore_errors=True)
        self.rebuild = True
        self.crawler.stats.set_value("resume/stored_before", len(urls))
        logger.warning("resume: the last run of this job was %s; %d URLs are stored, the "
                       "frontier is rebuilt from their archived pages", how, len(urls))

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        if self.rebuild:
            count = 0
            for request in self._frontier():
                count += 1
                yield request
            self.crawler.stats.set_value("resume/frontier_requests", count)
        async for item in start:
            yield item

    def _frontier(self) -> Iterator[Request]:
        spider = self.crawler.spider
        max_depth = self.crawler.settings.getint("DEPTH_LIMIT")
        # One connection to the digest index for the whole pass (Redis' index, in distributed
        # mode, keeps no locations: a path that is no file has none to give).
        self._index = DigestIndex(self.digests) if self.digests.is_file() else None
        self._stored = stored.RecordLocations(self.db)
        try:
            for page in stored.pages_stored_since(self.db, self.since):
                try:
                    response = self._archived_response(page)
                except Unreadable as exc:
                    yield self._refetch(page, exc)
                    continue
                if response is None:
                    continue
                callback = spider.parse_sitemap if page.discovery == SITEMAP else spider.parse
                for out in callback(response):
                    if not isinstance(out, Request):
                        continue  # the page itself: stored already
                    out.meta.setdefault("depth", page.depth + 1)
                    if max_depth and out.meta["depth"] > max_depth:
                        continue
                    out.headers.setdefault("Referer", page.url)
                    yield out
        finally:
            self._stored.close()
            self._stored = None
            if self._index is not None:
                self._index.close()
                self._index = None

    def _archived_response(self, stored_page: stored.StoredPage) -> Response | None:
        """The page as the spider saw it; None for a body the crawl refused (too large)."""
        entry = read_archived(self.warc_dir, stored_page.warc_file, stored_page.warc_offset,
                              self.max_size)
        if entry is None or entry.record.http_headers is None:
            raise Unreadable("damaged, or its file is missing",
                             (stored_page.warc_file, stored_page.warc_offset))
        source = payload_source(entry, self.warc_dir, self._locate, self.max_size)
        meta = {"depth": stored_page.depth, "discovery": stored_page.discovery or GENERIC}
        page = page_from_records(entry, source, meta, None, [], self.max_size)
        if page.error:
            return None
        headers = Headers(page.headers)
        cls = responsetypes.from_args(headers=headers, url=page.url, body=page.body)
        return cls(url=page.url, status=page.status or 200, headers=headers, body=page.body,
                   request=Request(page.url, meta=meta))

    def _locate(self, refers_to: str | None, digest: str | None) -> tuple[str, int] | None:
        """Where a revisit's original is: by id among stored pages, else through the digest
        index."""
        location = self._stored(refers_to) if self._stored is not None else None
        if location is None and self._index is not None:
            location = self._index.location(digest)
        return location

    def _refetch(self, page: stored.StoredPage, exc: Unreadable) -> Request:
        """The page again, for its links and a readable copy in the archive."""
        logger.warning("resume: the archived record of %s cannot be read (%s); fetching it "
                       "again", page.url, exc)
        self.crawler.stats.inc_value("resume/unreadable_records")
        if exc.location is not None and self._index is not None:
            # The only copy is unreadable: the refetch is archived in full, not as a revisit.
            self._index.forget(*exc.location)
        spider = self.crawler.spider
        kind = page.discovery or GENERIC
        return Request(page.url, errback=spider.failed, dont_filter=True,  # in the seen set
                       callback=spider.parse_sitemap if kind == SITEMAP else spider.parse,
                       meta={"depth": page.depth, "discovery": kind, FULL_FETCH: True},
                       priority=PRIORITY.get(kind, PRIORITY[REPORT]))
