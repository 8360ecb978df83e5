"""``python -m bench.cluster [--sizes 1000,5000,20000]``: clustering time per 1,000 reports.

Synthetic reports (a seeded generator: shared boilerplate sentences plus sentences of their
own, ~2,000 characters each), 95% of them copies of an earlier one, half of those copies of
the same few reports (mirrors at the same path, content-farm templates with × blanks and a
sentence dropped, traditional-script reposts), are written as pages and reports rows to a
fresh database; then each goes through `pipelines.store.copies.cluster.add_report` in its own
transaction, as record_page does, with its fingerprint computed beforehand (as the cleaning
workers do in a crawl).  Reported per N: CPU seconds per 1,000 reports, clusters found
against the number of originals, and the CPU time to rebuild the index from the database
(once per process).  Growth: the per-1,000 time at the largest N over the smallest
(1.0 = linear)."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import opencc

from pipelines.clean.result import CleanResult
from pipelines.store.copies import cluster
from pipelines.store.copies.fingerprint import fingerprint_of
from pipelines.store.db import open_db

CHARS = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]
REGIONS = [f"第{i}号市" for i in range(200)]
COPY_SHARE = 0.95  # of the reports, copies of an earlier one (the worst case)
POPULAR = 10  # half the copies are of the first few reports: big clusters that keep growing
_S2T = opencc.OpenCC("s2t")
_DIGITS = str.maketrans("0123456789", "×" * 10)


@dataclass
class Row:
    n: int
    seconds: float  # CPU seconds of this process (robust to other load on the machine)
    wall: float
    clusters: int
    expected: int
    rebuild_s: float

    @property
    def per_1000(self) -> float:
        return self.seconds / self.n * 1000


@dataclass
class Report:
    result: CleanResult
    url: str


def sentence(rng: random.Random) -> str:
    body = "".join(rng.choices(CHARS, k=rng.randint(15, 40)))
    return f"{body}{rng.randint(1, 999)}个。"


def _copy(src: Report, i: int, rng: random.Random) -> Report:
    """A copy of src as the web has them, by turns: a mirror of the page (same path, another
    host), a content-farm template (numbers blanked, a sentence dropped, no metadata) or a
    traditional-script repost."""
    r, path = src.result, src.url.split("/", 3)[3]
    kind = i % 3
    if kind == 0:
        return Report(CleanResult(is_report=True, text=r.text, title=r.title, region=r.region,
                                  year=r.year), f"http://mirror{i % 13}.example.com/{path}")
    if kind == 1:
        lines = r.text.split("\n")
        del lines[rng.randrange(len(lines))]
        return Report(CleanResult(is_report=True, text="\n".join(lines).translate(_DIGITS),
                                  title=r.title, is_template=True),
                      f"http://farm{i % 7}.example.com/fanwen/{i}.html")
    return Report(CleanResult(is_report=True, text=_S2T.convert(r.text), title=r.title,
                              region=r.region, year=r.year, script="hant"),
                  f"http://big5.site{i % 5}.example.net/{i}.html")


def reports(n: int, seed: int = 11) -> tuple[list[Report], int]:
    """n synthetic reports (~2,000 characters each, COPY_SHARE of them copies of an earlier
    original, half of those of the first POPULAR originals) and how many originals."""
    rng = random.Random(seed)
    boilerplate = [sentence(rng) for _ in range(60)]
    out: list[Report] = []
    originals: list[Report] = []
    for i in range(n):
        if originals and rng.random() < COPY_SHARE:
            pool = originals[:POPULAR] if rng.random() < 0.5 else originals
            out.append(_copy(pool[rng.randrange(len(pool))], i, rng))
            continue
        lines = rng.sample(boilerplate, 6) + [sentence(rng) for _ in range(60)]
        result = CleanResult(is_report=True, text="\n".join(lines), title=f"报告{i}",
                             region=rng.choice(REGIONS), year=rng.randint(2010, 2023))
        originals.append(Report(result, f"http://www.gov{i % 97}.gov.cn/zwgk/{i}.html"))
        out.append(originals[-1])
    return out, len(originals)


def insert_reports(db: Any, made: list[Any]) -> list[tuple[int, int]]:
    """The page and report rows of generated reports, unclustered: (report id, page id)."""
    ids = []
    with db.atomic():
        for rep in made:
            r = rep.result
            page_id = db.execute("insert into pages (url) values (?)", [rep.url]).lastrowid
            report_id = db.execute(
                "insert into reports (page_id, url, title, text, region, year)"
                " values (?, ?, ?, ?, ?, ?)",
                [page_id, rep.url, r.title, r.text, r.region, r.year]).lastrowid
            ids.append((report_id, page_id))
    return ids


def measure_one(n: int, work: Path) -> Row:
    made, expected = reports(n)
    db = open_db(work / f"cluster-{n}.db")
    # The shipped sites file, as a crawl without SITES_FILE would; before the rows exist,
    # or attaching would cluster them all (as it does for a database from before clusters).
    cluster.attach(db)
    ids = insert_reports(db, made)
    # Fingerprints come from the cleaning workers in a crawl: not clustering's cost.
    prints = [fingerprint_of(rep.result.text) for rep in made]
    wall, cpu = time.perf_counter(), time.process_time()
    for (report_id, page_id), rep, fingerprint in zip(ids, made, prints, strict=True):
        with db.atomic():
            cluster.add_report(db, report_id, page_id, rep.url, rep.result, fingerprint)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    found = db.execute("select count(*) from clusters").fetchone()[0]
    start = time.process_time()
    cluster.Clusterer(db)
    rebuild = time.process_time() - start
    db.close()
    return Row(n, cpu, wall, found, expected, rebuild)


def measure(sizes: list[int], progress: Callable[[str], None] | None = None) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="gzbg-cluster-") as work:
        for n in sizes:
            rows.append(measure_one(n, Path(work)))
            if progress:
                progress(lines(rows[-1:])[0])
    return rows


def lines(rows: list[Row]) -> list[str]:
    out = [f"clustering {r.n:,} reports ({COPY_SHARE:.0%} copies): {r.seconds:.1f} CPU s "
           f"({r.wall:.1f} s wall), {r.per_1000:.2f} CPU s per 1,000; "
           f"{r.clusters:,} clusters for {r.expected:,} distinct reports; "
           f"index rebuilt from the database in {r.rebuild_s:.2f} s" for r in rows]
    if len(rows) > 1:
        growth = rows[-1].per_1000 / rows[0].per_1000
        out.append(f"clustering growth: per-1,000 time at {rows[-1].n:,} is {growth:.2f}x "
                   f"that at {rows[0].n:,} (1.0 = linear)")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    args = parser.parse_args(argv)
    sizes = sorted({int(x) for x in args.sizes.split(",") if x.strip()})
    rows = measure(sizes, lambda line: print(line, file=sys.stderr, flush=True))
    for line in lines(rows):
        print(line, flush=True)


if __name__ == "__main__":
    main()
