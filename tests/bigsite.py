"""A loopback site of large Chinese pages, generated per request: ``python -m tests.bigsite``.

The home page links every page; page i is a deterministic function of (i, size), so the
server holds no more than the page it is sending.  Each page's text differs, so the archive's
payload deduplication writes every one in full.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import threading
from collections.abc import Iterator

from fixtureweb.loopback import PageHandler, served

# CJK Unified Ideographs: three bytes each in UTF-8.
_FIRST, _LAST = 0x4E00, 0x9FA5



def paragraph(rng: random.Random, chars: int) -> str:
    return "".join(chr(rng.randint(_FIRST, _LAST)) for _ in range(chars)) + "。"


def page(i: int, size: int) -> bytes:
    """Between `size` and twice `size` bytes of HTML: a title, then Chinese paragraphs."""
    rng = random.Random(i)
    size = size * (4 + i % 5) // 4
    head = (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>第{i}号公告</title></head><body><h1>第{i}号公告</h1>\n"
            '<p><a href="/">首页</a></p>\n')
    # One block of paragraphs, repeated: generating every character would cost the server
    # more than the crawl it serves.  The numbered first paragraph keeps pages distinct.
    block = "".join(f"<p>{paragraph(rng, 200)}</p>\n" for _ in range(40)).encode()
    first = f"<p>第{i}号：{paragraph(rng, 100)}</p>\n".encode()
    body = head.encode() + first + block * max(1, (size - len(head)) // len(block))
    return body + b"</body></html>\n"


class Handler(PageHandler):
    protocol_version = "HTTP/1.1"
    pages = 0
    size = 0

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path.split("?", 1)[0]
        if path == "/robots.txt":
            self.send_page(b"User-agent: *\nDisallow:\n", "text/plain")
        elif path in ("/", "/index.html"):
            links = "".join(f'<li><a href="/p/{i}.html">第{i}号公告</a></li>\n'
                            for i in range(self.pages))
            self.send_page(f'<html><head><meta charset="utf-8"><title>公告</title></head>'
                       f"<body><ul>\n{links}</ul></body></html>\n".encode(), "text/html")
        elif path.startswith("/p/") and path.endswith(".html") and \
                path[3:-5].isdigit() and int(path[3:-5]) < self.pages:
            self.send_page(page(int(path[3:-5]), self.size), "text/html; charset=utf-8")
        else:
            self.send_page(b"<html><body>404</body></html>", "text/html", 404)



@contextlib.contextmanager
def serving(pages: int, size: int) -> Iterator[str]:
    """Serve the site on a free loopback port for the block; yields its home URL."""
    handler = type("SiteHandler", (Handler,), {"pages": pages, "size": size})
    with served(handler) as base:
        yield f"{base}/"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve N large Chinese pages on loopback.")
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--size", type=int, default=2 << 20, help="bytes per page, about")
    args = parser.parse_args(argv)
    with serving(args.pages, args.size) as url:
        print(f"serving {url}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
