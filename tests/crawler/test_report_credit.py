"""Report links stay uncharged only while they pay off (crawler.reportcredit)."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy import Request, signals
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.discovery import GENERIC, PRIORITY, REPORT
from crawler.reportcredit import ReportCredit
from crawler.spiders.reports import Budget, ReportsSpider
from pipelines.page import Page
from tests.crawler.test_discovery import project_settings


def test_pending_links_count_as_misses_until_judged():
    credit = ReportCredit(max_misses=3, ratio=2)
    for i in range(3):
        assert credit.is_free("s")
        credit.spend("s", f"http://s/{i}")
    assert not credit.is_free("s")  # three unjudged: as many as three misses
    assert credit.is_free("other")  # per site
    credit.judged("s", ["http://s/0"], True)
    assert credit.is_free("s")  # one pending left the count as a report
    credit.judged("s", ["http://s/1"], None)  # not judged (unchanged): neither
    credit.spend("s", "http://s/3")
    credit.judged("s", ["http://s/2"], False)
    credit.judged("s", ["http://s/3"], False)
    assert credit.sites["s"].misses == 2 and not credit.sites["s"].pending
    assert credit.is_free("s")  # 2 misses < max(3, 2 x 1 report)
    credit.judged("s", ["http://s/9"], False)  # a page not admitted free: no miss
    assert credit.sites["s"].misses == 2


def test_misses_beyond_the_ratio_of_reports_found_end_the_credit():
    credit = ReportCredit(max_misses=2, ratio=3)
    for i in range(2):
        credit.judged("s", [f"http://s/r{i}"], True)  # reports found by any link
    for i in range(6):
        assert credit.is_free("s")
        credit.spend("s", f"http://s/{i}")
        credit.judged("s", ["http://s/redirected", f"http://s/{i}"], False)
    assert not credit.is_free("s")  # 6 misses = 3 x 2 reports


def test_zero_turns_the_credit_off():
    credit = ReportCredit(max_misses=0, ratio=10)
    for i in range(100):
        credit.spend("s", f"http://s/{i}")
    assert credit.is_free("s")


def test_budget_charges_report_links_past_the_credit_to_the_page_budget():
    b = Budget(max_generic=2, max_focused=100, credit=ReportCredit(2, 10))
    assert b.admit("s", "http://s/r1", REPORT) and b.admit("s", "http://s/r2", REPORT)
    assert b.counts.get(("s", False), 0) == 0  # the two free ones were not charged
    assert b.charged("s", REPORT) and not b.charged("s", "column")
    assert b.admit("s", "http://s/r3", REPORT) and b.admit("s", "http://s/g1", GENERIC)
    assert not b.admit("s", "http://s/r4", REPORT)  # the page budget is spent
    assert b.charged_reports == {"http://s/r3"}


def _page(url: str, is_report: bool | None) -> Page:
    page = Page(url, status=200)
    if is_report is not None:
        page.cleaned = SimpleNamespace(is_report=is_report)
    return page


def test_spider_hears_verdicts_from_item_scraped_and_demotes_charged_links():
    settings = {**project_settings(), "DISCOVERY_MAX_FALSE_REPORTS": 3,
                "DISCOVERY_MAX_PAGES": 10}
    crawler = get_crawler(ReportsSpider, settings_dict=settings)
    spider = ReportsSpider.from_crawler(crawler, start_urls="http://www.trap.gov.cn/")
    links = "".join(f'<a href="/zfgzbg/t{i}.html">{2020 + i}年政府工作报告</a>' for i in range(5))
    request = Request("http://www.trap.gov.cn/", meta={"discovery": GENERIC, "depth": 0})
    response = HtmlResponse(request.url, body=links.encode(), encoding="utf-8",
                            request=request)
    requests = [r for r in spider.parse(response) if isinstance(r, Request)]
    assert [r.priority for r in requests] == [PRIORITY[REPORT]] * 3 + [PRIORITY[GENERIC]] * 2
    assert all(r.meta["discovery"] == REPORT for r in requests)
    assert crawler.stats.get_value("discovery/report_links_charged") == 2
    assert crawler.stats.get_value("discovery/report_credit_spent_sites") == 1
    # Through the real signal: a report found gives the site its credit back.
    for r, verdict in zip(requests[:3], (True, True, False), strict=True):
        crawler.signals.send_catch_log(signal=signals.item_scraped,
                                       item=_page(r.url, verdict), response=None,
                                       spider=spider)
    credit = spider.budget.credit.sites["trap.gov.cn"]
    assert (credit.reports, credit.misses, credit.pending) == (2, 1, set())
    assert spider.budget.credit.is_free("trap.gov.cn")


def test_the_budget_round_trips_through_plain_data():
    b = Budget(max_generic=2, max_focused=100, credit=ReportCredit(2, 10))
    for url in ("http://s/r1", "http://s/r2", "http://s/r3"):
        b.admit("s", url, REPORT)
    b.credit.judged("s", ["http://s/r1"], False)
    saved = b.state()
    assert all(type(v) in (dict, list) for v in saved.values())  # no class of ours pickled
    again = Budget(max_generic=2, max_focused=100, credit=ReportCredit(2, 10))
    again.restore(saved)
    assert (again.counts, again.seen, again.charged_reports) == (b.counts, b.seen,
                                                                 b.charged_reports)
    assert again.credit.sites == b.credit.sites and again.credit.owner == b.credit.owner
    # Charged: the one page left of the budget, then none (as without the resume).
    assert again.admit("s", "http://s/r4", REPORT) and not again.admit("s", "http://s/r5", REPORT)
    assert again.admit("s", "http://s/r1", REPORT)  # seen before the resume: not charged
    again.credit.judged("s", ["http://s/r2"], False)  # a pending one, judged after the resume
    assert again.credit.sites["s"].misses == 2


def test_an_unreadable_saved_budget_is_a_warning_and_a_fresh_budget(caplog):
    crawler = get_crawler(ReportsSpider, settings_dict=project_settings())
    spider = ReportsSpider.from_crawler(crawler, start_urls="http://www.trap.gov.cn/")
    spider.state = {"discovery_budget": {"counts": [["s", True]]}}  # a field missing
    crawler.signals.send_catch_log(signal=signals.engine_started)
    assert "cannot be read" in caplog.text
    assert spider.budget.counts == {} and spider.budget.credit.sites == {}
