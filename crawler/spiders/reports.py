"""The `reports` spider: every report of the given government sites, report links first.

It holds no cleaning logic: whether a page is a report is decided downstream by
pipelines.clean, on the same bytes the archive holds.  Which links to follow, and in what
order, is crawler.discovery's: report and column links jump the queue, everything else is
crawled breadth-first within each site's page budget (DISCOVERY_MAX_PAGES).  Report links
stay free only while they pay off (crawler.reportcredit): the spider hears each page's
verdict from the item_scraped signal, after the item pipelines have cleaned it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive.pages import page_from_failure, page_from_response
from crawler import discovery
from crawler.discovery import COLUMN, GENERIC, PRIORITY, REPORT, Keywords
from crawler.knownlinks import KnownLinks, Tally
from crawler.links import Link, page_links
from crawler.reportcredit import ReportCredit
from pipelines.page import SITEMAP, Page
from pipelines.store.sites import Site, load_sites, select_sites
from pipelines.store.urlstate import UNCHANGED

logger = logging.getLogger(__name__)
BUDGET_STATE = "discovery_budget"  # its key in spider.state

class SpiderArgumentError(ValueError):
    """A bad `-a` argument: `scrapy crawl` says it in one line and exits 2."""


def _split(arg: str | None) -> list[str]:
    return [part.strip() for part in (arg or "").split(",") if part.strip()]


def site_domain(url: str) -> str:
    """The domain a start URL lets the crawl stay in: its host without a leading www."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise SpiderArgumentError(f"start_urls: only http(s) URLs can be crawled, got {url!r}")
    try:
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError as exc:
        raise SpiderArgumentError(f"start_urls: {exc} in {url!r}") from None
    host = parts.hostname or ""
    if not host or any(ch.isspace() or ch in "<>\"\\^`{|}" for ch in parts.netloc):
        raise SpiderArgumentError(f"start_urls: not an absolute http(s) URL: {url!r}")
    return host.removeprefix("www.")


class Budget:
    """Pages scheduled per site: generic ones up to the site's limit, focused ones (report
    and column links) up to a larger safety limit against pager traps.  Report links the
    site's report credit does not cover are charged like generic ones."""

    def __init__(self, max_generic: int, max_focused: int,
                 credit: ReportCredit | None = None):
        self.max_generic, self.max_focused = max_generic, max_focused
        self.credit = credit or ReportCredit(0, 0)
        self.limits: dict[str, int] = {}  # per-site max_pages from the sites file
        self.seen: set[str] = set()
        self.counts: dict[tuple[str, bool], int] = {}
        self.charged_reports: set[str] = set()  # report links admitted as generic ones

    def charged(self, site: str, kind: str) -> bool:
        """Whether a new link of this kind is charged to the site's page budget."""
        return kind == GENERIC or (kind == REPORT and not self.credit.is_free(site))

    def admit(self, site: str, url: str, kind: str) -> bool:
        if url in self.seen:
            return True  # the dupefilter drops it; charging it again would drain the budget
        focused = not self.charged(site, kind)
        limit = self.max_focused if focused else self.limits.get(site, self.max_generic)
        used = self.counts.get((site, focused), 0)
        if used >= limit:
            return False
        self.counts[(site, focused)] = used + 1
        self.seen.add(url)
        if kind == REPORT:
            if focused:
                self.credit.spend(site, url)
            else:
                self.charged_reports.add(url)
        return True

    def state(self) -> dict[str, Any]:
        """What the crawl has spent, as plain data (the limits come from the settings)."""
        return {"counts": [[site, focused, n] for (site, focused), n in self.counts.items()],
                "seen": sorted(self.seen), "charged_reports": sorted(self.charged_reports),
                "credit": self.credit.state()}

    def restore(self, state: dict[str, Any]) -> None:
        """Go on from what state() returned; for a state it cannot read it raises (whatever
        the damage makes it raise) and leaves the budget as it was."""
        counts = {(str(site), bool(focused)): int(n) for site, focused, n in state["counts"]}
        seen, charged = set(map(str, state["seen"])), set(map(str, state["charged_reports"]))
        self.credit.restore(state["credit"])
        self.counts, self.seen, self.charged_reports = counts, seen, charged


