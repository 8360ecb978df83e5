"""Fault mode of the fixture web: a site of broken, slow and hostile pages, one fault per URL.

``running(hook=FaultWeb(...))`` serves it for the hosts ``*.faults.gov.cn`` (proxy mode), or,
with ``direct=True``, for every origin-form request (``http://127.0.0.1:PORT/slow.html``).
Every page is generated here; nothing is committed.  Every request the server sees, for any
host, is logged in ``FaultWeb.seen`` so tests can prove what was never asked for.

| URL on www.faults.gov.cn | fault |
| --- | --- |
| /ok/report.html | none: a real report page, to prove the rest of the crawl goes on |
| /slow.html | answers after ``slow`` seconds (longer than the test's DOWNLOAD_TIMEOUT) |
| /reset.html | connection reset (TCP RST) half-way through the body |
| /short.html | body shorter than its Content-Length, then a clean close |
| /flaky500.html, /flaky503.html | 500 / 503 (with Retry-After) twice, then 200 |
| /loop/a.html | 302 to /loop/b.html, which redirects back |
| /trap/2024-01.html | calendar: every month links to the months and years around it |
| /big.html, /big-chunked.html | ``big`` bytes, with Content-Length / chunked without |
| /bomb.html | a gzip bomb: ``bomb`` bytes of spaces in a small gzip stream |
| /charset.html | a GBK report declared ``charset=utf-8``, its meta charset removed |
| /malformed.html | deeply nested, unclosed, broken markup |
| /hostile.html | XML external entity and billion-laughs declarations |
| /binary.html | random bytes served as text/html |
| /ssrf.html | links to cloud metadata and private addresses; /ssrf-redirect.html |
| /ssrf-redirect.html | 302 to ``http://127.0.0.1:<trap_port>/secret`` |
| /ssrf-redirect-name.html | 302 to ``http://localhost:<trap_port>/secret`` |

Hosts robots500. / robotsslow. / robotsflaky.faults.gov.cn serve a robots.txt that answers
500, hangs past the timeout, or answers 503 three times and then disallows /private/;
robotshang.faults.gov.cn's robots.txt answers only once ``FaultWeb.hold`` is set (a server
that accepts and never replies).  down.faults.gov.cn answers every page but robots.txt with
503 and ``Retry-After: 1``.  Neither of these two is linked from the home page.
"""

from __future__ import annotations

import random
import re
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from . import load_manifest, site_file
from .sitespec import SITES

if TYPE_CHECKING:
    from .server import FixtureHandler

DOMAIN = "faults.gov.cn"
HOST = f"www.{DOMAIN}"
HOME = f"http://{HOST}/"
MiB = 1024 * 1024

PAGES = ("ok/report.html", "slow.html", "reset.html", "short.html", "flaky500.html",
         "flaky503.html", "loop/a.html", "trap/2024-01.html", "big.html", "big-chunked.html",
         "bomb.html", "charset.html", "malformed.html", "hostile.html", "binary.html",
         "ssrf.html")
METADATA_URL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
PRIVATE_URL = "http://10.0.0.1/admin/"


def _report(charset: str) -> tuple[str, bytes]:
    """(URL, bytes) of a fixture report page from a site served in ``charset``."""
    host = next(s.host for s in SITES if s.charset == charset)
    site = next(s for s in load_manifest()["sites"] if s["host"] == host)
    url = site["reports"][0]["url"]
    return url, site_file(url).read_bytes()


@cache
def report_page() -> bytes:
    return _report("utf-8")[1]


@cache
def gbk_report_page() -> bytes:
    """The GBK report with every in-page charset declaration removed."""
    body = _report("gb2312")[1]
    return re.sub(rb"<meta[^>]*charset[^>]*>", b"", body, flags=re.IGNORECASE)


