"""`scrapy extract --keep-db` stopped half-way (Ctrl-C, pressed twice by an impatient user, or
SIGTERM): exit code 130, one line saying what the database holds, its crawls row marked
'interrupted' with the pages it really holds, and no process left behind (a second Ctrl-C
during shutdown once left the owner and its workers waiting on each other's pipes).  Without
--keep-db the database is left as it was: tests/e2e/test_extract_replace.py."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from fixtureweb.crawl import REPO, SCRAPY
from tests.e2e.test_extract_disk_full import archive


def _signal_group_twice(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends: every process
    os.killpg(proc.pid, signal.SIGINT)


def _terminate(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)  # what a scheduler or `kill` sends: the owner alone


@pytest.mark.parametrize("stop", [_signal_group_twice, _terminate])
def test_an_interrupted_extract_says_so_and_leaves_nothing_running(tmp_path: Path, stop) -> None:
    archive(tmp_path / "data" / "warc", 3000, files=30)
    db = tmp_path / "data" / "reports.db"
    proc = subprocess.Popen(
        [SCRAPY, "extract", "-s", f"DATA_DIR={tmp_path / 'data'}", "-s", "PROGRESS_INTERVAL=0.1",
         "--workers", "2", "--keep-db"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        # Stopped once pages are being recorded: the event, not a guess at how long it takes.
        for line in proc.stderr:  # type: ignore[union-attr]
            if line.startswith("extract: ") and " 0 pages," not in line:
                break
        else:
            pytest.fail("extract ended before recording a page")
        stop(proc)
        _, rest = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    group = subprocess.run(["ps", "-o", "stat=", "-g", str(proc.pid)],
                           capture_output=True, text=True).stdout.split()
    assert all(stat.startswith("Z") for stat in group), group
    assert proc.returncode == 130, rest[-3000:]
    assert "rebuilt " not in rest
    assert "Traceback" not in rest, rest[-3000:]
    assert rest.strip().splitlines()[-1].startswith("scrapy extract: interrupted;"), rest[-3000:]
    with sqlite3.connect(db) as con:
        reason, counted = con.execute("select finish_reason, pages from crawls").fetchone()
        held = con.execute("select count(*) from pages").fetchone()[0]
    assert reason == "interrupted"
    assert 0 < held < 3000
    assert counted == held
