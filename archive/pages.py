"""The one place a Page is made: from a live response (the spider) or from WARC records
(`scrapy extract`, resume).

Both ways the same functions assemble the page, content-decode its body (within
DOWNLOAD_MAXSIZE), take a revisit's payload from its original and judge the page's error, so
a page rebuilt from the archive is the page the crawl built.  What the HTTP messages do not
say (link depth, redirect chain, how the link was found, which statuses the request accepted)
travels in the request record's ``WARC-JSON-Metadata``, written from `request_meta`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from scrapy import Request
from scrapy.http import Headers, Response
from scrapy.http.request import NO_CALLBACK

from archive.contentcoding import BrokenEncoding, Decoded, InflatedTooLarge, decode
from archive.reader import Entry, read_entry
from archive.warcfile import OPEN_SUFFIX
from pipelines.page import Fetch, Page, absence_expected

# Headers of the connection, not of the content: Scrapy's response never has them.
HOP_BY_HOP = {b"Connection", b"Keep-Alive", b"Transfer-Encoding", b"Proxy-Connection",
              b"X-Archive-Orig-Transfer-Encoding", b"Te", b"Trailer", b"Upgrade"}
REDIRECTS = {"301", "302", "303", "307", "308"}
# Statuses a request accepts besides 2xx (Scrapy's meta keys; crawler.incremental adds 304).
ALLOWED = "handle_httpstatus_list"
ALL_ALLOWED = "handle_httpstatus_all"

# A request's meta, or what its request record kept of it (JSON: check every value's type).
Meta = Mapping[str, object]
# (WARC-Refers-To, WARC-Payload-Digest) of a revisit -> (file, offset) of its original.
Locate = Callable[[str | None, str | None], tuple[str, int] | None]


class BodyTooLarge(ValueError):
    """A body that inflates past the size limit (the decoded bytes so far are dropped)."""


class Unreadable(Exception):
    """An archived record (or the original its revisit refers to) that is damaged or gone:
    where it was, if the archive has it, and why."""

    def __init__(self, why: str, location: tuple[str, int] | None = None):
        super().__init__(f"{location[0]} at offset {location[1]}: {why}" if location else why)
        self.location = location


# -- what the request record carries --------------------------------------------------------
def request_meta(request: Request, allowed_codes: Collection[int] = (),
                 allow_all: bool = False) -> dict[str, object]:
    """What re-extraction needs that the HTTP messages do not say.  allowed_codes and
    allow_all: the crawl's HTTPERROR_ALLOWED_CODES and HTTPERROR_ALLOW_ALL, which Scrapy's
    HttpErrorMiddleware applies to a request that names no statuses of its own."""
    meta: dict[str, object] = {"depth": request.meta.get("depth", 0)}
    if request.callback is NO_CALLBACK:  # robots.txt and other non-page fetches
        meta["page"] = False
    if request.meta.get("redirect_urls"):
        meta["redirect_urls"] = list(request.meta["redirect_urls"])
    if request.meta.get("discovery"):  # how the link was found: report, column, sitemap...
        meta["discovery"] = request.meta["discovery"]
    own = ALLOWED in request.meta
    codes = request.meta[ALLOWED] if own else allowed_codes
    if codes:
        meta[ALLOWED] = list(codes)
    if request.meta.get(ALL_ALLOWED) or (allow_all and not own):
        meta[ALL_ALLOWED] = True
    # Scrapy's seconds from sending the request to the response head: kept, as no HTTP
    # message says it (the pages row's download_latency, also when rebuilt).
    if isinstance(latency := request.meta.get("download_latency"), float | int):
        meta["download_latency"] = round(latency, 6)
    return meta


def read_request_meta(text: str | None) -> dict[str, object]:
    """A request record's WARC-JSON-Metadata; anything but a JSON object counts as none."""
    try:
        meta = json.loads(text or "{}")
    except (ValueError, RecursionError):
        return {}
    return meta if isinstance(meta, dict) else {}


# -- judging and assembling -----------------------------------------------------------------
def http_error(status: int | None, said: str, kind: str | None,
               allowed: Collection[int]) -> str | None:
    """The error of a page with this final status: as Scrapy's HttpErrorMiddleware lets 2xx
    and the request's allowed statuses through, except that a site without a sitemap is no
    failure (the probe found nothing).  said: the status as the server wrote it."""
    if status is not None and (200 <= status < 300 or status in allowed):
        return None
    if absence_expected(kind, status):
        return None
    return f"HTTP {said[:40]}"


