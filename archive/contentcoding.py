"""Content-decoding a response body: the one rule the crawl (crawler.contentcoding) and
`scrapy extract` (archive.pages.decoded) both follow, so they make the same page of it.

The Content-Encoding list is undone from its last entry.  An entry the body is not in at all
(gzip or zstd without their magic number, deflate that is neither zlib nor raw deflate, br
that fails at its first byte) or that nobody knows ends decoding: the body is taken as it came
then (`Decoded.as_received` names the entry).  A body that starts in its encoding but is cut
before the stream's end marker or damaged inside is a `BrokenEncoding`, never a shorter page.
Each step inflates in 64 KiB steps and stops past max_size (0: no limit): `InflatedTooLarge`.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import brotli
from backports.zstd import ZstdDecompressor, ZstdError

CHUNK = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class BrokenEncoding(ValueError):
    """A body that starts in its claimed encoding but is cut or damaged."""


class InflatedTooLarge(ValueError):
    """A step inflated past max_size (a bomb); the bytes inflated so far are dropped."""

    def __init__(self, decompressed_size: int, max_size: int):
        super().__init__(f"{decompressed_size} B decompressed so far, over {max_size} B")
        self.decompressed_size = decompressed_size
        self.max_size = max_size

    def reason(self, compressed_size: int) -> str:
        """Why the response is ignored, in the words the crawl's row and extract's share."""
        return (f"its body ({compressed_size} B compressed, {self.decompressed_size} B "
                f"decompressed so far) exceeded DOWNLOAD_MAXSIZE ({self.max_size} B) during "
                "decompression")


class _NotEncoded(Exception):
    """The body is not in this encoding at all."""


@dataclass(frozen=True)
class Decoded:
    body: bytes
    remaining: list[bytes]  # the encodings not undone (for Content-Encoding), first applied first
    as_received: bytes | None = None  # the entry the body was found not to be in, or unknown


class _Output:
    """The inflated bytes of one step, counted against max_size as they come."""

    def __init__(self, max_size: int):
        self.parts: list[bytes] = []
        self.size = 0
        self.max_size = max_size

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.max_size and self.size > self.max_size:
            raise InflatedTooLarge(self.size, self.max_size)
        self.parts.append(chunk)


def _cut(name: str, data: bytes, out: _Output) -> BrokenEncoding:
    return BrokenEncoding(f"truncated {name} stream: it ends before its end marker "
                          f"({len(data)} B received, {out.size} B decoded)")


def _zlib_stream(data: bytes, wbits: int, name: str, out: _Output) -> bytes:
    """Inflate one zlib/gzip/raw deflate stream to its end; returns the bytes after it."""
    d = zlib.decompressobj(wbits)
    chunk = d.decompress(data, CHUNK)
    while True:
        out.add(chunk)
        if d.eof or not (chunk or d.unconsumed_tail):
            break
        chunk = d.decompress(d.unconsumed_tail, CHUNK)
    if not d.eof:
        raise _cut(name, data, out)
    return d.unused_data


def _gunzip(data: bytes, out: _Output) -> None:
    if not data.startswith(GZIP_MAGIC):
        raise _NotEncoded
    try:
        while data.startswith(GZIP_MAGIC):  # members one after another are one stream (RFC 1952)
            data = _zlib_stream(data, 31, "gzip", out)
    except zlib.error as exc:  # a bad header, bad data, a wrong CRC or length
        raise BrokenEncoding(f"damaged gzip stream: {exc}") from None
    # Anything after the last member that starts no other (zero padding) is ignored, as gzip(1).


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and data[0] >> 4 <= 7 \
        and (data[0] << 8 | data[1]) % 31 == 0


def _inflate(data: bytes, out: _Output) -> None:
    zlib_wrapped = _zlib_header(data)
    try:  # HTTP's deflate is zlib, but some servers send raw deflate
        _zlib_stream(data, 15 if zlib_wrapped else -15, "deflate", out)
    except zlib.error as exc:
        if not zlib_wrapped and out.size == 0:  # failed at once: no deflate at all
            raise _NotEncoded from None
        raise BrokenEncoding(f"damaged deflate stream: {exc}") from None


def _unbrotli(data: bytes, out: _Output) -> None:
    d = brotli.Decompressor()
    try:
        chunk = d.process(data, output_buffer_limit=CHUNK)
        while True:
            out.add(chunk)
            if d.is_finished() or not chunk:
                break
            chunk = d.process(b"", output_buffer_limit=CHUNK)
    except brotli.error as exc:
        if out.size == 0:  # br has no magic number: failing at once means no br at all
            raise _NotEncoded from None
        raise BrokenEncoding(f"damaged br stream: {exc}") from None
    if not d.is_finished():
        raise _cut("br", data, out)


def _unzstd(data: bytes, out: _Output) -> None:
    if not data.startswith(ZSTD_MAGIC):
        raise _NotEncoded
    try:
        while data.startswith(ZSTD_MAGIC):  # frames one after another are one stream
            d = ZstdDecompressor()
            chunk = d.decompress(data, CHUNK)
            while True:
                out.add(chunk)
                if d.eof or d.needs_input:
                    break
                chunk = d.decompress(b"", CHUNK)
            if not d.eof:
                raise _cut("zstd", data, out)
            data = d.unused_data
    except ZstdError as exc:
        raise BrokenEncoding(f"damaged zstd stream: {exc}") from None


CODECS: dict[bytes, Callable[[bytes, _Output], None]] = {
    b"gzip": _gunzip, b"x-gzip": _gunzip, b"deflate": _inflate, b"br": _unbrotli,
    b"zstd": _unzstd}


def decode(body: bytes, content_encoding: Iterable[bytes], max_size: int = 0) -> Decoded:
    """The body with its Content-Encoding values (each may list several) undone."""
    claimed = [e.strip().lower() for value in content_encoding for e in value.split(b",")]
    remaining = [e for e in claimed if e and e != b"identity"]
    if not body:  # nothing to decode (a 304, a redirect): no lie to count either
        return Decoded(body, remaining)
    while remaining:
        codec = CODECS.get(remaining[-1])
        if codec is None:
            return Decoded(body, remaining, remaining[-1])
        out = _Output(max_size)
        try:
            codec(body, out)
        except _NotEncoded:
            return Decoded(body, remaining, remaining[-1])
        body = b"".join(out.parts)
        remaining.pop()
    return Decoded(body, remaining)
