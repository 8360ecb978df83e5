"""Main-text extraction: pick the report's container by a content score, then trim chrome.

Hidden link farms and zero-size text go first (`hidden`), so they never weigh in.

The page is linearised once (lxml `iterwalk`) into lines, each owned by its innermost
block element.  A line's weight is positive for prose (CJK sentence punctuation, length)
and negative for link lists and short fragments; the element whose subtree has the largest
summed weight is the article container (the tightest one on ties).  Chrome lines at the
edges of the container (publish date, font-size buttons, share bars, footers, content-farm
intros) are then dropped by general patterns.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from itertools import chain

from lxml import etree

from pipelines.clean import byline
from pipelines.clean.chrome import (
    for_matching,
    inner_chrome,
    is_attachment_file,
    is_attachment_label,
    is_chrome,
    is_date_only,
    is_edge_junk,
    is_related_heading,
    is_report_name,
    is_site_name,
)
from pipelines.clean.hidden import remove_hidden_spam
from pipelines.clean.memo import Memo
from pipelines.clean.result import Removal

BLOCK_TAGS = frozenset(
    ["address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "td", "th", "tr", "ul", "caption", "br", "title"]
)
_PUNCT = frozenset("。，；！？、")  # sentence punctuation; ：is common in page chrome too
_WS_RE = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def teaser_items(body: etree._Element) -> set[etree._Element]:
    """Items of a list whose items are mostly links: related articles, "more news" teasers.

    The list's <li> children holding a link, when there are at least 4 of them and they are
    at least half its items.  Python over lxml's C tag filter: the same test as one XPath
    (count(li[.//a]) per list) costs several times more on a page of a few hundred elements.
    """
    found: set[etree._Element] = set()
    for lst in body.iter("ul", "ol"):
        items = [child for child in lst if child.tag == "li"]
        if len(items) < 4:
            continue
        # A link first in the item (most teasers) is found without a descendant iterator,
        # which costs more to make than the whole test.
        linked = [li for li in items
                  if len(li) and li[0].tag == "a" or next(li.iter("a"), None) is not None]
        if len(linked) >= 4 and len(linked) * 2 >= len(items):
            found.update(linked)
    return found


_CLIMB_TOLERANCE = 8.0  # summed weight an enclosing element may lose and still be taken


_CELLS = frozenset(("td", "th"))
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


@dataclass(slots=True)
class Line:
    text: str
    link_chars: int
    owner: etree._Element
    teaser: bool = False

    @property
    def weight(self) -> float:
        n, chrome, punct = _measures[self.text]  # a memo's subscript: its cheapest call
        if n == 0:
            return 0.0
        if self.link_chars > n / 2 or self.teaser or chrome:
            return -float(n)  # navigation, related links, link farms, info bars, footers
        own = n - self.link_chars
        if punct and n >= 10:
            return own + 2.0 * punct
        if n >= 40:
            return own * 0.5
        if self.owner.tag in _CELLS and not _CJK_RE.search(self.text):
            # A figure in a data table (1.5%, 12,345): neither prose nor chrome, so that a
            # budget appendix of 30,000 cells does not outweigh the report it follows.
            return 0.0
        return -1.0  # short fragment: menu item, breadcrumb, date


def _measure(text: str) -> tuple[int, bool, int]:
    """(characters but spaces, whether chrome, sentence marks) of a line."""
    n = len(text.replace(" ", ""))
    return n, n > 0 and is_chrome(text), sum(map(text.count, _PUNCT))


_measures = Memo(_measure)


_TAG_LIKE_RE = re.compile(r"<[A-Za-z/!?][^<>]*>")
_UNESCAPE_ROUNDS = 4  # layers of escaping undone; real pages have one or two


def _clean_line(text: str) -> str:
    """Collapse whitespace, drop control characters, and markup or entities that were
    escaped twice by the site (so they show as text and would leak into the output)."""
    text = _CONTROL_RE.sub("", text)
    for _ in range(_UNESCAPE_ROUNDS):
        before = text
        if "&" in text:
            text = html.unescape(text)
        if "<" in text:
            text = _TAG_LIKE_RE.sub("", text)
        if text == before:
            break
    else:
        # Still changing: nested on purpose (`&amp;amp;amp;…`, `<<<a>a>a>`), and peeling one
        # layer a round would be quadratic in the text.  Its markup characters go instead.
        text = text.replace("&", "").replace("<", "")
    if "\u200b" in text or "\ufeff" in text:
        return _WS_RE.sub(" ", text).strip()
    return " ".join(text.split())  # the same for every other (str.isspace) whitespace


# A site repeats its furniture and copies of a report their paragraphs: memoised by line.
clean_line = Memo(_clean_line)


class _AfterLast:
    """Stands after the last element of a walk: no element is its parent, so every element
    still open ends before it."""

    @staticmethod
    def getparent() -> None:
        return None


_AFTER_LAST = (_AfterLast,)


def linearize(body: etree._Element) -> list[Line]:
    """All text of `body` as lines, broken at block elements and <br>."""
    lines: list[Line] = []
    parts: list[str] = []
    add = parts.append
    blocks = BLOCK_TAGS
    link_chars = 0
    stack: list[etree._Element] = [body]
    in_link = 0
    teasers = teaser_items(body)
    in_teaser = 0
    open_els: list[etree._Element] = []  # started and not yet ended, innermost last

    def flush() -> None:
        # Only called with parts: link characters are only counted with a part.
        nonlocal link_chars
        raw = parts[0] if len(parts) == 1 else "".join(parts)
        text = "" if raw.isspace() else clean_line[raw]  # the memo's cheapest call
        if text:
            lines.append(Line(text, min(link_chars, len(text)), stack[-1], in_teaser > 0))
        parts.clear()
        link_chars = 0

    # iter()'s document order with the ends put in by parent: the elements that end before
    # one starts are the open ones it is not inside (iterwalk's event tuples cost more).
    # Whitespace with nothing before it in a line is no text (clean_line strips it), and
    # not kept: the breaks between paragraphs would each be a flush of their own.
    for el in chain(body.iter(), _AFTER_LAST):
        if open_els:
            parent = el.getparent()
            while open_els and open_els[-1] is not parent:
                done = open_els.pop()
                tag = done.tag
                if tag in blocks:
                    if parts:
                        flush()
                    if done is not body and stack and stack[-1] is done:
                        stack.pop()
                    if teasers and done in teasers:
                        in_teaser -= 1
                elif tag == "a":
                    in_link -= 1
                if (tail := done.tail) and done is not body and (parts or not tail.isspace()):
                    add(tail)
                    if in_link:
                        link_chars += len(tail.strip())
        if el is _AfterLast:
            break
        tag = el.tag
        if tag.__class__ is str and tag in blocks and not len(el) and el is not body:
            # A block without children (most paragraphs): its line is its own text, and
            # its end comes right after its start, adding only its tail.
            if parts:
                flush()
            if (text := el.text) and not text.isspace() and (line := clean_line[text]):
                teaser = in_teaser > 0 or bool(teasers) and el in teasers
                n = min(len(text.strip()), len(line)) if in_link else 0
                lines.append(Line(line, n, el, teaser))
            if (tail := el.tail) and (parts or not tail.isspace()):
                add(tail)
                if in_link:
                    link_chars += len(tail.strip())
            continue
        open_els.append(el)
        if tag.__class__ is not str:  # comments, processing instructions: no text of theirs
            continue
        if tag in blocks:
            if parts:
                flush()
            if el is not body:
                stack.append(el)
            if teasers and el in teasers:
                in_teaser += 1
        elif tag == "a":
            in_link += 1
        if (text := el.text) and (parts or not text.isspace()):
            add(text)
            if in_link:
                link_chars += len(text.strip())
    if parts:
        flush()
    return lines


def best_container(lines: list[Line]) -> etree._Element | None:
    """The element whose subtree sums the largest line weight (deepest on ties)."""
    own: dict[etree._Element, float] = {}  # weight of the lines an element owns itself
    depth: dict[etree._Element, int] = {}  # every owner and ancestor, in order first met
    parent_of: dict[etree._Element, etree._Element | None] = {}
    for line in lines:
        w = line.weight
        if w == 0:
            continue
        el = line.owner
        if el in own:
            own[el] += w
            continue
        own[el] = w
        if el in depth:  # met before as an ancestor
            continue
        anc = el.getparent()
        if anc in depth:  # most lines: a paragraph in a container met before
            depth[el] = depth[anc] + 1
            parent_of[el] = anc
            continue
        # Up to the first ancestor already met, by getparent(): an ancestor iterator
        # per owner costs more than the few steps it takes.
        chain = [el]
        while anc is not None and anc not in depth:
            chain.append(anc)
            anc = anc.getparent()
        above = 0 if anc is None else depth[anc]
        top = len(chain)
        for i, new in enumerate(chain):
            depth[new] = above + top - i
            parent_of[new] = chain[i + 1] if i + 1 < top else anc
    # Subtree sums, children before parents.  Weights are multiples of 0.5, so the sums
    # are exact in any order.
    scores = dict.fromkeys(depth, 0.0)
    scores.update(own)  # every owner is in depth: the order stays depth's
    for el in sorted(depth, key=depth.__getitem__, reverse=True):
        parent = parent_of[el]
        if parent is not None:
            scores[parent] += scores[el]
    if not scores:
        return None
    # The deepest of the highest, the first met of those: max() over (score, depth) pairs,
    # without a pair made per element.
    high = max(scores.values())
    best = max([el for el, score in scores.items() if score == high], key=depth.__getitem__)
    # Climb while the wider element costs only a few short lines: a heading block or a
    # dateline kept outside the paragraph that holds the prose still belongs to it.
    parent = best.getparent()
    while parent is not None and parent.tag not in ("body", "html") and parent in scores:
        loss = scores[best] - scores[parent]
        if loss > _CLIMB_TOLERANCE or loss > 0.05 * scores[best]:
            break
        best, parent = parent, parent.getparent()
    return best


# What a teaser adds to a repeated title: a tag like （全文） and a date.
_TEASER_TAIL_RE = re.compile(
    r"^[(（【\[]?(?:全文|图文|图解|附全文|视频)?[)）】\]]?(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)?$"
)


def _repeats(line: str, titles: list[str]) -> bool:
    """Whether the line repeats one of the titles (given as `_matchable` makes them)."""
    if not titles:
        return False
    a = _matchable[line]
    # A loop, not any() over a generator (a frame per line); the substring test first.
    for b in titles:  # noqa: SIM110
        if b in a and _same(a, b):
            return True
    return False


def _same(a: str, b: str) -> bool:
    """Line `a` repeats title `b` (both `_matchable`: spaces gone, script simplified),
    ignoring enclosing brackets, perhaps as a teaser: the title with a （全文） tag or a
    date after it."""
    # Each way below has b inside a: one substring search rejects most lines.
    if not a or not b or b not in a:
        return False
    if a == b or (len(b) >= 6 and a.strip("【】[]()（）") == b):
        return True
    return len(b) >= 6 and a.startswith(b) and bool(_TEASER_TAIL_RE.match(a[len(b) :]))


def _spaceless(line: str) -> str:
    return for_matching(line).replace(" ", "")


# Titles and lines are compared again and again, on page after page.
_matchable = Memo(_spaceless)


_PROSE_PUNCT_RE = re.compile(r"[。，；！？]")


def _is_prose(t: str) -> bool:
    return len(t) >= 25 and bool(_PROSE_PUNCT_RE.search(t)) and not is_chrome(t)


# A session line: 在X第十八届人民代表大会第二次会议上.
_SESSION_LINE_RE = re.compile(r"人民代表大会.{0,16}会议")
_SESSION_LINE_MAX = 60


def _dates_report(texts: list[str], i: int) -> bool:
    """A date alone on a line is an info bar's, unless it dates the session line next to
    it (（2023年1月12日） over 在…人民代表大会第二次会议上: the report's dateline) or the
    signature above it (县人民政府县长 某某 closing the report)."""
    return is_date_only(texts[i]) and (any(
        0 <= j < len(texts) and len(texts[j]) <= _SESSION_LINE_MAX
        and _SESSION_LINE_RE.search(texts[j]) for j in (i - 1, i + 1))
        or i > 0 and byline.office_line(texts[i - 1]) is not None)


_GOV_SUFFIX_RE = re.compile(r"(?:人民)?政府(?:门户网站?|网站|网|官网)?$")


def _logo(texts: list[str], i: int) -> bool:
    """A government's name alone on a line is the site's logo, unless the report's dateline
    or its name without the place comes next: then it is the issuer heading the report
    (北票市人民政府 / 政府工作报告 / ——2022年1月12日在市第十七届…会议上), often the only line
    naming its place.  Over a name that says the place itself, it adds nothing: a logo."""
    if not is_site_name(texts[i]):
        return False
    after = texts[i + 1] if i + 1 < len(texts) else ""
    if len(after) <= _SESSION_LINE_MAX and _SESSION_LINE_RE.search(after):
        return False
    place = _GOV_SUFFIX_RE.sub("", texts[i].replace(" ", ""))
    return not (is_report_name(after) and place not in after)


# A table of contents' heading over the report (its entries are in-page links, not text).
_TOC_RE = re.compile(r"^目\s*录$")
_VALUE_MAX = 30  # a byline field's value in a cell of its own: an office, a name, a date
_HEADING_MAX = 60


def trim_edges(texts: list[str], titles: list[str], removals: list[Removal]) -> list[str]:
    """Drop chrome in the head zone (before the first prose line) and the tail zone (after
    the last one), and title repeats in the head zone; the prose between is left alone."""
    first = next((i for i, t in enumerate(texts) if _is_prose(t)), len(texts))
    last = next((i for i in range(len(texts) - 1, first - 1, -1) if _is_prose(texts[i])), first)
    # Content-farm intros (下面是小编为大家整理的…) are prose-like but chrome: widen the
    # head zone past them.
    while first < len(texts) and is_chrome(texts[first]) and first < last:
        first = next((i for i in range(first + 1, len(texts)) if _is_prose(texts[i])), last)
    while last > first and is_chrome(texts[last]):
        last = next((i for i in range(last - 1, first - 1, -1) if _is_prose(texts[i])), first)
    end = _related_cut(texts, first, removals)
    titles = [_matchable(x) for x in titles]
    # A table of contents over the report: under a 目录 heading, head-zone lines that are
    # headings further down.
    toc = next((i for i in range(first) if _TOC_RE.match(texts[i])), None)
    below = set(texts[first:end]) if toc is not None else set()
    kept: list[str] = []
    label = False  # the line before was a bare label taken out (来源： in its own cell)
    for i, t in enumerate(texts[:end]):
        edge = i < first or i > last
        if edge and (is_chrome(t) and not _dates_report(texts, i) or is_edge_junk(t)) or (
            i < first and (_repeats(t, titles) or _TOC_RE.match(t)
                           or toc is not None and i > toc and len(t) <= _HEADING_MAX
                           and t in below)
        ) or i < first and _logo(texts, i) or i > last and is_attachment_file(t) or (
            edge and label and len(t) <= _VALUE_MAX and not _is_prose(t)
        ):
            removals.append(Removal("chrome", t[:200]))
            # Its value, in the next cell, goes with it: 来源： / 县政府办公室.
            label = t.rstrip().endswith(("：", ":")) and is_chrome(t)
            continue
        label = False
        if not _is_inner_chrome(t, titles, removals):
            kept.append(t)
    # A label left ending the text labels attachments taken out as links: nothing of the report.
    while kept and is_attachment_label(kept[-1]):
        removals.append(Removal("chrome", kept.pop()))
    return kept


def _related_cut(texts: list[str], first: int, removals: list[Removal]) -> int:
    """Index of a related-items heading (相关报道：) below the report's start, where the
    container's text ends; len(texts) if none.  Only a heading in the lower part of the
    text counts, so a misplaced one at the top never takes the report with it."""
    sizes = [len(t) for t in texts]
    total = sum(sizes)
    seen = 0
    for i, t in enumerate(texts):
        if i > first and seen > total - seen and is_related_heading(t):
            removals.append(Removal("chrome", f"related block of {len(texts) - i} lines: {t}"))
            return i
        seen += sizes[i]
    return len(texts)


_INNER_CHROME_RE = re.compile(
    r"^[【\[]?(打印本页|打印|关闭窗口|关闭|返回顶部|收藏|纠错|我要纠错|分享到?)[】\]]?$"
)


def _is_inner_chrome(t: str, titles: list[str], removals: list[Removal]) -> bool:
    """Furniture inside the article: tool bars, info and editor lines, captions, QR
    prompts, breadcrumbs, and the title repeated as a teaser."""
    if _furniture[t] or _repeats(t, titles):
        removals.append(Removal("chrome", t[:200]))
        return True
    return False


def _is_furniture(t: str) -> bool:
    return bool(_INNER_CHROME_RE.match(t.replace(" ", "")) or inner_chrome(t))


_furniture = Memo(_is_furniture)


_BELOW_LINES = 8


@dataclass
class Extraction:
    paragraphs: list[str]
    removals: list[Removal]
    all_lines: list[str]  # every line of the page body, for metadata outside the article
    before: list[str]  # plain lines just above the article (title candidates), nearest last
    below: list[str] = field(default_factory=list)  # page lines after its last paragraph


def extract(root: etree._Element, titles: list[str] | None = None) -> Extraction:
    """Paragraphs of the article in a de-spammed document, with the chrome trimmed."""
    body = root.find(".//body")
    if body is None:
        body = root
    hidden = remove_hidden_spam(root)
    lines = linearize(body)
    all_lines = [ln.text for ln in lines]
    container = best_container(lines)
    if container is None:
        return Extraction([], hidden, all_lines, [])
    inside = {container, *container.iter()}
    at = [i for i, ln in enumerate(lines) if ln.owner in inside]
    texts = [lines[i].text for i in at]
    start = at[0] if at else 0
    before = [ln.text for ln in lines[max(0, start - 6) : start]
              if ln.link_chars * 2 < len(ln.text) and not is_chrome(ln.text)]
    # Where sites put a byline under the article: the lines after its last paragraph.
    end = next((at[i] for i in range(len(at) - 1, -1, -1) if _is_prose(texts[i])), at[-1] if at else 0)
    below = all_lines[end + 1 : end + 1 + _BELOW_LINES]
    removals: list[Removal] = hidden
    return Extraction(trim_edges(texts, titles or [], removals), removals, all_lines, before, below)
