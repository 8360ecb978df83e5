from __future__ import annotations

import glob
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.spamwords import strip_spam_words
from tests.shared import SEEDS


def test_seed_003_title() -> None:
    title = "2020年完美体育365_365娱乐场体育投注_365bet投注技巧铁东区政府工作报告"
    out, removals = strip_spam_words(title)
    assert out == "2020年铁东区政府工作报告"
    assert [r.kind for r in removals] == ["spam_word"]
    assert removals[0].text == "完美体育365_365娱乐场体育投注_365bet投注技巧"


@pytest.mark.parametrize("text", [
    "新建体育场、体育馆，开展全民健身活动",
    "销售体育彩票3.2亿元，福利彩票2亿元",
    "居住在体育小区的居民",
    "严厉打击淫秽色情、赌博等违法犯罪",
    "查处虚开发票案件12起",
    "2021年完成投资365亿元",
    "GDP_2020年",
])
def test_ordinary_text_survives(text: str) -> None:
    assert strip_spam_words(text) == (text, [])


def test_chains_and_lone_strong_terms() -> None:
    assert strip_spam_words("通知_百家乐_老虎机|时时彩")[0] == "通知"
    assert strip_spam_words("关于百家乐的通知")[0] == "关于的通知"
    assert strip_spam_words("Bet365官网")[0] == ""


@pytest.mark.skipif(not SEEDS.exists(), reason="shared seeds not mounted")
def test_seed_003_body() -> None:
    text = Path(glob.glob(str(SEEDS / "003_*.txt"))[0]).read_text(errors="replace")
    out, removals = strip_spam_words(text)
    assert "完美体育" not in out and "铁东区政府工作报告" in out
    assert out.count("\n") == text.count("\n")
    assert removals and {r.text for r in removals} == {"完美体育365_365娱乐场体育投注_365bet投注技巧"}


@given(st.text())
def test_properties(text: str) -> None:
    out, _ = strip_spam_words(text)
    assert out.count("\n") == text.count("\n")
    assert strip_spam_words(out)[0] == out
