"""Hostile pages against an ordinary page of the same size: ``python -m bench.hostile``.

Printed by ``make bench-clean`` (and so ``make bench``).  The ordinary page is a fixture
report with its article repeated to the size; each hostile page is what once made a cleaning
stage super-linear or slow, at the same size: the ratio of cleaning times (CPU, the best
of a few runs) says whether such a page still costs more than an ordinary one.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

PAGES = Path(__file__).resolve().parents[1] / "tests" / "pages"
MIB = 1024 * 1024


def ordinary(size: int) -> bytes:
    """report_gov.html with its paragraphs repeated to `size` bytes."""
    page = (PAGES / "report_gov.html").read_bytes()
    start, end = page.index(b"<p"), page.rindex(b"</p>") + len(b"</p>")
    article = page[start:end]
    fill = size - len(page) + len(article)
    return page[:start] + article * max(1, fill // len(article)) + page[end:]


def _page(head: bytes, filler: bytes, size: int, tail: bytes = b"") -> bytes:
    """`head`, then `filler` repeated, then `tail`: `size` bytes in all."""
    return head + filler * ((size - len(head) - len(tail)) // len(filler)) + tail


# (what it is, the page at a given size)
HOSTILE: list[tuple[str, Callable[[int], bytes]]] = [
    ("`<style>` text with no `{`", lambda n: _page(
        b"<html><head><style>", b".nav li a, .art p ", n,
        "</style></head><body><p>各位代表：</p></body></html>".encode())),
    ("`中?fa)` repeated", lambda n: _page(
        b"<html><body><p>", "中?fa)".encode(), n, b"</p></body></html>")),
]


def cpu_seconds(body: bytes, repeat: int) -> float:
    from pipelines.clean.cleaner import clean

    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        clean(body, "http://www.example.gov.cn/a.html", {"Content-Type": "text/html"})
        best = min(best, time.process_time() - start)
    return best


def lines(size: int = 8 * MIB, repeat: int = 2) -> list[str]:
    """One line per hostile page: its cleaning time against the ordinary page's."""
    base = cpu_seconds(ordinary(size), repeat)
    label = f"{size / MIB:g} MiB" if size >= MIB else f"{size // 1024} KiB"
    out = [f"ordinary {label} report page: {base:.2f} s CPU to clean"]
    for name, build in HOSTILE:
        t = cpu_seconds(build(size), repeat)
        out.append(f"hostile {label} page, {name}: {t:.2f} s CPU, {t / base:.2f}× the ordinary page")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Hostile pages against ordinary ones.")
    parser.add_argument("--mib", type=float, default=8.0, help="page size in MiB")
    parser.add_argument("--repeat", type=int, default=2, help="runs per page (best is kept)")
    args = parser.parse_args(argv)
    print("\n".join(lines(int(args.mib * MIB), args.repeat)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
