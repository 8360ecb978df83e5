"""The crawl benchmarks: each crawler as a child process on the same loopback site.

Every run is a fresh process measured from outside: wall time from the harness, peak RSS as
the sum of each process's VmHWM over the child's process group (the child and any worker
processes it starts; sampled from /proc), and peak PSS, the largest sum of the group's
proportional set sizes at one time (pages shared by several processes, such as a forkserver's
preloaded modules, counted once in all), CPU time likewise over the group, and,
for Scrapy, the crawl's own ``elapsed_time_seconds`` and ``response_received_count`` from the
stats it dumps at close (so interpreter start-up is not counted against pages/s).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCRAPY = str(BIN / "scrapy")
PY_SPY = str(BIN / "py-spy")
EXTRACT_SOURCE = REPO / "crawler" / "commands" / "extract.py"
# `--parts-off`: our own spider and middlewares with archiving, cleaning and storing switched
# off (and the archive's dedup, conversion records and raw-head download handler with them):
# what the pipelines cost on top of our crawling, not a plain-Scrapy baseline.
SCRAPY_HANDLERS = {"http": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler",
                   "https": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"}
PARTS_OFF = ("WARC_ENABLED=False", "CLEAN_ENABLED=False", "SQLITE_ENABLED=False",
             "WARC_DEDUP_ENABLED=False", "WARC_CONVERSIONS_ENABLED=False",
             "DOWNLOAD_HANDLERS=" + json.dumps(SCRAPY_HANDLERS))
PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


@dataclass
class Run:
    name: str
    n: int
    pages: int = 0  # responses received (robots.txt included)
    seconds: float = 0.0  # crawl time: Scrapy's elapsed_time_seconds, else wall time
    wall: float = 0.0  # the whole process, start-up included
    maxrss_mb: float = 0.0
    cpu: float = 0.0  # user + system seconds of the process: robust when others share the CPU
    returncode: int = 0
    note: str = ""
    log: Path | None = None
    site: str = "mixed"  # bench.sitegen.KINDS
    pss_mb: float = 0.0  # peak of the group's summed PSS (0: not measured)
    main_cpu: float = 0.0  # CPU seconds of the started process alone (a crawl's reactor)
    main_mb: float = 0.0  # its own peak RSS (0: not measured)
    largest_mb: float = 0.0  # the largest peak RSS of any one process of the run

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.pages > 0

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_rate(self) -> float:
        """Pages per CPU second: what the crawler would do with a core to itself."""
        return self.pages / self.cpu if self.cpu > 0 else 0.0


def loopback_env() -> dict[str, str]:
    """The environment of every crawler: no proxy, so nothing can leave 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    env["no_proxy"] = env["NO_PROXY"] = "*"
    return env


@dataclass
class Usage:
    code: int
    wall: float
    maxrss_mb: float
    cpu: float
    pss_mb: float = 0.0
    main_cpu: float = 0.0
    main_mb: float = 0.0  # the started process's own peak RSS (a crawl's reactor process)
    largest_mb: float = 0.0  # the largest peak RSS of any one process of the group


_TICK = os.sysconf("SC_CLK_TCK")


def _hwm_mb(pid: int) -> float:
    """VmHWM of a process: the peak RSS of its own image since exec (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _pss_mb(pid: int) -> float:
    """A process's proportional set size: each page it maps, divided by its sharers."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def group_usage(pgid: int, hwm: dict[int, float], cpu: dict[int, float]) -> float:
    """Record each member of the process group's peak RSS (MB) and CPU seconds so far;
    returns the group's PSS now (MB)."""
    pss = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) != pgid:  # fields[0] is the state: pgrp is the 5th field
            continue
        pid = int(entry.name)
        cpu[pid] = (int(fields[11]) + int(fields[12])) / _TICK
        hwm[pid] = max(hwm.get(pid, 0.0), _hwm_mb(pid))
        pss += _pss_mb(pid)
    return pss


