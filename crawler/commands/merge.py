"""`scrapy merge -s DATA_DIR=OUT WORKER_DIR|DB ...`: one reports.db and warc/ from many workers.

Each argument is a worker's DATA_DIR (its reports.db is merged and its closed WARC files are
linked into OUT/warc) or a database file.  Afterwards `scrapy wacz -s DATA_DIR=OUT` and
`scrapy replay -s DATA_DIR=OUT` cover every worker's WARCs.  Then the merged reports are
clustered (CLUSTER_ENABLED, CLUSTER_THRESHOLD).  A WARC file a source's rows refer to that
is not in OUT/warc afterwards is named, and the merge exits 1 (its rows are merged all the
same) unless --allow-missing-warc.  See pipelines/store/merge.py for what counts as a
duplicate and what happens to url_state.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands import SettingsChecked, database_problem, fail, open_crawl_db, sqlite_problem
from crawler.datalock import DataDirInUse, lock_data_dir

# Missing WARC files named per source, the rest counted.
NAMED = 5


class Command(SettingsChecked, ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--allow-missing-warc] WORKER_DATA_DIR|DB [...]"

    def short_desc(self) -> str:
        return "Merge worker databases (and link their WARCs) into DATA_DIR, without duplicates"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}. Writes the merged crawl to -s DATA_DIR=DIR "
                "(DIR/reports.db, DIR/warc); the arguments are the workers' DATA_DIRs.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--allow-missing-warc", action="store_true",
                            help="exit 0 even when WARC files the merged rows refer to are "
                                 "missing (a database copied without its WARCs)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        # Clusters (numpy): imported only when this command runs, to keep
        # the crawl process lean (every scrapy command imports every command module).
        from pipelines.store.merge import cluster_merged, link_warcs, merge_db, missing_warcs

        if not args:
            return fail(self, "merge", "name at least one worker DATA_DIR or database")
        out_dir = Path(self.settings.get("DATA_DIR"))
        out_path = Path(self.settings.get("SQLITE_PATH") or out_dir / "reports.db")
        sources = []
        for arg in map(Path, args):
            db = arg / "reports.db" if arg.is_dir() else arg
            if not db.is_file():
                return fail(self, "merge", f"{arg}: no reports.db there")
            if db.resolve() == out_path.resolve():
                return fail(self, "merge", f"{arg} is the output database itself")
            if why := sqlite_problem(db):
                return fail(self, "merge", why)
            sources.append((arg, db))
        if why := database_problem(out_path, written=True):
            return fail(self, "merge", why)
        try:  # not into a DATA_DIR a crawl (or extract, or merge) is writing
            lock_data_dir(out_dir, "merge")
        except DataDirInUse as exc:
            return fail(self, "merge", str(exc))
        try:
            out = open_crawl_db(out_path)
        except UsageError as exc:
            return fail(self, "merge", str(exc))
        missing = 0
        try:
            for arg, db in sources:
                try:
                    done = merge_db(out, db)
                except sqlite3.Error as exc:  # a database of something else: rolled back
                    return fail(self, "merge", f"{db}: {exc}")
                try:
                    linked = link_warcs(arg / "warc", out_dir / "warc") if arg.is_dir() else 0
                except OSError as exc:  # a full disk, copying across file systems
                    print(f"scrapy merge: error: {arg}'s rows are merged, but its WARC files "
                          f"could not all be put into {out_dir / 'warc'}: {exc}; free space "
                          "and merge again (it adds nothing twice)", file=sys.stderr)
                    self.exitcode = 1
                    return
                print(f"{arg}: +{done.crawls} crawls, +{done.pages} pages, +{done.reports} "
                      f"reports ({done.duplicates['pages']} pages and "
                      f"{done.duplicates['reports']} reports already there), "
                      f"{done.url_states} URL states, {linked} WARC files linked")
                if lost := missing_warcs(db, out_dir / "warc"):
                    missing += len(lost)
                    _warn_missing(arg, lost, out_dir / "warc")
            s = self.settings
            clustered = cluster_merged(out, s.getfloat("CLUSTER_THRESHOLD"),
                                       s.getbool("CLUSTER_ENABLED"))
            out.execute("pragma wal_checkpoint(truncate)")
            pages = out.execute("select count(*) from pages").fetchone()[0]
            reports = out.execute("select count(*) from reports").fetchone()[0]
            clusters = out.execute("select count(*) from clusters").fetchone()[0]
        finally:
            out.close()
        print(f"{out_path}: {pages} pages, {reports} reports ({clustered} clustered now), "
              f"{clusters} clusters")
        if missing and not opts.allow_missing_warc:
            print(f"scrapy merge: {missing} WARC files missing: the rows that refer to them "
                  "were merged, but replay and `scrapy extract` cannot see those pages; copy "
                  "the files into the worker's warc/ and merge again, or pass "
                  "--allow-missing-warc", file=sys.stderr)
            self.exitcode = 1


def _warn_missing(source: Path, names: list[str], warc_dir: Path) -> None:
    """One line per source: how many of its WARC files are missing, the first few named."""
    more = f" and {len(names) - NAMED} more" if len(names) > NAMED else ""
    # A worker still crawling writes its newest file as NAME.open, renamed when closed.
    open_ones = [n for n in names if source.is_dir() and (source / "warc" / f"{n}.open").exists()]
    still = f" ({len(open_ones)} still open: is the worker running?)" if open_ones else ""
    print(f"{source}: {len(names)} WARC files its rows refer to are not in {warc_dir}: "
          f"{', '.join(names[:NAMED])}{more}{still}", file=sys.stderr)
