"""A page's links: what Scrapy's LinkExtractor(tags=("a", "area"), attrs=("href",)) finds,
in the same order, for a fraction of its cost on the reactor thread.

LinkExtractor visits every element of the page in Python (a report page has hundreds of
paragraphs and a few dozen links) and parses each URL again for every filter: 3-4 ms a page,
a third of what plain Scrapy spends on a whole page.  Here lxml picks out the <a> and <area>
elements in C, and each distinct URL is made safe and judged once per process (the same
navigation links recur on every page of a site): an href whose link depends only on the page's
origin is looked up whole, in one dict (_Resolved).

A page's links are read up to limits, in its first LINKS_MAX_BYTES and from its first
LINKS_MAX_PER_PAGE hrefs: parsing costs about 60 ms a MB and each link tens of microseconds,
on the reactor, so a hostile page of 300,000 links held up every download for over 20 s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urljoin, urlparse, urlsplit

from lxml import etree
from parsel import Selector
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.selector import Selector as ScrapySelector
from scrapy.utils.response import get_base_url
from w3lib.encoding import http_content_type_encoding, read_bom
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


class PageLinks(NamedTuple):
    """A page's links, and what the limits left unread: hrefs, and bytes of the page."""

    links: list[Link]
    hrefs_left: int
    bytes_left: int


class _Resolved:
    """href -> the link it makes (None: none to follow), per page context (the origins of the
    page and of its base, its encoding, the denied extensions), for hrefs whose link depends on
    nothing else: a path from the root or an absolute http(s) URL, the links every page of a
    site repeats.  Holds at most `size` hrefs and contexts: once full, it starts afresh at the
    next page."""

    def __init__(self, size: int):
        self.size = size
        self.held = 0
        self.tables: dict[tuple[str, str, str, tuple[str, ...]], dict[str, str | None]] = {}

    def clear(self) -> None:
        self.tables.clear()
        self.held = 0

    def table(self, context: tuple[str, str, str, tuple[str, ...]]) -> dict[str, str | None]:
        if self.held >= self.size:
            self.clear()
        if (table := self.tables.get(context)) is None:
            # A context counts as an href does: pages naming ever new bases (a content farm
            # can) must not pile up empty tables, one per page.
            table = self.tables[context] = {}
            self.held += 1
        return table

    def add(self, table: dict[str, str | None], href: str, link: str | None) -> None:
        if self.held < self.size and len(href) <= _CACHED_LENGTH:
            table[href] = link
            self.held += 1


_resolved = _Resolved(_CACHED)
_UNKNOWN = ""  # no link is empty: a join with an absolute base never gives ""


def extract_links(response: TextResponse, denied: Iterable[str] = DENIED_EXTENSIONS,
                  dealt_with: Callable[[str], bool] | None = None) -> list[Link]:
    """Each followable link of the page once, first occurrence first, with its text.

    dealt_with(url) true leaves a link out before its text is read (the spider's links met
    before, crawler.knownlinks: most of a page's)."""
    return page_links(response, None, None, denied, dealt_with).links


def page_links(response: TextResponse, limit: int | None, max_bytes: int | None,
               denied: Iterable[str] = DENIED_EXTENSIONS,
               dealt_with: Callable[[str], bool] | None = None) -> PageLinks:
    """extract_links's links from the first `limit` hrefs (None: all of them) in the first
    `max_bytes` of the page's text as UTF-8 (None: all of it), cut at a character's start."""
    url = response.url
    base = _base(response)
    base_origin, origin = _origin(base), _origin(url)
    encoding = response.encoding
    denied = tuple(denied)
    known = _resolved.table((base_origin, origin, encoding, denied))
    seen: set[str] = set()
    links: list[Link] = []
    root, bytes_left = _root(response, encoding, max_bytes)
    if root is None:
        return PageLinks(links, 0, bytes_left)
    read, cut = 0, 0
    for element in root.iter(*_TAGS):
        href = element.get("href")
        if href is None:
            continue
        if limit is not None and read >= limit:
            cut += 1  # only counted: cheap next to resolving it
            continue
        read += 1
        link = known.get(href, _UNKNOWN)
        if link == _UNKNOWN:
            link, same_everywhere = _resolve(href, base, base_origin, url, origin, encoding,
                                             denied)
            if same_everywhere:
                _resolved.add(known, href, link)
        if link is None or link in seen:
            continue
        seen.add(link)
        if dealt_with is None or not dealt_with(link):
            links.append(Link(link, _string(element) or ""))
    return PageLinks(links, cut, bytes_left)


