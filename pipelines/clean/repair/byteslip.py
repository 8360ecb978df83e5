"""Repair GBK byte slips: text decoded one byte off until the decoder realigned.

How a slip looks: a lead byte got separated from its trail (a converter inserted a byte
after it), the decoder printed `?` for the pair and then paired every following byte with
its neighbour, producing a run of rare characters until an ASCII byte (eaten as a trail) or
another orphan `?` realigned it.  The served text then went through a width normaliser, so
full-width `！，；：？` inside the run appear as ASCII.  A pinyin annotator sometimes ran on
the misaligned stream too, leaving a bogus `?nèi)` where its `(` was eaten with the orphan.

Repair, at each `?` followed by suspicious text only (the search is never run elsewhere):
  * the `?` (with any bogus pinyin tail) is an unknown lead byte X; the following characters
    are re-encoded (GBK, ASCII punctuation as its full-width form) and re-paired after X;
  * the run ends at an ASCII byte that served as a trail, or at a later `?` that stood for
    an unknown trail byte Y;
  * a pair the decoder silently dropped (an unassigned or user-defined GBK code) may sit
    inside the run: one re-paired character is then split into two around it;
  * X, Y and the dropped pair are chosen by the character model (`charmodel`: frequencies
    from jieba's word list, traditional scored through OpenCC t2s) together with the page
    itself (`charsearch`: a pair of characters seen elsewhere on the page is likelier), and
    a reading is kept only when it beats the text as served by a clear margin per
    character (the page is left out of that test, so it never causes a repair);
  * a reading with a dropped pair costs two searches, so those are tried last, best bound
    first, and only while their bound can still beat the best reading found: the bound
    (`charsearch.score_bound`) lets every unknown character be any of its candidates, so
    the answer is the one trying them all would give.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import cache, lru_cache
from typing import NamedTuple

from pipelines.clean.repair.charmodel import CharModel, is_hant, model, to_simplified
from pipelines.clean.repair.charsearch import (
    AskedPairs,
    Candidates,
    PagePairs,
    Wild,
    best_fits,
    best_pair,
    score_bound,
)
from pipelines.clean.result import Removal

_TONES = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# A bogus annotation left behind the orphan: its "(" was eaten together with the lead byte.
BOGUS_TAIL = re.compile(rf"[a-z{_TONES}]{{1,6}}[1-5]?\)")
_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "!,;:?"}
_CTX = 3  # characters of context on each side for scoring
_MAX_RUN = 24  # characters after the orphan a slip may run before we give up
# Characters after the orphan a search reads: its bogus tail, the run, the bogus tail or
# context after the run's end (a search depends on nothing else but the page's pairs).
_SEEN = 2 * _MAX_RUN
_RARE = -13.0  # log P below which a character counts as rare (outside the top ~8000)
_MAX_SPLIT_RUN = 12  # units; longer runs are not searched for a dropped pair
_DROP_COST = 4.0  # nats
_RARE_COST = 8.0  # nats per rare character in a repaired reading
_MARGIN = 2.5  # nats per character a repair must gain over the text as served
_FLOOR = -11.5  # a repaired run scoring below this per character is no Chinese either
_LEADS = range(0x81, 0xFF)
_TRAILS = [b for b in range(0x40, 0xFF) if b != 0x7F]
_CHINESE_PUNCT = "。，、；：？！“”‘’（）《》·—"
_EPS = 1e-6  # nats: bounds are compared with this much room for rounding


_Line = dict[int, list[tuple[int, str]]]  # byte -> [(other byte, character)]


@cache
def _gbk() -> tuple[dict[int, str], _Line, _Line]:
    """The GBK double-byte table, decoded once: (code -> char, lead -> plausible
    [(trail, char)], trail -> plausible [(lead, char)])."""
    chars: dict[int, str] = {}
    rows: dict[int, list[tuple[int, str]]] = {x: [] for x in _LEADS}
    cols: dict[int, list[tuple[int, str]]] = {y: [] for y in _TRAILS}
    for x in _LEADS:
        for y in _TRAILS:
            try:
                c = bytes([x, y]).decode("gbk")
            except UnicodeDecodeError:
                continue
            if len(c) != 1:
                continue
            chars[x << 8 | y] = c
            if _plausible(c):
                rows[x].append((y, c))
                cols[y].append((x, c))
    return chars, rows, cols


def forget() -> None:
    """Drop the searches kept across pages (a test measuring the work wants them gone)."""
    _ACROSS.clear()


def warm() -> None:
    """Build the GBK tables now (a process's first slipped page would pay ~0.1 s for them)."""
    _drop_openers()


@cache
def _drop_openers() -> frozenset[int]:
    """Bytes that begin some pair the GBK decoder cannot print (user-defined, unassigned)."""
    table = _gbk()[0]
    return frozenset(a for a in _LEADS if any((a << 8 | b) not in table for b in _LEADS))


class Pool(NamedTuple):
    """Candidate bytes with the characters they complete, prepared for scoring."""

    bytes: list[int]
    cands: Candidates


def _make_pool(m: CharModel, pairs: list[tuple[int, str]]) -> Pool:
    return Pool([b for b, _ in pairs], Candidates(m, [c for _, c in pairs]))


@cache
def _pool(kind: str, byte: int) -> Pool:
    """"row": [byte t] for every trail t; "col": [l byte] for every lead l; "opening": the
    row's trails that can begin an unprintable pair (a dropped pair's first byte)."""
    _, rows, cols = _gbk()
    if kind == "col":
        return _make_pool(model(), cols.get(byte, []))
    pairs = rows.get(byte, [])  # 0x80 (€ in cp936) and the like lead nothing
    if kind == "opening":
        pairs = [(t, c) for t, c in pairs if t in _drop_openers()]
    return _make_pool(model(), pairs)


def _dec(bs: bytes) -> str | None:
    if len(bs) == 2:
        return _gbk()[0].get(bs[0] << 8 | bs[1])
    return bs.decode("ascii") if len(bs) == 1 and bs[0] < 0x80 else None


def _enc(ch: str) -> bytes | None:
    """Bytes a served character stood for; None where a slipped run cannot continue."""
    if ch.isascii():
        if ch in _FULLWIDTH:
            return _FULLWIDTH[ch].encode("gbk")
        # Only 0x40-0x7E can be a trail byte; digits, spaces, brackets end a run.
        return ch.encode() if "@" <= ch <= "~" else None
    try:
        return ch.encode("gbk")
    except UnicodeEncodeError:
        return None


def _units(bs: bytes) -> tuple[list[bytes], bytes]:
    """Pair bytes as a GBK decoder does; returns (units, dangling lead byte or b"")."""
    out: list[bytes] = []
    i = 0
    while i < len(bs):
        if bs[i] < 0x80:
            out.append(bs[i : i + 1])
            i += 1
        elif i + 1 < len(bs):
            out.append(bs[i : i + 2])
            i += 2
        else:
            return out, bs[i:]
    return out, b""


def _plausible(c: str) -> bool:
    # A re-paired character is real text: a CJK ideograph or Chinese punctuation.
    return "\u4e00" <= c <= "\u9fff" or c in _CHINESE_PUNCT


@lru_cache(maxsize=1024)
def _leads_read(byte: int, syllable: str) -> tuple[int, ...]:
    """Lead bytes X where the pair [byte X] is a character read as `syllable` (copies of a
    page repeat their annotated spots)."""
    m = model()
    return tuple(x for x in _LEADS if (c := _dec(bytes([byte, x]))) and m.reads(c, syllable))


class _Option(NamedTuple):
    """One reading to try: a run re-paired as it stands (drop None) or with the pair the
    decoder dropped hidden behind units[drop]."""

    end: int  # where the run ends in the text
    body: bytes  # the run's bytes after the orphan
    units: list[bytes]
    decoded: list[str | None]
    dangling: bytes  # a lead byte whose trail was lost (printed as the closing `?`)
    drop: int | None


class _Slip:
    """The search at one orphan `?`."""

    def __init__(self, m: CharModel, text: str, i: int, hant: bool, page: PagePairs):
        self.m = m
        self.page = page
        self._firsts: dict[int, Pool] = {}  # narrowed pools for X, by first byte
        self._served: dict[int, tuple[str, str, float, float]] = {}
        self._windows: dict[tuple, list[tuple[int, float]]] = {}  # for score_bound
        self.text = text
        self.i = i
        self.hant = hant
        self.left = _context(text[max(0, i - _CTX) : i], tail=True)
        tail = BOGUS_TAIL.match(text, i + 1)
        self.k = tail.end() if tail else i + 1
        # The annotator read the orphan X together with the byte before it; its reading
        # of that pair narrows X down.
        self.leads: list[int] = list(_LEADS)
        if tail and i > 0:
            syllable = _toneless(tail.group()[:-1])
            before = _enc(text[i - 1]) or b""
            if len(before) == 2:
                self.leads = list(_leads_read(before[1], syllable)) or self.leads

    def pick(self, pool: Pool, prev: str, nxt: str, k: int = 1) -> list[tuple[int, str, float]]:
        """The k best of the pool's (byte, character) pairs between `prev` and `nxt`."""
        if not pool.bytes:
            return []
        best = best_fits(self.m, prev, pool.cands, nxt, self.hant, k, self.page)
        return [(pool.bytes[i], pool.cands.chars[i], sc) for i, sc in best]

    def split(self, unit: bytes, prev: str, nxt: str) -> list[str] | None:
        """Split [l r] into [l a][b r] where [a b] was a pair the decoder dropped."""
        table = _gbk()[0]
        lefts = self.pick(_pool("opening", unit[0]), prev, "", k=12)
        rights = self.pick(_pool("col", unit[1]), "", nxt, k=12)
        # Only pairs the decoder could not print: it would have shown the others.
        allowed = [(i, j) for i, (a, _, _) in enumerate(lefts) for j, (b, _, _) in enumerate(rights)
                   if (a << 8 | b) not in table]
        if not allowed:
            return None
        i, j = best_pair(self.m, prev, [c for _, c, _ in lefts], [c for _, c, _ in rights],
                         nxt, allowed, self.hant, self.page)
        return [lefts[i][1], rights[j][1]]

    def firsts(self, trail: int) -> Pool:
        """Characters the orphan lead X may have formed with the first byte of the run."""
        pool = _pool("col", trail)
        if len(self.leads) == len(_LEADS):
            return pool
        if trail not in self._firsts:
            allowed = set(self.leads)
            self._firsts[trail] = _make_pool(self.m, [
                (x, c) for x, c in zip(pool.bytes, pool.cands.chars, strict=True) if x in allowed])
        return self._firsts[trail]

    def runs(self) -> list[tuple[bytes, int, bool]]:
        """(the run's bytes, where it ends, whether its trail byte was lost) for every place
        the run may end."""
        out = []
        body = b""
        for j in range(self.k, min(len(self.text), self.k + _MAX_RUN)):
            ch = self.text[j]
            if ch == "?" and BOGUS_TAIL.match(self.text, j + 1):
                break  # a lost character with its annotation: the stream is aligned there
            if ch == "?" and len(body) >= 2:
                out.append((body, j + 1, True))
            bj = _enc(ch)
            if bj is None:
                break
            body += bj
            if len(bj) == 1 and len(body) >= 2:
                out.append((body, j + 1, False))
        return out

    def right_of(self, end: int) -> str:
        return _context(self.text[end : end + _CTX], tail=False)

    def options(self, body: bytes, end: int, trail_unknown: bool) -> list[_Option]:
        """The readings of one run to try: re-paired as it stands, or with a dropped pair."""
        units, dangling = _units(body[1:])
        if bool(dangling) != trail_unknown:
            return []
        decoded = [_dec(u) for u in units]
        bad = [t for t, c in enumerate(decoded) if c is None or not _plausible(c)]
        if len(bad) > 1 or any(len(units[t]) == 1 for t in bad):
            return []
        # A dropped pair may hide behind any re-paired character of a short run.
        splittable = [t for t in range(len(units)) if len(units[t]) == 2 and t not in bad]
        drops: list[int | None] = list(bad) if bad else [None]
        if not bad and len(units) <= _MAX_SPLIT_RUN:
            drops += splittable
        return [_Option(end, body, units, decoded, dangling, d) for d in drops]

    def reading(self, o: _Option) -> str | None:
        right = self.right_of(o.end)
        chars = self.fill(o.units, o.decoded, o.drop, right)
        if chars is None:
            return None
        nxt = "".join(chars[:_CTX]) if chars else right
        first = self.pick(self.firsts(o.body[0]), self.left, nxt)
        if not first:
            return None
        chars.insert(0, first[0][1])
        if o.dangling:
            prev = "".join(chars[-_CTX:])
            last = self.pick(_pool("row", o.dangling[0]), prev, right)
            if not last:
                return None
            chars.append(last[0][1])
        if o.drop is not None:
            # The split was chosen before its right neighbours were known: choose again.
            at = 1 + o.drop
            ctx_l = "".join(chars[max(0, at - _CTX) : at])
            ctx_r = ("".join(chars[at + 2 : at + 2 + _CTX]) + right)[:_CTX]
            pair = self.split(o.units[o.drop], ctx_l, ctx_r)
            if pair is not None:
                chars[at : at + 2] = pair
        return "".join(chars)

    def fill(self, units: list[bytes], decoded: list[str | None], drop: int | None,
             right: str) -> list[str] | None:
        chars: list[str] = []
        for t, (u, c) in enumerate(zip(units, decoded, strict=True)):
            if t == drop:
                prev = "".join(chars[-_CTX:])
                after = [d for d in decoded[t + 1 : t + 1 + _CTX] if d]
                pair = self.split(u, prev, "".join(after) or right)
                if pair is None:
                    return None
                chars += pair
            elif c is None:
                return None
            else:
                chars.append(c)
        return chars

    def gain(self, end: int, new: str, dropped: bool) -> tuple[float, bool]:
        """What a reading gains over the text as served, and whether it is good enough."""
        right, old, s_old, s_none = self.served(end)
        s_new = self.m.score(new, self.left, right, self.hant)
        gain = s_new - s_old
        # Explanations that need a dropped pair or leave rare characters are weaker.
        gain -= _DROP_COST * dropped + _RARE_COST * sum(
            self.m.logp(to_simplified(c)) < _RARE for c in new)
        quality = (s_new - s_none) / len(new)
        return gain, gain / len(old) >= _MARGIN and quality >= _FLOOR

    def served(self, end: int) -> tuple[str, str, float, float]:
        """(right context, the text as served up to `end`, its score, the score of the
        contexts alone), once per end."""
        if end not in self._served:
            right = self.right_of(end)
            old = self.text[self.i : end]
            self._served[end] = (right, old, self.m.score(old, self.left, right, self.hant),
                                 self.m.score("", self.left, right))
        return self._served[end]

    def bound(self, o: _Option, drop: int) -> float:
        """An upper bound of `gain` for a reading with a dropped pair behind units[drop],
        found without searching: the unknown characters (the orphan's, the pair's, the lost
        trail's) may be any of their candidates.  -inf when no such reading is good enough."""
        right, old, s_old, s_none = self.served(o.end)
        unit = o.units[drop]
        chars = [c or "" for c in o.decoded]
        before, after = "".join(chars[:drop]), "".join(chars[drop + 1 :])
        pat: list[str | Wild] = [
            *to_simplified(self.left), self.firsts(o.body[0]).cands.wild(),
            *to_simplified(before),
            _pool("opening", unit[0]).cands.wild(), _pool("col", unit[1]).cands.wild(),
            *to_simplified(after),
        ]
        if o.dangling:
            pat.append(_pool("row", o.dangling[0]).cands.wild())
        pat += to_simplified(right)
        # Wrong-script penalties and rare characters among the unknown ones only lower it.
        top = score_bound(self.m, pat, self._windows)
        gain = top - s_old - _DROP_COST - _RARE_COST * sum(
            self.m.logp(to_simplified(c)) < _RARE for c in before + after)
        # The reading: the orphan's character, the run with the pair, the lost trail's.
        quality = (top - s_none) / (1 + len(o.units) + 1 + bool(o.dangling))
        if gain / len(old) < _MARGIN - _EPS or quality < _FLOOR - _EPS:
            return -math.inf
        return gain

    def best(self) -> tuple[int, str] | None:
        """The reading with the largest gain (the first of them in run order), among those
        good enough.  Readings with a dropped pair, the costly ones, are searched last and
        only while their bound can still beat the best gain found."""
        found: list[tuple[int, int, str, float, bool]] = []  # (order, end, new, gain, ok)
        top = 0.0
        later: list[tuple[float, int, _Option]] = []
        for body, end, trail_unknown in self.runs():
            for o in self.options(body, end, trail_unknown):
                if o.drop is not None:
                    later.append((self.bound(o, o.drop), len(found) + len(later), o))
                elif (new := self.reading(o)) is not None:
                    gain, ok = self.gain(end, new, False)
                    found.append((len(found) + len(later), end, new, gain, ok))
                    top = max(top, gain) if ok else top
        later.sort(key=lambda x: -x[0])
        for limit, order, o in later:
            if limit < top - _EPS:
                break  # neither this nor any later one can be the best
            if (new := self.reading(o)) is not None:
                gain, ok = self.gain(o.end, new, True)
                found.append((order, o.end, new, gain, ok))
                top = max(top, gain) if ok else top
        best, best_gain = None, 0.0
        for _, end, new, gain, ok in sorted(found, key=lambda x: x[0]):
            if ok and gain > best_gain:
                best, best_gain = (end, new), gain
        return best


def _context(s: str, tail: bool) -> str:
    """Neighbouring characters on the same line, for scoring."""
    parts = s.split("\n")
    return parts[-1] if tail else parts[0]


def _toneless(syllable: str) -> str:
    base = unicodedata.normalize("NFD", syllable.replace("ü", "v"))
    return "".join(c for c in base if c.isascii() and c.isalpha())


def _suspicious(m: CharModel, text: str, i: int) -> bool:
    """Cheap gate before any search: does odd text follow the `?` at i?"""
    nxt = text[i + 1 : i + 2]
    if nxt in _FULLWIDTH or BOGUS_TAIL.match(text, i + 1):
        return True  # "?!" "?;" inside Chinese, or a pinyin tail without its "("
    window = text[i + 1 : i + 9].split("\n", 1)[0]
    return any(
        not ch.isascii() and m.logp(to_simplified(ch)) < _RARE for ch in window
    )


_Found = tuple[int, str] | None  # (where the repaired run ends, after the `?`; its text)
# Searches across pages, by the text they read and the page's script: copies of a report
# (mirrors, reposts) repeat its damage.  One is reused only where the page answers every
# pair look-up it made as the page it ran on did; the search depends on nothing else, so
# it would find the same.  FIFO-bounded; a few pages' answers per spot.
_ACROSS: dict[tuple[int, str, bool], list[tuple[dict[tuple[str, int], frozenset[str]], _Found]]]
_ACROSS = {}
_ACROSS_SPOTS = 64
_ACROSS_VARIANTS = 4  # ~20 KB of look-ups each: ~5 MB in all


def _search(m: CharModel, text: str, i: int, hant: bool, page: PagePairs,
            key: tuple[int, str]) -> _Found:
    spot = (*key, hant)
    for asked, found in _ACROSS.get(spot, ()):
        if page.answers(asked):
            return found
    view = AskedPairs(page)
    best = _Slip(m, text, i, hant, view).best()
    found = None if best is None else (best[0] - i, best[1])
    variants = _ACROSS.setdefault(spot, [])
    if len(variants) < _ACROSS_VARIANTS:
        variants.append((view.asked, found))
    # (A negative count would slice off all but the newest: only evict past the bound.)
    for oldest in list(_ACROSS)[: max(0, len(_ACROSS) - _ACROSS_SPOTS)]:
        _ACROSS.pop(oldest, None)
    return found


def repair_byte_slips(text: str) -> tuple[str, list[Removal]]:
    """Find and repair byte slips; every repair is recorded as a `byte_slip` removal."""
    if "?" not in text:
        return text, []
    m = model()
    hant, page = False, None
    out: list[str] = []
    removals: list[Removal] = []
    # Searches by the text they read: a page repeating one odd spot (hostile ones repeat it
    # a million times) costs one search, not a search per copy.
    searched: dict[tuple[int, str], _Found] = {}
    pos = 0
    i = text.find("?")
    while i != -1:
        if _suspicious(m, text, i):
            if page is None:
                hant, page = is_hant(text), PagePairs(text)
            start = max(0, i - _CTX)
            key = (i - start, text[start : i + 1 + _SEEN])
            if key not in searched:
                searched[key] = _search(m, text, i, hant, page, key)
            if (found := searched[key]) is not None:
                end, new = i + found[0], found[1]
                out += [text[pos:i], new]
                removals.append(Removal(kind="byte_slip", text=f"{text[i:end]}→{new}"))
                pos = end
        i = text.find("?", max(i + 1, pos))
    out.append(text[pos:])
    return "".join(out), removals
