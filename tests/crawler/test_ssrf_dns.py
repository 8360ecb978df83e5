"""The SSRF guard against DNS: a real crawl whose names come from a loopback DNS server the
test runs, answering rebinding-style (a checked address first, an internal one after).

No traffic leaves loopback: 127.0.0.1 stands for "public" (``SSRF_ALLOWED=127.0.0.1/32``)
and 127.0.0.2 for the internal network, where a server listens on the crawled port and
counts every request it gets.
"""

from __future__ import annotations

import socket
import sqlite3
import struct
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from warcio.archiveiterator import ArchiveIterator

from fixtureweb.crawl import crawl

PUBLIC, INTERNAL = "127.0.0.1", "127.0.0.2"
SECRET = b"internal-only: the crawler must never see this"


class DnsServer:
    """A UDP DNS server for A/AAAA queries: answer(name, nth A query) gives the A records,
    None for NXDOMAIN, "drop" for no reply.  AAAA queries get an empty answer."""

    def __init__(self, answer: Callable[[str, int], list[str] | str | None]):
        self.answer = answer
        self.a_queries: Counter[str] = Counter()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((PUBLIC, 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                query, client = self.sock.recvfrom(512)
            except OSError:
                return  # closed
            labels, pos = [], 12
            while query[pos]:
                labels.append(query[pos + 1:pos + 1 + query[pos]].decode())
                pos += 1 + query[pos]
            qtype = struct.unpack("!H", query[pos + 1:pos + 3])[0]
            question = query[12:pos + 5]
            name = ".".join(labels).lower()
            records: list[str] | str | None = []
            if qtype == 1:
                self.a_queries[name] += 1
                records = self.answer(name, self.a_queries[name])
            if records == "drop":
                continue
            rcode = 3 if records is None else 0
            records = records or []
            head = struct.pack("!HHHHHH", struct.unpack("!H", query[:2])[0], 0x8180 | rcode,
                               1, len(records), 0, 0)
            answers = b"".join(struct.pack("!HHHIH", 0xC00C, 1, 1, 0, 4) + socket.inet_aton(ip)
                               for ip in records)
            self.sock.sendto(head + question + answers, client)

    def __enter__(self) -> DnsServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def _web(host: str, port: int, pages: dict[str, tuple[int, dict[str, str], bytes]],
         seen: list[tuple[str, str]]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            seen.append((self.headers.get("Host", ""), self.path))
            status, headers, body = pages.get(self.path, (404, {}, b"not here"))
            self.send_response(status)
            for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                self.send_header(name, value.format(port=self.server.server_address[1]))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextmanager
def _webs(pages: dict[str, tuple[int, dict[str, str], bytes]]) -> Iterator[
        tuple[int, list[tuple[str, str]], list[tuple[str, str]]]]:
    """The "public" site on 127.0.0.1 and an internal server on 127.0.0.2, same port."""
    public_seen: list[tuple[str, str]] = []
    internal_seen: list[tuple[str, str]] = []
    public = _web(PUBLIC, 0, pages, public_seen)
    port = public.server_address[1]
    try:
        internal = _web(INTERNAL, port, {p: (200, {}, SECRET) for p in pages}, internal_seen)
    except OSError as e:
        public.shutdown()
        pytest.skip(f"cannot listen on {INTERNAL}: {e}")
    try:
        yield port, public_seen, internal_seen
    finally:
        for server in (public, internal):
            server.shutdown()
            server.server_close()


def _rebinding(name: str, nth: int) -> list[str] | str | None:
    """www.*: always public; evil*: public the first time, internal after (rebinding);
    inside*: internal; slow*: never answers; anything else: no such name."""
    label = name.split(".")[0]
    if label == "www" or (label.startswith("evil") and nth == 1):
        return [PUBLIC]
    if label.startswith(("evil", "inside")):
        return [INTERNAL]
    return "drop" if label.startswith("slow") else None


def _link_page(port: int, *hosts_paths: str) -> bytes:
    links = "".join(f'<a href="http://{hp.format(port=port)}">link {i}</a>'
                    for i, hp in enumerate(hosts_paths))
    return f"<html><body><p>start</p>{links}</body></html>".encode()


def _warc_records(data_dir) -> list[tuple[str, str, bytes]]:
    records = []
    for path in sorted((data_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                records.append((rec.rec_headers.get_header("WARC-Target-URI") or "",
                                rec.rec_headers.get_header("WARC-IP-Address") or "",
                                rec.content_stream().read()))
    return records


def test_rebinding_names_never_reach_the_internal_server(tmp_path):
    pages: dict[str, tuple[int, dict[str, str], bytes]] = {
        "/robots.txt": (404, {}, b""),
        "/a.html": (200, {}, b"<html><body>public a</body></html>"),
        "/d.html": (200, {}, b"<html><body>public d</body></html>"),
        "/jump.html": (302, {"Location": "http://evil2.rebind.test:{port}/d.html"}, b""),
        "/jump-inside.html": (302, {"Location": "http://inside2.rebind.test:{port}/f.html"},
                              b""),
    }
    with DnsServer(_rebinding) as dns, _webs(pages) as (port, public_seen, internal_seen):
        pages["/"] = (200, {}, _link_page(
            port, "evil.rebind.test:{port}/a.html", "inside.rebind.test:{port}/b.html",
            "gone.rebind.test:{port}/c.html", "slow.rebind.test:{port}/e.html",
            "www.rebind.test:{port}/jump.html", "www.rebind.test:{port}/jump-inside.html"))
        proc = crawl(tmp_path, None, "-a", f"start_urls=http://www.rebind.test:{port}/",
                     "-s", f"SSRF_NAMESERVER={PUBLIC}:{dns.port}",
                     "-s", f"SSRF_ALLOWED={PUBLIC}/32", "-s", "SSRF_DNS_TIMEOUT=2",
                     "-s", "DOWNLOAD_TIMEOUT=10", "-s", "RETRY_TIMES=0", timeout=180)
        a_queries = dict(dns.a_queries)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]

    # The internal server was never asked anything, and nothing of it is archived.
    assert internal_seen == []
    records = _warc_records(tmp_path)
    assert records and not any(SECRET in body or ip == INTERNAL for _, ip, body in records)

    # The rebinding names were fetched, from the address that was checked, each name
    # resolved exactly once (check and connection share the answer), redirect target too.
    assert (f"evil.rebind.test:{port}", "/a.html") in public_seen
    assert (f"evil2.rebind.test:{port}", "/d.html") in public_seen
    assert a_queries["evil.rebind.test"] == 1 and a_queries["evil2.rebind.test"] == 1

    db = sqlite3.connect(tmp_path / "reports.db")
    rows = {u: (s, e or "") for u, s, e in db.execute("select url, status, error from pages")}
    db.close()
    url = f"http://{{}}.rebind.test:{port}/{{}}.html".format
    assert rows[url("evil", "a")][0] == 200 and rows[url("evil2", "d")][0] == 200
    assert f"resolves to {INTERNAL}, loopback" in rows[url("inside", "b")][1]
    assert "SSRF guard" in rows[url("inside", "b")][1]
    # Redirects to an internal name are refused before they are followed.
    assert "SSRF guard: inside2.rebind.test resolves to" in rows[url("www", "jump-inside")][1]
    # A failed lookup (no such name, no answer in time) is a refusal, and the crawl ends.
    assert "SSRF guard: lookup failed" in rows[url("gone", "c")][1]
    assert "SSRF guard: lookup failed" in rows[url("slow", "e")][1]
