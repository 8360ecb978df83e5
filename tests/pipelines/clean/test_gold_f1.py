"""Quality gate for cleaning: every fixture report page against its hand-checked gold text.

`pipelines.clean.clean` is imported at module level on purpose: if it is missing or
broken the gate fails, it does not skip.
"""

from __future__ import annotations

import html
import re
import unicodedata

import opencc
import pytest

from fixtureweb import load_manifest, site_file
from fixtureweb.gold import load_gold, load_hand_gold
from fixtureweb.gold.score import f1, normalise, trigrams
from pipelines.clean.cleaner import clean
from pipelines.clean.decode import decode
from pipelines.clean.result import CleanResult
from pipelines.clean.spamwords import lexicon

F1_FLOOR = 0.995
MANIFEST = load_manifest()
GOLD = load_gold()
HAND = load_hand_gold()
T2S = opencc.OpenCC("t2s")
# Kinds whose removal text is "old→new": the only places a character may come from that the
# page does not have.
REPAIR_KINDS = frozenset({"byte_slip", "lost_char", "doubled_punct"})
SITES = {s["host"]: s for s in MANIFEST["sites"]}
DISTRACTORS = [(s["host"], u) for s in MANIFEST["sites"] for u in s["distractors"]]


def headers_for(host: str) -> dict[str, str]:
    """The headers the fixture server sends for an HTML page of this site."""
    return {"Content-Type": f"text/html; charset={SITES[host]['charset']}"}


def same_title(a: str, b: str) -> bool:
    return normalise(a) == normalise(b)


def test_every_report_page_has_gold() -> None:
    reports = {s["host"]: s["reports"][0]["url"] for s in MANIFEST["sites"]}
    assert set(GOLD) == set(reports)
    for host, gold in GOLD.items():
        assert gold["url"] == reports[host]
        assert gold["title"] and gold["text"]


@pytest.mark.parametrize("host", sorted(GOLD))
def test_clean_matches_gold(host: str) -> None:
    gold = GOLD[host]
    body = site_file(gold["url"]).read_bytes()
    result = clean(body, gold["url"], headers_for(host))
    score = f1(gold["text"], result.text)
    assert score >= F1_FLOOR, f"{host}: text F1 {score:.4f} < {F1_FLOOR}"
    assert same_title(gold["title"], result.title), (gold["title"], result.title)
    assert result.is_report is True


def _hand_result(name: str) -> CleanResult:
    rec = HAND[name]
    return clean(rec["body"], rec["url"], {"Content-Type": f"text/html; charset={rec['charset']}"})


@pytest.mark.parametrize("name", sorted(HAND))
def test_hand_page_matches_gold(name: str) -> None:
    """Hand-written pages: chrome inside the container, unseen spam, lost indentation."""
    rec, result = HAND[name], _hand_result(name)
    score = f1(rec["text"], result.text)
    assert score >= F1_FLOOR, f"{name}: text F1 {score:.4f} < {F1_FLOOR}"
    assert same_title(rec["title"], result.title), (rec["title"], result.title)
    assert result.is_report is True


@pytest.mark.parametrize("name", sorted(HAND))
def test_hand_page_leaves_no_chrome_and_no_spam(name: str) -> None:
    rec, result = HAND[name], _hand_result(name)
    both = result.title + "\n" + result.text
    assert [c for c in rec["chrome"] if c in both] == []
    assert [s for s in rec["spam"] if s in both] == []
    strong, _ = lexicon()
    assert [t for t in strong if t in both.lower()] == []
    assert [k for k in rec["keep"] if k not in result.text] == []
    if rec["spam"]:
        assert result.spam_removed > 0
        assert all(x.text for x in result.removals)


_TAG_RE = re.compile(r"<[^<>]*>")


def _flat(text: str) -> str:
    return normalise(T2S.convert(text))