@cache
def gzip_bomb(size: int) -> bytes:
    """``size`` bytes of HTML-ish spaces, gzip-compressed (about 1000:1)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [z.compress(b"<html><body><p>")]
    chunk = b" " * MiB
    for _ in range(size // MiB):
        out.append(z.compress(chunk))
    out.append(z.flush())
    return b"".join(out)


def malformed_page() -> bytes:
    depth = 20_000
    parts = [b"<html><head><title>\xe6\x9c\xaa\xe9\x97\xad\xe5\x90\x88", b"<body>",
             b"<div>" * depth, "深层嵌套".encode(), b"<table><tr><td>" * 2_000,
             b"<p <<a href='x>y'>>", b"<!-- unclosed comment", b"</div>" * 7,
             b"<![CDATA[ ]]>", b"<script>document.write('<div>')</scr", b"&#xFFFFFFFF;&#0;",
             b"<a href='javascript:alert(1)'>js</a><a href=\"\x00\">nul</a>"]
    return b"".join(parts)


def hostile_page() -> bytes:
    """XXE and entity-expansion bait: a parser that resolves entities leaks or explodes."""
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        f'<!ENTITY net SYSTEM "http://10.0.0.1/dtd"><!ENTITY l0 "lol">{laughs}]>\n'
        "<html><head><title>实体测试</title></head><body><p>&xxe;</p><p>&net;</p>"
        "<p>&l9;</p></body></html>"
    ).encode()


@cache
def binary_page() -> bytes:
    return random.Random(7).randbytes(200_000)


def calendar(year: int, month: int) -> bytes:
    def link(y: int, m: int) -> str:
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
        return f'<a href="/trap/{y:04d}-{m:02d}.html">{y}年{m}月</a>'

    links = " ".join(link(y, m) for y, m in ((year, month - 1), (year, month + 1),
                                               (year - 1, month), (year + 1, month)))
    return (f"<html><head><title>活动日历 {year}年{month}月</title></head><body>"
            f"<h1>{year}年{month}月</h1><p>{links}</p></body></html>").encode()


def home_page() -> bytes:
    links = "".join(f'<li><a href="/{p}">{p}</a></li>' for p in PAGES)
    robots = "".join(f'<li><a href="http://robots{k}.{DOMAIN}/">robots {k}</a></li>'
                     for k in ("500", "slow", "flaky"))
    return (f"<html><head><title>故障测试网站</title></head><body><ul>{links}{robots}</ul>"
            "</body></html>").encode()


def ssrf_page() -> bytes:
    links = [METADATA_URL, PRIVATE_URL, "http://[::ffff:10.0.0.1]/", "/ssrf-redirect.html",
             "/ssrf-redirect-name.html"]
    items = "".join(f'<li><a href="{u}">{u}</a></li>' for u in links)
    return f"<html><head><title>被篡改的页面</title></head><body><ul>{items}</ul></body></html>".encode()


@dataclass
class FaultWeb:
    """The fault site, as a fixture-server hook (``running(hook=FaultWeb(...))``)."""

    trap_port: int = 9  # where /ssrf-redirect.html points: a loopback port nobody may reach
    slow: float = 5.0  # seconds /slow.html and robotsslow's robots.txt take
    big: int = 3 * MiB
    bomb: int = 64 * MiB
    direct: bool = False  # answer origin-form requests too (start_urls=http://127.0.0.1:P/)
    seen: list[tuple[float, str, str]] = field(default_factory=list)  # (time, host, path)
    hold: threading.Event = field(default_factory=threading.Event)  # robotshang answers once set
    _counts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        gzip_bomb(self.bomb)  # built now, not while a crawler waits for it

    def requests_to(self, host: str, path: str | None = None) -> list[float]:
        """When the server was asked for host (and path)."""
        return [t for t, h, p in self.seen if h == host and (path is None or p == path)]

    def __call__(self, handler: FixtureHandler, head: bool) -> bool:
        target = handler.path
        if target.startswith("/"):
            host = (handler.headers.get("Host") or "").rsplit(":", 1)[0].lower()
            path = target
        else:
            parts = urlsplit(target)
            host, path = (parts.hostname or "").lower(), parts.path or "/"
            path += f"?{parts.query}" if parts.query else ""
        with self._lock:
            self.seen.append((time.monotonic(), host, path))
        ours = host == DOMAIN or host.endswith("." + DOMAIN)
        if not ours and not (self.direct and target.startswith("/")):
            return False
        if host.startswith("robots") and ours:
            self._robots_host(handler, host.split(".")[0], path)
        elif host == f"down.{DOMAIN}" and path != "/robots.txt":
            self._send(handler, 503, b"<h1>503 Service Unavailable</h1>", Retry_After="1")
        else:
            self._page(handler, path)
        return True

    # -- answers -----------------------------------------------------------------------
    def _count(self, key: str) -> int:
        with self._lock:
            self._counts[key] += 1
            return self._counts[key]

    def _send(self, handler: FixtureHandler, status: int, body: bytes,
              ctype: str = "text/html; charset=utf-8", **headers: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        try:
            handler.end_headers()
        except OSError:  # the crawler gave up waiting (timeout)
            handler.close_connection = True
            return
        self._write(handler, body)

    @staticmethod
    def _write(handler: FixtureHandler, data: bytes) -> None:
        try:
            handler.wfile.write(data)
        except OSError:  # the crawler gave up (timeout, size cap): nothing to do
            handler.close_connection = True

    def _robots_host(self, handler: FixtureHandler, kind: str, path: str) -> None:
        if path == "/robots.txt":
            n = self._count(f"{kind}/robots")
            if kind == "robots500":
                self._send(handler, 500, b"<h1>500 Internal Server Error</h1>")
                return
            if kind in ("robotsslow", "robotshang"):
                if kind == "robotsslow":
                    time.sleep(self.slow)
                else:
                    self.hold.wait()
                self._send(handler, 200, b"User-agent: *\nDisallow:\n", "text/plain")
                return
            if n <= 3:
                self._send(handler, 503, b"<h1>503 Service Unavailable</h1>")
                return
            self._send(handler, 200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
            return
        body = (b'<html><head><title>robots</title></head><body><a href="/public.html">public'
                b'</a> <a href="/private/secret.html">private</a></body></html>')
        self._send(handler, 200, body)

    def _page(self, handler: FixtureHandler, path: str) -> None:  # noqa: C901 (a dispatch table)
        path = path.split("?", 1)[0]
        if path == "/":
            self._send(handler, 200, home_page())
        elif path == "/robots.txt":
            self._send(handler, 200, b"User-agent: *\nDisallow:\n", "text/plain")
        elif path == "/ok/report.html":
            self._send(handler, 200, report_page())
        elif path == "/slow.html":
            time.sleep(self.slow)
            self._send(handler, 200, b"<html><body>too late</body></html>")
        elif path in ("/reset.html", "/short.html"):
            self._cut(handler, reset=path == "/reset.html")
        elif path in ("/flaky500.html", "/flaky503.html"):
            status = int(path[6:9])
            if self._count(path) <= 2:
                self._send(handler, status, f"<h1>{status}</h1>".encode(), Retry_After="1")
            else:
                self._send(handler, 200, b"<html><head><title>ok</title></head>"
                           b"<body><p>recovered</p></body></html>")
        elif path in ("/loop/a.html", "/loop/b.html"):
            other = "/loop/b.html" if path.endswith("a.html") else "/loop/a.html"
            self._send(handler, 302, b"", Location=other)
        elif m := re.fullmatch(r"/trap/(\d{4})-(\d{2})\.html", path):
            self._send(handler, 200, calendar(int(m[1]), int(m[2])))
        elif path in ("/big.html", "/big-chunked.html"):
            self._big(handler, chunked=path == "/big-chunked.html")
        elif path == "/bomb.html":
            self._send(handler, 200, gzip_bomb(self.bomb), Content_Encoding="gzip")
        elif path == "/charset.html":
            self._send(handler, 200, gbk_report_page())
        elif path == "/malformed.html":
            self._send(handler, 200, malformed_page())
        elif path == "/hostile.html":
            self._send(handler, 200, hostile_page())
        elif path == "/binary.html":
            self._send(handler, 200, binary_page())
        elif path == "/ssrf.html":
            self._send(handler, 200, ssrf_page())
        elif path == "/ssrf-redirect.html":
            self._send(handler, 302, b"", Location=f"http://127.0.0.1:{self.trap_port}/secret")
        elif path == "/ssrf-redirect-name.html":  # a name that resolves to loopback
            self._send(handler, 302, b"", Location=f"http://localhost:{self.trap_port}/secret")
        else:
            self._send(handler, 404, b"<html><body><h1>404 Not Found</h1></body></html>")

    def _cut(self, handler: FixtureHandler, reset: bool) -> None:
        """Promise 20000 bytes, send 5000, then reset the connection or close it cleanly."""
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", "20000")
        handler.end_headers()
        self._write(handler, b"<html><body>" + b"x" * 4988)
        handler.close_connection = True
        if reset:
            # SO_LINGER 0: close() sends RST instead of FIN.
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          struct.pack("ii", 1, 0))
            handler.connection.close()

    def _big(self, handler: FixtureHandler, chunked: bool) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        if chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Content-Length", str(self.big))
        handler.end_headers()
        piece = b"<p>" + "大".encode() * 20_000 + b"</p>\n"
        sent = 0
        while sent < self.big and not handler.close_connection:
            data = piece[: self.big - sent]
            self._write(handler, f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data)
            sent += len(data)
        if chunked:
            self._write(handler, b"0\r\n\r\n")