def _allowed(meta: Meta, status: int | None = None) -> list[int]:
    codes = meta.get(ALLOWED)
    allowed = [c for c in codes if isinstance(c, int)] if isinstance(codes, list) else []
    if meta.get(ALL_ALLOWED) is True and status is not None:
        allowed.append(status)
    return allowed


def _depth(meta: Meta) -> int:
    depth = meta.get("depth", 0)
    return depth if isinstance(depth, int) else 0


def _kind(meta: Meta) -> str | None:
    kind = meta.get("discovery")
    return kind if isinstance(kind, str) else None


def _page(url: str, status: int | None, headers: Headers, body: bytes, meta: Meta,
          referer: str | None, fetches: list[Fetch], error: str | None) -> Page:
    if fetches:  # how the crawl reached the page, for the URL's state (pipelines.store.urlstate)
        fetches = [*fetches[:-1], dataclasses.replace(fetches[-1], discovery=_kind(meta))]
    return Page(
        url=url, status=status,
        content_type=(headers.get("Content-Type") or b"").decode("latin-1"),
        headers={k.decode("latin-1"): b", ".join(v).decode("latin-1")
                 for k, v in headers.items()},
        body=body, depth=_depth(meta), referer=referer, error=error, fetches=fetches)


def failed_page(url: str, status: int | None, meta: Meta, referer: str | None,
                fetches: list[Fetch], error: str) -> Page:
    """A fetch that failed: no response to take content from (a body too large to keep, a
    connection lost).  status: of the archived response it failed after, if any."""
    return _page(url, status, Headers(), b"", meta, referer, fetches, error)


# -- live ----------------------------------------------------------------------------------
def _referer(request: Request | None) -> str | None:
    value = request.headers.get("Referer") if request is not None else None
    return value.decode("latin-1") if value else None


def _fetches(meta: Meta) -> list[Fetch]:
    fetches = meta.get("warc_fetches")  # archive.middleware's
    return [f for f in fetches if isinstance(f, Fetch)] if isinstance(fetches, list) else []


def page_from_response(response: Response, passed: bool = False) -> Page:
    """The page of a response the crawl received (decoded by Scrapy's middlewares).
    passed: it reached a callback, so Scrapy's HttpErrorMiddleware accepted its status."""
    meta = response.meta
    allowed = [*_allowed(meta), response.status] if passed else _allowed(meta)
    error = http_error(response.status, str(response.status), _kind(meta), allowed)
    return _page(response.url, response.status, response.headers, response.body, meta,
                 _referer(response.request), _fetches(meta), error)


def page_from_failure(request: Request, error: str) -> Page:
    """The page of a fetch that failed with no response to show for it."""
    fetches = _fetches(request.meta)
    # Failed after its response was archived (a body too large to decompress): its status.
    status = fetches[-1].status if fetches and fetches[-1].url == request.url else None
    return failed_page(request.url, status, request.meta, _referer(request), fetches, error)


# -- archived ------------------------------------------------------------------------------
def read_archived(warc_dir: Path, warc_file: str, offset: int, max_payload: int) -> Entry | None:
    """The record at a stored location; None if it is damaged or its file is gone.  A file not
    renamed yet is read under its ``.open`` name (a killed crawl's, before recovery)."""
    path = warc_dir / warc_file
    if not path.exists():
        path = path.with_name(path.name + OPEN_SUFFIX)
    if not path.exists():
        return None
    return read_entry(path, offset, max_payload)


def payload_source(entry: Entry, warc_dir: Path, locate: Locate, max_payload: int) -> Entry:
    """The entry holding a response's payload: its own, or the original a revisit refers
    to.  Raises Unreadable if that original is not in the archive or cannot be read."""
    if entry.record.rec_type != "revisit":
        return entry
    h = entry.record.rec_headers
    refers_to = h.get_header("WARC-Refers-To")
    location = locate(refers_to, h.get_header("WARC-Payload-Digest"))
    if location is None:
        raise Unreadable(f"a revisit of a record not in the archive: {refers_to}")
    original = read_archived(warc_dir, *location, max_payload)
    if original is None:
        raise Unreadable("the original of a revisit, damaged or its file missing", location)
    if original.record.rec_type != "response":  # mis-indexed: its block is no payload of ours
        raise Unreadable(f"the original of a revisit is a {original.record.rec_type} record, "
                         "not a response", location)
    return original


