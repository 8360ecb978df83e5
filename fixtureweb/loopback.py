"""A free loopback port, and a small server of one's own on one for the length of a block."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler


def free_port() -> int:
    """A port nothing listens on now (the OS's pick); whoever binds it next may still lose it
    to another process, so a server that can bind port 0 itself should."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(handler: type[socketserver.BaseRequestHandler]) -> Iterator[str]:
    """Serve handler from a thread; yields the base URL, http://127.0.0.1:PORT."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class PageHandler(BaseHTTPRequestHandler):
    """A quiet handler for a test's own site: subclasses answer do_GET with send_page."""

    def send_page(self, body: bytes, ctype: str = "text/html; charset=utf-8",
                  status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass
