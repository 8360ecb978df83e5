"""End to end: the real `scrapy crawl reports` discovers every report of the larger fixture
site (JS pagers, 往年报告, sitemap.xml, PDF and DOCX attachments) within a small page budget,
stores nothing else as a report, and keeps robots.txt's Crawl-delay."""

from __future__ import annotations

import contextlib
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from fixtureweb import SITES_DIR, load_manifest, site_file
from fixtureweb.crawl import crawl, crawl_env
from fixtureweb.server import FixtureHandler, FixtureServer
from tests.paths import REPO

MANIFEST = load_manifest()
BIG = MANIFEST["discovery_sites"][0]
REPORTS = {r["url"]: r for r in BIG["reports"]}
BUDGET = 5  # generic pages: far fewer than the site has


@contextlib.contextmanager
def timed_web() -> Iterator[tuple[str, list[tuple[float, str]]]]:
    """The fixture web, noting when each request arrives (monotonic time, host): the
    server's view is the one Crawl-delay is about."""
    arrivals: list[tuple[float, str]] = []

    class Handler(FixtureHandler):
        def serve(self, head: bool) -> None:
            arrivals.append((time.monotonic(), urlsplit(self.path).hostname or ""))
            super().serve(head)

    server = FixtureServer(0, None, False, SITES_DIR)
    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", arrivals
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def gaps(arrivals: list[tuple[float, str]], host: str) -> list[float]:
    times = sorted(t for t, h in arrivals if h == host)
    return [b - a for a, b in zip(times, times[1:], strict=False)]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data = tmp_path_factory.mktemp("discovery")
    with timed_web() as (proxy_url, arrivals):
        proc = crawl(data, proxy_url, "-a", f"start_urls={BIG['start_url']}",
                     "-s", f"DISCOVERY_MAX_PAGES={BUDGET}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = sqlite3.connect(data / "reports.db")
    db.row_factory = sqlite3.Row
    yield data, db, proc.stderr, arrivals
    db.close()


def responses(data: Path) -> list[tuple[datetime, str, bytes]]:
    """(WARC-Date, URL, payload) of every response record, in file order."""
    out = []
    for path in sorted((data / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "response":
                    date = datetime.fromisoformat(rec.rec_headers.get_header("WARC-Date")
                                                  .replace("Z", "+00:00"))
                    out.append((date, rec.rec_headers.get_header("WARC-Target-URI"),
                                rec.content_stream().read()))
    return out


def test_every_report_found_and_nothing_else(crawled):
    _, db, _, _ = crawled
    stored = {r["url"]: r for r in db.execute("select * from reports")}
    assert set(stored) == set(REPORTS)
    for url, row in stored.items():
        assert row["title"] == REPORTS[url]["title"]
        assert row["year"] == REPORTS[url]["year"]
    assert {r["format"] for r in REPORTS.values()} == {"html", "pdf", "docx"}


def test_budget_was_small_and_still_enough(crawled):
    _, db, log, _ = crawled
    fetched = {r["url"] for r in db.execute("select url from pages where status = 200")}
    html_pages = {u for u in BIG["pages"] if u.endswith((".html", "/"))}
    # Most generic pages were never fetched: discovery, not exhaustive crawling, found them.
    assert len(fetched & html_pages) < len(html_pages) - 10
    assert "page budget of beishan-fixture.gov.cn used up" in log
    assert "'discovery/over_budget'" in log
    # Depth stayed within DEPTH_LIMIT (6) and the sitemap-only report came from the sitemap.
    depths = {r["url"]: r["depth"] for r in db.execute("select url, depth from pages")}
    assert max(depths[u] for u in REPORTS) <= 6
    (from_sitemap,) = [u for u in REPORTS if "/201901/" in u]
    referer = db.execute("select referer from pages where url = ?", (from_sitemap,)).fetchone()
    assert referer[0] == BIG["sitemap"]


def test_report_lookalikes_were_fetched_and_judged(crawled):
    _, db, _, _ = crawled
    fetched = {r["url"] for r in db.execute("select url from pages where status = 200")}
    stored = {r["url"] for r in db.execute("select url from reports")}
    lookalikes = {u for u in BIG["distractors"]
                  if u.endswith(".pdf") or "/zfgzbg/" in u or "/zcjd/" in u}
    assert len(lookalikes) == 3  # the 附件 page, the task notice's PDF, the 图解
    assert lookalikes <= fetched
    assert not set(BIG["distractors"]) & stored


def test_attachments_archived_as_received(crawled):
    data, db, _, _ = crawled
    archived = {url: body for _, url, body in responses(data)}
    for url, report in REPORTS.items():
        if report["format"] in ("pdf", "docx"):
            assert archived[url] == site_file(url).read_bytes()
            row = db.execute("select warc_file, warc_offset from reports where url = ?",
                             (url,)).fetchone()
            assert row["warc_file"] and row["warc_offset"] is not None


def test_robots_disallowed_never_fetched(crawled):
    data, _, _, _ = crawled
    urls = {url for _, url, _ in responses(data)}
    assert BIG["disallowed"] and not set(BIG["disallowed"]) & urls


def test_crawl_delay_respected(crawled):
    _, _, log, arrivals = crawled
    delay = BIG["crawl_delay"]
    measured = gaps(arrivals, BIG["host"])
    assert len(measured) > 20
    # Requests leave at least `delay` apart (robots.txt itself is fetched before it is known);
    # arrival times at the server add some jitter (a new connection is accepted more slowly).
    assert min(measured[1:]) >= delay * 0.6, sorted(measured)[:5]
    assert statistics.median(measured) >= delay * 0.95
    assert f"crawl-delay: {delay:.2f} s between requests to {BIG['host']}" in log


def test_without_crawl_delay_the_same_crawl_is_faster(tmp_path):
    """The control: the gaps above come from Crawl-delay, not from the crawl being slow."""
    with timed_web() as (proxy_url, arrivals):
        proc = crawl(tmp_path, proxy_url, "-a", f"start_urls={BIG['start_url']}",
                     "-s", "CRAWLDELAY_ENABLED=False", "-s", "DEPTH_LIMIT=2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    measured = gaps(arrivals, BIG["host"])
    assert len(measured) > 5 and min(measured) < BIG["crawl_delay"] * 0.5


SITES_TOML = """
[[site]]
name = "洮南市人民政府"
region = "洮南市"
level = "市"
province = "吉林省"
hosts = ["www.taonan.gov.cn"]
start_urls = ["http://www.taonan.gov.cn/"]

[[site]]
name = "四平市铁东区人民政府"
region = "铁东区"
level = "区"
province = "吉林省"
hosts = ["www.tiedong.gov.cn"]
start_urls = ["http://www.tiedong.gov.cn/"]

[[site]]
name = "北山市人民政府"
region = "北山市"
level = "市"
province = "辽宁省"
hosts = ["www.beishan-fixture.gov.cn"]
start_urls = ["http://www.beishan-fixture.gov.cn/"]
report_columns = ["http://www.beishan-fixture.gov.cn/zwgk/ghjh/zfgzbg/index_1.html"]
"""


@pytest.mark.parametrize(("args", "hosts"), [
    (["-a", "region=吉林"], {"www.taonan.gov.cn", "www.tiedong.gov.cn"}),
    (["-a", "sites=北山市"], {"www.beishan-fixture.gov.cn"}),
    ([], {"www.taonan.gov.cn", "www.tiedong.gov.cn", "www.beishan-fixture.gov.cn"}),
])
def test_sites_file_selection(tmp_path, args, hosts, web):
    sites = tmp_path / "sites.toml"
    sites.write_text(SITES_TOML, encoding="utf-8")
    proc = crawl(tmp_path / "data", web.proxy_url, "-s", f"SITES_FILE={sites}",
                 "-s", "DEPTH_LIMIT=1", "-s", "CRAWLDELAY_ENABLED=False", *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = sqlite3.connect(tmp_path / "data" / "reports.db")
    fetched = {u.split("/")[2] for (u,) in db.execute("select url from pages")}
    assert fetched == hosts
    if "www.beishan-fixture.gov.cn" in hosts:
        # report_columns override: the column's second page is a start page, so the DOCX
        # it links is found even at depth 1.
        (docx,) = [u for u in REPORTS if u.endswith(".docx")]
        assert docx in {u for (u,) in db.execute("select url from reports")}


def test_unknown_region_is_a_clear_error(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(SITES_TOML, encoding="utf-8")
    proc = crawl(tmp_path / "data", None, "-s", f"SITES_FILE={sites}", "-a", "region=西藏")
    assert proc.returncode != 0
    assert "no site in" in proc.stderr and "西藏" in proc.stderr


def test_validate_sites_reports_reachability_and_report_links(tmp_path, web):
    sites = tmp_path / "sites.toml"
    unknown = ('[[site]]\nname = "无名市人民政府"\nregion = "无名市"\nlevel = "市"\n'
               'province = "吉林省"\nhosts = ["www.nowhere-fixture.gov.cn"]\n'
               'start_urls = ["http://www.nowhere-fixture.gov.cn/"]\n')
    sites.write_text(SITES_TOML + "\n" + unknown, encoding="utf-8")
    scrapy = Path(sys.executable).with_name("scrapy")
    proc = subprocess.run(
        [str(scrapy), "validate_sites", "-s", f"SITES_FILE={sites}", "--region", "吉林"],
        cwd=REPO, env=crawl_env(web.proxy_url),
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = {ln.split("\t")[0]: ln.split("\t") for ln in proc.stdout.splitlines() if "\t" in ln}
    assert set(lines) == {"洮南市人民政府", "四平市铁东区人民政府", "无名市人民政府"}
    taonan = lines["洮南市人民政府"]
    assert taonan[2].startswith("reachable")
    assert taonan[3] == "column: http://www.taonan.gov.cn/zwgk/zfgzbg/index.html"
    assert int(taonan[4].split(": ")[1]) >= 1
    assert lines["无名市人民政府"][2].startswith("unreachable")
    assert "2/3 sites reachable" in proc.stdout
    assert not (tmp_path / "data").exists()  # nothing archived or stored
