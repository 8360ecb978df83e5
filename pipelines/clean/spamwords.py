"""Remove gambling/porn/fake-certificate SEO phrases pasted into titles and text.

Two rules over the lexicon in `spam_lexicon.txt`:
  * a keyword chain: two or more spam units joined by `_ | - , ，、` where at least one
    unit holds a strong term;  a unit is a run made only of lexicon terms (strong or weak)
    and brand-like tokens (`365`, `365bet`, `完美体育365`), so it can never swallow an
    ordinary word: 体育, 体育场, 体育彩票, 全民健身 are not units;
  * a lone unit holding a strong term (完美体育365 on its own, 百家乐).
Weak terms (彩票, 色情, 发票 ...) count only inside a chain with a strong term.
Spam without a lexicon entry is found by its shape: a 【…】 group, or a segment of the
title (the first line) between `_ | — -` separators, that ends in casino vocabulary (the
`/cue` groups: 娱乐, 投注, 真人, 官网 …) with at most a brand name before it goes whole,
whatever brand it names; every phrase so found, and its brand glued to casino words, is
then removed wherever else it stands on the page (spliced mid-sentence).  A match inside an
`[ordinary]` word (娱乐场所, 体育彩票) is never spam.  An ordinary word is a chain member
like a weak term (spam chains list 体育彩票 too: 澳门赌场_体育彩票_百家乐 goes whole), but
one at a chain's end stays, as the text's own (某某县政府官网_百家乐 keeps 某某县政府官网).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib.resources import files

from pipelines.clean.memo import Memo
from pipelines.clean.result import Removal

# Read through importlib.resources, so it also loads from a zipped egg (Scrapyd).
LEXICON = files("pipelines.clean") / "spam_lexicon.txt"
_SEP = r"[_|｜\-,，、]"
# A brand: digits and Latin glued together (365bet, bet365, 188) or a short CJK name with
# a number (完美体育365).
_BRAND = r"(?:\d{2,4}[a-z]{2,8}|[a-z]{2,8}\d{2,4}|\d{3}|[\u4e00-\u9fff]{2,4}\d{2,4}(?![\d.%]))"


@cache
def _groups() -> dict[str, list[str]]:
    """Terms by role: strong, weak, cue, ordinary (the suffix of the `[…]` header)."""
    groups: dict[str, list[str]] = {"strong": [], "weak": [], "cue": [], "ordinary": []}
    group = groups["strong"]
    for raw in LEXICON.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            name = line.strip("[]")
            role = "ordinary" if name == "ordinary" else name.rpartition("/")[2]
            group = groups.get(role, groups["strong"])
            continue
        group.append(line.lower())
    return groups


def lexicon() -> tuple[list[str], list[str]]:
    """(strong terms, weak terms); cue terms are weak chain members too."""
    g = _groups()
    return g["strong"], g["weak"] + g["cue"]


def _alternation(terms: list[str]) -> re.Pattern[str] | None:
    terms = sorted(set(terms), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, terms)), re.IGNORECASE) if terms else None


@cache
def _cue_re() -> re.Pattern[str] | None:
    g = _groups()
    return _alternation(g["cue"] + g["strong"])


@cache
def _cue_split() -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """`_cue_re`'s terms as (caseless ones, matched as they are; the others, ignoring case):
    a case-insensitive scan is ten times slower, and most terms are CJK."""
    g = _groups()
    terms = sorted(set(g["cue"] + g["strong"]), key=len, reverse=True)
    caseless = [t for t in terms if all(c.lower() == c == c.upper() for c in t)]
    cased = [t for t in terms if t not in caseless]
    plain = re.compile("|".join(map(re.escape, caseless))) if caseless else None
    return plain, _alternation(cased)


def _any_cue(text: str) -> bool:
    """Whether `_cue_re` finds anything in `text`."""
    return any(p is not None and p.search(text) for p in _cue_split())


@cache
def _ordinary_re() -> re.Pattern[str] | None:
    return _alternation(_groups()["ordinary"])


def _ordinary_spans(text: str) -> list[tuple[int, int]]:
    ordinary = _ordinary_re()
    return [m.span() for m in ordinary.finditer(text)] if ordinary else []


class _Spans:
    """A text's ordinary-word spans (disjoint, in order), asked about in log time: a spam
    line holds thousands of matches and as many ordinary words."""

    def __init__(self, text: str):
        spans = _ordinary_spans(text)
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]

    def crossed(self, start: int, end: int) -> bool:
        """Whether an ordinary word reaches across `start` or `end`, into [start, end) and
        out of it."""
        k = bisect_right(self.ends, start)  # the first word ending after start
        if k < len(self.starts) and self.starts[k] < start < self.ends[k]:
            return True
        k = bisect_left(self.starts, end) - 1  # the last word starting before end
        return k >= 0 and self.starts[k] < end < self.ends[k]

    def touched(self, start: int, end: int) -> bool:
        """Whether an ordinary word overlaps [start, end)."""
        k = bisect_right(self.ends, start)
        return k < len(self.starts) and self.starts[k] < end


def _has_cue(text: str) -> bool:
    """Casino vocabulary outside any ordinary word."""
    cue = _cue_re()
    if cue is None:
        return False
    spans = _ordinary_spans(text)
    return any(not any(a <= m.start() < b for a, b in spans) for m in cue.finditer(text))


def _spam_shaped(text: str) -> bool:
    """Casino vocabulary with at most a brand name beside it: what is left once the
    vocabulary is cut out is short (鑫X国际 of 鑫X国际娱乐官网), so a segment that also
    holds real words (铁东区政府工作报告) is never taken whole."""
    cue = _cue_re()
    if cue is None or not _has_cue(text):
        return False
    # Brands stand before the vocabulary (鑫X国际娱乐官网); words after its last term are
    # real text glued to it, and a year or date beside it belongs to a real title.
    ends = [m.end() for m in cue.finditer(text)]
    if not ends or _WORDISH_RE.search(text[ends[-1] :]):
        return False
    rest = _WORDISH_RE.findall(cue.sub("", text))
    return sum(map(len, rest)) <= _BRAND_MAX and not any(_DATE_RE.search(r) for r in rest)


# Cached: a site repeats its link texts (navigation, friend links) on every page; callers
# pass short texts only (hidden.py: at most 40 characters).
@lru_cache(maxsize=4096)
def is_spam_link(text: str) -> bool:
    """A link's text made spam by casino vocabulary: a strong term, or two distinct cue
    terms (one, like 娱乐, is also a news site's section name)."""
    text = text.lower()
    if not _spam_shaped(text):
        return False
    strong, cue = _strong_any(), _cue_re()
    if strong is not None and strong.search(text):
        return True
    return cue is not None and len({m.group().lower() for m in cue.finditer(text)}) >= 2


# A bracketed group (【澳门X官网】) and a segment of a `_ | ｜` chain, with its separator.
_BRACKET_RE = re.compile(r"[【〖\[]([^【】〖〗\[\]\n]{1,40})[】〗\]]")
_OPENER_RE = re.compile(r"[【〖\[]")
# A hyphen separates segments only with spaces around it or between CJK (not 2021-01-05).
_SEGMENT_SEP_RE = re.compile(r"\s*[_|｜—]\s*|\s+-\s+|(?<=[\u4e00-\u9fff])-(?=[\u4e00-\u9fff])")
_SEGMENT_MAX = 40
_WORDISH_RE = re.compile(r"[\w]+")
_BRAND_MAX = 6
_TOKEN_RE = re.compile(r"[\s_|｜,，、;；]+")
_DATE_RE = re.compile(r"\d+[年月日]|(?:19|20)\d\d")
_EDGE_SEP_RE = re.compile(rf"^(?:{_SEGMENT_SEP_RE.pattern})+|(?:{_SEGMENT_SEP_RE.pattern})+$")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]+")
_CLAUSE_RE = re.compile(r"[。，；：！？,;:]")
_PHRASE_MIN = 3  # shorter learned phrases could be ordinary words elsewhere


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    strong, weak = lexicon()
    terms = sorted(set(strong + weak + _groups()["ordinary"]), key=len, reverse=True)
    lex = "|".join(re.escape(t) for t in terms)
    unit = rf"(?:{_BRAND}(?:{lex})*|(?:\d{{2,4}}|[a-z]{{2,8}})?(?:{lex})+)"
    # One separator before the chain goes with it, so "标题_百家乐" leaves "标题"; one after
    # it only at the line's end (a keyword list's last), where no text follows.
    chain = re.compile(rf"{_SEP}?{unit}(?:{_SEP}{unit})*(?:{_SEP}(?=\s*$))?", re.IGNORECASE)
    strong_re = re.compile("|".join(re.escape(t) for t in sorted(strong, key=len, reverse=True)),
                           re.IGNORECASE)
    return chain, strong_re


