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
from functools import cache

_NOT_CJK = re.compile(r"[^\u3400-\u9fff\uf900-\ufaff]+")
HANT_SHARE = 0.05
HANT_MIN = 3


@cache
def _t2s():  # noqa: ANN202 - opencc ships no type stubs
    import opencc

    return opencc.OpenCC("t2s")


def _changed(a: str, b: str) -> int:
    if len(a) == len(b):
        return sum(map(operator.ne, a, b))
    return sum(_t2s().convert(c) != c for c in a)  # phrase rewrites changed the length


def detect_and_simplify(text: str) -> tuple[str, str]:
    """(text in simplified script, script as served: "hans" or "hant")."""
    converted = _t2s().convert(text)
    if converted == text:
        return text, "hans"
    cjk = len(_NOT_CJK.sub("", text))  # CJK characters
    changed = _changed(text, converted)
    if changed >= HANT_MIN and changed >= HANT_SHARE * cjk:
        return converted, "hant"
    return text, "hans"


def detect_script(text: str) -> str:
    return detect_and_simplify(text)[1]
