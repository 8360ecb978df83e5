"""A huge robots.txt (hostile-7 F15): only its first ROBOTSTXT_MAX_BYTES are parsed (RFC 9309
§2.5 lets the rest be ignored), its download stops at ROBOTSTXT_DOWNLOAD_MAXSIZE, and a page
with more links than LINKS_MAX_PER_PAGE has the rest counted (F14): in a real crawl."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.robots import cut_robots
from fixtureweb.crawl import crawl

KIB = 1024


@pytest.mark.parametrize("body,limit,whole,expected", [
    (b"User-agent: *\nDisallow: /a\n", 100, True, b"User-agent: *\nDisallow: /a\n"),
    (b"User-agent: *\nDisallow: /a\nDisallow: /b\n", 30, True, b"User-agent: *\nDisallow: /a\n"),
    (b"User-agent: *\r\nDisallow: /a\r\nDisallow: /b", 32, True,
     b"User-agent: *\r\nDisallow: /a\r\n"),
    (b"User-agent: *\rDisallow: /a\rDisallow: /b", 30, True, b"User-agent: *\rDisallow: /a\r"),
    # A download stopped early: its last line may be cut off, whatever the limit.
    (b"User-agent: *\nDisallow: /ab", 100, False, b"User-agent: *\n"),
    (b"User-agent: *\nDisallow: /a\n", 100, False, b"User-agent: *\nDisallow: /a\n"),
    (b"Disallow: /" + b"x" * 50, 20, True, b""),
])
def test_cut_at_the_last_whole_line(body: bytes, limit: int, whole: bool,
                                    expected: bytes) -> None:
    assert cut_robots(body, limit, whole) == expected


# The robots.txt the site serves: a rule within the first 500 KiB, filler rules, then a rule
# past the parsing limit that would disallow a page linked from the home page.
FILLER = "".join(f"Disallow: /a{i}/*b*c*d*e*f$\n" for i in range(100_000))
# A Crawl-delay past the parsing limit but within the download (about 700 KB in) is ignored
# as well: the crawl-delay middleware parses what the robots middleware parses.
_DELAY_AT = FILLER.index("\n", 700 * KIB) + 1
ROBOTS = ("User-agent: *\nDisallow: /private/\n" + FILLER[:_DELAY_AT] + "Crawl-delay: 3\n"
          + FILLER[_DELAY_AT:] + "Disallow: /late/\n").encode()
EXTRA_LINKS = 7  # more than LINKS_MAX_PER_PAGE=3 allows after the three that matter
HOME = ("<html><body><a href='/late/report.html'>政府工作报告</a>"
        "<a href='/private/secret.html'>内部</a><a href='/ok.html'>政务公开</a>"
        + "".join(f"<a href='/more/{i}.html'>{i}</a>" for i in range(EXTRA_LINKS))
        + "</body></html>").encode()
PAGE = "<html><body><p>一页</p></body></html>".encode()


class Site(BaseHTTPRequestHandler):
    seen: list[str]

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.seen.append(self.path)
        body = {"/robots.txt": ROBOTS, "/": HOME}.get(self.path, PAGE)
        self.send_response(200)
        kind = "text/plain" if self.path == "/robots.txt" else "text/html; charset=utf-8"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The crawler stops reading robots.txt at its limit.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("SeenSite", (Site,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", seen
    finally:
        server.shutdown()
        server.server_close()


def test_huge_robots_txt_is_cut_and_the_rules_past_the_cut_ignored(
        tmp_path: Path, site: tuple[str, list[str]]) -> None:
    url, seen = site
    assert len(ROBOTS) > 2 * 1024 * KIB
    proc = crawl(tmp_path, None, "-a", f"start_urls={url}", "-s", "DISCOVERY_SITEMAP=False",
                 "-s", f"ROBOTSTXT_DOWNLOAD_MAXSIZE={1024 * KIB}",
                 "-s", "LINKS_MAX_PER_PAGE=3", "-s", "DEPTH_LIMIT=1", timeout=300)
    log = proc.stderr
    assert proc.returncode == 0, log[-3000:]
    # Parsed: the rule within the limit holds; the one past it is ignored, as RFC 9309 allows.
    assert "/private/secret.html" not in seen
    assert "/late/report.html" in seen
    assert "/ok.html" in seen
    assert seen.count("/robots.txt") == 1
    assert "crawl-delay:" not in log
    # The log names the cut: the host, the bytes received (download stopped) and parsed.
    cut = [line for line in log.splitlines() if "ROBOTSTXT_MAX_BYTES" in line]
    assert len(cut) == 1, log[-3000:]
    assert "127.0.0.1" in cut[0] and "download stopped" in cut[0]
    received = int(cut[0].split(": ", 2)[-1].split(" bytes")[0])
    assert 1024 * KIB <= received < len(ROBOTS)
    assert "'robotstxt/cut': 1" in log
    # The home page's links past LINKS_MAX_PER_PAGE: not followed, counted and logged.
    assert not any(path.startswith("/more/") for path in seen)
    assert f"'links/cut': {EXTRA_LINKS}" in log
    assert "more left (LINKS_MAX_PER_PAGE)" in log and url in log