@cache
def _ordinary_edges() -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """A chain's ordinary members at its start (with the separators after them), and at its
    end (with the separators before them)."""
    ordinary = _groups()["ordinary"]
    if not ordinary:
        return None
    alt = "|".join(map(re.escape, sorted(set(ordinary), key=len, reverse=True)))
    return (re.compile(rf"(?:(?:{alt}){_SEP}?)+(?=.)", re.IGNORECASE | re.DOTALL),
            re.compile(rf"(?:{_SEP}?(?:{alt}))+$", re.IGNORECASE))


def _word_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or "\u4e00" <= text[i] <= "\u9fff")


@cache
def _strong_any() -> re.Pattern[str] | None:
    """Finds whether any strong term occurs in lowered text (None: there are none), in one
    scan instead of one per term."""
    strong, _ = lexicon()
    return re.compile("|".join(map(re.escape, strong))) if strong else None


def _spammy(chain: str, strong_re: re.Pattern[str]) -> bool:
    return bool(strong_re.search(chain))


def strip_spam_words(text: str, hidden: Iterable[str] = ()) -> tuple[str, list[Removal]]:
    """(text without SEO spam phrases, one `spam_word` removal per phrase).  Never raises.

    `hidden`: texts the page hid or linked as spam (removed link farms, zero-size boxes):
    their spam-shaped words are the page's own spam, found again where spliced into prose.
    """
    removals: list[Removal] = []
    try:
        seeds = learn_phrases(hidden)
        while True:  # to a fixed point: one removal can bring a new chain together
            text, found = _strip(text, seeds)
            if not found:
                return text, removals
            removals += found
    except Exception:  # a cleaning stage must not take the page down with it
        return text, removals


