"""The known-link shortcut (crawler/knownlinks.py) on a real crawl of a site whose links come in
every spelling that the dupefilter takes for one URL, repeat on every page, redirect, leave
the site, exceed URLLENGTH_LIMIT, and point at another loopback address: the crawl with the
shortcut fetches the same pages at the same depths, and counts the same, as the crawl
without it (Scrapy's own dupefilter and an offsite filter the shortcut does not ask)."""

from __future__ import annotations

import json
import sqlite3

from scrapy.settings.default_settings import DOWNLOADER_MIDDLEWARES_BASE

from fixtureweb.crawl import crawl
from fixtureweb.loopback import PageHandler, served

PORT_HOLDER: list[int] = []
SHARED = ["/a.html", "/a.html#top", "/l?b=2&a=1", "/l?a=1&b=2", "/%E4%B8%AD.html", "/中.html",
          "/r", "/t.html", "/moved", "http://localhost:{port}/off.html",
          "http://127.0.0.2:{port}/other.html", "http://127.0.0.1:{port}/a.html",
          "/long?" + "q" * 2100, "/d1.html", "/a.html?"]
PAGES = {
    "/": ["/c1.html", "/c2.html"],
    "/a.html": ["/c3.html"],
    "/l": ["/c4.html"],
    "/中.html": ["/c5.html"],
    "/t.html": [],
    "/n.html": [],
    "/c1.html": ["/n.html"], "/c2.html": ["/d1.html"], "/c3.html": [], "/c4.html": [],
    "/c5.html": [],
    "/d1.html": ["/d2.html"], "/d2.html": ["/d3.html"], "/d3.html": ["/d4.html"],
    "/d4.html": [],
}
REDIRECTS = {"/r": "/t.html", "/moved": "/n.html"}


