"""Discovery rules (crawler/discovery.py) and the spider's page budget, on hand-written input."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler import discovery
from crawler.discovery import COLUMN, GENERIC, REPORT, Keywords, link_kind
from crawler.spiders.reports import Budget, ReportsSpider


def project_settings() -> dict:
    settings = Settings()
    settings.setmodule("crawler.settings")
    # The spider is driven by hand here, not crawled: no reactor is needed.
    return {**dict(settings.items()), "TWISTED_REACTOR_ENABLED": False}


HOME = "http://www.example.gov.cn/index.html"
LIST = "http://www.example.gov.cn/zwgk/ghjh/index.html"
COL = "http://www.example.gov.cn/xxgk/zfgzbg/index_1.html"


@pytest.mark.parametrize(("text", "url", "page", "page_kind", "want"), [
    # report anchors and report URLs, wherever they are found
    ("2023年政府工作报告", "http://www.example.gov.cn/a/t1.html", HOME, GENERIC, REPORT),
    ("往年报告", "http://www.example.gov.cn/a/b.html", HOME, GENERIC, REPORT),
    ("专题", "http://www.example.gov.cn/zfgzbg/", HOME, GENERIC, REPORT),
    ("2021年政府工作報告", "http://www.example.gov.cn/a/t2.html", HOME, GENERIC, REPORT),
    # the way to the column: 政务公开 → 规划计划, by anchor or by URL
    ("政务公开", "http://www.example.gov.cn/col/col123/", HOME, GENERIC, COLUMN),
    ("规划计划", "http://www.example.gov.cn/c/456.html", HOME, GENERIC, COLUMN),
    ("更多", "http://www.example.gov.cn/zwgk/ghjh/index.html", HOME, GENERIC, COLUMN),
    # pagers keep the kind of the list they page through
    ("下一页", "http://www.example.gov.cn/zwgk/ghjh/index_1.html", LIST, COLUMN, COLUMN),
    ("3", "http://www.example.gov.cn/xxgk/zfgzbg/index_2.html", COL, REPORT, REPORT),
    # items of a report column are reports whatever their anchor says
    ("关于2022年工作情况", "http://www.example.gov.cn/xxgk/zfgzbg/202201/t3.html", COL, REPORT,
     REPORT),
    # ...but items of a generic list are generic, and a pager elsewhere is not a pager
    ("植树造林", "http://www.example.gov.cn/xwdt/202203/t4.html", HOME, GENERIC, GENERIC),
    ("下一页", "http://www.example.gov.cn/xwdt/index_1.html", LIST, COLUMN, GENERIC),
    # attachments: followed when named as a report or found on a report/column page
    ("2021年政府工作报告.pdf", "http://www.example.gov.cn/u/P0201.pdf", HOME, GENERIC, REPORT),
    ("点击下载", "http://www.example.gov.cn/u/P0202.docx", COL, REPORT, REPORT),
    ("附件", "http://www.example.gov.cn/u/P0203.WPS", LIST, COLUMN, REPORT),
    ("招聘公告.pdf", "http://www.example.gov.cn/u/P0204.pdf", HOME, GENERIC, None),
    ("表格下载", "http://www.example.gov.cn/u/form.doc", HOME, GENERIC, None),
])
def test_link_kind(text, url, page, page_kind, want):
    assert link_kind(text, url, page, page_kind) == want


def test_site_column_keywords_are_added_not_replacing():
    kw = Keywords().with_columns(["年度计划"])
    assert link_kind("年度计划", "http://h/x/y.html", HOME, GENERIC, kw) == COLUMN
    assert link_kind("年度计划", "http://h/x/y.html", HOME, GENERIC) == GENERIC
    assert link_kind("规划计划", "http://h/x/z.html", HOME, GENERIC, kw) == COLUMN


@pytest.mark.parametrize(("script", "want"), [
    ('createPageHTML(4, 0, "index", "html");', ["index.html", "index_1.html", "index_2.html",
                                                  "index_3.html"]),
    ("createPageHTML( 3 , 2 , 'index' , 'shtml' )", ["index.shtml", "index_1.shtml",
                                                    "index_2.shtml"]),
    # newer TRS pagers: a div id first, the record count last
    ('createPageHTML("page_div", 2, 1, "list", "htm", 37);', ["list.htm", "list_1.htm"]),
    # variables instead of literals: the count is unknown, nothing is guessed
    ('createPageHTML(countPage, currentPage, "index", "html");', []),
    ('createPageHTML(3, 0, "../../etc", "html");', []),
])
def test_js_pager(script, want):
    html = f"<div class='page'><script>{script}</script></div>"
    page = "http://www.example.gov.cn/zwgk/ghjh/index.html"
    got = discovery.js_pager_urls(html, page)
    assert got == ["http://www.example.gov.cn/zwgk/ghjh/" + w for w in want]


def test_js_pager_limit():
    html = '<script>createPageHTML(100000, 0, "index", "html");</script>'
    assert len(discovery.js_pager_urls(html, HOME, limit=50)) == 50


def test_sitemap_urlset_and_index():
    urlset = (b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
              b'schemas/sitemap/0.9"><url><loc> http://h/a.html </loc></url>'
              b"<url><loc>http://h/zfgzbg/t1.html</loc></url></urlset>")
    assert discovery.parse_sitemap(urlset) == (["http://h/a.html", "http://h/zfgzbg/t1.html"], [])
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>http://h/sitemap1.xml</loc></sitemap></sitemapindex>")
    assert discovery.parse_sitemap(index) == ([], ["http://h/sitemap1.xml"])
    # plain <urlset> without a namespace, as some CMSs write it
    assert discovery.parse_sitemap(b"<urlset><url><loc>http://h/b</loc></url></urlset>") == (
        ["http://h/b"], [])


@pytest.mark.parametrize("body", [b"", b"<html><body>404</body></html>", b"\x00\xff garbage",
                                  b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                  b"<urlset><url><loc>&e;</loc></url></urlset>"])
def test_sitemap_garbage_gives_nothing(body):
    pages, nested = discovery.parse_sitemap(body)
    assert not nested
    assert all("root:" not in u for u in pages)  # external entities are never resolved


def test_sitemap_kind_takes_only_report_and_column_urls():
    assert discovery.sitemap_kind("http://h/xxgk/zfgzbg/201901/t1.html") == REPORT
    assert discovery.sitemap_kind("http://h/zwgk/index.html") == COLUMN
    assert discovery.sitemap_kind("http://h/xwdt/202201/t2.html") is None


def test_budget_charges_generic_pages_once_and_spares_focused_ones():
    b = Budget(max_generic=2, max_focused=3)
    assert b.admit("s", "http://s/1", GENERIC) and b.admit("s", "http://s/2", GENERIC)
    assert b.admit("s", "http://s/1", GENERIC)  # already admitted: not charged again
    assert not b.admit("s", "http://s/3", GENERIC)
    assert b.admit("other", "http://o/1", GENERIC)  # budgets are per site
    assert all(b.admit("s", f"http://s/r{i}", REPORT) for i in range(3))
    assert not b.admit("s", "http://s/r9", COLUMN)  # the focused safety limit
    b.limits["big"] = 5
    assert all(b.admit("big", f"http://b/{i}", GENERIC) for i in range(5))


def test_spider_keeps_attachment_links_and_orders_report_links_first():
    html = """<html><body>
      <a href="/xwdt/1.html">新闻</a>
      <a href="/upload/P020.pdf">北山市2021年政府工作报告.pdf</a>
      <a href="/upload/form.xls">表格</a>
      <a href="/zwgk/index.html">政务公开</a>
      <script>createPageHTML(2, 0, "index", "html");</script></body></html>"""
    crawler = get_crawler(ReportsSpider, settings_dict=project_settings())
    spider = ReportsSpider.from_crawler(crawler, start_urls="http://www.example.gov.cn/")
    request = Request("http://www.example.gov.cn/", meta={"discovery": GENERIC, "depth": 0})
    response = HtmlResponse(request.url, body=html.encode(), encoding="utf-8", request=request)
    requests = [r for r in spider.parse(response) if hasattr(r, "priority")]
    by_url = {r.url.removeprefix("http://www.example.gov.cn"): r for r in requests}
    assert set(by_url) == {"/xwdt/1.html", "/upload/P020.pdf", "/zwgk/index.html",
                           "/index.html", "/index_1.html"}
    assert by_url["/upload/P020.pdf"].meta["discovery"] == REPORT
    assert crawler.stats.get_value("discovery/report_links") == 1
    assert (by_url["/upload/P020.pdf"].priority > by_url["/zwgk/index.html"].priority
            > by_url["/xwdt/1.html"].priority)