def _strip(text: str, seeds: set[str]) -> tuple[str, list[Removal]]:
    strong = _strong_any()
    # A search for the terms is far cheaper than the chain regex: most pages have none.
    # Lines holding a strong term, and (below) lines that can hold a 【…】 group: a line
    # left unchanged needs no search of its own (no term spans a line break; removals only
    # shorten a line, so none brings a bracket in).
    if Memo.enabled:
        lines = text.split("\n")
        flags = list(map(_line_flags.__getitem__, lines))
        strong_lines = {n for n, (has, _, _) in enumerate(flags) if has}
        if not strong_lines and not any(cue for _, cue, _ in flags):
            return text, []
        shaped = {n for n, (_, _, opens) in enumerate(flags) if opens}
    else:  # one scan of the whole text each
        strong_lines = _lines_with(strong, text.lower()) if strong is not None else set()
        if not strong_lines and not _any_cue(text):
            return text, []
        lines = text.split("\n")
        shaped = _lines_with(_OPENER_RE, text)
    has_strong = bool(strong_lines)
    removals: list[Removal] = []
    learned = set(seeds)
    shaped.add(0)  # the title is also cut at its separators

    # First learn the page's own spam phrases and brands from its shapes (often in the
    # title), so that they are found spliced into the prose before the chain rule cuts them.
    for n in sorted(shaped):
        _strip_shapes(lines[n], [], learned, title=n == 0)
    brands = _brands(learned) if learned else None
    for n, line in enumerate(lines):
        if learned:
            line = _strip_learned(line, learned, brands, removals)
        if n in shaped:
            line = _strip_shapes(line, removals, set(), title=n == 0)
        if has_strong and (n in strong_lines if line == lines[n]
                           else strong.search(line.lower())):
            line = _strip_line(line, removals)
        if n == 0 and line != lines[0]:  # a title chain's separators go with its spam
            line = _EDGE_SEP_RE.sub("", line)
        lines[n] = line
    return "\n".join(lines), removals


