"""A rotating WARC/1.1 file writer: one open file at a time, each record its own gzip member.

Files are written as ``NAME.warc.gz.open`` and renamed to ``NAME.warc.gz`` when closed, so a
reader never mistakes a file still being written (or left by a crash) for a finished one.
An append that fails (a full disk, an I/O error) is cut back off the file before the error is
raised, and the last append can be taken back (`undo`) when what had to follow it failed: the
file always ends with a whole record (issue 17).  So a file full enough to rotate is closed
at the next append, not right after the one that filled it.
"""

from __future__ import annotations

import errno
import io
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from isal import isal_zlib
from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import WARCWriter

OPEN_SUFFIX = ".open"
# Members are deflated by ISA-L (levels 0-3), not zlib: on report pages its level 2 took a
# ninth of zlib level 6's CPU for 11 % more bytes (level 3: a fifth, 8 % more).  The
# compression took three quarters of the writer's time.  Any gzip reader reads the members.
GZIP_LEVELS = range(isal_zlib.ISAL_BEST_SPEED, isal_zlib.ISAL_BEST_COMPRESSION + 1)
GZIP_LEVEL = isal_zlib.ISAL_DEFAULT_COMPRESSION


@dataclass(frozen=True)
class RecordLocation:
    """Where a record landed: the final file name (relative to the WARC dir) and byte range."""

    file: str
    offset: int
    length: int


def warc_name(prefix: str, serial: int, now: datetime | None = None) -> str:
    """A name unique across processes and machines: prefix, UTC time, serial, host, pid."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S%f")[:17]
    host = socket.gethostname().replace("-", "_").replace(".", "_") or "host"
    return f"{prefix}-{stamp}-{serial:05d}-{host}-{os.getpid()}.warc.gz"


class RotatingWarcWriter:
    def __init__(self, directory: Path, prefix: str, max_size: int, warcinfo: dict[str, str],
                 gzip_level: int = GZIP_LEVEL):
        if gzip_level not in GZIP_LEVELS:
            raise ValueError(f"WARC_GZIP_LEVEL: {GZIP_LEVELS.start} to {GZIP_LEVELS.stop - 1} "
                             f"(ISA-L's levels), got {gzip_level}")
        self.gzip_level = gzip_level
        self.directory = directory
        self.prefix = prefix
        self.max_size = max_size
        self.warcinfo = warcinfo
        self.serial = 0
        self.name: str | None = None
        # Unbuffered: a failed write leaves nothing behind in a buffer to be written later,
        # and what reached the file is known to end where the failed append began.
        self._fh: io.FileIO | None = None
        # warcio serialises each record into memory, uncompressed; it is then gzipped and
        # written in one call each.  warcio's own gzip writer makes a zlib call per header
        # line, and each call hands the GIL to the reactor and back (the writer is a thread).
        self._buf = io.BytesIO()
        self._serializer = WARCWriter(self._buf, gzip=False, warc_version="WARC/1.1")
        self.files_closed: list[str] = []
        self._last: int | None = None  # where the last append began, while undoable

    def _member(self, record: ArcWarcRecord) -> bytes:
        self._buf.seek(0)
        self._buf.truncate()
        self._serializer.write_record(record)
        return isal_zlib.compress(self._buf.getbuffer(), self.gzip_level, wbits=31)  # gzip

    def _open(self) -> io.FileIO:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.serial += 1
        name = warc_name(self.prefix, self.serial)
        path = self.directory / (name + OPEN_SUFFIX)
        fh = io.FileIO(path, "w")
        try:
            _write_all(fh, self._member(self._serializer.create_warcinfo_record(
                name, self.warcinfo)))
        except OSError:
            fh.close()
            path.unlink(missing_ok=True)  # a file without its warcinfo is no WARC file
            raise
        self._fh, self.name = fh, name
        return fh

    def write(self, *records: ArcWarcRecord) -> list[RecordLocation]:
        """Append records to the open file, all or none of them.

        Unbuffered, so a crash leaves whole members behind; a failed append is truncated
        away before its error is raised.
        """
        if self._fh is not None and 0 < self.max_size <= self._fh.tell():  # 0: no limit
            self.close()
        self._last = None
        fh = self._fh or self._open()
        assert self.name is not None
        locations = []
        members = []
        start = offset = fh.tell()
        for record in records:
            members.append(self._member(record))
            locations.append(RecordLocation(self.name, offset, len(members[-1])))
            offset += len(members[-1])
        try:
            _write_all(fh, b"".join(members))
        except OSError:
            self._roll_back(fh, start)
            raise
        self._last = start
        return locations

    def undo(self) -> None:
        """Take the last append off the file again (its records are not to be kept)."""
        if self._fh is not None and self._last is not None:
            self._roll_back(self._fh, self._last)
        self._last = None

    def _roll_back(self, fh: io.FileIO, end: int) -> None:
        """Cut a failed append off the file; if even that fails, give the file up as it is
        (left ``.open``: the next crawl's recovery truncates it to its last whole record)."""
        try:
            os.ftruncate(fh.fileno(), end)
            fh.seek(end)
        except OSError:
            fh.close()
            self._fh = self.name = None

    def close(self) -> None:
        self._last = None
        if self._fh is None or self.name is None:
            return
        self._fh.close()
        self._fh = None  # a failed rename leaves the file .open, for the next recovery
        os.replace(self.directory / (self.name + OPEN_SUFFIX), self.directory / self.name)
        self.files_closed.append(self.name)
        self.name = None


def _write_all(fh: io.FileIO, data: bytes) -> None:
    """Write all of data: a raw file may take part of it, or raise after part of it."""
    view = memoryview(data)
    while view:
        written = fh.write(view)
        if not written:  # never for a regular file; it would loop forever
            raise OSError(errno.EIO, "the WARC file took no bytes")
        view = view[written:]
