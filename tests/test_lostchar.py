from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipelines.lostchar import restore_lost_chars


def test_middle_dots_from_seed() -> None:
    cases = {
        "首屆“青島啤酒節?洮南消夏夜”活動": "首屆“青島啤酒節·洮南消夏夜”活動",
        "建成“中國洮南?4088善行步道”": "建成“中國洮南·4088善行步道”",
        "啟動運營“冰湯圓?宇宙”主題景區": "啟動運營“冰湯圓·宇宙”主題景區",
        "⑧啟動城市書房?洮南書局項目": "⑧啟動城市書房·洮南書局項目",
    }
    for served, expected in cases.items():
        out, removals = restore_lost_chars(served)
        assert out == expected
        assert [(r.kind, r.text) for r in removals] == [("lost_char", "?→·")]


def test_real_question_marks_stay() -> None:
    for text in ["我们该怎么办?大家讨论", "这是为什么?原因很多", "你去吗?我去", "结束?", "?开头",
                 "中文? 后面有空格", "问题?!"]:
        assert restore_lost_chars(text)[0] == text


def test_char_with_pinyin_tail() -> None:
    out, removals = restore_lost_chars("落實“秸稈變肉”工程,?chuàng)新東北牧業", hant=True)
    assert out == "落實“秸稈變肉”工程,創新東北牧業"
    assert removals[0].kind == "lost_char"


@given(st.text())
def test_never_raises_keeps_lines(text: str) -> None:
    out, _ = restore_lost_chars(text)
    assert out.count("\n") == text.count("\n")
