"""Report words that are also page furniture's (hostile s9 F9-F12): a pager's and a service
bar's words inside a sentence, a government's name over the report's heading, a site owner
at a level the page does not speak for, an opening sentence shaped like a title.  A report
sentence must never be chrome or a title because it contains a word."""

from __future__ import annotations

import pytest

from pipelines.clean import chrome, metadata
from pipelines.clean.cleaner import clean
from pipelines.clean.result import CleanResult

_PROSE = [
    f"过去一年，全县上下齐心协力，第{i}项重点任务按期完成，城乡居民收入稳步增长，"
    f"营商环境持续改善，人民群众获得感幸福感安全感进一步增强。"
    for i in range(1, 41)
]
_DATELINE = "——2024年2月20日在县第八届人民代表大会第四次会议上"
_OPENING = "现在，我代表县人民政府向大会报告工作，请予审议，并请政协委员和其他列席人员提出意见"


def _clean(head: str, body: str) -> CleanResult:
    page = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return clean(page.encode("utf-8"), "http://www.qingling.gov.cn/zwgk/a.html")


def _paragraphs(lines: list[str]) -> str:
    return "".join(f"<p>{x}</p>" for x in lines)


@pytest.mark.parametrize("sentence", [
    "加强市政设施和防灾减灾能力建设，推进无障碍环境建设和公共设施适老化改造。",
    "实施适老化改造工程，惠及困难老年人家庭860户",
    "全年编印政策汇编共32页，发放到每一家企业。",
    "奋力翻开高质量发展的下一页。",
    "把政务服务网打造成企业和群众办事的首页。",
])
def test_a_sentence_holding_a_pager_or_service_bar_word_is_not_chrome(sentence: str) -> None:
    assert not chrome.is_chrome(sentence)


@pytest.mark.parametrize("line", [
    "第1页 共3页 下一页 尾页",
    "上一页 1 2 3 下一页",
    "首页 | 上一页 | 下一页 | 末页 共5页",
    "第2页/共3页",
    "政府网站找错　适老化及无障碍服务",
    "【适老化模式】 【无障碍浏览】",
    "繁體版 | 手机版 | 关怀版",
])
def test_a_line_of_pager_or_service_bar_items_alone_is_chrome(line: str) -> None:
    assert chrome.is_chrome(line)


@pytest.mark.parametrize("where", ["last", "first"])
def test_a_report_sentence_at_a_paginated_pages_edge_stays(where: str) -> None:
    sentence = "推进无障碍环境建设和公共设施适老化改造，让老年人出行办事更加便利。"
    lines = [*_PROSE[:20], sentence] if where == "last" else [sentence, *_PROSE[:20]]
    pager = "<p>第1页 共2页 <a href='a_1.html'>下一页</a></p><p>政府网站找错 适老化服务</p>"
    r = _clean("<title>青岭县政府工作报告</title>",
               f"<div class='article'>{_paragraphs(lines)}{pager}</div>")
    text = r.text.split("\n")
    assert (text[-1] if where == "last" else text[0]) == sentence
    assert "下一页" not in r.text and "找错" not in r.text


def test_the_issuing_governments_name_over_the_heading_stays_and_gives_the_region() -> None:
    lines = ["青岭县人民政府", "政府工作报告", _DATELINE, "县长 欧阳明", "各位代表：", *_PROSE]
    r = _clean("<title>政府工作报告</title>", f"<div class='article'>{_paragraphs(lines)}</div>")
    assert r.text.startswith("青岭县人民政府\n" + _DATELINE)
    assert (r.region, r.level) == ("青岭县", "县")


def test_a_logo_over_a_heading_that_names_the_place_is_chrome() -> None:
    lines = ["青岭县人民政府", "2024年青岭县政府工作报告", _DATELINE, "县长 欧阳明", "各位代表：", *_PROSE]
    r = _clean("<title>2024年青岭县政府工作报告</title>", f"<div class='article'>{_paragraphs(lines)}</div>")
    assert r.text.startswith(_DATELINE)
    assert r.region == "青岭县"


@pytest.mark.parametrize(("name", "is_name"), [
    ("2024年青岭县人民政府工作报告", True),
    ("政府工作报告", True),
    ("政府工作报告（全文）", True),
    ("关于青岭县2023年国民经济和社会发展计划执行情况的报告", True),
    (_OPENING, False),
    ("现在我代表县人民政府向大会报告", False),  # no clause mark, but the report speaking
    ("首页 > 政务公开 > 政府工作报告", False),
    ("各位代表：", False),
    ("报告", False),
])
def test_a_report_name_is_shaped_as_a_heading(name: str, is_name: bool) -> None:
    assert chrome.is_report_name(name) is is_name


def test_an_opening_sentence_without_its_full_stop_stays_text() -> None:
    assert metadata.first_line_title("正文", [_OPENING]) == "正文"
    r = _clean("<title>正文</title>", f"<div class='article'>{_paragraphs([_OPENING, *_PROSE])}</div>")
    assert r.text.startswith(_OPENING + "\n")
    assert r.title != _OPENING


@pytest.mark.parametrize(("head", "text", "level"), [
    ([_DATELINE], [], "县"),
    (["在第八届人民代表大会第四次会议上"], ["全市上下", "我市经济", "全县"], "市"),
    ([], ["市政府召开常务会议"], "市"),
    ([], ["我代表区人民政府向大会报告工作"], "区"),
    (["在第八届人民代表大会第四次会议上"], ["全国经济稳中向好"], None),
])
def test_the_level_a_page_speaks_for(head: list[str], text: list[str], level: str | None) -> None:
    assert metadata.own_level("", head, text) == level


def test_a_site_owner_at_a_level_the_text_does_not_speak_for_is_not_the_region() -> None:
    dateline = "——2023年1月10日在第十八届人民代表大会第三次会议上"
    site = ["湖南省人民政府", "2023年政府工作报告_湖南省人民政府"]
    # A county's report (全县) on a province's portal, and a report that says no level.
    assert metadata.region_level("2023年政府工作报告", [dateline], site=lambda: site,
                                 text=_PROSE) == (None, None)
    assert metadata.region_level("2023年政府工作报告", [dateline], site=lambda: site,
                                 text=["全国经济稳中向好。"]) == (None, None)
    # The province's own report speaks for the province.
    own = [x.replace("全县", "全省") for x in _PROSE]
    assert metadata.region_level("2023年政府工作报告", [dateline], site=lambda: site,
                                 text=own) == ("湖南省", "省")
    # An autonomous region's report says 全区: its own level word.
    assert metadata.region_level("", [dateline], footer=["版权所有：广西壮族自治区人民政府"],
                                 text=["全区上下"]) == ("广西壮族自治区", "省")
