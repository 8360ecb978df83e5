"""``python -m bench.run`` (``make bench``): every benchmark of issues 8 and 20 in one run, one table.

1. crawl throughput on two sites (the generated mixed site and a report-heavy one, most pages
   full reports, most of those copies of a few): ours (WARC + cleaning + SQLite) vs plain
   Scrapy (a bare spider under Scrapy's default settings, bench/plain_spider.py) vs wget;
2. cleaning throughput: ours vs trafilatura (bench.clean's functions);
3. re-extraction: ``scrapy extract`` from the crawl's WARC files, 1 process and 1 per core;
4. peak RSS and wall time at each N, and the growth from the smallest to the largest N;
5. clustering CPU time per 1,000 reports with 95% copies (bench.cluster);
6. reactor headroom: the mixed site on 64 loopback hosts at once, ours and plain Scrapy, the
   share of each crawl's wall time its own process (the reactor) spent on the CPU and that
   process's CPU per page;
plus the server measured alone first, and py-spy profiles of the full and plain crawls.
The table is printed and written to bench/results.md with the machine, versions and date.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import cluster as cluster_bench
from bench import crawl, load, profile
from bench.cleanbench import rows as clean_rows
from bench.report import Results, render
from bench.server import serving
from bench.sitegen import Site

RESULTS = Path(__file__).resolve().parent / "results.md"


def say(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sizes_arg(text: str) -> list[int]:
    sizes = sorted({int(x.replace("_", "")) for x in text.split(",") if x.strip()})
    if not sizes or sizes[0] < 3:
        raise argparse.ArgumentTypeError("sizes: comma-separated page counts, each ≥ 3")
    return sizes


def crawl_size(res: Results, n: int, work: Path, args: argparse.Namespace) -> None:
    with serving(n) as site:
        say(f"N={n}: site up in {site.startup_s:.1f}s ({site.pages} pages, depth {site.depth})")
        if n == args.throughput_n:
            paths = ["/robots.txt", *Site(n).paths()]
            res.load = load.measure(site.url, site.port, paths, work)
            say(f"server alone: {res.load.requests_per_s:.0f} req/s ({res.load.tool})")
        runners = [crawl.run_ours]
        # Plain Scrapy above the throughput N only on request: its growth shows from the
        # smaller sizes.
        if n <= args.throughput_n or args.plain_all_sizes:
            runners.append(crawl.run_plain)
        if n == args.throughput_n and args.parts_off:
            runners.append(crawl.run_parts_off)
        for runner in runners:
            report(res, runner(site.url, n, work, site.depth, args.concurrency))
        if not args.no_wget:
            report(res, crawl.run_wget(site.url, n, work, site.depth))
        if n == args.throughput_n:
            res.runs.append(crawl.run_redis(site.url, n, work, site.depth))
            if args.profile_n:
                profile_runs(res, min(n, args.profile_n), work, args)
    if n == args.throughput_n:
        extract_runs(res, n, work, args.extract_pairs)
    for name in ("ours", "parts-off", "wget"):
        shutil.rmtree(work / f"{name}-{n}", ignore_errors=True)


def report_site(res: Results, n: int, work: Path, args: argparse.Namespace) -> None:
    """Issue 20: the report-heavy site, ours vs plain Scrapy vs wget."""
    with serving(n, kind="reports") as site:
        say(f"reports site N={n}: up in {site.startup_s:.1f}s ({site.pages} pages)")
        runners = [crawl.run_ours, crawl.run_plain]
        if args.parts_off:
            runners.append(crawl.run_parts_off)
        for runner in runners:
            report(res, runner(site.url, n, work, site.depth, args.concurrency, site="reports"))
        if not args.no_wget:
            report(res, crawl.run_wget(site.url, n, work, site.depth, site="reports"))
    for name in ("ours", "parts-off", "wget"):
        shutil.rmtree(work / crawl.label(name, n, "reports"), ignore_errors=True)


def report(res: Results, run: crawl.Run) -> None:
    where = "" if run.site == "mixed" else f" ({run.site} site)"
    say(f"N={run.n}{where} {run.name}: {run.pages} pages in {run.seconds:.1f}s "
        f"({run.rate:.1f}/s), {run.cpu:.1f} CPU s ({run.main_cpu:.1f} in the crawl process), "
        f"peak RSS {run.maxrss_mb:.0f} MB (sum of VmHWM), peak PSS {run.pss_mb:.0f} MB "
        f"{run.note}")
    res.runs.append(run)


def hosts_run(res: Results, n: int, hosts: int, work: Path) -> None:
    """Issue 20's reactor headroom: `hosts` sites in flight at once, two requests each, ours
    and plain Scrapy side by side.  The loopback server answers at once, so a crawl runs as
    fast as its busiest process allows (plain Scrapy's one process near 100%): the reactor's
    CPU per page is what tells how much room it leaves at a real site's pace."""
    with serving(n, hosts=hosts) as site:
        say(f"{hosts} hosts, N={site.pages}: up in {site.startup_s:.1f}s")
        runs = [runner(site.url, site.pages, work, site.depth, 2 * hosts, site=f"{hosts}-hosts")
                for runner in (crawl.run_ours, crawl.run_plain)]
    parts = []
    for run in runs:
        share = run.main_cpu / run.wall if run.wall > 0 else 0.0
        say(f"{hosts} hosts, {run.name}: {run.pages} pages in {run.seconds:.1f}s "
            f"({run.rate:.1f}/s); the crawl process on the CPU {share:.0%} of its wall time "
            f"{run.note}")
        parts.append(f"{run.name} {run.pages} pages at {run.rate:.1f}/s, the crawl process "
                     f"(the reactor thread and Scrapy's) on the CPU {run.main_cpu:.1f} s of "
                     f"{run.wall:.1f} s wall = {share:.0%} "
                     f"({reactor_ms(run):.2f} ms per page), all processes {run.cpu:.1f} CPU s, "
                     f"peak PSS {run.pss_mb:.0f} MB")
    ours, plain = runs
    ratio = (f"{reactor_ms(ours) / reactor_ms(plain):.2f}×" if ours.ok and plain.ok
             and reactor_ms(plain) > 0 else "n/a")
    res.notes.append(
        f"reactor headroom, mixed site on {hosts} loopback hosts (N = {site.pages}, "
        f"{2 * hosts} requests in flight; the server answers at once, so a crawl runs as "
        f"fast as its busiest process allows): " + "; ".join(parts)
        + f". The crawl process's CPU per page, ours / plain Scrapy: {ratio}")
    shutil.rmtree(work / crawl.label("ours", site.pages, f"{hosts}-hosts"), ignore_errors=True)


def reactor_ms(run: crawl.Run) -> float:
    """CPU milliseconds the crawl process (the reactor's) spent per page fetched."""
    return 1000 * run.main_cpu / run.pages if run.pages else 0.0


def profile_runs(res: Results, n: int, work: Path, args: argparse.Namespace) -> None:
    with serving(n) as site:
        for plain in (False, True):
            name = "plain" if plain else "ours"
            path = crawl.profile_crawl(site.url, n, work, site.depth, plain, args.concurrency)
            if path is None:
                res.notes.append(f"profile of {name}: n/a (py-spy missing or failed)")
                continue
            say(f"profiled {name} at N={n}")
            res.profiles.append(profile.summary(profile.read(path), f"{name}, N = {n}"))


def extract_runs(res: Results, n: int, work: Path, pairs: int) -> None:
    ours = next((r for r in res.runs if r.name == "ours" and r.n == n and r.ok), None)
    help_text = crawl.extract_help()
    if help_text is None or ours is None:
        why = "scrapy extract not available" if help_text is None else "no crawl to read"
        res.notes.append(f"re-extraction: n/a ({why})")
        return
    option = crawl.worker_option(help_text)
    # With a worker option, "1" is the single-process rate (the default may be one per core).
    counts = [1, os.cpu_count() or 1] if option else [None]
    # Run-to-run noise on a shared machine is larger than the effect: the two counts run
    # back to back, `pairs` times over, and each pair gives one ratio.  With them, as many
    # single-process runs as cores at once, sharing nothing but the machine: what any split
    # of the work could reach here.
    for pair in range(1, (pairs if option else 1) + 1):
        runs = [crawl.run_extract(work / f"ours-{n}", n, ours.pages, work, workers, option)
                for workers in counts]
        if len(counts) == 2 and counts[1] > 1:  # the machine's ceiling for that split
            runs.append(crawl.run_extract_side_by_side(work / f"ours-{n}", n, ours.pages,
                                                       work, counts[1], option))
        for run in runs:
            run.note = f"pair {pair}" + (f"; {run.note}" if run.note else "")
            say(f"{run.name}: {run.wall:.1f}s {run.note}")
            res.runs.append(run)
    if not option:
        res.notes.append("re-extraction: `scrapy extract -h` names no worker option; "
                         "one process only")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=sizes_arg, default=sizes_arg("1000,5000,20000"),
                        help="site sizes N (pages) for the scale rows")
    parser.add_argument("--throughput-n", type=int, default=5000,
                        help="N of the throughput, extraction and profile rows (one of --sizes)")
    parser.add_argument("--profile-n", type=int, default=1000, help="pages per profiled crawl "
                        "(at most --throughput-n; 0: no profiles)")
    parser.add_argument("--extract-pairs", type=int, default=3,
                        help="re-extraction runs: this many pairs of 1 process then 1 per core")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--clean-repeat", type=int, default=2)
    parser.add_argument("--clean-sample", type=int, default=200)
    parser.add_argument("--reports-n", type=int, default=3000,
                        help="pages of the report-heavy site (0: not crawled)")
    parser.add_argument("--cluster-sizes", type=sizes_arg, default=sizes_arg("1000,5000,20000"),
                        help="report counts of the clustering benchmark")
    parser.add_argument("--hosts", type=int, default=64,
                        help="loopback hosts of the reactor-headroom crawl (0: not run; at "
                        "most one per 3 pages of --hosts-n)")
    parser.add_argument("--hosts-n", type=int, default=0,
                        help="pages of the reactor-headroom crawl, all hosts together "
                        "(default: --throughput-n)")
    parser.add_argument("--parts-off", action="store_true",
                        help="also run our spider with archiving, cleaning and storing off")
    parser.add_argument("--no-wget", action="store_true")
    parser.add_argument("--plain-all-sizes", action="store_true",
                        help="run plain Scrapy at every N (default: up to --throughput-n)")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="where crawls write (default: a temporary directory, removed)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.throughput_n not in args.sizes:
        args.sizes = sorted({*args.sizes, args.throughput_n})
    started = time.perf_counter()
    res = Results(sizes=args.sizes, throughput_n=args.throughput_n, reports_n=args.reports_n,
                  loadavg=os.getloadavg()[0])
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="gzbg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for n in args.sizes:
            crawl_size(res, n, work, args)
        if args.reports_n:
            report_site(res, args.reports_n, work, args)
        hosts_n = args.hosts_n or args.throughput_n
        if args.hosts:
            hosts_run(res, hosts_n, max(1, min(args.hosts, hosts_n // 3)), work)
        say("cleaning: ours vs trafilatura")
        res.cleaning = clean_rows(args.clean_repeat, args.clean_sample)
        say("clustering: near-duplicate clusters per 1,000 reports")  # issues 11 and 20
        res.clustering = cluster_bench.measure(args.cluster_sizes, say)
        res.components = {name: crawl.components(work / f"{name}-{args.throughput_n}.log")
                          for name in ("ours", "plain")}
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    res.seconds = time.perf_counter() - started
    text = render(res)
    print(text)
    args.out.write_text(text, encoding="utf-8")
    say(f"written to {args.out} ({res.seconds / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
