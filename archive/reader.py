"""Read WARC (and ARC) files record by record, surviving damage.

A truncated member, a broken header, bad chunking or a digest that does not match is
reported as a Problem with the file and the offset where the bad record starts; reading then
resumes at the next record start found after it (the next gzip member, or the next
``WARC/`` line in an uncompressed file), so one bad record never hides the rest.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

SCAN = 1 << 16


@dataclass(frozen=True)
class Problem:
    file: str
    offset: int
    message: str

    def __str__(self) -> str:
        return f"{self.file} at offset {self.offset}: {self.message}"


@dataclass
class Entry:
    """One record, its location, and its block read in full (payload only, for HTTP)."""

    file: str
    offset: int
    length: int
    record: ArcWarcRecord
    payload: bytes  # the HTTP payload as stored (still content-encoded), or the block


def _gzip_starts_record(fh: BinaryIO, pos: int) -> bool:
    fh.seek(pos)
    try:
        out = zlib.decompressobj(wbits=31).decompress(fh.read(4096), 16)
    except zlib.error:
        return False
    return out.startswith((b"WARC/", b"filedesc:", b"http", b"dns:"))


def _member_intact(fh: BinaryIO, pos: int, length: int) -> bool:
    """Whether exactly one whole gzip member, CRC checked, spans [pos, pos + length).

    warcio (and `warcio check`) read a member cut inside its last block or trailer without a
    word, and can parse a record out of a member whose deflate stream was damaged.
    """
    here = fh.tell()
    try:
        fh.seek(pos)
        inflater = zlib.decompressobj(wbits=31)
        fed = 0
        while not inflater.eof:
            chunk = fh.read(min(SCAN, max(length - fed, 0)) or SCAN)
            if not chunk:
                return False
            fed += len(chunk)
            inflater.decompress(chunk)
        return fed - len(inflater.unused_data) == length
    except zlib.error:  # a CRC or length mismatch in the trailer, or a broken stream
        return False
    finally:
        fh.seek(here)


def next_record_start(fh: BinaryIO, pos: int, gzipped: bool) -> int | None:
    """Offset of the first plausible record start at or after pos, or None at end of file."""
    while True:
        fh.seek(pos)
        block = fh.read(SCAN + 8)
        if not block:
            return None
        if gzipped:
            i = block.find(b"\x1f\x8b\x08")
            while 0 <= i < SCAN:
                if _gzip_starts_record(fh, pos + i):
                    return pos + i
                i = block.find(b"\x1f\x8b\x08", i + 1)
        else:
            i = block.find(b"\nWARC/1.")
            if 0 <= i < SCAN:
                return pos + i + 1
        if len(block) <= SCAN:
            return None
        pos += SCAN


def read_entries(path: Path, problems: list[Problem], start: int = 0) -> Iterator[Entry]:
    """Every readable record of path from offset start on; damage is added to problems."""
    name = path.name
    with open(path, "rb") as fh:
        # By the magic, or by the name when the first member's header is what got damaged.
        gzipped = fh.read(2) == b"\x1f\x8b" or name.endswith(".gz")
        next_start: int | None = start
        while next_start is not None:
            start = next_start
            fh.seek(start)
            it = ArchiveIterator(fh, check_digests=True, arc2warc=True)
            good_end = start
            try:
                for record in it:
                    payload = record.raw_stream.read()  # before asking for offsets: they
                    missing = getattr(record.raw_stream, "limit", 0)  # bytes short of
                    it.read_to_end(record)  # Content-Length; offsets known once consumed
                    # warcio's offsets are absolute (it starts from fh.tell()); they are
                    # meaningless in a whole-file gzip (warcio then fails below).
                    offset = max(it.get_record_offset(), good_end)
                    length = it.get_record_length()
                    good_end = max(offset + length, good_end)
                    if record.rec_headers.get_header("Content-Length") is None:
                        problems.append(Problem(name, offset, "truncated: incomplete record "
                                                "header (no Content-Length)"))
                        continue
                    if gzipped and not _member_intact(fh, offset, length):
                        problems.append(Problem(name, offset, "damaged or truncated gzip "
                                                "member (checked to its trailer)"))
                        continue
                    if missing:  # warcio reads a cut-off last gzip member without a word
                        problems.append(Problem(name, offset, f"truncated: {missing} bytes "
                                                "of the record missing"))
                        continue
                    if record.digest_checker.passed is False:
                        problems.append(Problem(name, offset, "; ".join(
                            record.digest_checker.problems) or "digest mismatch"))
                        continue
                    yield Entry(name, offset, length, record, payload)
                next_start = None
                fh.seek(good_end)
                if fh.read(SCAN).strip(b"\r\n\x00"):  # warcio stops quietly at a cut header
                    problems.append(Problem(name, good_end, "truncated: an incomplete record "
                                            "after the last whole one"))
            except Exception as e:  # warcio raises many kinds on damaged input
                message = " ".join(str(e).split())
                problems.append(Problem(name, good_end, f"{type(e).__name__}: {message}"))
                # A single gzip stream over many records has no member to resume at.
                resumable = "non-chunked gzip" not in message
                next_start = next_record_start(fh, good_end + 1, gzipped) if resumable else None
