"""The project's `scrapy` commands; what they share."""

from __future__ import annotations

import sys

from scrapy.commands import ScrapyCommand

# Every command reads and writes the crawl's files through these settings.
SETTINGS_HELP = ("Reads the crawl of -s DATA_DIR=DIR (default: data): DIR/warc/*.warc.gz and "
                 "DIR/reports.db, or -s SQLITE_PATH=FILE when the crawl used one.")


def fail(command: ScrapyCommand, name: str, message: str) -> None:
    """A bad argument or a missing input: one line on stderr and exit code 2, as argparse
    does, without Scrapy's usage text or a traceback."""
    print(f"scrapy {name}: error: {message}", file=sys.stderr)
    command.exitcode = 2
