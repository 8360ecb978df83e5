"""Metadata and chrome in page shapes the fixtures lack (hostile-7 F12): the report's name
as the article's first line, a byline under the article, an editor's note above the
dateline, an attachments label left alone at the end, a date only in the URL."""

from __future__ import annotations

import pytest
from lxml import html

from pipelines.clean import byline, chrome, metadata
from pipelines.clean.cleaner import clean
from pipelines.clean.result import CleanResult

_PROSE = [
    f"过去一年，全县上下齐心协力，第{i}项重点任务按期完成，城乡居民收入稳步增长，"
    f"营商环境持续改善，人民群众获得感幸福感安全感进一步增强。"
    for i in range(1, 41)
]
# Past the lines an info bar above the article is looked for in.
_LONG = [*_PROSE, *(x.replace("全县", "全县各乡镇") for x in _PROSE)]
_LAST = "让我们携手并进，为建设美丽富饶的青岭而努力奋斗！"
_DATELINE = "——2024年2月20日在青岭县第八届人民代表大会第四次会议上"


def _clean(html: str, url: str = "http://www.qingling.gov.cn/a/b.html") -> CleanResult:
    page = f"<html><head><meta charset='utf-8'>{html}</body></html>"
    return clean(page.encode("utf-8"), url, {"Content-Type": "text/html; charset=utf-8"})


def _paragraphs(lines: list[str]) -> str:
    return "".join(f"<p>{x}</p>" for x in lines)


def test_title_from_the_articles_first_line_when_the_page_title_says_nothing() -> None:
    lines = ["网站首页 &gt; 政务信息 &gt; 规划报告", "<b>2024年青岭县人民政府工作报告</b>",
             "发布时间：2024年03月01日 信息来源：县政府办", _DATELINE, "县长 欧阳明", "各位代表：",
             *_PROSE, _LAST]
    r = _clean(f"<title>详情</title></head><body><div id='main'>{'<br>'.join(lines)}</div>")
    assert r.title == "2024年青岭县人民政府工作报告"
    assert (r.region, r.year, r.speaker) == ("青岭县", 2024, "欧阳明")


def test_a_page_title_that_names_the_report_is_kept() -> None:
    assert metadata.first_line_title("青岭县政府工作报告", ["2024年青岭县人民政府工作报告"]) == \
        "青岭县政府工作报告"
    # A first line that is the dateline or a byline is no title.
    assert metadata.first_line_title("", [_DATELINE]) == ""
    assert metadata.first_line_title("", ["各位代表：", "报告"]) == ""


def test_published_from_a_byline_under_the_article() -> None:
    body = (f"<h2>青岭县2024年政府工作报告</h2><div class='article'>{_paragraphs([_DATELINE, '各位代表：'])}"
            f"{_paragraphs(_LONG)}<p>{_LAST}</p><p>（稿源：县府办 发布时间：2024年3月2日）</p></div>"
            "<div>上一篇：<a href='/1.html'>关于春耕备耕的通知</a><br>下一篇：<a href='/2.html'>全县安全生产会议召开</a></div>")
    r = _clean(f"<title>青岭县2024年政府工作报告</title></head><body>{body}")
    assert r.published == "2024-03-02"
    assert "稿源" not in r.text and r.text.endswith(_LAST)


def test_an_editors_note_is_chrome_and_does_not_hide_the_meeting_date() -> None:
    note = "编者注：2月20日，青岭县第八届人民代表大会第四次会议召开，县长欧阳明作政府工作报告。报告全文如下："
    body = f"<h1>青岭县政府工作报告</h1><div>{_paragraphs([note, _DATELINE, '县长 欧阳明', '各位代表：', *_PROSE])}</div>"
    r = _clean(f"<title>青岭县政府工作报告</title></head><body>{body}")
    assert r.meeting_date == "2024-02-20"
    assert "编者注" not in r.text and r.text.startswith("——2024年2月20日")
    assert any(x.kind == "chrome" and x.text.startswith("编者注") for x in r.removals)


def test_a_session_line_without_a_date_gives_way_to_the_dateline() -> None:
    undated = "3月5日，第八届人民代表大会第四次会议开幕"
    assert metadata.meeting([undated, _DATELINE]) == ("2024-02-20", "第八届人民代表大会第四次会议")
    assert metadata.meeting([undated]) == (None, "第八届人民代表大会第四次会议")


