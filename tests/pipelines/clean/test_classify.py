"""Report or not, template or not: general rules, checked on reports and distractors."""

from __future__ import annotations

import pytest

from pipelines.clean.classify import is_fragment, is_report, is_template, judge
from pipelines.clean.cleaner import clean
from tests.paths import PAGES
from tests.shared import CORPUS

PAGES = PAGES

PROSE = "我们坚持优化结构，三次产业得到长足发展，城乡环境进一步改观，人民福祉不断提升。"
REPORT = [
    "——2022年1月6日在北票市第十七届人民代表大会第二次会议上",
    "市长 王大明",
    "各位代表：",
    "现在，我代表市人民政府向大会报告工作，请予审议，并请市政协委员提出意见。",
    *[PROSE] * 120,
    "各位代表，让我们团结一心，再创佳绩！",
]


def test_full_report_is_a_report() -> None:
    assert is_report("北票市2022年政府工作报告", REPORT)
    assert is_report("", REPORT)  # the marks inside the text suffice


@pytest.mark.parametrize(
    "title",
    [
        "关于印发《2022年政府工作报告》重点任务分工方案的通知",
        "市政府召开常务会议讨论《政府工作报告（征求意见稿）》",
        "图解：一图读懂2022年北票市《政府工作报告》",
        "2022年政府工作报告名词解释",
        "学习2022年政府工作报告心得体会",
    ],
)
def test_pages_about_a_report_are_not_reports(title: str) -> None:
    assert not is_report(title, REPORT)


def test_short_or_unaddressed_text_is_not_a_report() -> None:
    assert not is_report("北票市2022年政府工作报告", REPORT[:4] + [PROSE] * 5)
    assert not is_report("工作总结", [PROSE] * 200)


def test_standing_committee_report_is_not_a_government_report() -> None:
    lines = ["各位代表：", "我受市人民代表大会常务委员会委托，向大会报告工作，请予审议。", *[PROSE] * 120,
             "各位代表，让我们团结一心！"]
    assert not is_report("市人民代表大会常务委员会工作报告", lines)


def test_news_item_about_the_report_is_not_a_report() -> None:
    result = clean((PAGES / "news_distractor.html").read_bytes(), "http://www.beizhen.gov.cn/n.html")
    assert result.text and not result.is_report


def test_template_placeholders_are_flagged_by_density() -> None:
    blanked = "全年地区生产总值完成×亿元，同比增长×%；×市第×届人民代表大会。" * 3 + PROSE * 20
    assert is_template(blanked)
    assert is_template(PROSE * 20 + "XX县XX镇完成XX亿元，增长XX%，＊＊同志。")
    assert not is_template(PROSE * 20 + "5×24小时服务，2×35万千瓦机组，3×3米。" * 3)
    assert not is_template(PROSE * 200 + "×")


def test_saved_pages() -> None:
    gov = clean((PAGES / "report_gov.html").read_bytes(), "http://www.beizhen.gov.cn/a.html")
    farm = clean((PAGES / "template_farm.html").read_bytes(), "http://farm.example.com/1")
    assert gov.is_report and not gov.is_template
    assert farm.is_report and farm.is_template


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not mounted")
def test_corpus_pages_are_not_reports_and_have_text() -> None:
    for path in sorted((CORPUS / "gov-pages").rglob("*.html")):
        result = clean(path.read_bytes(), "http://www.example.gov.cn/")
        assert not result.is_report, path
        assert not result.errors, path
        if "list_page" not in path.name:
            assert len(result.text) > 200, path


CHAPTER = [
    "（一）惠民生、增福祉，生活品质持续改善",
    *[f"我们坚持{PROSE}全市上下齐心协力，各项工作取得新进展。"] * 30,
]


def test_a_chapter_on_its_own_page_is_a_fragment_report() -> None:
    title = "2022年北票市政府工作报告"
    assert not is_report(title, CHAPTER)
    assert judge(title, CHAPTER) == (True, True)
    assert is_fragment(title, CHAPTER)
    # A full report is no fragment.
    assert judge(title, REPORT) == (True, False)


@pytest.mark.parametrize(
    ("title", "lines"),
    [
        ("北票市工作动态", CHAPTER),  # not titled as a work report
        ("2022年政府工作报告解读", CHAPTER),  # about a report
        ("2022年北票市政府工作报告", CHAPTER[:4]),  # a teaser, too short for a chapter
        ("2022年北票市政府工作报告",  # news about the report, in a reporter's voice
         ["记者从会上获悉，报告指出，过去一年经济平稳。", *CHAPTER, "报告提出，今年将继续推进。"]),
        ("2022年北票市政府工作报告", [PROSE] * 60),  # no chapter heading, no first person
    ],
)
def test_pages_that_are_not_fragments(title: str, lines: list[str]) -> None:
    assert judge(title, lines) == (False, False)


def test_fragment_page_from_the_seed_is_a_report_with_its_year() -> None:
    result = clean((PAGES / "bylines" / "no_dateline_title_year.html").read_bytes(),
                   "http://www.beipiao.gov.cn/zwgk/zfgzbg/202201/t20220112_1.html")
    assert (result.is_report, result.is_fragment) == (True, True)
    assert (result.year, result.region, result.level) == (2022, "北票市", "市")


_OTHER_REPORTS = [
    # (title, byline): the session's other reports, shaped like a government work report
    ("2022年北票市人民法院工作报告", "市人民法院院长 孙立新"),
    ("北票市人民检察院工作报告", "市人民检察院检察长 周晓红"),
    ("北票市人民代表大会常务委员会工作报告", "市人大常委会主任 郑国强"),
    ("政协北票市委员会常务委员会工作报告", "市政协主席 吴建军"),
    ("关于北票市2021年国民经济和社会发展计划执行情况与2022年计划草案的报告", "市发展和改革局局长 冯伟"),
    ("关于北票市2021年预算执行情况和2022年预算草案的报告", "市财政局局长 陈静"),
]


@pytest.mark.parametrize(("title", "speaker"), _OTHER_REPORTS)
def test_the_sessions_other_reports_are_not_government_reports(title: str, speaker: str) -> None:
    lines = [REPORT[0], speaker, *REPORT[2:]]
    assert not is_report(title, lines)
    # ... nor when the page title is the site's name and the report's name heads the text
    assert not is_report("北票市人民政府", [title, *lines])
    # ... nor with a neutral title, known only by who delivers it
    assert not is_report("北票市人民政府", lines)


@pytest.mark.parametrize("title", [
    "2022年北票市人民政府工作报告", "北票市政府工作报告（全文）", "关于2022年政府工作报告的说明",
    "北票市人民政府", "",
])
def test_government_reports_stay_reports(title: str) -> None:
    assert is_report(title, REPORT)
    assert is_report(title, ["2022年北票市人民政府工作报告", *REPORT])