def _invented(body: bytes, charset: str | None, result: CleanResult) -> set[str]:
    """Character pairs of the cleaned output that the page does not have and no recorded
    change explains.  Pairs, not characters: an invented `。可` is made of characters any
    page has.  A pair is explained by a repair that wrote one of its characters, or by a
    removal that stood between its two characters on the page."""
    source = _flat(_TAG_RE.sub("", html.unescape(decode(body, None, charset)[0])))
    have = {source[i : i + 2] for i in range(len(source) - 1)}
    written: set[str] = set()
    for r in result.removals:
        if r.kind in REPAIR_KINDS and "→" in r.text:
            written |= set(_flat(r.text.rsplit("→", 1)[1]))
    gaps = {_flat(r.text) for r in result.removals if "→" not in r.text} - {""}
    bad: set[str] = set()
    for line in [result.title, *result.text.split("\n")]:
        flat = _flat(line)
        for pair in {flat[i : i + 2] for i in range(len(flat) - 1)} - have:
            if written & set(pair):
                continue
            if not any(pair[0] + gap + pair[1] in source for gap in gaps):
                bad.add(pair)
    return bad


@pytest.mark.parametrize("name", sorted(HAND) + sorted(GOLD))
def test_no_invented_characters(name: str) -> None:
    if name in HAND:
        rec, body, charset = HAND[name], HAND[name]["body"], HAND[name]["charset"]
        result = _hand_result(name)
    else:
        rec, body, charset = GOLD[name], site_file(GOLD[name]["url"]).read_bytes(), None
        result = clean(body, rec["url"], headers_for(name))
    assert _invented(body, charset, result) == set()
    # A repair needs evidence besides the `?` it fills: a run of `?` alone is lost
    # whitespace, and whatever a repair writes is in the hand-checked text.
    gold = normalise(rec["text"] + rec["title"])
    for r in result.removals:
        if r.kind in REPAIR_KINDS - {"doubled_punct"}:
            old, _, new = r.text.rpartition("→")
            assert old.strip("?？ ") or r.kind == "lost_char", r
            assert _flat(new) in gold, r


def test_invented_characters_are_detected() -> None:
    # The check itself: a character that is neither on the page nor a recorded repair.
    body = "<p>??一、工作回顾。可持续</p>".encode()
    fake = CleanResult(text="。可一、工作回顾")
    assert _invented(body, "utf-8", fake) == {"可一"}


@pytest.mark.parametrize(("host", "url"), DISTRACTORS)
def test_distractors_are_not_reports(host: str, url: str) -> None:
    result = clean(site_file(url).read_bytes(), url, headers_for(host))
    assert result.is_report is False, url


# --- the measure itself ---------------------------------------------------------------
def test_f1_identical_is_one() -> None:
    assert f1("政府工作报告", "政府工作报告") == 1.0


def test_f1_disjoint_is_zero() -> None:
    assert f1("政府工作报告", "今天天气很好") == 0.0


def test_f1_known_partial_case() -> None:
    # expected "abcde": abc bcd cde (3); got "abcxy": abc bcx cxy (3); overlap 1
    # precision = recall = 1/3, so F1 = 1/3.
    assert f1("abcde", "abcxy") == pytest.approx(1 / 3)
    # expected "一二三四" → 一二三 二三四 (2); got "一二三" → 一二三 (1): P=1, R=1/2, F1=2/3.
    assert f1("一二三四", "一二三") == pytest.approx(2 / 3)


def test_f1_ignores_whitespace_and_width() -> None:
    assert f1("各位代表：现在，我代表", "各位代表:\n现在, 我代表") == 1.0
    assert f1("２０２２年", "2022年") == 1.0


def test_f1_counts_repeats() -> None:
    # a duplicated paragraph costs precision: multiset, not set
    assert trigrams("abcabc")["abc"] == 2
    assert f1("abcd", "abcdabcd") < 1.0


def test_f1_empty_cases() -> None:
    assert f1("", "") == 1.0
    assert f1("abc", "") == 0.0


def test_gold_is_simplified_and_clean() -> None:
    t2s = T2S
    for host, gold in {**GOLD, **HAND}.items():
        text = gold["text"]
        assert t2s.convert(text) == text, host
        assert "365" not in text and "h4sia" not in text, host
        assert "(fā)" not in text and "?" not in text, host
        assert unicodedata.normalize("NFC", text) == text
        assert "\n\n" not in text and text == text.strip()
