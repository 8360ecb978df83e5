"""The JOBDIR's request queue state (crawler/scheduler.py, hostile s9 F14): its files are
written aside, so a full disk leaves the previous ones whole; a queue whose state cannot be
read is found (``queue_damage``) and, opened anyway, is a JOBDIR failure at open, not a
traceback."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from scrapy import Request, Spider, signals
from scrapy.exceptions import CloseSpider
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.scheduler import queue_damage
from tests.faultcrawl import tmpfs

URLS = [f"http://a{i % 3}.cn/{i}" for i in range(40)]


def jobdir_crawler(jobdir: Path):
    names = ("SCHEDULER", "DUPEFILTER_CLASS", "SCHEDULER_DISK_QUEUE",
             "SCHEDULER_START_DISK_QUEUE", "SCHEDULER_MEMORY_QUEUE")
    settings = {name: getattr(project_settings, name) for name in names}
    # Scrapy's default priority queue asks the engine for its downloader: none here.
    crawler = get_crawler(Spider, {**settings, "JOBDIR": str(jobdir),
                                   "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue"})
    crawler.spider = crawler._create_spider("s")
    return crawler


def open_scheduler(jobdir: Path):
    crawler = jobdir_crawler(jobdir)
    scheduler = load_object(project_settings.SCHEDULER).from_crawler(crawler)
    scheduler.open(crawler.spider)
    return crawler, scheduler


def left_queue(jobdir: Path) -> Path:
    """A run's queue left on disk with URLS in it; its requests.queue folder."""
    _, scheduler = open_scheduler(jobdir)
    for i, url in enumerate(URLS):
        assert scheduler.enqueue_request(Request(url, priority=i % 2))
    scheduler.close("shutdown")
    return jobdir / "requests.queue"


def fill(disk: Path) -> None:
    with open(disk / "filler", "wb", buffering=0) as fh, contextlib.suppress(OSError):
        while True:
            fh.write(os.urandom(4096))


def test_a_whole_queue_is_not_damaged_and_reopens(tmp_path):
    dqdir = left_queue(tmp_path / "job")
    assert queue_damage(dqdir) is None
    assert queue_damage(tmp_path / "none") is None
    _, scheduler = open_scheduler(tmp_path / "job")
    out = []
    while (request := scheduler.next_request()) is not None:
        out.append(request.url)
    assert sorted(out) == sorted(URLS)


def damaged_copies(tmp_path: Path):
    """Each way a queue's state can be unreadable, in a queue of its own."""
    def empty(path: Path) -> None:
        path.write_bytes(b"")

    def shape(path: Path) -> None:
        path.write_text(json.dumps({"size": 3}))

    def lost_chunk(path: Path) -> None:
        for chunk in path.parent.glob("q*"):
            chunk.unlink()

    for name, damage in [("empty", empty), ("shape", shape), ("chunk", lost_chunk)]:
        dqdir = left_queue(tmp_path / name)
        damage(sorted(dqdir.rglob("info.json"))[0])
        yield name, dqdir
    dqdir = left_queue(tmp_path / "active")
    (dqdir / "active.json").write_bytes(b"")
    yield "active", dqdir


def test_an_unreadable_queue_is_damage_and_a_failure_at_open(tmp_path):
    for name, dqdir in damaged_copies(tmp_path):
        assert queue_damage(dqdir) is not None, name
        crawler, scheduler = open_scheduler(dqdir.parent)  # raises nothing
        # The crawl goes on in memory until it is closed as soon as it is open.
        assert scheduler.enqueue_request(Request("http://b.cn/"))
        assert scheduler.next_request().url == "http://b.cn/"
        results = crawler.signals.send_catch_log(signals.spider_opened, spider=crawler.spider,
                                                 dont_log=CloseSpider)
        closing = [r for handler, r in results if getattr(handler, "__self__", None) is scheduler]
        assert isinstance(getattr(closing[0], "value", None), CloseSpider), name
        assert crawler.stats.get_value("write_failed") == "jobdir_write_failed"
        scheduler.close("jobdir_write_failed")
        assert queue_damage(dqdir) is not None, f"{name}: the JOBDIR was changed"


def test_a_full_disk_leaves_the_queue_state_whole(tmp_path):
    with tmpfs(tmp_path / "small", "256k") as disk:
        jobdir = disk / "job"
        dqdir = left_queue(jobdir)
        states = {p: p.read_bytes() for p in [*dqdir.rglob("info.json"), dqdir / "active.json"]}
        crawler, scheduler = open_scheduler(jobdir)
        for _ in range(5):
            scheduler.next_request()
        fill(disk)
        scheduler.close("shutdown")
        assert crawler.stats.get_value("write_failed") == "jobdir_write_failed"
        for path, data in states.items():
            assert path.read_bytes() == data, path
        assert not list(dqdir.rglob("*.new"))
        assert queue_damage(dqdir) is None


def test_a_full_disk_at_open_changes_no_queue_file(tmp_path):
    """Scrapy opens a start-request queue for each saved priority and closes the empty ones
    at once: queuelib's close wrote their state in place, which on a full disk raised out of
    the scheduler's open and left an empty info.json the next run could not read."""
    with tmpfs(tmp_path / "small", "256k") as disk:
        jobdir = disk / "job"
        dqdir = left_queue(jobdir)
        before = {p: p.read_bytes() for p in dqdir.rglob("*") if p.is_file()}
        fill(disk)
        crawler, scheduler = open_scheduler(jobdir)  # raises nothing
        assert scheduler.next_request() is not None
        assert queue_damage(dqdir) is None
        assert not [p for p in dqdir.rglob("*") if p.is_file() and p.stat().st_size == 0]
        assert {p: p.read_bytes() for p in dqdir.rglob("info.json")} == \
            {p: d for p, d in before.items() if p.name == "info.json"}
