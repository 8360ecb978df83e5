"""The five fixture sites: who they are, where things live, and how each one is served."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteSpec:
    host: str
    name: str  # the site owner, as in the footer's 主办单位
    region: str | None
    level: str | None  # 市 / 区 / 县; None for the content farm
    kind: str  # "government" | "content_farm"
    seed: str
    theme: str  # key into themes.THEMES: every site has its own markup
    charset: str  # declared charset ("gb2312" is served as GBK bytes)
    column: str  # report column directory, root-relative, ends with "/"
    column_name: str
    report_date: str  # YYYY-MM-DD, drives the report URL and the list order
    report_page: int  # which list page (0-based) carries the report: never the first
    disallow: str  # robots.txt Disallow: prefix; one linked page sits under it
    unit: str  # how the text calls the administration: 市 / 区
    mayor_title: str
    source: str  # 来源 shown in info bars
    icp: str = ""
    police: str = ""  # 公网安备
    site_code: str = ""  # 网站标识码
    gzip: bool = False
    chunked: bool = False
    cookies: tuple[str, ...] = ()
    traditional: bool = False  # chrome served through the broken s2t converter too


SITES: tuple[SiteSpec, ...] = (
    SiteSpec(
        host="www.beipiao.gov.cn",
        name="北票市人民政府",
        region="北票市",
        level="市",
        kind="government",
        seed="000",
        theme="trs",
        charset="utf-8",
        column="/zwgk/zfgzbg/",
        column_name="政府工作报告",
        report_date="2022-01-12",
        report_page=1,
        disallow="/search/",
        unit="市",
        mayor_title="市长",
        source="北票市人民政府办公室",
        icp="辽ICP备05011826号",
        police="辽公网安备21138102000103号",
        site_code="2113810001",
        # Two Set-Cookie lines: a session id and an analytics cookie, as TRS sites send.
        cookies=(
            "JSESSIONID=7D0E5C1A9B3F4E2D8C6A1B0F9E8D7C6B; Path=/; HttpOnly",
            "_gscu_fixture=2113810001; Path=/; Max-Age=31536000",
        ),
    ),
    SiteSpec(
        host="www.taonan.gov.cn",
        name="洮南市人民政府",
        region="洮南市",
        level="市",
        kind="government",
        seed="001",
        theme="table",
        charset="utf-8",
        column="/zwgk/zfgzbg/",
        column_name="政府工作报告",
        report_date="2023-01-12",
        report_page=2,
        disallow="/admin/",
        unit="市",
        mayor_title="市长",
        source="",
        icp="吉ICP备11003832号-1",
        police="吉公网安备22088102000010",
        site_code="2208810008",
        gzip=True,
        traditional=True,
    ),
    SiteSpec(
        host="www.beizhen.gov.cn",
        name="北镇市人民政府",
        region="北镇市",
        level="市",
        kind="government",
        seed="002",
        theme="zoom",
        charset="gb2312",
        column="/zfxxgk/zfgzbg/",
        column_name="政府工作报告",
        report_date="2021-01-08",
        report_page=1,
        disallow="/cms/",
        unit="市",
        mayor_title="市长",
        source="北镇市人民政府",
        icp="辽ICP备10201432号",
        police="辽公网安备21078102000015号",
        site_code="2107810003",
        chunked=True,
    ),
    SiteSpec(
        host="www.tiedong.gov.cn",
        name="四平市铁东区人民政府",
        region="铁东区",
        level="区",
        kind="government",
        seed="003",
        theme="article",
        charset="utf-8",
        column="/zw/zfgzbg/",
        column_name="政府工作报告",
        report_date="2021-01-12",
        report_page=2,
        disallow="/search/",
        unit="区",
        mayor_title="区长",
        source="区政府办",
        icp="吉ICP备09003217号",
        police="吉公网安备22030202000037号",
        site_code="2203020001",
    ),
    SiteSpec(
        host="www.jiuligongwen.com",
        name="九力公文网",
        region=None,
        level=None,
        kind="content_farm",
        seed="004",
        theme="farm",
        charset="utf-8",
        column="/fanwen/jianghuagao/",
        column_name="讲话稿",
        report_date="2022-06-01",
        report_page=1,
        disallow="/member/",
        unit="市",
        mayor_title="市长",
        source="网友投稿",
        icp="苏ICP备13036920号-1",
    ),
)

# Sites for discovery tests (issue 9), kept out of SITES so the five seed sites' manifest
# entries and tests stay as they are; built by bigsite.py into manifest["discovery_sites"].
DISCOVERY_SITES: tuple[SiteSpec, ...] = (
    SiteSpec(
        host="www.beishan-fixture.gov.cn",
        name="北山市人民政府",
        region="北山市",
        level="市",
        kind="government",
        seed="002",
        theme="trs",
        charset="utf-8",
        column="/zwgk/ghjh/zfgzbg/",
        column_name="政府工作报告",
        report_date="2023-01-10",
        report_page=2,
        disallow="/search/",
        unit="市",
        mayor_title="市长",
        source="北山市人民政府办公室",
        icp="辽ICP备00000000号",
        site_code="0000000001",
    ),
)
BIG = DISCOVERY_SITES[0]

# Partial reports (issue 19): a report split over three pages and a chapter on its own page;
# built by partsite.py into manifest["parts_sites"].
PARTS_SITES: tuple[SiteSpec, ...] = (
    SiteSpec(
        host="www.xiling-fixture.gov.cn",
        name="西岭县人民政府",
        region="西岭县",
        level="县",
        kind="government",
        seed="002",
        theme="trs",
        charset="utf-8",
        column="/zwgk/zfgzbg/",
        column_name="政府工作报告",
        report_date="2023-01-10",
        report_page=0,
        disallow="/search/",
        unit="县",
        mayor_title="县长",
        source="西岭县人民政府办公室",
        icp="辽ICP备00000001号",
        site_code="0000000002",
    ),
)
PARTS = PARTS_SITES[0]



def _copy_site(host: str, name: str, kind: str, region: str | None = None) -> SiteSpec:
    return SiteSpec(host=host, name=name, region=region, level="市" if region else None,
                    kind=kind, seed="000", theme="copy", charset="utf-8", column="/",
                    column_name="", report_date="2022-01-12", report_page=0, disallow="/admin/",
                    unit="市", mayor_title="市长", source="")


# Copies of one report on other hosts, and one place's reports of two years (issue 11);
# built by copies.py into manifest["copy_sites"], kept out of SITES like DISCOVERY_SITES.
COPY_SITES: tuple[SiteSpec, ...] = (
    _copy_site("www.beipiao-gov.com", "北票市人民政府（镜像）", "mirror"),
    _copy_site("big5.beipiao-gov.net", "北票市人民政府（繁體鏡像）", "mirror"),
    _copy_site("www.fanwen-fixture.com", "范文库", "content_farm"),
    _copy_site("www.liaoxi-news-fixture.com", "辽西资讯网", "unknown"),
    _copy_site("www.dongling-fixture.gov.cn", "东岭市人民政府", "government", "东岭市"),
)

HOSTS = {s.host: s for s in (*SITES, *DISCOVERY_SITES, *COPY_SITES, *PARTS_SITES)}