def decoded(body: bytes, headers: Headers, max_size: int = 0) -> tuple[bytes, Headers]:
    """Content-decode as the crawl's ContentDecodingMiddleware does for the spider, through
    the same archive.contentcoding.decode: a body not in its claimed encoding is kept as it
    came; a cut or damaged one raises BrokenEncoding; one inflating past max_size (0: no
    limit) raises BodyTooLarge, having cost at most max_size of memory."""
    encodings = headers.getlist("Content-Encoding")
    if not encodings:
        return body, headers
    try:
        result = decode(body, encodings, max_size)
    except InflatedTooLarge as exc:  # the crawl's words, for the same row
        raise BodyTooLarge(exc.reason(len(body))) from None
    return result.body, decoded_headers(headers, result)


def decoded_headers(headers: Headers, result: Decoded) -> Headers:
    """A copy of headers whose Content-Encoding lists only the encodings decode left."""
    headers = headers.copy()
    if result.remaining:
        headers["Content-Encoding"] = result.remaining
    else:
        del headers["Content-Encoding"]
    return headers


def _status(entry: Entry) -> tuple[int | None, str]:
    said = entry.record.http_headers.get_statuscode()
    # Any digits, so that pipelines.store.db.storable names a status out of range.
    return (int(said) if said.isascii() and said.isdigit() else None), said


def latency(meta: Meta) -> float | None:
    """The download latency a request record's meta keeps (request_meta), if any."""
    value = meta.get("download_latency")
    ok = type(value) in (float, int) and 0 <= value < math.inf  # a hand-made record: anything
    return float(value) if ok else None


def archived_fetch(entry: Entry, meta: Meta) -> Fetch:
    """The Fetch of a response or revisit record, as archive.middleware recorded it; meta:
    its request record's."""
    h = entry.record.rec_headers
    return Fetch(url=h.get_header("WARC-Target-URI"), status=_status(entry)[0],
                 fetched_at=h.get_header("WARC-Date"), warc_type=entry.record.rec_type,
                 warc_record_id=h.get_header("WARC-Record-ID"), warc_file=entry.file,
                 warc_offset=entry.offset, warc_length=entry.length,
                 payload_digest=h.get_header("WARC-Payload-Digest"),
                 download_latency=latency(meta))


def is_redirect_hop(entry: Entry) -> bool:
    """A redirect the crawl followed: its row is written with the final URL's page."""
    return _status(entry)[1] in REDIRECTS and bool(entry.record.http_headers.get_header("Location"))


def page_from_records(entry: Entry, source: Entry | Unreadable, meta: Meta,
                      referer: str | None, hops: list[Fetch], max_size: int) -> Page:
    """The page of an archived response (or revisit) entry.

    source: the entry holding its payload (payload_source), or why it could not be read;
    meta: its request record's (read_request_meta); hops: the redirects that led to it.
    """
    url = entry.record.rec_headers.get_header("WARC-Target-URI")
    status, said = _status(entry)
    fetches = [*hops, archived_fetch(entry, meta)]
    headers = Headers([(k, v) for k, v in entry.record.http_headers.headers
                       if k.title().encode() not in HOP_BY_HOP])
    try:
        if isinstance(source, Unreadable):  # the row is still written, with the reason
            return _page(url, status, headers, b"", meta, referer, fetches,
                         "revisit of a payload that is missing or damaged in this archive")
        if source.too_large:
            raise BodyTooLarge(f"its body ({source.too_large} B as archived) exceeded "
                               f"DOWNLOAD_MAXSIZE ({max_size} B)")
        body, headers = decoded(source.payload, headers, max_size)
    except BodyTooLarge as exc:  # as ContentDecodingMiddleware's IgnoreRequest in the crawl
        return failed_page(url, status, meta, referer, fetches,
                           f"IgnoreRequest: Ignored response <{said} {url}> because {exc}.")
    except BrokenEncoding as exc:  # as the crawl's errback words the middleware's exception
        return failed_page(url, status, meta, referer, fetches, f"BrokenEncoding: {exc}")
    return _page(url, status, headers, body, meta, referer, fetches,
                 http_error(status, said, _kind(meta), _allowed(meta, status)))
