"""Metadata parsed from the title, the dateline and speaker lines, and page metas."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import metadata
from pipelines.clean import clean, parse

PAGES = Path(__file__).parent / "pages"


@pytest.mark.parametrize(
    ("lines", "region", "level", "date", "session"),
    [
        (["—2022年12月22日在洮南市第十九届人民代表大会第二次会议上"],
         "洮南市", "市", "2022-12-22", "第十九届人民代表大会第二次会议"),
        (["（2021年1月9日在铁东区第九届人民代表大会第六次会议上）"],
         "铁东区", "区", "2021-01-09", "第九届人民代表大会第六次会议"),
        (["——二〇二三年一月十二日在长白朝鲜族自治县第十七届人民代表大会第三次会议上"],
         "长白朝鲜族自治县", "县", "2023-01-12", "第十七届人民代表大会第三次会议"),
        (["（２０２０年１月１５日在科尔沁右翼前旗第十七届人民代表大会第四次会议上）"],
         "科尔沁右翼前旗", "旗", "2020-01-15", "第十七届人民代表大会第四次会议"),
        (["在×市第×届人民代表大会第二次会议上"], None, None, None, None),
    ],
)
def test_dateline(lines: list[str], region: str | None, level: str | None,
                  date: str | None, session: str | None) -> None:
    assert metadata.region_level("", lines) == (region, level)
    assert metadata.meeting(lines) == (date, session)


def test_region_from_title_or_government_name() -> None:
    assert metadata.region_level("2020年铁东区政府工作报告", []) == ("铁东区", "区")
    assert metadata.region_level("", ["北镇市人民政府市长 张雪冬"]) == ("北镇市", "市")
    assert metadata.region_level("", ["市长张雪冬代表市人民政府向大会作报告"]) == (None, None)


@pytest.mark.parametrize(
    ("line", "speaker", "office"),
    [
        ("洮南市人民政府市长 高熙礼", "高熙礼", "市长"),
        ("市长 张雪冬", "张雪冬", "市长"),
        ("铁东区人民政府代区长 申洪业", "申洪业", "代区长"),
        ("县长  王  刚", "王刚", "县长"),
        ("各位代表：", None, None),
    ],
)
def test_speaker(line: str, speaker: str | None, office: str | None) -> None:
    assert metadata.speaker([line]) == (speaker, office)


def test_year_reviewed() -> None:
    assert metadata.year_reviewed(["一、2022年工作回顾"], 2022, "2022-12-22") == 2022
    assert metadata.year_reviewed(["“十三五”时期及2020年工作回顾"], 2021, "2021-01-05") == 2020
    assert metadata.year_reviewed(["一、过去一年工作"], 2021, "2021-01-05") == 2020
    assert metadata.year_reviewed(["一、过去一年工作"], 2022, "2022-12-22") == 2022


def test_published_from_meta_then_info_bar() -> None:
    root = parse('<html><head><meta name="PubDate" content="2016-11-22 09:05"></head><body></body></html>')
    assert metadata.published(root, []) == "2016-11-22T09:05:00"
    root = parse("<html><body></body></html>")
    assert metadata.published(root, ["发布时间：2023-01-12 14:14:00"]) == "2023-01-12T14:14:00"
    assert metadata.published(root, ["铁东区人民政府 2021-01-12 13:23 来源: 区政府办"]) == "2021-01-12T13:23:00"
    assert metadata.published(root, ["發(fā)布時間:2023-01-12 14:14:00"]) == "2023-01-12T14:14:00"


def test_title_prefers_article_meta_then_heading_in_page_title() -> None:
    root = parse('<html><head><title>北镇市2021年政府工作报告_北镇市人民政府</title></head>'
                 '<body><h1>北镇市2021年政府工作报告</h1><h2>政府工作</h2></body></html>')
    assert metadata.title_candidates(root)[0] == "北镇市2021年政府工作报告"
    root = parse('<html><head><meta name="ArticleTitle" content="<font>通知</font>标题">'
                 '<title>站点</title></head><body></body></html>')
    assert metadata.title_candidates(root)[0] == "通知标题"


def test_saved_page_fields() -> None:
    r = clean((PAGES / "report_gov.html").read_bytes(), "http://www.beizhen.gov.cn/a.html")
    assert (r.title, r.region, r.level) == ("北镇市2021年政府工作报告", "北镇市", "市")
    assert (r.year, r.year_reviewed, r.meeting_date) == (2021, 2020, "2021-01-05")
    assert (r.session, r.speaker, r.office) == ("第三届人民代表大会第四次会议", "张雪冬", "市长")
    assert (r.published, r.source_site) == ("2021-01-08T09:30:00", "www.beizhen.gov.cn")


def test_title_falls_back_to_the_heading_above_the_article() -> None:
    assert metadata.choose_title("北镇市人民政府", ["首页", "北镇市2021年政府工作报告"]) == \
        "北镇市2021年政府工作报告"
    # A page title that is not a site name is kept unless it contains the heading.
    assert metadata.choose_title("某某文件汇编", ["其他栏目"]) == "某某文件汇编"
    assert metadata.choose_title("报告全文-北镇", ["报告全文"]) == "报告全文"
