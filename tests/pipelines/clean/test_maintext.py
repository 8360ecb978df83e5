"""Main text: the report body, whole, and nothing around it."""

from __future__ import annotations

import json
import unicodedata

import pytest

from fixtureweb.gold.score import f1
from pipelines.clean.chrome import is_chrome
from pipelines.clean.cleaner import clean, parse
from pipelines.clean.maintext import extract
from tests.paths import PAGES
from tests.shared import CORPUS

PAGES = PAGES

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


# --- chrome inside the content container ------------------------------------------------
def _article(inner: str, title: str = "某县2021年政府工作报告") -> str:
    paras = "".join(f"<p>{PROSE[:-1]}，第{i}项工作扎实推进。</p>" for i in range(12))
    return (f"<html><head><title>{title}</title></head><body><div class=nav><a href=/>首页</a>"
            f"</div><div class=content><h1>{title}</h1>{inner.replace('BODY', paras)}</div>"
            "</body></html>")


@pytest.mark.parametrize("line", [
    "来源：某县日报 时间：2021-01-15 08:30 浏览次数：312 【字体：大 中 小】",
    "发布日期：2021年1月15日",
    "（责任编辑：赵某某）",
    "编辑：钱某 | 审核：孙某 | 校对：李某",
    "当前位置：首页 > 政务公开 > 工作报告",
    "首页 > 政务公开 > 工作报告 > 正文",
    "扫一扫在手机打开当前页",
    "会场一角。本报记者 周某某 摄",
    "（通讯员 吴 某 摄）",
    "图为代表审议报告现场",
    "【打印本页】 【关闭窗口】",
    "您当前的位置：首页 > 新闻中心",
    "阅读：1234",
    "分享到微信朋友圈",
    "会场一角（王某 摄）",
    "某县2021年政府工作报告（全文） 2021-01-15",
])
@pytest.mark.parametrize("where", ["top", "middle", "bottom"])
def test_chrome_lines_go_wherever_they_sit(line: str, where: str) -> None:
    inner = {"top": f"<p>{line}</p>BODY", "bottom": f"BODY<p>{line}</p>",
             "middle": f"BODY<p>{line}</p>BODY"}[where]
    result = clean(_article(inner).encode(), "http://x.gov.cn/a.html")
    assert line not in result.text and "摄" not in result.text and "：" not in result.text
    assert "2021-01-15" not in result.text and "分享" not in result.text
    assert result.text.count("扎实推进") == (24 if where == "middle" else 12)
    assert any(r.kind == "chrome" for r in result.removals)


def test_related_block_and_everything_after_it_go_but_appendices_stay() -> None:
    inner = ("BODY<p>附件：名词解释</p><p>1.两区：粮食生产功能区和重要农产品生产保护区。</p>"
             "<p>注释：[1]数据为快报数。</p><p>某县2021年政府工作报告</p><p>相关报道：</p>"
             "<p><a href=/1.html>某县召开人代会</a></p><p>图解政府工作报告：十件实事</p>")
    result = clean(_article(inner).encode(), "http://x.gov.cn/a.html")
    assert result.text.endswith("注释：[1]数据为快报数。")
    assert "1.两区：粮食生产功能区和重要农产品生产保护区。" in result.text
    assert any(r.text.startswith("related block of 3 lines") for r in result.removals)


def test_related_heading_with_its_first_link_on_the_same_line() -> None:
    inner = "BODY<p>相关链接：<a href=/1.html>某县召开人代会</a></p><p><a href=/2.html>代表热议</a></p>"
    result = clean(_article(inner).encode(), "http://x.gov.cn/a.html")
    assert result.text.count("扎实推进") == 12 and "人代会" not in result.text


@pytest.mark.parametrize("line", [
    "位置：城东新区，总投资3亿元。",  # a project's site, not a breadcrumb
    "分享经济发展迅速，新增企业32家。",
    "时间：1月8日至1月16日，地点：县政务服务中心。",
    "资金来源：县级财政。",
    "相关文件已经印发，各项政策落实到位，群众满意度明显提升，这是全年工作的重要成果。" * 2,
])
def test_report_lines_shaped_a_little_like_chrome_stay(line: str) -> None:
    result = clean(_article(f"BODY<p>{line}</p>BODY").encode(), "http://x.gov.cn/a.html")
    assert line in result.text


def test_related_heading_at_the_top_does_not_take_the_report() -> None:
    result = clean(_article("<p>相关阅读</p>BODY").encode(), "http://x.gov.cn/a.html")
    assert result.text.count("扎实推进") == 12


