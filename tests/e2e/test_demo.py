"""`make demo` (python -m fixtureweb.demo): progress and the summary on screen, the log in a file."""

from __future__ import annotations

import re
import subprocess
import sys

from fixtureweb.crawl import REPO
from fixtureweb.loopback import free_port


def test_demo_prints_progress_and_summary_and_logs_to_a_file(tmp_path):
    data = tmp_path / "demo"
    proc = subprocess.run([sys.executable, "-m", "fixtureweb.demo", "--port", str(free_port()),
                           "--data-dir", str(data)], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = proc.stdout
    assert "finished: " in out and "reports found: 5" in out
    assert "warcio check, gzip -t: all files pass" in out
    # Scrapy's banner, settings and stats dump stay in the log file.
    assert "Dumping Scrapy stats" not in out + proc.stderr
    assert len(out.splitlines()) < 60, out
    # The progress line counts failures as the summary does.
    finished = re.search(r"finished: .*?(\d+) failed or skipped", out)
    summary = re.search(r"pages: \d+ \(\d+ fetched, (\d+) failed or skipped\)", out)
    assert finished and summary, out
    assert finished.group(1) == summary.group(1) != "0"
    log = (data / "crawl.log").read_text("utf-8")
    assert "Dumping Scrapy stats" in log and "Spider closed (finished)" in log
