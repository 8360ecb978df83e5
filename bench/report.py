"""The benchmark table: results gathered by bench.run, rendered as Markdown."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from bench.cleanbench import REPORT_PAGES, CleanRow
from bench.cluster import COPY_SHARE
from bench.cluster import Row as ClusterRow
from bench.crawl import Run
from bench.load import Load

REPO = Path(__file__).resolve().parents[1]
LABELS = {
    "ours": "ours: `scrapy crawl reports` (WARC + cleaning + SQLite)",
    "plain": "plain Scrapy: bare spider following every `<a href>`, default settings",
    "parts-off": "ours with archive/clean/store off",
    "wget": "`wget --recursive --warc-file` (1 connection)",
    "scrapy-redis": "scrapy-redis (issue 10)",
}


@dataclass
class Results:
    sizes: list[int]
    throughput_n: int
    reports_n: int = 0
    loadavg: float = 0.0
    runs: list[Run] = field(default_factory=list)
    load: Load | None = None
    cleaning: list[CleanRow] = field(default_factory=list)
    clustering: list[ClusterRow] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    components: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def get(self, name: str, n: int, site: str = "mixed") -> Run | None:
        return next((r for r in self.runs if r.name == name and r.n == n and r.site == site),
                    None)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def _tool_version(cmd: list[str]) -> str:
    if not shutil.which(cmd[0]):
        return "not installed"
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[0] if lines else "?"


def machine() -> list[str]:
    mem = "?"
    with open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                            capture_output=True, text=True).stdout.strip() or "?"
    pkgs = ", ".join(f"{d} {_version(d)}" for d in
                     ("scrapy", "twisted", "warcio", "lxml", "sqlite-utils", "trafilatura",
                      "py-spy"))
    return [
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {platform.platform()}, {os.cpu_count()} cores, {mem} memory, "
        f"Python {platform.python_version()}",
        f"- versions: {pkgs}; {_tool_version(['wget', '--version'])}; "
        f"wrk: {_tool_version(['wrk', '-v'])}",
        f"- tree: git {commit} plus uncommitted work (the harness measures the tree as it is)",
    ]


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if a and b else "n/a"


SITES = {"mixed": "mixed", "reports": "report-heavy"}
# Issue 20's targets for ours / plain Scrapy pages/s on each site.
TARGETS = {"mixed": 0.8, "reports": 0.5}


def _run_row(run: Run, plain: Run | None, wget: Run | None) -> str:
    site = SITES.get(run.site, run.site)
    if not run.ok:
        return f"| {site} | {LABELS.get(run.name, run.name)} | {run.note or 'failed'} ||||||||"
    return (f"| {site} | {LABELS.get(run.name, run.name)} | {run.pages} | {run.seconds:.1f} | "
            f"{run.rate:.1f} | {run.cpu_rate:.1f} | "
            f"{ratio(run.rate, plain.rate) if plain and plain.ok else 'n/a'} | "
            f"{ratio(run.rate, wget.rate) if wget and wget.ok else 'n/a'} | "
            f"{run.maxrss_mb:.0f} | {f'{run.pss_mb:.0f}' if run.pss_mb else 'n/a'} |")


def throughput(res: Results) -> list[str]:
    sites = [("mixed", res.throughput_n)] + ([("reports", res.reports_n)] if res.reports_n else [])
    lines = ["### 1. Crawl throughput: " + ", ".join(f"{SITES[s]} site N = {n:,} pages"
                                                   for s, n in sites), "",
             "| site | crawler | pages | crawl s | pages/s | pages per CPU s | × plain | × wget "
             "| peak RSS MB | peak PSS MB |", "|---|---|---|---|---|---|---|---|---|---|"]
    verdicts = []
    for site, n in sites:
        plain, wget, ours = (res.get(name, n, site) for name in ("plain", "wget", "ours"))
        names = ("ours", "parts-off", "plain", "wget", "scrapy-redis")
        lines += [_run_row(r, plain, wget) for name in names if (r := res.get(name, n, site))]
        if ours and plain and ours.ok and plain.ok:
            target = TARGETS[site]
            verdict = "met" if ours.rate / plain.rate >= target else "NOT met"
            verdicts.append(f"{SITES[site]} site: ours / plain Scrapy = "
                            f"{ratio(ours.rate, plain.rate)} (target ≥ {target}: {verdict}); "
                            f"per CPU second {ratio(ours.cpu_rate, plain.cpu_rate)}.")
            pss = (f", peak PSS {ratio(ours.pss_mb, plain.pss_mb)}×"
                   if ours.pss_mb and plain.pss_mb else "")
            fits = "met" if ours.maxrss_mb <= 2 * plain.maxrss_mb else "NOT met"
            # Plain Scrapy is one process: beside the sums, ours process by process.
            alone = (f"; the crawl process alone {ours.main_mb:.0f} MB "
                     f"({ratio(ours.main_mb, plain.maxrss_mb)}×), the largest of ours "
                     f"{ours.largest_mb:.0f} MB ({ratio(ours.largest_mb, plain.maxrss_mb)}×)"
                     if ours.main_mb and ours.largest_mb else "")
            verdicts.append(f"{SITES[site]} site memory: ours / plain Scrapy peak RSS "
                            f"{ratio(ours.maxrss_mb, plain.maxrss_mb)}× (target ≤ 2: {fits}){pss}"
                            f"{alone}.")
    lines += ["", *verdicts] if verdicts else []
    if res.load:
        fastest = max((r.rate for r in res.runs if r.ok), default=0)
        lines += ["", f"Server alone ({res.load.tool}, {res.load.connections} connections, "
                  f"every page in turn): {res.load.requests_per_s:,.0f} req/s, "
                  f"{res.load.mb_per_s:,.0f} MB/s — {ratio(res.load.requests_per_s, fastest)}× "
                  "the fastest crawler, so it is not the bottleneck."]
    return lines


def cleaning(res: Results) -> list[str]:
    lines = ["### 2. Cleaning throughput (single process, in-process calls)", "",
             "| pages | system | n | pages/s | MB/s | mean F1 | failures |",
             "|---|---|---|---|---|---|---|"]
    for r in res.cleaning:
        f1 = f"{r.mean_f1:.4f}" if r.mean_f1 is not None else "—"
        lines.append(f"| {r.pages} | {r.system} | {r.n} | {r.pages_per_s:.1f} | "
                     f"{r.mb_per_s:.2f} | {f1} | {r.failures} |")
    by = {(r.pages, r.system): r for r in res.cleaning}
    for label in dict.fromkeys(r.pages for r in res.cleaning):
        ours, traf = by.get((label, "ours")), by.get((label, "trafilatura"))
        if ours and traf and label != REPORT_PAGES:
            verdict = "met" if ours.pages_per_s >= traf.pages_per_s else "NOT met"
            lines.append(f"\n{label}: ours / trafilatura pages/s = "
                         f"{ratio(ours.pages_per_s, traf.pages_per_s)} (target ≥ 1.0: {verdict})")
    ours, traf = by.get((REPORT_PAGES, "ours")), by.get((REPORT_PAGES, "trafilatura"))
    resi = by.get((REPORT_PAGES, "resiliparse"))
    if ours and traf:  # issue 20
        verdict = "met" if ours.pages_per_s >= 3 * traf.pages_per_s else "NOT met"
        lines.append(f"\nreport pages: ours / trafilatura = {ratio(ours.pages_per_s, traf.pages_per_s)}"
                     f" (issue 20 target ≥ 3: {verdict})"
                     + (f"; ours / resiliparse = {ratio(ours.pages_per_s, resi.pages_per_s)}"
                        if resi else ""))
    return lines


def extraction(res: Results) -> list[str]:
    runs = [r for r in res.runs if r.name.startswith("extract")]
    lines = [f"### 3. Re-extraction (`scrapy extract`) from the N = {res.throughput_n:,} "
             "crawl's WARC files", ""]
    if not runs:
        return lines + ["n/a (scrapy extract not available)"]
    lines += ["| run | pages | wall s | pages/s | peak RSS MB | note |", "|---|---|---|---|---|---|"]
    lines += [f"| `scrapy {r.name}` | {r.pages} | {r.wall:.1f} | {r.rate:.1f} | "
              f"{r.maxrss_mb:.0f} | {r.note} |" for r in runs]
    ones = [r for r in runs if r.name == "extract ×1"]
    manys = [r for r in runs if r.name.startswith("extract ×") and r not in ones
             and "at once" not in r.name]
    apart = [r for r in runs if "at once" in r.name]

    def median_of(others: list[Run]) -> tuple[float, str] | None:
        ratios = [o.rate / one.rate for one, o in zip(ones, others, strict=False)
                  if one.ok and o.ok]
        if not ratios:
            return None
        return statistics.median(ratios), ", ".join(f"{r:.2f}" for r in ratios)

    speedup = median_of(manys)
    if speedup:
        lines.append(f"\nspeed-up = {speedup[0]:.2f}×, the median of the pairs run back to "
                     f"back ({speedup[1]}) "
                     f"(target ≥ 1.8: {'met' if speedup[0] >= 1.8 else 'NOT met'})")
    ceiling = median_of(apart)
    if ceiling:
        copies = apart[0].name.split(", ")[1].split()[0]
        lines.append(f"\nceiling = {ceiling[0]:.2f}× ({ceiling[1]}): {copies} single-process "
                     "runs at once, each over its own copy of the WARC files, against one "
                     "alone. They share nothing but the machine (caches, memory bandwidth), "
                     "so no split of the work into that many processes can beat it here.")
    return lines


def scale(res: Results) -> list[str]:
    lines = ["### 4. Peak RSS and wall time by crawl size", "",
             "| N | ours wall s | ours pages/s | ours peak RSS MB | plain wall s | "
             "plain peak RSS MB | wget wall s | wget peak RSS MB |",
             "|---|---|---|---|---|---|---|---|"]

    def cells(name: str, n: int, rate: bool = False) -> str:
        r = res.get(name, n)
        if not r or not r.ok:
            return " n/a |" * (3 if rate else 2)
        mid = f" {r.rate:.1f} |" if rate else ""
        return f" {r.wall:.1f} |{mid} {r.maxrss_mb:.0f} |"

    for n in res.sizes:
        lines.append(f"| {n:,} |{cells('ours', n, True)}{cells('plain', n)}{cells('wget', n)}")
    for name in ("ours", "plain", "wget"):
        # Each crawler's smallest and largest N it ran at (plain may stop below the largest).
        done = [n for n in res.sizes if (r := res.get(name, n)) and r.ok]
        if len(done) >= 2:
            lo, hi = done[0], done[-1]
            a, b = res.get(name, lo), res.get(name, hi)
            if a and b:
                growth = b.maxrss_mb / a.maxrss_mb
                target = f" (target < 1.5: {'met' if growth < 1.5 else 'NOT met'})" \
                    if name == "ours" else ""
                lines.append(f"\n{name}: peak RSS {hi:,} / {lo:,} = {growth:.2f}×{target}")
    return lines


def clustering(res: Results) -> list[str]:
    rows = res.clustering
    lines = [f"### 5. Clustering ({COPY_SHARE:.0%} of the reports copies, bench/cluster.py)", "",
             "| reports | CPU s | wall s | CPU s per 1,000 | clusters | originals "
             "| index rebuilt, CPU s |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r.n:,} | {r.seconds:.1f} | {r.wall:.1f} | {r.per_1000:.2f} | {r.clusters:,} "
              f"| {r.expected:,} | {r.rebuild_s:.2f} |" for r in rows]
    if len(rows) > 1:
        growth = rows[-1].per_1000 / rows[0].per_1000 if rows[0].per_1000 else 0.0
        lines.append(f"\nper-1,000 time at {rows[-1].n:,} / at {rows[0].n:,} = {growth:.2f}× "
                     f"(target ≤ 1.5: {'met' if growth <= 1.5 else 'NOT met'})")
    return lines


def render(res: Results) -> str:
    parts = ["# Benchmarks (`make bench`)", "", *machine(),
             f"- load average when started: {res.loadavg:.2f} (other work on the machine "
             "slows wall-clock numbers; pages per CPU second is robust to it)",
             f"- harness run time: {res.seconds / 60:.1f} min", "",
             "Sites: bench/sitegen.py (generated, one loopback host each, served by "
             "bench/server.py): the mixed site (one content page in ten a report) and the "
             "report-heavy site (nine in ten a full 20,000-30,000-character report, 19 in 20 "
             "of those copies of a few: reposts, × templates, traditional script); every "
             "crawler starts at its home page and fetches it all. Plain Scrapy: "
             "bench/plain_spider.py, a bare `scrapy.Spider` under Scrapy's default settings "
             "(no project middleware, pipeline or extension) with the same crawl settings. "
             "Scrapy runs: AUTOTHROTTLE_ENABLED=False, ROBOTSTXT_OBEY=True (robots.txt allows "
             "all), CONCURRENT_REQUESTS(_PER_DOMAIN)=32, DEPTH_LIMIT = site depth + 1, "
             "discovery budgets off. Crawl s = Scrapy's `elapsed_time_seconds` (start-up "
             "excluded); wget and extract: process wall time. Peak RSS: the sum of each "
             "process's own peak (VmHWM from /proc) over the run's process group, worker "
             "processes included (shared pages counted once per process, so an upper bound; "
             "not ru_maxrss, which Linux inflates with the forking harness's own RSS); CPU s "
             "likewise include the workers. ours runs with its default CLEAN_WORKERS (one "
             "per core but the reactor's, at least one).", "",
             *throughput(res), "", *cleaning(res), "", *extraction(res), "", *scale(res), "",
             *clustering(res), ""]
    if res.components:
        parts += ["Project components enabled (from each run's log):", ""]
        parts += [f"- {name}: {', '.join(c) or 'none'}" for name, c in res.components.items()]
        parts.append("")
    if res.profiles:
        parts += ["### Profiles (py-spy, main thread = the reactor, idle samples included)", "",
                  *res.profiles]
    if res.notes:
        parts += ["### Notes", "", *[f"- {note}" for note in res.notes], ""]
    return "\n".join(parts)
