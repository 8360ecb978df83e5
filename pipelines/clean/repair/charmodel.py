"""A small Chinese character model: unigram and bigram frequencies plus pinyin readings.

Used by the repair stages (byte slips, lost characters, pinyin annotations) to tell real
Chinese from mojibake.  The numbers come from jieba's bundled word list (dict.txt, word
frequencies from a large general corpus), aggregated to characters: a character counts its
words' frequencies, a bigram counts the frequencies of the words it occurs inside.  Readings
come from pypinyin.  Both are build-time only: the compact table is written once to
`charfreq.txt` beside this module, so nothing but the standard library is needed at run time.

Rebuild (needs jieba==0.42.1 and pypinyin==0.55.0 installed):
    python -m pipelines.clean.repair.charmodel --build

Scores are for simplified script; callers score traditional text through `to_simplified()`
(a per-character OpenCC t2s table built once).  Besides the words, punctuation carries a
little context: common pairs (。“) gain, a quotation that would end a sentence after one
character (“三。”) loses.  `charsearch` ranks many candidates at once under this model.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import math
import os
import re
import time
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Any

# Read through importlib.resources, so it also loads from a zipped egg (Scrapyd).
TABLE = files("pipelines.clean.repair") / "charfreq.txt"
_MIN_WORD = 5  # rarer words are mostly names and noise for our purpose
MAX_WORD = 4  # longer words add little for scoring a few characters
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
# A quotation or bracket that would end a sentence after a single character (“三。”) is a
# very unlikely sentence: quotation marks hold terms (“三保”) and whole sentences.
_OPENERS = frozenset("“‘「『《（")
_SENTENCE_ENDS = frozenset("。！？")
_ONE_CHAR_SENTENCE = 3.0  # nats
# Every character punct_bonus may look at: all punctuation.
MARKS = frozenset("".join(_PUNCT_PAIRS)) | _OPENERS | _SENTENCE_ENDS | frozenset(_PUNCT)
FLOOR_LOGP = math.log(1e-8)  # '?', kana, PUA, unknown characters: as unlikely as it gets


class CharModel:
    def __init__(self, uni: dict[str, int], words: dict[str, int], readings: dict[str, str],
                 simp: dict[str, str], trad: dict[str, str]):
        # `words` (word, single characters too -> frequency as a word) becomes log
        # probabilities below and is not kept.
        # Equal values are held as one object each (_pooled): 123,000 words share 4,000 log
        # probabilities, and the indexes' strings of continuations repeat as often (a saved
        # model keeps the sharing: marshal writes an object it meets again as a reference).
        self._values: dict[tuple[object, str], Any] = {}
        self.uni = self._pooled(uni)  # character -> frequency of the words it occurs in
        self.readings = self._pooled(readings)
        # OpenCC's character tables (see simp_table), kept with the model so that a process
        # loading a saved model builds no s2t converter (27 MB resident) just for them.
        self.simp, self.trad = self._pooled(simp), self._pooled(trad)
        self.total = sum(uni.values()) or 1
        self.word_total = sum(words.values()) or 1
        self._by_reading: dict[str, list[str]] | None = None
        # Scoring runs tens of thousands of times per damaged page: log probabilities are
        # computed once here so a token costs one dict lookup.
        lt, lw = math.log(self.total), math.log(self.word_total)
        self.char_logp = {c: math.log(n) - lt for c, n in uni.items()}
        self.char_logp.update(_PUNCT_LOGP)
        # A character that is never a word by itself: only inside words we do not know.
        tok1 = {c: lp - _BOUND_CHAR for c, lp in self.char_logp.items()}
        tok1.update((w, math.log(n) - lw) for w, n in words.items() if len(w) == 1)
        tok1.update(_PUNCT_LOGP)
        self.char_logp = self._pooled(self.char_logp)
        self.tok1 = self._pooled(tok1)  # single-character tokens
        self.tokn = self._pooled({w: math.log(n) - lw for w, n in words.items() if len(w) > 1})
        # The indexes below are keyed by slices of words, most of them characters or words
        # already held: one string object each instead of a copy per index (a saved model
        # keeps the sharing), about 5 MB less in every process that loads it.
        self._strings = {**{c: c for c in tok1}, **{w: w for w in self.tokn}}
        # Word beginnings: prefix -> the characters that continue it (to stop lookups early
        # and to find, for a context, the few candidates that can form a word with it).
        after: dict[str, str] = {}
        seen: set[str] = set()
        for w in self.tokn:
            for n in range(1, len(w)):
                if w[: n + 1] not in seen:
                    seen.add(w[: n + 1])
                    key = self._shared(w[:n])
                    after[key] = after.get(key, "") + w[n]
        self.after = self._pooled(after)
        self._before: dict[str, str] | None = None
        self._edges: tuple[dict[tuple[str, int], float], dict[tuple[str, int], float]] | None = None

    _STATE = ("uni", "readings", "simp", "trad", "total", "word_total", "char_logp", "tok1",
              "tokn", "after", "_before", "_edges")

    def _shared(self, s: str) -> str:
        return self._strings.setdefault(s, s)

    def _pooled(self, table: dict[Any, Any]) -> dict[Any, Any]:
        """`table` with each value replaced by an equal one already held, if any (about 9 MB
        of 46 in every process that loads the model).  Keyed by the value and its str(), so
        that 0.0 and -0.0, or 1 and 1.0, stay apart."""
        pool = self._values
        return {k: pool.setdefault((v, str(v)), v) for k, v in table.items()}

    def state(self) -> dict[str, Any]:
        """What a copy needs (marshal-able: dicts, tuples, strings and numbers)."""
        return {name: getattr(self, name) for name in self._STATE}

    # What each saved table holds: (key type, value type) of its entries.
    _TABLES = {"uni": (str, int), "readings": (str, str), "simp": (str, str),
               "trad": (str, str), "char_logp": (str, float), "tok1": (str, float),
               "tokn": (str, float), "after": (str, str), "_before": (str, str)}

    @classmethod
    def restored(cls, state: dict[str, Any]) -> CharModel:
        """The model a state() gives back; ValueError for anything else, such as a file of
        another format that marshal reads just as well (each table is checked by its type
        and its first entry's)."""
        if not isinstance(state, dict) or set(state) != set(cls._STATE):
            raise ValueError("not a saved CharModel")
        tables = [(state[name], types) for name, types in cls._TABLES.items()]
        edges = state["_edges"]
        if isinstance(edges, tuple) and len(edges) == 2:
            tables += [(table, (tuple, float)) for table in edges]
        else:
            tables.append((edges, (tuple, float)))  # not a pair: fails below
        for table, (key_type, value_type) in tables:
            first = next(iter(table.items()), None) if isinstance(table, dict) else None
            if (first is None or type(first[0]) is not key_type
                    or type(first[1]) is not value_type):
                raise ValueError("not a saved CharModel")
        if not all(type(state[n]) is int and state[n] > 0 for n in ("total", "word_total")):
            raise ValueError("not a saved CharModel")
        m = cls.__new__(cls)
        m.__dict__.update(state, _by_reading=None, _strings={}, _values={})
        return m

    def before(self) -> dict[str, str]:
        """Word endings: rest -> the characters c for which c+rest is a word (built once)."""
        if self._before is None:
            idx: dict[str, str] = {}
            for w in self.tokn:
                key = self._shared(w[1:])
                idx[key] = idx.get(key, "") + w[0]
            self._before = self._pooled(idx)
        return self._before

    def edge_words(self) -> tuple[dict[tuple[str, int], float], dict[tuple[str, int], float]]:
        """Best token log P of a word by (first character, length) and by (last character,
        length), built once: bounds for words whose other characters are not known yet."""
        if self._edges is None:
            first: dict[tuple[str, int], float] = {}
            last: dict[tuple[str, int], float] = {}
            for w, lp in self.tokn.items():
                n, head, tail = len(w), self._shared(w[0]), self._shared(w[-1])
                for key, table in (((head, n), first), ((tail, n), last)):
                    if lp > table.get(key, -math.inf):
                        table[key] = lp
            self._edges = first, last
        return self._edges

    def logp(self, c: str) -> float:
        """log P(c) as a character (simplified): how common it is in text at all."""
        return self.char_logp.get(c, FLOOR_LOGP)

    def begins(self, w: str) -> bool:
        """Whether some known word of two or more characters begins with (or is) `w`."""
        return w[-1] in self.after.get(w[:-1], "") if len(w) > 1 else w in self.after

    def prefix_scores(self, s: str) -> list[float]:
        """best[j] = log P of simplified s[:j] under its best segmentation (no pair bonus)."""
        best = [0.0] * (len(s) + 1)
        tok1, tokn, after = self.tok1, self.tokn, self.after
        for j in range(1, len(s) + 1):
            best[j] = -math.inf
        for i in range(len(s)):
            here = best[i]
            v = here + tok1.get(s[i], FLOOR_LOGP)
            if v > best[i + 1]:
                best[i + 1] = v
            for j in range(i + 2, min(len(s), i + MAX_WORD) + 1):
                if s[j - 1] not in after.get(s[i : j - 1], ""):
                    break  # no known word begins like this
                lp = tokn.get(s[i:j])
                if lp is not None and here + lp > best[j]:
                    best[j] = here + lp
        return best

    def seg_score(self, s: str) -> float:
        """log P of simplified `s` under its best segmentation into known words (unigram)."""
        return self.prefix_scores(s)[-1] + self.punct_bonus(s)

    @staticmethod
    def punct_bonus(s: str, lo: int = 0, hi: int | None = None) -> float:
        """What punctuation in simplified `s` says beyond its unigram priors (nats), from
        the windows that touch s[lo:hi] (all of s by default)."""
        if MARKS.isdisjoint(s):
            return 0.0
        hi = len(s) if hi is None else hi
        total = 0.0
        for i in range(max(0, lo - 1), min(hi, len(s) - 1)):
            total += _PUNCT_PAIRS.get(s[i : i + 2], 0.0)
        for i in range(max(0, lo - 2), min(hi, len(s) - 2)):
            if s[i] in _OPENERS and s[i + 2] in _SENTENCE_ENDS and s[i + 1] not in _PUNCT_LOGP:
                total -= _ONE_CHAR_SENTENCE
        return total

    @staticmethod
    def punct_bound(pattern: Sequence[str | Any]) -> float:
        """`punct_bonus` of a pattern whose positions are characters or sets of them (objects
        with `chars`): the best any filling can get.  Exact for plain characters."""
        if not any(x in MARKS if type(x) is str else not MARKS.isdisjoint(x.chars)
                   for x in pattern):
            return 0.0
        total = 0.0
        for a, b in pairwise(pattern):
            if type(a) is str and type(b) is str:
                total += _PUNCT_PAIRS.get(a + b, 0.0)
            else:
                total += max((v for p, v in _PUNCT_PAIRS.items()
                              if (p[0] == a if type(a) is str else p[0] in a.chars)
                              and (p[1] == b if type(b) is str else p[1] in b.chars)), default=0.0)
        for a, b, c in zip(pattern, pattern[1:], pattern[2:], strict=False):
            # Only a certain one-character sentence costs: a set may avoid it.
            if (type(a) is str and type(b) is str and type(c) is str and a in _OPENERS
                    and c in _SENTENCE_ENDS and b not in _PUNCT_LOGP):
                total -= _ONE_CHAR_SENTENCE
        return total

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
    """The model, once per process, only when a stage needs it.

    Deriving it from the table takes about a second, paid by every process that repairs a
    page (each cleaning worker, each `scrapy extract`, each test run); a marshal of what was
    derived loads in a quarter of that.  The copy is keyed by the table's and this module's
    bytes, so a changed table or model never loads a stale one; a copy that cannot be read
    or written is ignored.
    """
    try:
        path = _cache_file()
    except RuntimeError:  # no home directory to keep a copy in
        return _built()
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
        return CharModel.restored(marshal.loads(path.read_bytes()))
    built = _built()
    _save(path, marshal.dumps(built.state()))
    return built


def _cache_file() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    source = (TABLE.read_bytes() + (files("pipelines.clean.repair") / "charmodel.py").read_bytes()
              + _opencc_version().encode())
    return base / "gzbg-archive" / f"charmodel-{hashlib.sha256(source).hexdigest()[:16]}"


def _opencc_version() -> str:
    """The character tables come from OpenCC: another version may map some differently."""
    try:
        return version("opencc")
    except PackageNotFoundError:  # installed without its metadata
        import opencc

        return str(getattr(opencc, "__version__", "unknown"))


_STALE_AFTER = 7 * 24 * 3600.0  # seconds


def _save(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)  # whole or not at all, whoever else writes it at once
        # Copies of an older table or model go, once unused for a while: not at once, as
        # another checkout or a Scrapyd egg of another version may be using its own.
        unused = time.time() - _STALE_AFTER
        for stale in path.parent.glob("charmodel-*"):
            if (stale != path and not stale.name.endswith(".tmp")
                    and stale.stat().st_atime < unused and stale.stat().st_mtime < unused):
                stale.unlink(missing_ok=True)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _built() -> CharModel:
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
    import opencc

    simp, trad = _char_table(opencc.OpenCC("t2s")), _char_table(opencc.OpenCC("s2t"))
    m = CharModel(uni, words, readings, simp, trad)
    m.before()
    m.edge_words()
    m._strings, m._values = {}, {}  # only needed while the indexes are built
    return m


WRONG_SCRIPT = 4.0  # nats: a character of the other script is rare but not impossible
# Every BMP ideograph (and compatibility ideograph): converted once, as one OpenCC call
# with a line break between characters so that no phrase rule applies.
_IDEOGRAPHS = [*range(0x3400, 0xA000), *range(0xF900, 0xFB00)]


def _char_table(conv) -> dict[str, str]:  # noqa: ANN001
    chars = [chr(i) for i in _IDEOGRAPHS]
    out = conv.convert("\n".join(chars)).split("\n")
    if len(out) != len(chars):  # a converter that merged lines: fall back to one by one
        out = [conv.convert(c) for c in chars]
    return {c: s for c, s in zip(chars, out, strict=True) if s != c and len(s) == 1}


def simp_table() -> dict[str, str]:
    """Traditional -> simplified, character by character (OpenCC t2s, first choice)."""
    return model().simp


def _trad_table() -> dict[str, str]:
    """Simplified -> traditional, character by character (OpenCC s2t, first choice)."""
    return model().trad


def wrong_script(ch: str, hant: bool) -> bool:
    """Whether `ch` only exists in the other script (simplified-only on a hant page...)."""
    return ch in (_trad_table() if hant else simp_table())


def to_traditional(ch: str) -> str:
    """OpenCC s2t of one character (first choice where it has several)."""
    return _trad_table().get(ch, ch)


@cache
def _others() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Runs of characters t2s would not change, and of characters s2t would not change."""
    def outside(table: dict[str, str]) -> re.Pattern[str]:
        return re.compile("[^" + "".join(map(re.escape, table)) + "]+")

    return outside(simp_table()), outside(_trad_table())


def is_hant(text: str) -> bool:
    """Rough script vote for internal scoring (the script stage makes the real decision):
    more characters t2s would change than s2t would."""
    return _vote(text[:4000])


# The byte-slip and lost-character stages both ask about a page, mostly with the same start.
@lru_cache(maxsize=4)
def _vote(sample: str) -> bool:
    not_trad, not_simp = _others()
    return len(not_trad.sub("", sample)) > len(not_simp.sub("", sample))


@cache
def simplified_from() -> dict[str, str]:
    """Simplified -> every character t2s maps to it (the inverse of `simp_table`)."""
    out: dict[str, str] = {}
    for t, s in simp_table().items():
        out[s] = out.get(s, "") + t
    return out


@cache
def _simp_ords() -> dict[int, int]:
    return {ord(t): ord(s) for t, s in simp_table().items()}


def to_simplified(text: str) -> str:
    """OpenCC t2s, character for character so lengths stay aligned."""
    return text.translate(_simp_ords())


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
        out.write("# generated by `python -m pipelines.clean.repair.charmodel --build` from jieba 0.42.1"
                  " dict.txt and pypinyin 0.55.0; do not edit\n")
        for c, n in uni.most_common():
            rs = pinyin(c, style=Style.NORMAL, heteronym=True)[0]
            rs = [r for r in rs if r.isascii() and r.isalpha()]
            out.write(f"{c}\t{n}\t{words.get(c, 0)}\t{','.join(dict.fromkeys(rs))}\n")
        for w, n in sorted(words.items(), key=lambda kv: -kv[1]):
            if 2 <= len(w) <= MAX_WORD and n >= _MIN_WORD:
                out.write(f"{w}\t{n}\n")


if __name__ == "__main__":
    import sys

    if "--build" in sys.argv:
        _build()
    else:
        print(__doc__)
