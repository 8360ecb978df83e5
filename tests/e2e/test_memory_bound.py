"""Issue 17: a crawl's memory is bounded by the pages in flight, not by the bytes fetched.

A real `scrapy crawl reports` fetches large Chinese pages from a loopback server one at a
time, so only a page or two can be in flight at once.  Its peak resident memory, less that
of a crawl of the same server's first few pages, must stay well under the bytes it fetched
beyond them: bodies kept after their page is archived and cleaned (a reference cycle
waiting for a full gc pass, a buffer that keeps its largest size) would push it past them.
The first pages' crawl has what a page in flight costs, in the crawl process and in the
helpers (the lone clean worker is its child, so its peak counts: cleaning a 2 MB page takes
some 30 MB), and the cleaner's bounded memos filled.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from fixtureweb.crawl import REPO, SCRAPY
from tests.bigsite import page, serving

PAGES = 60
FIRST = 4  # pages of the base crawl
SIZE = 1 << 20  # each page 1-2 MB
PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
              "ALL_PROXY")


def crawl_peak_mb(url: str, data: Path) -> float:
    """Crawl url into data; the peak RSS (MB) of the crawl process or any of its helpers."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    # One download at a time, and the scraper takes no second response while it holds one:
    # what is in flight stays a page or two, whatever was fetched before.
    cmd = [SCRAPY, "crawl", "reports", "-a", f"start_urls={url}", "-s", f"DATA_DIR={data}",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=1",
           "-s", "SCRAPER_SLOT_MAX_ACTIVE_SIZE=1", "-s", "LOG_LEVEL=INFO"]
    with open(data.with_suffix(".log"), "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        # wait4 reports the child's own usage, with that of the helpers it reaped: ru_maxrss
        # is the largest peak among them.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, data.with_suffix(".log").read_text()[-3000:]
    return usage.ru_maxrss / 1024


def stored(data: Path) -> int:
    with sqlite3.connect(data / "reports.db") as db:
        return db.execute("select count(*) from pages where status = 200 and url like '%/p/%'"
                          ).fetchone()[0]


def test_peak_memory_does_not_grow_with_bytes_fetched(tmp_path: Path) -> None:
    with serving(FIRST, SIZE) as url:
        base = crawl_peak_mb(url, tmp_path / "first")
    with serving(PAGES, SIZE) as url:
        peak = crawl_peak_mb(url, tmp_path / "big")
    assert stored(tmp_path / "big") == PAGES  # the crawl did fetch (and store) every page
    fetched_mb = sum(len(page(i, SIZE)) for i in range(FIRST, PAGES)) / 2**20
    growth = peak - base
    assert growth < fetched_mb / 3, (
        f"peak RSS grew by {growth:.0f} MB over the {FIRST} first pages' crawl's {base:.0f} "
        f"MB after fetching {fetched_mb:.0f} MB more")
