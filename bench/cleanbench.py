"""Table row 2: our cleaner against trafilatura (and resiliparse), through bench.clean's functions.

Three page sets: report pages of the report-heavy site (issue 20's target: CPU per page in
one pass, as a crawl meets them, so a cache only helps where copies really repeat), the
fixture pages bench.clean scores against the gold texts (F1), and a sample of the generated
mixed site (the pages the crawls fetch), for throughput only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.sitegen import Site


@dataclass
class CleanRow:
    pages: str
    system: str
    n: int
    pages_per_s: float
    mb_per_s: float
    mean_f1: float | None
    failures: int


def generated_pages(n_pages: int, sample: int) -> list:
    from bench.clean import Page

    site = Site(n_pages)
    paths = [p for p in site.paths() if site.routes[p][0] == "content"]
    step = max(1, len(paths) // sample)
    headers = {"Content-Type": "text/html; charset=utf-8"}
    return [Page(f"http://127.0.0.1{p}", site.page(p) or b"", headers, "generated")
            for p in paths[::step][:sample]]


def report_pages(n_pages: int, sample: int) -> list:
    """Every report page of the first `sample` content pages of a report-heavy site, in
    crawl order (originals and their copies interleaved, as a crawl fetches them)."""
    from bench.clean import Page

    site = Site(n_pages, kind="reports")
    headers = {"Content-Type": "text/html; charset=utf-8"}
    contents = [site.content(i) for i in range(min(sample, site.n_content))]
    return [Page(f"http://127.0.0.1{c.path}", site.page(c.path) or b"", headers, "generated")
            for c in contents if c.kind == "report"]


def one_pass(runner, pages: list) -> float:  # noqa: ANN001 - bench.clean's runner type
    """CPU seconds for one pass; a failure counts its time and nothing else."""
    start = time.process_time()
    for page in pages:
        try:
            runner(page)
        except Exception:  # noqa: BLE001, S112 - failures are counted by the F1 sets
            continue
    return time.process_time() - start


def report_rows(n_pages: int = 3000, sample: int = 300) -> list[CleanRow]:
    from bench import clean as bc
    from pipelines.clean.cleaner import warm

    pages = report_pages(n_pages, sample)
    nbytes = sum(len(p.body) for p in pages)
    # Each system starts as a crawl's worker does, its tables loaded (ours: what the
    # forkserver loads, crawler/forkserver.py), and has run once, on a real government page
    # (not a report: it shares no text with the set).
    warm()
    start_up = [p for p in bc.load_pages() if p.kind == "corpus"][:1]
    out = []
    # Ours first, in a process whose caches have seen none of these pages.
    for name, runner in (("ours", bc.ours()), ("trafilatura", bc.trafilatura_runner()),
                         ("resiliparse", bc.resiliparse_runner())):
        one_pass(runner, start_up)
        seconds = one_pass(runner, pages)
        out.append(CleanRow(REPORT_PAGES, name, len(pages), len(pages) / seconds,
                            nbytes / seconds / 1e6, None, 0))
    return out


REPORT_PAGES = "report pages, report-heavy site (one pass, CPU s)"


def rows(repeat: int, sample: int, site_pages: int = 1000) -> list[CleanRow]:
    from bench import clean as bc

    out = report_rows(sample=sample)
    sets = [("fixture pages (F1 vs fixtureweb/gold)", bc.load_pages()),
            ("generated site sample", generated_pages(site_pages, sample))]
    for label, pages in sets:
        nbytes = sum(len(p.body) for p in pages)
        for name, runner in (("ours", bc.ours()), ("trafilatura", bc.trafilatura_runner())):
            tally = bc.measure(name, runner, pages, repeat)
            f1 = sum(tally.f1s) / len(tally.f1s) if tally.f1s else None
            out.append(CleanRow(label, name, len(pages), len(pages) * repeat / tally.seconds,
                                nbytes * repeat / tally.seconds / 1e6, f1, tally.failures))
    return out
