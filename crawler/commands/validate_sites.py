"""`scrapy validate_sites [--sites A,B] [--region 吉林]`: check the sites file against the live web.

For live runs, not CI.  Fetches each site's start page (robots.txt obeyed, politely: the
project's user agent, one request at a time per host), follows up to VALIDATE_MAX_COLUMNS
links that discovery takes for the report column (plus the site's report_columns), and
prints one line per site: reachable or why not, the column it found, and how many distinct
report links (pages and attachments) the start page and columns yield.  Nothing is archived.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from scrapy import Request, Spider
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor
from twisted.python.failure import Failure

from crawler import discovery
from crawler.commands import SettingsChecked
from crawler.discovery import COLUMN, GENERIC, REPORT
from pipelines.store.sites import Site, SitesFileError, load_sites, select_sites


@dataclass
class Check:
    site: Site
    status: str = "not fetched"
    columns: list[tuple[int, str]] = field(default_factory=list)  # (report links, URL)
    reports: set[str] = field(default_factory=set)

    def line(self) -> str:
        col = max(self.columns)[1] if self.columns else "-"
        flag = "" if self.site.verified else " (unverified host)"
        return (f"{self.site.name}\t{self.site.hosts[0]}{flag}\t{self.status}\t"
                f"column: {col}\treport links: {len(self.reports)}")


class ValidateSpider(Spider):
    name = "validate-sites"
    # Spider priority: above the project's settings, which archive and store every page.
    custom_settings = {"WARC_ENABLED": False, "ITEM_PIPELINES": {}, "RETRY_TIMES": 1,
                       "ROBOTS_RETRY_TIMES": 0}

    def __init__(self, checks: list[Check], max_columns: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.checks = checks
        self.max_columns = max_columns
        self.allowed_domains = sorted({h.lower().removeprefix("www.")
                                       for c in checks for h in c.site.hosts})
        deny = [e for e in IGNORED_EXTENSIONS if e not in discovery.ATTACHMENT_EXTENSIONS]
        self.links = LinkExtractor(tags=("a", "area"), attrs=("href",), deny_extensions=deny)

    async def start(self) -> AsyncIterator[Request]:
        for i, check in enumerate(self.checks):
            yield Request(check.site.start_urls[0], callback=self.parse_start,
                          errback=self.failed, meta={"check": i}, dont_filter=True)
            for url in check.site.report_columns:
                yield Request(url, callback=self.parse_column, errback=self.failed,
                              meta={"check": i, "kind": REPORT}, dont_filter=True)

    def _check(self, response_or_request: Any) -> Check:
        return self.checks[response_or_request.meta["check"]]

    def _report_links(self, response: Response, page_kind: str) -> list[tuple[str, str]]:
        if not isinstance(response, TextResponse):
            return []
        out = []
        for link in self.links.extract_links(response):
            kind = discovery.link_kind(link.text, link.url, response.url, page_kind)
            if kind in (REPORT, COLUMN):
                out.append((kind, link.url))
        return out

    def parse_start(self, response: Response) -> Iterable[Request]:
        check = self._check(response)
        check.status = f"reachable (HTTP {response.status})"
        found = self._report_links(response, GENERIC)
        check.reports |= {u for k, u in found if k == REPORT}
        # Report-named links first (often the column itself), then the way to it.
        candidates = [u for k, u in found if k == REPORT and not discovery.is_attachment(u)]
        candidates += [u for k, u in found if k == COLUMN]
        for url in list(dict.fromkeys(candidates))[: self.max_columns]:
            yield Request(url, callback=self.parse_column, errback=self.failed,
                          meta={"check": response.meta["check"], "kind": REPORT})

    def parse_column(self, response: Response) -> None:
        check = self._check(response)
        found = self._report_links(response, response.meta["kind"])
        reports = {u for k, u in found if k == REPORT}
        if reports:
            check.columns.append((len(reports), response.url))
        check.reports |= reports

    def failed(self, failure: Failure) -> None:
        check = self._check(failure.request)
        if failure.request.callback == self.parse_start:
            check.status = f"unreachable: {failure.type.__name__}: {failure.getErrorMessage()}"


class Command(SettingsChecked, ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--sites NAME,...] [--region PROVINCE]"

    def short_desc(self) -> str:
        return "Fetch each site's start page and report column; report reachability and counts"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}. Needs the internet. Reads the sites file (-s SITES_FILE, "
                "default the packaged crawler/sites.toml); -s VALIDATE_TIMEOUT and "
                "VALIDATE_MAX_COLUMNS set the fetch timeout and the column links per site.")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--sites", default="", help="names, regions or hosts (comma-separated)")
        parser.add_argument("--region", default="", help="province or region, e.g. 吉林")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None and self.crawler_process is not None
        path = self.settings.get("SITES_FILE") or None  # empty: the packaged sites file
        try:
            sites = load_sites(path)
        except SitesFileError as exc:
            raise UsageError(str(exc)) from exc
        wanted = [w.strip() for w in opts.sites.split(",") if w.strip()]
        sites = select_sites(sites, wanted)
        if opts.region:
            sites = [s for s in sites if opts.region in s.province or opts.region in s.region]
        if not sites:
            raise UsageError(f"no site in {path} matches the selection")
        checks = [Check(s) for s in sites]
        self.settings.set("DOWNLOAD_TIMEOUT", self.settings.getint("VALIDATE_TIMEOUT"))
        self.crawler_process.crawl(ValidateSpider, checks=checks,
                                   max_columns=self.settings.getint("VALIDATE_MAX_COLUMNS"))
        self.crawler_process.start()
        for check in checks:
            print(check.line(), flush=True)
        reachable = sum(c.status.startswith("reachable") for c in checks)
        with_reports = sum(bool(c.reports) for c in checks)
        print(f"{reachable}/{len(checks)} sites reachable, {with_reports} with report links")
