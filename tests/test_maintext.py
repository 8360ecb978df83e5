"""Main text: the report body, whole, and nothing around it."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from pipelines.chrome import is_chrome
from pipelines.clean import clean, parse
from pipelines.maintext import extract
from tests.gold.score import f1
from tests.shared import CORPUS

PAGES = Path(__file__).parent / "pages"

MAGIC = CORPUS / "gov-pages/magic-html/benchmark/data/article"
PROSE = "现在，我代表市人民政府向大会报告工作，请予审议，并请市政协委员提出意见。"


def nfkc(text: str) -> str:
    # The repair stage may normalise punctuation width; compare width-blind.
    return unicodedata.normalize("NFKC", text)


@pytest.fixture(scope="module")
def gov() -> str:
    body = (PAGES / "report_gov.html").read_bytes()
    return nfkc(clean(body, "http://www.beizhen.gov.cn/a.html").text)


def test_body_starts_at_dateline_and_keeps_speaker(gov: str) -> None:
    lines = gov.split("\n")
    assert lines[0] == "2021年1月5日在北镇市第三届人民代表大会第四次会议上"
    assert lines[1:3] == ["市长 张雪冬", "各位代表:"]


def test_title_is_not_repeated_and_chrome_is_gone(gov: str) -> None:
    assert "北镇市2021年政府工作报告" not in gov
    for chrome in ("当前位置", "发布日期", "来源", "字号", "打印", "分享", "上一篇", "下一篇",
                   "相关链接", "ICP备", "公网安备", "网站标识码", "版权所有", "首页", "一图读懂"):
        assert chrome not in gov, chrome


def test_headings_glossary_and_paragraph_breaks_are_kept(gov: str) -> None:
    lines = gov.split("\n")
    assert "“十三五”时期及2020年工作回顾" in lines
    assert "(一)齐心协力科学防控,抗击疫情取得佳绩" in lines
    assert lines[-4:] == ["附件", "名词解释", "1.三变改革:资源变资产、资金变股金、农民变股东。",
                          "2.一网通办:政务服务事项网上一次办结。"]
    assert all(line == line.strip() and line for line in lines)


def test_content_farm_intro_title_repeat_and_footer_are_dropped() -> None:
    text = nfkc(clean((PAGES / "template_farm.html").read_bytes(), "http://farm.example.com/1").text)
    assert text.startswith("各位代表:")
    assert "小编" not in text and "推荐访问" not in text and "Powered by" not in text
    assert "热门文章" not in text and "心得体会" not in text


def test_br_separated_paragraphs_become_lines() -> None:
    root = parse(f"<html><body><div>{PROSE}<br>{PROSE}<br/><br>第二段。{PROSE}</div></body></html>")
    assert extract(root).paragraphs == [PROSE, PROSE, "第二段。" + PROSE]


def test_link_teaser_list_next_to_a_short_article_is_left_out() -> None:
    teasers = "".join(f'<li><a href="/{i}">新闻标题{i}</a><p>摘要内容，第{i}条新闻的简介。</p></li>'
                      for i in range(8))
    page = (f"<html><body><div id='a'><p>{PROSE}</p><p>{PROSE}</p></div>"
            f"<ul>{teasers}</ul></body></html>")
    assert extract(parse(page)).paragraphs == [PROSE, PROSE]


def test_chrome_lines_in_traditional_script_with_pinyin_are_recognised() -> None:
    assert is_chrome("發(fā)布時間:2023-01-12 14:14:00")
    assert is_chrome("吉公網(wǎng)安備22088102000010 網(wǎng)站標識2208810008")
    assert is_chrome("打印 关闭") and is_chrome("- 小")
    assert not is_chrome(PROSE)


def test_double_escaped_entities_and_markup_do_not_leak() -> None:
    page = f"<html><body><p>{PROSE}&amp;nbsp;&amp;lt;b&amp;gt;加粗&amp;lt;/b&amp;gt;</p></body></html>"
    text = clean(page.encode(), "http://x.gov.cn/").text
    assert text == PROSE + " 加粗" or text == PROSE + "加粗"


@pytest.mark.skipif(not MAGIC.exists(), reason="shared corpus not mounted")
def test_corpus_articles_match_expected_main_text() -> None:
    expected = json.loads((MAGIC / "base_subset.json").read_text(encoding="utf-8"))
    for key, item in expected.items():
        body = (MAGIC / "htmls" / f"{key}.html").read_bytes()
        assert f1(item["content"], clean(body, item["url"]).text) >= 0.95, key


def test_table_layout_with_br_paragraphs_and_untitled_page() -> None:
    # Old CMS: layout tables, <br>-separated paragraphs, a <title> holding only the site name.
    result = clean((PAGES / "report_table_gb.html").read_bytes(), "http://www.beizhen.gov.cn/t.html")
    expected = (PAGES / "report_table_gb.expected.txt").read_text(encoding="utf-8")
    assert f1(expected, result.text) == 1.0
    assert result.title == "北镇市2021年政府工作报告"
    assert result.is_report and result.published == "2021-01-08"
