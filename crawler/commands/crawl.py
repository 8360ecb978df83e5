"""`scrapy crawl`, with an exit code that says whether everything fetched was kept.

Scrapy's own command exits 0 whatever the finish reason.  A crawl stopped because its archive
or database could not be written (archive/writefailed.py) exits 1 here, so a shell, systemd
or Scrapyd sees the failure; its finish reason says which.  A bad spider argument (a spider
with ``check_arguments``) is one line and exit code 2, before anything starts; so is a
DATA_DIR another crawl is writing (crawler/datalock.py).

A crawl stopped by force (Ctrl-C or SIGTERM twice: Scrapy then stops the reactor under the
crawl, whose close path never runs) exits 1 too: what was in flight may be lost.

A Ctrl-C or SIGTERM while the spider is still opening (the pipelines start their helper
processes) closes it as soon as it is open, with finish reason ``shutdown``.  Scrapy's own
crawler does nothing then (its engine is not running yet) and stops the reactor under the
half-open crawl: no close path ran, and the process hung on its helpers.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.spiderloader import get_spider_loader
from scrapy.spiders import Spider
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred, inlineCallbacks

from archive import writefailed
from archive.dedup_redis import is_redis
from archive.service import dedup_path, gzip_level
from archive.warcfile import GZIP_LEVELS
from crawler.commands import SettingsChecked, database_problem, fail, folder_problem
from crawler.datalock import DataDirInUse, lock_data_dir
from crawler.ssrf import Allowlist
from pipelines.store.db import crawl_db_path

logger = logging.getLogger(__name__)


class StopWhenOpenCrawler(Crawler):
    """A crawler whose stop, asked for while the spider opens, waits for the spider to open
    and then closes it: every component that started is closed again."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._stop_asked = False
        self._engine_started = False
        self._crawl_over: list[Deferred[None]] = []
        self.signals.connect(self._on_engine_started, signal=signals.engine_started)

    async def stop_async(self) -> None:
        engine = self._engine
        # Opening: the spider is set and the engine not running yet.  (Once the spider has
        # closed, the engine calls this too, to end the crawl.)
        if self.crawling and engine is not None and engine.spider is not None \
                and not engine.running:
            if self._engine_started:  # open, its engine starting: Scrapy's start checks this
                self.crawling = False
                await engine.stop_async()
                return
            logger.info("the spider is still opening: it closes as soon as it is open")
            self._stop_asked = True
            over: Deferred[None] = Deferred()
            self._crawl_over.append(over)
            await maybe_deferred_to_future(over)
            return
        await super().stop_async()

    async def _on_engine_started(self) -> None:
        self._engine_started = True
        if self._stop_asked and self.crawling:
            self.crawling = False
            await self.engine.stop_async()  # the engine's start then returns at once

    async def crawl_async(self, *args: Any, **kwargs: Any) -> None:
        try:
            await super().crawl_async(*args, **kwargs)
        finally:
            self._release()

    @inlineCallbacks
    def crawl(self, *args: Any, **kwargs: Any) -> Generator[Deferred[Any], Any, None]:
        try:
            yield super().crawl(*args, **kwargs)
        finally:
            self._release()

    def _release(self) -> None:
        """The crawl is over, opened or not: the stops waiting for it return."""
        waiting, self._crawl_over = self._crawl_over, []
        for over in waiting:
            over.callback(None)


def _watch_log_files() -> list[str]:
    """Why LOG_FILE could not be written (a full disk), once: Python's logging prints a
    traceback to stderr for every line it loses, and goes on as if nothing happened.

    Set on the class, as Handler.handleError is meant to be overridden: Scrapy replaces its
    root handler with a new one when the crawler applies its settings."""
    failures: list[str] = []

    def failed(handler: logging.FileHandler, record: logging.LogRecord) -> None:
        if not failures:
            failures.append(f"{handler.baseFilename}: {sys.exc_info()[1]}")

    logging.FileHandler.handleError = failed  # type: ignore[method-assign,assignment]
    return failures


def feed_problem(feeds: list[str]) -> str | None:
    """Why a local -o/-O FILE cannot be written (None: it can, or it is no local file):
    Scrapy would log one traceback per item and end the crawl as a success."""
    for feed in feeds:
        uri = feed.removeprefix("file://")
        if "://" in uri:  # another storage (s3://, ftp://): its own errors
            continue
        head, sep, tail = uri.rpartition(":")
        if sep and tail.isalnum() and "/" not in tail:  # FILE:FORMAT
            uri = head
        path = Path(uri)
        if path.is_dir():
            return f"-o {feed}: {path} is a folder"
        if why := folder_problem(path.parent):
            return f"-o {feed}: {why}"
    return None


def feed_failures(stats: Any) -> str:
    """Scrapy's count of feed exports that failed, by storage ("" when none did)."""
    prefix = "feedexport/failed_count/"
    return ", ".join(f"{key.removeprefix(prefix)}: {n}" for key, n in
                     (stats.get_stats() if stats is not None else {}).items()
                     if key.startswith(prefix) and n)


