"""Build the WARC/1.1 records of the archive: request, response, revisit, conversion, metadata.

The response head is archived as the server sent it (status line and header lines byte for
byte, see archive/http.py), with one deliberate change: Twisted de-chunks the body before
Scrapy sees it, so the archived body is de-chunked and a ``Transfer-Encoding`` line is
renamed ``X-Archive-Orig-Transfer-Encoding`` (same value, same place).  Readers then find a
consistent message whose payload is the de-chunked, still content-encoded body, which is also
what the WARC 1.1 payload digest is computed over.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser

BUILDER = RecordBuilder(warc_version="WARC/1.1")
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# A 304 to a conditional request (issue 6): the server says the earlier payload still holds.
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
RENAMED_TE = b"X-Archive-Orig-Transfer-Encoding"
METADATA_PREFIX = "metadata://gzbg-archive/clean/"


class RawHead(StatusAndHeaders):
    """A parsed HTTP head (for lookups) that serialises as the exact bytes received.

    Parsed when first looked into, which is in the archive's writer process: the crawl process
    only hands the raw bytes over (a pickle of the raw bytes alone)."""

    _PARSED = frozenset(("statusline", "headers", "protocol", "total_len", "headers_buff"))

    def __init__(self, raw: bytes):  # the parent's fields are filled in by __getattr__
        self.raw = raw

    def __getattr__(self, name: str) -> Any:
        """A parsed field, asked for the first time (anything else is not there)."""
        if name not in RawHead._PARSED:
            raise AttributeError(name)
        parsed = StatusAndHeadersParser([], verify=False).parse(BytesIO(self.raw))
        fields = StatusAndHeaders(parsed.statusline, parsed.headers, parsed.protocol)
        for key, value in vars(fields).items():  # a field set before is left as it is
            self.__dict__.setdefault(key, value)
        return self.__dict__[name]

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        self.headers_buff = self.raw


def archived_head(raw: bytes) -> RawHead:
    """The received head with Transfer-Encoding renamed, since the body is stored de-chunked."""
    lines = raw.split(b"\n")
    for i, line in enumerate(lines[1:], start=1):
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() == b"transfer-encoding":
            lines[i] = RENAMED_TE + b":" + value
    return RawHead(b"\n".join(lines))


def rebuilt_head(status: int, headers: Iterable[tuple[str, str]], protocol: str) -> StatusAndHeaders:
    """A head rebuilt from parsed headers, when the raw one is not available (non-HTTP/1.1)."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return StatusAndHeaders(f"{status} {reason}".strip(), list(headers), protocol=protocol)


def header_pairs(headers: Any) -> list[tuple[str, str]]:
    """Every value of a Scrapy Headers object, repeated headers kept as separate lines."""
    pairs = []
    for key, values in headers.items():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        for value in values:
            pairs.append((name, value.decode("latin-1") if isinstance(value, bytes) else value))
    return pairs


def request_target(url: str) -> str:
    """Origin-form target with the query string, as sent to the origin server."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _warc_headers(date: str, record_id: str | None, extra: Mapping[str, str]) -> dict[str, str]:
    headers = {"WARC-Date": date}
    if record_id:
        headers["WARC-Record-ID"] = record_id
    headers.update(extra)
    return headers


def request_record(url: str, method: str, headers: list[tuple[str, str]], body: bytes,
                   date: str, concurrent_to: str, crawl_meta: Mapping[str, Any],
                   record_id: str | None = None) -> ArcWarcRecord:
    """The request as sent; crawl_meta (depth, redirects) lets re-extraction rebuild rows."""
    if not any(name.lower() == "host" for name, _ in headers):
        headers = [("Host", urlsplit(url).netloc), *headers]
    http = StatusAndHeaders(f"{method} {request_target(url)} HTTP/1.1", headers,
                            is_http_request=True)
    extra = {"WARC-Concurrent-To": concurrent_to,
             "WARC-JSON-Metadata": json.dumps(dict(crawl_meta), ensure_ascii=True,
                                              separators=(",", ":"))}
    return BUILDER.create_warc_record(url, "request", payload=BytesIO(body), length=len(body),
                                      http_headers=http,
                                      warc_headers_dict=_warc_headers(date, record_id, extra))


def response_record(url: str, head: StatusAndHeaders, body: bytes, date: str,
                    ip: str | None, record_id: str | None = None) -> ArcWarcRecord:
    extra = {"WARC-IP-Address": ip} if ip else {}
    return BUILDER.create_warc_record(url, "response", payload=BytesIO(body), length=len(body),
                                      http_headers=head,
                                      warc_headers_dict=_warc_headers(date, record_id, extra))


def revisit_record(url: str, head: StatusAndHeaders, digest: str, refers_to: str,
                   refers_to_uri: str, refers_to_date: str, date: str, ip: str | None,
                   record_id: str | None = None,
                   profile: str = REVISIT_PROFILE) -> ArcWarcRecord:
    """A revisit: the head of this fetch, the payload by reference (identical-payload-digest,
    or server-not-modified for a 304, whose digest is that of the payload it confirms)."""
    extra = {"WARC-Refers-To": refers_to}
    if ip:
        extra["WARC-IP-Address"] = ip
    record = BUILDER.create_revisit_record(
        url, digest, refers_to_uri, refers_to_date, http_headers=head,
        warc_headers_dict=_warc_headers(date, record_id, extra))
    record.rec_headers.replace_header("WARC-Profile", profile)
    return record


def conversion_record(url: str, text: str, refers_to: str, date: str,
                      record_id: str | None = None) -> ArcWarcRecord:
    """The cleaned text of a report, derived from the response record it refers to."""
    data = text.encode("utf-8")
    return BUILDER.create_warc_record(
        url, "conversion", payload=BytesIO(data), length=len(data),
        warc_content_type="text/plain; charset=utf-8",
        warc_headers_dict=_warc_headers(date, record_id, {"WARC-Refers-To": refers_to}))


def metadata_record(url: str, info: Mapping[str, Any], refers_to: str, concurrent_to: str,
                    date: str, record_id: str | None = None) -> ArcWarcRecord:
    """What the cleaner found and removed (and why), as JSON, beside its conversion record.

    Its target is a ``metadata:`` URI naming the page, not the page URL itself, so that
    replay indexes (which include metadata records) never serve it in place of the page.
    """
    # Compact: with an indent, json encodes in Python, four times the CPU of its C encoder
    # (a report's account lists hundreds of removals).
    data = json.dumps({"url": url, **info}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    extra = {"WARC-Refers-To": refers_to, "WARC-Concurrent-To": concurrent_to}
    return BUILDER.create_warc_record(
        METADATA_PREFIX + url, "metadata", payload=BytesIO(data), length=len(data),
        warc_content_type="application/json",
        warc_headers_dict=_warc_headers(date, record_id, extra))
