"""The benchmark harness (bench/), end to end at tiny N, and the parts it rests on.

No wall-clock assertions: only that every crawler fetched the whole generated site, that the
table is produced, and that the site, the server and the measurements are what they claim.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.request

import pytest

from bench.crawl import measured
from bench.profile import read
from bench.server import serving
from bench.sitegen import Site
from pipelines.store.copies.fingerprint import similarity
from tests.paths import REPO


def test_site_has_exactly_n_pages_all_reachable_and_deterministic():
    site = Site(500)
    assert len(site.routes) == 500
    seen, frontier = {"/"}, ["/"]
    while frontier:
        links = [link for path in frontier for link in site.links(path)]
        broken = [link for link in links if site.page(link) is None and "." in link[-6:]]
        assert not [b for b in broken if not b.startswith("/css/")], broken[:5]
        frontier = [link for link in set(links) if link in site.routes and link not in seen]
        seen.update(frontier)
    assert seen == set(site.routes)  # every page reachable from the home page
    assert site.max_depth() >= 2
    other = Site(500)
    assert all(site.page(p) == other.page(p) for p in list(site.paths())[::25])


def test_site_mixes_realistic_report_pages_with_distractors_and_news():
    site = Site(300)
    kinds: dict[str, list[int]] = {}
    for path, (route, index, _) in site.routes.items():
        if route == "content":
            kinds.setdefault(site.content(index).kind, []).append(len(site.page(path) or b""))
    assert set(kinds) == {"report", "distractor", "news"}
    # A whole seed text in a government page template (the shortest seed is ~6 KB).
    assert min(kinds["report"]) > 15_000
    assert sum(kinds["report"]) / len(kinds["report"]) > 30_000
    assert max(kinds["news"]) < min(kinds["report"]) * 2
    report = next(p for p, r in site.routes.items()
                  if r[0] == "content" and site.content(r[1]).kind == "report")
    assert "政府工作报告" in (site.page(report) or b"").decode("utf-8")


def test_reports_site_is_mostly_full_reports_and_copies_of_a_few():
    site = Site(400, kind="reports")
    contents = [site.content(i) for route, i, _ in site.routes.values() if route == "content"]
    reports = [c for c in contents if c.kind == "report"]
    assert len(reports) >= 0.85 * len(contents)
    copies = [c for c in reports if site.source(c) is not None]
    assert len(copies) >= 0.9 * len(reports)
    assert len({site.source(c) for c in copies}) < len(copies) / 5  # copies of a few

    def text(c) -> str:
        return "\n".join(site._paragraphs(c))

    for c in reports[:12]:
        assert 20_000 <= len(text(c)) <= 32_000, (c, len(text(c)))
    # Each kind of copy is a near-duplicate of its original, as clustering sees texts.
    kinds = {}
    for c in copies[:9]:
        src = site.content(site.source(c))
        kinds[c.index % 3] = similarity(text(src), text(c))
        assert kinds[c.index % 3] >= 0.8, (c, site.title(c))
    assert set(kinds) == {0, 1, 2}
    assert any("×" in text(c) for c in copies[:9]) and any("範文" in site.title(c) or
                                                             "范文" in site.title(c)
                                                             for c in copies[:9])


def test_server_serves_the_site_with_keep_alive_and_404():
    site = Site(60)
    with serving(60) as web:
        assert web.pages == 60
        for path in list(site.paths())[::7]:
            with urllib.request.urlopen(web.url.rstrip("/") + path, timeout=10) as resp:
                assert resp.status == 200 and resp.read() == site.page(path)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(web.url + "nowhere.html", timeout=10)
        assert err.value.code == 404
        # Two pipelined requests on one connection: both answered, in order.
        with socket.create_connection(("127.0.0.1", web.port), timeout=10) as sock:
            sock.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                         b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        assert data.count(b"HTTP/1.1 200 OK") == 2
        assert data.index(b"Disallow:") < data.index(b"<!DOCTYPE html>")


def test_peak_rss_is_measured_per_child(tmp_path):
    # It stays a moment at its peak: the harness samples every 20 ms (crawls run minutes).
    grow = ("import time; b = bytearray(150 * 2**20); b[::4096] = b'x' * len(b[::4096]); "
            "time.sleep(0.3)")
    big = measured([sys.executable, "-c", grow], tmp_path / "big.log", timeout=60)
    small = measured([sys.executable, "-c", "pass"], tmp_path / "small.log", timeout=60)
    assert big.code == small.code == 0
    assert big.maxrss_mb > 150 > small.maxrss_mb


def test_profile_reader_counts_only_the_reactor_thread(tmp_path):
    loop = "BaseEventLoop.run_forever (asyncio/base_events.py:600)"
    stacks = tmp_path / "stacks.txt"
    stacks.write_text(
        f"thread (1): MainThread;<module> (x.py:1) 5\n"  # start-up
        f"thread (1): MainThread;{loop};select (selectors.py:468) 30\n"  # idle
        f"thread (1): MainThread;{loop};process_item (pipelines/clean_pipeline.py:30);"
        f"clean (pipelines/clean/cleaner.py:10) 50\n"
        f"thread (1): MainThread;{loop};write (archive/warcfile.py:9) 15\n"
        f"thread (2): ThreadPool;work (x.py:3) 99\n", encoding="utf-8")
    prof = read(stacks)
    assert (prof.samples, prof.idle, prof.outside) == (95, 30, 5)
    assert prof.stages["WARC archiving (archive/*)"] == 15
    assert sum(n for stage, n in prof.stages.items() if stage.startswith("cleaning")) == 50


def test_harness_runs_end_to_end_and_writes_the_table(tmp_path):
    out = tmp_path / "results.md"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sizes", "30", "--throughput-n", "30",
         "--reports-n", "40", "--cluster-sizes", "100,200",
         "--profile-n", "0", "--clean-repeat", "1", "--clean-sample", "3",
         "--extract-pairs", "2", "--work-dir", str(tmp_path / "work"), "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    assert text.strip() in proc.stdout
    for heading in ("1. Crawl throughput", "2. Cleaning throughput", "3. Re-extraction",
                    "4. Peak RSS and wall time", "5. Clustering", "cores", "scrapy 2.19.0"):
        assert heading in text
    # On both sites, ours and plain Scrapy fetched the whole site: its pages and robots.txt
    # (at least), and the ratios against plain Scrapy and wget are in one table.
    for site, pages in (("mixed", 30), ("report-heavy", 40)):
        for label in ("ours: `scrapy crawl reports`", "plain Scrapy: bare spider"):
            row = next(line for line in text.splitlines()
                       if line.startswith(f"| {site} | {label}"))
            assert int(row.split("|")[3]) >= pages + 1, row
            assert re.fullmatch(r" [\d.]+ ", row.split("|")[7]), row  # × plain
            if shutil.which("wget"):
                assert re.fullmatch(r" [\d.]+ ", row.split("|")[8]), row  # × wget
        assert re.search(rf"^{site} site: ours / plain Scrapy = [\d.]+ \(target", text, re.M)
    # Reactor headroom: ours and plain Scrapy crawled the same many-host site, every host of
    # it (each host's pages and robots.txt, at least), side by side, with their ratio.
    headroom = re.search(r"^- reactor headroom, mixed site on (\d+) loopback hosts \(N = (\d+),.*"
                         r"ours (\d+) pages at .*; plain (\d+) pages at .*"
                         r"ours / plain Scrapy: ([\d.]+)×$", text, re.M)
    assert headroom, text[-3000:]
    hosts, n, ours, plain = (int(headroom[i]) for i in range(1, 5))
    assert hosts > 1 and min(ours, plain) >= n + hosts, headroom[0]
    assert float(headroom[5]) > 0
    # Plain Scrapy ran none of the project's components.
    assert "- plain: none" in text
    # Clustering: every generated original found as one cluster, at both sizes.
    for n in (100, 200):
        row = re.search(rf"^\| {n} \| [\d.]+ \| [\d.]+ \| [\d.]+ \| (\d+) \| (\d+) \|", text,
                        re.M)
        assert row and row[1] == row[2], text[-1500:]
    assert re.search(r"per-1,000 time at 200 / at 100 = [\d.]+×", text)
    assert re.search(r"\| 30 \| [\d.]+ \| [\d.]+ \| \d+ \|", text)  # the scale row
    assert "ours" in text and "trafilatura" in text
    # Re-extraction: 1 process and 1 per core, twice each, back to back.
    assert len(re.findall(r"^\| `scrapy extract ×\d+` \| \d+ ", text, re.M)) == 4
    assert re.search(r"speed-up = [\d.]+×, the median of the pairs run back to back "
                     r"\([\d.]+, [\d.]+\)", text)
    if (os.cpu_count() or 1) > 1:  # and as many single-process runs at once, twice
        assert len(re.findall(r"^\| `scrapy extract ×1, \d+ at once` \| [1-9]\d* ", text,
                              re.M)) == 2
        ceiling = re.search(r"ceiling = ([\d.]+)× \([\d.]+, [\d.]+\)", text)
        assert ceiling and 0.5 < float(ceiling[1]) <= 1.5 * os.cpu_count()  # all waited for