def measured(cmd: list[str], log: Path, timeout: float) -> Usage:
    """Run cmd with output to log; exit code, wall time, peak RSS and CPU time of that child
    (with its worker processes, if it starts any)."""
    hwm: dict[int, float] = {}
    cpu: dict[int, float] = {}
    pss = 0.0
    next_scan = 0.0
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=loopback_env(), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        while True:
            # The child's own peak every 20 ms, its whole group every 0.5 s.
            hwm[proc.pid] = max(hwm.get(proc.pid, 0.0), _hwm_mb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                break
            if time.perf_counter() >= next_scan:
                pss = max(pss, group_usage(proc.pid, hwm, cpu))
                next_scan = time.perf_counter() + 0.5
            time.sleep(0.02)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    # Not ru_maxrss: Linux folds the pre-exec image (a fork of this harness) into it, so a
    # 5 MB wget reported the harness's ~60 MB.  wait4 counts the child and the descendants
    # it reaped; the group's samples also see workers reaped by others (a forkserver) but
    # miss each member's last 0.5 s: the larger of the two is the closer.
    total_cpu = max(usage.ru_utime + usage.ru_stime, sum(cpu.values()))
    # The started process's own CPU as last sampled (wait4 folds in the descendants it reaped).
    return Usage(proc.returncode, wall, sum(hwm.values()), total_cpu, pss, cpu.get(proc.pid, 0.0),
                 hwm[proc.pid], max(hwm.values()))


def crawl_settings(depth: int, concurrency: int) -> list[str]:
    """Scrapy's own settings every Scrapy run shares (plain Scrapy too): no throttling, enough
    concurrency to saturate, the whole site and nothing more."""
    pairs = {
        "AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DEPTH_LIMIT": depth + 1, "ROBOTSTXT_OBEY": "True",  # the site's robots.txt allows all
        "LOG_LEVEL": "INFO",
    }
    return [arg for k, v in pairs.items() for arg in ("-s", f"{k}={v}")]


def scrapy_settings(depth: int, concurrency: int, budget: int = 10_000_000) -> list[str]:
    """crawl_settings plus the project's: progress lines, and the page budgets
    (crawler.discovery) out of the way, since the benchmark crawls the whole site."""
    pairs = {"PROGRESS_INTERVAL": 5, "DISCOVERY_MAX_PAGES": budget,
             "DISCOVERY_MAX_FOCUSED": budget}
    return [*crawl_settings(depth, concurrency),
            *(arg for k, v in pairs.items() for arg in ("-s", f"{k}={v}"))]


def scrapy_stats(text: str) -> dict[str, float]:
    """Numbers from the stats dict Scrapy logs at close."""
    stats = {}
    for key in ("elapsed_time_seconds", "response_received_count", "item_scraped_count",
                "log_count/ERROR", "clean/pages", "store/pages", "archive/records_written"):
        m = re.search(rf"'{re.escape(key)}': ([\d.]+)", text)
        if m:
            stats[key] = float(m.group(1))
    return stats


def _scrapy_run(name: str, n: int, cmd: list[str], log: Path, timeout: float) -> Run:
    use = measured(cmd, log, timeout)
    text = log.read_text(encoding="utf-8", errors="replace")
    stats = scrapy_stats(text)
    run = Run(name, n, int(stats.get("response_received_count", 0)),
              stats.get("elapsed_time_seconds", use.wall), use.wall, use.maxrss_mb, use.cpu,
              pss_mb=use.pss_mb, main_cpu=use.main_cpu, returncode=use.code, log=log,
              main_mb=use.main_mb, largest_mb=use.largest_mb)
    if stats.get("log_count/ERROR"):
        run.note = f"{int(stats['log_count/ERROR'])} errors logged"
    if use.code != 0:
        run.note = f"exit {use.code}: " + " ".join(text.strip().splitlines()[-1:])[:200]
    return run


def crawl_cmd(url: str, data_dir: Path, depth: int, concurrency: int,
              parts_off: bool = False) -> list[str]:
    cmd = [SCRAPY, "crawl", "reports", "-a", f"start_urls={url}", "-s", f"DATA_DIR={data_dir}",
           *scrapy_settings(depth, concurrency)]
    if parts_off:
        cmd += [arg for setting in PARTS_OFF for arg in ("-s", setting)]
    return cmd


def plain_cmd(url: str, depth: int, concurrency: int) -> list[str]:
    """bench/plain_spider.py: a bare spider under Scrapy's default settings."""
    return [sys.executable, "-m", "bench.plain_spider", url, *crawl_settings(depth, concurrency)]


def label(name: str, n: int, site: str = "mixed") -> str:
    """A run's directory and log name (the mixed site's keep their short names)."""
    return f"{name}-{n}" if site == "mixed" else f"{name}-{site}-{n}"


def run_ours(url: str, n: int, work: Path, depth: int, concurrency: int = 32,
             timeout: float = 3600, site: str = "mixed") -> Run:
    """`scrapy crawl reports` with WARC + cleaning + SQLite, as shipped."""
    data = work / label("ours", n, site)
    shutil.rmtree(data, ignore_errors=True)
    run = _scrapy_run("ours", n, crawl_cmd(url, data, depth, concurrency),
                      work / f"{label('ours', n, site)}.log", timeout)
    run.site = site
    return run


def run_plain(url: str, n: int, work: Path, depth: int, concurrency: int = 32,
              timeout: float = 3600, site: str = "mixed") -> Run:
    """Plain Scrapy: bench/plain_spider.py, no project component (see there)."""
    run = _scrapy_run("plain", n, plain_cmd(url, depth, concurrency),
                      work / f"{label('plain', n, site)}.log", timeout)
    run.site = site
    return run


def run_parts_off(url: str, n: int, work: Path, depth: int, concurrency: int = 32,
                  timeout: float = 3600, site: str = "mixed") -> Run:
    """Our spider with archiving, cleaning and storing off (PARTS_OFF)."""
    data = work / label("parts-off", n, site)
    shutil.rmtree(data, ignore_errors=True)
    run = _scrapy_run("parts-off", n, crawl_cmd(url, data, depth, concurrency, parts_off=True),
                      work / f"{label('parts-off', n, site)}.log", timeout)
    run.site = site
    return run


def run_wget(url: str, n: int, work: Path, depth: int, timeout: float = 3600,
             site: str = "mixed") -> Run:
    """`wget --recursive --warc-file`: one connection, archives and parses links, in C."""
    wget = shutil.which("wget")
    if not wget:
        return Run("wget", n, returncode=127, note="n/a (wget not installed)", site=site)
    out = work / label("wget", n, site)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cmd = [wget, "--recursive", f"--level={depth + 1}", "--no-verbose", "-e", "robots=off",
           f"--warc-file={out / 'wget'}", f"--directory-prefix={out / 'mirror'}",
           "--no-host-directories", "--delete-after", url]
    log = work / f"{label('wget', n, site)}.log"
    use = measured(cmd, log, timeout)
    m = re.search(r"Downloaded: (\d+) files", log.read_text(encoding="utf-8", errors="replace"))
    run = Run("wget", n, int(m.group(1)) if m else 0, use.wall, use.wall, use.maxrss_mb,
              use.cpu, use.code, log=log, site=site, pss_mb=use.pss_mb)
    if use.code not in (0, 8) or not m:  # 8: some page answered an error status
        run.note = f"exit {use.code}"
    else:
        run.returncode = 0
    return run


def _cluster(url: str, redis_url: str, workers: int, work: Path, depth: int,
             concurrency: int, timeout: float) -> tuple[int, float, int, list[Usage]]:
    """`workers` distributed workers crawl the site: (pages, seconds, worst exit code, each
    worker's usage).  Seconds run from the first fetch to the last in any worker's database,
    so neither start-up nor the idle wait before closing counts."""
    import sqlite3
    from concurrent.futures import ThreadPoolExecutor
    from datetime import datetime

    push = [SCRAPY, "push_starts", "--reset", "-s", f"REDIS_URL={redis_url}",
            "-a", f"start_urls={url}"]
    subprocess.run(push, cwd=REPO, env=loopback_env(), capture_output=True, check=True)
    dirs = [work / f"redis-{workers}-{i}" for i in range(workers)]
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
    cmds = [[*crawl_cmd(url, d, depth, concurrency), "-s", f"REDIS_URL={redis_url}",
             "-s", "DISTRIBUTED_IDLE_CLOSE=1"] for d in dirs]
    # Each worker measured as every other crawler is (CPU and memory of its process group),
    # all of them at once.
    with ThreadPoolExecutor(workers) as pool:
        uses = list(pool.map(lambda c, d: measured(c, d.with_suffix(".log"), timeout),
                             cmds, dirs))
    codes = [use.code for use in uses]
    times, pages = [], 0
    for d in dirs:
        db = sqlite3.connect(d / "reports.db")
        pages += db.execute("select count(*) from pages").fetchone()[0]
        times += [t for (t,) in db.execute("select fetched_at from pages where fetched_at "
                                           "is not null")]
        db.close()
        shutil.rmtree(d, ignore_errors=True)
    span = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in (min(times), max(times))]
    return pages, (span[1] - span[0]).total_seconds(), max(codes), uses


