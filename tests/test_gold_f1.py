"""Quality gate for cleaning: every fixture report page against its hand-checked gold text.

`pipelines.clean.clean` is imported at module level on purpose: if it is missing or
broken the gate fails, it does not skip.
"""

from __future__ import annotations

import unicodedata

import pytest

from pipelines.clean import clean
from tests.fixtureweb import load_manifest, site_file
from tests.gold import load_gold
from tests.gold.score import f1, normalise, trigrams

F1_FLOOR = 0.995
MANIFEST = load_manifest()
GOLD = load_gold()
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
    import opencc

    t2s = opencc.OpenCC("t2s")
    for host, gold in GOLD.items():
        text = gold["text"]
        assert t2s.convert(text) == text, host
        assert "365" not in text and "h4sia" not in text, host
        assert "(fā)" not in text and "?" not in text, host
        assert unicodedata.normalize("NFC", text) == text
        assert "\n\n" not in text and text == text.strip()
