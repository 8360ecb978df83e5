"""The synchronous core of archiving: exchanges in, WARC records out, with deduplication.

Everything here runs in the one writer process (archive/service.py), never in the reactor,
so hashing and compressing a large body does not stall the crawl.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from warcio.statusandheaders import StatusAndHeaders

from archive.dedup import DigestIndex, Original
from archive.records import (
    NOT_MODIFIED_PROFILE,
    conversion_record,
    metadata_record,
    request_record,
    response_record,
    revisit_record,
)
from archive.warcfile import RotatingWarcWriter


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes: sha1, base32."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


class DigestIndexError(OSError):
    """The payload digest of an exchange could not be indexed (its records were taken back)."""


@dataclass
class Exchange:
    """One fetch as it went over the wire (the head already prepared for archiving)."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    head: StatusAndHeaders
    body: bytes
    date: str
    ip: str | None = None
    crawl_meta: Mapping[str, Any] = field(default_factory=dict)


class Archiver:
    def __init__(self, warc: RotatingWarcWriter, index: DigestIndex | None):
        self.warc = warc
        self.index = index
        self.counts = {"responses": 0, "revisits": 0, "requests": 0, "conversions": 0,
                       "metadata": 0, "bytes": 0}
        # URL -> payload digest a conditional request (crawler.incremental) expects a 304 to
        # confirm.  Set from the reactor thread before the fetch, popped here after it.
        self.not_modified: dict[str, str] = {}

    def expect_not_modified(self, url: str, digest: str) -> None:
        self.not_modified[url] = digest

    def _confirmed(self, ex: Exchange) -> tuple[str, Original] | None:
        """For a 304 to a conditional request: the digest it confirms and its first copy."""
        expected = self.not_modified.pop(ex.url, None)
        if expected is None or self.index is None or ex.head.get_statuscode() != "304":
            return None
        original = self.index.lookup(expected)
        return (expected, original) if original is not None else None

    def write_exchange(self, ex: Exchange) -> dict[str, Any]:
        """Write response (or revisit) + request; return where and as what the response went
        (archive.middleware makes it part of the page's Fetch)."""
        digest = payload_digest(ex.body)
        original = self.index.lookup(digest) if self.index is not None and ex.body else None
        if (confirmed := self._confirmed(ex)) is not None:
            # Issue 6: a 304 is archived as a server-not-modified revisit of the payload the
            # conditional request named, so replay finds the page behind it.
            digest, original = confirmed
            resp = revisit_record(ex.url, ex.head, digest, original.record_id, original.uri,
                                  original.date, ex.date, ex.ip, profile=NOT_MODIFIED_PROFILE)
        elif original is not None:
            resp = revisit_record(ex.url, ex.head, digest, original.record_id, original.uri,
                                  original.date, ex.date, ex.ip)
        else:
            resp = response_record(ex.url, ex.head, ex.body, ex.date, ex.ip)
        resp_id = resp.rec_headers.get_header("WARC-Record-ID")
        req = request_record(ex.url, ex.method, ex.request_headers, ex.request_body, ex.date,
                             resp_id, ex.crawl_meta)
        loc, _ = self.warc.write(resp, req)
        if original is None and self.index is not None and ex.body:
            try:
                self.index.add(digest, Original(resp_id, ex.url, ex.date), loc.file, loc.offset)
            except Exception as exc:  # noqa: BLE001 - sqlite3 or Redis: either is a failed write
                # Unindexed, the payload would be archived in full again when the page is
                # fetched again: the records go too, and the write fails as a whole.
                self.warc.undo()
                raise DigestIndexError(f"digest index: {type(exc).__name__}: {exc}") from exc
        self.counts["requests"] += 1
        if original is not None:
            self.counts["revisits"] += 1
        else:
            self.counts["responses"] += 1
            self.counts["bytes"] += len(ex.body)
        return {"warc_file": loc.file, "warc_offset": loc.offset, "warc_length": loc.length,
                "warc_record_id": resp_id, "warc_type": resp.rec_type,
                "payload_digest": digest}

    def write_conversion(self, url: str, text: str, info: Mapping[str, Any], refers_to: str,
                         date: str) -> tuple[str, str]:
        """The cleaned text and the cleaner's account of it; returns both record ids."""
        conv = conversion_record(url, text, refers_to, date)
        conv_id = conv.rec_headers.get_header("WARC-Record-ID")
        meta = metadata_record(url, info, refers_to, conv_id, date)
        self.warc.write(conv, meta)
        self.counts["conversions"] += 1
        self.counts["metadata"] += 1
        return conv_id, meta.rec_headers.get_header("WARC-Record-ID")

    def close(self) -> None:
        self.warc.close()
        if self.index is not None:
            self.index.close()
