"""What the crawl database says is stored: the questions a resumed crawl (crawler/resume.py)
asks before it goes on.

Each opens its own short read connection, so it can be asked before the store's writer has
the database open.  A database that does not exist yet, or has no tables yet, has stored
nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import NamedTuple


class StoredPage(NamedTuple):
    """A page stored whole (2xx, no error: the spider followed its links) with its archived
    response's location."""

    url: str
    depth: int
    warc_file: str
    warc_offset: int
    discovery: str | None  # how the crawl reached it (url_state), if remembered


Row = tuple[str | int | None, ...]


def _rows(path: Path, sql: str, args: list[str | int]) -> list[Row]:
    if not path.exists():
        return []
    conn = sqlite3.connect(path, timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # a database without the tables yet
        return []
    finally:
        conn.close()


def last_crawl_id(path: Path) -> int:
    """The id of the latest crawls row (0: none)."""
    rows = _rows(path, "select max(id) from crawls", [])
    return int(rows[0][0] or 0) if rows else 0


def urls_stored_since(path: Path, crawl_id: int) -> list[str]:
    """Every URL with a pages row from a crawl after crawl_id."""
    return [str(u) for (u,) in _rows(
        path, "select distinct url from pages where crawl_id > ?", [crawl_id])]


def pages_stored_since(path: Path, crawl_id: int) -> list[StoredPage]:
    """The archived whole pages stored by crawls after crawl_id, in the order stored."""
    rows = _rows(path, "select p.url, p.depth, p.warc_file, p.warc_offset, s.discovery "
                 "from pages p left join url_state s on s.url = p.url where p.crawl_id > ? "
                 "and p.status between 200 and 299 and p.error is null and p.warc_file is not null "
                 "order by p.id", [crawl_id])
    return [StoredPage(str(url), int(depth or 0), str(file), int(offset or 0),
                       str(kind) if kind is not None else None)
            for url, depth, file, offset, kind in rows]


class RecordLocations:
    """Where the response record with a WARC-Record-ID is, if a stored page names it: asked
    once per revisit a resumed crawl reads, so through one connection (close() it)."""

    _SQL = ("select warc_file, warc_offset from pages where warc_record_id = ? "
            "and warc_file is not null limit 1")

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path, timeout=30) if path.exists() else None

    def __call__(self, record_id: str | None) -> tuple[str, int] | None:
        if self.conn is None or not record_id:
            return None
        try:
            row = self.conn.execute(self._SQL, [record_id]).fetchone()
        except sqlite3.OperationalError:  # a database without the tables yet
            return None
        return (str(row[0]), int(row[1] or 0)) if row else None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
