"""Links the spider skips as already dealt with (crawler/knownlinks.py): only what Scrapy's
dupefilter or offsite filter would drop anyway, counted as they count it.

The unit tests drive Scrapy's own scheduler and offsite filter by hand and check the spider's
answer against theirs; the crawls check the cases that need a whole crawl (a link first met
too deep, met again higher up) and that a crawl without the shortcut fetches the same pages.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from scrapy.core.scheduler import Scheduler
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.discovery import GENERIC
from crawler.knownlinks import KnownLinks, SeenFilter, Tally
from crawler.spiders.reports import ReportsSpider
from crawler.ssrf import SsrfGuardMiddleware
from fixtureweb.crawl import crawl
from fixtureweb.loopback import PageHandler, served
from tests.crawler.test_discovery import project_settings

SITE = "http://www.example.gov.cn/"
# One URL in several spellings the dupefilter takes for one (query order, fragment), and
# others it does not (path case, scheme, a different query).
URLS = [f"{SITE}a.html", f"{SITE}a.html#top", f"{SITE}A.html", "https://www.example.gov.cn/a.html",
        f"{SITE}list?b=2&a=1", f"{SITE}list?a=1&b=2", f"{SITE}list?a=1", f"{SITE}中文/页.html",
        f"{SITE}%E4%B8%AD%E6%96%87/%E9%A1%B5.html", "http://zwgk.example.gov.cn/x.html"]


def _crawler(tmp_path=None, **settings):
    # Scrapy's default queue asks the running downloader, and none runs here.
    values = {**project_settings(), "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
              **settings}
    if tmp_path is not None:
        values["JOBDIR"] = str(tmp_path / "job")
    crawler = get_crawler(ReportsSpider, settings_dict=values)
    kwargs = {} if "SITES_FILE" in settings else {"start_urls": SITE}
    crawler.spider = ReportsSpider.from_crawler(crawler, **kwargs)
    return crawler


def _scheduler(crawler) -> Scheduler:
    scheduler = Scheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    assert isinstance(scheduler.df, SeenFilter)
    # The scheduler logs the first duplicate in full; the spider skips none before that.
    scheduler.enqueue_request(Request(f"{SITE}first.html"))
    scheduler.enqueue_request(Request(f"{SITE}first.html"))
    return scheduler


def test_a_link_is_skipped_exactly_when_the_scheduler_would_filter_its_request():
    crawler = _crawler()
    spider, scheduler = crawler.spider, _scheduler(crawler)
    known, tally = KnownLinks.of(crawler), Tally()
    for url in URLS * 2:
        skipped = known.skip(url, 1, tally)
        # The request the spider would have built, through the scheduler's dupefilter.
        assert skipped == (not scheduler.enqueue_request(spider._request(url, GENERIC))), url
    before = crawler.stats.get_value("dupefilter/filtered")
    known.count(tally, 1)
    # Each URL above once more, and as repeats on the first round: a.html's fragment, list's
    # query order and the Chinese path percent-encoded.
    assert crawler.stats.get_value("discovery/known_links") == len(URLS) + 3
    assert crawler.stats.get_value("dupefilter/filtered") == before + len(URLS) + 3


def test_a_url_fetched_with_dont_filter_is_not_seen():
    crawler = _crawler()
    scheduler = _scheduler(crawler)
    known, tally = KnownLinks.of(crawler), Tally()
    url = f"{SITE}retried.html"
    scheduler.enqueue_request(Request(url, dont_filter=True))  # a retry, a resume's refetch
    assert not known.skip(url, 1, tally)
    assert scheduler.enqueue_request(Request(url))  # the dupefilter lets the link through


def test_links_beyond_the_depth_limits_are_left_to_the_depth_middlewares(tmp_path):
    crawler = _crawler(DEPTH_LIMIT=3)
    scheduler = _scheduler(crawler)
    url = f"{SITE}deep.html"
    scheduler.enqueue_request(Request(url))
    known, tally = KnownLinks.of(crawler), Tally()
    assert known.skip(url, 3, tally)
    # Dropped there as too deep (and counted so), not as a duplicate.
    assert not known.skip(url, 4, tally)
    sites = tmp_path / "sites.toml"
    sites.write_text('[[site]]\nname = "示例"\nregion = "示例市"\nprovince = "示例省"\n'
                     'level = "市"\nhosts = ["www.example.gov.cn"]\n'
                     f'start_urls = ["{SITE}"]\nmax_depth = 2\n', encoding="utf-8")
    crawler = _crawler(SITES_FILE=str(sites))
    _scheduler(crawler).enqueue_request(Request(url))
    known, tally = KnownLinks.of(crawler), Tally()
    assert known.skip(url, 2, tally) and not known.skip(url, 3, tally)


def test_a_resumed_jobdir_skips_what_it_has_seen_and_nothing_else(tmp_path):
    crawler = _crawler(tmp_path)
    # What crawler.resume leaves in requests.seen after a killed run: the stored URLs only.
    job = tmp_path / "job"
    job.mkdir(exist_ok=True)
    fp = crawler.request_fingerprinter.fingerprint(Request(f"{SITE}stored.html"))
    (job / "requests.seen").write_bytes(len(fp).to_bytes(2, "big") + fp)
    scheduler = _scheduler(crawler)
    known, tally = KnownLinks.of(crawler), Tally()
    assert known.skip(f"{SITE}stored.html", 1, tally)
    assert not known.skip(f"{SITE}queued-not-stored.html", 1, tally)
    assert scheduler.enqueue_request(Request(f"{SITE}queued-not-stored.html"))
    assert not scheduler.enqueue_request(Request(f"{SITE}stored.html"))
    scheduler.close("finished")


def test_nothing_is_skipped_before_the_dupefilter_has_logged_its_first_duplicate():
    crawler = _crawler()
    scheduler = Scheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    scheduler.enqueue_request(Request(f"{SITE}a.html"))
    known, tally = KnownLinks.of(crawler), Tally()
    assert not known.skip(f"{SITE}a.html", 1, tally)  # its request carries the log line
    assert not scheduler.enqueue_request(Request(f"{SITE}a.html"))
    assert known.skip(f"{SITE}a.html", 1, tally)


def test_a_host_the_offsite_filter_has_filtered_is_skipped_after_it():
    crawler = _crawler()
    offsite = OffsiteMiddleware.from_crawler(crawler)
    offsite.spider_opened(crawler.spider)
    known, tally = KnownLinks(crawler, offsite), Tally()
    away = "http://www.example.com/page.html"
    assert not known.skip(away, 1, tally)  # not filtered yet: its request is logged and counted
    with pytest.raises(IgnoreRequest):
        offsite.request_scheduled(Request(away), crawler.spider)
    assert known.skip("http://www.example.com/other.html", 1, tally)
    assert not known.skip(f"{SITE}a.html", 1, tally)  # on the site, and not seen
    known.count(tally, 1)
    assert crawler.stats.get_value("offsite/filtered") == 2


def test_links_to_private_addresses_are_left_to_the_ssrf_guard():
    crawler = _crawler()
    offsite = OffsiteMiddleware.from_crawler(crawler)
    offsite.spider_opened(crawler.spider)
    guard = SsrfGuardMiddleware.from_crawler(crawler)
    guard.spider_opened(crawler.spider)
    known, tally = KnownLinks(crawler, offsite, guard), Tally()
    for url in ("http://10.0.0.1/a.html", "http://8.8.8.8/a.html"):
        with pytest.raises(IgnoreRequest):
            offsite.request_scheduled(Request(url), crawler.spider)
    # Refused and logged by the guard every time it is met: never skipped.
    assert not known.skip("http://10.0.0.1/b.html", 1, tally)
    assert known.skip("http://8.8.8.8/b.html", 1, tally)  # public: the offsite filter drops it


def test_the_spider_skips_only_links_it_has_followed_before():
    crawler = _crawler()
    spider, scheduler = crawler.spider, _scheduler(crawler)
    html = b'<a href="/a.html">a</a><a href="/b.html">b</a>'
    request = Request(SITE, meta={"discovery": GENERIC, "depth": 0})
    response = HtmlResponse(SITE, body=html, encoding="utf-8", request=request)
    crawler.crawling = True  # the spider asks for the filters of a running crawl only
    first = [r for r in spider.parse(response) if isinstance(r, Request)]
    assert [r.url for r in first] == [f"{SITE}a.html", f"{SITE}b.html"]
    scheduler.enqueue_request(first[0])  # a.html scheduled; b.html still on its way
    again = [r for r in spider.parse(response) if isinstance(r, Request)]
    assert [r.url for r in again] == [f"{SITE}b.html"]
    assert crawler.stats.get_value("discovery/known_links") == 1


# -- real crawls ----------------------------------------------------------------------------
# One request at a time, taken by priority: report links first, then column links, then the
# rest.  So r1 and its report link r2 are fetched before the column pages, and those before
# news.html: r2 links deep.html beyond DEPTH_LIMIT=2 (dropped), news.html links it at depth
# 2, after.  Every page links home and another site: repeats for the spider to skip.
PAGES = {
    "/": ["/gzbg/r1.html", "/zwgk/c1.html", "/zwgk/c2.html", "/zwgk/c3.html", "/news.html",
          "http://other.example/"],
    "/gzbg/r1.html": ["/gzbg/r2.html", "/", "/news.html", "http://other.example/"],
    "/gzbg/r2.html": ["/gzbg/deep.html", "/", "/gzbg/r1.html", "http://other.example/x"],
    "/zwgk/c1.html": ["/", "/zwgk/c2.html", "http://other.example/"],
    "/zwgk/c2.html": ["/", "/zwgk/c1.html", "http://other.example/"],
    "/zwgk/c3.html": ["/", "/zwgk/c1.html", "http://other.example/"],
    "/news.html": ["/gzbg/deep.html", "/", "/gzbg/r1.html", "http://other.example/"],
    "/gzbg/deep.html": ["/", "/news.html"],
}
SERVED: list[str] = []


class _Site(PageHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        SERVED.append(self.path)
        links = PAGES.get(self.path)
        if links is None:
            self.send_error(404)
            return
        body = "".join(f'<p><a href="{u}">链接</a></p>' for u in links)
        data = f"<html><body><p>{self.path}</p>{body}</body></html>".encode()
        self.send_page(data)


def _crawl(tmp_path, *settings: str) -> tuple[dict[str, int], dict]:
    with served(_Site) as base:
        proc = crawl(tmp_path, None, "-a", f"start_urls={base}/", "-s", "DEPTH_LIMIT=2",
                     "-s", "CONCURRENT_REQUESTS=1", "-s", "DISCOVERY_SITEMAP=False",
                     "-s", "CLEAN_WORKERS=0", "-s", "SQLITE_PROCESS=False",
                     *(arg for s in settings for arg in ("-s", s)), timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = sqlite3.connect(tmp_path / "reports.db")
    pages = {url.removeprefix(base): depth for url, depth in
             db.execute("select url, depth from pages where status = 200")}
    stats = json.loads(db.execute("select stats from crawls").fetchone()[0])
    db.close()
    return pages, stats


COUNTED = ("dupefilter/filtered", "offsite/filtered", "offsite/domains", "request_depth_max",
           "depth/request_ignored_count", "scheduler/enqueued")


def test_a_link_first_met_too_deep_is_fetched_when_met_higher_up(tmp_path):
    SERVED.clear()
    pages, stats = _crawl(tmp_path / "fast")
    # deep.html was met first from r2 at depth 3 (dropped), then from news.html at depth 2.
    assert SERVED.index("/gzbg/r2.html") < SERVED.index("/zwgk/c3.html") < SERVED.index("/news.html")
    assert stats["depth/request_ignored_count"] >= 1
    assert pages == {"/": 0, "/gzbg/r1.html": 1, "/zwgk/c1.html": 1, "/zwgk/c2.html": 1,
                     "/zwgk/c3.html": 1, "/news.html": 1, "/gzbg/r2.html": 2,
                     "/gzbg/deep.html": 2}
    assert stats["discovery/known_links"] > 0
    # Without the shortcut (Scrapy's dupefilter, which the spider cannot ask): the same pages,
    # the same counts.
    plain_pages, plain = _crawl(tmp_path / "plain",
                                "DUPEFILTER_CLASS=scrapy.dupefilters.RFPDupeFilter")
    assert plain_pages == pages
    assert plain.get("discovery/known_links", 0) < stats["discovery/known_links"]
    assert {k: plain.get(k) for k in COUNTED} == {k: stats.get(k) for k in COUNTED}


def test_links_beyond_depth_limit_are_charged_and_counted_without_requests():
    html = ('<a href="/gzbg/r.html">报告</a><a href="/a.html">a</a><a href="/b.html">b</a>'
            '<a href="/a.html#x">a</a><script>createPageHTML(3, 0, "index", "html");</script>')

    def parse(crawler) -> list[Request]:
        request = Request(SITE, meta={"discovery": GENERIC, "depth": 2})
        response = HtmlResponse(SITE, body=html.encode(), encoding="utf-8", request=request)
        return [r for r in crawler.spider.parse(response) if isinstance(r, Request)]

    # Without the shortcut (not crawling): the requests DepthMiddleware would drop.
    slow = _crawler(DEPTH_LIMIT=2)
    dropped = parse(slow)
    assert len(dropped) == 7  # 4 links (a.html#x is a link of its own), the pager's 3 pages
    fast = _crawler(DEPTH_LIMIT=2)
    fast.crawling = True
    fast.stats.set_value("depth/request_ignored_count", 1)  # DepthMiddleware logged its line
    assert parse(fast) == []
    assert fast.stats.get_value("depth/request_ignored_count") == 1 + len(dropped)
    counted = ("discovery/generic_links", "discovery/report_links", "discovery/js_pager_pages")
    assert [fast.stats.get_value(k) for k in counted] == [slow.stats.get_value(k) for k in counted]
    assert fast.spider.budget.seen == slow.spider.budget.seen
    # Met again on a page within the limit: followed as usual.
    request = Request(SITE, meta={"discovery": GENERIC, "depth": 1})
    response = HtmlResponse(SITE, body=html.encode(), encoding="utf-8", request=request)
    assert len([r for r in fast.spider.parse(response) if isinstance(r, Request)]) == 7


def test_the_probe_cache_holds_urls_of_ordinary_length_only():
    from crawler import knownlinks

    crawler = _crawler()
    known = KnownLinks.of(crawler)
    limit = crawler.settings.getint("URLLENGTH_LIMIT")
    knownlinks._probes.clear()
    too_long = f"{SITE}x/" + "a" * limit
    assert not known.skip(too_long, 1)  # UrlLengthMiddleware's to drop, never probed
    long = f"{SITE}y/".ljust(limit - 10, "a")
    assert knownlinks.probe(long) == knownlinks._probe(long)  # probed, not remembered
    assert len(knownlinks._probes) == 0
    assert knownlinks.probe(f"{SITE}a.html") is knownlinks.probe(f"{SITE}a.html")
    assert len(knownlinks._probes) == 1


def test_the_probe_of_a_request_built_is_the_probe_worked_out_for_its_link():
    from crawler import knownlinks

    crawler = _crawler()
    spider, scheduler = crawler.spider, _scheduler(crawler)
    known = KnownLinks.of(crawler)
    urls = [*URLS, "http://127.0.0.1:8080/a.html", "http://[::1]:81/b?x=1", "https://10.0.0.1/",
            f"{SITE}sp ace.html", f"{SITE}x#frag"]
    for url in urls:
        knownlinks._probes.clear()
        request = spider._request(url, GENERIC)
        known.remember(url, request)
        remembered = knownlinks._probes[url]
        assert remembered == knownlinks._probe(url), url
        # The dupefilter fingerprints the request as the probe did (and finds it worked out).
        assert scheduler.df.fingerprinter.fingerprint(request) == remembered.fingerprint
    # Without a dupefilter that answers for the spider (none has logged its first duplicate
    # yet), nothing is remembered: the fingerprint might not be the one it takes.
    crawler = _crawler()
    Scheduler.from_crawler(crawler).open(crawler.spider)
    knownlinks._probes.clear()
    KnownLinks.of(crawler).remember(SITE, crawler.spider._request(SITE, GENERIC))
    assert knownlinks._probes == {}


def test_the_probe_cache_is_bounded(monkeypatch):
    from crawler import knownlinks

    monkeypatch.setattr(knownlinks, "_CACHED", 3)
    knownlinks._probes.clear()
    for i in range(3):
        knownlinks.probe(f"{SITE}{i}.html")
    assert len(knownlinks._probes) == 3
    knownlinks.probe(f"{SITE}3.html")  # full: it starts afresh
    assert list(knownlinks._probes) == [f"{SITE}3.html"]
