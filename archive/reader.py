"""Read WARC (and ARC) files record by record, surviving damage.

Each damaged region (a gzip member that fails its CRC or breaks off, a broken header, bad
chunking, garbage between records) is reported once, as a Problem with the file, the offset
where it starts and how many bytes were skipped; reading then resumes at the next record start
found after it: a gzip member header (1f 8b 08) that inflates to the start of a record, or the
next ``WARC/1.`` line in an uncompressed file.  So one flipped bit costs one record, never the
rest of the file.  A record whose block is intact but whose digest does not match is skipped
alone.

Files other tools make are read too.  Empty gzip members are skipped without a word.  An
uncompressed WARC is read as one, whatever its name.  A gzip member holding several records
(what ``gzip file.warc`` makes: one stream over the whole file) is read record by record; since
nothing inside a deflate stream can be sought to, its records are located by the member's start
plus their index in it (record k of the member starting at byte M: offset M + k, length its size
decompressed), and read_entry finds them again by inflating the member from its start.

warcio (1.8) has no way to go on after damage: inside a gzip member it writes the zlib error to
stderr, ends the record short, and then takes the file for a single-stream gzip and stops
(its pull request for skipping bad records was never merged).  So warcio's ArchiveIterator
parses each run of good records, and the resynchronisation is done here.  Its own prints
about damage (bare lines with no file or offset) are silenced: the Problems say it all.
"""

from __future__ import annotations

import io
import os
import stat
import zlib
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.recordloader import ArcWarcRecord

from archive.warcfile import OPEN_SUFFIX

SCAN = 1 << 16
GZIP_MAGIC = b"\x1f\x8b\x08"
RECORD_STARTS = (b"WARC/1.", b"filedesc:", b"http", b"dns:")  # WARC; ARC's first and others
RUNS_ON = "gzip member runs on past its record (one gzip stream over many records?)"
EMPTY_MEMBER_MAX = 512  # bytes an empty gzip member is looked for in (20 without a name)
QUOTE_MAX = 100  # characters of a damaged file's own text (an error quoting it) in a message


def quoted(text: str, limit: int = QUOTE_MAX) -> str:
    """Text from a damaged file, safe to print: escaped to printable ASCII, and cut."""
    safe = text.encode("ascii", "backslashreplace").decode("ascii")
    safe = "".join(c if c.isprintable() else repr(c)[1:-1] for c in safe)
    return safe if len(safe) <= limit else safe[:limit] + "..."


class _QuietReader(DecompressingBufferedReader):  # type: ignore[misc]
    """warcio's reader, minus its print of a zlib error inside a member (the damage is
    found and reported with file and offset by _member_fault and the resynchronisation)."""

    def _decompress(self, data: bytes) -> bytes:
        if self.decompressor and data and self.num_block_read:
            try:
                return self.decompressor.decompress(data)  # type: ignore[no-any-return]
            except Exception:  # what warcio does after its print: the record ends here
                return b""
        return super()._decompress(data)  # type: ignore[no-any-return]


class _QuietIterator(ArchiveIterator):  # type: ignore[misc]
    """warcio's ArchiveIterator with no prints of its own to stderr."""

    INC_RECORD = ""  # its "record not followed by newline" warning, formatted and printed

    def __init__(self, fh: BinaryIO, **kwargs: Any):
        super().__init__(fh, **kwargs)
        self.reader = _QuietReader(self.fh, block_size=self.reader.block_size)


@dataclass(frozen=True)
class Problem:
    file: str
    offset: int
    message: str
    length: int = 0  # bytes skipped from offset on

    def __str__(self) -> str:
        return f"{self.file} at offset {self.offset}: {self.message} ({self.length} bytes skipped)"


@dataclass
class Entry:
    """One record, its location, and its block read in full (payload only, for HTTP)."""

    file: str
    offset: int
    length: int
    record: ArcWarcRecord
    payload: bytes  # the HTTP payload as stored (still content-encoded), or the block
    # The payload's size when it is larger than read_entries' max_payload (payload is then
    # empty: it was streamed through for its checks, never held).
    too_large: int = 0