@pytest.mark.parametrize("tail", [
    "<p>相关附件：</p>",  # its list taken out elsewhere
    "<p>附件下载：</p><p><a href='/f/1.pdf'>政府工作报告全文.pdf</a></p><p><a href='/f/2.doc'>名词解释.DOC</a></p>",
])
def test_an_attachments_label_left_at_the_end_is_chrome(tail: str) -> None:
    body = f"<div>{_paragraphs([_DATELINE, '各位代表：', *_PROSE, _LAST])}{tail}</div>"
    r = _clean(f"<title>青岭县政府工作报告</title></head><body>{body}")
    assert r.text.endswith(_LAST)
    assert "附件" not in r.text and ".pdf" not in r.text


def test_an_attachment_label_before_appended_text_stays() -> None:
    glossary = ["附件：", "名词解释", "1.高标准农田：指田块平整、集中连片、设施完善、农电配套的耕地，能够旱涝保收。"]
    body = f"<div>{_paragraphs([_DATELINE, '各位代表：', *_PROSE, *glossary])}</div>"
    r = _clean(f"<title>青岭县政府工作报告</title></head><body>{body}")
    assert r.text.endswith("\n".join(glossary))


@pytest.mark.parametrize(("url", "date"), [
    ("http://www.a.gov.cn/zwgk/202402/t20240226_998877.html", "2024-02-26"),
    ("http://www.a.gov.cn/xxgk/2019-12/31/content_5566.htm", "2019-12-31"),
    ("http://www.a.gov.cn/art/2021/3/9/art_77_8899.html", "2021-03-09"),
    ("http://www.a.gov.cn/zwgk/t20230231_1.html", None),  # no such day
    ("http://www.a.gov.cn/zwgk/t18990101_1.html", None),  # before any government site
    ("http://www.a.gov.cn/content_20240226.html", None),  # digits that may be an id
    ("http://www.a.gov.cn/news/20240226/123.html", None),
    ("http://[bad", None),
])
def test_date_from_url_only_in_cms_shapes(url: str, date: str | None) -> None:
    assert metadata.url_date(url) == date


def test_published_from_the_url_as_the_last_resort() -> None:
    body = f"<h1>2024年青岭县政府工作报告</h1><div>{_paragraphs([*_PROSE, _LAST])}</div>"
    page = f"<title>2024年青岭县政府工作报告</title></head><body>{body}"
    assert _clean(page, "http://www.qingling.gov.cn/zwgk/202402/t20240226_4321.html").published == "2024-02-26"
    dated = page.replace("<div>", "<div><p>发布日期：2024-02-28</p>", 1)
    assert _clean(dated, "http://www.qingling.gov.cn/zwgk/202402/t20240226_4321.html").published == "2024-02-28"


@pytest.mark.parametrize(("dateline", "date"), [
    ("——二O二四年二月二十日在青岭县第八届人民代表大会第四次会议上", "2024-02-20"),  # Latin O
    ("——二o二四年二月二十日在青岭县第八届人民代表大会第四次会议上", "2024-02-20"),
    ("——二0二四年二月二十日在青岭县第八届人民代表大会第四次会议上", "2024-02-20"),  # digit 0
    ("——二OO九年一月八日在青岭县第八届人民代表大会第四次会议上", "2009-01-08"),
    ("——二0一0年一月八日在青岭县第八届人民代表大会第四次会议上", "2010-01-08"),
])
def test_a_zero_typed_as_latin_o_or_digit_in_a_chinese_year(dateline: str, date: str) -> None:
    r = _clean(f"<title>青岭县政府工作报告</title></head><body>"
               f"{_paragraphs([dateline, '县长 欧阳明', '各位代表：', *_PROSE, _LAST])}")
    assert (r.meeting_date, r.year) == (date, int(date[:4]))


def test_latin_o_elsewhere_is_not_a_zero() -> None:
    assert metadata.parse_date("2O24年2月20日") is None  # only between Chinese numerals
    assert metadata.parse_date("十O年二月二十日") is None


