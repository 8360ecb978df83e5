"""Table row 2: our cleaner against trafilatura, through bench.clean's own functions.

Two page sets: the fixture pages bench.clean scores against the gold texts (F1), and a
sample of the generated benchmark site (the pages the crawls fetch), for throughput only.
"""

from __future__ import annotations

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


def rows(repeat: int, sample: int, site_pages: int = 1000) -> list[CleanRow]:
    from bench import clean as bc

    out = []
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
