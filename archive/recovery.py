"""Finish the ``.open`` WARC files a killed crawl left behind.

Each record is its own gzip member and the writer flushes after every exchange, so a crash
leaves whole members followed by at most one partial one.  Recovery walks the members,
checks that each holds one complete WARC record, truncates the file after the last good one
and renames it to its final name; a damaged member between whole records is stepped over.  Files of writers still alive on this host are left alone.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from archive.reader import next_record_start
from archive.warcfile import OPEN_SUFFIX

logger = logging.getLogger(__name__)
CHUNK = 1 << 16
WRITER_GRACE = 10.0  # seconds a dead crawl's writer gets to exit (see _writer_alive)


@dataclass(frozen=True)
class Recovered:
    path: Path  # the final name, or the .open name if the file was removed as empty
    records: int
    kept: int  # bytes kept
    dropped: int  # bytes cut off the end


def _member_is_record(head: bytes, size: int) -> bool:
    """Does a decompressed member (its first bytes and total size) hold one whole record?"""
    if not head.startswith(b"WARC/"):
        return False
    end = head.find(b"\r\n\r\n")
    if end < 0:
        return False
    for line in head[:end].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return size == end + 4 + int(value.strip()) + 4
            except ValueError:
                return False
    return False


def _member_at(fh: BinaryIO, offset: int) -> int | None:
    """The length of the gzip member at offset if it holds one whole record, else None."""
    fh.seek(offset)
    inflater = zlib.decompressobj(wbits=31)
    head, size, consumed = b"", 0, 0
    while not inflater.eof:
        data = fh.read(CHUNK)
        if not data:
            return None  # partial member: the crash point
        try:
            out = inflater.decompress(data)
        except zlib.error:
            return None
        consumed += len(data) - len(inflater.unused_data)
        if len(head) < CHUNK:
            head += out[: CHUNK - len(head)]
        size += len(out)
    return consumed if _member_is_record(head, size) else None


def whole_records_end(path: Path) -> tuple[int, int, int]:
    """(offset just after the last whole record, whole records, damaged regions) of a .warc.gz.

    A damaged member with whole records after it (the disk's doing, not the crash's) is
    stepped over, as the reader does, rather than cut off with everything after it: the rows
    of those records point into this file.  Only what follows the last whole record goes.
    """
    good_end = records = damaged = 0
    with open(path, "rb") as fh:
        offset: int | None = 0
        while offset is not None:
            length = _member_at(fh, offset)
            if length is not None:
                offset += length
                good_end, records = offset, records + 1
                continue
            offset = next_record_start(fh, offset + 1, gzipped=True)
            damaged += offset is not None
    return good_end, records, damaged


def _running(pid: int) -> bool:
    """Is pid a live process (a zombie, dead but not yet reaped, is not)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True  # no /proc: kill's answer stands
    return state not in ("Z", "X")


def _writer_alive(name: str, grace: float = WRITER_GRACE) -> bool:
    """Is the process that wrote this file (named ...-host-pid.warc.gz) still running here?

    A killed crawl's writer exits as soon as it sees its owner gone, but a loaded machine
    may not have run it yet when the next crawl starts: it gets `grace` seconds to go.
    """
    stem = name.removesuffix(".warc.gz" + OPEN_SUFFIX)
    host, _, pid = stem.rpartition("-")
    host = host.rpartition("-")[2]
    this_host = socket.gethostname().replace("-", "_").replace(".", "_") or "host"
    if host != this_host or not pid.isdigit() or int(pid) == os.getpid():
        return False
    deadline = time.monotonic() + grace
    while _running(int(pid)):
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.1)
    return False


def recover(directory: Path) -> list[Recovered]:
    """Complete or truncate every abandoned ``.open`` file in directory."""
    done = []
    for path in sorted(directory.glob("*" + OPEN_SUFFIX)):
        if _writer_alive(path.name):
            continue
        size = path.stat().st_size
        end, records, damaged = whole_records_end(path)
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        if records == 0:
            path.unlink()
            logger.warning("removed %s: no whole record in it", path)
            done.append(Recovered(path, 0, 0, size))
            continue
        with open(path, "r+b") as fh:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(path, final)
        logger.warning("recovered %s: %d records kept, %d bytes of an unfinished record "
                       "dropped", final.name, records, size - end)
        if damaged:
            logger.error("%s: %d damaged regions between whole records, left in place (the "
                         "reader steps over them; scrapy extract names them)", final.name,
                         damaged)
        done.append(Recovered(final, records, end, size - end))
    return done