def test_region_from_the_site_owner_in_the_footer_when_the_text_names_no_place() -> None:
    lines = ["——2024年2月20日在县第八届人民代表大会第四次会议上", "县长 欧阳明", "各位代表：", *_PROSE, _LAST]
    body = f"<title>政府工作报告</title></head><body><h1>政府工作报告</h1>{_paragraphs(lines)}"
    footer = "<div class='foot'>版权所有：青岭县人民政府 &nbsp; 主办：青岭县人民政府办公室</div>"
    assert (_clean(body).region, _clean(body).level) == (None, None)
    assert (_clean(body + footer).region, _clean(body + footer).level) == ("青岭县", "县")
    # a place the text names still comes first
    named = body.replace("在县第八届", "在白溪县第八届")
    assert _clean(named + footer).region == "白溪县"


@pytest.mark.parametrize("site", ["政府工作报告_青岭县人民政府", "政府工作报告 - 青岭县人民政府门户网站",
                                  "政府工作报告｜青岭县政府网"])
def test_region_from_the_site_owner_in_the_page_title(site: str) -> None:
    lines = ["——2024年2月20日在县第八届人民代表大会第四次会议上", "县长 欧阳明", "各位代表：", *_PROSE, _LAST]
    r = _clean(f"<title>{site}</title></head><body><h1>政府工作报告</h1>{_paragraphs(lines)}")
    assert (r.region, r.level) == ("青岭县", "县")
    assert r.title == "政府工作报告"


def test_the_site_owner_is_taken_only_at_the_level_the_dateline_names() -> None:
    # A province's site carrying a county's report: the county is not the province.
    lines = ["——2024年2月20日在县第八届人民代表大会第四次会议上", "县长 欧阳明", "各位代表：", *_PROSE, _LAST]
    page = f"<title>政府工作报告_湖南省人民政府</title></head><body><h1>政府工作报告</h1>{_paragraphs(lines)}"
    assert (_clean(page).region, _clean(page).level) == (None, None)
    footer = "<div class='foot'>版权所有：湖南省人民政府</div>"
    assert _clean(page.replace("湖南省人民政府", "政府网") + footer).region is None
    # A dateline that names no level: the text speaks for a county (全县), not the province.
    plain = page.replace("在县第八届", "在第八届")
    assert (_clean(plain).region, _clean(plain).level) == (None, None)
    # ... and for the province, it is the province's own report.
    own = plain.replace("全县", "全省").replace("县长", "省长")
    assert (_clean(own).region, _clean(own).level) == ("湖南省", "省")


def test_a_session_by_its_short_name_on_the_dateline_only() -> None:
    assert metadata.meeting(["——2024年1月9日在县十九届人大三次会议上"]) == \
        ("2024-01-09", "第十九届人民代表大会第三次会议")
    # Prose naming a session so is no dateline.
    prose = ("认真落实区委九届十一次全会和区九届人大六次会议精神，着眼新发展理念要求，坚持稳中求进"
             "工作总基调，聚焦高质量发展目标，下笨功夫抓项目、谋发展。")
    assert metadata.meeting([prose]) == (None, None)


def test_a_signature_closes_the_report_or_is_none() -> None:
    assert byline.find([], end=["县人民政府县长 刘某", "（二〇二三年一月九日）"])[:2] == ("刘某", "县长")
    # Another report's head pasted after this one: its byline is not this report's.
    assert byline.find([], end=["县人民政府县长 刘某", "各位代表："])[:2] == (None, None)


@pytest.mark.parametrize(("cell", "date"), [
    (["成文日期", "2023-01-13", "发布日期", "2023-01-31"], "2023-01-31"),
    (["发布时间：", "2023年01月19日 10时20分"], "2023-01-19T10:20:00"),
    (["更新时间：2023-02-01", "发布时间：2023-01-19"], "2023-01-19"),
    (["栾川县融媒体中心　2024-01-12 08:40"], "2024-01-12T08:40:00"),
])
def test_published_from_info_table_cells(cell: list[str], date: str) -> None:
    assert metadata.published(html.fromstring("<p>x</p>"), cell) == date


def test_a_news_intro_handing_over_to_the_report_is_chrome() -> None:
    assert chrome.inner_chrome("1月8日上午，县长郭涛代表县人民政府向大会作政府工作报告。全文如下：")
    assert chrome.inner_chrome("以下为报告全文：")
    assert chrome.inner_chrome("全县上下齐心协力，各项任务如下：") is None
