"""Downloader middleware for incremental recrawls: conditional requests, and which pages changed.

At the start of a crawl it reads what the database remembers per URL (pipelines/store/urlstate.py).
For a page that is a leaf of discovery — one the cleaner called a report, or an attachment —
it sends the remembered validators (If-None-Match, If-Modified-Since), tells the archive which
payload a 304 would confirm (archived as a server-not-modified revisit) and lets the 304 through
to the spider.  List, column and every other page are fetched in full, so the crawl still
follows them to new reports; an identical body there is a revisit in the archive anyway.

On the way back (below the archive, 950, so the body is still as received) it marks the fetch
``new``, ``changed`` or ``unchanged``; pipelines.clean_pipeline skips cleaning unchanged pages and
the store counts each kind into the crawl's row.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK

from archive.archiver import payload_digest
from archive.service import WarcService
from crawler.discovery import COLUMN, PAGER_URL_RE, is_attachment
from pipelines.page import Fetch
from pipelines.store import urlstate
from pipelines.store.db import connect, crawl_db_path
from pipelines.store.urlstate import UrlState

logger = logging.getLogger(__name__)
LIST_KINDS = (COLUMN, "sitemap")
# A request meta key: fetch in full, never conditionally (resume's refetch of a page whose
# archived copy is unreadable: a 304 would bring back nothing to read it from).
FULL_FETCH = "incremental_full_fetch"


def read_state(path: Path) -> dict[str, UrlState]:
    """The remembered state of every URL, read once (a crawl fetches each URL once)."""
    if not path.exists():
        return {}
    conn = connect(path)
    try:
        return urlstate.load(conn)
    finally:
        conn.close()


def is_leaf(request: Request, state: UrlState) -> bool:
    """Worth a conditional request: a 304 carries no links, so only pages whose links the
    crawl does not need (reports, attachments), never list or column pages."""
    if request.meta.get("discovery") in LIST_KINDS or PAGER_URL_RE.search(request.url):
        return False
    return state.is_report or is_attachment(request.url)


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler, state: dict[str, UrlState],
                 service: WarcService | None):
        self.stats = crawler.stats
        self.state = state
        self.service = service

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("INCREMENTAL_ENABLED"):
            raise NotConfigured("INCREMENTAL_ENABLED is off")
        state = read_state(crawl_db_path(s))
        service = WarcService.of(crawler) if s.getbool("WARC_ENABLED") else None
        if state:
            logger.info("incremental: %d URLs remembered from earlier crawls", len(state))
        return cls(crawler, state, service)

    def process_request(self, request: Request) -> None:
        if request.callback is NO_CALLBACK or request.method != "GET" or \
                request.meta.get(FULL_FETCH):
            return  # robots.txt and other non-page fetches need their body
        state = self.state.get(request.url)
        if state is None or not (state.etag or state.last_modified) or \
                not is_leaf(request, state):
            return
        if state.etag:
            request.headers.setdefault("If-None-Match", state.etag)
        if state.last_modified:
            request.headers.setdefault("If-Modified-Since", state.last_modified)
        allowed = request.meta.get("handle_httpstatus_list", [])
        if 304 not in allowed:
            request.meta["handle_httpstatus_list"] = [*allowed, 304]
        if self.service is not None and state.payload_digest:
            self.service.expect_not_modified(request.url, state.payload_digest)
        self.stats.inc_value("incremental/conditional_requests")

    def process_response(self, request: Request, response: Response) -> Response:
        if request.callback is NO_CALLBACK:
            return response
        fetches: list[Fetch] = request.meta.get("warc_fetches") or []
        fetch = fetches[-1] if fetches and fetches[-1].url == response.url else None
        digest = fetch.payload_digest if fetch else None
        if digest is None and response.status != 304:
            digest = payload_digest(response.body)
        change = urlstate.classify(self.state.get(response.url), response.status, digest)
        if change is not None and fetch is not None:
            fetch.change = change
        if response.status == 304:
            self.stats.inc_value("incremental/not_modified")
        return response
