"""Work that never ends, for the cleaning time-limit tests; helpers import it by name.

`install()` puts `clean_fetched`, which hangs on a marked page, in place of
pipelines.clean_pipeline.clean_fetched.  `python -m tests.hangclean ARGS` is `scrapy ARGS` with it
installed: a real crawl or extract whose workers meet a page that hangs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from pipelines import clean_pipeline as cleaning

HANG = b"<!-- never finishes cleaning -->"
_clean_fetched = cleaning.clean_fetched  # the real one, whatever install() later replaces


def hang() -> None:
    threading.Event().wait()  # forever: helpers ignore SIGINT and SIGTERM, only SIGKILL ends it


def gated(gate: str, fails: bool = False) -> None:
    """A helper's set-up: the first process's returns at once; each later one's (a
    replacement's) waits until `gate`.open exists, then returns, or with `fails`, raises."""
    started = Path(f"{gate}.started")
    if not started.exists():
        started.touch()
        return
    while not Path(f"{gate}.open").exists():
        time.sleep(0.01)
    if fails:
        raise RuntimeError("tables missing")


def echo(value: str) -> tuple[str, int]:
    """The value and the process that answered; "hang" never answers."""
    if value == "hang":
        hang()
    return value, os.getpid()


def clean_fetched(body: bytes, url: str, headers: Mapping[str, str],
                  cleanable: bool) -> cleaning.Cleaned:
    if HANG in body:
        hang()
    return _clean_fetched(body, url, headers, cleanable)


def install() -> None:
    cleaning.clean_fetched = clean_fetched


if __name__ == "__main__":
    from scrapy.cmdline import execute

    from tests import hangclean  # this module under its own name, which workers can import

    hangclean.install()
    execute()
