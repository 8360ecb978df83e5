"""archive.pages: one Page per exchange, whether the crawl builds it from the live response
or `scrapy extract` and resume rebuild it from the WARC records."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.spidermiddlewares.httperror import HttpError, HttpErrorMiddleware
from scrapy.utils.test import get_crawler

from archive.contentcoding import BrokenEncoding
from archive.middleware import WarcArchiveMiddleware
from archive.pages import (
    Unreadable,
    http_error,
    is_redirect_hop,
    latency,
    page_from_failure,
    page_from_records,
    page_from_response,
    payload_source,
    read_request_meta,
)
from archive.reader import Entry, read_entries
from archive.service import WarcService
from crawler.contentcoding import ContentDecodingMiddleware
from pipelines.page import SITEMAP, Fetch, Page
from tests.shared import CORPUS

PYWB = CORPUS / "warc" / "pywb" / "sample_archive" / "warcs"
MAXSIZE = 64 * 1024
HTML = "<html><title>政府工作报告</title><body>现在，我代表市人民政府向大会报告工作。</body></html>"


# -- the live crawl and the archive build the same page ------------------------------------
def crawl(tmp_path: Path, exchanges: list[tuple[Request, Response]],
          **settings: object) -> list[Page]:
    """Each exchange through the archive middleware, the crawl's decoding and Scrapy's
    HttpErrorMiddleware, into the spider's builders, as a crawl takes it."""
    crawler = get_crawler(settings_dict={
        "DATA_DIR": str(tmp_path), "WARC_ENABLED": True, "WARC_DEDUP_ENABLED": True,
        "DOWNLOAD_MAXSIZE": MAXSIZE, **settings})
    crawler._apply_settings()
    service = WarcService.of(crawler)
    archive = WarcArchiveMiddleware(crawler, service)
    decompress = ContentDecodingMiddleware.from_crawler(crawler)
    crawler.spider = Spider("reports")
    errors = HttpErrorMiddleware.from_crawler(crawler)

    async def fetch(request: Request, response: Response) -> Page:
        response = await archive.process_response(request, response)
        try:
            response = decompress.process_response(request, response)
        except (IgnoreRequest, BrokenEncoding) as exc:  # the spider's errback's words
            return page_from_failure(request, f"{type(exc).__name__}: {exc}")
        try:
            errors.process_spider_input(response)
        except HttpError:  # the errback, for a refused status
            return page_from_response(response)
        return page_from_response(response, passed=True)

    async def run() -> list[Page]:
        pages = [await fetch(req, resp) for req, resp in exchanges]
        service.close()
        return pages
    return asyncio.run(run())


def rebuild(warc_dir: Path) -> list[Page]:
    """Every page of the WARC files, as `scrapy extract` pairs and builds them."""
    by_id: dict[str, tuple[str, int]] = {}
    responses: dict[str, Entry] = {}
    pages = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        for entry in read_entries(path, [], max_payload=MAXSIZE):
            h = entry.record.rec_headers
            if entry.record.rec_type in ("response", "revisit"):
                by_id[h.get_header("WARC-Record-ID")] = (entry.file, entry.offset)
                responses[h.get_header("WARC-Record-ID")] = entry
            elif entry.record.rec_type == "request":
                response = responses.pop(h.get_header("WARC-Concurrent-To"))
                source = payload_source(response, warc_dir, lambda rid, _: by_id.get(rid),
                                        MAXSIZE)
                pages.append(page_from_records(
                    response, source, read_request_meta(h.get_header("WARC-JSON-Metadata")),
                    entry.record.http_headers.get_header("Referer"), [], MAXSIZE))
    return pages


def exchange(url: str, status: int, body: bytes, meta: dict | None = None,
             **headers: str) -> tuple[Request, Response]:
    request = Request(url, meta={"depth": 2, **(meta or {})},
                      headers={"Referer": "http://www.example.gov.cn/"})
    response = HtmlResponse(url, status=status, body=body, request=request,
                            headers={"Content-Type": "text/html; charset=utf-8", **headers})
    return request, response


