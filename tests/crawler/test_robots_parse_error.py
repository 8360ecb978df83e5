"""A robots.txt parser that fails must not leave the host's requests waiting for ever: the host
is treated as unreachable (not crawled, recorded), and the crawl finishes."""

from __future__ import annotations

import sqlite3

from fixtureweb import load_manifest
from fixtureweb.crawl import crawl


class BrokenParser:
    """Stands in for Protego: raises on every real robots.txt (Scrapy builds one parser from
    an empty body at start-up to check the class)."""

    @classmethod
    def from_crawler(cls, crawler, robotstxt_body):
        if robotstxt_body:
            raise ValueError("parser exploded")
        return cls()

    def allowed(self, url, user_agent):
        return True


def test_parser_crash_means_host_not_crawled_and_crawl_finishes(tmp_path, web):
    site = load_manifest()["sites"][0]
    proc = crawl(tmp_path, web.proxy_url, "-a", f"start_urls={site['start_url']}",
                 "-s", "ROBOTSTXT_PARSER=tests.crawler.test_robots_parse_error.BrokenParser",
                 "-s", "ROBOTS_RETRY_TIMES=0", timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "robots.txt could not be parsed" in proc.stderr
    db = sqlite3.connect(tmp_path / "reports.db")
    rows = db.execute("select url, status, error from pages").fetchall()
    # The start page was not fetched; it has a row saying why.
    assert rows and all(status is None for _, status, _ in rows)
    assert any("robots.txt unreachable" in (error or "") for _, _, error in rows)
