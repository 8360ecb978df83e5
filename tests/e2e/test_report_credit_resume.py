"""A crawl of a report-link farm, stopped (SIGTERM) and resumed with the same JOBDIR, fetches
no more false-report pages in all than one uninterrupted crawl may: the report credit and
the page budget the first run spent are kept in the JOBDIR (spider.state), not granted
again to the resumed run."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from fixtureweb.server import FixtureHandler, running
from tests.e2e.test_report_trap_e2e import BUDGET, MAX_FALSE, TRAP_HOST, farm
from tests.faultcrawl import exit_code, start_crawl

SERVED_BEFORE_THE_STOP = 3  # farm pages answered before the farm holds every request
DEADLINE = 300  # seconds: a loaded machine is slow, a hang never ends


class HeldFarm:
    """The link farm, which holds its pages after the first few until released: the crawl
    is stopped while it still has far more report links queued than its credit."""

    def __init__(self) -> None:
        self.served = 0
        self.lock = threading.Lock()
        self.holding = threading.Event()  # a request is being held
        self.released = threading.Event()

    def __call__(self, handler: FixtureHandler, head: bool) -> bool:
        parts = urlsplit(handler.path)
        if (parts.hostname or "").lower() == TRAP_HOST and parts.path.startswith("/xxgk/"):
            with self.lock:
                self.served += 1
                hold = self.served > SERVED_BEFORE_THE_STOP
            if hold:
                self.holding.set()
                self.released.wait(DEADLINE)
        return farm(handler, head)


def wait_for(condition, what: str) -> None:
    end = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < end, f"never happened: {what}"
        time.sleep(0.1)


def false_reports(db_path: Path) -> set[str]:
    """The farm's report-looking pages stored (none of them is a report)."""
    with sqlite3.connect(db_path) as db:
        return {u for (u,) in db.execute("select url from pages")
                if urlsplit(u).hostname == TRAP_HOST and urlsplit(u).path.startswith("/xxgk/")}


def crawl_args(jobdir: Path) -> list[str]:
    return ["-a", f"start_urls=http://{TRAP_HOST}/", "-s", f"JOBDIR={jobdir}",
            "-s", f"DISCOVERY_MAX_PAGES={BUDGET}", "-s", f"DISCOVERY_MAX_FALSE_REPORTS={MAX_FALSE}"]


def test_a_resumed_link_farm_crawl_gets_no_fresh_credit(tmp_path):
    data, jobdir = tmp_path / "data", tmp_path / "job"
    held = HeldFarm()
    with running(hook=held) as web:
        log1 = tmp_path / "run-1.log"
        proc = start_crawl(data, web.proxy_url, log1, *crawl_args(jobdir))
        try:
            wait_for(lambda: held.holding.is_set() or proc.poll() is not None,
                     "the farm holding a request")
            assert proc.poll() is None, log1.read_text()[-3000:]
            proc.send_signal(signal.SIGTERM)
            wait_for(lambda: "shutting down gracefully" in log1.read_text()
                     or proc.poll() is not None, "the crawl hearing SIGTERM")
        finally:
            held.released.set()
        assert exit_code(proc, DEADLINE) == 0, log1.read_text()[-3000:]
        text = log1.read_text()
        assert "Spider closed (shutdown)" in text, text[-3000:]
        assert "led to no report" in text, "the credit was not spent before the stop"
        first = false_reports(data / "reports.db")

        log2 = tmp_path / "run-2.log"
        proc = start_crawl(data, web.proxy_url, log2, *crawl_args(jobdir))
        assert exit_code(proc, DEADLINE) == 0, log2.read_text()[-3000:]
    text = log2.read_text()
    assert "Spider closed (finished)" in text, text[-3000:]
    assert "resumed the page budget of 1 sites" in text, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
    both = false_reports(data / "reports.db")
    assert len(both) > len(first), "the resumed run fetched nothing: not a resume"
    # As one uninterrupted crawl (tests/e2e/test_report_trap_e2e.py): free report links up to
    # MAX_FALSE while none is a report, then the page budget.
    assert len(both) <= MAX_FALSE + BUDGET, (len(first), len(both))
