"""``python -m bench.cluster [--sizes 1000,5000,20000]``: clustering time per 1,000 reports.

Synthetic reports (a seeded generator: shared boilerplate sentences plus sentences of their
own, ~2,000 characters each, one in five a damaged copy of an earlier one: numbers blanked,
a sentence dropped) are written as pages and reports rows to a fresh database; then each
goes through `pipelines.cluster.add_report` in its own transaction, as record_page does.
Reported per N: seconds per 1,000 reports, clusters found against the number generated,
and the time to rebuild the LSH index from the database (once per process).  Growth: the
per-1,000 time at the largest N over the smallest (1.0 = linear).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipelines import cluster
from pipelines.db import open_db
from pipelines.fingerprint import signature
from pipelines.result import CleanResult

CHARS = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]
REGIONS = [f"第{i}号市" for i in range(200)]


@dataclass
class Row:
    n: int
    seconds: float
    clusters: int
    expected: int
    rebuild_s: float

    @property
    def per_1000(self) -> float:
        return self.seconds / self.n * 1000


def sentence(rng: random.Random) -> str:
    body = "".join(rng.choices(CHARS, k=rng.randint(15, 40)))
    return f"{body}{rng.randint(1, 999)}个。"


def reports(n: int, seed: int = 11) -> tuple[list[CleanResult], int]:
    """n synthetic reports and how many distinct reports are among them."""
    rng = random.Random(seed)
    boilerplate = [sentence(rng) for _ in range(60)]
    out: list[CleanResult] = []
    originals = 0
    for i in range(n):
        if i % 5 == 4:  # a damaged copy of an earlier report
            src = out[rng.randrange(len(out))]
            lines = src.text.split("\n")
            del lines[rng.randrange(len(lines))]
            text = "\n".join(lines).translate(str.maketrans("0123456789", "×" * 10))
            out.append(CleanResult(is_report=True, text=text, title=src.title,
                                   region=src.region, year=src.year, is_template=True))
            continue
        originals += 1
        lines = rng.sample(boilerplate, 6) + [sentence(rng) for _ in range(60)]
        out.append(CleanResult(is_report=True, text="\n".join(lines), title=f"报告{i}",
                               region=rng.choice(REGIONS), year=rng.randint(2010, 2023)))
    return out, originals


def measure_one(n: int, work: Path) -> Row:
    results, expected = reports(n)
    db = open_db(work / f"cluster-{n}.db")
    # The shipped sites file, as a crawl without SITES_FILE would; before the rows exist,
    # or attaching would cluster them all (as it does for a database from before clusters).
    cluster.attach(db)
    ids = []
    with db.atomic():
        for i, r in enumerate(results):
            url = f"http://site{i % 97}.example.cn/r/{i}.html"
            page_id = db.execute("insert into pages (url) values (?)", [url]).lastrowid
            report_id = db.execute(
                "insert into reports (page_id, url, title, text, region, year)"
                " values (?, ?, ?, ?, ?, ?)",
                [page_id, url, r.title, r.text, r.region, r.year]).lastrowid
            ids.append((report_id, page_id, url))
    signature(results[0].text)  # first-call costs (OpenCC, numpy) are not clustering's
    start = time.perf_counter()
    for (report_id, page_id, url), r in zip(ids, results, strict=True):
        with db.atomic():
            cluster.add_report(db, report_id, page_id, url, r)
    seconds = time.perf_counter() - start
    found = db.execute("select count(*) from clusters").fetchone()[0]
    start = time.perf_counter()
    cluster.Clusterer(db)
    rebuild = time.perf_counter() - start
    db.close()
    return Row(n, seconds, found, expected, rebuild)


def measure(sizes: list[int], progress: Callable[[str], None] | None = None) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="gzbg-cluster-") as work:
        for n in sizes:
            rows.append(measure_one(n, Path(work)))
            if progress:
                progress(lines(rows[-1:])[0])
    return rows


def lines(rows: list[Row]) -> list[str]:
    out = [f"clustering {r.n:,} reports: {r.seconds:.1f} s, {r.per_1000:.2f} s per 1,000; "
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
