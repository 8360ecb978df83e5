"""`scrapy wacz` packages a crawl as a WACZ that py-wacz's own validator accepts."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

from archive.index import tool
from fixtureweb.crawl import REPO, crawl_fixture_web
from tests.e2e.test_archive_crawl import REPORT_URLS

SCRAPY = str(Path(sys.executable).with_name("scrapy"))


def test_wacz_validates_and_lists_the_reports(tmp_path):
    crawl_fixture_web(tmp_path)
    proc = subprocess.run([SCRAPY, "wacz", "-s", f"DATA_DIR={tmp_path}"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wacz = tmp_path / "reports.wacz"
    # Validated again here with py-wacz itself, independently of the command's own check.
    check = subprocess.run([str(tool(".venv-pywb", "wacz")), "validate", "-f", str(wacz)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    with zipfile.ZipFile(wacz) as z:
        names = set(z.namelist())
        assert "pages/pages.jsonl" in names and "datapackage.json" in names
        assert any(n.startswith("indexes/") for n in names)
        warcs = {n.removeprefix("archive/") for n in names if n.startswith("archive/")}
        lines = z.read("pages/pages.jsonl").decode("utf-8").splitlines()
    assert warcs == {p.name for p in (tmp_path / "warc").glob("*.warc.gz")}
    header, *pages = (json.loads(line) for line in lines)
    assert header["format"] == "json-pages-1.0"
    db = sqlite3.connect(tmp_path / "reports.db")
    titles = dict(db.execute("select url, title from reports"))
    assert set(titles) == REPORT_URLS
    assert {p["url"]: p["title"] for p in pages} == titles
    assert all(len(p["ts"]) >= 14 for p in pages)  # the capture each page opens on


def test_wacz_without_warcs_is_a_clear_error(tmp_path):
    proc = subprocess.run([SCRAPY, "wacz", "-s", f"DATA_DIR={tmp_path}"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "no WARC files" in proc.stderr + proc.stdout
