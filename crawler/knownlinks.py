"""Links the crawl has already dealt with, dropped in the spider before a request is built.

Every page of a site links to the same navigation pages and the same other sites: on a mixed
site about 33 links a page, of which one or two are new.  Each link became a Request that went
through every spider middleware, the request_scheduled signal and the scheduler, only to be
dropped there by Scrapy's offsite filter or its dupefilter: about half of the reactor's CPU.
So the spider asks those two first about a link it has yielded before:

* ``SeenFilter`` (DUPEFILTER_CLASS) is Scrapy's RFPDupeFilter, asked whether a GET of a URL
  is in its seen set: the same set, so a JOBDIR's saved state counts, and a link first met too
  deep (dropped, so never seen) still goes through when met again higher up.  In distributed
  mode scrapy-redis's dupefilter is in use, and nothing is skipped as seen.
* Scrapy's OffsiteMiddleware is asked whether it has already filtered the URL's host.

A link is skipped only where its request would have reached them unchanged: within
DEPTH_LIMIT and its site's max_depth, within URLLENGTH_LIMIT, and not a link to a private IP
literal (the SSRF guard refuses and logs each of those itself).  What the request would have
counted on its way (request_depth_max, dupefilter/filtered, offsite/filtered) is counted
alike; the links skipped so are counted in ``discovery/known_links``.
"""

from __future__ import annotations

import sys
import weakref
from functools import lru_cache
from typing import Any, NamedTuple, Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.conf import build_component_list
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.request import RequestFingerprinter, fingerprint

from crawler import sitedepth
from crawler.resolver import ip_literal
from crawler.ssrf import SsrfGuardMiddleware

# Distinct URLs remembered, each up to _CACHED_LENGTH characters: about 7 MB at most, 3 MB for
# URLs of 100 characters.
_CACHED = 8192
_CACHED_LENGTH = 512
_DEPTH = "scrapy.spidermiddlewares.depth.DepthMiddleware"
_FILTERS: weakref.WeakKeyDictionary[Crawler, SeenFilter] = weakref.WeakKeyDictionary()


class SeenFilter(RFPDupeFilter):
    """Scrapy's dupefilter, which the spider can ask about a URL before it builds a request."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        dupefilter = super().from_crawler(crawler)
        _FILTERS[crawler] = dupefilter
        return dupefilter

    @property
    def answers(self) -> bool:
        """Whether seen() says what request_seen would: Scrapy's own fingerprints, kept in
        RFPDupeFilter's set, and no first duplicate left to log (once true, it stays so)."""
        return (type(self.fingerprinter) is RequestFingerprinter and not self.debug
                and not self.logdupes and isinstance(getattr(self, "_fingerprints", None), set))

    def seen(self, fp: bytes) -> bool:
        return fp in self._fingerprints


class Probe(NamedTuple):
    """A GET request for a URL, as the filters see it."""

    length: int  # of the URL as the request holds it
    host: str  # its hostname ("" if none)
    fingerprint: bytes
    # scheme://host:port when the host is an IP literal, which the SSRF guard checks
    literal: str | None


def probe(url: str) -> Probe | None:
    """None: not a URL a request can have.  Remembered for URLs of ordinary length only, so
    the cache stays a few MB whatever the pages link to."""
    p = _probes.get(url, _UNKNOWN)
    if p is _UNKNOWN:
        p = _probe(url)
        _remember(url, p)
    return p  # type: ignore[return-value]


def _probe(url: str) -> Probe | None:
    try:
        request = Request(url)
    except ValueError:
        return None
    parts = urlsplit(request.url)
    return _made(request, parts.scheme, parts.netloc, parts.hostname)


def _made(request: Request, scheme: str, netloc: str, hostname: str | None) -> Probe:
    host = sys.intern(hostname or "")
    literal = sys.intern(f"{scheme}://{netloc}") if _is_literal(host) else None
    return Probe(len(request.url), host, fingerprint(request), literal)


# url -> its probe: at most _CACHED of them, of URLs up to _CACHED_LENGTH characters; once
# full, it starts afresh (the links a site repeats are probed again once).
_probes: dict[str, Probe | None] = {}
_UNKNOWN = object()


@lru_cache(maxsize=1024)  # the hosts linked to: few
def _is_literal(host: str) -> bool:
    return ip_literal(host) is not None


def _remember(url: str, p: Probe | None) -> None:
    if len(url) > _CACHED_LENGTH:
        return
    if len(_probes) >= _CACHED:
        _probes.clear()
    _probes[url] = p



def _downloader_middleware(crawler: Crawler, cls: type) -> Any:
    try:
        downloader = crawler.engine.downloader
    except (AttributeError, RuntimeError):  # no crawl running (Scrapy raises RuntimeError)
        return None
    for middleware in getattr(getattr(downloader, "middleware", None), "middlewares", ()):
        if isinstance(middleware, cls):
            return middleware
    return None


class Tally:
    """One page's links skipped, by who would have dropped their requests."""

    def __init__(self) -> None:
        self.duplicates = self.offsite = self.too_deep = 0


