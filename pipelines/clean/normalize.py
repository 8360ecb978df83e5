"""One normalisation policy for widths, punctuation and whitespace.

Policy (applied line by line; the `\\n` structure is kept):
  * full-width ASCII letters and digits (Ａ-Ｚ ａ-ｚ ０-９) become half-width (NFKC for those
    only); full-width punctuation stays, it is the Chinese form;
  * half-width `,` `:` `;` `?` `!` next to a CJK character or Chinese punctuation become
    `，：；？！`; between digits or Latin (`1,000`, `14:14`, `a, b`) they stay;
  * a bracket pair `( )` becomes `（ ）` when its content or its outside neighbour is CJK
    (`(一)`, `生产总值(GDP)`); an unpaired bracket follows the neighbour rule;
  * `.` is never touched (decimals, dates, URLs);
  * leading and trailing whitespace of a line (ideographic space U+3000 and NBSP included)
    is stripped and inner runs of whitespace collapse to one ASCII space;
  * a line left empty stays as an empty line unless `drop_empty=True`, so that callers who
    need line-for-line alignment (`repair`) keep it and the final text can drop them.
"""

from __future__ import annotations

import re

_CJK_PUNCT = "，。、；：？！“”‘’（）《》【】〈〉「」『』…—·"
_CJK_CTX = "\u3400-\u9fff\uf900-\ufaff" + _CJK_PUNCT
_PUNCT_SET = frozenset(_CJK_PUNCT)
_FW_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ]")
_SPACE = re.compile(r"[^\S\n]+")
_EDGE_SPACE = re.compile(r"(?m)^ | $")  # what is left of a line's edge whitespace
_PAIR = re.compile(r"\(([^()\n]{0,80})\)")
_PUNCT = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
# A run of marks: a converted mark is CJK context for the next, so a run next to CJK
# context on either side converts whole (",;," after a character: all three).
_MARK_RUN = re.compile(r"([,:;?!()]+)")
_PUNCT_TABLE = str.maketrans(_PUNCT)
# One mark that is a whole run (no mark on either side) with CJK context on one side; the
# mark comes first in the pattern so that the engine skips ahead to it.
_SINGLE_MARK = {
    m: re.compile(rf"{re.escape(m)}(?:(?<=[{_CJK_CTX}]{re.escape(m)})(?![,:;?!()])"
                  rf"|(?<![,:;?!()]{re.escape(m)})(?=[{_CJK_CTX}]))")
    for m in _PUNCT
}
_FW_TABLE = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
             for c in range(r[0], r[1] + 1)}
_HAS_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_ONE = re.compile(rf"[{_CJK_CTX}]")


def _pair(m: re.Match[str]) -> str:
    s, e, line = m.start(), m.end(), m.string
    outside = (s > 0 and _CJK_ONE.match(line[s - 1])) or (e < len(line) and _CJK_ONE.match(line[e]))
    if _HAS_CJK.search(m.group(1)) or outside:
        return f"（{m.group(1)}）"
    return m.group(0)


def _is_ctx(c: str) -> bool:
    return c in _PUNCT_SET or "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"


def _marks(text: str) -> str:
    """Runs of half-width marks next to CJK context on either side, made full-width."""
    # The common run, one mark between characters, in C: one substitution per mark.  It
    # changes no character another run looks at (a run's neighbours are no marks).
    for mark, single in _SINGLE_MARK.items():
        if mark in text:
            text = single.sub(_PUNCT[mark], text)
    # The rest split out, so the runs' neighbours are the pieces around them.
    parts = _MARK_RUN.split(text)
    for i in range(1, len(parts), 2):
        before, after = parts[i - 1], parts[i + 1]
        if (before and _is_ctx(before[-1])) or (after and _is_ctx(after[0])):
            parts[i] = parts[i].translate(_PUNCT_TABLE)
    return "".join(parts)


def normalize(text: str, drop_empty: bool = False) -> str:
    # Over the whole text at once (no pattern crosses a line break, and a neighbour across
    # one is no CJK context): a few scans in C instead of several per line.
    if _FW_ALNUM.search(text):
        text = text.translate(_FW_TABLE)
    text = _SPACE.sub(" ", text)
    # Substring tests (memchr-fast) tell whether any line has a space at an edge.
    if text[:1] == " " or text[-1:] == " " or "\n " in text or " \n" in text:
        text = _EDGE_SPACE.sub("", text)
    if "(" in text:
        text = _PAIR.sub(_pair, text)
    # One pass over runs of marks, not one round per mark of a run: quadratic in `间))))…`.
    text = _marks(text)
    if drop_empty:
        text = "\n".join(line for line in text.split("\n") if line)
    return text


# Sentence marks a broken converter doubled (，，  ，。  。。  、，): the run is one mark, the
# strongest of it.  …… and —— are single Chinese marks written as two and are not in the set.
_MARK_RANK = {"、": 0, "，": 1, "；": 2, "。": 3}
_DOUBLED = re.compile("[、，；。]{2,}")


def collapse_doubled(text: str) -> tuple[str, list[str]]:
    """(text with doubled sentence marks collapsed, each run replaced as "old→new")."""
    if not _DOUBLED.search(text):
        return text, []
    changed: list[str] = []

    def one(m: re.Match[str]) -> str:
        new = max(m.group(), key=_MARK_RANK.__getitem__)
        changed.append(f"{m.group()}→{new}")
        return new

    return _DOUBLED.sub(one, text), changed
