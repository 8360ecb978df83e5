"""`scrapy export -s DATA_DIR=DIR [--format jsonl|csv|parquet] [--bom] [-o FILE]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand

from crawler.commands import SETTINGS_HELP, SettingsChecked, fail, quiet_stdout
from pipelines.store.db import crawl_db_path

# What -o's name says when --format is not given (`-o reports.csv` means CSV, as Scrapy's
# feed exports read -O's suffix).  Any other suffix is refused: x.csv.gz or x.json written as
# JSON Lines would be a file that is not what its name says.
SUFFIX_FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def chosen_format(given: str | None, output: Path | None, bom: bool) -> str:
    """--format, else the format -o's suffix names, else (no -o, or a name without a suffix)
    csv for --bom (which only CSV takes), else jsonl.  ValueError for a suffix that names no
    format written here."""
    if given:
        return given
    if output is not None and output.suffix:
        if fmt := SUFFIX_FORMATS.get(output.suffix.lower()):
            return fmt
        raise ValueError(f"-o {output}: unknown format {output.suffix!r}; use "
                         f"{', '.join(sorted(SUFFIX_FORMATS))} or --format")
    return "csv" if bom else "jsonl"


class Command(SettingsChecked, ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--format jsonl|csv|parquet] [--table reports|clusters] [--bom] [-o FILE]"

    def short_desc(self) -> str:
        return "Export the crawl's reports (or clusters) as JSON Lines, CSV or Parquet"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}. {SETTINGS_HELP} The format is --format's, else the one "
                "-o's suffix names (.csv, .jsonl, .parquet; any other suffix is refused). Without -o, jsonl and csv go to "
                "standard output.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        # pyarrow: imported only when this command runs, to keep the crawl process lean
        from pipelines.store.export import FORMATS, TABLES

        parser.add_argument("--format", choices=FORMATS, default=None,
                            help="file format (default: from -o's suffix, .csv, .jsonl or "
                                 ".parquet; else csv with --bom, else jsonl)")
        parser.add_argument("--table", choices=tuple(TABLES), default="reports",
                            help="what to export (default: reports)")
        parser.add_argument("--bom", action="store_true",
                            help="csv for Excel: start with a UTF-8 byte order mark, and put "
                                 "a ' before a text cell starting with = + - @ (a formula)")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        # pyarrow: imported only when this command runs, to keep the crawl process lean
        from pipelines.store.export import ExportError, export

        output = Path(opts.output) if opts.output and opts.output != "-" else None
        try:
            fmt = chosen_format(opts.format, output, opts.bom)
        except ValueError as exc:
            fail(self, "export", str(exc))
            return
        try:
            n = export(crawl_db_path(self.settings), fmt, output, opts.table, opts.bom)
        except ExportError as exc:
            fail(self, "export", str(exc))
            return
        except BrokenPipeError:  # `| head`: the reader has what it wanted
            quiet_stdout()
            return
        except OSError as exc:  # a full disk, say: the target is left as it was
            fail(self, "export", f"{output or 'standard output'}: {exc.strerror or exc}")
            self.exitcode = 1
            return
        if output is not None:
            print(f"{output}: {n} {opts.table} rows ({fmt})", file=sys.stderr)
