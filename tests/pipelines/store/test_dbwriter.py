"""The crawl's database writer process (pipelines/store/writer.py) behind SQLitePipeline: pages
are written in the order sent, and a writer that dies costs the pages it had not written a
counted write error (they are in the WARC), never the crawl."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3

from scrapy.utils.test import get_crawler

from pipelines.clean.result import CleanResult
from pipelines.page import Fetch, Page
from pipelines.store_pipeline import SQLitePipeline


def page(i: int, report: bool = False) -> Page:
    url = f"http://www.example.gov.cn/{i}.html"
    result = CleanResult(is_report=report, title=f"报告{i}", text=f"政府工作报告第{i}篇。" * 20)
    return Page(url=url, status=200, content_type="text/html", body=b"x" * (100 + i),
                fetches=[Fetch(url, 200)], cleaned=result)


def pipeline(tmp_path, **settings) -> SQLitePipeline:
    crawler = get_crawler(settings_dict={"SQLITE_ENABLED": True, "SQLITE_PROCESS": True,
                                         "SQLITE_PATH": str(tmp_path / "r.db"),
                                         "DATA_DIR": str(tmp_path), "CLUSTER_ENABLED": False,
                                         **settings})
    crawler._apply_settings()
    return SQLitePipeline.from_crawler(crawler)


def stored(tmp_path) -> list[tuple[str, int]]:
    con = sqlite3.connect(tmp_path / "r.db")
    try:
        return con.execute("select url, length from pages order by id").fetchall()
    finally:
        con.close()


def test_pages_are_written_in_order_by_another_process(tmp_path):
    p = pipeline(tmp_path)

    async def run() -> None:
        await p.open_spider()
        for i in range(30):
            await p.process_item(page(i, report=i % 3 == 0))
        p.spider_closed("finished")  # on the loop, as in a crawl
    asyncio.run(run())
    writer = p.writer.process
    assert writer.pid is not None and not writer.is_alive()
    # Written without their bodies, but with their lengths.
    assert stored(tmp_path) == [(f"http://www.example.gov.cn/{i}.html", 100 + i)
                                for i in range(30)]
    assert p.stats.get_value("store/pages") == 30
    assert p.stats.get_value("store/reports") == 10


def test_a_dead_writer_costs_its_pages_a_write_error_and_a_new_one_takes_over(tmp_path):
    p = pipeline(tmp_path)

    async def run() -> None:
        await p.open_spider()
        await p.process_item(page(0))
        await asyncio.sleep(0.5)  # written and acknowledged
        first = p.writer
        for i in range(1, 4):
            await p.process_item(page(i))
        first.process.kill()  # what it had not written is lost with it
        first.process.join()
        await asyncio.sleep(0.5)  # its pipe's end is seen: its calls fail
        await p.process_item(page(4))
        assert p.writer is not first and p.writer.alive
        p.spider_closed("finished")
    asyncio.run(run())
    urls = [u for u, _ in stored(tmp_path)]
    assert urls[0].endswith("/0.html") and urls[-1].endswith("/4.html")
    # Every page is in the database or counted as a failed write; none is silently gone.
    lost = p.stats.get_value("store/write_errors", 0)
    assert len(urls) + lost == 5 and p.stats.get_value("store/pages") == len(urls)
    # The new writer goes on with the crawl's row: no second one, every page linked to it.
    con = sqlite3.connect(tmp_path / "r.db")
    try:
        crawls = con.execute("select id, finish_reason from crawls").fetchall()
        linked = {c for (c,) in con.execute("select crawl_id from pages")}
    finally:
        con.close()
    assert len(crawls) == 1 and crawls[0][1] == "finished" and linked == {crawls[0][0]}


def test_items_wait_while_the_writer_is_behind_by_its_backlog(tmp_path):
    p = pipeline(tmp_path, SQLITE_BACKLOG=2)

    async def run() -> None:
        await p.open_spider()
        pid = p.writer.process.pid
        os.kill(pid, signal.SIGSTOP)  # a writer that writes nothing for now
        try:
            items = [asyncio.ensure_future(p.process_item(page(i))) for i in range(3)]
            await asyncio.wait(items[:2])  # within the backlog: passed on at once
            await asyncio.sleep(0)
            # The third waits for the writer, which cannot answer while stopped.
            assert not items[2].done() and len(p.unacked) == 3
        finally:
            os.kill(pid, signal.SIGCONT)
        await items[2]
        assert len(p.unacked) <= 2
        p.spider_closed("finished")
    asyncio.run(run())
    assert len(stored(tmp_path)) == 3