# --- hidden link farms, zero-size text, spam links --------------------------------------
@pytest.mark.parametrize("hidden", [
    '<marquee width="1" height="1"><a href="http://a.example/">泰丰娱乐场</a></marquee>',
    '<marquee height="0">泰丰娱乐场 真人视讯</marquee>',
    '<div width="1" height="1">泰丰娱乐场 真人视讯</div>',
    '<div style="font-size:0px">泰丰娱乐场 真人视讯</div>',
    '<span style="font-size:0;line-height:0">泰丰娱乐场 真人视讯</span>',
    '<div style="opacity:0">泰丰娱乐场 真人视讯</div>',
    '<div style="max-height:0;overflow:hidden">泰丰娱乐场 真人视讯</div>',
])
def test_zero_size_and_marquee_text_goes_with_an_audit(hidden: str) -> None:
    result = clean(_article(f"BODY{hidden}BODY").encode(), "http://x.gov.cn/a.html")
    assert "泰丰" not in result.text and "真人" not in result.text
    assert any(r.kind == "hidden" and "泰丰娱乐场" in r.text for r in result.removals)
    assert result.spam_removed >= 1


@pytest.mark.parametrize("style", ["opacity:0", "max-height:0;overflow:hidden",
                                   "display:none", "visibility:hidden"])
def test_a_hidden_box_holding_the_article_is_content_a_script_reveals(style: str) -> None:
    # Fade-ins start at opacity 0, "read more" boxes at height 0: the whole report, not spam,
    # which is short next to it.
    report = "BODY" * 5  # past 2,000 characters: a spam block is shorter
    result = clean(_article(f'<div style="{style}">{report}</div>').encode(),
                   "http://x.gov.cn/a.html")
    assert result.text.count("扎实推进") == 60 and result.spam_removed == 0


def test_a_visible_marquee_is_a_notice_bar_not_spam() -> None:
    inner = "<marquee>通知：本网站将于周六进行系统维护</marquee>BODY"
    result = clean(_article(inner).encode(), "http://x.gov.cn/a.html")
    assert "系统维护" not in result.text and result.spam_removed == 0
    assert any(r.kind == "chrome" and "系统维护" in r.text for r in result.removals)


def test_font_size_zero_layout_idiom_keeps_its_text() -> None:
    # font-size:0 on a list whose items set their own size: visible text, not spam.
    inner = ('BODY<ul style="font-size:0"><li style="font-size:14px">一、全年目标任务圆满完成，'
             "各项事业取得新进展。</li></ul>")
    assert "全年目标任务圆满完成" in clean(_article(inner).encode(), "http://x.gov.cn/").text


def test_spam_link_spliced_mid_sentence_goes_and_ordinary_links_stay() -> None:
    inner = ('BODY<p>全年改造<a href="http://s.example/">泰丰棋牌娱乐城</a>老旧小区24个，'
             '新建<a href="/tyg.html">体育馆</a>一座。</p>')
    result = clean(_article(inner).encode(), "http://x.gov.cn/a.html")
    assert "全年改造老旧小区24个，新建体育馆一座。" in result.text
    assert any(r.kind == "spam_word" and r.text == "泰丰棋牌娱乐城" for r in result.removals)


@pytest.mark.parametrize("farm", [
    '<div style="font-size:0">泰丰娱乐场 真人百家乐</div>',
    '<div style="display:none"><a href="http://a.example/">泰丰娱乐场</a></div>',
    '<marquee width="1" height="1">泰丰娱乐场</marquee>',
])
def test_spam_a_page_hides_is_found_again_spliced_into_its_prose(farm: str) -> None:
    # No lexicon holds the brand; the page's own hidden farm names it.
    inner = f"{farm}BODY<p>全年改造泰丰娱乐场老旧小区24个，泰丰真人百家乐新建体育馆一座。</p>"
    result = clean(_article(inner).encode(), "http://x.gov.cn/a.html")
    assert "全年改造老旧小区24个，新建体育馆一座。" in result.text
    assert "泰丰" not in result.text


@pytest.mark.parametrize("cell", ["<td>1.5%</td>", "<td>12,345.6</td>", "<th>-3</th>"])
def test_a_huge_table_after_the_report_does_not_sink_it(cell: str) -> None:
    # A budget appendix of 30,000 figures in the article's own element: as short fragments
    # their negative weight outweighed the whole report, and one paragraph was taken for
    # the article.
    from tests.shared import SEEDS

    seed = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8")  # a whole report
    paragraphs = "".join(f"<p>{line.strip()}</p>" for line in seed.splitlines()
                         if len(line.strip()) > 20)
    table = "<table>" + ("<tr>" + cell * 100 + "</tr>") * 300 + "</table>"

    def text(extra: str) -> str:
        page = ('<html><head><meta charset="utf-8"><title>政府工作报告</title></head><body>'
                f'<div class="article">{paragraphs}{extra}</div></body></html>').encode()
        return clean(page, "http://www.example.gov.cn/a.html").text

    report = text("").splitlines()
    assert len(report) > 10
    with_table = text(table)
    assert all(line in with_table for line in report)
