"""End to end: a link farm whose every page links new report-looking URLs (none a report) is
crawled by the real `scrapy crawl reports` within a bounded number of pages, ends by itself,
says so once, and a normal site crawled alongside still has every report found."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

from fixtureweb import load_manifest
from fixtureweb.crawl import crawl
from fixtureweb.server import FixtureHandler, running

TRAP_HOST = "www.linkfarm-fixture.gov.cn"
LINKS_PER_PAGE = 30
BUDGET = 5
MAX_FALSE = 20
NORMAL = load_manifest()["discovery_sites"][0]


def farm_page(path: str) -> bytes:
    """A page of new URLs anchored like report links, different on every page."""
    seed = sum(map(ord, path))
    links = "".join(
        f'<li><a href="/xxgk/gzbg/{seed % 89}/{seed * LINKS_PER_PAGE + k}.htm">'
        f"{2024 - k % 7}年度政府工作报告（全文下载）</a></li>" for k in range(LINKS_PER_PAGE))
    return ("<html><head><meta charset='utf-8'><title>报告汇编</title></head><body>"
            f"<h1>各地报告汇编</h1><ul>{links}</ul></body></html>").encode()


def farm(handler: FixtureHandler, head: bool) -> bool:
    """Answers every request for the trap host (robots.txt and sitemap.xml: 404)."""
    parts = urlsplit(handler.path)
    if (parts.hostname or "").lower() != TRAP_HOST:
        return False
    if parts.path in ("/robots.txt", "/sitemap.xml"):
        handler.send_text(404, "not found\n")
        return True
    body = farm_page(parts.path)
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if not head:
        handler.wfile.write(body)
    return True


def test_link_farm_is_bounded_and_the_other_site_keeps_its_reports(tmp_path):
    data = tmp_path / "data"
    with running(hook=farm) as web:
        proc = crawl(data, web.proxy_url,
                     "-a", f"start_urls=http://{TRAP_HOST}/,{NORMAL['start_url']}",
                     "-s", f"DISCOVERY_MAX_PAGES={BUDGET}",
                     "-s", f"DISCOVERY_MAX_FALSE_REPORTS={MAX_FALSE}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Spider closed (finished)" in proc.stderr  # ended by itself, no timeout
    db = sqlite3.connect(data / "reports.db")
    trap = [u for (u,) in db.execute("select url from pages")
            if urlsplit(u).hostname == TRAP_HOST]
    # Free report links: at most MAX_FALSE while none is a report; then the page budget;
    # plus the start page, robots.txt and sitemap.xml.
    assert MAX_FALSE < len(trap) <= MAX_FALSE + BUDGET + 3, len(trap)
    warnings = [line for line in proc.stderr.splitlines()
                if "led to no report" in line and "charged to its page budget" in line]
    assert len(warnings) == 1 and "linkfarm-fixture.gov.cn" in warnings[0], warnings
    assert "'discovery/report_credit_spent_sites': 1," in proc.stderr
    assert "'discovery/report_links_charged'" in proc.stderr
    found = {u for (u,) in db.execute("select url from reports")}
    assert {r["url"] for r in NORMAL["reports"]} <= found
    assert not [u for u in found if urlsplit(u).hostname == TRAP_HOST]
    db.close()