def test_a_live_and_an_archived_page_of_the_same_exchange_are_equal(tmp_path: Path) -> None:
    report = HTML.encode()
    packed, bomb = gzip.compress(report), gzip.compress(bytes(4 * MAXSIZE))
    exchanges = [
        exchange("http://www.example.gov.cn/a.html", 200, packed,
                 **{"Content-Encoding": "gzip", "ETag": '"a1"'}),
        # The same bytes again: archived as a revisit of a.html.
        exchange("http://www.example.gov.cn/copy.html", 200, packed,
                 **{"Content-Encoding": "gzip"}),
        exchange("http://www.example.gov.cn/sitemap.xml", 404, b"", {"discovery": SITEMAP}),
        exchange("http://www.example.gov.cn/gone.html", 404, b"not here"),
        exchange("http://www.example.gov.cn/same.html", 304, b"",
                 {"handle_httpstatus_list": [304]}),
        exchange("http://www.example.gov.cn/bomb.html", 200, bomb,
                 **{"Content-Encoding": "gzip"}),
    ]
    live = crawl(tmp_path, exchanges)
    archived = rebuild(tmp_path / "warc")
    assert [p.url for p in archived] == [p.url for p in live]
    for built, rebuilt in zip(live, archived, strict=True):
        assert rebuilt == built, built.url
    a, copy, sitemap, gone, same, too_large = live
    assert a.body == copy.body == report and "Content-Encoding" not in a.headers
    assert [f.warc_type for f in (*a.fetches, *copy.fetches)] == ["response", "revisit"]
    assert (a.depth, a.referer, a.error) == (2, "http://www.example.gov.cn/", None)
    assert (sitemap.status, sitemap.error) == (404, None)  # a site without a sitemap
    assert (gone.status, gone.error) == (404, "HTTP 404")
    assert (same.status, same.error) == (304, None)  # the request accepted a 304
    assert too_large.status == 200 and too_large.body == b""
    assert too_large.error is not None and "exceeded DOWNLOAD_MAXSIZE" in too_large.error


