from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipelines.normalize import normalize


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
