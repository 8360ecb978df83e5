"""The payload-digest index behind revisit records, kept in SQLite so it outlives a crawl.

Only the WARC writer process touches it (one connection, created lazily there).  A digest
is added after its response record has been written, so the index never points at a record
that is not on disk.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Original:
    """The first archived copy of a payload, as a revisit record refers to it."""

    record_id: str
    uri: str
    date: str


class DigestIndex:
    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.execute("pragma journal_mode=wal")
            # No fsync per digest: the WARC records it points at are not fsynced either, and
            # WAL with synchronous=normal keeps every commit through a killed process.
            self._db.execute("pragma synchronous=normal")
            self._db.execute(
                "create table if not exists digests (digest text primary key, "
                "record_id text not null, uri text not null, date text not null, "
                "warc_file text, warc_offset integer)")
        return self._db

    def lookup(self, digest: str) -> Original | None:
        row = self.db.execute("select record_id, uri, date from digests where digest = ?",
                              (digest,)).fetchone()
        return Original(*row) if row else None

    def location(self, digest: str | None) -> tuple[str, int] | None:
        """Where the first copy of a payload is (None: unknown, or indexed without one)."""
        row = self.db.execute("select warc_file, warc_offset from digests where digest = ?",
                              (digest or "",)).fetchone()
        return (row[0], row[1]) if row and row[0] else None

    def forget(self, warc_file: str, warc_offset: int) -> None:
        """Drop the entry naming this record as a payload's first copy (it is unreadable)."""
        with self.db:
            self.db.execute("delete from digests where warc_file = ? and warc_offset = ?",
                            (warc_file, warc_offset))

    def add(self, digest: str, original: Original, warc_file: str, warc_offset: int) -> None:
        with self.db:
            self.db.execute("insert or ignore into digests values (?, ?, ?, ?, ?, ?)",
                            (digest, original.record_id, original.uri, original.date,
                             warc_file, warc_offset))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def index_recovered(index: DigestIndex, warc: Path) -> int:
    """Add the response records of a WARC file recovered after a kill to the index.

    A kill can land between a response record reaching the disk and its digest reaching the
    index; without this the next crawl would archive that payload in full a second time.
    Returns how many digests were added (already known ones are left as they are).
    """
    from archive.reader import read_entries

    added = 0
    for entry in read_entries(warc, []):
        rec = entry.record
        digest = rec.rec_headers.get_header("WARC-Payload-Digest")
        if rec.rec_type != "response" or not digest or index.lookup(digest):
            continue
        original = Original(rec.rec_headers.get_header("WARC-Record-ID"),
                            rec.rec_headers.get_header("WARC-Target-URI"),
                            rec.rec_headers.get_header("WARC-Date"))
        index.add(digest, original, entry.file, entry.offset)
        added += 1
    return added

