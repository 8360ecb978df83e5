"""`scrapy extract -s DATA_DIR=DIR`: rebuild DIR/reports.db from DIR/warc alone."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sqlite3
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand

from archive.reader import not_files, unfinished_files, warc_files
from crawler.commands import (
    SETTINGS_HELP,
    SettingsChecked,
    database_problem,
    fail,
    folder_problem,
    log_refusal,
    sqlite_problem,
)
from crawler.datalock import DataDirInUse, lock_data_dir
from pipelines.store.db import connect_readonly, crawl_db_path

UNFINISHED_HELP = ("an unfinished file of a running or killed crawl: run a crawl in DATA_DIR "
                   "to recover it (archive/recovery.py), or rename it without .open")


class Command(SettingsChecked, ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--db PATH] [--keep-db] [--workers N]"

    def short_desc(self) -> str:
        return "Rebuild the crawl database of DATA_DIR from its WARC files (re-cleaning every page)"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}. {SETTINGS_HELP} -s DOWNLOAD_MAXSIZE caps each inflated "
                "body, -s CLEAN_TIMEOUT each page's cleaning, -s EXTRACT_WORKERS the workers.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--db", help="database to write (default: the crawl's, "
                                              "SQLITE_PATH or DATA_DIR/reports.db)")
        parser.add_argument("--keep-db", action="store_true",
                            help="add to an existing database instead of starting afresh")
        parser.add_argument("--workers", type=int, default=None, metavar="N",
                            help="cleaning processes (default: EXTRACT_WORKERS, i.e. one per "
                                 "core; 1: clean in this process); rows are the same for any N")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        # The cleaner and clusters: imported only when this command runs, to keep the crawl
        # process lean (every scrapy command imports every command module).
        from archive.extract import Extractor, WriteFailed
        from pipelines.clean_pipeline import worker_count

        data_dir = Path(self.settings.get("DATA_DIR"))
        workers = opts.workers if opts.workers is not None else \
            self.settings.getint("EXTRACT_WORKERS", -1)
        if opts.workers is not None and opts.workers < 1:
            return fail(self, "extract", f"--workers must be at least 1, got {opts.workers}")
        if not warc_files(data_dir / "warc"):
            unfinished = unfinished_files(data_dir / "warc")
            odd = not_files(data_dir / "warc")
            return fail(self, "extract", f"no WARC files in {data_dir / 'warc'}" + (
                f" ({len(unfinished)} unfinished .open files: {UNFINISHED_HELP})"
                if unfinished else "") + "".join(f"; {path.name}: {why}" for path, why in odd))
        db = Path(opts.db) if opts.db else crawl_db_path(self.settings)
        if opts.keep_db:  # what it adds to must be a database
            why = database_problem(db, written=True, newer=True)
        elif db.is_dir():
            why = f"{db} is not a file"
        elif opts.db and db.exists() and (problem := sqlite_problem(db)):
            # The crawl's own broken database is what a rebuild replaces; a file named by
            # --db that is no database (a typo naming a WARC file) is not.
            why = f"{problem}: not replaced (remove it, or choose another --db)"
        else:
            why = folder_problem(db.parent)
        if why:
            return fail(self, "extract", why)
        try:
            # Not while a crawl (or another extract) writes DATA_DIR's own database, nor while
            # another extract writes this one (its rebuild would be swapped under it).
            if db.resolve() == crawl_db_path(self.settings).resolve():
                lock_data_dir(data_dir, "extract")
            lock_data_dir(db.parent, "extract")
        except DataDirInUse as exc:
            return fail(self, "extract", str(exc))
        # What the rebuilt database is measured against: the one it replaces, else the
        # crawl's own (its rows of requests that got no response are in no WARC file).
        crawl_db = crawl_db_path(self.settings)
        before = None if opts.keep_db else (
            ("the database it replaced had", _counts(db)) if db.resolve() == crawl_db.resolve()
            else (f"the crawl's database {crawl_db} has", _counts(crawl_db)))
        # A rebuild is written beside the database and replaces it only once whole: a run
        # that fails (a full disk, a kill) leaves the old one as it was.
        # A link's target is what is rebuilt and replaced: the link stays, as links do.
        real = db.resolve()
        target = db if opts.keep_db else real.with_name(real.name + ".rebuild")
        if not opts.keep_db:
            try:
                if len(os.fsencode(target.name + "-wal")) > os.pathconf(target.parent,
                                                                        "PC_NAME_MAX"):
                    raise OSError("the name is too long for the rebuild written beside it "
                                  f"({target.name}-wal)")
                if target.is_dir():
                    raise OSError("it is a folder, where the rebuild is written")
            except OSError as exc:
                return fail(self, "extract", f"{target}: {exc}; choose another --db")
            _remove(target)  # an earlier run's leftover

        def progress(line: str) -> None:
            print(line, file=sys.stderr, flush=True)

        # SIGTERM (and SIGHUP: a closed terminal) stops the run as Ctrl-C does: helpers
        # closed, the crawls row marked.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
        try:
            stats = Extractor(self.settings, target, progress,
                              self.settings.getfloat("PROGRESS_INTERVAL") or 5.0,
                              worker_count(workers)).run()
            if not opts.keep_db:
                _replace(target, real)
        except KeyboardInterrupt:
            print(f"scrapy extract: interrupted; {_left(db, opts.keep_db)}", file=sys.stderr)
            self.exitcode = 130
            return
        except (WriteFailed, sqlite3.Error, OSError) as exc:
            # A full disk, above all: one line, no traceback.
            why = str(exc) if isinstance(exc, WriteFailed) else f"writing {target} failed: {exc}"
            print(f"scrapy extract: error: {why}; {_left(db, opts.keep_db)}", file=sys.stderr)
            log_refusal(self.settings, f"scrapy extract: {why}")
            self.exitcode = 1
            return
        finally:
            if not opts.keep_db:
                _remove(target)
        for path in stats.unfinished:
            print(f"not read: {path.name}: {UNFINISHED_HELP}", file=sys.stderr)
        for path, why in stats.not_files:
            print(f"not read: {path.name}: {why}", file=sys.stderr)
        if stats.timeouts or stats.worker_errors:
            # Recorded failures, as in the crawl, but a rebuild that lost reports to them
            # must not look whole.
            print(f"not cleaned: {stats.timeouts} pages over CLEAN_TIMEOUT, "
                  f"{stats.worker_errors} whose cleaning worker died twice: recorded with "
                  "their error and no text (the errors table, stage 'clean')",
                  file=sys.stderr)
        for problem in stats.problems:
            print(f"damaged: {problem}", file=sys.stderr)
        skipped = sum(p.length for p in stats.problems)
        print(f"rebuilt {db}: {stats.pages} pages, {stats.reports} reports from "
              f"{stats.records} records in {stats.files} files"
              + (f"; {len(stats.problems)} damaged regions skipped ({skipped} bytes)"
                 if stats.problems else "")
              + (f"; {stats.duplicates} duplicate records skipped (a WARC-Record-ID read "
                 "before)" if stats.duplicates else "")
              + (f"; {len(stats.unfinished)} unfinished .open files not read"
                 if stats.unfinished else "")
              + (f"; {len(stats.not_files)} paths named like WARC files that are none not "
                 "read" if stats.not_files else ""))
        if before is not None and (counts := before[1]) is not None:
            pages, reports = counts
            print(f"{before[0]} {pages} pages, {reports} reports"
                  + ("; requests that got no response (robots.txt refusals, DNS and connection "
                     "errors) are in no WARC file, so not rebuilt" if pages > stats.pages else ""))
        # Damage, or a file left out, is not fatal (the rest was extracted) but scripts
        # should notice it.  A duplicate costs nothing: its first copy was extracted.
        self.exitcode = 1 if stats.problems or stats.unfinished or stats.not_files else 0


def _counts(db: Path) -> tuple[int, int] | None:
    """The pages and reports rows of a crawl database (None: there is none to read)."""
    if not db.is_file():
        return None
    try:
        con = connect_readonly(db)
        try:
            pages, = con.execute("select count(*) from pages").fetchone()
            reports, = con.execute("select count(*) from reports").fetchone()
        finally:
            con.close()
    except sqlite3.Error:  # not a crawl database: nothing to compare with
        return None
    return pages, reports


def _left(db: Path, kept: bool) -> str:
    """What a run that stopped leaves of the database."""
    if kept:
        return (f"{db} holds the pages recorded so far (its crawls row says why it stopped): "
                "run it again without --keep-db to rebuild it whole")
    return f"{db} is as it was (the partial rebuild is removed)"


def _files(db: Path) -> list[Path]:
    return [db.with_name(db.name + suffix) for suffix in ("", "-wal", "-shm")]


def _remove(db: Path) -> None:
    for path in _files(db):
        # A name too long for the file system was never written: the error that stopped
        # the run says why.
        with contextlib.suppress(FileNotFoundError, OSError):
            path.unlink()


def _replace(new: Path, old: Path) -> None:
    """Put the finished rebuild `new` in the place of `old`.  Its log is folded into it
    first, and the old one's removed: a log beside a database is read as part of it."""
    con = sqlite3.connect(new)
    try:
        con.execute("pragma wal_checkpoint(truncate)")
    finally:
        con.close()  # the last connection: SQLite removes the emptied log
    if any(path.exists() for path in _files(new)[1:]):
        raise OSError(f"{new}: its write-ahead log is still open; not moved over {old}")
    for path in _files(old)[1:]:
        path.unlink(missing_ok=True)
    new.replace(old)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
