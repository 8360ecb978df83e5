"""Metadata parsed from the title, the dateline and speaker lines, and page metas."""

from __future__ import annotations

import pytest

from pipelines.clean import metadata
from pipelines.clean.cleaner import clean, parse
from tests.paths import PAGES

PAGES = PAGES


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


def test_an_impossible_time_or_date_is_not_published() -> None:
    root = parse("<html><body></body></html>")
    # The time is a typo: the date stands without it.
    assert metadata.published(root, ["发布时间：2023-01-12 25时70分"]) == "2023-01-12"
    assert metadata.published(root, ["发布时间：2023-01-12 10时20分99秒"]) == "2023-01-12"
    assert metadata.published(root, ["发布时间：2023-01-12 24:30"]) == "2023-01-12"
    assert metadata.published(root, ["发布时间：2023-01-12 23:59:59"]) == "2023-01-12T23:59:59"
    # No such day.
    assert metadata.published(root, ["发布时间：2023-02-30"]) is None


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


@pytest.mark.parametrize(
    ("line", "speaker", "office"),
    [
        ("上海市市长 林 澜", "林澜", "市长"),  # region-prefixed office, spaced two-character name
        ("北京市市长 周海川", "周海川", "市长"),
        ("河北省人民政府省长 赵明远", "赵明远", "省长"),
        ("内蒙古自治区人民政府主席 包金山", "包金山", "主席"),
        ("自治区主席 包金山", "包金山", "主席"),
        ("昌吉回族自治州州长 阿依古丽·买买提", "阿依古丽·买买提", "州长"),
        ("州长 阿依古丽•买买提", "阿依古丽·买买提", "州长"),  # another middle dot
        ("兴安盟盟长 苏和", "苏和", "盟长"),
        ("旗长 乌云毕力格", "乌云毕力格", "旗长"),
        ("代市长 刘晓东", "刘晓东", "代市长"),
        ("（县长 王 刚）", "王刚", "县长"),
        ("阿里地区行政公署专员 次仁", "次仁", "专员"),
        ("县委副书记、县长 王 刚", "王刚", "县长"),  # other posts held
        ("——2022年1月6日在北票市第十七届人民代表大会第二次会议上", None, None),
        ("（2024年1月21日在北京市第十六届人民代表大会第二次会议上 北京市市长 周海川）",
         "周海川", "市长"),  # on the dateline's own line
    ],
)
def test_byline_shapes(line: str, speaker: str | None, office: str | None) -> None:
    assert metadata.speaker([line]) == (speaker, office)


def test_bare_name_next_to_the_dateline_only() -> None:
    dateline = "——2023年1月9日在抚松县第十九届人民代表大会第三次会议上"
    assert metadata.speaker([dateline, "孙志远", "各位代表："]) == ("孙志远", None)
    assert metadata.speaker(["孙志远", dateline, "各位代表："]) == ("孙志远", None)
    # Short lines that are not names, and a name far from any dateline.
    assert metadata.speaker([dateline, "各位代表：", "孙志远"]) == (None, None)
    assert metadata.speaker([dateline, "政府工作报告"]) == (None, None)
    assert metadata.speaker([dateline, "（草案）"]) == (None, None)
    assert metadata.speaker(["（书面）", dateline]) == (None, None)


def test_photo_caption_names_the_one_reporting_not_the_photographer() -> None:
    caption = ("1月7日，县长王建华在长白朝鲜族自治县第十七届人民代表大会第五次会议上"
               "作政府工作报告。本报记者 李明 摄")
    assert metadata.speaker([], page=["首页", caption]) == ("王建华", "县长")
    assert metadata.speaker([], page=["代市长 刘晓东作政府工作报告。 记者 张三 摄"]) == \
        ("刘晓东", "代市长")
    # A byline in the head wins over a caption; a caption without a photo mark is not one.
    assert metadata.speaker(["市长 张雪冬"], page=[caption]) == ("张雪冬", "市长")
    assert metadata.speaker([], page=["县长王建华在会上作政府工作报告。"]) == (None, None)


@pytest.mark.parametrize(
    ("title", "head", "prefix", "region", "level"),
    [
        ("", ["在北京市第十六届人民代表大会第二次会议上"], "", "北京市", "省"),
        ("", ["在宁夏回族自治区第十三届人民代表大会第五次会议上"], "", "宁夏回族自治区", "省"),
        ("", ["在吉林省洮南市第十九届人民代表大会第二次会议上"], "", "洮南市", "市"),
        ("", ["在锡林郭勒盟第二届人民代表大会第五次会议上"], "", "锡林郭勒盟", "盟"),
        ("大兴安岭地区2023年政府工作报告", [], "", "大兴安岭地区", "地区"),
        ("政府工作报告", ["在市第十六届人民代表大会第一次会议上"], "阜新市", "阜新市", "市"),
        ("政府工作报告", [], "河北省人民政府", "河北省", "省"),
        ("阜新市2022年政府工作报告", [], "", "阜新市", "市"),
        # Not in the divisions list (an invented place): the suffix gives the level.
        ("北山市2023年政府工作报告", [], "", "北山市", "市"),
        ("政府工作报告", ["在×市第×届人民代表大会第二次会议上"], "", None, None),
    ],
)
def test_region_and_level(title: str, head: list[str], prefix: str,
                          region: str | None, level: str | None) -> None:
    assert metadata.region_level(title, head, prefix) == (region, level)


def test_meeting_date_on_a_line_of_its_own() -> None:
    assert metadata.meeting(["在靖宇县第十八届人民代表大会第二次会议上", "2023年1月5日"]) == \
        ("2023-01-05", "第十八届人民代表大会第二次会议")
    assert metadata.meeting(["（2023年1月10日）"]) == ("2023-01-10", None)
    assert metadata.meeting(["在靖宇县第十八届人民代表大会第二次会议上"]) == \
        (None, "第十八届人民代表大会第二次会议")


def test_title_year_only_when_the_title_names_one_year() -> None:
    assert metadata.title_year("2022年北票市政府工作报告") == 2022
    assert metadata.title_year("北镇市２０２１年政府工作报告") == 2021
    assert metadata.title_year("政府工作报告") is None
    assert metadata.title_year("2021年工作回顾和2022年工作安排") is None
