"""Distributed mode: real `scrapy crawl reports` workers sharing a real redis-server.

Two workers crawl the fixture web together; the result is compared with a single-process
crawl of the same web.  Then one worker is killed (SIGKILL) mid-crawl and the survivor must
still finish the whole web.  Finally `scrapy merge` combines the workers' databases.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from warcio.archiveiterator import ArchiveIterator

from archive.recovery import recover
from fixtureweb import load_manifest
from fixtureweb.crawl import REPO, SCRAPY, crawl, crawl_env
from fixtureweb.demo import warc_check

MANIFEST = load_manifest()
STARTS = ",".join(site["start_url"] for site in MANIFEST["sites"])
REPORT_URLS = {r["url"] for s in MANIFEST["sites"] for r in s["reports"]}
COMMON = ["-a", f"start_urls={STARTS}", "-s", "AUTOTHROTTLE_ENABLED=False",
          "-s", "DISTRIBUTED_IDLE_CLOSE=2"]


def push_starts(url: str, env: dict[str, str]) -> None:
    proc = subprocess.run([SCRAPY, "push_starts", "--reset", "-s", f"REDIS_URL={url}",
                           "-a", f"start_urls={STARTS}"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "pushed 10 start requests" in proc.stdout  # 5 start pages + 5 sitemap probes


def worker(data: Path, url: str, env: dict[str, str], *extra: str) -> subprocess.Popen:
    log = open(data.with_suffix(".log"), "w")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen([SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={data}",
                             "-s", f"REDIS_URL={url}", *COMMON, *extra],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)


def reports(data: Path) -> dict[str, str]:
    db = sqlite3.connect(data / "reports.db")
    try:
        return dict(db.execute("select url, text from reports"))
    finally:
        db.close()


def warc_targets(data: Path) -> list[str]:
    """Target URI of every response and revisit record (each fetch), robots.txt excluded:
    every worker needs the rules itself and fetches them outside the shared scheduler."""
    urls = []
    for path in sorted((data / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                uri = rec.rec_headers.get_header("WARC-Target-URI")
                if rec.rec_type in ("response", "revisit") and not uri.endswith("/robots.txt"):
                    urls.append(uri)
    return urls


@pytest.fixture(scope="module")
def single(tmp_path_factory, web):
    data = tmp_path_factory.mktemp("single")
    proc = crawl(data, web.proxy_url, "-a", f"start_urls={STARTS}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return data


@pytest.fixture(scope="module")
def pair(tmp_path_factory, web, redis_url):
    root = tmp_path_factory.mktemp("pair")
    env = crawl_env(web.proxy_url)
    push_starts(redis_url, env)
    dirs = [root / "w1", root / "w2"]
    procs = [worker(d, redis_url, env) for d in dirs]
    for proc, d in zip(procs, dirs, strict=True):
        assert proc.wait(timeout=300) == 0, d.with_suffix(".log").read_text()[-3000:]
    return dirs


def test_two_workers_find_what_one_process_finds(single, pair):
    expected = reports(single)
    assert set(expected) == REPORT_URLS
    per_worker = [reports(d) for d in pair]
    union = {url: text for found in per_worker for url, text in found.items()}
    assert union == expected
    # No report was recorded by both workers.
    assert sum(len(found) for found in per_worker) == len(expected)
    # The work was shared, not done by one worker while the other idled.
    assert all(warc_targets(d) for d in pair)


def test_no_url_fetched_twice_across_workers(single, pair):
    fetched = [url for d in pair for url in warc_targets(d)]
    assert [u for u, n in Counter(fetched).items() if n > 1] == []
    # The same pages as the single-process crawl, split between the workers.
    assert set(fetched) == set(warc_targets(single))
    rows = []
    for d in pair:
        db = sqlite3.connect(d / "reports.db")
        rows += [u for (u,) in db.execute("select url from pages where warc_file is not null "
                                          "and url not like '%/robots.txt'")]
        db.close()
    assert [u for u, n in Counter(rows).items() if n > 1] == []


def test_each_worker_says_that_it_waits_for_an_idle_cluster(pair):
    # The wait before closing (DISTRIBUTED_IDLE_CLOSE) is said, not left to progress lines
    # that all look alike.
    for d in pair:
        log = d.with_suffix(".log").read_text()
        assert "distributed: the cluster is idle; this worker closes after 2 s" in log


def test_every_worker_warc_passes_warcio_check(pair):
    for d in pair:
        assert list((d / "warc").glob("*.warc.gz"))
        assert warc_check(d / "warc") == []


def test_payload_digests_are_shared_through_redis(pair, redis_url):
    server = redis.Redis.from_url(redis_url)
    assert server.hlen("gzbg:digests") > 0
    originals: dict[str, str] = {}
    refers: list[str] = []
    for d in pair:
        for path in (d / "warc").glob("*.warc.gz"):
            with open(path, "rb") as fh:
                for rec in ArchiveIterator(fh):
                    h = rec.rec_headers
                    if rec.rec_type == "response":
                        originals[h.get_header("WARC-Record-ID")] = d.name
                    elif rec.rec_type == "revisit":
                        refers.append(h.get_header("WARC-Refers-To"))
    # Every revisit points at a response record that one of the workers wrote, and no
    # payload was stored in full twice (one index for both workers).
    assert refers and all(r in originals for r in refers)
    digests = Counter()
    for d in pair:
        for path in (d / "warc").glob("*.warc.gz"):
            with open(path, "rb") as fh:
                for rec in ArchiveIterator(fh):
                    if rec.rec_type == "response" and rec.length:
                        digests[rec.rec_headers.get_header("WARC-Payload-Digest")] += 1
    twice = [dg for dg, n in digests.items() if n > 1]
    # Only a race (both workers storing the same new payload at once) may store it twice.
    assert len(twice) <= 2, twice


def test_merge_makes_one_database_without_duplicates(tmp_path, single, pair):
    out = tmp_path / "merged"
    for _ in range(2):  # merging again adds nothing
        proc = subprocess.run([SCRAPY, "merge", "-s", f"DATA_DIR={out}", *map(str, pair)],
                              cwd=REPO, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert reports(out) == reports(single)
    db = sqlite3.connect(out / "reports.db")
    try:
        dup = db.execute("select warc_file, warc_offset from pages where warc_file is not null "
                         "group by 1, 2 having count(*) > 1").fetchall()
        assert dup == []
        worker_pages = 0
        for d in pair:
            src = sqlite3.connect(d / "reports.db")
            worker_pages += src.execute("select count(*) from pages").fetchone()[0]
            src.close()
        assert db.execute("select count(*) from pages").fetchone()[0] == worker_pages
        assert db.execute("select count(*) from crawls").fetchone()[0] == 2
        assert db.execute("pragma foreign_key_check").fetchall() == []
        # Every report row points at its own page row, by URL.
        assert db.execute("select count(*) from reports r join pages p on p.id = r.page_id "
                          "where p.url != r.url").fetchone()[0] == 0
        # Each report's WARC file is in the merged warc/ (linked from its worker).
        for (name,) in db.execute("select warc_file from reports"):
            assert (out / "warc" / name).exists()
        # Issue 11: every merged report is clustered once, and the clusters, the sites and
        # the coverage they give are the single-process crawl's.
        assert db.execute("select count(*) from report_copies").fetchone()[0] == \
            db.execute("select count(*) from reports").fetchone()[0]
        assert db.execute("select count(*) from reports where id not in "
                          "(select report_id from report_copies)").fetchone()[0] == 0
        one = sqlite3.connect(single / "reports.db")
        try:
            for sql in ("select canonical_url, region, year, n_copies, kinds from clusters",
                        "select name, region, level, province, kind, hosts from known_sites",
                        "select region, level, year, status, canonical_url, n_copies "
                        "from coverage",
                        # Issue 6: the newest state of every URL any worker fetched.
                        "select url, etag, last_modified, payload_digest, last_status, "
                        "is_report from url_state"):
                assert sorted(db.execute(sql).fetchall()) == sorted(one.execute(sql).fetchall())
        finally:
            one.close()
        assert db.execute("select count(*) from url_state where last_crawl_id not in "
                          "(select id from crawls)").fetchone()[0] == 0
    finally:
        db.close()
    assert sorted(p.name for p in (out / "warc").glob("*.warc.gz")) == \
        sorted(p.name for d in pair for p in (d / "warc").glob("*.warc.gz"))


def test_killed_worker_in_flight_requests_are_fetched_by_the_survivor(tmp_path, web, redis_url,
                                                                      single):
    env = crawl_env(web.proxy_url)
    push_starts(redis_url, env)
    server = redis.Redis.from_url(redis_url)
    # A per-host delay keeps the crawl going long enough to kill a worker in the middle.
    # Dead after 3 missed heartbeats of 1 s.
    slow = ("-s", "DOWNLOAD_DELAY=0.1", "-s", "DISTRIBUTED_HEARTBEAT=1")
    victim_dir, survivor_dir = tmp_path / "victim", tmp_path / "survivor"
    victim = worker(victim_dir, redis_url, env, *slow, "-s", "DISTRIBUTED_WORKER=victim")
    survivor = worker(survivor_dir, redis_url, env, *slow, "-s", "DISTRIBUTED_WORKER=survivor")
    deadline = time.monotonic() + 120
    # Kill it while it holds requests it popped but has not finished.
    while server.hlen("reports:inflight:victim") < 3 or \
            not list((victim_dir / "warc").glob("*.warc.gz.open")):
        assert victim.poll() is None, "the victim finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert survivor.wait(timeout=300) == 0, survivor_dir.with_suffix(".log").read_text()[-3000:]
    log = survivor_dir.with_suffix(".log").read_text()
    assert "worker victim is gone" in log
    assert not server.exists("reports:inflight:victim")
    # What the victim committed plus what the survivor did is the whole web.
    union = {**reports(victim_dir), **reports(survivor_dir)}
    assert union == reports(single)
    fetched = set(warc_targets(survivor_dir))
    # (The victim's last WARC is finished as a restart would: whole records kept.)
    recover(victim_dir / "warc")
    fetched |= set(warc_targets(victim_dir))
    assert fetched == set(warc_targets(single))
    assert warc_check(survivor_dir / "warc") == []
    # The victim's file holds whole records only after recovery (or none, then it is gone).
    if list((victim_dir / "warc").glob("*.warc.gz")):
        assert warc_check(victim_dir / "warc") == []


def test_start_taken_by_a_dead_worker_is_fetched(tmp_path, web, redis_url):
    """A worker died after taking a start request from the start list, before queueing it:
    the request is in its starting list only (the seen set and the queue are written with
    the queueing, in one script).  A live worker gives it back and it is fetched."""
    env = crawl_env(web.proxy_url)
    site = "http://www.beipiao.gov.cn/"
    proc = subprocess.run([SCRAPY, "push_starts", "--reset", "-s", f"REDIS_URL={redis_url}",
                           "-a", f"start_urls={site}"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    server = redis.Redis.from_url(redis_url)
    sitemap = next(e for e in server.lrange("reports:start_urls", 0, -1) if b"sitemap" in e)
    server.lrem("reports:start_urls", 1, sitemap)
    server.rpush("reports:starting:ghost", sitemap)
    server.sadd("reports:workers", "ghost")  # no heartbeat key: dead
    server.rpush("reports:start_urls", "{not a request")  # bad input: logged and dropped
    data = tmp_path / "w"
    proc = subprocess.run([SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={data}",
                           "-s", f"REDIS_URL={redis_url}", "-s", "AUTOTHROTTLE_ENABLED=False",
                           "-s", "DISTRIBUTED_IDLE_CLOSE=1", "-a", f"start_urls={site}"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "worker ghost is gone" in proc.stderr
    assert "dropping start list entry b'{not a request'" in proc.stderr
    assert f"{site}sitemap.xml" in warc_targets(data)
    assert not server.exists("reports:starting:ghost")
