"""`scrapy extract -s DATA_DIR=DIR`: rebuild DIR/reports.db from DIR/warc alone."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from archive.extract import Extractor, warc_files


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--db PATH] [--keep-db]"

    def short_desc(self) -> str:
        return "Rebuild the crawl database of DATA_DIR from its WARC files (re-cleaning every page)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--db", help="database to write (default: DATA_DIR/reports.db)")
        parser.add_argument("--keep-db", action="store_true",
                            help="add to an existing database instead of starting afresh")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        data_dir = Path(self.settings.get("DATA_DIR"))
        if not warc_files(data_dir / "warc"):
            raise UsageError(f"no WARC files in {data_dir / 'warc'}")
        db = Path(opts.db) if opts.db else data_dir / "reports.db"
        if not opts.keep_db:
            for suffix in ("", "-wal", "-shm"):
                db.with_name(db.name + suffix).unlink(missing_ok=True)

        def progress(line: str) -> None:
            print(line, file=sys.stderr, flush=True)

        stats = Extractor(self.settings, db, progress,
                          self.settings.getfloat("PROGRESS_INTERVAL") or 5.0).run()
        for problem in stats.problems:
            print(f"damaged: {problem}", file=sys.stderr)
        print(f"rebuilt {db}: {stats.pages} pages, {stats.reports} reports from "
              f"{stats.records} records in {stats.files} files"
              + (f"; {len(stats.problems)} damaged records skipped" if stats.problems else ""))
        # Damage is not fatal (the rest was extracted) but scripts should notice it.
        self.exitcode = 1 if stats.problems else 0
