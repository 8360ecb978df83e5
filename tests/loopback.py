"""A small server of a test's own, on a free loopback port, for the length of a block."""

from __future__ import annotations

import contextlib
import socketserver
import threading
from collections.abc import Iterator


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