def _inflated_head(fh: BinaryIO, pos: int) -> bytes:
    """The first bytes of the gzip member at pos, inflated (b"" if there is none)."""
    fh.seek(pos)
    try:
        return zlib.decompressobj(wbits=31).decompress(fh.read(4096), 16)
    except zlib.error:
        return b""


def _gzip_starts_record(fh: BinaryIO, pos: int) -> bool:
    return _inflated_head(fh, pos).startswith(RECORD_STARTS)


def _member_fault(fh: BinaryIO, pos: int, length: int) -> str | None:
    """What is wrong with [pos, pos + length) as one whole gzip member (CRC checked), if any.

    warcio (and `warcio check`) read a member cut inside its last block or trailer without a
    word, and can parse a record out of a member whose deflate stream was damaged.  Inflated
    in bounded steps and never past length bytes of input, so a bomb costs no memory.
    """
    here = fh.tell()
    try:
        fh.seek(pos)
        inflater = zlib.decompressobj(wbits=31)
        fed = 0
        while not inflater.eof and fed < length:
            chunk = fh.read(min(SCAN, length - fed))
            if not chunk:
                return "truncated gzip member"
            fed += len(chunk)
            inflater.decompress(chunk, SCAN)
            while inflater.unconsumed_tail and not inflater.eof:
                inflater.decompress(inflater.unconsumed_tail, SCAN)
        if not inflater.eof:
            return RUNS_ON
        if fed - len(inflater.unused_data) != length:
            return "gzip member ends inside its record"
        return None
    except zlib.error as exc:  # a CRC or length mismatch in the trailer, or a broken stream
        return f"damaged gzip member ({exc})"
    finally:
        fh.seek(here)


def _past_empty_members(fh: BinaryIO, pos: int) -> int:
    """The first offset at or after pos that is not an empty gzip member."""
    here = fh.tell()
    try:
        while True:
            fh.seek(pos)
            head = fh.read(EMPTY_MEMBER_MAX)
            if not head.startswith(GZIP_MAGIC):
                return pos
            inflater = zlib.decompressobj(wbits=31)
            try:
                if inflater.decompress(head, 1) or not inflater.eof:
                    return pos
            except zlib.error:
                return pos
            pos += len(head) - len(inflater.unused_data)
    finally:
        fh.seek(here)


class _MemberDamage(Exception):
    """A gzip member that breaks off or fails its checks while read as a stream."""


class _MemberStream(io.RawIOBase):
    """One gzip member's decompressed bytes, inflated as they are read (in bounded steps);
    its end in the file is known once it is read through.  Keeps the last SCAN bytes
    inflated, to tell trailing blank lines from a cut-off record."""

    def __init__(self, fh: BinaryIO, start: int):
        super().__init__()
        self.fh = fh
        self.pos = start  # the next byte of the file to feed
        self.inflater = zlib.decompressobj(wbits=31)
        self.pending = b""
        self.produced = 0
        self.tail = b""
        self.end: int | None = None

    def readable(self) -> bool:
        return True

    def _more(self) -> bytes:
        try:
            if self.inflater.unconsumed_tail:
                return self.inflater.decompress(self.inflater.unconsumed_tail, SCAN)
            self.fh.seek(self.pos)
            chunk = self.fh.read(SCAN)
            if not chunk:
                raise _MemberDamage("truncated gzip member")
            self.pos += len(chunk)
            return self.inflater.decompress(chunk, SCAN)
        except zlib.error as exc:
            raise _MemberDamage(f"damaged gzip member ({exc})") from exc

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            if self.inflater.eof:
                self.end = self.pos - len(self.inflater.unused_data)
                return 0
            self.pending = self._more()
            self.produced += len(self.pending)
            self.tail = (self.tail + self.pending)[-SCAN:]
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n

    def fed_to(self) -> int:
        """The offset up to which the file has gone into the inflater (the member's end at
        most)."""
        return self.pos - len(self.inflater.unconsumed_tail) - len(self.inflater.unused_data)


