from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipelines.clean.normalize import normalize


def test_policy() -> None:
    assert normalize("　　２０２２年,是(一)生产总值(GDP)") == "2022年，是（一）生产总值（GDP）"
    assert normalize("增长1,000元 时间14:14:00 3.5%") == "增长1,000元 时间14:14:00 3.5%"
    assert normalize("为什么?我们!a, b") == "为什么？我们！a, b"
    assert normalize("a  \t b　c") == "a b c"


def test_lines_kept_or_dropped() -> None:
    assert normalize("甲\n  \n乙") == "甲\n\n乙"
    assert normalize("甲\n  \n乙", drop_empty=True) == "甲\n乙"


@given(st.text())
def test_idempotent_and_lines(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once.count("\n") == text.count("\n")


def test_doubled_punctuation_collapses_to_its_strongest_mark() -> None:
    from pipelines.clean.normalize import collapse_doubled

    text, changed = collapse_doubled("增长6%，，完成。。全年，。投资、，建设；，推进")
    assert text == "增长6%，完成。全年。投资，建设；推进"
    assert changed == ["，，→，", "。。→。", "，。→。", "、，→，", "；，→；"]
    # …… and —— are single Chinese marks written as two; a lone mark is no doubling.
    assert collapse_doubled("等等……还有——以及，然后。") == ("等等……还有——以及，然后。", [])


@given(st.text(alphabet="，。、；…—甲乙 \n"))
def test_doubled_collapse_is_idempotent_and_keeps_lines(text: str) -> None:
    from pipelines.clean.normalize import collapse_doubled

    once, _ = collapse_doubled(text)
    assert collapse_doubled(once) == (once, [])
    assert once.count("\n") == text.count("\n")