class Command(SettingsChecked, ScrapyCrawl):
    crawler: Crawler | None = None

    def long_desc(self) -> str:
        return ("Run a spider of the project, by name: `scrapy crawl reports`. Its arguments: "
                "-a start_urls=URL,... (those sites), or -a sites=NAME,... / -a region=PROVINCE "
                "(sites of -s SITES_FILE, default: the packaged crawler/sites.toml), or none "
                "(every site of it). Writes DIR/warc/*.warc.gz and DIR/reports.db of "
                "-s DATA_DIR=DIR (default: data); -s JOBDIR=DIR makes it resumable after a "
                "Ctrl-C; -s REDIS_URL=redis://HOST:PORT/DB makes it a distributed worker. "
                "Exit code 1 when not everything fetched could be kept, 2 for a bad argument.")

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        process = self.crawler_process
        assert process is not None
        if isinstance(spidercls, str):
            spidercls = process.spider_loader.load(spidercls)
        # As Scrapy's CrawlerProcess makes it (the asyncio one installs its reactor itself).
        init_reactor = not getattr(process, "_initialized_reactor", True)
        if init_reactor:
            process._initialized_reactor = True  # type: ignore[attr-defined]
        crawler = StopWhenOpenCrawler(spidercls, process.settings, init_reactor=init_reactor)
        self.crawler = super()._create_crawler(crawler)  # type: ignore[arg-type]
        return self.crawler

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        # Before the crawler process exists (whose start logs Scrapy's banner).
        super().process_options(args, opts)
        assert self.settings is not None
        if why := self._argument_problem(args, opts):
            fail(self, "crawl", why)
            sys.exit(self.exitcode)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # A closed terminal or dropped ssh session (SIGHUP) stops the crawl as SIGTERM does,
        # draining its helpers, instead of killing it with pages unwritten (the helpers
        # ignore it: pipelines.procs.GROUP_SIGNALS).
        signal.signal(signal.SIGHUP, self._hang_up)
        log_failures = _watch_log_files()
        try:
            self._crawl(args, opts)
        finally:
            if log_failures:
                # The data is whole, but the run's record (a Scrapyd job's only one) is not.
                self.exitcode = self.exitcode or 1
                print(f"scrapy crawl: the log file could not be written whole "
                      f"({log_failures[0]}): its lines after that are lost", file=sys.stderr)

    def _hang_up(self, signum: int, frame: object) -> None:
        # Once stopping (a Ctrl-C, then the window closed), a hang-up is no second signal,
        # which would force the crawl down with pages unwritten.
        if not all(c.crawling for c in self.crawler_process.crawlers):
            logger.warning("SIGHUP (the terminal or session closed): the crawl is already "
                           "stopping")
            return
        logger.warning("SIGHUP (the terminal or session closed): stopping as on SIGTERM")
        os.kill(os.getpid(), signal.SIGTERM)

    def _crawl(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        stats = self.crawler.stats if self.crawler else None
        if stats is not None and stats.get_value("start_time") is not None:
            assert self.settings is not None
            logger.info(where_it_went(self.settings, stats.get_value("finish_reason")))
        if (stats is not None and stats.get_value("start_time") is not None
                and stats.get_value("finish_reason") is None and not self.exitcode):
            # Opened and never closed: a forced shutdown (a second Ctrl-C or SIGTERM) stopped
            # the reactor under the crawl, so the pages in flight, and those its helpers had
            # not written yet, may be lost.
            self.exitcode = 1
            logger.error("the crawl was stopped by force before it closed: pages in flight "
                         "may be neither archived nor stored; %s",
                         "run it again with the same JOBDIR to fetch them"
                         if self.settings.get("JOBDIR") else "`scrapy extract` rebuilds the "
                         "database from what was archived")
            return
        failed = writefailed.failure(stats)
        if failed and not self.exitcode:
            self.exitcode = 1
            if not self.crawler.stats.get_value("response_received_count"):
                return  # it failed at the start: its one ERROR line says why
            logger.error("the crawl stopped early (%s): not everything fetched was kept; run "
                         "it again with the same JOBDIR once the cause is fixed", failed)
        if feeds := feed_failures(stats):
            # Scrapy's feed exports (-o/-O FILE) log a write that fails (a full disk) and go
            # on: a feed cut short is no success either.
            self.exitcode = 1
            logger.error("the feed export could not be written whole (%s): the crawl's "
                         "database and WARC files hold everything; export again with "
                         "`scrapy export`", feeds)

    def _argument_problem(self, args: list[str], opts: argparse.Namespace) -> str | None:
        """Why the crawl cannot start with these arguments and settings (None: it can); the
        last check takes DATA_DIR's lock."""
        assert self.settings is not None
        try:
            spidercls = get_spider_loader(self.settings).load(args[0]) if args else None
        except KeyError:
            return f"no spider named {args[0]!r} (`scrapy list` names them)"
        check = getattr(spidercls, "check_arguments", None)
        try:
            if check is not None:
                check(self.settings, **opts.spargs)
            check_values(self.settings)  # each names its setting
        except ValueError as exc:  # SpiderArgumentError, SitesFileError, a bad value
            return str(exc)
        if why := (paths_problem(self.settings) or redis_problem(self.settings)
                   or feed_problem([*(opts.output or []), *(opts.overwrite_output or [])])):
            return why
        # Last, once nothing else can refuse the crawl: a refused one leaves no lock file.
        if self.settings.getbool("WARC_ENABLED") or self.settings.getbool("SQLITE_ENABLED"):
            try:
                lock_data_dir(Path(self.settings.get("DATA_DIR")), "crawl")
            except DataDirInUse as exc:
                return str(exc)
        return None


def check_values(settings: BaseSettings) -> None:
    """The settings a component parses beyond their type, parsed as it does, so a bad value
    stops the crawl here and not in the component's start (a traceback, or a helper process
    that died); each only when its component is on."""
    if settings.getbool("SSRF_ENABLED"):
        Allowlist(settings.getlist("SSRF_ALLOWED"))
    if settings.getbool("WARC_ENABLED") and (level := gzip_level(settings)) not in GZIP_LEVELS:
        raise ValueError(f"WARC_GZIP_LEVEL: {GZIP_LEVELS.start} to {GZIP_LEVELS.stop - 1} "
                         f"(ISA-L's levels), got {level}")


def paths_problem(settings: BaseSettings) -> str | None:
    """Why a crawl with these settings could not write its files (None: it could), before any
    helper process starts; each component only when it is on."""
    s = settings
    checks: list[tuple[str, str | None]] = []
    if s.get("JOBDIR"):
        checks.append(("JOBDIR", folder_problem(Path(s.get("JOBDIR")))))
    if s.getbool("WARC_ENABLED"):
        checks.append(("DATA_DIR", folder_problem(Path(s.get("DATA_DIR")) / "warc")))
    # An existing database is read (resume, incremental) even when nothing is written to it.
    checks.append((_named(s, "SQLITE_PATH"),
                   database_problem(crawl_db_path(s), s.getbool("SQLITE_ENABLED"))))
    if not is_redis(s.get("WARC_DEDUP_PATH")):
        checks.append((_named(s, "WARC_DEDUP_PATH"), database_problem(
            dedup_path(s), s.getbool("WARC_ENABLED") and s.getbool("WARC_DEDUP_ENABLED"))))
    return next((f"{name}: {why}" for name, why in checks if why), None)


def _named(settings: BaseSettings, name: str) -> str:
    """The setting a file's path came from: name, or DATA_DIR when name is empty."""
    return name if settings.get(name) else "DATA_DIR"


def redis_problem(settings: BaseSettings) -> str | None:
    """Why the Redis of REDIS_URL cannot be used (None: it answers, or there is none), asked
    once before anything starts: otherwise a Redis that is down fails the scheduler's open,
    in tracebacks, with exit code 1 and nothing crawled."""
    url = settings.get("REDIS_URL")
    if not url:
        return None
    # Only in distributed mode: a plain crawl does not import the client.
    from redis.exceptions import RedisError
    from scrapy_redis import connection

    shown = _without_password(url)
    try:
        server = connection.from_settings(settings)
    except ValueError as exc:  # redis-py's parse of the URL
        return f"REDIS_URL={shown}: {exc}"
    try:
        server.ping()
    except RedisError as exc:
        return f"REDIS_URL={shown}: no Redis answers there ({exc})"
    finally:
        server.close()
    return None


def _without_password(url: str) -> str:
    """url with its password masked: error lines end up in logs."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # unparsable (an unclosed "[" of an IPv6 host): all before "@" masked
        scheme, has_scheme, rest = url.rpartition("://")
        userinfo, at, host = rest.rpartition("@")
        return f"{scheme}{has_scheme}***@{host}" if at else url
    if password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{password}@", ":***@")).geturl()


def where_it_went(settings: BaseSettings, finish_reason: str | None) -> str:
    """The crawl's last line: where its files are and the command that lists what it found
    (and, when a JOBDIR crawl was stopped, how to go on)."""
    data_dir = Path(settings.get("DATA_DIR"))
    written = []
    if settings.getbool("WARC_ENABLED"):
        written.append(f"WARC files in {data_dir / 'warc'}")
    if settings.getbool("SQLITE_ENABLED"):
        written.append(f"database {crawl_db_path(settings)}")
    summary = f"scrapy summary -s DATA_DIR={shlex.quote(str(data_dir))}"
    if settings.get("SQLITE_PATH"):
        summary += f" -s SQLITE_PATH={shlex.quote(settings.get('SQLITE_PATH'))}"
    line = f"{', '.join(written) or 'nothing written'}; what was found: {summary}"
    if settings.get("JOBDIR") and finish_reason == "shutdown":
        line += "; the same command again goes on where this one stopped (JOBDIR)"
    return line