class ReportsSpider(Spider):
    name = "reports"

    def __init__(self, start_urls: str | None = None, sites: str | None = None,
                 region: str | None = None, **kwargs: Any):
        # A misspelt argument (`-a site=X`) would otherwise be ignored and every site of the
        # sites file crawled.  Names starting with _ are Scrapyd's (_job, _version).
        unknown = sorted(k for k in kwargs if not k.startswith("_") and k != "name")
        if unknown:
            raise SpiderArgumentError(f"unknown argument {unknown[0]!r}: the reports spider "
                                      "takes start_urls, sites and region")
        super().__init__(**kwargs)
        self._start_arg = _split(start_urls)
        self._sites_arg = _split(sites)
        self._region_arg = _split(region)
        for name, given, parts in (("start_urls", start_urls, self._start_arg),
                                   ("sites", sites, self._sites_arg),
                                   ("region", region, self._region_arg)):
            # Given but empty (`-a start_urls=`): not a request to crawl every known site.
            if given is not None and not parts:
                raise SpiderArgumentError(f"{name} is empty")
        self.sites: list[Site] = []
        # Scrapy's OffsiteMiddleware reads this when the spider opens.
        self.allowed_domains = [site_domain(u) for u in self._start_arg]
        self.keywords: dict[str, Keywords] = {}
        self._exhausted: set[str] = set()
        self._unpaid: set[str] = set()  # sites whose report links are charged now
        self._known: KnownLinks | None = None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> ReportsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        credit = ReportCredit(s.getint("DISCOVERY_MAX_FALSE_REPORTS"),
                              s.getfloat("DISCOVERY_FALSE_REPORT_RATIO"))
        spider.budget = Budget(s.getint("DISCOVERY_MAX_PAGES"), s.getint("DISCOVERY_MAX_FOCUSED"),
                               credit)
        crawler.signals.connect(spider.item_judged, signal=signals.item_scraped)
        crawler.signals.connect(spider.item_judged, signal=signals.item_dropped)
        # The budget lives in spider.state, which the JOBDIR keeps (crawler/spiderstate.py):
        # restored once the state is loaded (spider_opened) and before any link is admitted
        # (the first start request); saved before it is written (the spider's spider_closed
        # handler, connected before any extension's, runs first).
        crawler.signals.connect(spider._restore_budget, signal=signals.engine_started)
        crawler.signals.connect(spider._save_budget, signal=signals.spider_closed)
        spider.sitemaps = s.getbool("DISCOVERY_SITEMAP")
        spider.pager_limit = s.getint("DISCOVERY_MAX_PAGER")
        spider.links_limit = s.getint("LINKS_MAX_PER_PAGE")
        spider.links_max_bytes = s.getint("LINKS_MAX_BYTES")
        spider._scope(s.get("SITES_FILE"))
        return spider

    @classmethod
    def check_arguments(cls, settings: Any, **kwargs: Any) -> None:
        """Raise SpiderArgumentError (or SitesFileError) for arguments the crawl would refuse,
        before anything starts: `scrapy crawl` then says why in one line."""
        cls(**kwargs)._scope(settings.get("SITES_FILE"))

    def _scope(self, sites_file: str) -> None:
        """The sites to crawl: the start URLs given, else the sites file's (selected)."""
        if not self._start_arg:
            self._use_sites_file(sites_file)
        elif self._sites_arg or self._region_arg:
            raise SpiderArgumentError("give either start_urls or sites/region, not both")

    def _use_sites_file(self, path: str) -> None:
        sites = load_sites(path or None)  # empty: the sites file shipped in the package
        if self._sites_arg:
            sites = select_sites(sites, self._sites_arg)
        if self._region_arg:
            sites = [s for s in sites
                     if any(r in s.province or r in s.region for r in self._region_arg)]
        if not sites:
            wanted = ", ".join(self._sites_arg + self._region_arg)
            source = path or "the packaged crawler/sites.toml"
            raise SpiderArgumentError(f"no site in {source} matches {wanted}")
        self.sites = sites
        self._start_arg = [url for site in sites for url in site.start_urls]
        self.allowed_domains = sorted({h.lower().removeprefix("www.")
                                       for site in sites for h in site.hosts})
        for site in sites:
            for host in site.hosts:
                key = host.lower().removeprefix("www.")
                self.keywords[key] = discovery.DEFAULT_KEYWORDS.with_columns(site.column_keywords)
                if site.max_pages:
                    self.budget.limits[key] = site.max_pages

    def _site_key(self, url: str) -> str:
        """The allowed domain a URL belongs to (subdomains share their site's budget)."""
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        for domain in sorted(self.allowed_domains, key=len, reverse=True):
            if host == domain or host.endswith("." + domain):
                return domain
        return host

    async def start(self) -> AsyncIterator[Request]:
        columns = [u for site in self.sites for u in site.report_columns]
        for url in columns:
            self.budget.seen.add(url)
            yield self._request(url, REPORT)
        for url in self._start_arg:
            self.budget.seen.add(url)
            yield self._request(url, GENERIC)
        if self.sitemaps:
            roots = dict.fromkeys(f"{p.scheme}://{p.netloc}/sitemap.xml"
                                  for p in map(urlsplit, self._start_arg))
            for url in roots:
                yield Request(url, callback=self.parse_sitemap, errback=self.failed,
                              meta={"discovery": SITEMAP}, priority=PRIORITY[REPORT])

    def _request(self, url: str, kind: str) -> Request:
        # A report link charged to the budget waits its turn like a generic one.
        charged = kind == REPORT and url in self.budget.charged_reports
        priority = PRIORITY[GENERIC] if charged else PRIORITY[kind]
        return Request(url, callback=self.parse, errback=self.failed,
                       meta={"discovery": kind}, priority=priority)

    def _restore_budget(self) -> None:
        state = getattr(self, "state", None)  # set with a JOBDIR only
        if not state or BUDGET_STATE not in state:
            return
        try:
            self.budget.restore(state[BUDGET_STATE])
        # Whatever a damaged saved budget makes restore raise (an AttributeError for a list
        # where a dict was, an OverflowError for an infinite count): the budget is unchanged.
        except Exception as exc:  # noqa: BLE001
            logger.warning("discovery: the page budget saved in the JOBDIR cannot be read "
                           "(%r): this run starts with a fresh one", exc)
            return
        credit = self.budget.credit.sites
        logger.info("discovery: resumed the page budget of %d sites (%d report links "
                    "pending, %d misses)", len({site for site, _ in self.budget.counts}),
                    sum(len(c.pending) for c in credit.values()),
                    sum(c.misses for c in credit.values()))

    def _save_budget(self) -> None:
        state = getattr(self, "state", None)
        if state is not None:
            state[BUDGET_STATE] = self.budget.state()

    def item_judged(self, item: Any, response: Any = None, **kwargs: Any) -> None:
        """A page through the item pipelines (or dropped by one): whether it was a report
        settles the report credit of its site."""
        if not isinstance(item, Page):
            return
        if item.cleaned is not None:
            verdict: bool | None = item.cleaned.is_report
        else:  # unchanged since the last crawl: not judged again; else failed: a miss
            verdict = None if item.final_fetch.change == UNCHANGED else False
        meta = getattr(response, "meta", None) or {}
        urls = [*meta.get("redirect_urls", []), *(f.url for f in item.fetches), item.url]
        self.budget.credit.judged(self._site_key(item.url), urls, verdict)

    def _charge_report_links(self, site: str) -> None:
        """Counted, and said once per site, when its report links start being charged."""
        self.crawler.stats.inc_value("discovery/report_links_charged")
        if site not in self._unpaid:
            self._unpaid.add(site)
            credit = self.budget.credit.sites[site]
            self.crawler.stats.inc_value("discovery/report_credit_spent_sites")
            logger.warning("discovery: %d report links of %s led to no report yet (%d reports "
                           "found; DISCOVERY_MAX_FALSE_REPORTS, DISCOVERY_FALSE_REPORT_RATIO): "
                           "its further report links are charged to its page budget",
                           len(credit.pending) + credit.misses, site, credit.reports)

    def _admit(self, url: str, kind: str) -> bool:
        """Whether a link is followed: charged to its site's budget, and counted."""
        site = self._site_key(url)
        new = url not in self.budget.seen
        if new and kind == REPORT and self.budget.charged(site, kind):
            self._charge_report_links(site)
        if not self.budget.admit(site, url, kind):
            self.crawler.stats.inc_value("discovery/over_budget")
            if site not in self._exhausted:
                self._exhausted.add(site)
                logger.info("discovery: page budget of %s used up; following only report "
                            "and column links there from now on", site)
            return False
        if new:
            self.crawler.stats.inc_value(f"discovery/{kind}_links")
        return True

    def _follow(self, url: str, kind: str) -> Request | None:
        return self._request(url, kind) if self._admit(url, kind) else None

    def _known_links(self) -> KnownLinks | None:
        """What the crawl drops anyway, asked about links met before (crawler.knownlinks)."""
        if self._known is None and getattr(getattr(self, "crawler", None), "crawling", False):
            self._known = KnownLinks.of(self.crawler)
        return self._known

    def _dealt_with(self, depth: int, too_deep: bool, tally: Tally) -> Callable[[str], bool]:
        """Whether a link of a page (its links at depth) was followed before, and its request
        would only be filtered out again (counted in tally)."""
        seen, known = self.budget.seen, self._known

        def dealt_with(url: str) -> bool:
            if known is None or url not in seen:
                return False
            if too_deep:
                tally.too_deep += 1
                return True
            return known.skip(url, depth, tally)

        return dealt_with

    def _link_request(self, url: str, kind: str, too_deep: bool, tally: Tally) -> Request | None:
        """The request of a link admitted: none for one too deep, counted in tally as
        DepthMiddleware would count its request."""
        if too_deep:
            tally.too_deep += 1
            return None
        request = self._request(url, kind)
        if self._known is not None:
            self._known.remember(url, request)
        return request

    def _page_links(self, response: TextResponse, dealt_with: Callable[[str], bool]) -> list[Link]:
        """The page's links within LINKS_MAX_BYTES and LINKS_MAX_PER_PAGE; what the limits
        left is not lost silently: counted, and the page named so it can be looked at."""
        found = page_links(response, self.links_limit, self.links_max_bytes,
                           dealt_with=dealt_with)
        stats = self.crawler.stats
        if found.bytes_left:
            stats.inc_value("links/bytes_cut", found.bytes_left)
            logger.warning("links: only the first %d bytes of %s read for links, %d more left "
                           "(LINKS_MAX_BYTES)", self.links_max_bytes, response.url,
                           found.bytes_left)
        if found.hrefs_left:
            stats.inc_value("links/cut", found.hrefs_left)
            logger.warning("links: only the first %d links of %s followed, %d more left "
                           "(LINKS_MAX_PER_PAGE)", self.links_limit, response.url,
                           found.hrefs_left)
        if found.bytes_left or found.hrefs_left:
            stats.inc_value("links/pages_cut")
        return found.links

    def parse(self, response: Response) -> Iterable[Page | Request]:
        yield page_from_response(response, passed=True)
        if not isinstance(response, TextResponse):
            return
        page_kind = response.meta.get("discovery", GENERIC)
        depth = response.meta.get("depth", 0) + 1  # its links' (DepthMiddleware's count)
        known, tally = self._known_links(), Tally()
        # Links beyond DEPTH_LIMIT are still charged to the budget, as before, but no request
        # is built only for DepthMiddleware to drop it.
        too_deep = known is not None and known.too_deep(depth)
        keywords = self.keywords.get(self._site_key(response.url), discovery.DEFAULT_KEYWORDS)
        dealt_with = self._dealt_with(depth, too_deep, tally)
        links = self._page_links(response, dealt_with)
        # An article's other parts are report links if the article is about a report.
        reportish = discovery.mentions_report(response.text, keywords)
        for link in links:
            kind = discovery.link_kind(link.text, link.url, response.url, page_kind, keywords,
                                       reportish)
            if kind is not None and self._admit(link.url, kind) and (
                    request := self._link_request(link.url, kind, too_deep, tally)):
                yield request
        pager_kind = page_kind if page_kind in (REPORT, COLUMN) else GENERIC
        pagers = 0
        for url in discovery.js_pager_urls(response.text, response.url, self.pager_limit):
            if url == response.url:
                continue
            if dealt_with(url):
                pagers += 1  # a request _follow would have made
                continue
            kind = discovery.part_kind(url, response.url, page_kind, reportish) or pager_kind
            if not self._admit(url, kind):
                continue
            pagers += 1
            if request := self._link_request(url, kind, too_deep, tally):
                yield request
        if pagers:
            self.crawler.stats.inc_value("discovery/js_pager_pages", pagers)
        if known is not None:
            known.count(tally, depth)

    def parse_sitemap(self, response: Response) -> Iterable[Page | Request]:
        yield page_from_response(response, passed=True)
        pages, nested = discovery.parse_sitemap(response.body)
        for url in nested:
            if self._site_key(url) in self.allowed_domains or not self.allowed_domains:
                yield Request(url, callback=self.parse_sitemap, errback=self.failed,
                              meta={"discovery": SITEMAP}, priority=PRIORITY[REPORT])
        for url in pages:
            kind = discovery.sitemap_kind(url)
            if kind is not None and (request := self._follow(url, kind)):
                self.crawler.stats.inc_value("discovery/sitemap_urls")
                yield request

    def failed(self, failure: Failure) -> Iterable[Page]:
        if failure.check(HttpError):  # a status HttpErrorMiddleware refused: judged as such
            yield page_from_response(failure.value.response)
        else:
            yield page_from_failure(failure.request,
                                    f"{failure.type.__name__}: {failure.getErrorMessage()}")
