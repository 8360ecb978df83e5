"""`scrapy wacz -s DATA_DIR=DIR [-o FILE]`: package DIR's WARCs as a validated WACZ."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import ScrapyCommand

from archive import wacz
from crawler.commands import SETTINGS_HELP, SettingsChecked, fail
from pipelines.store.db import crawl_db_path


class Command(SettingsChecked, ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[-o FILE.wacz]"

    def short_desc(self) -> str:
        return "Package the crawl's WARC files as a WACZ (CDXJ index, pages.jsonl) and validate it"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}. {SETTINGS_HELP} py-wacz runs from WARC_PYWB_VENV.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", help="WACZ to write (default: DATA_DIR/reports.wacz)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        venv = self.settings.get("WARC_PYWB_VENV")
        try:
            path, pages = wacz.create(Path(self.settings.get("DATA_DIR")), venv,
                                      Path(opts.output) if opts.output else None,
                                      crawl_db_path(self.settings))
        except (FileNotFoundError, RuntimeError) as e:
            fail(self, "wacz", str(e))
            return
        ok, output = wacz.validate(path, venv)
        print(f"{path}: {path.stat().st_size / 1e6:.1f} MB, {pages or 'detected'} pages; "
              f"wacz validate: {'passed' if ok else 'FAILED'}")
        if not ok:
            print(output)
            self.exitcode = 1
