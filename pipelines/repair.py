"""Text repair: undo what broken converters did to a page's text, then normalise it.

Order matters: pinyin annotations go first (they sit inside slipped runs' neighbours),
byte slips next (they need the text as served, in its own script and widths), then lost
characters, then script conversion and width/punctuation normalisation.  Every stage keeps
the `\\n` structure, so line i of the output is line i of the input.
"""

from __future__ import annotations

import re

from pipelines.byteslip import repair_byte_slips
from pipelines.lostchar import restore_lost_chars
from pipelines.normalize import normalize
from pipelines.pinyin import strip_pinyin
from pipelines.result import Removal
from pipelines.script import detect_and_simplify

_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_PINYIN_ROUNDS = 3  # "發(fā)(fā)" needs two; more would be a pathological page


def _strip_all_pinyin(text: str, removals: list[Removal]) -> str:
    for _ in range(_MAX_PINYIN_ROUNDS):
        text, found = strip_pinyin(text)
        removals += found
        if not found:
            break
    return text


def repair(text: str) -> tuple[str, str, list[Removal]]:
    """(repaired simplified text, script as served "hans"/"hant", removals)."""
    removals: list[Removal] = []
    # Lone surrogates are no text (clean() strips them before parsing); OpenCC refuses them.
    text = _SURROGATE.sub("\ufffd", text)
    text = _strip_all_pinyin(text, removals)
    text, slips = repair_byte_slips(text)
    if slips:
        removals += slips
        # A repaired run can end right before an annotation that belonged to it.
        text = _strip_all_pinyin(text, removals)
    text, lost = restore_lost_chars(text)
    removals += lost
    text, script = detect_and_simplify(text)
    return normalize(text), script, removals