def test_lying_and_broken_content_encodings_make_the_same_page_live_and_archived(
        tmp_path: Path) -> None:
    report = HTML.encode() * 200
    packed = gzip.compress(report)
    site = "http://www.example.gov.cn"
    exchanges = [
        exchange(f"{site}/lie.html", 200, report, **{"Content-Encoding": "gzip"}),
        exchange(f"{site}/unknown.html", 200, report, **{"Content-Encoding": "x-foo, gzip"}),
        exchange(f"{site}/cut.html", 200, packed[:len(packed) // 2],
                 **{"Content-Encoding": "gzip"}),
        exchange(f"{site}/damaged.html", 200, packed[:-8] + b"\0" * 8,  # wrong CRC, length
                 **{"Content-Encoding": "gzip"}),
    ]
    live = crawl(tmp_path, exchanges)
    assert rebuild(tmp_path / "warc") == live
    lie, unknown, cut, damaged = live
    assert lie.body == unknown.body == report  # not in the claimed encoding: as it came
    assert lie.error is None and unknown.error is None
    assert unknown.headers["Content-Encoding"] == "x-foo, gzip"  # what is still claimed
    assert (cut.status, cut.body) == (200, b"")
    assert cut.error is not None and cut.error.startswith("BrokenEncoding: truncated gzip")
    assert damaged.error is not None and damaged.error.startswith("BrokenEncoding: damaged gzip")


@pytest.mark.parametrize("settings", [{"HTTPERROR_ALLOWED_CODES": [404, 410]},
                                      {"HTTPERROR_ALLOW_ALL": True}])
def test_statuses_the_crawl_let_through_are_no_error_in_the_archive_either(
        tmp_path: Path, settings: dict) -> None:
    exchanges = [exchange("http://www.example.gov.cn/gone.html", 404, b"not here"),
                 # A request's own list overrides both settings, as in HttpErrorMiddleware.
                 exchange("http://www.example.gov.cn/same.html", 410, b"",
                          {"handle_httpstatus_list": [304]})]
    live = crawl(tmp_path, exchanges, **settings)
    assert rebuild(tmp_path / "warc") == live
    gone, same = live
    assert gone.error is None
    assert same.error == "HTTP 410"


# -- WARC material from elsewhere ----------------------------------------------------------
def entries(name: str) -> list[Entry]:
    problems: list = []
    found = list(read_entries(PYWB / name, problems))
    assert not problems
    return found


def test_a_revisit_takes_its_payload_from_the_original() -> None:
    records = entries("example.warc.gz")
    [response, revisit] = [e for e in records if e.record.rec_type in ("response", "revisit")
                           and e.record.http_headers.get_statuscode() == "200"]
    by_digest = {response.record.rec_headers.get_header("WARC-Payload-Digest"):
                 (response.file, response.offset)}
    source = payload_source(revisit, PYWB, lambda _, digest: by_digest.get(digest), 0)
    original = page_from_records(response, response, {}, None, [], 0)
    again = page_from_records(revisit, source, {}, None, [], 0)
    assert again.body == original.body and b"Example Domain" in again.body
    assert again.error is None and again.content_type == original.content_type
    assert again.fetches == [Fetch(
        url="http://example.com?example=1", status=200, fetched_at="2014-01-03T03:03:41Z",
        warc_type="revisit", warc_record_id=revisit.record.rec_headers.get_header(
            "WARC-Record-ID"), warc_file="example.warc.gz", warc_offset=revisit.offset,
        warc_length=revisit.length, payload_digest="sha1:B2LTWWPUOYAH7UIPQ7ZUPQ4VMBSVC36A")]


def test_a_revisit_of_a_missing_original_is_a_page_with_the_reason() -> None:
    [revisit] = [e for e in entries("example.warc.gz") if e.record.rec_type == "revisit"]
    with pytest.raises(Unreadable) as missing:
        payload_source(revisit, PYWB, lambda *_: None, 0)
    assert missing.value.location is None
    with pytest.raises(Unreadable) as damaged:
        payload_source(revisit, PYWB, lambda *_: ("gone.warc.gz", 333), 0)
    assert damaged.value.location == ("gone.warc.gz", 333)
    page = page_from_records(revisit, missing.value, {}, None, [], 0)
    assert (page.status, page.body) == (200, b"")
    assert page.error == "revisit of a payload that is missing or damaged in this archive"


def test_a_redirect_is_a_hop_and_a_payload_over_the_limit_is_the_pages_error() -> None:
    records = entries("example.warc.gz")
    [redirect] = [e for e in records if e.record.rec_type == "response"
                  and e.record.http_headers.get_statuscode() == "302"]
    assert is_redirect_hop(redirect)
    [large] = [e for e in read_entries(PYWB / "example.warc.gz", [], max_payload=500)
               if e.record.rec_type == "response" and e.too_large]
    page = page_from_records(large, large, {}, None, [], 500)
    assert (page.status, page.body, page.content_type) == (200, b"", "")
    assert page.error == (f"IgnoreRequest: Ignored response <200 {page.url}> because its body "
                          f"({large.too_large} B as archived) exceeded DOWNLOAD_MAXSIZE (500 B).")


@pytest.mark.parametrize(("status", "kind", "allowed", "error"), [
    (200, None, [], None), (206, None, [], None), (304, None, [304], None),
    (304, None, [], "HTTP 304"), (404, SITEMAP, [], None), (410, SITEMAP, [], None),
    (404, "report", [], "HTTP 404"), (500, SITEMAP, [], "HTTP 500"), (None, None, [], "HTTP x"),
])
def test_http_errors_are_judged_as_the_crawl_judges_them(status, kind, allowed, error) -> None:
    assert http_error(status, str(status) if status else "x", kind, allowed) == error


def test_request_metadata_that_is_no_json_object_counts_as_none() -> None:
    assert read_request_meta('{"depth": 3}') == {"depth": 3}
    for text in (None, "", "[1]", "{", "[" * 100000):
        assert read_request_meta(text) == {}


def test_a_latency_kept_in_metadata_is_read_back_only_when_it_is_a_duration():
    assert latency({"download_latency": 0.25}) == 0.25
    assert latency({"download_latency": 2}) == 2.0
    # A hand-made or damaged record's metadata: no latency rather than a wrong one.
    for bad in ("0.25", -1.0, float("nan"), float("inf"), True, None, [0.1]):
        assert latency({"download_latency": bad}) is None, bad
    assert latency({}) is None
