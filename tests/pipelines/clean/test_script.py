from __future__ import annotations

from pipelines.clean.repair.script import detect_and_simplify, detect_script


def test_traditional_page() -> None:
    text, script = detect_and_simplify("各位代表:\n現在,我代表市人民政府向大會報告工作,請予審議")
    assert script == "hant"
    assert text == "各位代表:\n现在,我代表市人民政府向大会报告工作,请予审议"


def test_simplified_page_with_one_traditional_name() -> None:
    text = "现在，我代表市人民政府向大会报告工作，请予审议，并请市政协委员提出意见。" * 3 + "高熙禮"
    assert detect_and_simplify(text) == (text, "hans")


def test_plain() -> None:
    assert detect_script("") == "hans"
    assert detect_script("GDP 2023") == "hans"