def _resolve(href: str, base: str, base_origin: str, url: str, origin: str, encoding: str,
             denied: tuple[str, ...]) -> tuple[str | None, bool]:
    """The link an href makes, as LinkExtractor makes it (None: a bogus or unfollowable one),
    and whether it depends on the page only through its context (_Resolved)."""
    href = strip_html5_whitespace(href)
    same_everywhere = _origin_only(href, base_origin)
    try:
        safe = _safe(_join(base, base_origin, href), encoding)
    except ValueError:  # a bogus link: skipped, as LinkExtractor does
        return None, same_everywhere
    if safe is None:
        return None, same_everywhere
    link = _join(url, origin, safe)  # as LinkExtractor does, after making it safe
    return (link if _allowed(link, denied) else None), same_everywhere and _origin_only(safe, origin)


def _root(response: TextResponse, encoding: str,
          max_bytes: int | None) -> tuple[etree._Element | None, int]:
    """The parse tree of the page's first max_bytes, as Scrapy's selector parses it (Scrapy's
    own selector raises on an unusable <base href>), and the bytes left out.  None for a body
    that parses as JSON (a JSON response, or text that is JSON): it has no elements to hold
    links.

    Not response.selector, which the response would keep: the selector refers back to it, a
    cycle only a full gc pass frees, holding the body, its text and its lxml tree (tens of MB
    for a large page) long after the page is done.  The links are all it is parsed for."""
    if isinstance(response, HtmlResponse):
        return _html_root(response, encoding, max_bytes)
    kind = "xml" if isinstance(response, XmlResponse) else "html"
    # Encoded only when it may be over the limit (UTF-8 takes at most 4 bytes a character):
    # a sitemap is otherwise encoded again by the selector.
    may_be_over = max_bytes is not None and 4 * len(response.text) > max_bytes
    data = response.text.encode("utf-8") if may_be_over else b""
    if max_bytes is not None and len(data) > max_bytes:
        head = _head(data, max_bytes)
        root = Selector(text=head.decode("utf-8"), type=kind, base_url=response.url).root
        left = len(data) - len(head)
    else:
        try:
            root = ScrapySelector(response).root
        except ValueError:
            root = Selector(text=response.text, type=kind, base_url=response.url).root
        left = 0
    return (root if isinstance(root, etree._Element) else None), left


def _html_root(response: HtmlResponse, encoding: str,
               max_bytes: int | None) -> tuple[etree._Element, int]:
    """What parsel's create_root_node builds for an HTML response's text (its first max_bytes),
    with lxml's plain elements (no lxml.html class look-up for each) and without the text
    encoded back to UTF-8 where the body already is those bytes; and the bytes left out."""
    text = response.text
    data = _utf8_body(response, encoding, text)
    if data is None:
        data = text.strip().replace("\x00", "").encode("utf-8")
    left = 0
    if max_bytes is not None and len(data) > max_bytes:
        head = _head(data, max_bytes)
        data, left = head, len(data) - len(head)
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True,
                              collect_ids=False)
    root = etree.fromstring(data or b"<html/>", parser=parser)
    if root is None:  # nothing but a comment, say: parsel's stand-in
        root = etree.fromstring(b"<html/>", parser=parser)
    return root, left


def _head(data: bytes, size: int) -> bytes:
    """The first `size` bytes of UTF-8 text, less a character cut in two at the end."""
    end = size
    while end > 0 and data[end] & 0xC0 == 0x80:  # a continuation byte: inside a character
        end -= 1
    return data[:end]


def _utf8_body(response: TextResponse, encoding: str, text: str) -> bytes | None:
    """The body, if it is text.strip().replace("\x00", "").encode("utf-8") byte for byte: the
    text was decoded from it as UTF-8 (as TextResponse.text decodes: no BOM, the encoding
    named in a charset parameter) with nothing replaced, and nothing is stripped or removed."""
    body = response.body
    if (_is_utf8(encoding) and read_bom(body)[0] is None and "\ufffd" not in text
            and "\x00" not in text and len(text.strip()) == len(text)):
        return body
    return None


@lru_cache(maxsize=64)
def _is_utf8(encoding: str) -> bool:
    return http_content_type_encoding(f"charset={encoding}") == "utf-8"


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


def _origin_only(href: str, origin: str) -> bool:
    """Whether urljoin(base, href) depends only on base's scheme and host (origin): for a
    path from the root or an absolute http(s) URL, which recur on every page of a site."""
    return bool(origin) and ((href[:1] == "/" and href[1:2] != "/")
                             or _ABSOLUTE.match(href) is not None)


def _join(base: str, origin: str, href: str) -> str:
    """urljoin(base, href), from the cache when only base's origin matters (_origin_only)."""
    if _origin_only(href, origin):
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