def next_record_start(fh: BinaryIO, pos: int, gzipped: bool) -> int | None:
    """Offset of the first plausible record start at or after pos, or None at end of file."""
    while True:
        fh.seek(pos)
        block = fh.read(SCAN + 8)
        if not block:
            return None
        if gzipped:
            i = block.find(GZIP_MAGIC)
            while 0 <= i < SCAN:
                if _gzip_starts_record(fh, pos + i):
                    return pos + i
                i = block.find(GZIP_MAGIC, i + 1)
        else:
            i = block.find(b"\nWARC/1.")
            if 0 <= i < SCAN:
                return pos + i + 1
        if len(block) <= SCAN:
            return None
        pos += SCAN


def _read_payload(stream: Any, cap: int) -> tuple[bytes, int]:
    """The payload, or (b"", its size) when it is larger than cap (0: no cap)."""
    if not cap:
        data = stream.read()
        return data, len(data)
    data = stream.read(cap + 1)
    if len(data) <= cap:
        return data, len(data)
    size = len(data)
    del data
    while chunk := stream.read(SCAN):
        size += len(chunk)
    return b"", size


Damage = tuple[int, str]  # where a damaged region starts, and why
# A run of NUL bytes this long in a gzipped file is a zero-filled region (a file's tail after
# a power loss, a sparse file), which warcio would read as one header line, growing its
# buffer a piece at a time (10 MB of zeros: 4 s, 550 MB).  It is never a gzip member's bytes;
# an uncompressed file's payloads may hold any run of zeros (a document's padding), so there
# no run is taken for damage.
ZERO_RUN = 1 << 16
ZEROS = "a run of zero bytes (a zero-filled or sparse region)"
TRAILER = 8  # a gzip member's last bytes: CRC-32 and length


def zero_run(path: Path) -> int | None:
    """The offset of the first zero-filled region in gzipped path (see ZERO_RUN), if any: found
    at disk speed, before a reader that would take it for one endless line (cdxj-indexer's
    warcio) is given the file."""
    with open(path, "rb") as fh:
        if not _is_gzip(fh, path.name):
            return None
        run = ZERO_RUN
        zeros = b"\0" * run
        fh.seek(0)
        pos = 0
        carry = b""
        while block := fh.read(max(SCAN, run)):
            data = carry + block
            if (at := data.find(zeros)) >= 0:
                return pos - len(carry) + at
            carry = data[-(run - 1):]
            pos += len(block)
    return None


class _Fenced:
    """fh as warcio reads it (read and tell), ending at the first `run` NUL bytes (0: never);
    `hit` says whether it did.  Reading then resumes past the run, at the next record start."""

    def __init__(self, fh: BinaryIO, run: int):
        self.fh = fh
        self.run = run
        self.zeros = 0  # NUL bytes ending what was read so far
        self.hit = False

    def tell(self) -> int:
        return self.fh.tell()

    def read(self, size: int = -1) -> bytes:
        if self.hit:
            return b""
        data = self.fh.read(size if size is not None and size >= 0 else SCAN)
        if not self.run or b"\0" not in data:  # run 0: no fence
            self.zeros = 0
            return data
        run = b"\0" * self.run
        held = min(self.zeros, self.run)
        at = (b"\0" * held + data).find(run)
        if at < 0:
            stripped = data.rstrip(b"\0")
            self.zeros = (self.zeros + len(data)) if not stripped else len(data) - len(stripped)
            return data
        self.hit = True
        # What comes before the run in this read, and the few zeros a gzip trailer (CRC,
        # length) that the run starts inside may need.
        cut = min(len(data), max(0, at - held) + TRAILER)
        self.fh.seek(self.fh.tell() - len(data) + cut)
        return data[:cut]



