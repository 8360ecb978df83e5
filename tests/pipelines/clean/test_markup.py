"""De-spam markup: injected tag soups and CSS-hidden elements go, the report stays."""

from __future__ import annotations

import pytest

from pipelines.clean.cleaner import clean, parse
from pipelines.clean.markup import despam, hides
from tests.paths import PAGES

PAGES = PAGES
PROSE = "现在，我代表市人民政府向大会报告工作，请予审议。"


def body_text(markup: str) -> tuple[str, list]:
    root = parse(f"<html><body>{markup}</body></html>")
    removals = despam(root)
    return root.find(".//body").text_content(), removals


def test_tag_soup_sharing_one_random_id_is_removed_with_text_after_it_kept() -> None:
    soup = "".join(
        f'<{t} id="q7x1k">{"赌" if t == "dfn" else ""}</{t}>'
        for t in ("legend", "samp", "sup", "mark", "rp", "meter", "dfn")
    )
    text, removals = body_text(f"{soup}<p>{PROSE}</p>{soup}尾段")
    assert PROSE in text and "尾段" in text and "赌" not in text
    assert [r.kind for r in removals] == ["tag_soup"]
    assert "q7x1k" in removals[0].text


def test_soup_before_html_element_is_removed() -> None:
    page = '<legend id="a1b2c"></legend><samp id="a1b2c"></samp><sup id="a1b2c">x</sup>' \
           '<rt id="a1b2c"></rt><meter id="a1b2c"></meter>' \
           f"<!DOCTYPE html><html><body><p>{PROSE * 60}</p></body></html>"
    result = clean(page.encode(), "http://x.gov.cn/")
    assert any(r.kind == "tag_soup" for r in result.removals)
    assert result.text == PROSE * 60


def test_ids_shared_by_few_elements_or_one_tag_are_not_a_soup() -> None:
    text, removals = body_text('<p id="c">甲</p><p id="c">乙</p><p id="c">丙</p>'
                               '<p id="c">丁</p><p id="c">戊</p>')
    assert text == "甲乙丙丁戊" and removals == []


def test_soup_element_wrapping_real_content_is_unwrapped_not_dropped() -> None:
    soup = "".join(f'<{t} id="zz9"></{t}>' for t in ("legend", "samp", "sup", "mark"))
    text, _ = body_text(f'{soup}<div id="zz9"><p>{PROSE * 10}</p></div>')
    assert PROSE * 10 in text


def test_hidden_by_inline_style() -> None:
    markup = (
        f"<p>{PROSE}</p>"
        '<div style="display:none"><a href="#">澳门赌场</a></div>'
        '<div style="VISIBILITY: hidden">隐形一</div>'
        '<div style="position:absolute; left:-9999px">隐形二</div>'
        '<div style="height:0;overflow:hidden">隐形三</div>'
        '<span hidden>隐形四</span>'
        '<div style="overflow: hidden; height: 1px; width: 1px">隐形五</div>'
        '<div style="height:0">溢出可见</div>'
        '<div style="margin-top:-10px">可见</div>'
    )
    text, removals = body_text(markup)
    assert text == PROSE + "溢出可见可见"
    assert {r.text for r in removals} == {"澳门赌场", "隐形一", "隐形二", "隐形三", "隐形四", "隐形五"}
    assert {r.kind for r in removals} == {"hidden"}


def test_hidden_by_style_sheet_class_and_id() -> None:
    markup = (
        "<style>.lf9 { display:none } #farm{visibility:hidden} .nav li{float:left}</style>"
        f'<p>{PROSE}</p><div class="x lf9"><a>时时彩</a></div><div id="farm">彩票</div>'
        '<ul class="nav"><li>首页</li></ul>'
    )
    text, _ = body_text(markup)
    assert "时时彩" not in text and "彩票" not in text and "首页" in text


def test_hidden_block_holding_most_of_the_page_is_kept() -> None:
    # Some CMSs ship the article hidden and reveal it by script.
    text, removals = body_text(f'<div style="display:none"><p>{PROSE * 100}</p></div><p>页脚</p>')
    assert PROSE * 100 in text and removals == []


def test_scripts_styles_and_comments_leave_no_text() -> None:
    text, _ = body_text(f"<script>var a='<p>x</p>';</script><!-- 注释 --><style>p{{}}</style>{PROSE}")
    assert text == PROSE


def test_saved_page_counts_spam_removals() -> None:
    result = clean((PAGES / "report_gov.html").read_bytes(), "http://www.beizhen.gov.cn/a.html")
    kinds = [r.kind for r in result.removals]
    assert kinds.count("hidden") == 2 and kinds.count("tag_soup") == 1
    assert result.spam_removed >= 3
    for word in ("澳门赌场", "时时彩", "网上真人"):
        assert word not in result.text


@pytest.mark.parametrize("css,hidden", [
    ("display:none", True),
    ("DISPLAY: NONE !important", True),
    ("color:red; visibility : hidden", True),
    ("position:absolute;left:-9999px", True),
    ("text-indent:-1000em", True),
    ("clip: rect(0 0 0 0); position:absolute", True),
    ("width:1px;height:1px;overflow:hidden", True),
    ("overflow:hidden;height:0", True),
    ("margin-left:-5px;color:#333", False),
    ("width:100px;overflow:hidden", False),
    ("font-family:'Microsoft YaHei';line-height:1.5", False),
    ("", False),
])
def test_hides(css, hidden):
    assert hides(css) is hidden

