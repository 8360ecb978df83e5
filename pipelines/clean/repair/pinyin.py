"""Strip pinyin annotations that traditional-script converters insert: 發(fā)布 -> 發布.

An annotation is a parenthesised lowercase syllable with a tone mark or tone digit right
after a CJK character.  It is removed only when the syllable (toneless) is a reading of that
character according to the character table (pypinyin readings, see `charmodel`); for a
character the table does not know, a legal syllable is enough.  So `(GDP)`, `(PM2.5)`,
`(a)`, `(pm)` and English words in parentheses always stay.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pipelines.clean.result import Removal

_TONES = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# "(" first, then the character before it: the engine skips ahead to each "(".
ANNOTATION = re.compile(
    rf"\((?<=[\u3400-\u9fff\uf900-\ufaff]\()([a-zü{_TONES}]{{1,6}})([1-5]?)\)"
)
_HAS_TONE = re.compile(f"[{_TONES}]")


@lru_cache(maxsize=4096)
def toneless(syllable: str) -> str:
    """fā -> fa, lǜ -> lv (pypinyin's spelling of ü)."""
    base = unicodedata.normalize("NFD", syllable).replace("u\u0308", "v")
    return "".join(c for c in base if c.isascii() and c.isalpha())


def is_annotation(char: str, syllable: str, digit: str = "") -> bool:
    """Whether `(syllable)` after `char` is a converter's pinyin annotation."""
    if not digit and not _HAS_TONE.search(syllable):
        return False  # toneless lowercase in parentheses is more likely a label: (a), (pm)
    from pipelines.clean.repair.charmodel import model  # loaded only when a candidate appears

    m = model()
    plain = toneless(syllable)
    known = m.reads(char, plain)
    if known is None:
        return plain in _syllables()
    return known


_SYLLABLES: set[str] = set()


def _syllables() -> set[str]:
    if not _SYLLABLES:
        from pipelines.clean.repair.charmodel import model

        _SYLLABLES.update(model().syllables())
    return _SYLLABLES


def strip_pinyin(text: str) -> tuple[str, list[Removal]]:
    """Remove annotations; each one is recorded as a `pinyin` removal."""
    if "(" not in text:
        return text, []
    removals: list[Removal] = []
    seen: dict[tuple[str, str, str], bool] = {}  # a page repeats its annotations

    def sub(m: re.Match[str]) -> str:
        key = (text[m.start() - 1], m.group(1), m.group(2))
        if key not in seen:
            seen[key] = is_annotation(*key)
        if seen[key]:
            removals.append(Removal(kind="pinyin", text=m.group(0)))
            return ""
        return m.group(0)

    return ANNOTATION.sub(sub, text), removals
