from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipelines.clean.repair.lostchar import restore_lost_chars


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


def test_short_name_or_lost_number_is_left_alone() -> None:
    # A name whose character GB2312 lacks, a number before its unit: the `?` is unknown,
    # not a middle dot.
    for text in ["市长 王?明", "全年完成?亿元，同比增长", "新增就业?人"]:
        assert restore_lost_chars(text) == (text, [])


# --- through the whole repair stage ----------------------------------------------------
def test_question_run_at_a_paragraph_start_is_lost_indentation() -> None:
    from pipelines.clean.repair.chain import repair

    text, _, removals = repair("??各位代表：\n???一、工作回顾\n  ?? 二、主要任务\n？？三、建议")
    assert text == "各位代表：\n一、工作回顾\n二、主要任务\n三、建议"
    assert [r.kind for r in removals] == ["lost_indent"] * 4
    assert not any(r.kind in ("byte_slip", "lost_char") for r in removals)


def test_bare_question_run_inside_a_line_is_not_filled() -> None:
    # No garbled characters follow the run, so there is no byte evidence to read: it stays
    # (as the full-width marks normalisation makes of it) and nothing is invented.
    from pipelines.clean.repair.chain import repair

    for served in ["推进工作???县域经济发展", "全年完成??亿元，同比增长"]:
        text, _, removals = repair(served)
        assert text.replace("？", "?") == served.replace("，", "，")
        assert removals == []


def test_byte_slip_with_garbled_evidence_is_still_repaired() -> None:
    from pipelines.clean.repair.chain import repair

    text, script, removals = repair("培育肉牛產業，推進肉??茖W養殖技術")
    assert "牛科学" in text and script == "hant"
    assert [r.kind for r in removals] == ["byte_slip"]
