"""crawler.stats: Scrapy's memory stats collector, minus the wrapper; the same answers."""

from __future__ import annotations

from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.stats import StatsCollector


def _calls(stats) -> dict:
    stats.open_spider()
    stats.set_value("a", 1)
    stats.inc_value("a", 2)
    stats.inc_value("b", start=5)
    stats.max_value("m", 3)
    stats.max_value("m", 1)
    stats.min_value("n", 4)
    stats.min_value("n", 7)
    stats.set_stats({**stats.get_stats(), "c": stats.get_value("a") + stats.get_value("x", 10)})
    return dict(stats.get_stats())


def test_same_stats_as_scrapys_collector():
    crawler = get_crawler()
    assert _calls(StatsCollector(crawler)) == _calls(MemoryStatsCollector(crawler)) == {
        "a": 3, "b": 6, "m": 3, "n": 4, "c": 13}


def test_the_project_uses_it():
    settings = Settings()
    settings.setmodule("crawler.settings")
    # No reactor is needed to build the crawler's components.
    crawler = get_crawler(settings_dict={**dict(settings.items()),
                                         "TWISTED_REACTOR_ENABLED": False})
    assert type(crawler.stats) is StatsCollector