def run_redis(url: str, n: int, work: Path, depth: int, concurrency: int = 32,
              timeout: float = 3600) -> Run:
    """Issue 10: the shipped crawler in distributed mode (scrapy-redis, a real redis-server
    on loopback), 1 worker and 2 workers; the row is the 2-worker run, the note compares."""
    from fixtureweb.redisserver import running_redis

    try:
        with running_redis() as redis_url:
            one = _cluster(url, redis_url, 1, work, depth, concurrency, timeout)
            two = _cluster(url, redis_url, 2, work, depth, concurrency, timeout)
    except (RuntimeError, subprocess.SubprocessError, OSError, ValueError) as e:
        return Run("scrapy-redis", n, returncode=-1, note=f"n/a ({e})"[:200])
    rate = [p / s if s > 0 else 0.0 for p, s, _, _ in (one, two)]
    uses = two[3]
    return Run("scrapy-redis", n, two[0], two[1], two[1], returncode=max(one[2], two[2]),
               maxrss_mb=sum(u.maxrss_mb for u in uses), cpu=sum(u.cpu for u in uses),
               pss_mb=sum(u.pss_mb for u in uses),
               note=f"1 worker: {rate[0]:.1f} pages/s; 2 workers: {rate[1]:.1f} pages/s "
                    f"({rate[1] / rate[0] if rate[0] else 0:.2f}x)")


