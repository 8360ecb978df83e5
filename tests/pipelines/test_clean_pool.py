"""CleanPipeline off the reactor: cleaning in worker processes gives the inline results, a
dead worker's pages are tried once more on a new one (a page that kills two is a recorded
failure, never lost), and the workers go away on close."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scrapy.settings import Settings

from archive.extract import _Run
from pipelines.clean_pipeline import CleanPipeline
from pipelines.page import Fetch, Page
from tests.paths import PAGES, REPO


def pipeline(workers: int) -> CleanPipeline:
    run = _Run(Settings({"CLEAN_ENABLED": True, "CLEAN_WORKERS": workers}))
    p = CleanPipeline.from_crawler(run)  # type: ignore[arg-type]
    asyncio.run(p.open_spider())
    return p


def page(name: str) -> Page:
    url = f"http://www.example.gov.cn/{name}"
    return Page(url=url, status=200, content_type="text/html", body=(PAGES / name).read_bytes(),
                fetches=[Fetch(url, 200)])


def cleaned(p: CleanPipeline, pages: list[Page]) -> list[Page]:
    async def run() -> list[Page]:
        return list(await asyncio.gather(*(p.process_item(x) for x in pages)))
    return asyncio.run(run())


@pytest.fixture
def pool2():
    p = pipeline(2)
    yield p
    p.close_spider()


def names() -> list[str]:
    return sorted(x.name for x in PAGES.glob("*.html"))


def test_workers_give_the_inline_results(pool2):
    inline = pipeline(0)
    assert not inline.helpers and len(pool2.helpers) == 2
    want = cleaned(inline, [page(n) for n in names()])
    got = cleaned(pool2, [page(n) for n in names()])
    assert any(x.cleaned.is_report for x in want) and all(x.cleaned for x in want)
    assert [x.cleaned for x in got] == [x.cleaned for x in want]
    # Reports come back with their near-duplicate fingerprint, and nothing else does.
    assert [x.fingerprint for x in got] == [x.fingerprint for x in want]
    assert all((x.fingerprint is not None) == x.cleaned.is_report for x in got)
    assert pool2.stats.get_value("clean/pages") == len(names())
    assert pool2.stats.get_value("clean/reports") == inline.stats.get_value("clean/reports")
    # ...and the results really came from the workers, which now have the cleaner's tables.
    assert all(h.process.pid != os.getpid() and h.pending == 0 for h in pool2.helpers)


def test_clean_result_survives_pickling():
    result = cleaned(pipeline(0), [page("report_gbk.html")])[0].cleaned
    assert result.is_report and result.removals
    assert pickle.loads(pickle.dumps(result)) == result


def test_a_dead_workers_page_is_cleaned_by_a_new_one(pool2):
    cleaned(pool2, [page("report_gov.html")])  # the workers are up
    dead = [h.process for h in pool2.helpers]
    for process in dead:
        process.kill()
        process.join()
    again = cleaned(pool2, [page("report_gov.html")])[0]
    assert again.cleaned.is_report and not again.cleaned.errors
    assert pool2.stats.get_value("clean/worker_retries") == 1
    assert pool2.stats.get_value("clean/worker_errors") is None
    # Both dead workers were replaced, by live ones.
    assert all(h.alive and h.process not in dead for h in pool2.helpers)


def test_a_page_whose_workers_keep_dying_is_a_recorded_failure(pool2, monkeypatch):
    cleaned(pool2, [page("report_gov.html")])  # the workers are up

    def kill_all() -> None:
        for helper in pool2.helpers:
            helper.process.kill()
            helper.process.join()
    kill_all()
    # Every new worker dies too (as under a page that kills whoever cleans it).
    restarted = type(pool2.helpers[0]).restarted

    def dying(self, wait=True):
        new = restarted(self, wait)
        new.process.kill()
        new.process.join()
        return new
    monkeypatch.setattr(type(pool2.helpers[0]), "restarted", dying)
    lost = cleaned(pool2, [page("report_gov.html")])[0]
    assert lost.cleaned is not None and not lost.cleaned.is_report
    assert any("clean worker failed" in e for e in lost.cleaned.errors)
    assert pool2.stats.get_value("clean/worker_retries") == 1
    assert pool2.stats.get_value("clean/worker_errors") == 1
    assert pool2.stats.get_value("clean/errors") == 1
    monkeypatch.undo()
    kill_all()
    pool2._replace_dead()
    ok = cleaned(pool2, [page("report_gov.html")])[0]  # fresh workers take over
    assert ok.cleaned.is_report and not ok.cleaned.errors


def test_close_stops_the_workers():
    p = pipeline(2)
    # Every worker is up once the spider is open, before any page.
    procs = [h.process for h in p.helpers]
    assert len(procs) == 2 and all(x.is_alive() for x in procs)
    cleaned(p, [page("news_distractor.html")])
    p.close_spider()
    assert not p.helpers and not any(x.is_alive() for x in procs)


def test_other_items_and_unfetched_pages_pass_through(pool2):
    other = {"not": "a page"}
    failed = Page(url="http://www.example.gov.cn/x", status=404, body=b"gone")
    assert cleaned(pool2, [other, failed]) == [other, failed]  # type: ignore[list-item]
    assert failed.cleaned is None


START_AND_WAIT = """
import sys, time
from pipelines.store import writer as dbwriter
from pipelines.clean_pipeline import start_helpers
fork = sys.argv[1] == "fork"
helpers = start_helpers(2, fork=fork)
helpers.append(dbwriter.start(dbwriter.Target(sys.argv[2], None), fork=fork))
print(*(h.process.pid for h in helpers), flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("start", ["forkserver", "fork"])
def test_workers_exit_when_their_crawl_is_killed(start, tmp_path):
    # A crawl killed with SIGKILL never shuts its workers down: they must notice.  Forked
    # ones (scrapy extract) hold copies of every owner's pipe ends, and must not keep one
    # another waiting.
    proc = subprocess.Popen([sys.executable, "-c", START_AND_WAIT, start,
                             str(tmp_path / "x.db")], cwd=REPO, stdout=subprocess.PIPE,
                            text=True)
    workers: list[int] = []
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]  # type: ignore[union-attr]
        assert len(workers) == 3 and all(alive(p) for p in workers)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while any(alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(p) for p in workers)
    finally:
        proc.kill()
        for pid in workers:  # if the test failed, leave no stray processes behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_cleaning_workers_give_way_to_the_writers_and_both_to_their_owner(tmp_path):
    from pipelines.clean_pipeline import start_helpers
    from pipelines.store import writer as dbwriter

    workers = start_helpers(1)
    writer = dbwriter.start(dbwriter.Target(tmp_path / "x.db", None))
    try:
        own = nice(os.getpid())
        assert own < nice(writer.process.pid) < nice(workers[0].process.pid)
    finally:
        workers[0].close()
        writer.close(dbwriter.close)


