"""A rotating WARC/1.1 file writer: one open file at a time, each record its own gzip member.

Files are written as ``NAME.warc.gz.open`` and renamed to ``NAME.warc.gz`` when closed, so a
reader never mistakes a file still being written (or left by a crash) for a finished one.
"""

from __future__ import annotations

import io
import os
import socket
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import WARCWriter

OPEN_SUFFIX = ".open"
# zlib's default level: level 9 (warcio's) costs about twice the time for a few per cent.
GZIP_LEVEL = 6


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
    def __init__(self, directory: Path, prefix: str, max_size: int, warcinfo: dict[str, str]):
        self.directory = directory
        self.prefix = prefix
        self.max_size = max_size
        self.warcinfo = warcinfo
        self.serial = 0
        self.name: str | None = None
        self._fh: BinaryIO | None = None
        # warcio serialises each record into memory, uncompressed; it is then gzipped and
        # written in one call each.  warcio's own gzip writer makes a zlib call per header
        # line, and each call hands the GIL to the reactor and back (the writer is a thread).
        self._buf = io.BytesIO()
        self._serializer = WARCWriter(self._buf, gzip=False, warc_version="WARC/1.1")
        self.files_closed: list[str] = []

    def _member(self, record: ArcWarcRecord) -> bytes:
        self._buf.seek(0)
        self._buf.truncate()
        self._serializer.write_record(record)
        return zlib.compress(self._buf.getbuffer(), GZIP_LEVEL, wbits=31)  # 31: gzip framing

    def _open(self) -> BinaryIO:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.serial += 1
        self.name = warc_name(self.prefix, self.serial)
        self._fh = open(self.directory / (self.name + OPEN_SUFFIX), "wb")  # noqa: SIM115
        self._fh.write(self._member(self._serializer.create_warcinfo_record(self.name,
                                                                            self.warcinfo)))
        return self._fh

    def write(self, *records: ArcWarcRecord) -> list[RecordLocation]:
        """Append records to the open file; flush, so a crash leaves whole members behind."""
        fh = self._fh or self._open()
        assert self.name is not None
        locations = []
        members = []
        start = fh.tell()
        for record in records:
            members.append(self._member(record))
            locations.append(RecordLocation(self.name, start, len(members[-1])))
            start += len(members[-1])
        fh.write(b"".join(members))
        fh.flush()
        if fh.tell() >= self.max_size:
            self.close()
        return locations

    def close(self) -> None:
        if self._fh is None or self.name is None:
            return
        self._fh.close()
        os.replace(self.directory / (self.name + OPEN_SUFFIX), self.directory / self.name)
        self.files_closed.append(self.name)
        self._fh = None
        self.name = None
