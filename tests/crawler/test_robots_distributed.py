"""Every request that waits for a host's robots.txt gets that host's rules, not "allow all".

The race behind flaky distributed crawls: a worker joining a shared frontier pops several
requests of one host at once; the first fetches robots.txt, the others wait for it.  Those
waiters must all be checked against the rules.  Here the fixture web answers robots.txt
slowly, so the waiting is certain: the start requests (one disallowed page among several
pages of the same host) all reach the robots middleware while robots.txt is in flight.
Proof is on the server side: the disallowed page is never requested.
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fixtureweb.crawl import REPO, SCRAPY, crawl, crawl_env
from fixtureweb.server import FixtureHandler, running

HOST = "www.taonan.gov.cn"
FORBIDDEN = f"http://{HOST}/admin/index.html"  # robots.txt: Disallow: /admin/
# The disallowed page last, so that it is not the first request to wait.
STARTS = ",".join([f"http://{HOST}/", f"http://{HOST}/zwgk/index.html",
                   f"http://{HOST}/bsfw/index.html", f"http://{HOST}/xwdt/index.html",
                   FORBIDDEN])
ROBOTS_DELAY = 1.5  # seconds the server takes to answer robots.txt


class SlowRobots:
    """Fixture-server hook: records every request; answers robots.txt late."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, handler: FixtureHandler, head: bool) -> bool:
        _, path = handler.pick_site()
        host = (urlsplit(handler.path).hostname or "").lower()  # proxy mode: absolute URL
        with self._lock:
            self.seen.append((host, path))
        if path == "/robots.txt":
            time.sleep(ROBOTS_DELAY)
        return False  # the fixture sites answer

    def paths(self, host: str) -> list[str]:
        with self._lock:
            return [p for h, p in self.seen if h == host]


def page_error(data: Path, url: str) -> str | None:
    db = sqlite3.connect(data / "reports.db")
    try:
        rows = db.execute("select error from pages where url = ?", [url]).fetchall()
    finally:
        db.close()
    assert len(rows) == 1, rows
    return rows[0][0]


def assert_obeyed(hook: SlowRobots, data: Path) -> None:
    paths = hook.paths(HOST)
    assert paths.count("/robots.txt") == 1  # fetched once for every waiting request
    assert "/zwgk/index.html" in paths  # the allowed pages were crawled
    assert "/admin/index.html" not in paths
    assert "Forbidden by robots.txt" in (page_error(data, FORBIDDEN) or "")


@pytest.fixture
def slow_web():
    hook = SlowRobots()
    with running(hook=hook) as web:
        yield web, hook


def test_requests_waiting_for_robots_txt_obey_it(tmp_path, slow_web):
    web, hook = slow_web
    proc = crawl(tmp_path, web.proxy_url, "-a", f"start_urls={STARTS}", "-s", "DEPTH_LIMIT=1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_obeyed(hook, tmp_path)


def test_distributed_worker_requests_waiting_for_robots_txt_obey_it(tmp_path, slow_web,
                                                                    redis_url):
    web, hook = slow_web
    env = crawl_env(web.proxy_url)
    push = subprocess.run([SCRAPY, "push_starts", "--reset", "-s", f"REDIS_URL={redis_url}",
                           "-a", f"start_urls={STARTS}"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert push.returncode == 0, push.stderr[-2000:]
    proc = subprocess.run([SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={tmp_path}",
                           "-s", f"REDIS_URL={redis_url}", "-s", "AUTOTHROTTLE_ENABLED=False",
                           "-s", "DISTRIBUTED_IDLE_CLOSE=1", "-s", "DEPTH_LIMIT=1"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_obeyed(hook, tmp_path)
