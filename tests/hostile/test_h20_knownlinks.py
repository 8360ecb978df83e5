"""Hostile checks of the spider's known-link shortcut (crawler/knownlinks.py, issue 20)."""

from __future__ import annotations

import gc
import tracemalloc

from scrapy.core.scheduler import Scheduler
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler import knownlinks
from crawler.discovery import GENERIC
from crawler.knownlinks import KnownLinks
from crawler.spiders.reports import ReportsSpider

SITE = "http://www.example.gov.cn/"
FEW_MB = 16_000_000  # crawler/knownlinks.py: "distinct URLs remembered (a few MB at most)"


def _crawler():
    settings = Settings()
    settings.setmodule("crawler.settings")
    values = {**dict(settings.items()), "TWISTED_REACTOR_ENABLED": False,
              "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue"}
    crawler = get_crawler(ReportsSpider, settings_dict=values)
    crawler.spider = ReportsSpider.from_crawler(crawler, start_urls=SITE)
    return crawler


def _held_by(fn) -> int:
    """Bytes still allocated after fn() ran (and a full collection)."""
    knownlinks._probes.clear()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fn()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        knownlinks._probes.clear()


def test_links_too_long_to_be_fetched_hold_no_memory_in_the_shortcut():
    # Failed before 3bf4a36: the probe cache held 200 links of 200 KB (~130 MB).
    crawler = _crawler()
    known = KnownLinks(crawler)
    long_urls = [f"{SITE}{i}/" + "a" * 200_000 for i in range(200)]

    def ask() -> None:
        for url in long_urls:
            assert not known.skip(url, 1)  # UrlLengthMiddleware's to drop, never skipped

    assert _held_by(ask) < FEW_MB


def test_the_probe_cache_stays_a_few_mb_for_long_urls_within_the_limit():
    # Failed before 3bf4a36: 16384 links of 2 KB held ~72 MB.
    crawler = _crawler()
    known = KnownLinks(crawler)
    limit = crawler.settings.getint("URLLENGTH_LIMIT")
    urls = [f"{SITE}{i:05d}/".ljust(limit - 10, "a") for i in range(16384)]

    def ask() -> None:
        for url in urls:
            known.skip(url, 1)

    assert _held_by(ask) < FEW_MB


def test_a_page_with_many_distinct_links_met_twice_builds_each_request_once():
    # Every link new on the first visit, every link known on the second: the spider skips
    # exactly those the scheduler already holds, and counts them.
    crawler = _crawler()
    spider = crawler.spider
    scheduler = Scheduler.from_crawler(crawler)
    scheduler.open(spider)
    scheduler.enqueue_request(Request(f"{SITE}first.html"))
    scheduler.enqueue_request(Request(f"{SITE}first.html"))  # the logged first duplicate
    n = 800  # within the site's page budget (DISCOVERY_MAX_PAGES)
    html = "".join(f'<a href="/p/{i}.html?b=1&a={i}#f{i}">{i}</a>' for i in range(n))
    request = Request(SITE, meta={"discovery": GENERIC, "depth": 0})
    response = HtmlResponse(SITE, body=html.encode(), encoding="utf-8", request=request)
    crawler.crawling = True
    first = [r for r in spider.parse(response) if isinstance(r, Request)]
    assert len(first) == n
    for r in first[: n // 2]:
        assert scheduler.enqueue_request(r)
    again = [r for r in spider.parse(response) if isinstance(r, Request)]
    assert {r.url for r in again} == {r.url for r in first[n // 2 :]}
    assert crawler.stats.get_value("discovery/known_links") == n // 2
    # What was not skipped the scheduler takes, once.
    assert all(scheduler.enqueue_request(r) for r in again)


def test_link_extraction_caches_stay_a_few_mb_for_long_links():
    # Failed before 3bf4a36: the link caches kept hrefs of any length (~127 MB here).
    from crawler.links import extract_links

    def body(k: int) -> bytes:
        return "".join(f'<a href="/{k}/{i}/{"a" * 2000}">x</a>' for i in range(1000)).encode()

    extract_links(HtmlResponse(SITE, body=body(-1), encoding="utf-8"))
    bodies = [body(k) for k in range(16)]

    def extract() -> None:
        # Each response goes once it is read, as in a crawl: what stays is the caches'.
        for data in bodies:
            assert len(extract_links(HtmlResponse(SITE, body=data, encoding="utf-8"))) == 1000

    held = _held_by(extract)
    assert held < FEW_MB, held