def _spawned_children() -> set[int]:
    """This process's children that multiprocessing spawned (not its resource tracker)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != os.getpid():
                continue
            if b"spawn_main" in (stat.parent / "cmdline").read_bytes():
                found.add(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def test_a_worker_killed_while_it_starts_is_started_once_more():
    import threading

    from pipelines.clean_pipeline import start_helpers
    from pipelines.clean_worker import clean_fetched

    before = _spawned_children()
    killed: list[int] = []

    def kill_the_first_to_start() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for pid in _spawned_children() - before:
                os.kill(pid, signal.SIGKILL)  # it takes most of a second to load: mid-start
                killed.append(pid)
                return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_the_first_to_start)
    killer.start()
    (worker,) = start_helpers(1)  # a lone worker: spawned, as in a crawl on two cores
    killer.join()
    try:
        assert killed and worker.process.pid != killed[0] and worker.alive

        async def clean_one() -> object:
            body = "<html><body><p>各位代表：现在我代表市人民政府向大会报告工作。</p></body></html>"
            return await worker.call(clean_fetched, body.encode(), "http://a.gov.cn/x.html",
                                     {"Content-Type": "text/html; charset=utf-8"}, True)

        result, _, _ = asyncio.run(clean_one())
        assert "各位代表" in result.text
    finally:
        worker.close()
