"""Articles split over several pages: which page is which part, and where the others are.

Government CMSs split a long article into ``t20230112_123456.html`` (the first part),
``t20230112_123456_1.html``, ``t20230112_123456_2.html`` … (the TRS convention the
createPageHTML pager also follows: page n of "prefix" is ``prefix_n.html``).  A page is a
part only when the page itself says so: a ``createPageHTML(count, current, "stem", "html")``
pager whose stem is the page's own, or links (下一页, page numbers) to siblings named after
its own stem.  The crawler follows the parts (crawler/discovery.py) and the database writer
stitches them into one report row (pipelines/store/stitch.py).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from pipelines.clean import classify
from pipelines.clean.result import CleanResult

_NAME_RE = re.compile(r"^(?P<base>.+?)\.(?P<ext>s?html?|jsp|php|aspx?)$", re.IGNORECASE)
_NUMBERED_RE = re.compile(r"^(?P<stem>.+)_(?P<n>\d{1,3})$")
MAX_PARTS = 50  # a pager claiming more is no article's
_LIST_STEMS = {"index", "list", "default"}  # index_2.html is a list's page, not an article's
_JS_PAGER_RE = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_JS_ARG_RE = re.compile(r"""\s*(?:(-?\d+)|["']([^"']*)["']|[\w.$]+)\s*""")
_PAGE_SUFFIXES = ("html", "htm", "shtml", "jsp", "php", "aspx")


def js_pagers(html: str) -> list[tuple[str, int, str]]:
    """(prefix, page count, suffix) of every createPageHTML(...) JS pager in the page.

    TRS sites call ``createPageHTML(countPage, currentPage, "index", "html")`` (newer ones
    put a div id first and a record count last); page 0 is index.html, page n index_n.html.
    Articles split over pages carry the same pager with their own name as the prefix.
    """
    pagers = []
    for match in _JS_PAGER_RE.finditer(html):
        numbers, strings = [], []
        for arg in match.group(1).split(","):
            m = _JS_ARG_RE.fullmatch(arg)
            if not m:
                continue
            if m.group(1) is not None:
                numbers.append(int(m.group(1)))
            elif m.group(2) is not None:
                strings.append(m.group(2))
        if not numbers or len(strings) < 2 or strings[-1].lower() not in _PAGE_SUFFIXES:
            continue
        if re.fullmatch(r"[\w-]+", strings[-2]):
            pagers.append((strings[-2], numbers[0], strings[-1]))
    return pagers


@dataclass(frozen=True)
class Parts:
    """Where a page sits in a multi-page article."""

    first: str  # URL of part 0, the article's own URL
    index: int  # this page's part, 0-based
    urls: tuple[str, ...]  # every part the page shows, in order (part 0 first)


def _split(url: str) -> tuple[str, str, str] | None:
    """(directory URL, base name, extension) of a page URL without query or fragment."""
    try:
        p = urlsplit(url)
    except ValueError:  # a malformed link on a page is not the page's problem
        return None
    if p.query or p.fragment:
        return None
    m = _NAME_RE.match(posixpath.basename(p.path))
    if not m:
        return None
    directory = urlunsplit((p.scheme, p.netloc, posixpath.dirname(p.path) + "/", "", ""))
    return directory, m.group("base"), m.group("ext")


def part_url(first: str, n: int) -> str:
    split = _split(first)
    assert split is not None, first
    directory, stem, ext = split
    return urljoin(directory, stem + ("" if n == 0 else f"_{n}") + "." + ext)


def _index_in(stem: str, base: str) -> int | None:
    """The part number `base` has in the article `stem`: 0 for the stem itself."""
    if stem.lower() in _LIST_STEMS:
        return None
    if base == stem:
        return 0
    m = _NUMBERED_RE.match(base)
    if m and m.group("stem") == stem and 0 < int(m.group("n")) < MAX_PARTS:
        return int(m.group("n"))
    return None


def sibling_index(url: str, page_url: str) -> int | None:
    """The part number of `url` if it is another part of the article at `page_url`."""
    a, b = _split(url), _split(page_url)
    if a is None or b is None or a[0] != b[0] or a[2] != b[2] or a[1] == b[1]:
        return None
    for stem in _stems(b[1]):
        if (n := _index_in(stem, a[1])) is not None:
            return n
    return None


def _stems(base: str) -> list[str]:
    """The article stems a page name may belong to: itself, or itself minus a _n suffix."""
    m = _NUMBERED_RE.match(base)
    return [base, m.group("stem")] if m else [base]


def of_page(url: str, hrefs: Iterable[str], html: str) -> Parts | None:
    """Where the page at `url` sits in a multi-page article, from its pager and links."""
    own = _split(url)
    if own is None:
        return None
    directory, base, ext = own
    found: dict[str, set[int]] = {}  # stem -> part numbers seen (the page's own included)
    for prefix, count, suffix in js_pagers(html):
        if suffix.lower() == ext.lower() and base in (prefix, *(
                f"{prefix}_{i}" for i in range(1, min(count, MAX_PARTS)))):
            found.setdefault(prefix, set()).update(range(min(count, MAX_PARTS)))
    shortest = _stems(base)[-1]
    for href in hrefs:
        if shortest not in href:  # cheap: most of a page's links are no sibling of it
            continue
        try:
            other = _split(urljoin(url, href.strip()))
        except ValueError:  # http://[::1 and the like
            continue
        if other is None or other[0] != directory or other[2] != ext or other[1] == base:
            continue
        for stem in _stems(base):
            if (n := _index_in(stem, other[1])) is not None:
                found.setdefault(stem, set()).add(n)
    for stem in _stems(base):
        numbers = found.get(stem)
        own_index = _index_in(stem, base)
        if not numbers or own_index is None:
            continue
        numbers = numbers | {own_index}
        # A part other than the first is only evidence together with a second sibling or the
        # first part itself: t_2 linking t_1 alone could be any two numbered pages.
        if len(numbers) < 2 or (own_index > 0 and 0 not in numbers and len(numbers) < 3):
            continue
        first = urljoin(directory, f"{stem}.{ext}")
        count = max(numbers) + 1
        return Parts(first, own_index, tuple(part_url(first, n) for n in range(count)))
    return None


def mark(r: CleanResult, url: str, hrefs: list[str], html: str, lines: list[str]) -> None:
    """Record where a report's page sits in an article split over pages.  The first part is
    a report (a fragment until stitched) if it opens as one; a later part is no report of
    its own: the database writer stitches it to the first (pipelines/store/stitch.py)."""
    if not (r.is_report or classify.is_report_title(r.title)):
        return
    found = of_page(url, hrefs, html)
    if found is None:
        return
    r.part_of, r.part_index, r.part_urls = found.first, found.index, list(found.urls)
    if found.index > 0:
        r.is_report = r.is_fragment = False
    elif not r.is_report and classify.opens_report(r.title, lines):
        r.is_report = r.is_fragment = True