class KnownLinks:
    """The spider's question about a link it has yielded before: is it dropped anyway?

    A page's skipped links are kept in its Tally and counted together, by count()."""

    def __init__(self, crawler: Crawler, offsite: OffsiteMiddleware | None = None,
                 guard: SsrfGuardMiddleware | None = None):
        s = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_depth = s.getint("DEPTH_LIMIT")
        self.max_length = s.getint("URLLENGTH_LIMIT")
        self.depth_on = _DEPTH in build_component_list(s.getwithbase("SPIDER_MIDDLEWARES"))
        self.verbose = self.depth_on and s.getbool("DEPTH_STATS_VERBOSE")
        spider = crawler.spider
        self.site_limits = sitedepth.site_limits(getattr(spider, "sites", []))
        self.guard = guard
        # Its record of filtered hosts answers for the host alone under Scrapy's own policy,
        # for the allowed_domains it had (the reports spider sets them once, when created).
        if offsite is not None and type(offsite).should_follow is not OffsiteMiddleware.should_follow:
            offsite = None
        self.offsite = offsite
        self.domains = list(getattr(spider, "allowed_domains", None) or [])
        self.seen: SeenFilter | None = None
        self._passed: set[str] = set()  # IP-literal origins the guard let through

    @classmethod
    def of(cls, crawler: Crawler) -> KnownLinks:
        """For a running crawl: its offsite filter and SSRF guard, where enabled."""
        return cls(crawler, _downloader_middleware(crawler, OffsiteMiddleware),
                   _downloader_middleware(crawler, SsrfGuardMiddleware))

    def _dupefilter(self) -> SeenFilter | None:
        if self.seen is None:
            seen = _FILTERS.get(self.crawler)
            if seen is not None and seen.answers:
                self.seen = seen
        return self.seen

    def _guard_passes(self, url: str, p: Probe) -> bool:
        """Whether the SSRF guard lets a link to an IP literal be scheduled.  Its allowlist
        only grows while the crawl runs, so an address and port it passed, it passes again."""
        if self.guard is None or p.literal in self._passed:
            return True
        if self.guard.link_refusal(url):
            return False
        if len(self._passed) < _CACHED:
            self._passed.add(p.literal)
        return True

    def skip(self, url: str, depth: int, tally: Tally | None = None) -> bool:
        """Whether a GET request for url at depth would be dropped by the offsite filter or
        the dupefilter, and by nothing before them; if so, counted in tally (None: not
        counted) as they would count it."""
        if self.max_length and len(url) > self.max_length:
            return False  # UrlLengthMiddleware drops it (escaping adds, never removes)
        if self.max_depth and depth > self.max_depth:
            return False
        p = probe(url)
        if p is None or (self.max_length and p.length > self.max_length):
            return False
        if self.site_limits:
            limit = sitedepth.host_limit(self.site_limits, p.host)
            if limit is not None and depth > limit:
                return False
        tally = tally if tally is not None else Tally()
        if p.literal is not None and not self._guard_passes(url, p):
            return False  # refused (and logged) by the guard, every time
        if (self.offsite is not None and p.host in self.offsite.domains_seen
                and self.crawler.spider.allowed_domains == self.domains):
            tally.offsite += 1
            return True
        seen = self._dupefilter()
        if seen is not None and seen.seen(p.fingerprint):
            tally.duplicates += 1
            return True
        return False

    def remember(self, url: str, request: Request) -> None:
        """The request the spider built for a link (url): its probe, for when the link is met
        again, taken from the request itself where the dupefilter fingerprints it alike (it
        then finds the fingerprint worked out): no second request and fingerprint for it."""
        if url not in _probes and self._dupefilter() is not None:
            parts = urlparse_cached(request)  # the downloader's middlewares parse it too
            _remember(url, _made(request, parts.scheme, parts.netloc, parts.hostname))

    def too_deep(self, depth: int) -> bool:
        """Whether Scrapy's DepthMiddleware drops every request at depth (DEPTH_LIMIT), and has
        logged the one line it logs for that: the spider builds none (Tally.too_deep)."""
        return bool(self.depth_on and self.max_depth and depth > self.max_depth
                    and self.stats.get_value("depth/request_ignored_count"))

    def count(self, tally: Tally, depth: int) -> None:
        """Count a page's skipped links (at depth) as their requests would have been."""
        if tally.too_deep:
            self.stats.inc_value("depth/request_ignored_count", tally.too_deep)
        skipped = tally.duplicates + tally.offsite
        if tally.too_deep or skipped:
            self.stats.inc_value("discovery/known_links", tally.too_deep + skipped)
        if not skipped:
            return
        if self.depth_on:
            if self.verbose:
                self.stats.inc_value(f"request_depth_count/{depth}", skipped)
            self.stats.max_value("request_depth_max", depth)
        if tally.offsite:
            self.stats.inc_value("offsite/filtered", tally.offsite)
        if tally.duplicates:
            self.stats.inc_value("dupefilter/filtered", tally.duplicates)
