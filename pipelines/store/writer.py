"""The crawl database's writer: a helper process (pipelines.procs.Helper) that owns the writes.

`record_page` costs a few ms of CPU a page, more for a report: the FTS5 trigram index costs
~20 ms per 23,000-character text, once per distinct text (pipelines/store/searchindex.py:
on a site of reposts, 6 ms a page against 23 before).  On the crawl's reactor thread that
time stopped every download; in a thread it cost more than it saved (each SQLite call hands
the GIL back and forth: 50.6 s against 43.4 s for 2,000 pages); in `scrapy extract` it made
the reading process the bottleneck of its workers.  So one process writes, in the order the pages are
sent, and each call answers with an `Ack`.  Pages travel without their bodies.

If the process dies, the calls it had not answered fail with HelperDied: their pages are
in the WARC, and the crawl stops (archive/writefailed.py), so a resume with the same JOBDIR
fetches them again (`scrapy extract` can also recover them from the WARC).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipelines.page import Page
from pipelines.procs import Helper
from pipelines.store.copies import cluster
from pipelines.store.db import CrawlStart, open_db
from pipelines.store.record import Ack, write


@dataclasses.dataclass(frozen=True)
class Target:
    """Where and how to write: what the process needs to open the database as the owner would."""

    path: Path
    crawl_id: int | None
    sites_file: str | None = None
    cluster_threshold: float = cluster.THRESHOLD
    cluster_enabled: bool = True
    # With crawl_id None: the crawls row the writer inserts once it has opened the database
    # (crawl_id() then answers its id), so that a crawl process never opens it with
    # sqlite_utils and its schema migrations itself (numpy with them: 15 MB resident).
    new_crawl: CrawlStart | None = None


def start(target: Target, fork: bool = False) -> Helper:
    return Helper("db-writer", _open, target, fork=fork, spawn=True)  # not the cleaner's forkserver


def shipped(page: Page) -> Page:
    """The page as the writer needs it: without its body (its length stays)."""
    return dataclasses.replace(page, body=b"")


# In the writer process: its connection and the calls the owner sends it.
_db: Any = None
_crawl_id: int | None = None
_write: Callable[..., Ack] | None = None


def _open(target: Target) -> None:
    global _db, _crawl_id, _write
    _write = write
    _import_sqlite_utils()
    _db = open_db(target.path)
    cluster.attach(_db, target.sites_file, threshold=target.cluster_threshold,
                   enabled=target.cluster_enabled)
    _crawl_id = target.crawl_id if target.new_crawl is None else target.new_crawl.insert(_db)


# What sqlite_utils imports, where installed, only to store their values as SQLite's: the
# writer's rows hold none of them.
_UNUSED_BY_SQLITE_UTILS = ("numpy", "pandas")


def _import_sqlite_utils() -> None:
    """Import sqlite_utils without numpy (15 MB resident in the writer, 9 of them its own
    memory; clustering compares stored signatures without it: copies/minhash.py).

    A None in sys.modules makes an import of that name fail (Python's import system), which
    sqlite_utils takes for numpy not installed; numpy is importable again afterwards, for a
    report that comes without its fingerprint (copies/cluster.py computes it then)."""
    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in _UNUSED_BY_SQLITE_UTILS if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in hidden:
            del sys.modules[name]


def crawl_id() -> int | None:
    return _crawl_id


def write_page(page: Page) -> Ack:
    assert _write is not None, "the database writer process was not set up"
    return _write(_db, page, _crawl_id)


def close() -> None:
    _db.close()