class _Site(PageHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        from urllib.parse import unquote, urlsplit

        path = unquote(urlsplit(self.path).path)
        if path in REDIRECTS:
            self.send_response(302)
            self.send_header("Location", REDIRECTS[path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path not in PAGES:
            self.send_error(404)
            return
        port = self.server.server_address[1]
        links = [u.format(port=port) for u in PAGES[path] + SHARED]
        body = "".join(f'<p><a href="{u}">链接{n}</a></p>' for n, u in enumerate(links))
        data = f"<html><body><p>{path}</p>{body}</body></html>".encode()
        self.send_page(data)


def _crawl_at(base: str, tmp_path, *settings: str) -> tuple[list[tuple], dict]:
    proc = crawl(tmp_path, None, "-a", f"start_urls={base}/", "-s", "DEPTH_LIMIT=3",
                 "-s", "CONCURRENT_REQUESTS=1", "-s", "DISCOVERY_SITEMAP=False",
                 "-s", "ROBOTSTXT_OBEY=False", "-s", "CLEAN_WORKERS=0",
                 "-s", "SQLITE_PROCESS=False",
                 *(arg for s in settings for arg in ("-s", s)), timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = sqlite3.connect(tmp_path / "reports.db")
    pages = sorted(((url.removeprefix(base), depth, status) for url, depth, status in
                    db.execute("select url, depth, status from pages")), key=repr)
    stats = json.loads(db.execute("select stats from crawls order by rowid desc")
                       .fetchone()[0])
    db.close()
    return pages, stats


def _crawl(tmp_path, *settings: str) -> tuple[list[tuple], dict]:
    with served(_Site) as base:
        return _crawl_at(base, tmp_path, *settings)


COUNTED = ("dupefilter/filtered", "offsite/filtered", "offsite/domains", "request_depth_max",
           "depth/request_ignored_count", "scheduler/enqueued", "downloader/request_count",
           "urllength/request_ignored_count", "discovery/generic_links",
           "discovery/column_links", "discovery/report_links")


def test_hostile_links_crawl_as_without_the_shortcut(tmp_path):
    pages, stats = _crawl(tmp_path / "fast")
    assert stats.get("discovery/known_links", 0) > 50
    urls = {url for url, _, _ in pages}
    assert "/d3.html" in urls and "/d4.html" not in urls  # DEPTH_LIMIT met
    assert "/t.html" in urls and "/n.html" in urls
    base = {**DOWNLOADER_MIDDLEWARES_BASE,
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "tests.hostile.plainoffsite.PlainOffsite": 50}
    plain_pages, plain = _crawl(tmp_path / "plain",
                                "DUPEFILTER_CLASS=scrapy.dupefilters.RFPDupeFilter",
                                f"DOWNLOADER_MIDDLEWARES_BASE={json.dumps(base)}")
    assert plain.get("discovery/known_links", 0) == 0  # the shortcut really was off
    assert plain_pages == pages
    ssrf = sorted(k for k in {*stats, *plain} if "ssrf" in k.lower())
    keys = (*COUNTED, *ssrf)
    assert {k: plain.get(k) for k in keys} == {k: stats.get(k) for k in keys}


def test_a_jobdir_crawl_stopped_and_resumed_fetches_as_without_the_shortcut(tmp_path):
    base = {**DOWNLOADER_MIDDLEWARES_BASE,
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "tests.hostile.plainoffsite.PlainOffsite": 50}
    modes = {"fast": (), "plain": ("DUPEFILTER_CLASS=scrapy.dupefilters.RFPDupeFilter",
                                   f"DOWNLOADER_MIDDLEWARES_BASE={json.dumps(base)}")}
    got, known = {}, {}
    for mode, settings in modes.items():
        data, job = tmp_path / mode, f"JOBDIR={tmp_path / mode / 'job'}"
        with served(_Site) as base:  # one server, one port, for both runs
            first, _ = _crawl_at(base, data, job, "CLOSESPIDER_PAGECOUNT=4", *settings)
            assert 4 <= sum(status == 200 for _, _, status in first) < len(PAGES)
            pages, stats = _crawl_at(base, data, job, *settings)
        got[mode] = pages, {k: stats.get(k) for k in COUNTED}
        known[mode] = stats.get("discovery/known_links", 0)
    assert known["fast"] > 0 == known["plain"]  # the resumed run took the shortcut
    assert got["fast"] == got["plain"]


# Layers: every page links to every page of the next layer, to every page of the layers
# above it (spelled as served, with a fragment, and with its query reordered) and home.  A
# page is always first met from the layer above, whatever order concurrent fetches take, so
# every count is the same from run to run: a concurrent crawl compares like a serial one.
LAYERS = [["/"], *[[f"/l{d}/{i}.html?a={d}&b={i}" for i in range(24)] for d in (1, 2, 3)]]


class _Layered(PageHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        layer = next((d for d, urls in enumerate(LAYERS) if self.path in urls), None)
        if layer is None:
            self.send_error(404)
            return
        links = list(LAYERS[layer + 1]) if layer + 1 < len(LAYERS) else []
        for above in LAYERS[:layer]:
            links += [u for url in above for u in (url, url + "#x", _reordered(url))]
        body = "".join(f'<p><a href="{u}">第{n}条</a></p>' for n, u in enumerate(links))
        data = f"<html><body><p>{self.path}</p>{body}</body></html>".encode()
        self.send_page(data)


def _reordered(url: str) -> str:
    path, _, query = url.partition("?")
    return f"{path}?{'&'.join(reversed(query.split('&')))}" if query else url


def test_a_concurrent_crawl_counts_each_pages_links_at_its_own_depth(tmp_path):
    settings = ("CONCURRENT_REQUESTS=16", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
                "DEPTH_STATS_VERBOSE=True", "DOWNLOAD_DELAY=0")
    base = {**DOWNLOADER_MIDDLEWARES_BASE,
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "tests.hostile.plainoffsite.PlainOffsite": 50}
    plain = ("DUPEFILTER_CLASS=scrapy.dupefilters.RFPDupeFilter",
             f"DOWNLOADER_MIDDLEWARES_BASE={json.dumps(base)}")
    got = {}
    for mode, extra in {"fast": (), "plain": plain}.items():
        with served(_Layered) as root:
            pages, stats = _crawl_at(root, tmp_path / mode, *settings, *extra)
        depths = {k: v for k, v in stats.items() if k.startswith("request_depth_count/")}
        got[mode] = pages, depths, {k: stats.get(k) for k in COUNTED}
        assert len(pages) == sum(map(len, LAYERS))
    assert got["fast"][0] == got["plain"][0]
    assert got["fast"][1] == got["plain"][1]
    assert got["fast"][2] == got["plain"][2]
