"""Cleaning time grows at most linearly with the page, whatever the page holds.

Every stage, and clean() as a whole, is fed hostile text at 1 KB, 64 KB and 1 MB: runs of
the characters the cleaning patterns look for, constructs left open (`<style>` with no `{`,
`<!--` with no end), and nestings that are undone one layer at a time.  Each 16× step in
size may cost at most SLACK × 16 as much CPU time (the best of a few runs, so load on the
machine matters little): a quadratic pattern costs 256×.  No wall-clock limits.  A
hypothesis strategy draws more such inputs for clean().
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.clean import chrome, classify, metadata
from pipelines.clean.cleaner import clean, forget, parse
from pipelines.clean.decode import decode
from pipelines.clean.maintext import extract
from pipelines.clean.markup import despam
from pipelines.clean.normalize import normalize
from pipelines.clean.repair.byteslip import repair_byte_slips
from pipelines.clean.repair.chain import repair
from pipelines.clean.repair.lostchar import restore_lost_chars
from pipelines.clean.repair.pinyin import strip_pinyin
from pipelines.clean.repair.script import detect_and_simplify
from pipelines.clean.result import CleanResult
from pipelines.clean.spamwords import strip_spam_words

KB, MB = 1024, 1024 * 1024
SLACK = 3.0
URL = "http://www.example.gov.cn/a.html"

# Characters and short runs the cleaning patterns match on: question marks lost by a
# converter and pinyin tails, placeholders, brackets, digits and dates, spaces, separators,
# entities and markup, report phrases, spam-lexicon terms.
UNITS = ["?", "中?", "中?fa)", "中(fā)", "（一）", "×1", "X", "*○", "0", "2021-01-08 ", "2021年",
         " ", "\n", "-", "_|", ",中", "&", "<a", "<p>", "中", "各位代表", "第十届人民代表大会第",
         "发布时间：", "百家乐365bet_", "澳门赌场_体育彩票_百家乐_"]
# Constructs left open: a pattern looking for their end may scan the rest of the page.
OPENERS = ["<style>", "<!--", "<title>", '<p style="']


@dataclass(frozen=True)
class Hostile:
    """`opener`, then `unit` repeated, then `closer` as often: `<<<a>a>a>` is ("", "<", "a>")."""

    unit: str
    opener: str = ""
    closer: str = ""

    def text(self, size: int) -> str:
        step = len((self.unit + self.closer).encode("utf-8"))
        n = max(1, (size - len(self.opener.encode("utf-8"))) // step)
        return self.opener + self.unit * n + self.closer * n

    def __str__(self) -> str:
        return repr(self.opener + self.unit + self.closer)


RUNS = [Hostile(u) for u in UNITS]
MARKUP = [
    *(Hostile(u, opener) for opener in OPENERS for u in ("a", "-<")),
    Hostile("amp;", "&"),  # &amp;amp;amp;…: escaped once per layer
    Hostile("<", "", "a>"),  # <<<a>a>a>: a tag inside a tag inside a tag
]


def document(s: str) -> str:
    """s as a page's title, a <meta> content and its body."""
    return (f'<html><head><title>{s}</title><meta name="ArticleTitle" content="{html.escape(s)}">'
            f"</head><body><p>{s}</p></body></html>")


def _chrome(s: str) -> None:
    # (is_chrome judges lines of at most 160 characters: its cost is bounded.)
    chrome.for_matching.clear()  # cached by line: a second run would cost nothing
    chrome.for_matching(s)
    chrome.is_edge_junk(s)


def _markup(s: str) -> None:
    despam(parse(document(s)))


def _maintext(s: str) -> None:
    chrome.for_matching.clear()
    extract(parse(document(s)))


def _classify(s: str) -> None:
    lines = s.split("\n")
    classify.judge(s, lines)
    classify.is_template(s)


def _metadata(s: str) -> None:
    chrome.for_matching.clear()
    root = parse(document(s))
    metadata.title_candidates(root)
    lines = s.split("\n")
    metadata.choose_title(s, lines[:6])
    metadata.describe(CleanResult(title=s), lines, lines[:6], lines)
    metadata.published(root, lines[:60])


def _clean(s: str) -> None:
    chrome.for_matching.clear()
    clean(s.encode("utf-8", "replace"), URL)  # no Content-Type: clean() tells HTML from text


