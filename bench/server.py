"""A loopback HTTP/1.1 server for the generated site: ``python -m bench.server --pages N``.

Fast enough not to be the bottleneck: every response (headers and body) is rendered once at
start-up and then served from memory by a plain asyncio protocol with keep-alive and
pipelining.  It runs in its own process (``serving()``) so it never shares a GIL with a
crawler or the harness.  It binds 127.0.0.1 only and answers only for the generated site.

With ``--hosts K`` the same site is served on K loopback addresses, 127.0.0.1 to 127.0.0.K,
on one port: K hosts to a crawler (Scrapy keeps a download slot per host name), for a crawl
with many sites in flight at once.  N is then the pages of all of them together.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.sitegen import KINDS, Site

REPO = Path(__file__).resolve().parents[1]
NOT_FOUND = b"<html><body><h1>404 Not Found</h1></body></html>\n"


def response(status: str, ctype: str, body: bytes) -> tuple[bytes, bytes]:
    head = (f"HTTP/1.1 {status}\r\nServer: bench/1.0\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n").encode("ascii")
    return head, body


def render_all(site: Site) -> dict[str, tuple[bytes, bytes]]:
    pages = {"/robots.txt": response("200 OK", "text/plain", site.page("/robots.txt") or b"")}
    for path in site.paths():
        pages[path] = response("200 OK", "text/html; charset=utf-8", site.page(path) or b"")
    pages["/index.html"] = pages["/"]
    return pages


class Handler(asyncio.Protocol):
    def __init__(self, pages: dict[str, tuple[bytes, bytes]]):
        self.pages = pages
        self.missing = response("404 Not Found", "text/html; charset=utf-8", NOT_FOUND)
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:  # pipelined requests: answer each complete one in order
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > 65536:
                    self.transport.close()
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
            if not self.answer(head):
                self.transport.close()
                return

    def answer(self, head: bytes) -> bool:
        """Write one response; False when the connection is to be closed afterwards."""
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ")
        if len(parts) != 3 or parts[0] not in (b"GET", b"HEAD"):
            self.transport.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
            return False
        method, target, version = parts
        path = target.decode("latin-1").split("?", 1)[0]
        if path.startswith("http://"):  # absolute form, as sent to a proxy
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        conn = b""
        for line in lines[1:]:
            if line[:11].lower() == b"connection:":
                conn = line[11:].strip().lower()
        keep = conn != b"close" and (version == b"HTTP/1.1" or conn == b"keep-alive")
        head_bytes, body = self.pages.get(path, self.missing)
        tail = b"Connection: keep-alive\r\n\r\n" if keep else b"Connection: close\r\n\r\n"
        self.transport.write(head_bytes + tail if method == b"HEAD" else head_bytes + tail + body)
        return keep


def loopback_hosts(count: int) -> list[str]:
    if not 1 <= count <= 254:
        raise ValueError(f"hosts: 1 to 254 loopback addresses, got {count}")
    return [f"127.0.0.{i}" for i in range(1, count + 1)]


async def serve(pages: dict[str, tuple[bytes, bytes]], port: int, ready: str,
                hosts: int = 1) -> None:
    loop = asyncio.get_running_loop()
    first, *others = loopback_hosts(hosts)
    servers = [await loop.create_server(lambda: Handler(pages), first, port, backlog=1024)]
    bound = servers[0].sockets[0].getsockname()[1]  # every other address on the same port
    for host in others:
        servers.append(await loop.create_server(lambda: Handler(pages), host, bound,
                                                backlog=1024))
    print(ready.format(port=bound), flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


@dataclass(frozen=True)
class Serving:
    port: int
    pages: int
    depth: int
    startup_s: float
    hosts: int = 1

    @property
    def url(self) -> str:
        """The start URL: every host's home page, comma-separated (`-a start_urls=`)."""
        return ",".join(f"http://{host}:{self.port}/" for host in loopback_hosts(self.hosts))


@contextlib.contextmanager
def serving(n_pages: int, port: int = 0, kind: str = "mixed", hosts: int = 1
            ) -> Iterator[Serving]:
    """Run the server for an N-page site (bench.sitegen.KINDS), on `hosts` loopback
    addresses, in a child process for the duration of the block."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.server", "--pages", str(n_pages),
                             "--port", str(port), "--site", kind, "--hosts", str(hosts)],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("serving"):
            raise RuntimeError(f"bench server did not start (exit {proc.poll()}): {line!r}")
        fields = dict(f.split("=", 1) for f in line.split()[1:])
        yield Serving(int(fields["port"]), int(fields["pages"]), int(fields["depth"]),
                      time.perf_counter() - start, int(fields["hosts"]))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the generated benchmark site.")
    parser.add_argument("--pages", type=int, default=1000, help="N: HTML pages in the site")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--site", choices=KINDS, default="mixed", help="which kind of site")
    parser.add_argument("--hosts", type=int, default=1,
                        help="serve the site on 127.0.0.1 to 127.0.0.K (N pages in all)")
    args = parser.parse_args(argv)
    loopback_hosts(args.hosts)  # a bad count fails here, before the site is built
    site = Site(max(3, -(-args.pages // args.hosts)), kind=args.site)
    pages = render_all(site)
    ready = (f"serving port={{port}} pages={len(site.routes) * args.hosts} "
             f"depth={site.max_depth()} hosts={args.hosts}")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(pages, args.port, ready, args.hosts))


if __name__ == "__main__":
    main()
