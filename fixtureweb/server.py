"""Serve the fixture web on loopback: ``python -m fixtureweb.server [--port 8123]``.

Two ways in, both answered from ``sites/`` only:

* proxy mode: absolute-form targets (``GET http://www.taonan.gov.cn/ HTTP/1.1``), as sent
  to an HTTP proxy. Fixture hosts are served; any other host gets ``502``. Nothing is ever
  forwarded and no outbound connection is opened: this is a fake proxy.
* direct mode: origin-form targets (``GET /path``) are served from the site named by the
  ``Host`` header when it is a fixture host, else from the default site.

Per-site behaviours come from ``sitespec.SITES`` (gzip, chunked transfer, cookies).
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import gzip
import hashlib
import posixpath
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import SITES_DIR
from .sitespec import HOSTS, SITES, SiteSpec

# Last-Modified is derived from the content hash so it is stable across builds and
# checkouts (file mtimes are not): a fixed base date plus up to one year of seconds.
_LM_BASE = 1_640_995_200  # 2022-01-01T00:00:00Z
CHUNK = 4096


def content_type(path: str, spec: SiteSpec) -> str:
    if path.endswith((".html", ".htm")):
        return f"text/html; charset={spec.charset}"
    if path.endswith(".css"):
        return "text/css"
    if path.endswith(".txt"):
        return "text/plain; charset=utf-8"
    return "application/octet-stream"


def validators(body: bytes) -> tuple[str, int]:
    digest = hashlib.sha1(body).hexdigest()
    return f'"{digest[:20]}"', _LM_BASE + int(digest[20:28], 16) % 31_536_000


def resolve(root: Path, raw_path: str) -> Path | None:
    """Map a URL path to a file inside ``root``; None if it is missing or escapes it."""
    # Drop query and fragment by hand: urlsplit would read "//x/y" as a network location.
    path = unquote(raw_path.split("?", 1)[0].split("#", 1)[0]) or "/"
    if "\x00" in path or "\\" in path:
        return None
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None  # refuse rather than normalise: no traversal, however encoded
    rel = posixpath.join(*parts) if parts else ""
    candidate = (root / rel) if rel else root
    try:
        real = candidate.resolve()
        if not real.is_relative_to(root.resolve()):
            return None
    except (OSError, ValueError):
        return None
    if real.is_dir():
        real = real / "index.html"
    return real if real.is_file() else None


class FixtureHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fixtureweb/1.0"
    server: FixtureServer

    def version_string(self) -> str:
        return self.server_version

    # -- dispatch --------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        self.serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self.serve(head=True)

    def do_CONNECT(self) -> None:  # noqa: N802
        # Tunnels would mean talking to the outside world: refused.
        self.send_text(405, "fixture web: CONNECT not supported\n", {"Allow": "GET, HEAD"})

    def do_POST(self) -> None:  # noqa: N802
        self.send_text(405, "fixture web: read-only\n", {"Allow": "GET, HEAD"})

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)

    # -- helpers ---------------------------------------------------------------------
    def send_text(self, status: int, text: str, extra: dict[str, str] | None = None) -> None:
        body = text.encode("utf-8")
        self.send_response(status)
        ctype = "text/html" if text.lstrip().startswith("<") else "text/plain"
        self.send_header("Content-Type", f"{ctype}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def pick_site(self) -> tuple[SiteSpec | None, str]:
        """Return (site, path). Absolute-form target → proxy mode; else direct mode."""
        target = self.path
        if not target.startswith("/"):
            # Proxy mode. Only http(s) URLs naming a fixture host are answered; every
            # other target is refused here, and nothing is looked up or forwarded.
            parts = urlsplit(target)
            if parts.scheme.lower() not in ("http", "https"):
                return None, ""
            return HOSTS.get((parts.hostname or "").lower()), parts.path or "/"
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        return HOSTS.get(host) or self.server.default_site, target

    def serve(self, head: bool) -> None:
        # Extra behaviours (fixtureweb/faults.py) answer first; False lets the sites answer.
        if self.server.hook is not None and self.server.hook(self, head):
            return
        site, path = self.pick_site()
        if site is None:
            self.send_text(502, "fixture web: unknown host\n")
            return
        file = resolve(self.server.sites_dir / site.host, path)
        if file is None:
            self.send_text(404, "<html><body><h1>404 Not Found</h1></body></html>\n")
            return
        body = file.read_bytes()
        etag, mtime = validators(body)
        ctype = content_type(file.name, site)
        use_gzip = (
            site.gzip
            and ctype.startswith("text/html")
            and "gzip" in (self.headers.get("Accept-Encoding") or "").lower()
        )
        if use_gzip:
            body = gzip.compress(body, mtime=0)  # mtime=0: identical bytes every time
            etag = etag[:-1] + '-gz"'
        if self.not_modified(etag, mtime):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
            self.end_headers()
            return
        chunked = site.chunked and self.request_version == "HTTP/1.1"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
        if site.gzip:
            self.send_header("Vary", "Accept-Encoding")
        if use_gzip:
            self.send_header("Content-Encoding", "gzip")
        for cookie in site.cookies:
            self.send_header("Set-Cookie", cookie)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head:
            return
        if chunked:
            for i in range(0, len(body), CHUNK):
                piece = body[i : i + CHUNK]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(body)

    def not_modified(self, etag: str, mtime: int) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            tags = [t.strip() for t in inm.split(",")]
            return "*" in tags or etag in tags or f"W/{etag}" in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                return False
            return mtime <= since
        return False


# Called for every GET/HEAD before the sites answer; returns True if it answered.
Hook = Callable[[FixtureHandler, bool], bool]


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, default_host: str | None, verbose: bool, sites_dir: Path,
                 hook: Hook | None = None) -> None:
        super().__init__(("127.0.0.1", port), FixtureHandler)
        self.default_site = HOSTS[default_host] if default_host else SITES[0]
        self.verbose = verbose
        self.sites_dir = sites_dir
        self.hook = hook


@dataclass(frozen=True)
class Running:
    port: int
    default_host: str

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def running(
    port: int = 0,
    default_host: str | None = None,
    verbose: bool = False,
    sites_dir: Path = SITES_DIR,
    hook: Hook | None = None,
) -> Iterator[Running]:
    """Serve the fixture web in a background thread for the duration of the block."""
    server = FixtureServer(port, default_host, verbose, sites_dir, hook)
    thread = threading.Thread(target=server.serve_forever, name="fixtureweb", daemon=True)
    thread.start()
    try:
        yield Running(server.server_address[1], server.default_site.host)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the offline fixture web on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--default-host", choices=sorted(HOSTS), default=None)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    server = FixtureServer(args.port, args.default_host, args.verbose, SITES_DIR)
    port = server.server_address[1]
    print(f"fixture web proxy: http://127.0.0.1:{port}", flush=True)
    print(f"direct (default site {server.default_site.host}): http://127.0.0.1:{port}/", flush=True)
    print("hosts: " + ", ".join(s.host for s in SITES), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
