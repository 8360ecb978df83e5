"""crawler.gcfreeze: what is alive when the spider opens leaves the cyclic collector's view."""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from crawler.gcfreeze import GcFreeze


def test_objects_alive_when_the_spider_opens_are_frozen() -> None:
    crawler = get_crawler(settings_dict={"EXTENSIONS": {}})
    ext = GcFreeze.from_crawler(crawler)  # a local until the end: receivers are held weakly
    before = [object()]  # a tracked object alive at the opening
    try:
        crawler.signals.send_catch_log(signals.spider_opened, spider=None)
        assert gc.get_freeze_count() > 0
        after = [object()]
        tracked = {id(o) for o in gc.get_objects()}
        assert id(before) not in tracked and id(after) in tracked
    finally:
        gc.unfreeze()
        del ext


def test_the_crawl_runs_it() -> None:
    assert "crawler.gcfreeze.GcFreeze" in get_project_settings().getdict("EXTENSIONS")
