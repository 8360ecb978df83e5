"""spider.state in the JOBDIR (crawler/spiderstate.py): a file that cannot be read, for any
reason, is a warning and an empty state, the file kept aside, never a traceback that ends
with the saved state overwritten (hostile s9 F4); only plain data is read or written, since
unpickling a file that names a callable calls it; a state never loaded is never written."""

from __future__ import annotations

import logging
import pickle
import random
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.reportcredit import ReportCredit
from crawler.spiders.reports import BUDGET_STATE, Budget, ReportsSpider
from crawler.spiderstate import JobdirSpiderState
from tests.crawler.test_discovery import project_settings


def extension(jobdir: Path) -> tuple[JobdirSpiderState, Spider]:
    crawler = get_crawler(Spider, {"JOBDIR": str(jobdir)})
    crawler.spider = crawler._create_spider("s")
    return JobdirSpiderState.from_crawler(crawler), crawler.spider


def saved_budget() -> dict:
    """The state a crawl saves: a page budget with some spent."""
    budget = Budget(100, 50, ReportCredit(5, 0.5))
    for i in range(30):
        budget.admit(f"site{i % 3}.cn", f"http://site{i % 3}.cn/{i}", "report" if i % 2 else "generic")
    return {BUDGET_STATE: budget.state()}


def test_a_saved_state_round_trips(tmp_path):
    ext, spider = extension(tmp_path)
    ext.spider_opened(spider)
    assert spider.state == {}
    spider.state.update(saved_budget())
    spider.state["plain"] = {"set": {1, 2}, "tuple": (1, "二"), "bytes": b"\x00", "none": None,
                             "float": 1.5, "frozen": frozenset({"a"}), "flag": True}
    ext.spider_closed(spider)
    again, spider2 = extension(tmp_path)
    again.spider_opened(spider2)
    assert spider2.state == spider.state


def test_a_state_written_by_scrapys_extension_is_read(tmp_path):
    (tmp_path / "spider.state").write_bytes(pickle.dumps(saved_budget(), protocol=4))
    ext, spider = extension(tmp_path)
    ext.spider_opened(spider)
    assert spider.state == saved_budget()


def corruptions(good: bytes, count: int) -> list[bytes]:
    """count copies of good with 1-4 bytes changed at random places (a fixed seed)."""
    rng = random.Random(4)
    out = []
    for _ in range(count):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        out.append(bytes(data))
    return out


def test_any_damaged_state_is_an_empty_one_and_kept_aside(tmp_path, caplog):
    good = pickle.dumps(saved_budget(), protocol=4)
    unreadable = 0
    for i, data in enumerate(corruptions(good, 3000)):
        jobdir = tmp_path / str(i)
        jobdir.mkdir()
        (jobdir / "spider.state").write_bytes(data)
        ext, spider = extension(jobdir)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="crawler.spiderstate"):
            ext.spider_opened(spider)  # raises nothing, whatever the bytes
        assert isinstance(spider.state, dict)
        if (jobdir / "spider.state.bad").exists():
            unreadable += 1
            assert spider.state == {}
            assert (jobdir / "spider.state.bad").read_bytes() == data
            assert not (jobdir / "spider.state").exists()
            assert "spider.state.bad" in caplog.text
        else:
            assert (jobdir / "spider.state").read_bytes() == data
        ext.spider_closed(spider)
        assert (jobdir / "spider.state").exists()
    assert unreadable > 100  # the corruptions did damage, so the checks above were run


def test_the_findings_pickle_and_empty_files_are_unreadable(tmp_path):
    # A global, empty, not a dict, not a pickle, protocol 5's buffers (never written here).
    bytearray_state = pickle.dumps({"b": bytearray(b"x")}, protocol=5)
    for i, data in enumerate([b"\x80\x04cnosuchmod\nX\n.", b"", b"\x80\x04K\x01.", b"junk",
                              bytearray_state]):
        jobdir = tmp_path / str(i)
        jobdir.mkdir()
        (jobdir / "spider.state").write_bytes(data)
        ext, spider = extension(jobdir)
        ext.spider_opened(spider)
        assert spider.state == {}, data
        assert (jobdir / "spider.state.bad").read_bytes() == data


class Touch:
    """What a hostile spider.state could hold: unpickling it creates a file."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_a_state_naming_a_callable_is_not_run(tmp_path):
    touched = tmp_path / "touched"
    (tmp_path / "spider.state").write_bytes(pickle.dumps({"x": Touch(touched)}))
    ext, spider = extension(tmp_path)
    ext.spider_opened(spider)
    assert not touched.exists()
    assert spider.state == {}
    assert (tmp_path / "spider.state.bad").exists()


def test_a_state_holding_other_objects_is_not_written(tmp_path):
    ext, spider = extension(tmp_path)
    ext.spider_opened(spider)
    spider.state["page"] = 1
    ext.spider_closed(spider)
    before = (tmp_path / "spider.state").read_bytes()
    spider.state["when"] = Touch(tmp_path / "x")
    ext.spider_closed(spider)
    stats = ext.crawler.stats
    assert stats.get_value("write_failed") == "jobdir_write_failed"
    assert (tmp_path / "spider.state").read_bytes() == before
    assert not (tmp_path / "spider.state.new").exists()


def test_a_state_never_loaded_is_not_written(tmp_path):
    """The run stopped before the spider opened (a queue that could not be opened used to):
    the saved state stays as it was."""
    good = pickle.dumps(saved_budget(), protocol=4)
    (tmp_path / "spider.state").write_bytes(good)
    ext, spider = extension(tmp_path)
    ext.spider_closed(spider)
    assert (tmp_path / "spider.state").read_bytes() == good


@pytest.mark.parametrize("saved", [[], {"counts": 5}, {"counts": [], "seen": [],
                                                      "charged_reports": [], "credit": []},
                                   {"counts": [["a", True, float("inf")]], "seen": [],
                                    "charged_reports": [], "credit": {}}])
def test_a_damaged_budget_is_a_fresh_one(saved, caplog):
    crawler = get_crawler(ReportsSpider, settings_dict=project_settings())
    spider = ReportsSpider.from_crawler(crawler, start_urls="http://www.a.gov.cn/")
    spider.state = {BUDGET_STATE: saved}
    with caplog.at_level(logging.WARNING):
        spider._restore_budget()
    assert "starts with a fresh one" in caplog.text
    assert spider.budget.counts == {}
