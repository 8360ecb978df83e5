"""A page's links: what Scrapy's LinkExtractor(tags=("a", "area"), attrs=("href",)) finds,
in the same order, for a fraction of its cost on the reactor thread.

LinkExtractor visits every element of the page in Python (a report page has hundreds of
paragraphs and a few dozen links) and parses each URL again for every filter: 3-4 ms a page,
a third of what plain Scrapy spends on a whole page.  Here lxml picks out the <a> and <area>
elements in C, and each distinct URL is made safe and judged once per process (the same
navigation links recur on every page of a site).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urljoin, urlparse, urlsplit

from lxml import etree
from parsel import Selector
from scrapy.http import TextResponse, XmlResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.selector import Selector as ScrapySelector
from scrapy.utils.response import get_base_url
from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

from crawler import discovery

_XHTML = "{http://www.w3.org/1999/xhtml}"  # tags of a page parsed as XML
_TAGS = ("a", "area", f"{_XHTML}a", f"{_XHTML}area")
_string = etree.XPath("string()")
_SCHEMES = frozenset(("http", "https", "file", "ftp"))  # what LinkExtractor calls a valid URL
# Attachments are archived and cleaned like pages, so their extensions stay crawlable;
# discovery.link_kind decides which attachment links look like reports.
DENIED_EXTENSIONS = tuple(f".{e}" for e in IGNORED_EXTENSIONS
                          if e not in discovery.ATTACHMENT_EXTENSIONS)
# Distinct URLs each cache remembers, of up to _CACHED_LENGTH characters (longer ones are
# worked out each time): a few MB at most whatever the pages link to.
_CACHED = 8192
_CACHED_LENGTH = 256
# An absolute http(s) URL with a host: joined to any base of the same scheme, the result
# depends on nothing else of the base.
_ABSOLUTE = re.compile(r"https?://[^/?#]")


class Link(NamedTuple):
    url: str
    text: str


def extract_links(response: TextResponse, denied: Iterable[str] = DENIED_EXTENSIONS,
                  dealt_with: Callable[[str], bool] | None = None) -> list[Link]:
    """Each followable link of the page once, first occurrence first, with its text.

    dealt_with(url) true leaves a link out before its text is read (the spider's links met
    before, crawler.knownlinks: most of a page's)."""
    url = response.url
    base = _base(response)
    base_origin, origin = _origin(base), _origin(url)
    encoding = response.encoding
    denied = tuple(denied)
    seen: set[str] = set()
    links: list[Link] = []
    for element in _root(response).iter(*_TAGS):
        href = element.get("href")
        if href is None:
            continue
        try:
            safe = _safe(_join(base, base_origin, strip_html5_whitespace(href)), encoding)
        except ValueError:  # a bogus link: skipped, as LinkExtractor does
            continue
        if safe is None:
            continue
        link = _join(url, origin, safe)  # as LinkExtractor does, after making it safe
        if link in seen or not _allowed(link, denied):
            continue
        seen.add(link)
        if dealt_with is None or not dealt_with(link):
            links.append(Link(link, _string(element) or ""))
    return links


def _root(response: TextResponse) -> etree._Element:
    """The page's parse tree; Scrapy's own selector raises on an unusable <base href>.

    Not response.selector, which the response would keep: the selector refers back to it, a
    cycle only a full gc pass frees, holding the body, its text and its lxml tree (tens of MB
    for a large page) long after the page is done.  The links are all it is parsed for."""
    try:
        return ScrapySelector(response).root
    except ValueError:
        kind = "xml" if isinstance(response, XmlResponse) else "html"
        return Selector(text=response.text, type=kind, base_url=response.url).root


def _base(response: TextResponse) -> str:
    """The page's <base href>, or its URL when that base is unusable (as browsers do): one
    bad tag must not cost the page all its links."""
    try:
        base = get_base_url(response)
        urlsplit(base)
    except ValueError:
        return response.url
    return base


def _origin(url: str) -> str:
    """scheme://host/ of a URL ("" if it has none that urljoin could use)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}/"


def _join(base: str, origin: str, href: str) -> str:
    """urljoin(base, href), from the cache when only base's scheme and host matter: for a
    path from the root or an absolute http(s) URL, which recur on every page of a site."""
    if origin and ((href[:1] == "/" and href[1:2] != "/") or _ABSOLUTE.match(href)):
        return _cached_join(origin, href) if len(href) <= _CACHED_LENGTH else urljoin(origin, href)
    return urljoin(base, href)


_cached_join = lru_cache(maxsize=_CACHED)(urljoin)


def _safe(url: str, encoding: str) -> str | None:
    return _cached_safe(url, encoding) if len(url) <= _CACHED_LENGTH else _safe_url(url, encoding)


def _safe_url(url: str, encoding: str) -> str | None:
    try:
        return safe_url_string(url, encoding=encoding)
    except ValueError:
        return None


_cached_safe = lru_cache(maxsize=_CACHED)(_safe_url)


def _allowed(url: str, denied: tuple[str, ...]) -> bool:
    return _cached_allowed(url, denied) if len(url) <= _CACHED_LENGTH else _followable(url, denied)


def _followable(url: str, denied: tuple[str, ...]) -> bool:
    if url.split("://", 1)[0] not in _SCHEMES:
        return False
    return not urlparse(url).path.lower().endswith(denied)


_cached_allowed = lru_cache(maxsize=_CACHED)(_followable)
