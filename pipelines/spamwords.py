"""Remove gambling/porn/fake-certificate SEO phrases pasted into titles and text.

Two rules over the lexicon in `spam_lexicon.txt`:
  * a keyword chain: two or more spam units joined by `_ | - , ，、` where at least one
    unit holds a strong term;  a unit is a run made only of lexicon terms (strong or weak)
    and brand-like tokens (`365`, `365bet`, `完美体育365`), so it can never swallow an
    ordinary word: 体育, 体育场, 体育彩票, 全民健身 are not units;
  * a lone unit holding a strong term (完美体育365 on its own, 百家乐).
Weak terms (彩票, 色情, 发票 ...) count only inside a chain with a strong term.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

from pipelines.result import Removal

# Read through importlib.resources, so it also loads from a zipped egg (Scrapyd).
LEXICON = files("pipelines") / "spam_lexicon.txt"
_SEP = r"[_|｜\-,，、]"
# A brand: digits and Latin glued together (365bet, bet365, 188) or a short CJK name with
# a number (完美体育365).
_BRAND = r"(?:\d{2,4}[a-z]{2,8}|[a-z]{2,8}\d{2,4}|\d{3}|[\u4e00-\u9fff]{2,4}\d{2,4}(?![\d.%]))"


@cache
def lexicon() -> tuple[list[str], list[str]]:
    strong: list[str] = []
    weak: list[str] = []
    group = strong
    for raw in LEXICON.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            group = weak if line.rstrip("]").endswith("/weak") else strong
            continue
        group.append(line.lower())
    return strong, weak


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    strong, weak = lexicon()
    terms = sorted(set(strong + weak), key=len, reverse=True)
    lex = "|".join(re.escape(t) for t in terms)
    unit = rf"(?:{_BRAND}(?:{lex})*|(?:\d{{2,4}}|[a-z]{{2,8}})?(?:{lex})+)"
    # One separator before the chain goes with it, so "标题_百家乐" leaves "标题".
    chain = re.compile(rf"{_SEP}?{unit}(?:{_SEP}{unit})*", re.IGNORECASE)
    strong_re = re.compile("|".join(re.escape(t) for t in sorted(strong, key=len, reverse=True)),
                           re.IGNORECASE)
    return chain, strong_re


@cache
def _strong_any() -> re.Pattern[str] | None:
    """Finds whether any strong term occurs in lowered text (None: there are none), in one
    scan instead of one per term."""
    strong, _ = lexicon()
    return re.compile("|".join(map(re.escape, strong))) if strong else None


def _spammy(chain: str, strong_re: re.Pattern[str]) -> bool:
    return bool(strong_re.search(chain))


def strip_spam_words(text: str) -> tuple[str, list[Removal]]:
    """(text without SEO spam phrases, one `spam_word` removal per phrase).  Never raises."""
    try:
        return _strip(text)
    except Exception:  # a cleaning stage must not take the page down with it
        return text, []


def _strip(text: str) -> tuple[str, list[Removal]]:
    strong = _strong_any()
    # A search for the terms is far cheaper than the chain regex: most pages have none.
    if strong is None or not strong.search(text.lower()):
        return text, []
    removals: list[Removal] = []
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if strong.search(line.lower()):
            lines[n] = _strip_line(line, removals)
    return "\n".join(lines), removals


def _strip_line(text: str, removals: list[Removal]) -> str:
    chain_re, strong_re = _patterns()

    def sub(m: re.Match[str]) -> str:
        found = m.group(0)
        if not _spammy(found, strong_re):
            return found
        removals.append(Removal(kind="spam_word", text=found))
        return ""

    for _ in range(3):  # removing one chain can bring the next one's parts together
        before = len(removals)
        text = chain_re.sub(sub, text)
        if len(removals) == before:
            break
    return text
