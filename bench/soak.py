"""`make soak`: a few thousand pages with faults mixed in; memory and open files over time.

Crawls the benchmark's generated report site (N pages on a loopback port) together with the
fault-mode fixture web (through the fixture proxy), samples the crawler's resident memory
and open file descriptors from /proc every few seconds, and ends with a verdict: flat or
growing, and whether every page of the site was stored.  Not part of `make test`.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.server import serving
from bench.sitegen import Site
from fixtureweb.crawl import REPO, SCRAPY, crawl_env
from fixtureweb.demo import warc_check
from fixtureweb.faults import HOME, FaultWeb
from fixtureweb.server import running


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0  # a zombie has no memory left


def descendants(pid: int) -> list[int]:
    """The process's children, theirs, and so on: the crawl's forkserver and helpers."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def sample(pid: int) -> tuple[float, float, int]:
    """(resident MB, its helper processes' resident MB summed, open fds) of a process."""
    helpers = 0.0
    for child in descendants(pid):
        with contextlib.suppress(OSError):
            helpers += rss_mb(child)
    return rss_mb(pid), helpers, len(list(Path(f"/proc/{pid}/fd").iterdir()))


def trend(values: list[float]) -> str:
    """Middle third against last third: the warm-up is ignored."""
    n = len(values)
    if n < 6:
        return "too short to tell"
    mid, last = statistics.mean(values[n // 3: 2 * n // 3]), statistics.mean(values[2 * n // 3:])
    growth = (last - mid) / mid if mid else 0.0
    return f"{'growing' if growth > 0.10 else 'flat'} ({growth:+.1%} middle→last third)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--data-dir", default="")
    args = parser.parse_args(argv)
    data = Path(args.data_dir or tempfile.mkdtemp(prefix="soak-"))
    faults = FaultWeb(slow=4.0)
    with serving(args.pages) as site, running(hook=faults) as web:
        cmd = [SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={data}",
               "-a", f"start_urls={site.url},{HOME}", "-s", "AUTOTHROTTLE_ENABLED=False",
               "-s", f"DEPTH_LIMIT={site.depth + 1}", "-s", "DISCOVERY_MAX_PAGES=1000000",
               "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "DOWNLOAD_TIMEOUT=2",
               "-s", "DOWNLOAD_MAXSIZE=1048576", "-s", "ROBOTS_RETRY_DELAY=2",
               "-s", "ROBOTS_RETRY_TIMES=1", "-s", "BACKOFF_BASE_DELAY=0.5",
               "-s", "LOG_LEVEL=WARNING"]
        start = time.monotonic()
        log = open(data / "soak.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(cmd, cwd=REPO, env=crawl_env(web.proxy_url), stderr=log)
        rss, helper_rss, fds = [], [], []
        print(f"{'t/s':>6} {'RSS MB':>8} {'helpers':>8} {'fds':>5} {'stored':>7}", flush=True)
        while proc.poll() is None:
            time.sleep(args.interval)
            try:
                r, h, f = sample(proc.pid)
            except (FileNotFoundError, ProcessLookupError):
                break
            rss.append(r)
            helper_rss.append(h)
            fds.append(f)
            print(f"{time.monotonic() - start:6.0f} {r:8.1f} {h:8.1f} {f:5d} {stored(data):7d}",
                  flush=True)
        code = proc.wait()
        log.close()
        urls = {site.url.rstrip("/") + p for p in Site(args.pages).paths()}
    elapsed = time.monotonic() - start
    db = sqlite3.connect(data / "reports.db")
    fetched = {u for (u,) in db.execute("select url from pages where status = 200")}
    errors = db.execute("select count(*) from pages where error is not null").fetchone()[0]
    rows = db.execute("select count(*) from pages").fetchone()[0]
    db.close()
    lost = urls - fetched
    problems = warc_check(data / "warc")
    print(f"\ncrawl exit {code} after {elapsed:.0f}s; {rows} page rows ({errors} with errors); "
          f"site pages {len(urls)}, lost {len(lost)}")
    print(f"RSS MB: min {min(rss):.0f} max {max(rss):.0f}, {trend(rss)}")
    print(f"helpers' RSS MB (summed): min {min(helper_rss):.0f} max {max(helper_rss):.0f}, "
          f"{trend(helper_rss)}")
    print(f"open fds: min {min(fds)} max {max(fds)}, {trend([float(x) for x in fds])}")
    print("warcio check:", problems or "all files pass")
    print(f"data: {data}")
    return 0 if code == 0 and not lost and not problems else 1


def stored(data: Path) -> int:
    try:
        with sqlite3.connect(f"file:{data / 'reports.db'}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("select count(*) from pages").fetchone()[0]
    except sqlite3.Error:
        return 0


if __name__ == "__main__":
    sys.exit(main())
