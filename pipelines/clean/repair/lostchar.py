"""Restore characters a converter lost as `?` where the context makes the original certain.

Two cases, both general rules rather than lists of names:
  * `?` standing between two CJK names or words (`青島啤酒節?洮南消夏夜`, `中國洮南?4088`):
    the lost character is the middle dot `·` joining them.  A `?` closing a clause that
    asks something (a question word or particle before it) is a real question mark and
    stays; so does a `?` followed by punctuation, a line end or Latin text.
  * `?` followed by a pinyin tail `chuàng)` whose `(` was eaten with the character: the
    reading names the character, the neighbours (character model) pick among homophones.
"""

from __future__ import annotations

import re

from pipelines.clean.memo import Memo
from pipelines.clean.repair.pinyin import toneless
from pipelines.clean.result import Removal

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_TONES = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# Each pattern opens with the `?` and looks behind from there: the engine then skips ahead
# to each `?` instead of trying the lookbehind at every position of the page.
LOST_WITH_TAIL = re.compile(
    rf"\?(?<=[{_CJK}，。、；：,;:“”]\?)([a-zü{_TONES}]{{1,6}})\)(?=[{_CJK}])"
)
# Two CJK characters on the left and two CJK or digits on the right: a dot joins words; a
# `?` with a single character on a side (王?明, a name with a character GB2312 lacks) is a
# lost character of unknown identity and stays.
BETWEEN = re.compile(rf"\?(?<=[{_CJK}]{{2}}\?)(?=[{_CJK}0-9]{{2}})")
# A `?` before a unit of count or money stands for a lost number, never for a dot.
_UNITS = frozenset("亿万千百十元角个户人名项家座条台辆吨亩米倍%％")
_CLAUSE_END = re.compile(r"[，。；！？,;!?\n：:]")
_QUESTION = re.compile(
    r"(吗|嗎|呢|么|麼|吧|什么|什麼|怎|为何|為何|为什么|為什麼|哪|谁|誰|几|幾|多少|如何|是否|难道|難道|岂|豈|何)"
)


def _is_question(text: str, i: int) -> bool:
    """Does the clause ending at the `?` at i ask something?"""
    start = i
    while start > 0 and not _CLAUSE_END.match(text[start - 1]):
        start -= 1
    return bool(_QUESTION.search(text[start:i]))


def restore_lost_chars(text: str, hant: bool | None = None) -> tuple[str, list[Removal]]:
    """Fill lost `?`; every restoration is recorded as a `lost_char` removal."""
    if "?" not in text:
        return text, []
    removals: list[Removal] = []
    text = _with_tail(text, removals, hant)

    def dot(m: re.Match[str]) -> str:
        if _is_question(text, m.start()) or text[m.end()] in _UNITS:
            return "?"
        removals.append(Removal(kind="lost_char", text="?→·"))
        return "·"

    return BETWEEN.sub(dot, text), removals


def _with_tail(text: str, removals: list[Removal], hant: bool | None) -> str:
    if ")" not in text:
        return text
    from pipelines.clean.repair.charmodel import is_hant, to_traditional

    chosen: dict[tuple[str, str, str], str] = {}  # a page repeating a spot scores it once

    def sub(mt: re.Match[str]) -> str:
        start, end = mt.span()
        syllable = mt.group(1)
        left = text[max(0, start - 3) : start].split("\n")[-1]
        right = text[end : end + 3].split("\n")[0]
        key = (syllable, left, right)
        if key not in chosen:
            # "": no character has that reading, the spot stays.
            if best := _readings(key):
                nonlocal hant
                if hant is None:
                    hant = is_hant(text)
                best = to_traditional(best) if hant else best
            chosen[key] = best
        if not (best := chosen[key]):
            return mt.group(0)
        removals.append(Removal(kind="lost_char", text=f"{mt.group(0)}→{best}"))
        return best

    return LOST_WITH_TAIL.sub(sub, text)


def _reading(key: tuple[str, str, str]) -> str:
    """The character (simplified) the model likes best with reading `syllable` between
    `left` and `right`; "" when no character has that reading."""
    from pipelines.clean.repair.charmodel import model

    syllable, left, right = key
    m = model()
    if chars := m.chars_for(toneless(syllable))[:12]:
        return max(chars, key=lambda c: m.score(c, left, right))
    return ""


# Copies of a page repeat its lost characters with their neighbours: each spot is scored once.
_readings = Memo(_reading, budget=50_000, size=lambda key: sum(map(len, key)))
