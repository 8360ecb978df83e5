"""The project's `scrapy` commands; what they share: the one-line error, and the checks of
settings, folders, databases and ports that turn a bad argument into one instead of a
traceback."""

from __future__ import annotations

import argparse
import codecs
import importlib
import math
import os
import sqlite3
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy.settings import BaseSettings

# Every command reads and writes the crawl's files through these settings.
SETTINGS_HELP = ("Reads the crawl of -s DATA_DIR=DIR (default: data): DIR/warc/*.warc.gz and "
                 "DIR/reports.db, or -s SQLITE_PATH=FILE when the crawl used one.")

PORTS = range(1, 65536)


def fail(command: ScrapyCommand, name: str, message: str) -> None:
    """A bad argument or a missing input: one line on stderr and exit code 2, as argparse
    does, without Scrapy's usage text or a traceback; and in LOG_FILE."""
    print(f"scrapy {name}: error: {message}", file=sys.stderr)
    command.exitcode = 2
    if settings := getattr(command, "settings", None):
        log_refusal(settings, f"scrapy {name}: {message}")


def quiet_stdout() -> None:
    """After a BrokenPipeError (`| head`): Python flushes stdout at exit, which would raise
    again, so it is pointed at nothing."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class SettingsChecked:
    """Mixin of a command (before ScrapyCommand in its bases): a setting whose value its
    getter cannot read is one line and exit code 2 before the command runs, not a traceback
    wherever the setting is first read."""

    settings: BaseSettings | None

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)  # type: ignore[misc]
        # argparse names the program in its error line ("scrapy: error: ..."): name the
        # command too, as fail() and the settings check below do.
        parser.prog = f"scrapy {self.command_name()}"

    @classmethod
    def command_name(cls) -> str:
        return cls.__module__.rpartition(".")[2]  # Scrapy names a command after its module

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # ScrapyCommand's: applies -s
        assert self.settings is not None
        why = setting_problem(self.settings)
        if not why and getattr(self, "requires_crawler_process", True):
            why = log_file_problem(self.settings)  # Scrapy's logging opens it next
        if why:
            fail(self, self.command_name(), why)  # type: ignore[arg-type]
            sys.exit(2)


def port_number(text: str) -> int:
    """argparse type of a loopback port to listen on (0, "any free port", would leave the
    printed address wrong)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if number not in PORTS:
        raise argparse.ArgumentTypeError(f"port {number} is not in 1..65535")
    return number


# The settings with an int default that the code reads with getfloat (seconds): any number.
# tests/crawler/test_bad_settings.py checks this against every getfloat("NAME") in Scrapy
# and in the project.
READ_AS_FLOAT = frozenset({"DNS_TIMEOUT", "DOWNLOAD_DELAY", "DOWNLOAD_TIMEOUT"})


@dataclass(frozen=True)
class Range:
    """The values a numeric setting takes: low (or more than low, with above) up to high,
    and `also`, one value below them with a meaning of its own (-1: one per core)."""

    low: float
    high: float = math.inf
    above: bool = False
    also: int | None = None

    def __contains__(self, value: float) -> bool:
        if value == self.also:
            return True
        above_low = self.low < value if self.above else self.low <= value
        return above_low and value <= self.high

    def __str__(self) -> str:
        text = (f"more than {self.low:g}" if self.above else
                f"{self.low:g} or more" if self.high == math.inf else
                f"{self.low:g} to {self.high:g}")
        return text if self.also is None else f"{text}, or {self.also}"


COUNT = Range(0)  # 0 is a meaning of its own: none, no limit or off
AT_LEAST_ONE = Range(1)  # 0 would do nothing and say nothing
POSITIVE = Range(0, above=True)