def _flags(line: str) -> tuple[bool, bool, bool]:
    """(a strong term, a cue term, a bracket opener) in the line."""
    strong = _strong_any()
    has = strong is not None and bool(strong.search(line.lower()))
    return has, has or _any_cue(line), bool(_OPENER_RE.search(line))


# Copies of a report repeat its lines page after page: their flags are memoised.
_line_flags = Memo(_flags)


def _lines_with(pattern: re.Pattern[str], text: str) -> set[int]:
    """Numbers of the lines of `text` where `pattern` matches: the scan finds every line's
    leftmost match when no match spans a line break."""
    found: set[int] = set()
    line_no = pos = 0
    for m in pattern.finditer(text):
        line_no += text.count("\n", pos, m.start())
        pos = m.start()
        found.add(line_no)
    return found


def _known_chain(part: str) -> bool:
    """Made only of lexicon terms and brands: the chain rule takes it, with its neighbours
    in the same chain, as one phrase."""
    chain_re, strong_re = _patterns()
    m = chain_re.fullmatch(part.strip())
    return m is not None and _spammy(m.group(), strong_re)


def _strip_shapes(line: str, removals: list[Removal], learned: set[str],
                  title: bool = False) -> str:
    """Remove 【…】 groups, and in the title `_ |` segments, that hold casino vocabulary;
    learn them."""
    while True:  # terminates: every change shortens the line
        before = line
        for m in _BRACKET_RE.finditer(line):
            if _spam_shaped(m.group(1)) and not _known_chain(m.group(1)):
                removals.append(Removal("spam_word", m.group()))
                learned.add(m.group(1).strip())
                line = line[: m.start()] + line[m.end() :]
                break
        # Only the title (the first line, as clean() passes it) is a chain of segments: in
        # prose a segment would hold real words around the spam.
        if title and _SEGMENT_SEP_RE.search(line) and not _CLAUSE_RE.search(line):
            line = _strip_segments(line, removals, learned)
        if line == before:
            return line


def _strip_segments(line: str, removals: list[Removal], learned: set[str]) -> str:
    parts = _SEGMENT_SEP_RE.split(line)
    seps = _SEGMENT_SEP_RE.findall(line)
    keep: list[str] = []
    for i, part in enumerate(parts):
        if (part.strip() and len(part) <= _SEGMENT_MAX and _spam_shaped(part)
                and not _known_chain(part)):
            removals.append(Removal("spam_word", part.strip()))
            learned.add(part.strip())
            continue
        keep.append(part if not keep else seps[i - 1] + part)
    if len(keep) == len(parts):
        return line
    return _EDGE_SEP_RE.sub("", "".join(keep))


