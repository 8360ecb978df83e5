"""A small Chinese character model: unigram and bigram frequencies plus pinyin readings.

Used by the repair stages (byte slips, lost characters, pinyin annotations) to tell real
Chinese from mojibake.  The numbers come from jieba's bundled word list (dict.txt, word
frequencies from a large general corpus), aggregated to characters: a character counts its
words' frequencies, a bigram counts the frequencies of the words it occurs inside.  Readings
come from pypinyin.  Both are build-time only: the compact table is written once to
`charfreq.txt` beside this module, so nothing but the standard library is needed at run time.

Rebuild (needs jieba==0.42.1 and pypinyin==0.55.0 installed):
    python -m pipelines.charmodel --build

Scores are for simplified script; callers score traditional text through `to_simplified()`.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("charfreq.txt")
_MIN_WORD = 5  # rarer words are mostly names and noise for our purpose
_MAX_WORD = 4  # longer words add little for scoring a few characters
_BOUND_CHAR = 3.0  # nats: a character that is never a word alone is less likely alone

# Punctuation is absent from a word list: fixed priors, roughly its share of tokens in
# ordinary modern prose (comma most, exclamation and question marks rare), scaled down by
# ten like the list's own function words (的 is 0.5% there, ~4% of real text), so "。“"
# scores like plain text and yet does not beat a real word.
_PUNCT = {
    "，": 0.005, "。": 0.003, "、": 0.001, "“": 5e-4, "”": 5e-4, "；": 2e-4, "：": 2e-4,
    "（": 2e-4, "）": 2e-4, "《": 1e-4, "》": 1e-4, "！": 5e-5, "？": 5e-5,
    "‘": 3e-5, "’": 3e-5, "—": 3e-5, "…": 2e-5, "·": 2e-5,
}
_PUNCT_LOGP = {c: math.log(p) for c, p in _PUNCT.items()}
# Punctuation that opens a quotation after a clause ends is a common sequence in prose.
_PUNCT_PAIRS = {"。“": 3.0, "，“": 2.0, "：“": 2.0, "、“": 1.5, "”，": 1.5, "”、": 1.5}
_FLOOR_LOGP = math.log(1e-8)  # '?', kana, PUA, unknown characters: as unlikely as it gets


class CharModel:
    def __init__(self, uni: dict[str, int], words: dict[str, int], readings: dict[str, str]):
        self.uni = uni  # character -> frequency of the words it occurs in
        self.words = words  # word (single characters too) -> frequency as a word
        self.readings = readings
        self.total = sum(uni.values()) or 1
        self.word_total = sum(words.values()) or 1
        self._by_reading: dict[str, list[str]] | None = None

    def logp(self, c: str) -> float:
        """log P(c) as a character (simplified): how common it is in text at all."""
        lp = _PUNCT_LOGP.get(c)
        if lp is not None:
            return lp
        n = self.uni.get(c)
        return math.log(n / self.total) if n else _FLOOR_LOGP

    def _token(self, w: str) -> float:
        if len(w) > 1:
            n = self.words.get(w)
            return math.log(n / self.word_total) if n else -math.inf
        lp = _PUNCT_LOGP.get(w)
        if lp is not None:
            return lp
        n = self.words.get(w)
        if n:
            return math.log(n / self.word_total)
        # A character that is never a word by itself: only inside words we do not know.
        return self.logp(w) - _BOUND_CHAR if w in self.uni else _FLOOR_LOGP

    def seg_score(self, s: str) -> float:
        """log P of simplified `s` under its best segmentation into known words (unigram)."""
        best = [0.0] + [-math.inf] * len(s)
        for j in range(1, len(s) + 1):
            for n in range(1, min(_MAX_WORD, j) + 1):
                lp = self._token(s[j - n : j])
                if lp != -math.inf and best[j - n] + lp > best[j]:
                    best[j] = best[j - n] + lp
        bonus = sum(_PUNCT_PAIRS.get(s[i : i + 2], 0.0) for i in range(len(s) - 1))
        return best[-1] + bonus

    def score(self, text: str, left: str = "", right: str = "", hant: bool | None = None) -> float:
        """log P of `text` between context strings (either script), for comparisons.

        With `hant` given, characters of the other script cost extra: a traditional page
        does not contain 这, a simplified one does not contain 這.
        """
        total = self.seg_score(to_simplified(left + text + right))
        if hant is not None:
            total -= WRONG_SCRIPT * sum(wrong_script(ch, hant) for ch in text)
        return total

    def chars_for(self, syllable: str) -> list[str]:
        """Characters (simplified) read `syllable` (toneless), most frequent first."""
        if self._by_reading is None:
            idx: dict[str, list[str]] = {}
            for c, rs in self.readings.items():
                for r in rs.split(","):
                    idx.setdefault(r, []).append(c)
            for v in idx.values():
                v.sort(key=lambda c: -self.uni.get(c, 0))
            self._by_reading = idx
        return self._by_reading.get(syllable, [])

    def reads(self, char: str, syllable: str) -> bool | None:
        """Whether `char` (either script) has the toneless reading; None if unknown."""
        rs = self.readings.get(to_simplified(char))
        if rs is None:
            return None
        return syllable in rs.split(",")

    def syllables(self) -> set[str]:
        return {r for rs in self.readings.values() for r in rs.split(",") if r}


@cache
def model() -> CharModel:
    """Load the table once per process (about 50 ms), only when a stage needs it."""
    uni: dict[str, int] = {}
    words: dict[str, int] = {}
    readings: dict[str, str] = {}
    with TABLE.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts[0]) == 1:
                c = parts[0]
                uni[c] = int(parts[1])
                if parts[2] != "0":
                    words[c] = int(parts[2])
                if parts[3]:
                    readings[c] = parts[3]
            else:
                words[parts[0]] = int(parts[1])
    return CharModel(uni, words, readings)


WRONG_SCRIPT = 4.0  # nats: a character of the other script is rare but not impossible


@cache
def _t2s():  # noqa: ANN202 - opencc has no type stubs
    import opencc

    return opencc.OpenCC("t2s")


@cache
def _s2t():  # noqa: ANN202
    import opencc

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=65536)
def wrong_script(ch: str, hant: bool) -> bool:
    """Whether `ch` only exists in the other script (simplified-only on a hant page...)."""
    if not "\u4e00" <= ch <= "\u9fff":
        return False
    if hant:
        return _s2t().convert(ch) != ch
    return to_simplified(ch) != ch


@lru_cache(maxsize=4096)
def to_traditional(ch: str) -> str:
    """OpenCC s2t of one character (first choice where it has several)."""
    s = _s2t().convert(ch)
    return s if len(s) == 1 else ch


def is_hant(text: str) -> bool:
    """Rough script vote for internal scoring (the script stage makes the real decision)."""
    sample = text[:4000]
    return _diff(sample, _t2s().convert(sample)) > _diff(sample, _s2t().convert(sample))


def _diff(a: str, b: str) -> int:
    return len(a) if len(a) != len(b) else sum(x != y for x, y in zip(a, b, strict=True))


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """OpenCC t2s, character for character so lengths stay aligned."""
    conv = _t2s()
    out = []
    for ch in text:
        s = conv.convert(ch)
        out.append(s if len(s) == 1 else ch)
    return "".join(out)


def _build() -> None:
    import collections
    import os

    import jieba  # build-time only
    from pypinyin import Style, pinyin

    def cjk(w: str) -> bool:
        return all("\u4e00" <= c <= "\u9fff" for c in w)

    uni: collections.Counter[str] = collections.Counter()
    words: dict[str, int] = {}
    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            word, freq, *_ = line.split()
            if not cjk(word):
                continue
            f = int(freq)
            for c in word:
                uni[c] += f
            words[word] = f
    with TABLE.open("w", encoding="utf-8") as out:
        out.write("# char<TAB>count in words<TAB>count as a word<TAB>readings | word<TAB>count\n")
        out.write("# generated by `python -m pipelines.charmodel --build` from jieba 0.42.1"
                  " dict.txt and pypinyin 0.55.0; do not edit\n")
        for c, n in uni.most_common():
            rs = pinyin(c, style=Style.NORMAL, heteronym=True)[0]
            rs = [r for r in rs if r.isascii() and r.isalpha()]
            out.write(f"{c}\t{n}\t{words.get(c, 0)}\t{','.join(dict.fromkeys(rs))}\n")
        for w, n in sorted(words.items(), key=lambda kv: -kv[1]):
            if 2 <= len(w) <= _MAX_WORD and n >= _MIN_WORD:
                out.write(f"{w}\t{n}\n")


if __name__ == "__main__":
    import sys

    if "--build" in sys.argv:
        _build()
    else:
        print(__doc__)