# The range of each setting whose range is known: the project's numeric settings, and
# Scrapy's whose value out of range stops, stalls or empties a crawl without a word (0
# concurrent items drops every link and item; 0 per domain fetches nothing, forever).  Every
# other numeric setting is checked for its type only: Scrapy gives some negatives a meaning
# (FEED_EXPORT_INDENT, HTTPCACHE_EXPIRATION_SECS).  docs/settings.md lists this table.
# WARC_GZIP_LEVEL and WARC_REPLAY_PORT are left to their own checks (crawl, replay).
RANGES: dict[str, Range] = {
    **dict.fromkeys(("CONCURRENT_ITEMS", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN",
                     "REACTOR_THREADPOOL_MAXSIZE", "SQLITE_BACKLOG"), AT_LEAST_ONE),
    # A DOWNLOAD_TIMEOUT of 0 is no "none": Scrapy's handler falls back to 10 s.
    **dict.fromkeys(("DOWNLOAD_TIMEOUT", "AUTOTHROTTLE_TARGET_CONCURRENCY", "SSRF_DNS_TIMEOUT",
                     "DISTRIBUTED_HEARTBEAT", "VALIDATE_TIMEOUT"), POSITIVE),
    **dict.fromkeys((
        "RETRY_TIMES", "REDIRECT_MAX_TIMES", "DEPTH_LIMIT", "DOWNLOAD_MAXSIZE",
        "DOWNLOAD_WARNSIZE", "DOWNLOAD_DELAY", "SCRAPER_SLOT_MAX_ACTIVE_SIZE",
        "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY", "URLLENGTH_LIMIT",
        "CLOSESPIDER_TIMEOUT", "CLOSESPIDER_ITEMCOUNT", "CLOSESPIDER_PAGECOUNT",
        "CLOSESPIDER_ERRORCOUNT", "CLOSESPIDER_TIMEOUT_NO_ITEM", "CLOSESPIDER_PAGECOUNT_NO_ITEM",
        "MEMUSAGE_LIMIT_MB", "MEMUSAGE_WARNING_MB", "LOGSTATS_INTERVAL",
        "BACKOFF_BASE_DELAY", "BACKOFF_MAX_DELAY", "CRAWLDELAY_MAX", "CLEAN_TIMEOUT",
        "DISCOVERY_MAX_PAGES", "DISCOVERY_MAX_FOCUSED", "DISCOVERY_MAX_FALSE_REPORTS",
        "DISCOVERY_FALSE_REPORT_RATIO", "DISCOVERY_MAX_PAGER", "DISTRIBUTED_IDLE_CLOSE",
        "LINKS_MAX_PER_PAGE", "LINKS_MAX_BYTES", "PROGRESS_INTERVAL", "ROBOTS_RETRY_TIMES",
        "ROBOTS_RETRY_DELAY", "ROBOTSTXT_DOWNLOAD_MAXSIZE", "VALIDATE_MAX_COLUMNS",
        "WARC_MAX_SIZE"), COUNT),
    "CLEAN_WORKERS": Range(-1),  # -1: one per other core, 0: inline
    "EXTRACT_WORKERS": Range(1, also=-1),  # -1: one per core
    "CLUSTER_THRESHOLD": Range(0, 1),  # a Jaccard similarity
    # RFC 9309 2.5: a robots.txt size limit must be at least 500 KiB (less, and a cut file
    # could lose its rules: 0 is an empty robots.txt, which allows everything).
    "ROBOTSTXT_MAX_BYTES": Range(500 * 1024),
}


def _typed_defaults() -> dict[str, bool | int | float]:
    """Each setting whose default is a bool, int or float (Scrapy's, then the project's
    settings module, which wins), with that default."""
    from scrapy.settings import default_settings

    modules = [default_settings]
    if project := os.environ.get("SCRAPY_SETTINGS_MODULE"):  # set by Scrapy from scrapy.cfg
        modules.append(importlib.import_module(project))
    defaults: dict[str, bool | int | float | None] = {}
    for module in modules:
        for name, value in vars(module).items():
            if name.isupper():
                defaults[name] = value if type(value) in (bool, int, float) else None
    return {name: value for name, value in defaults.items() if value is not None}


def setting_problem(settings: BaseSettings) -> str | None:
    """Why a setting's value cannot be used (None: all can).

    Its type is that of its default, as the getters Scrapy's components use read it: a bool
    takes what getbool does ("True", "0", "false"); an int default takes an integer (getint),
    or any number for the few read with getfloat (READ_AS_FLOAT); a float, any number but
    NaN.  Its range is checked only where RANGES declares it.
    """
    for name, default in sorted(_typed_defaults().items()):
        raw = settings.get(name)
        if raw is None:
            continue
        if type(default) is bool:
            try:
                settings.getbool(name)
            except ValueError:
                return f"setting {name}={raw!r} is not true or false (1/0, True/False)"
            continue
        as_int = type(default) is int and name not in READ_AS_FLOAT
        try:
            value = settings.getint(name) if as_int else settings.getfloat(name)
        except (ValueError, TypeError, OverflowError):
            value = math.nan
        if math.isnan(value):
            return f"setting {name}={raw!r} is not {'an integer' if as_int else 'a number'}"
        if name in RANGES and value not in RANGES[name]:
            return f"setting {name}={raw!r} is not {RANGES[name]}"
    return None


def log_file_problem(settings: BaseSettings) -> str | None:
    """Why Scrapy's logging could not open LOG_FILE (None: it could, or there is none): it
    creates no folder, and a bad LOG_ENCODING fails it too."""
    if not (name := settings.get("LOG_FILE")):
        return None
    path = Path(name)
    encoding = settings.get("LOG_ENCODING") or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        return f"LOG_ENCODING={encoding!r} is not an encoding"
    if path.exists():
        if not path.is_file():  # a folder, or a FIFO that would block the open
            return f"LOG_FILE: {path} is not a file"
        writable = os.access(path, os.W_OK)
    elif not (folder := path.absolute().parent).exists():
        return f"LOG_FILE: no folder {folder} (logging creates none)"
    elif not folder.is_dir():
        return f"LOG_FILE: {folder} is not a folder"
    else:
        writable = os.access(folder, os.W_OK | os.X_OK)
    return None if writable else f"LOG_FILE: {path} is not writable"


