"""The fixture web: generated sites, manifest, and the loopback server's behaviours."""

from __future__ import annotations

import gzip
import http.client
import re
import socket
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from fixtureweb import MANIFEST_PATH, SITES_DIR, load_manifest, site_file
from fixtureweb.build import DEFAULT_SEEDS, build
from fixtureweb.server import Running, running

MANIFEST = load_manifest()
SITES = {s["host"]: s for s in MANIFEST["sites"]}
TAONAN, BEIZHEN, BEIPIAO = "www.taonan.gov.cn", "www.beizhen.gov.cn", "www.beipiao.gov.cn"


def request(
    web: Running, method: str, target: str, headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    try:
        conn.request(method, target, headers=headers or {})
        resp = conn.getresponse()
        return resp, resp.read()
    finally:
        conn.close()


def report_url(host: str) -> str:
    return SITES[host]["reports"][0]["url"]


# --- manifest and generated files --------------------------------------------------------
def test_manifest_describes_five_sites_with_reports_and_distractors() -> None:
    assert len(SITES) == 5
    kinds = sorted(s["kind"] for s in SITES.values())
    assert kinds == ["content_farm"] + ["government"] * 4
    for site in SITES.values():
        assert site["start_url"] == f"http://{site['host']}/"
        assert len(site["reports"]) == 1
        assert len(site["distractors"]) >= 2
        assert site["disallowed"]
        pages = set(site["pages"])
        for u in [report_url(site["host"]), *site["distractors"], *site["disallowed"]]:
            assert u in pages
            assert site_file(u).is_file(), u
    assert sorted(s["reports"][0]["seed"] for s in SITES.values()) == [
        "000",
        "001",
        "002",
        "003",
        "004",
    ]


def test_links_are_root_relative_everywhere() -> None:
    for f in SITES_DIR.rglob("*.html"):
        text = f.read_bytes().decode("gbk" if BEIZHEN in f.parts else "utf-8")
        for link in re.findall(r'(?:href|src|action)\s*=\s*["\']([^"\']*)', text):
            assert not re.match(r"(?i)(https?:)?//", link), (f, link)


def test_sites_are_small() -> None:
    total = sum(f.stat().st_size for f in SITES_DIR.rglob("*") if f.is_file())
    assert total < 1_000_000


def test_damage_is_served_as_in_the_seeds() -> None:
    taonan = site_file(report_url(TAONAN)).read_text(encoding="utf-8")
    assert "十?!氨鶞珗A”奇觀" in taonan  # byte slip, as in seed 001
    assert "發(fā)布時間:2023-01-12 14:14:00" in taonan  # the seed's info bar
    assert "吉ICP備11003832號-1" in taonan  # the seed's footer
    tiedong = site_file(report_url("www.tiedong.gov.cn")).read_text(encoding="utf-8")
    spam = "2020年完美体育365_365娱乐场体育投注_365bet投注技巧铁东区政府工作报告"
    assert f"<title>{spam}</title>" in tiedong
    assert f">{spam}</h1>" in tiedong
    head, _, body = tiedong.partition("<!DOCTYPE html>")
    assert 'id="h4sia"' in head and body.count('<legend id="h4sia">') == 1
    assert '<div style="display:none">' in body
    farm = site_file(report_url("www.jiuligongwen.com")).read_text(encoding="utf-8")
    for chrome in (
        "当前位置:",
        "来源:网友投稿",
        "下面是小编为大家整理的",
        "推荐访问:",
        "Powered by",
    ):
        assert chrome in farm


def test_report_sits_on_a_later_list_page() -> None:
    for site in SITES.values():
        rep = site["reports"][0]
        assert not rep["list_page"].endswith("/index.html")
        listing = site_file(rep["list_page"]).read_bytes()
        assert urlsplit(rep["url"]).path.encode() in listing


# --- server: modes -----------------------------------------------------------------------
def test_proxy_mode_serves_fixture_host(web: Running) -> None:
    url = report_url(BEIPIAO)
    resp, body = request(web, "GET", url)
    assert resp.status == 200
    assert body == site_file(url).read_bytes()
    assert resp.getheader("Content-Length") == str(len(body))
    assert resp.getheader("Content-Type") == "text/html; charset=utf-8"


def test_unknown_host_is_502_and_nothing_leaves_loopback(
    web: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_connect: list[object] = []
    seen_lookup: list[object] = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def spy_connect(self: socket.socket, address: object) -> None:
        seen_connect.append(address)
        return real_connect(self, address)  # type: ignore[arg-type]

    def spy_getaddrinfo(host: object, *args: object, **kw: object) -> object:
        seen_lookup.append(host)
        return real_getaddrinfo(host, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", spy_connect)
    monkeypatch.setattr(socket, "getaddrinfo", spy_getaddrinfo)
    resp, body = request(web, "GET", "http://example.com/index.html")
    assert resp.status == 502
    assert b"fixture web: unknown host" in body
    resp, _ = request(web, "GET", "https://www.example.org/")
    assert resp.status == 502
    # Only the test client's own loopback connection was made; no name was resolved.
    assert all(addr[0] == "127.0.0.1" for addr in seen_connect)  # type: ignore[index]
    assert set(seen_lookup) <= {"127.0.0.1"}


def test_connect_is_refused(web: Running) -> None:
    resp, _ = request(web, "CONNECT", "www.taonan.gov.cn:443")
    assert resp.status == 405


def test_direct_mode_serves_default_site_and_host_header(web: Running) -> None:
    resp, body = request(web, "GET", "/")
    assert resp.status == 200
    assert body == (SITES_DIR / web.default_host / "index.html").read_bytes()
    resp, body = request(web, "GET", "/", {"Host": f"{TAONAN}:80"})
    assert body == (SITES_DIR / TAONAN / "index.html").read_bytes()
    path = urlsplit(report_url(TAONAN)).path
    resp, body = request(web, "GET", path, {"Host": TAONAN})
    assert resp.status == 200 and "政府工作報告".encode() in body


def test_default_host_option() -> None:
    with running(default_host=TAONAN) as other:
        _, body = request(other, "GET", "/")
        assert body == (SITES_DIR / TAONAN / "index.html").read_bytes()


def test_directory_paths_and_404(web: Running) -> None:
    resp, body = request(web, "GET", "http://www.beipiao.gov.cn/zwgk/tzgg/")
    assert resp.status == 200
    assert body == (SITES_DIR / BEIPIAO / "zwgk/tzgg/index.html").read_bytes()
    resp, body = request(web, "GET", "http://www.beipiao.gov.cn/no/such/page.html")
    assert resp.status == 404 and b"<html>" in body


@pytest.mark.parametrize(
    "target",
    [
        "/../manifest.json",
        "/..%2fmanifest.json",
        "/%2e%2e/%2e%2e/fixtureweb/manifest.json",
        "/%2E%2E/server.py",
        "http://www.beipiao.gov.cn/../../manifest.json",
        "//etc/passwd",
        "/..\\manifest.json",
        "/index.html%00.txt",
    ],
)
def test_path_traversal_is_refused(web: Running, target: str) -> None:
    resp, body = request(web, "GET", target)
    assert resp.status == 404
    assert MANIFEST_PATH.read_bytes()[:40] not in body


# --- server: encodings and caching --------------------------------------------------------
def test_gbk_site_is_served_as_gbk(web: Running) -> None:
    url = report_url(BEIZHEN)
    resp, body = request(web, "GET", url)
    assert resp.getheader("Content-Type") == "text/html; charset=gb2312"
    text = body.decode("gbk")  # strict: every byte sequence is valid GBK
    assert '<meta charset="gb2312">' in text
    assert "2021年1月5日在北镇市第三届人民代表大会第四次会议上" in text
    assert "2020中国&#8226;北镇" in text  # "•" is not in GBK: numeric reference
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_robots_txt_on_every_site(web: Running) -> None:
    for host, site in SITES.items():
        resp, body = request(web, "GET", f"http://{host}/robots.txt")
        assert resp.status == 200
        assert resp.getheader("Content-Type").startswith("text/plain")
        rules = re.findall(r"(?m)^Disallow:\s*(\S+)", body.decode())
        assert rules
        for u in site["disallowed"]:
            assert any(urlsplit(u).path.startswith(r) for r in rules)
        home = site_file(site["start_url"]).read_text(encoding=_charset(site))
        assert any(f'href="{urlsplit(u).path}"' in home for u in site["disallowed"])


def test_etag_and_last_modified_give_304(web: Running) -> None:
    url = report_url(BEIPIAO)
    resp, _ = request(web, "GET", url)
    etag, lm = resp.getheader("ETag"), resp.getheader("Last-Modified")
    assert etag and lm
    again, _ = request(web, "GET", url)
    assert again.getheader("ETag") == etag and again.getheader("Last-Modified") == lm
    resp, body = request(web, "GET", url, {"If-None-Match": etag})
    assert resp.status == 304 and body == b""
    resp, _ = request(web, "GET", url, {"If-None-Match": '"other"'})
    assert resp.status == 200
    resp, _ = request(web, "GET", url, {"If-Modified-Since": lm})
    assert resp.status == 304
    resp, _ = request(web, "GET", url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert resp.status == 200


def test_gzip_on_taonan_only(web: Running) -> None:
    url = report_url(TAONAN)
    resp, body = request(web, "GET", url, {"Accept-Encoding": "gzip, deflate"})
    assert resp.getheader("Content-Encoding") == "gzip"
    assert resp.getheader("Content-Length") == str(len(body))
    assert gzip.decompress(body) == site_file(url).read_bytes()
    resp, body = request(web, "GET", url)
    assert resp.getheader("Content-Encoding") is None
    assert body == site_file(url).read_bytes()
    resp, _ = request(web, "GET", report_url(BEIPIAO), {"Accept-Encoding": "gzip"})
    assert resp.getheader("Content-Encoding") is None
    assert SITES[TAONAN]["gzip"] and not SITES[BEIPIAO]["gzip"]


def test_chunked_on_beizhen(web: Running) -> None:
    url = report_url(BEIZHEN)
    expected = site_file(url).read_bytes()
    with socket.create_connection(("127.0.0.1", web.port), timeout=10) as sock:
        sock.sendall(f"GET {url} HTTP/1.1\r\nHost: {BEIZHEN}\r\nConnection: close\r\n\r\n".encode())
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert b"Content-Length" not in head
    body = b""
    while True:  # decode the chunked framing by hand: it must be well formed
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        body, rest = body + rest[:size], rest[size + 2 :]
    assert body == expected
    assert SITES[BEIZHEN]["chunked"]


def test_repeated_set_cookie_headers(web: Running) -> None:
    resp, _ = request(web, "GET", "http://www.beipiao.gov.cn/")
    cookies = [v for k, v in resp.getheaders() if k.lower() == "set-cookie"]
    assert len(cookies) == 2 == SITES[BEIPIAO]["set_cookie_count"]


def test_head_has_no_body(web: Running) -> None:
    resp, body = request(web, "HEAD", report_url(BEIPIAO))
    assert resp.status == 200 and body == b""


# --- the sites are crawlable as a crawler would see them ----------------------------------
def _charset(site: dict) -> str:
    return "gbk" if site["charset"] == "gb2312" else "utf-8"


def crawl(web: Running, site: dict) -> set[str]:
    """Breadth-first crawl through the proxy, same host only, obeying robots.txt."""
    _, robots = request(web, "GET", urljoin(site["start_url"], "/robots.txt"))
    rules = re.findall(r"(?m)^Disallow:\s*(\S+)", robots.decode())
    seen, queue = {site["start_url"]}, deque([site["start_url"]])
    while queue:
        url = queue.popleft()
        resp, body = request(web, "GET", url)
        if resp.status != 200 or "html" not in (resp.getheader("Content-Type") or ""):
            continue
        for href in re.findall(r'href="([^"#]+)"', body.decode(_charset(site))):
            nxt = urljoin(url, href)
            parts = urlsplit(nxt)
            if parts.scheme != "http" or parts.hostname != site["host"]:
                continue
            if any(parts.path.startswith(r) for r in rules) or nxt in seen:
                continue
            seen.add(nxt)
            queue.append(nxt)
    return seen


def test_report_and_distractors_reachable_by_following_links(web: Running) -> None:
    for site in SITES.values():
        found = crawl(web, site)
        assert report_url(site["host"]) in found
        assert set(site["distractors"]) <= found
        assert not set(site["disallowed"]) & found


# --- reproducible build ----------------------------------------------------------------
@pytest.mark.skipif(not DEFAULT_SEEDS.is_dir(), reason="shared seeds not available")
def test_build_is_reproducible(tmp_path: Path) -> None:
    build(DEFAULT_SEEDS, tmp_path)
    assert (tmp_path / "manifest.json").read_bytes() == MANIFEST_PATH.read_bytes()
    fresh = {p.relative_to(tmp_path / "sites") for p in (tmp_path / "sites").rglob("*")}
    committed = {p.relative_to(SITES_DIR) for p in SITES_DIR.rglob("*")}
    assert fresh == committed
    for rel in sorted(fresh):
        if (SITES_DIR / rel).is_file():
            assert (tmp_path / "sites" / rel).read_bytes() == (SITES_DIR / rel).read_bytes(), rel