# -- re-extraction -------------------------------------------------------------------------
def extract_help() -> str | None:
    """`scrapy extract -h`, or None while the command does not exist in the tree."""
    if not EXTRACT_SOURCE.exists():
        return None
    proc = subprocess.run([SCRAPY, "extract", "-h"], cwd=REPO, env=loopback_env(),
                          capture_output=True, text=True, timeout=120)
    return proc.stdout if proc.returncode == 0 else None


def worker_option(help_text: str) -> str | None:
    """The command's worker-count option, whatever it is called: a flag or a setting."""
    m = re.search(r"(--(?:workers|jobs|processes|procs))\b", help_text)
    if m:
        return m.group(1)
    source = EXTRACT_SOURCE.read_text(encoding="utf-8") if EXTRACT_SOURCE.exists() else ""
    m = re.search(r"[\"'](EXTRACT_(?:WORKERS|PROCESSES|JOBS))[\"']", source)
    return f"-s {m.group(1)}=" if m else None


def worker_args(option: str, workers: int) -> list[str]:
    """The arguments that ask for `workers` processes: `--workers 2` or `-s NAME=2`."""
    if option.startswith("-s "):
        return ["-s", option[3:] + str(workers)]
    return [option, str(workers)]


def run_extract(crawl_dir: Path, n: int, pages: int, work: Path, workers: int | None,
                option: str | None, timeout: float = 3600) -> Run:
    """`scrapy extract` over a copy of a crawl's WARC files into a fresh database."""
    name = "extract" if workers is None else f"extract ×{workers}"
    data = work / f"extract-{n}-{workers or 1}"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(crawl_dir / "warc", data / "warc")
    cmd = [SCRAPY, "extract", "-s", f"DATA_DIR={data}"]
    if workers is not None and option:
        cmd += worker_args(option, workers)
    log = work / f"extract-{n}-{workers or 1}.log"
    use = measured(cmd, log, timeout)
    # The command's own count when it prints one ("rebuilt …: 41 pages"), else the crawl's.
    # The last count printed is the final one (earlier lines are progress).
    counts = re.findall(r"(\d+) pages", log.read_text(encoding="utf-8", errors="replace"))
    done = int(counts[-1]) if counts else pages
    run = Run(name, n, done if use.code == 0 else 0, use.wall, use.wall, use.maxrss_mb,
              use.cpu, use.code, log=log)
    if use.code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
        run.note = f"exit {use.code}: " + " ".join(tail)[:200]
    shutil.rmtree(data, ignore_errors=True)
    return run


