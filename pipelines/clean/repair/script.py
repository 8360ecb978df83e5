"""Detect the script a page was served in and convert traditional to simplified.

`hant` when at least 5% of the CJK characters (and at least three) are ones OpenCC t2s
changes: traditional prose changes 20-40% of its characters, simplified prose almost none,
so a simplified page quoting one traditional name stays `hans`.  Conversion uses the plain
`t2s` configuration (not `tw2s`: mainland pages written in traditional script use mainland
vocabulary).  OpenCC is character/phrase based and keeps line breaks.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from functools import cache

from pipelines.clean.memo import Memo

_NOT_CJK = re.compile(r"[^\u3400-\u9fff\uf900-\ufaff]+")
HANT_SHARE = 0.05
HANT_MIN = 3
_CHUNK = 1024


@cache
def _t2s():  # noqa: ANN202 - opencc ships no type stubs
    import opencc

    return opencc.OpenCC("t2s")


def _pairs(a: str, b: str) -> tuple[Sequence[str], Sequence[str]]:
    """The characters of `a` and their conversions, aligned one to one."""
    if len(a) == len(b):
        return a, b
    # Phrase rewrites changed the length: character by character instead, in one OpenCC
    # call with a line break between characters so that no phrase rule applies.
    chars = [c for c in a if c != "\n"]
    out = _t2s().convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):  # a converter that merged lines: one call per character
        out = [_t2s().convert(c) for c in chars]
    return chars, out


def _changed(a: Sequence[str], b: Sequence[str]) -> int:
    """Positions where `a` and `b` (equal lengths) differ, counted in C for strings of the
    basic plane: their UTF-16 code units are XORed as two integers, and a position is
    unchanged where both bytes of its unit came out zero."""
    if isinstance(a, str) and isinstance(b, str):
        x, y = a.encode("utf-16-le", "surrogatepass"), b.encode("utf-16-le", "surrogatepass")
        if len(x) == len(y) == 2 * len(a):  # no pairs of surrogates: one unit per character
            d = (int.from_bytes(x, "little") ^ int.from_bytes(y, "little")).to_bytes(len(x), "little")
            either = int.from_bytes(d[0::2], "little") | int.from_bytes(d[1::2], "little")
            return len(a) - either.to_bytes(len(a), "little").count(0)
    return sum(map(operator.ne, a, b))


def _mostly_traditional(text: str, converted: str) -> bool:
    """At least HANT_MIN and HANT_SHARE of the CJK characters changed.  Counted a chunk at
    a time: unchanged chunks compare equal in C, and a traditional page is decided as soon
    as its changes reach HANT_SHARE of all characters (a bound on the CJK ones)."""
    a, b = _pairs(text, converted)
    sure = max(HANT_MIN, HANT_SHARE * len(text))
    changed = 0
    for k in range(0, len(a), _CHUNK):
        x, y = a[k : k + _CHUNK], b[k : k + _CHUNK]
        if x != y:
            changed += _changed(x, y)
            if changed >= sure:
                return True
    cjk = len(_NOT_CJK.sub("", text))  # CJK characters
    return changed >= HANT_MIN and changed >= HANT_SHARE * cjk


def _convert_line(line: str) -> str:
    return _t2s().convert(line)


# OpenCC matches its phrases within a line (none holds a line break), so a text converts
# line by line as it does whole, and copies of a report repeat their lines.
_converted = Memo(_convert_line)


Lines = list[str] | None  # a text's lines (its split at "\n") if known


def simplify(text: str) -> str:
    """OpenCC t2s of the text."""
    return _simplified(text, None)[0]


def _simplified(text: str, lines: Lines) -> tuple[str, Lines]:
    if not Memo.enabled:
        return _t2s().convert(text), None
    out = list(map(_converted.__getitem__, text.split("\n") if lines is None else lines))
    return "\n".join(out), out


def detect_and_simplify(text: str) -> tuple[str, str]:
    """(text in simplified script, script as served: "hans" or "hant")."""
    return detect_and_simplify_lines(text, None)[:2]


def detect_and_simplify_lines(text: str, lines: Lines) -> tuple[str, str, Lines]:
    """detect_and_simplify() given the text's lines, if the caller has them, and giving the
    result's: line-wise stages after it then look up the memos' own strings, whose hashes
    are kept, not new ones from a split (hashing is most of what a memo hit costs)."""
    converted, out = _simplified(text, lines)
    if converted == text:
        return text, "hans", lines
    if _mostly_traditional(text, converted):
        return converted, "hant", out
    return text, "hans", lines


def detect_script(text: str) -> str:
    return detect_and_simplify(text)[1]
