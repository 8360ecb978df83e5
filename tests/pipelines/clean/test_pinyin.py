from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipelines.clean.repair.pinyin import strip_pinyin, toneless


def test_strips_seed_annotations() -> None:
    served = "發(fā)布時間 現(xiàn)在,請市政協(xié)委員 經(jīng)濟 鄉(xiāng)鎮(zhèn)"
    assert strip_pinyin(served)[0] == "發布時間 現在,請市政協委員 經濟 鄉鎮"
    assert [r.text for r in strip_pinyin("發(fā)展")[1]] == ["(fā)"]


def test_tone_digits() -> None:
    assert strip_pinyin("重(zhong4)要")[0] == "重要"


def test_keeps_real_parentheses() -> None:
    for text in ["生产总值(GDP)增长", "细颗粒物(PM2.5)浓度", "信用等级(AAA)", "条款(a)",
                 "时间(pm)", "项目(hello)", "县(市)", "编号(lǜ)"[:3], "中(hǎo)国"]:
        assert strip_pinyin(text)[0] == text


def test_reading_must_fit_character() -> None:
    assert strip_pinyin("中(hǎo)国")[0] == "中(hǎo)国"  # hǎo is no reading of 中
    assert strip_pinyin("綠(lǜ)色")[0] == "綠色"


def test_toneless() -> None:
    assert toneless("chuàng") == "chuang"
    assert toneless("lǜ") == "lv"


@given(st.text())
def test_never_raises_and_idempotent_lines(text: str) -> None:
    out, _ = strip_pinyin(text)
    assert out.count("\n") == text.count("\n")
