"""The JOBDIR's disk fills during a crawl (hostile-7 F7): the crawl stops, loses nothing,
resumes.

The JOBDIR is a real tmpfs too small for the crawl's request queue (root is needed; the test
is skipped where mounting is refused).  Scrapy's disk-queue push then failed inside the
engine's scheduling task: the request was dropped, the error was an asyncio "Task exception
was never retrieved" traceback, and the crawl hung with nothing left to fetch.  Now the crawl
must stop as for a full WARC or database disk (crawler/scheduler.py): exit code 1, a finish
reason and one ERROR line naming the JOBDIR, no traceback, no process left, the JOBDIR not
marked done; once the filesystem is made bigger, the same command with the same JOBDIR
fetches the rest, and the two runs together equal one uninterrupted crawl.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

from scrapy import Request, Spider
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.resume import MARKER
from crawler.scheduler import queue_damage
from crawler.spiderstate import JobdirSpiderState
from tests.faultcrawl import (
    START,
    check_archive,
    check_complete,
    exit_code,
    group_members,
    marker,
    resize,
    start_crawl,
    stored,
    tmpfs,
)

# Room for the resume marker, the seen set and the queued requests of the first few dozen
# pages (the queue's files only grow during a run): the disk fills mid-crawl.
JOBDIR_SIZE = "64k"
DEADLINE = 300  # seconds: a loaded machine is slow, a hang never ends


def run(web, data, jobdir, log):
    proc = start_crawl(data, web.proxy_url, log, "-s", f"JOBDIR={jobdir}",
                       "-s", "CONCURRENT_REQUESTS=4", "-a", f"start_urls={START}")
    code = exit_code(proc, DEADLINE)
    assert group_members(proc.pid) == []
    return code, log.read_text()


def test_jobdir_disk_fills(web, reference, tmp_path):
    data = tmp_path / "data"
    with tmpfs(tmp_path / "small", JOBDIR_SIZE) as full:
        jobdir = full / "job"
        code, text = run(web, data, jobdir, tmp_path / "run-1.log")
        assert code == 1, text[-3000:]
        assert "Spider closed (jobdir_write_failed)" in text, text[-3000:]
        errors = [line for line in text.splitlines() if " ERROR: " in line]
        assert any(f"jobdir_write_failed: the JOBDIR {jobdir}" in line
                   and "No space left on device" in line for line in errors), errors
        assert "Traceback" not in text and "never retrieved" not in text, text[-3000:]
        assert marker(jobdir)["running"], "the JOBDIR was marked done"
        db = check_archive(data / "warc", data / "reports.db")
        kept = db.execute("select count(*) from pages").fetchone()[0]
        db.close()
        assert 0 < kept < len(reference), "the JOBDIR did not fill mid-crawl"

        resize(full, "64m")
        code, text = run(web, data, jobdir, tmp_path / "run-2.log")
        assert code == 0, text[-3000:]
        assert "frontier is rebuilt" in text
        assert "Traceback" not in text, text[-3000:]
        assert not marker(jobdir)["running"]
    check_complete(data / "warc", data / "reports.db", reference).close()


def fill(disk: Path) -> None:
    """Take every free byte of a tmpfs."""
    with open(disk / "filler", "wb", buffering=0) as fh, contextlib.suppress(OSError):
        while True:
            fh.write(os.urandom(4096))


def jobdir_crawler(jobdir: Path):
    settings = {name: getattr(project_settings, name) for name in (
        "SCHEDULER", "DUPEFILTER_CLASS", "SCHEDULER_DISK_QUEUE", "SCHEDULER_MEMORY_QUEUE")}
    # Scrapy's default priority queue asks the engine for its downloader: none here.
    crawler = get_crawler(Spider, {**settings, "JOBDIR": str(jobdir),
                                   "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue"})
    crawler.spider = crawler._create_spider("s")
    return crawler


def test_no_request_is_lost_on_a_full_jobdir(tmp_path):
    """The queue's and the seen set's writes fail: every request still comes out, once."""
    with tmpfs(tmp_path / "small", "64k") as full:
        crawler = jobdir_crawler(full / "job")
        scheduler = load_object(project_settings.SCHEDULER).from_crawler(crawler)
        scheduler.open(crawler.spider)
        urls = [f"http://a.cn/{i}" for i in range(1000)]
        for url in urls[:10]:
            assert scheduler.enqueue_request(Request(url))
        fill(full)
        for url in urls[10:] + urls[:10]:  # the first ten again: duplicates, filtered
            scheduler.enqueue_request(Request(url))
        out = []
        while (request := scheduler.next_request()) is not None:
            out.append(request.url)
        scheduler.close("finished")
    assert sorted(out) == sorted(urls)
    stats = crawler.stats
    assert stats.get_value("write_failed") == "jobdir_write_failed"
    # What the disk could take went there (whole requests only), the rest into memory.
    assert stats.get_value("scheduler/enqueued") == len(urls)
    assert stats.get_value("scheduler/enqueued/disk") >= 10
    assert stats.get_value("scheduler/enqueued/memory") > 0
    # The seen set's buffered writes failed too once its buffer had to go to disk.
    assert stats.get_value("write_failed/jobdir_write_failed") > 1


def test_a_full_jobdir_keeps_the_spider_state(tmp_path):
    """spider.state cannot be written: the previous state stays whole and readable."""
    with tmpfs(tmp_path / "small", "16k") as full:
        crawler = jobdir_crawler(full / "job")
        ext = JobdirSpiderState.from_crawler(crawler)
        spider = crawler.spider
        ext.spider_opened(spider)
        spider.state["page"] = 1
        ext.spider_closed(spider)
        assert crawler.stats.get_value("write_failed") is None
        fill(full)
        spider.state["page"] = 2
        ext.spider_closed(spider)
        assert crawler.stats.get_value("write_failed") == "jobdir_write_failed"
        again = crawler._create_spider("s")
        ext.spider_opened(again)
        assert again.state == {"page": 1}


def check_stopped_at_start(code: int, text: str, jobdir: Path) -> None:
    assert code == 1, text[-3000:]
    assert "Spider closed (jobdir_write_failed)" in text, text[-3000:]
    errors = [line for line in text.splitlines() if " ERROR: " in line]
    assert len(errors) == 1 and f"jobdir_write_failed: the JOBDIR {jobdir}" in errors[0] \
        and "No space left on device" in errors[0], errors
    assert "Traceback" not in text and "never retrieved" not in text, text[-3000:]


def test_jobdir_full_before_the_run(web, reference, tmp_path):
    """The JOBDIR's disk is full when the run starts: the resume marker cannot be written.
    The crawl stops as for any JOBDIR write failure, fetching nothing; once there is room,
    the same command goes on as after the killed run it follows."""
    data = tmp_path / "data"
    with tmpfs(tmp_path / "small", JOBDIR_SIZE) as full:
        fresh, resumed = full / "fresh", full / "job"
        # A killed run's JOBDIR: its marker still says running.
        proc = start_crawl(data, web.proxy_url, tmp_path / "killed.log", "-s",
                           f"JOBDIR={resumed}", "-a", f"start_urls={START}")
        deadline = time.monotonic() + DEADLINE
        while not (resumed / MARKER).exists() and proc.poll() is None:
            assert time.monotonic() < deadline, "the crawl never wrote its marker"
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert marker(resumed)["running"]
        fill(full)

        code, text = run(web, data, fresh, tmp_path / "fresh.log")
        check_stopped_at_start(code, text, fresh)
        code, text = run(web, data, resumed, tmp_path / "run-1.log")
        check_stopped_at_start(code, text, resumed)
        assert marker(resumed)["running"], "the JOBDIR was marked done"
        assert "response_received_count" not in text

        resize(full, "64m")
        code, text = run(web, data, resumed, tmp_path / "run-2.log")
        assert code == 0, text[-3000:]
        assert "frontier is rebuilt" in text
        assert "Traceback" not in text, text[-3000:]
        assert not marker(resumed)["running"]
    check_complete(data / "warc", data / "reports.db", reference).close()


def stopped_run(web, data: Path, jobdir: Path, log: Path) -> None:
    """A run stopped by SIGTERM once a few pages are stored: it closes cleanly, leaving
    requests in its queue on disk and its page budget in spider.state."""
    proc = start_crawl(data, web.proxy_url, log, "-s", f"JOBDIR={jobdir}",
                       "-s", "DOWNLOAD_DELAY=0.3", "-a", f"start_urls={START}")
    deadline = time.monotonic() + DEADLINE
    while stored(data / "reports.db") < 5 and proc.poll() is None:
        assert time.monotonic() < deadline, "the crawl stored nothing"
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGTERM)
    assert exit_code(proc, DEADLINE) == 0, log.read_text()[-3000:]
    assert not marker(jobdir)["running"]
    queued = [json.loads(p.read_text())["size"] for p in jobdir.rglob("info.json")]
    assert sum(queued) > 0, "the run was stopped with nothing left queued"


def empty_files(jobdir: Path) -> list[Path]:
    return [p for p in jobdir.rglob("*") if p.is_file() and p.stat().st_size == 0]


def test_jobdir_full_at_a_resumed_start_keeps_queue_and_state(web, reference, tmp_path):
    """Hostile s9 F14: the disk of a stopped job's JOBDIR is full when it is resumed.  The
    run stops with one ERROR line, no traceback, and leaves the JOBDIR as it was: no queue
    state emptied, spider.state (the page budget) not overwritten.  With room again the
    job goes on with its saved budget and ends as one uninterrupted crawl."""
    data = tmp_path / "data"
    with tmpfs(tmp_path / "small", "2m") as disk:
        jobdir = disk / "job"
        stopped_run(web, data, jobdir, tmp_path / "stopped.log")
        state = (jobdir / "spider.state").read_bytes()
        empty_before = empty_files(jobdir)
        fill(disk)

        code, text = run(web, data, jobdir, tmp_path / "full.log")
        assert code == 1, text[-3000:]
        assert "Spider closed (jobdir_write_failed)" in text, text[-3000:]
        errors = [line for line in text.splitlines() if " ERROR: " in line]
        assert len(errors) == 1 and f"jobdir_write_failed: the JOBDIR {jobdir}" in errors[0], \
            errors
        assert "Traceback" not in text and "never retrieved" not in text, text[-3000:]
        assert (jobdir / "spider.state").read_bytes() == state
        assert empty_files(jobdir) == empty_before
        assert queue_damage(jobdir / "requests.queue") is None

        (disk / "filler").unlink()
        code, text = run(web, data, jobdir, tmp_path / "resumed.log")
        assert code == 0, text[-3000:]
        assert "resumed the page budget" in text, text[-3000:]
        assert "Traceback" not in text and "cannot be read" not in text, text[-3000:]
    check_complete(data / "warc", data / "reports.db", reference).close()


def test_an_unreadable_queue_is_rebuilt(web, reference, tmp_path):
    """A queue state file left empty (as a full disk left it before the aside writes) is a
    damaged frontier: the next run rebuilds it from the stored pages, as after a killed run,
    and keeps the saved page budget."""
    data, jobdir = tmp_path / "data", tmp_path / "job"
    stopped_run(web, data, jobdir, tmp_path / "stopped.log")
    info = next(p for p in sorted(jobdir.rglob("info.json"))
                if json.loads(p.read_text())["size"] > 0)
    info.write_bytes(b"")
    code, text = run(web, data, jobdir, tmp_path / "resumed.log")
    assert code == 0, text[-3000:]
    assert "request queue that cannot be read" in text and "frontier is rebuilt" in text, \
        text[-3000:]
    assert "resumed the page budget" in text, text[-3000:]
    assert "Traceback" not in text and " ERROR: " not in text, text[-3000:]
    check_complete(data / "warc", data / "reports.db", reference).close()