def log_refusal(settings: BaseSettings, line: str) -> None:
    """Append a refusal's line to LOG_FILE too: under Scrapyd, which names each job's
    LOG_FILE, a job refused before logging started would have no log saying why."""
    if not settings.get("LOG_FILE") or log_file_problem(settings):
        return
    try:
        with open(settings.get("LOG_FILE"), "a", encoding=settings.get("LOG_ENCODING") or "utf-8",
                  errors="backslashreplace") as fh:
            fh.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} [{__name__}] ERROR: {line}\n")
    except OSError:
        pass  # stderr has it


def sqlite_problem(path: Path) -> str | None:
    """Why the existing file path cannot be read as an SQLite database (None: it can)."""
    from pipelines.store.db import connect_readonly

    try:
        # Read-only: a file that is something else is never touched.
        con = connect_readonly(path)
        try:
            con.execute("select count(*) from sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"{path} cannot be read as an SQLite database ({exc})"
    return None


def newer_problem(path: Path) -> str | None:
    """Why the SQLite file path must not be written by this code: a later version's schema
    (None: it may), found read-only before anything starts."""
    import sqlite_utils

    from pipelines.store.db import connect_readonly
    from pipelines.store.migrations import refuse_newer

    con = connect_readonly(path)
    try:
        refuse_newer(sqlite_utils.Database(con))
    except ValueError as exc:
        return str(exc)
    except sqlite3.Error:  # unreadable tables: sqlite_problem's, or the writer's, to say
        return None
    finally:
        con.close()
    return None


def folder_problem(folder: Path) -> str | None:
    """Why folder can neither be written nor created (None: it can), creating nothing."""
    for existing in (folder, *folder.absolute().parents):
        if existing.exists() or existing.is_symlink():
            break
    if not existing.is_dir():
        why = "is not a folder"
    elif os.access(existing, os.W_OK | os.X_OK):  # as root, false only on a read-only mount
        return None
    else:
        why = "is not writable"
    return f"{existing} {why}" if existing == folder else f"cannot create {folder}: {existing} {why}"


def database_problem(path: Path, written: bool, newer: bool = False) -> str | None:
    """Why path is no database to read (and with written, to write; None: it is one); with
    newer, also a later version's schema (newer_problem: it imports sqlite_utils, which the
    crawl process leaves to its database writer, whose start refuses it)."""
    if path.exists() or path.is_symlink():
        if not path.is_file():
            return f"{path} is not a file"
        if why := sqlite_problem(path):
            return why
        if written and not os.access(path, os.R_OK | os.W_OK):
            return f"{path} is not writable"
        if written and newer and (why := newer_problem(path)):
            return why
    # Its folder also takes SQLite's -wal and -shm files.
    return folder_problem(path.parent) if written else None


def open_crawl_db(path: Path) -> sqlite_utils.Database:
    """open_db, where what it cannot open or migrate (a file that is not SQLite, another
    program's database, an older schema) raises UsageError saying why."""
    from pipelines.store.db import open_db

    if path.exists() and (why := sqlite_problem(path)):
        raise UsageError(why)
    try:
        return open_db(path)
    except sqlite3.Error as exc:
        raise UsageError(f"{path}: {exc}") from None
    except ValueError as exc:  # migrations' refusal names the file and what to do
        raise UsageError(str(exc)) from None


# Every command that writes the database brings its schema up to date first.
MIGRATED_BY = "the next `scrapy crawl`, `scrapy extract --keep-db` or `scrapy merge` into it"


def read_crawl_db(path: Path) -> tuple[sqlite_utils.Database, str | None]:
    """For a command that only reads the crawl database: it opened read-only (never migrated,
    never converted to WAL), and one line saying its schema is older or newer than the code's
    (None: it is current), for the command to print before reading what it can.  What is no crawl
    database (not SQLite, another program's) raises UsageError saying why."""
    from pipelines.store.db import open_db_readonly
    from pipelines.store.migrations import unknown_steps

    if why := sqlite_problem(path):
        raise UsageError(why)
    try:
        db, pending = open_db_readonly(path)
    except sqlite3.Error as exc:
        raise UsageError(f"{path}: {exc}") from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if newer := unknown_steps(db):
        return db, (f"{path}: its schema is newer than this code's (steps {', '.join(newer)} "
                    "are unknown here): read as it is; this version will not write to it")
    if not pending:
        return db, None
    return db, (f"{path}: its schema is {len(pending)} steps older than this code's; read as "
                f"it is and left unchanged ({MIGRATED_BY} updates it)")
