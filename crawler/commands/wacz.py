"""`scrapy wacz -s DATA_DIR=DIR [-o FILE] [--allow-damaged]`: package DIR's WARCs as a
validated WACZ.

A damaged WARC file (one the indexer fails on, or whose gzip stream or records archive.reader
finds cut short or corrupt) is named on stderr.  Without --allow-damaged no package is written
(an earlier one stays) and the command exits 1; with it, the package is written without those
files, which are named again after it, and the command exits 0.  The package is validated
before it replaces the earlier one: one that fails is not written, one line, exit 1.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand

from archive import wacz
from archive.index import NothingIndexed
from crawler.commands import SETTINGS_HELP, SettingsChecked, fail
from pipelines.store.db import crawl_db_path


class Command(SettingsChecked, ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[-o FILE.wacz] [--allow-damaged]"

    def short_desc(self) -> str:
        return "Package the crawl's WARC files as a WACZ (CDXJ index, pages.jsonl) and validate it"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}. {SETTINGS_HELP} py-wacz runs from WARC_PYWB_VENV.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", help="WACZ to write (default: DATA_DIR/reports.wacz)")
        parser.add_argument("--allow-damaged", action="store_true",
                            help="write the package without the WARC files the indexer fails "
                                 "on (named), and exit 0")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        venv = self.settings.get("WARC_PYWB_VENV")
        # SIGTERM and SIGHUP stop it as Ctrl-C does: the partial package and the scratch
        # folder are removed on the way out.
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _interrupt)
        try:
            path, pages, left_out = wacz.create(Path(self.settings.get("DATA_DIR")), venv,
                                                Path(opts.output) if opts.output else None,
                                                crawl_db_path(self.settings),
                                                allow_damaged=opts.allow_damaged)
        except KeyboardInterrupt:
            print("scrapy wacz: interrupted; no package written", file=sys.stderr)
            self.exitcode = 130
            return
        except wacz.DamagedWarcs as e:
            # Not a bad argument (exit 2): the archive is damaged, as a failed validation.
            print(f"scrapy wacz: {e}; no package written. Pass --allow-damaged to write it "
                  "without them", file=sys.stderr)
            self.exitcode = 1
            return
        except (wacz.InvalidPackage, NothingIndexed) as e:  # damage too, however much
            print(f"scrapy wacz: {e}", file=sys.stderr)
            self.exitcode = 1
            return
        except (FileNotFoundError, RuntimeError) as e:
            fail(self, "wacz", str(e))
            return
        print(f"{path}: {path.stat().st_size / 1e6:.1f} MB, {pages} pages; "
              "wacz validate: passed")
        if left_out:
            print(f"left out (--allow-damaged): {len(left_out)} damaged WARC files: "
                  f"{', '.join(left_out)}", file=sys.stderr)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
