"""Resume with JOBDIR: interrupt a crawl (SIGINT, then in another test SIGKILL) and resume it.

"Exactly once" here means: across the interrupted run and the resumed one, every URL has one
pages row (its final fetch), and at most one full `response` record in the WARC files, a repeat
being a revisit; and together they find the same pages and reports as one uninterrupted crawl.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.reader import read_entry
from fixtureweb.crawl import REPO, SCRAPY, crawl, crawl_env
from tests.faultcrawl import MANIFEST, START

REPORTS = {r["url"] for s in MANIFEST["sites"] for r in s["reports"]}
STOP_AFTER = 40  # pages stored before the interruption


def stored(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    db = sqlite3.connect(db_path, timeout=30)
    try:
        return db.execute("select count(*) from pages").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def interrupted_crawl(web, data: Path, jobdir: Path, sig: signal.Signals) -> str:
    """Start a slowed crawl, send sig once STOP_AFTER pages are stored, return its log."""
    cmd = [SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={data}", "-s", f"JOBDIR={jobdir}",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0.25",
           "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-a", f"start_urls={START}"]
    log = data.parent / f"{sig.name}.log"
    with open(log, "w") as fh:
        # In a group of its own, as a terminal's job: Ctrl-C reaches every process in it.
        proc = subprocess.Popen(cmd, cwd=REPO, env=crawl_env(web.proxy_url), stderr=fh,
                                stdout=fh, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while stored(data / "reports.db") < STOP_AFTER:
                assert proc.poll() is None, "the crawl ended before it could be interrupted"
                assert time.monotonic() < deadline
                time.sleep(0.1)
            if sig == signal.SIGINT:  # Ctrl-C: the helpers get it too
                os.killpg(proc.pid, sig)
            else:  # kill -9 of the crawl process alone
                proc.send_signal(sig)
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return log.read_text()


def check_exactly_once(data: Path, reference: set[str]) -> sqlite3.Connection:
    db = sqlite3.connect(data / "reports.db")
    db.row_factory = sqlite3.Row
    counts = Counter(u for (u,) in db.execute("select url from pages"))
    assert [u for u, n in counts.items() if n > 1] == []
    assert set(counts) == reference
    assert {u for (u,) in db.execute("select url from reports")} == REPORTS
    # Both runs did part of the work.
    per_crawl = dict(db.execute("select crawl_id, count(*) from pages group by crawl_id"))
    assert len(per_crawl) == 2 and min(per_crawl.values()) >= STOP_AFTER // 2
    responses: Counter[str] = Counter()
    kinds = {}
    for path in sorted((data / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                h = rec.rec_headers
                if rec.rec_type == "response":
                    responses[h.get_header("WARC-Target-URI")] += 1
                if rec.rec_type in ("response", "revisit"):
                    kinds[h.get_header("WARC-Record-ID")] = (rec.rec_type,
                                                             h.get_header("WARC-Refers-To"))
    assert [u for u, n in responses.items() if n > 1] == []
    # Every stored page points at its full response, or at a revisit of one.
    for row in db.execute("select url, warc_record_id from pages where warc_record_id is not null"):
        kind, refers_to = kinds[row["warc_record_id"]]
        assert kind == "response" or kinds[refers_to][0] == "response", row["url"]
    return db


def test_resume_after_sigint(web, reference, tmp_path):
    data, jobdir = tmp_path / "data", tmp_path / "job"
    log = interrupted_crawl(web, data, jobdir, signal.SIGINT)
    assert "shutting down gracefully" in log
    # The helpers got the Ctrl-C too: the pages still in flight were archived and cleaned.
    assert [line for line in log.splitlines() if " ERROR: " in line] == []
    proc = crawl(data, web.proxy_url, "-s", f"JOBDIR={jobdir}", "-a", f"start_urls={START}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Resuming crawl" in proc.stderr
    assert "frontier is rebuilt" not in proc.stderr  # a clean stop needs no repair
    # The queue the first run left is counted as the scheduler holds it: never below zero
    # (this run's own enqueued - dequeued was, by what the first run had queued).
    queued = [int(n) for n in re.findall(r"(-?\d+) queued", proc.stderr)]
    assert queued and min(queued) >= 0 and queued[-1] == 0, queued
    db = check_exactly_once(data, reference)
    reasons = [r for (r,) in db.execute("select finish_reason from crawls order by id")]
    assert reasons == ["shutdown", "finished"]


def test_resume_after_sigkill(web, reference, tmp_path):
    data, jobdir = tmp_path / "data", tmp_path / "job"
    interrupted_crawl(web, data, jobdir, signal.SIGKILL)
    assert list((data / "warc").glob("*.open"))  # the killed writer's file
    proc = crawl(data, web.proxy_url, "-s", f"JOBDIR={jobdir}", "-a", f"start_urls={START}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "frontier is rebuilt" in proc.stderr
    db = check_exactly_once(data, reference)
    first, second = db.execute("select finished_at from crawls order by id").fetchall()
    assert first[0] is None and second[0] is not None  # the killed run never closed


def flipped_middles(data: Path, rows: list[sqlite3.Row]) -> None:
    """Flip one bit in the middle of each row's archived record, in place."""
    for row in rows:
        path = data / "warc" / row["warc_file"]
        if not path.exists():  # the killed writer's file, not renamed yet
            path = path.with_name(path.name + ".open")
        with open(path, "r+b") as fh:
            fh.seek(row["warc_offset"] + row["warc_length"] // 2)
            byte = fh.read(1)[0]
            fh.seek(-1, os.SEEK_CUR)
            fh.write(bytes([byte ^ 0x10]))


def readable(data: Path, warc_file: str, offset: int) -> bool:
    path = data / "warc" / warc_file
    return path.exists() and read_entry(path, offset) is not None


def test_resume_refetches_pages_whose_records_are_damaged(web, reference, tmp_path):
    data, jobdir = tmp_path / "data", tmp_path / "job"
    interrupted_crawl(web, data, jobdir, signal.SIGKILL)
    db = sqlite3.connect(data / "reports.db")
    db.row_factory = sqlite3.Row
    pages = db.execute("select url, warc_file, warc_offset, warc_length from pages where "
                       "status = 200 and error is null and warc_file is not null "
                       "order by id").fetchall()
    db.close()
    victims = [pages[len(pages) // 4], pages[len(pages) // 2], pages[-1]]
    flipped_middles(data, victims)
    [killed] = (data / "warc").glob("*.open")
    with open(killed, "ab") as fh:
        fh.write(bytes(range(256)) * 20)  # garbage after the last record

    proc = crawl(data, web.proxy_url, "-s", f"JOBDIR={jobdir}", "-a", f"start_urls={START}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    warned = {m for m in re.findall(r"WARNING: resume: the archived record of (\S+) cannot be "
                                    r"read", proc.stderr)}
    db = sqlite3.connect(data / "reports.db")
    db.row_factory = sqlite3.Row
    [stats] = db.execute("select stats from crawls order by id desc limit 1").fetchone()
    unreadable = json.loads(stats).get("resume/unreadable_records")
    print(f"3 flipped bits + garbage in the killed run's file: {unreadable} records unreadable, "
          "refetched")
    # Each damaged record is named and counted (recovery of the killed file may cut more).
    assert {v["url"] for v in victims} <= warned and unreadable == len(warned), proc.stderr[-3000:]
    # ...and its page fetched again: a readable record for every URL, its links followed.
    fresh = {}
    for row in db.execute("select url, warc_file, warc_offset from pages where crawl_id = "
                          "(select max(id) from crawls) and warc_file is not null"):
        fresh[row["url"]] = readable(data, row["warc_file"], row["warc_offset"])
    assert all(fresh.get(url) for url in warned), {u: fresh.get(u) for u in warned}
    assert {u for (u,) in db.execute("select url from pages")} == reference
    assert {u for (u,) in db.execute("select url from reports")} == REPORTS
    db.close()
