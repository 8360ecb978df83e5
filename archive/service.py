"""One archive per crawler: the Archiver and the single thread that writes for it.

The downloader middleware (exchanges) and the conversion pipeline (cleaned text) both write
into the same open WARC file, in order, through one worker thread; the reactor only waits
on a Deferred.  ``WarcService.of(crawler)`` gives both the same instance.
"""

from __future__ import annotations

import logging
import platform
import uuid
import weakref
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from archive.archiver import Archiver
from archive.dedup import DigestIndex, index_recovered
from archive.recovery import recover
from archive.warcfile import RotatingWarcWriter

logger = logging.getLogger(__name__)
T = TypeVar("T")
_SERVICES: weakref.WeakKeyDictionary[Crawler, WarcService] = weakref.WeakKeyDictionary()


def software() -> str:
    parts = []
    for name in ("gzbg-archive", "scrapy", "warcio"):
        try:
            parts.append(f"{name}/{version(name)}")
        except Exception:  # not installed as a distribution (e.g. run from a checkout)
            continue
    return " ".join(parts + [f"python/{platform.python_version()}"])


def warcinfo_fields(settings: Any, crawl_id: str) -> dict[str, str]:
    info = {
        "software": software(),
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "isPartOf": crawl_id,
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "http-header-user-agent": settings.get("USER_AGENT", ""),
    }
    if settings.get("WARC_OPERATOR"):
        info["operator"] = settings.get("WARC_OPERATOR")
    return info


def dedup_path(settings: Any) -> Path:
    return Path(settings.get("WARC_DEDUP_PATH") or Path(settings.get("DATA_DIR")) / "digests.db")


class WarcService:
    def __init__(self, crawler: Crawler, archiver: Archiver):
        self.stats = crawler.stats
        self.archiver = archiver
        self.pool = ThreadPool(minthreads=1, maxthreads=1, name="warc-writer")
        self.pool.start()
        self.closed = False

    @classmethod
    def of(cls, crawler: Crawler) -> WarcService:
        if crawler not in _SERVICES:
            s = crawler.settings
            directory = Path(s.get("DATA_DIR")) / "warc"
            dedup = s.getbool("WARC_DEDUP_ENABLED")
            if directory.is_dir():
                # Files a killed crawl left .open are finished before new ones are started,
                # and their payloads indexed, in case the kill beat the index.
                recovered = recover(directory)
                crawler.stats.set_value("archive/files_recovered", len(recovered))
                if dedup and any(r.records for r in recovered):
                    startup_index = DigestIndex(dedup_path(s))  # this thread's connection
                    try:
                        added = sum(index_recovered(startup_index, r.path)
                                    for r in recovered if r.records)
                    finally:
                        startup_index.close()
                    crawler.stats.set_value("archive/digests_recovered", added)
            crawl_id = s.get("CRAWL_ID") or uuid.uuid4().hex
            warc = RotatingWarcWriter(directory, s.get("WARC_PREFIX"), s.getint("WARC_MAX_SIZE"),
                                      warcinfo_fields(s, crawl_id))
            index = DigestIndex(dedup_path(s)) if dedup else None
            service = cls(crawler, Archiver(warc, index))
            # Connected last among archive handlers: pipelines have written by then.
            crawler.signals.connect(service.close, signal=signals.spider_closed)
            _SERVICES[crawler] = service
        return _SERVICES[crawler]

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn in the writer thread, after everything queued before it."""
        from twisted.internet import reactor

        return await maybe_deferred_to_future(deferToThreadPool(reactor, self.pool, fn, *args))

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        # Closed in the writer thread (SQLite connections belong to their thread), after
        # everything queued before; stop() then joins the thread.
        self.pool.callInThread(self.archiver.close)
        self.pool.stop()
        counts = self.archiver.counts
        for key in ("responses", "revisits", "conversions"):
            self.stats.set_value(f"archive/{key}", counts[key])
        self.stats.set_value("archive/files", len(self.archiver.warc.files_closed))
