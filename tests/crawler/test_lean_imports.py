"""The crawl process stays lean: what `scrapy crawl` imports (every command module, the
spider, the components crawler.settings names) leaves the cleaner's and the clusters'
heavy libraries to the helper processes, which the forkserver preloads (issue 20)."""

from __future__ import annotations

import asyncio
import json
import pickle
import subprocess
import sys

from pipelines.clean_pipeline import clean_fetched, start_helpers
from tests.paths import PAGES, REPO

# Loaded by the cleaner (OpenCC), the fingerprints and clusters (numpy's heavier neighbours
# datasketch and scipy), `scrapy export` (pyarrow) and the plots (matplotlib).  numpy itself
# is not listed: sqlite_utils, which the store pipeline needs, imports it when installed.
HEAVY = ("scipy", "datasketch", "opencc", "pyarrow", "matplotlib")

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
