"""The crawl process stays lean: what `scrapy crawl` imports (every command module, the
spider, the components crawler.settings names) leaves the cleaner's and the clusters'
heavy libraries to the helper processes, which the forkserver preloads (issue 20)."""

from __future__ import annotations

import asyncio
import json
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.project import get_project_settings

from fixtureweb.crawl import crawl
from fixtureweb.server import Running
from pipelines.clean_pipeline import clean_fetched, start_helpers
from tests.faultcrawl import START
from tests.paths import PAGES, REPO

# Loaded by the cleaner (OpenCC), the fingerprints and clusters (numpy, datasketch, scipy),
# `scrapy export` (pyarrow), the plots (matplotlib) and whatever opens the database with
# sqlite_utils (which imports numpy when installed): the database writer process, not the
# crawl process (SQLITE_PROCESS).
HEAVY = ("scipy", "datasketch", "opencc", "pyarrow", "matplotlib", "numpy", "sqlite_utils")

CRAWL_SIDE = """
import importlib, json, pkgutil, sys
from scrapy.settings import Settings
from scrapy.utils.misc import load_object
import crawler.commands

settings = Settings()
settings.setmodule("crawler.settings")
for key in ("ITEM_PIPELINES", "DOWNLOADER_MIDDLEWARES", "EXTENSIONS", "SPIDER_MIDDLEWARES"):
    for path, order in settings.getdict(key).items():
        if order is not None:
            load_object(path)
for module in pkgutil.iter_modules(crawler.commands.__path__):
    importlib.import_module("crawler.commands." + module.name)
importlib.import_module("crawler.spiders.reports")
# What a clean worker sends back for a report (its result and fingerprint), as received.
import pickle
pickle.loads(bytes.fromhex(sys.argv[1]))
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in HEAVY)))
"""


def test_the_crawl_side_imports_none_of_the_heavy_libraries() -> None:
    script = f"HEAVY = {HEAVY!r}\n" + CRAWL_SIDE
    report = (PAGES / "report_gbk.html").read_bytes()
    cleaned = clean_fetched(report, "http://www.example.gov.cn/r.html", {}, cleanable=True)
    assert cleaned.fingerprint is not None  # a report: the worker's answer carries one
    done = subprocess.run([sys.executable, "-c", script, pickle.dumps(cleaned).hex()], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []


def held_by_worker() -> list[str]:
    """In a clean worker, before any page: which of the heavy modules it already holds."""
    return sorted(name for name in ("pipelines.clean.cleaner", "pipelines.store.copies.fingerprint",
                                    "opencc", "datasketch", "scipy") if name in sys.modules)


def test_the_clean_workers_still_get_them_from_the_forkserver() -> None:
    workers = start_helpers(1)
    try:
        async def ask() -> list[str]:
            return await workers[0].call(held_by_worker)
        held = asyncio.run(ask())
    finally:
        for worker in workers:
            worker.close()
    # Fingerprints need no datasketch (and its scipy): pipelines/store/copies/minhash.py.
    assert held == sorted(["pipelines.clean.cleaner", "pipelines.store.copies.fingerprint",
                           "opencc"])


class HeavyAtClose:
    """Extension for the crawl below: the heavy modules the crawl process holds once the
    spider has closed (its database row finished), written to the file HEAVY_AT_CLOSE names."""

    def __init__(self, path: str):
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HeavyAtClose:
        ext = cls(crawler.settings.get("HEAVY_AT_CLOSE"))
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self) -> None:
        held = sorted(name for name in sys.modules if name.split(".")[0] in HEAVY)
        Path(self.path).write_text(json.dumps(held))


def test_a_crawl_with_the_default_settings_loads_none_of_them(web: Running,
                                                               tmp_path: Path) -> None:
    """A real crawl: the database opened, migrated, written and finished (by the writer
    process, and by this one with plain sqlite3), incremental state read at the start."""
    out = tmp_path / "heavy.json"
    extensions = {**get_project_settings().getdict("EXTENSIONS"),
                  f"{__name__}.HeavyAtClose": 999}
    for _ in range(2):  # a new database, then one with url_state rows to read
        proc = crawl(tmp_path / "data", web.proxy_url, "-a", f"start_urls={START}",
                     "-s", f"EXTENSIONS={json.dumps(extensions)}", "-s", f"HEAVY_AT_CLOSE={out}")
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert json.loads(out.read_text()) == []
    with sqlite3.connect(tmp_path / "data" / "reports.db") as db:
        rows = db.execute("select id, finish_reason, pages from crawls order by id").fetchall()
    assert [(i, reason) for i, reason, _ in rows] == [(1, "finished"), (2, "finished")]
    assert all(pages > 0 for _, _, pages in rows)