def _read_run(fh: BinaryIO, name: str, start: int, gzipped: bool, cap: int,
              problems: list[Problem]) -> Generator[Entry, None, Damage | None]:
    """The good records from start on, up to the first damage (returned) or the end."""
    if gzipped:
        start = _past_empty_members(fh, start)
    fh.seek(start)
    fenced = _Fenced(fh, ZERO_RUN if gzipped else 0)
    it = _QuietIterator(fenced, check_digests=True, arc2warc=True)
    good_end = start
    try:
        for record in it:
            payload, size = _read_payload(record.raw_stream, cap)
            it.read_to_end(record)  # offsets are known once the record is consumed
            missing = getattr(record.raw_stream, "limit", 0)  # bytes short of Content-Length
            # warcio's offsets are absolute (it starts from fh.tell()).
            offset = max(it.get_record_offset(), good_end)
            length = it.get_record_length()
            if gzipped:  # warcio counts empty members before a record as part of it
                end = offset + length
                offset = _past_empty_members(fh, offset)
                length = end - offset
            if record.rec_headers.get_header("Content-Length") is None:
                return offset, "truncated: incomplete record header (no Content-Length)"
            if gzipped and (fault := _member_fault(fh, offset, length)):
                return offset, fault
            if missing:  # warcio reads a cut-off last gzip member without a word
                return offset, f"truncated: {missing} bytes of the record missing"
            good_end = offset + length
            if record.digest_checker.passed is False:  # framing is sound: skip this one only
                problems.append(Problem(name, offset, "; ".join(
                    record.digest_checker.problems) or "digest mismatch", length))
                continue
            yield Entry(name, offset, length, record, payload,
                        size if size > len(payload) else 0)
    except Exception as e:  # warcio raises many kinds on damaged input
        if fenced.hit:
            return good_end, ZEROS
        return good_end, f"{type(e).__name__}: {quoted(' '.join(str(e).split()))}"
    if fenced.hit:
        return good_end, ZEROS
    fh.seek(_past_empty_members(fh, good_end) if gzipped else good_end)
    if fh.read(SCAN).strip(b"\r\n\x00"):  # warcio stops quietly at a cut header
        return good_end, "truncated: an incomplete record after the last whole one"
    return None


def _read_stream(fh: BinaryIO, name: str, start: int, cap: int, problems: list[Problem]
                 ) -> Generator[Entry, None, int | Damage]:
    """The records of the gzip member at start when it holds several (one stream over many
    records): the file offset after the member, or the damage met.  Until a second record
    parses, the member counts as the one record it ran on past (damage, reported as before):
    a Content-Length too short is not taken for a stream."""
    warc = _inflated_head(fh, start).startswith(b"WARC/")
    member = _MemberStream(fh, start)
    it = _QuietIterator(member, check_digests=True, arc2warc=True)
    if warc:  # or warcio takes any line of a record that ran on for an ARC record's header
        it.known_format = "warc"
    first: tuple[Entry, Problem | None] | None = None
    done = 0  # records read whole
    last_end = 0  # in the member's decompressed bytes

    def damage(message: str) -> Damage:
        return (start, RUNS_ON) if done < 2 else (start + done, message)

    try:
        for record in it:
            payload, size = _read_payload(record.raw_stream, cap)
            it.read_to_end(record)
            offset = start + done
            if record.rec_headers.get_header("Content-Length") is None:
                return damage("truncated: incomplete record header (no Content-Length)")
            if missing := getattr(record.raw_stream, "limit", 0):
                return damage(f"truncated: {missing} bytes of the record missing")
            if offset >= member.fed_to():  # offsets would run into the next member's
                return damage("more records in one gzip member than it has bytes")
            last_end = it.get_record_offset() + it.get_record_length()
            entry = Entry(name, offset, it.get_record_length(), record, payload,
                          size if size > len(payload) else 0)
            problem = None
            if record.digest_checker.passed is False:
                problem = Problem(name, offset, "; ".join(record.digest_checker.problems)
                                  or "digest mismatch", entry.length)
            done += 1
            if done == 1:  # held back until the member proves to be a stream
                first = (entry, problem)
                continue
            ready = [first, (entry, problem)] if done == 2 and first else [(entry, problem)]
            for good, bad in ready:
                if bad is None:
                    yield good
                else:
                    problems.append(bad)
        while member.read(SCAN):  # to its end, and its CRC check
            pass
    except _MemberDamage as e:
        return damage(str(e))
    except Exception as e:  # warcio raises many kinds on damaged input
        return damage(f"{type(e).__name__}: {quoted(' '.join(str(e).split()))}")
    left = member.produced - last_end
    if done < 2 or left > len(member.tail) or member.tail[len(member.tail) - left:].strip(
            b"\r\n\x00"):
        return damage("truncated: an incomplete record after the last whole one")
    assert member.end is not None  # read through above
    return member.end


