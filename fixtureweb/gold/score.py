"""Character 3-gram F1, the cleaning quality measure.

Both texts are NFKC-normalised (so ``，`` and ``,`` or full-width digits compare equal)
and stripped of all whitespace (paragraph breaks and indentation are layout, not
content); the 3-grams are compared as multisets, so a paragraph kept twice costs
precision and a dropped paragraph costs recall.
"""

from __future__ import annotations

import unicodedata
from collections import Counter


def normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def trigrams(text: str) -> Counter[str]:
    s = normalise(text)
    return Counter(s[i : i + 3] for i in range(len(s) - 2))


def f1(expected: str, got: str) -> float:
    """F1 of the multisets of character 3-grams of ``expected`` and ``got``."""
    want, have = trigrams(expected), trigrams(got)
    if not want and not have:
        return 1.0
    overlap = sum((want & have).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(have.values())
    recall = overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)
