"""A rotating WARC/1.1 file writer: one open file at a time, each record its own gzip member.

Files are written as ``NAME.warc.gz.open`` and renamed to ``NAME.warc.gz`` when closed, so a
reader never mistakes a file still being written (or left by a crash) for a finished one.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import WARCWriter

OPEN_SUFFIX = ".open"


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
        self._writer: WARCWriter | None = None
        self.files_closed: list[str] = []

    def _open(self) -> WARCWriter:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.serial += 1
        self.name = warc_name(self.prefix, self.serial)
        self._fh = open(self.directory / (self.name + OPEN_SUFFIX), "wb")  # noqa: SIM115
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="WARC/1.1")
        info = self._writer.create_warcinfo_record(self.name, self.warcinfo)
        self._writer.write_record(info)
        return self._writer

    @property
    def writer(self) -> WARCWriter:
        """The warcio writer of the open file (opened on first use), for building records."""
        return self._writer or self._open()

    def write(self, *records: ArcWarcRecord) -> list[RecordLocation]:
        """Append records to the open file; flush, so a crash leaves whole members behind."""
        writer = self.writer
        assert self._fh is not None and self.name is not None
        locations = []
        for record in records:
            start = self._fh.tell()
            writer.write_record(record)
            locations.append(RecordLocation(self.name, start, self._fh.tell() - start))
        self._fh.flush()
        if self._fh.tell() >= self.max_size:
            self.close()
        return locations

    def close(self) -> None:
        if self._fh is None or self.name is None:
            return
        self._fh.close()
        os.replace(self.directory / (self.name + OPEN_SUFFIX), self.directory / self.name)
        self.files_closed.append(self.name)
        self._fh = self._writer = None
        self.name = None