def _brands(learned: set[str]) -> re.Pattern[str] | None:
    """A page's own brand names glued to casino vocabulary: what is left of its spam phrases
    once the vocabulary is cut out (鑫X国际 of 【鑫X国际娱乐官网】), and their first two
    characters (brands are also written short)."""
    cue = _cue_re()
    if cue is None:
        return None
    names: set[str] = set()
    for phrase in learned:
        for rest in cue.split(phrase):
            rest = rest.strip(" _|｜-·")
            if 2 <= len(rest) <= 6 and _CJK_RE.fullmatch(rest):
                names |= {rest, rest[:2]}
    if not names:
        return None
    alt = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.compile(rf"(?:{_SEGMENT_SEP_RE.pattern})?(?:{alt})(?:{cue.pattern})+",
                      re.IGNORECASE)


def learn_phrases(texts: Iterable[str]) -> set[str]:
    """The spam-shaped words of texts a page hid or linked (a link farm's anchors, a
    zero-size box): the page's own spam, to be found again where it is spliced into prose."""
    found: set[str] = set()
    for text in texts:
        for token in _TOKEN_RE.split(text):
            if len(token) <= _SEGMENT_MAX and _spam_shaped(token) and not _known_chain(token):
                found.add(token)
    return found


def _strip_learned(line: str, learned: set[str], brands: re.Pattern[str] | None,
                   removals: list[Removal]) -> str:
    """The page's own spam phrases and brands, wherever else they stand (spliced into
    prose)."""
    for phrase in sorted(learned, key=len, reverse=True):
        if len(phrase) < _PHRASE_MIN or phrase not in line:
            continue
        # Its brackets go with it, and one separator before it, as in a chain.
        form = re.compile(rf"[【〖\[]{re.escape(phrase)}[】〗\]]"
                          rf"|(?:{_SEGMENT_SEP_RE.pattern})?{re.escape(phrase)}")
        for m in form.finditer(line):
            removals.append(Removal("spam_word", m.group()))
        line = form.sub("", line)
    if brands is not None and brands.search(line):
        spans = _Spans(line)

        def sub(m: re.Match[str]) -> str:
            if spans.touched(*m.span()):
                return m.group()
            removals.append(Removal("spam_word", m.group()))
            return ""

        line = brands.sub(sub, line)
    return line


def _strip_line(text: str, removals: list[Removal]) -> str:
    line, found = _stripped_lines(text)
    removals += found
    return line


def _stripped(text: str) -> tuple[str, tuple[Removal, ...]]:
    """(the line without its spam chains, their removals)."""
    removals: list[Removal] = []
    return _strip_chains(text, removals), tuple(removals)


# A spam line is spliced into every copy of its page, and the chain pattern's scan costs
# far more than the look-up: the answers are memoised by line.
_stripped_lines = Memo(_stripped)


def _strip_chains(text: str, removals: list[Removal]) -> str:
    chain_re, strong_re = _patterns()
    edges = _ordinary_edges()
    ordinary = _ordinary_re()
    spans = _Spans(text)

    def sub(m: re.Match[str]) -> str:
        found = m.group(0)
        if not _spammy(found, strong_re):
            return found
        # An ordinary word at the chain's end, glued to the text beyond it, is the text's
        # (某某县政府官网_百家乐): kept.  Between separators it is a listed keyword.
        start, end = 0, len(found)
        if edges is not None:
            lead, trail = edges
            if _word_at(m.string, m.start() - 1) and (e := lead.match(found)):
                start = e.end()
            if _word_at(m.string, m.end()) and (e := trail.search(found, start)):
                end = e.start()
        spam = found[start:end]
        # Spam by its other members: an ordinary word holding a strong term (娱乐场所 and
        # 娱乐场) makes none.  A match reaching into an ordinary word is none of its spam.
        if (not _spammy(ordinary.sub("", spam) if ordinary else spam, strong_re)
                or spans.crossed(m.start() + start, m.start() + end)):
            return found
        removals.append(Removal(kind="spam_word", text=spam))
        return found[:start] + found[end:]

    for _ in range(3):  # removing one chain can bring the next one's parts together
        before = len(removals)
        text = chain_re.sub(sub, text)
        if len(removals) == before:
            break
        spans = _Spans(text)
    return text
