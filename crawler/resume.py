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
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.job import job_dir

from archive import writefailed
from archive.extract import BodyTooLarge, decoded
from archive.reader import read_entry
from archive.service import dedup_path
from archive.warcfile import OPEN_SUFFIX
from crawler.discovery import GENERIC, PRIORITY, REPORT
from crawler.incremental import FULL_FETCH
from pipelines.page import SITEMAP
from pipelines.store.db import crawl_db_path

logger = logging.getLogger(__name__)
MARKER = "gzbg-resume.json"


class Unreadable(Exception):
    """A stored page's archived record (or the original its revisit refers to) is damaged or
    gone: where it was, and why."""

    def __init__(self, why: str, location: tuple[str, int] | None = None):
        super().__init__(f"{location[0]} at offset {location[1]}: {why}" if location else why)
        self.location = location  # of the unreadable record, if the archive has one


class ResumeMiddleware:
    def __init__(self, crawler: Crawler, jobdir: Path, db: Path, warc_dir: Path,
                 digests: Path):
        self.crawler = crawler
        self.jobdir, self.db, self.warc_dir, self.digests = jobdir, db, warc_dir, digests
        self.marker = jobdir / MARKER
        # A body the crawl would have refused (a bomb) is not inflated to rebuild links.
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.rebuild = False
        previous = self._read_marker()
        self.since = previous.get("since", self._last_crawl_id())
        if previous.get("running"):
            self._reset_jobdir(previous.get("failed"))
        self._write_marker(running=True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        jobdir = job_dir(s)
        if not jobdir or not s.getbool("RESUME_ENABLED"):
            raise NotConfigured("no JOBDIR, or RESUME_ENABLED is off")
        data = Path(s.get("DATA_DIR"))
        mw = cls(crawler, Path(jobdir), crawl_db_path(s), data / "warc", dedup_path(s))
        # After every spider_closed handler: the database writer's last pages are only
        # known to be stored (or not) once the store's handler has drained it.
        crawler.signals.connect(mw.engine_stopped, signal=signals.engine_stopped)
        return mw

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
        self.marker.write_text(json.dumps(state))

    def engine_stopped(self) -> None:
        failed = writefailed.failure(self.crawler.stats)
        self._write_marker(running=failed is not None, failed=failed)

    def _query(self, sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
        if not self.db.exists():
            return []
        conn = sqlite3.connect(self.db, timeout=30)
        try:
            return conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError:  # a database without the tables yet
            return []
        finally:
            conn.close()

    def _last_crawl_id(self) -> int:
        rows = self._query("select max(id) from crawls", [])
        return int(rows[0][0] or 0) if rows else 0

    # -- after a killed run ------------------------------------------------------------
    def _reset_jobdir(self, failed: str | None) -> None:
        stored = [u for (u,) in self._query(
            "select distinct url from pages where crawl_id > ?", [self.since])]
        fingerprint = self.crawler.request_fingerprinter.fingerprint
        # RFPDupeFilter's documented format: each fingerprint as its big-endian 2-byte
        # length, then its bytes.
        with open(self.jobdir / "requests.seen", "wb") as fh:
            for url in stored:
                fp = fingerprint(Request(url))
                fh.write(len(fp).to_bytes(2, "big") + fp)
        shutil.rmtree(self.jobdir / "requests.queue", ignore_errors=True)
        self.rebuild = True
        self.crawler.stats.set_value("resume/stored_before", len(stored))
        logger.warning("resume: the last run of this job was %s; %d URLs are stored, the "
                       "frontier is rebuilt from their archived pages",
                       f"stopped ({failed})" if failed else "killed", len(stored))

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
        rows = self._query(
            "select p.url, p.depth, p.warc_file, p.warc_offset, s.discovery from pages p "
            "left join url_state s on s.url = p.url where p.crawl_id > ? and p.status = 200 "
            "and p.error is null and p.warc_file is not null order by p.id", [self.since])
        for url, depth, warc_file, offset, kind in rows:
            try:
                response = self._archived_response(url, warc_file, offset, depth or 0, kind)
            except Unreadable as exc:
                yield self._refetch(url, depth or 0, kind, exc)
                continue
            if response is None:
                continue
            callback = spider.parse_sitemap if kind == "sitemap" else spider.parse
            for out in callback(response):
                if not isinstance(out, Request):
                    continue  # the page itself: stored already
                out.meta.setdefault("depth", (depth or 0) + 1)
                if max_depth and out.meta["depth"] > max_depth:
                    continue
                out.headers.setdefault("Referer", url)
                yield out

    def _archived_response(self, url: str, warc_file: str, offset: int, depth: int,
                           kind: str | None) -> Any:
        """The page as the spider saw it; None for a body the crawl refused (too large)."""
        entry = self._entry(warc_file, offset)
        if entry is None or entry.record.http_headers is None:
            raise Unreadable("damaged, or its file is missing", (warc_file, offset))
        if entry.too_large:
            return None
        headers = Headers(entry.record.http_headers.headers)
        payload = entry.payload
        if entry.record.rec_type == "revisit":
            payload = self._original(entry.record.rec_headers).payload
        try:
            body, headers = decoded(payload, headers, self.max_size)
        except BodyTooLarge:
            return None
        cls = responsetypes.from_args(headers=headers, url=url, body=body)
        meta = {"depth": depth, "discovery": kind or "generic"}
        return cls(url=url, status=200, headers=headers, body=body,
                   request=Request(url, meta=meta))

    def _entry(self, warc_file: str, offset: int) -> Any:
        path = self.warc_dir / warc_file
        if not path.exists():  # not renamed yet: the killed writer's file
            path = path.with_name(path.name + OPEN_SUFFIX)
        if not path.exists():
            return None
        return read_entry(path, offset, self.max_size)

    def _refetch(self, url: str, depth: int, kind: str | None, exc: Unreadable) -> Request:
        """The page again, for its links and a readable copy in the archive."""
        logger.warning("resume: the archived record of %s cannot be read (%s); fetching it "
                       "again", url, exc)
        self.crawler.stats.inc_value("resume/unreadable_records")
        if exc.location is not None:
            self._forget_digest(*exc.location)
        spider = self.crawler.spider
        kind = kind or GENERIC
        return Request(url, callback=spider.parse_sitemap if kind == SITEMAP else spider.parse,
                       errback=spider.failed, dont_filter=True,  # stored: in the seen set
                       meta={"depth": depth, "discovery": kind, FULL_FETCH: True},
                       priority=PRIORITY.get(kind, PRIORITY[REPORT]))

    def _forget_digest(self, warc_file: str, offset: int) -> None:
        """Drop the index entry naming an unreadable record as a payload's first copy (so the
        refetch is archived in full).  Redis' index (distributed mode) keeps no location."""
        if not self.digests.is_file():
            return
        conn = sqlite3.connect(self.digests, timeout=30)
        try:
            with conn:
                conn.execute("delete from digests where warc_file = ? and warc_offset = ?",
                             [warc_file, offset])
        except sqlite3.OperationalError:  # an index without the table yet
            pass
        finally:
            conn.close()

    def _original(self, rec_headers: Any) -> Any:
        """The response record a revisit refers to: by id among stored pages, else through
        the digest index.  Raises Unreadable if it is not in the archive or damaged."""
        rows = self._query("select warc_file, warc_offset from pages where warc_record_id = ?",
                           [rec_headers.get_header("WARC-Refers-To")])
        if not rows and self.digests.exists():
            conn = sqlite3.connect(self.digests, timeout=30)
            try:
                rows = conn.execute("select warc_file, warc_offset from digests where digest = ?",
                                    [rec_headers.get_header("WARC-Payload-Digest")]).fetchall()
            except sqlite3.OperationalError:
                rows = []
            finally:
                conn.close()
        if not rows or not rows[0][0]:
            raise Unreadable("a revisit of a record not in the archive: "
                             f"{rec_headers.get_header('WARC-Refers-To')}")
        original = self._entry(*rows[0])
        if original is None:
            raise Unreadable("the original of a revisit, damaged or its file missing",
                             (rows[0][0], rows[0][1]))
        return original
