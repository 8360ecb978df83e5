"""One archive per crawler: the Archiver, in the one process that writes for it.

The downloader middleware (exchanges) and the conversion pipeline (cleaned text) both write
into the same open WARC file, in order, through one helper process (pipelines.procs.Helper);
the reactor only awaits the answer; the process's side of the calls is archive/writerproc.py.
``WarcService.of(crawler)`` gives both the same instance.
A write that fails (the writer rolls it back) or a writer that died stops the crawl
(archive/writefailed.py) and raises ArchiveWriteError to the caller.
A writer thread did this before; its Python work (warcio's records) held the GIL the reactor
needed, about 1.6 ms a fetch.
"""

from __future__ import annotations

import logging
import platform
import sqlite3
import uuid
import weakref
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.crawler import Crawler

from archive.archiver import Exchange
from archive.dedup import index_recovered
from archive.recovery import recover
from archive.warcfile import GZIP_LEVEL
from archive.writefailed import ARCHIVE, write_failed
from archive.writerproc import (
    close_writer,
    expect_not_modified,
    open_digest_index,
    open_writer,
    write_conversion,
    write_exchange,
)
from pipelines.procs import Helper, HelperDied

if TYPE_CHECKING:
    from pipelines.clean.result import CleanResult

logger = logging.getLogger(__name__)
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


def gzip_level(settings: Any) -> int:
    """WARC_GZIP_LEVEL as an integer; its range is checked where it is used (warcfile)."""
    try:
        return settings.getint("WARC_GZIP_LEVEL", GZIP_LEVEL)
    except ValueError:
        raise ValueError(f"WARC_GZIP_LEVEL: an integer, got "
                         f"{settings.get('WARC_GZIP_LEVEL')!r}") from None


def dedup_path(settings: Any) -> Path:
    return Path(settings.get("WARC_DEDUP_PATH") or Path(settings.get("DATA_DIR")) / "digests.db")


# What a failed write raises in the writer: the disk (OSError), the digest index (sqlite3).
# Anything else is a bug with one page's records, which fails that page alone.
WRITE_ERRORS = (OSError, sqlite3.Error, HelperDied)


class ArchiveWriteError(OSError):
    """A WARC write that did not happen: rolled back by the writer, or the writer is gone."""


class WarcService:
    def __init__(self, crawler: Crawler, helper: Helper):
        self.crawler = crawler
        self.stats = crawler.stats
        self.helper = helper
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
                    startup_index = open_digest_index(dedup_path(s))  # this thread's connection
                    try:
                        added = sum(index_recovered(startup_index, r.path)
                                    for r in recovered if r.records)
                    finally:
                        startup_index.close()
                    crawler.stats.set_value("archive/digests_recovered", added)
            crawl_id = s.get("CRAWL_ID") or uuid.uuid4().hex
            helper = Helper("warc-writer", open_writer, directory, s.get("WARC_PREFIX"),
                            s.getint("WARC_MAX_SIZE"), warcinfo_fields(s, crawl_id),
                            dedup_path(s) if dedup else None,
                            gzip_level(s), spawn=True)
            service = cls(crawler, helper)
            # Connected last among archive handlers: pipelines have written by then.
            crawler.signals.connect(service.close, signal=signals.spider_closed)
            _SERVICES[crawler] = service
        return _SERVICES[crawler]

    async def write_exchange(self, exchange: Exchange) -> dict[str, Any]:
        """Archive a fetch; returns what Archiver.write_exchange returns."""
        return await self._call(write_exchange, exchange)

    async def write_conversion(self, url: str, result: CleanResult,
                               account: Callable[[CleanResult], dict[str, Any]], refers_to: str,
                               date: str) -> tuple[str, str]:
        """Archive a cleaned text (result.text) and account(result), the cleaner's findings.

        The account is drawn up in the writer process: for a report with hundreds of
        removals it took about 2 ms of the reactor's time, more than its records cost there.
        account must be importable by name (it is sent to the writer)."""
        return await self._call(write_conversion, url, result, account, refers_to, date)

    async def _call(self, fn: Any, *args: Any) -> Any:
        """The writer's answer; a failed write stops the crawl, and the caller, which
        counts and logs it, gets ArchiveWriteError."""
        try:
            return await self.helper.call(fn, *args)
        except WRITE_ERRORS as exc:
            message = f"{type(exc).__name__}: {exc}"
            write_failed(self.crawler, ARCHIVE, f"the archive could not be written ({message})")
            raise ArchiveWriteError(message) from exc

    def expect_not_modified(self, url: str, digest: str) -> None:
        """See Archiver.expect_not_modified; reaches it before the fetch's exchange does."""
        self.helper.call(expect_not_modified, url, digest).add_done_callback(_ignore)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        # After everything queued before: the last records, then the file's close.
        try:
            counts, files = self.helper.close(close_writer)
        except WRITE_ERRORS as e:
            logger.error("the WARC writer did not close cleanly: %s; the next crawl "
                         "recovers its open file", e)
            write_failed(self.crawler, ARCHIVE, f"the WARC file could not be closed ({e})")
            return
        for key in ("responses", "revisits", "conversions"):
            self.stats.set_value(f"archive/{key}", counts[key])
        self.stats.set_value("archive/files", files)


def _ignore(future: Any) -> None:
    future.exception()  # retrieved, so asyncio does not warn; failures show at close