def _is_gzip(fh: BinaryIO, name: str) -> bool:
    """By the magic; by the name when it does not open on a record either (the first
    member's header is what got damaged), so an uncompressed WARC named .gz reads as one."""
    head = fh.read(EMPTY_MEMBER_MAX)
    if head.startswith(GZIP_MAGIC[:2]):
        return True
    return name.endswith(".gz") and not head.lstrip(b"\r\n").startswith(RECORD_STARTS)


def read_entries(path: Path, problems: list[Problem], start: int = 0,
                 max_payload: int = 0) -> Generator[Entry, None, None]:
    """Every readable record of path from offset start (a record's, outside a many-record
    gzip member) on; damage is added to problems.

    A payload larger than max_payload bytes (0: no limit) is not held in memory: its entry
    has an empty payload and too_large set to its size.
    """
    name = path.name
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        gzipped = _is_gzip(fh, name)
        pos: int | None = start
        while pos is not None:
            damage = yield from _read_run(fh, name, pos, gzipped, max_payload, problems)
            if damage is not None and damage[1] == RUNS_ON:
                after = yield from _read_stream(fh, name, damage[0], max_payload, problems)
                if isinstance(after, int):
                    pos = after
                    continue
                damage = after
            if damage is None:
                return
            at, message = damage
            pos = next_record_start(fh, at + 1, gzipped)
            problems.append(Problem(name, at, message, (size if pos is None else pos) - at))


def _member_holding(path: Path, offset: int) -> int | None:
    """The start of the gzip member offset may be a record of (M + k: its k-th record), the
    nearest member start before offset; None if offset is a record start or not gzip."""
    with open(path, "rb") as fh:
        if not _is_gzip(fh, path.name) or _gzip_starts_record(fh, offset):
            return None
        end = offset  # candidates start before it
        while end > 0:
            begin = max(0, end - SCAN)
            fh.seek(begin)
            block = fh.read(end - begin + len(GZIP_MAGIC) - 1)
            i = block.rfind(GZIP_MAGIC)
            while i >= 0:
                if _gzip_starts_record(fh, begin + i):
                    return begin + i
                i = block.rfind(GZIP_MAGIC, 0, i + len(GZIP_MAGIC) - 1)
            end = begin
    return None


def read_entry(path: Path, offset: int, max_payload: int = 0) -> Entry | None:
    """The record at exactly offset, or None if it is damaged (not the next good one)."""
    member = _member_holding(path, offset)
    entries = read_entries(path, [], offset if member is None else member, max_payload)
    try:
        for entry in entries:
            if entry.offset >= offset or member is None:
                return entry if entry.offset == offset else None
        return None
    finally:
        entries.close()


WARC_PATTERNS = ("*.warc.gz", "*.warc", "*.arc.gz", "*.arc")
UNFINISHED = f"*.warc.gz{OPEN_SUFFIX}"


def _named_warcs(warc_dir: Path) -> list[Path]:
    return sorted({p for pattern in WARC_PATTERNS for p in warc_dir.glob(pattern)})


def not_a_file(path: Path) -> str | None:
    """Why a path named like a WARC file is none to read (None: a regular file, or a link to
    one): a link to nothing (what `scrapy merge` across file systems used to leave once the
    worker's folder went), a folder, a FIFO (whose reader would wait forever)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return (f"a link to {os.readlink(path)}, which does not exist" if path.is_symlink()
                else "gone")
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
            else "not a regular file")
    return f"{kind}, not a WARC file"


def warc_files(warc_dir: Path) -> list[Path]:
    """The closed WARC (and ARC) files, in name (= time) order: regular files (or links to
    them) only, see not_files."""
    return [p for p in _named_warcs(warc_dir) if not_a_file(p) is None]


def not_files(warc_dir: Path) -> list[tuple[Path, str]]:
    """The paths of warc_dir named like WARC files that are none (not_a_file), with why."""
    return [(p, why) for p in _named_warcs(warc_dir) if (why := not_a_file(p)) is not None]


def unfinished_files(warc_dir: Path) -> list[Path]:
    """The ``.open`` files a running or killed crawl is writing or left."""
    return sorted(warc_dir.glob(UNFINISHED))