def run_extract_side_by_side(crawl_dir: Path, n: int, pages: int, work: Path, copies: int,
                             option: str | None, timeout: float = 3600) -> Run:
    """`copies` single-process extracts at once, each over its own copy of the WARC files.

    They share nothing but the machine, so their combined rate is the most any split of the
    work into `copies` processes could reach here: the cores share caches and memory.
    """
    name = f"extract ×1, {copies} at once"
    cmds = []
    for i in range(copies):
        data = work / f"extract-{n}-apart-{i}"
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(crawl_dir / "warc", data / "warc")
        cmd = [SCRAPY, "extract", "-s", f"DATA_DIR={data}"]
        if option:
            cmd += worker_args(option, 1)
        cmds.append(shlex.join(cmd))
    # All started at once, all waited for; the exit code is the worst of theirs.
    script = "".join(f"{cmd} & p{i}=$!; " for i, cmd in enumerate(cmds)) + \
        "".join(f"wait $p{i} || rc=1; " for i in range(copies)) + "exit ${rc:-0}"
    log = work / f"extract-{n}-apart.log"
    use = measured(["sh", "-c", script], log, timeout)
    done = re.findall(r"rebuilt .*?: (\d+) pages", log.read_text(encoding="utf-8",
                                                                errors="replace"))
    total = sum(map(int, done)) if len(done) == copies else copies * pages
    run = Run(name, n, total if use.code == 0 else 0, use.wall, use.wall,
              use.maxrss_mb, use.cpu, use.code, log=log)
    if use.code != 0:
        run.note = f"exit {use.code}"
    for i in range(copies):
        shutil.rmtree(work / f"extract-{n}-apart-{i}", ignore_errors=True)
    return run


# -- profiling -----------------------------------------------------------------------------
def profile_crawl(url: str, n: int, work: Path, depth: int, plain: bool,
                  concurrency: int = 32, rate: int = 100) -> Path | None:
    """py-spy samples of one crawl (idle samples included), as collapsed stacks."""
    if not Path(PY_SPY).exists():
        return None
    name = "plain" if plain else "ours"
    data = work / f"profile-{name}-{n}"
    shutil.rmtree(data, ignore_errors=True)
    out = work / f"profile-{name}-{n}.txt"
    cmd = [PY_SPY, "record", "--idle", "--threads", "--rate", str(rate), "--format", "raw",
           "--output", str(out), "--",
           *(plain_cmd(url, depth, concurrency) if plain else
             crawl_cmd(url, data, depth, concurrency))]
    use = measured(cmd, work / f"profile-{name}-{n}.log", timeout=3600)
    shutil.rmtree(data, ignore_errors=True)
    return out if use.code == 0 and out.exists() else None


def components(log: Path | None) -> list[str]:
    """The project's own (non-Scrapy) components a run had enabled, from its log."""
    if log is None or not log.exists():
        return []
    text = log.read_text(encoding="utf-8", errors="replace")
    # Middlewares, pipelines, extensions and download handlers all appear as class paths.
    found = re.findall(r"'((?:archive|pipelines|crawler)\.[\w.]+\.[A-Z]\w+)'", text)
    return list(dict.fromkeys(found))