# Stages of page text, and (MARKUP_STAGES) those that also see markup.
STAGES: dict[str, Callable[[str], object]] = {
    "decode": lambda s: decode(s.encode("gb18030", "replace")),  # not UTF-8: the detection
    "chrome": _chrome,
    "pinyin": strip_pinyin,
    "byteslip": repair_byte_slips,
    "lostchar": restore_lost_chars,
    "script": detect_and_simplify,
    "normalize": normalize,
    "repair": repair,
    "spamwords": strip_spam_words,
    "classify": _classify,
}
MARKUP_STAGES: dict[str, Callable[[str], object]] = {
    "markup": _markup,
    "maintext": _maintext,
    "metadata": _metadata,
    "clean": _clean,
}


def cpu(fn: Callable[[str], object], text: str, repeat: int, batch: int = 1) -> float:
    """CPU seconds for one call: the best of `repeat` batches of `batch` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(batch):
            forget()  # memos and kept searches answer a text seen before: each run must work
            fn(text)
        best = min(best, (time.process_time() - start) / batch)
    return best


def growth(fn: Callable[[str], object], hostile: Hostile, small: int, large: int) -> float:
    """How many times the cost grows from `small` to `large`, over the size ratio (1: linear).

    The large size is timed once, and again only if it looked super-linear: a slow run on
    a busy machine is then outvoted.
    """
    fn(hostile.text(KB))  # runs at all, and warms what this kind of text first needs
    short, long = hostile.text(small), hostile.text(large)
    size_ratio = len(long) / len(short)
    t_small = max(cpu(fn, short, 3), 1e-6)
    t_large = cpu(fn, long, 1)
    if t_large / t_small > SLACK * size_ratio:
        t_large = min(t_large, cpu(fn, long, 2))
    return t_large / t_small / size_ratio


def assert_linear(stage: str, fn: Callable[[str], object], inputs: list[Hostile],
                  small: int = 64 * KB, large: int = MB) -> None:
    fn("中?fa)（一）2021年各位代表<p>x</p>")  # models and tables load on first use
    worse = {str(h): round(g, 1) for h in inputs if (g := growth(fn, h, small, large)) > SLACK}
    assert not worse, f"{stage}: cost grows faster than size (× the size ratio): {worse}"


@pytest.mark.parametrize("stage", STAGES)
def test_each_text_stage_is_linear(stage):
    assert_linear(stage, STAGES[stage], RUNS)


@pytest.mark.parametrize("stage", ["markup", "maintext"])
def test_each_markup_stage_is_linear(stage):
    assert_linear(stage, MARKUP_STAGES[stage], RUNS + MARKUP)


@pytest.mark.parametrize("stage", ["metadata", "clean"])
def test_metadata_and_clean_are_linear(stage):
    # The same 16× step at 4 KB → 64 KB: both cost up to 4 s per MB of these inputs (linear:
    # the division-name scan of metadata's region lookup), too slow for every one at 1 MB.
    assert_linear(stage, MARKUP_STAGES[stage], RUNS + MARKUP, 4 * KB, 64 * KB)


def test_clean_is_linear_at_a_megabyte_on_the_pages_of_issue_18():
    assert_linear("clean", _clean, [Hostile(".nav li a, ", "<style>"), Hostile("中?fa)"),
                                    Hostile("a", "<!--"), Hostile("?")])


@st.composite
def hostile_inputs(draw: st.DrawFn) -> Hostile:
    """A unit of pattern characters, repeated, maybe inside an open construct or nested."""
    alphabet = st.sampled_from(sorted(set("".join(UNITS + OPENERS))))
    unit = draw(st.one_of(st.sampled_from(UNITS), st.text(alphabet, min_size=1, max_size=8)))
    opener = draw(st.sampled_from(["", *OPENERS]))
    # (Found with it: `间)))…`, a mark run converted one mark a round by normalize.)
    closer = draw(st.sampled_from(["", "", "a>", ">", ")", "）", "}", "-->"]))
    return Hostile(unit, opener, closer)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_inputs())
def test_clean_is_linear_on_generated_hostile_pages(hostile):
    g = growth(_clean, hostile, 4 * KB, 64 * KB)
    assert g <= SLACK, f"clean() on {hostile}: cost grows {g:.1f}× faster than size"


def test_bench_prints_each_hostile_page_against_an_ordinary_one():
    from bench import hostile

    out = hostile.lines(64 * KB, repeat=1)
    assert len(out) == 1 + len(hostile.HOSTILE)
    assert out[0].startswith("ordinary 64 KiB report page") and all("×" in x for x in out[1:])
