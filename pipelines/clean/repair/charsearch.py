"""Fast search for the likeliest missing characters under the character model.

The byte-slip search scores one or two unknown characters between fixed contexts for
hundreds of candidates at a time; `CharModel.score` on each would re-segment the whole
window every time.  Here the best segmentation of left+mid+right is split in two: either
one token covers all of mid, or (for two characters) the split falls between them.  The
fixed contexts' own best scores are computed once per call, and only candidates that can
form a word with the context (found through the model's prefix index) are looked up one by
one; every other candidate scores as a token by itself, straight from a prepared order.
Results equal `CharModel.score` rankings (tests/pipelines/clean/test_byteslip.py checks this).

A cache model adds what the page itself says: a character pair that occurs elsewhere on the
same page is likelier here (a report repeats its terms: 三保 in 三保障, 肉牛 ...).

`score_bound` answers "how well could any filling of these unknown positions score?"
without trying the fillings, so a search can skip what cannot win.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from pipelines.clean.repair.charmodel import (
    FLOOR_LOGP,
    MARKS,
    MAX_WORD,
    WRONG_SCRIPT,
    CharModel,
    simp_table,
    simplified_from,
    to_simplified,
    wrong_script,
)

DOC_PAIR = 2.0  # nats per neighbouring pair seen elsewhere on the page


class PagePairs:
    """Which characters stand next to which on one page (simplified), looked up lazily.

    A look-up names the characters it will ask about (`among`) and gets only those back:
    a search's answer then depends on nothing else of the page, which is what lets
    `AskedPairs` reuse it on another page (a copy, a repost) that answers the same."""

    def __init__(self, text: str):
        # As served: only the characters looked at are simplified, not the whole page.
        self.text = text
        self._reversed = ""
        self._near: dict[tuple[str, int], frozenset[str]] = {}

    def _scan(self, chars: Iterable[str], step: int) -> None:
        """Neighbours of every one of `chars` (none of them looked up yet): where the
        simplified page has ch, every character simplifying to it."""
        simp, more = simp_table(), simplified_from()
        if step < 0 and not self._reversed:
            self._reversed = self.text[::-1]  # what precedes is what follows, reversed
        text = self.text if step > 0 else self._reversed
        for ch in chars:
            nxt: set[str] = set()
            for form in ("" if ch in simp else ch) + more.get(ch, ""):
                # A few occurrences one by one (str.find), the rest by one regex scan; no
                # count of them first, which would be a pass over the page of its own.
                i, n = text.find(form), 0
                while i != -1:
                    if n == _FEW:
                        nxt.update(_neighbour_re(form).findall(text, i))
                        break
                    nxt.add(text[i + 1 : i + 2])  # "" at the end
                    i, n = text.find(form, i + 1), n + 1
            if nxt.isdisjoint(_traditional()):  # simplified already (most pages)
                nxt.discard("")
            else:  # the distinct ones simplified all at once, in C
                nxt = set(to_simplified("".join(nxt)))
            nxt.discard("\n")
            self._near[ch, step] = frozenset(nxt)

    def _look(self, ch: str, step: int, among: frozenset[str]) -> frozenset[str]:
        if not ch:
            return frozenset()
        if (ch, step) not in self._near:
            self._scan((ch,), step)
        return self._near[ch, step] & among

    def after(self, ch: str, among: frozenset[str]) -> frozenset[str]:
        """Those of `among` that follow `ch` somewhere on the page."""
        return self._look(ch, 1, among)

    def before(self, ch: str, among: frozenset[str]) -> frozenset[str]:
        """Those of `among` that precede `ch` somewhere on the page."""
        return self._look(ch, -1, among)

    def answers(self, asked: dict[tuple[str, int, frozenset[str]], frozenset[str]]) -> bool:
        """Whether this page answers every look-up in `asked` ((character, +1 after / -1
        before, among) -> characters) as recorded."""
        # One look-up at a time: the first that differs settles it.
        return all(self._look(*key) == seen for key, seen in asked.items())


_FEW = 32  # occurrences of a form found one by one; the rest by a regex scan


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    """The characters t2s changes, as a set (a test against it runs in C)."""
    return frozenset(simp_table())


@lru_cache(maxsize=4096)
def _neighbour_re(forms: str) -> re.Pattern[str]:
    """The character after each of `forms`: a lookahead, so that overlapping spots (a
    form followed by a form) are all found."""
    return re.compile("[" + "".join(map(re.escape, forms)) + "](?=(.))", re.DOTALL)


class AskedPairs(PagePairs):
    """One search's view of a page's pairs: answered by the page, every look-up noted, so
    the search can be reused on another page that answers them the same way."""

    def __init__(self, page: PagePairs):  # noqa: D107 - a view, no state of its own
        self.page = page
        self.asked: dict[tuple[str, int, frozenset[str]], frozenset[str]] = {}

    def after(self, ch: str, among: frozenset[str]) -> frozenset[str]:
        found = self.asked[ch, 1, among] = self.page.after(ch, among)
        return found

    def before(self, ch: str, among: frozenset[str]) -> frozenset[str]:
        found = self.asked[ch, -1, among] = self.page.before(ch, among)
        return found


class Wild:
    """One unknown character out of a set (simplified), a position of a `score_bound` pattern."""

    def __init__(self, m: CharModel, chars: Iterable[str]):
        self.m = m
        self.chars = frozenset(chars)
        self.alone = max((m.tok1.get(c, FLOOR_LOGP) for c in self.chars), default=-math.inf)
        self.begin = [c for c in self.chars if c in m.after]  # can begin a longer word
        self._edge: dict[tuple[int, int], float] = {}
        self._pairs: dict[Wild, list[str]] = {}
        self._then: dict[str, list[str]] = {}

    def then(self, y: str | Wild) -> list[str]:
        """The word beginnings (or words) of one of these characters followed by `y`;
        kept for the pools, whose Wilds live as long as the process."""
        found = self._pairs.get(y) if type(y) is not str else self._then.get(y)
        if found is None:
            after = self.m.after
            if type(y) is str:
                found = self._then[y] = [c + y for c in self.begin if y in after[c]]
            else:
                found = self._pairs[y] = [c + d for c in self.begin
                                          for d in y.chars.intersection(after[c])]
        return found

    def edge(self, side: int, n: int) -> float:
        """Best log P of an n-character word beginning (side 0) or ending (side 1) with one
        of the characters."""
        if (side, n) not in self._edge:
            table = self.m.edge_words()[side]
            self._edge[side, n] = max((table.get((c, n), -math.inf) for c in self.chars),
                                      default=-math.inf)
        return self._edge[side, n]


_Pattern = Sequence[str | Wild]
_EXACT_PREFIXES = 8  # word prefixes followed exactly through a Wild; more are bounded


def _edge(m: CharModel, x: str | Wild, side: int, n: int) -> float:
    if type(x) is str:
        return m.edge_words()[side].get((x, n), -math.inf)
    return x.edge(side, n)


def _word_bounds(m: CharModel, pat: _Pattern, i: int) -> list[tuple[int, float]]:
    """(j, bound of log P of pat[i:j] as one word) for words of two characters or more.

    Known words are followed through the prefix index, exactly while few prefixes are
    alive; past that, a window is bounded by the best words with its first and last
    characters."""
    after, tokn = m.after, m.tokn
    end = min(len(pat), i + MAX_WORD)
    x = pat[i]
    live = ([x] if x in after else []) if type(x) is str else x.begin
    out: list[tuple[int, float]] = []
    for j in range(i + 1, end):
        if not live:
            break
        y = pat[j]
        if j == i + 1 and type(x) is not str:
            grown = x.then(y)
        elif type(y) is str:
            grown = [p + y for p in live if y in after[p]]
        elif len(live) <= _EXACT_PREFIXES:
            grown = [p + c for p in live for c in y.chars.intersection(after[p])]
        else:
            for k in range(j + 1, end + 1):
                n = k - i
                out.append((k, min(_edge(m, x, 0, n), _edge(m, pat[k - 1], 1, n))))
            break
        lp = max([tokn.get(p, -math.inf) for p in grown], default=-math.inf)
        if lp > -math.inf:
            out.append((j + 1, lp))
        live = [p for p in grown if p in after]
    return out


def score_bound(m: CharModel, pat: _Pattern, memo: dict | None = None) -> float:
    """An upper bound of `seg_score` over every string the pattern stands for: simplified
    characters, and Wild positions that may be any of theirs.  Each token is bounded by
    itself; a pattern without Wild positions gets exactly its `seg_score`.  `memo` keeps
    the word bounds of windows for further patterns over the same characters."""
    tok1 = m.tok1
    best = [-math.inf] * (len(pat) + 1)
    best[0] = 0.0
    for i, x in enumerate(pat):
        here = best[i]
        v = here + (tok1.get(x, FLOOR_LOGP) if type(x) is str else x.alone)
        if v > best[i + 1]:
            best[i + 1] = v
        if memo is None:
            words = _word_bounds(m, pat, i)
        else:
            key = tuple(pat[i : i + MAX_WORD])
            if (words := memo.get(key)) is None:
                words = memo[key] = [(j - i, lp) for j, lp in _word_bounds(m, pat, i)]
            words = [(i + n, lp) for n, lp in words]
        for j, lp in words:
            if here + lp > best[j]:
                best[j] = here + lp
    return best[-1] + m.punct_bound(pat)


class Candidates:
    """A fixed list of candidate characters, prepared once for many `best_fits` calls."""

    def __init__(self, m: CharModel, chars: list[str]):
        simp = simp_table()
        self.m = m
        self.chars = chars
        self.simp = [simp.get(c, c) for c in chars]
        self.simpset = frozenset(self.simp)
        self.alone = [m.tok1.get(c, FLOOR_LOGP) for c in self.simp]  # as a token by itself
        self.marks = [i for i, c in enumerate(self.simp) if c in MARKS]
        self._at: dict[str, list[int]] = {}
        for i, c in enumerate(self.simp):
            self._at.setdefault(c, []).append(i)
        self._wrong = {h: [wrong_script(c, h) for c in chars] for h in (False, True)}
        self._order: dict[bool | None, list[int]] = {}
        self._wild: Wild | None = None

    def wild(self) -> Wild:
        """The candidates as one unknown character."""
        if self._wild is None:
            self._wild = Wild(self.m, self.simp)
        return self._wild

    def indices(self, chars: str) -> list[int]:
        """Positions of the candidates whose simplified form is one of `chars`."""
        at = self._at
        if len(chars) <= 4 * len(at):
            return [i for c in set(chars) if c in at for i in at[c]]
        return [i for c, ix in at.items() if c in chars for i in ix]

    def penalty(self, i: int, hant: bool | None) -> float:
        return WRONG_SCRIPT if hant is not None and self._wrong[hant][i] else 0.0

    def order(self, hant: bool | None) -> list[int]:
        """Positions by score as a token by itself, best first, ties in list order."""
        if hant not in self._order:
            self._order[hant] = sorted(range(len(self.chars)),
                                       key=lambda i: -(self.alone[i] - self.penalty(i, hant)))
        return self._order[hant]


def _context(m: CharModel, left: str, right: str) -> tuple[str, str, list[float], list[float]]:
    """Simplified contexts with fwd[a] = best score of left[:a] and bwd[b] = best score
    of right[b:] (b up to the longest word)."""
    sl, sr = to_simplified(left), to_simplified(right)
    bwd = [m.prefix_scores(sr[b:])[-1] for b in range(min(len(sr), MAX_WORD - 1) + 1)]
    return sl, sr, m.prefix_scores(sl), bwd


def _opens(m: CharModel, sl: str) -> list[int]:
    """Starts a in sl where sl[a:] begins a longer word."""
    return [a for a in range(len(sl) - 1, max(len(sl) - MAX_WORD, -1), -1)
            if sl[a:] in m.after]


def _around(m: CharModel, sl: str, fwd: list[float], mid: str, sr: str, bwd: list[float],
            opens: list[int]) -> float:
    """Best segmentation score of sl+mid+sr with one token covering all of `mid`."""
    best = -math.inf
    if len(mid) == 1:  # the character as a token by itself
        best = fwd[-1] + m.tok1.get(mid, FLOOR_LOGP) + bwd[0]
    tokn = m.tokn
    for a in (len(sl), *opens):
        w = sl[a:] + mid
        if len(w) > MAX_WORD or not m.begins(w):
            continue
        for b in range(len(w) == 1, min(len(sr), MAX_WORD - len(w)) + 1):
            lp = tokn.get(w + sr[:b])
            if lp is not None and fwd[a] + lp + bwd[b] > best:
                best = fwd[a] + lp + bwd[b]
    return best


def best_fits(m: CharModel, left: str, cands: Candidates, right: str, hant: bool | None = None,
              k: int = 1, page: PagePairs | None = None) -> list[tuple[int, float]]:
    """The k best candidates between `left` and `right`: (index into `cands.chars`,
    `score(c, left, right, hant)`), best first, ties in list order.

    Only candidates that can form a word with the context (or a punctuation pair) are
    looked up one by one; every other one scores as a token by itself, so the best of
    those come straight from the candidates' prepared order.  With `page`, pairs with
    the neighbours that occur elsewhere on the page add DOC_PAIR each.
    """
    sl, sr, fwd, bwd = _context(m, left, right)
    opens = _opens(m, sl)
    near = set(cands.marks)
    for a in opens:
        near.update(cands.indices(m.after[sl[a:]]))
    before = m.before() if sr else {}
    for b in range(1, min(len(sr), MAX_WORD - 1) + 1):
        near.update(cands.indices(before.get(sr[:b], "")))
    x, y = sl[-1:], sr[:1]
    if page is not None:
        seen_x, seen_y = page.after(x, cands.simpset), page.before(y, cands.simpset)
        near.update(cands.indices("".join(seen_x | seen_y)))
    # Any other candidate is an ordinary character forming no word here: its
    # punctuation bonus is that of a placeholder.
    held = sl + "\0" + sr
    alone = fwd[-1] + bwd[0] + m.punct_bonus(held)
    fixed = alone - fwd[-1] - bwd[0] - m.punct_bonus(held, len(sl), len(sl) + 1)
    scored = []
    for i in near:
        c = cands.simp[i]
        sc = _around(m, sl, fwd, c, sr, bwd, opens) + fixed
        sc += m.punct_bonus(sl + c + sr, len(sl), len(sl) + 1)
        if page is not None:
            sc += DOC_PAIR * ((c in seen_x) + (c in seen_y))
        scored.append((sc - cands.penalty(i, hant), -i))
    taken = 0
    for i in cands.order(hant):
        if taken == k:
            break
        if i not in near:
            scored.append((alone + cands.alone[i] - cands.penalty(i, hant), -i))
            taken += 1
    return [(-neg, sc) for sc, neg in heapq.nlargest(k, scored)]


def best_pair(m: CharModel, left: str, firsts: list[str], seconds: list[str], right: str,
              allowed: list[tuple[int, int]], hant: bool | None = None,
              page: PagePairs | None = None) -> tuple[int, int]:
    """Among the allowed (i, j), the pair firsts[i]+seconds[j] that `score` ranks best
    between `left` and `right` (the first such pair on ties), with DOC_PAIR for each
    neighbouring pair seen elsewhere on `page`."""
    sl, sr, fwd, bwd = _context(m, left, right)
    opens, simp = _opens(m, sl), simp_table()
    c1 = [simp.get(c, c) for c in firsts]
    c2 = [simp.get(c, c) for c in seconds]
    # A split between the two: each half is scored once; what depends on both (a token
    # covering both, punctuation, a pair seen on the page) only for the pairs it touches.
    halves1 = [_around(m, sl, fwd, c, "", [0.0], opens) for c in c1]
    halves2 = [_around(m, "", [0.0], c, sr, bwd, []) for c in c2]
    base1 = [h - WRONG_SCRIPT * (hant is not None and wrong_script(c, hant))
             for h, c in zip(halves1, firsts, strict=True)]
    base2 = [h - WRONG_SCRIPT * (hant is not None and wrong_script(c, hant))
             for h, c in zip(halves2, seconds, strict=True)]
    set1, set2 = frozenset(c1), frozenset(c2)
    if page is not None:
        seen = page.after(sl[-1:], set1)
        base1 = [v + DOC_PAIR * (c in seen) for v, c in zip(base1, c1, strict=True)]
        seen = page.before(sr[:1], set2)
        base2 = [v + DOC_PAIR * (c in seen) for v, c in zip(base2, c2, strict=True)]
    # Two ordinary characters get the same punctuation bonus whichever they are.
    plain = m.punct_bonus(sl + "\0\0" + sr, len(sl), len(sl) + 2)
    marks2 = {c for c in c2 if c in MARKS}
    # For each first character: the second characters it interacts with (None: all).
    touch: list[set[str] | None] = []
    for c in c1:
        if c in MARKS:
            touch.append(None)
            continue
        near = set(page.after(c, set2)) if page is not None else set()
        for a in (len(sl), *opens):
            if len(sl) - a + 1 < MAX_WORD and (sl[a:] + c) in m.after:
                near.update(m.after[sl[a:] + c])
        touch.append(near | marks2)
    best, best_s = allowed[0], -math.inf
    for i, j in allowed:
        s = base1[i] + base2[j]
        near = touch[i]
        if near is not None and c2[j] not in near:
            s += plain
        else:
            a, b = c1[i], c2[j]
            joint = _around(m, sl, fwd, a + b, sr, bwd, opens)
            s += max(0.0, joint - halves1[i] - halves2[j])
            s += m.punct_bonus(sl + a + b + sr, len(sl), len(sl) + 2)
            if page is not None:
                s += DOC_PAIR * (b in page.after(a, set2))
        if s > best_s:
            best, best_s = (i, j), s
    return best
