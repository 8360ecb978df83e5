"""`scrapy summary --plots DIR`: reports per year by province and the coverage heat map as
PNG files, with Chinese labels when a CJK font is installed and without one when not."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
import sqlite_utils

from fixtureweb.crawl import REPO, SCRAPY
from pipelines.clean.result import CleanResult
from pipelines.page import Fetch, Page
from pipelines.store import governments, plots
from pipelines.store.db import open_db
from pipelines.store.record import record_page

# (region, year) of each report: two provinces, three years, one region unknown.
REPORTS = [("洮南市", 2021), ("洮南市", 2022), ("北票市", 2022), ("北镇市", 2023), (None, 2023)]


@pytest.fixture
def data_dir(tmp_path) -> Path:
    db = open_db(tmp_path / "reports.db")
    for i, (region, year) in enumerate(REPORTS):
        url = f"http://www.example.gov.cn/{i}.html"
        fetch = Fetch(url, 200, "2023-01-12T08:30:15Z", warc_file="a.warc.gz", warc_offset=i,
                      warc_length=1)
        record_page(db, Page(url=url, status=200, fetches=[fetch], cleaned=CleanResult(
            is_report=True, title=f"{year}年政府工作报告", text="政府工作报告正文。" * 20,
            region=region, year=year)))
        db["clusters"].insert({"region": region, "year": year, "n_copies": 1, "chars": 180,
                               "has_government": 1})
    db.close()
    return tmp_path


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_counts_behind_the_charts(data_dir):
    db = sqlite_utils.Database(data_dir / "reports.db")
    assert plots.reports_per_year(db) == {"吉林省": {2021: 1, 2022: 1},
                                          "辽宁省": {2022: 1, 2023: 1}, "?": {2023: 1}}
    coverage = plots.coverage_by_province(db)
    # Every province, in code order, each year counting all its governments.
    assert list(coverage)[:2] == ["北京市", "天津市"] and len(coverage) == 31
    for year in (2021, 2022, 2023):
        assert sum(coverage[p][year][1] for p in coverage) == len(governments.rows())
    assert coverage["吉林省"][2021][0] == coverage["吉林省"][2022][0] == 1
    assert coverage["辽宁省"][2022][0] == coverage["辽宁省"][2023][0] == 1
    assert coverage["辽宁省"][2021][0] == 0


def test_summary_draws_the_charts(data_dir, tmp_path):
    out = tmp_path / "plots" / "new"
    proc = subprocess.run([SCRAPY, "summary", "-s", f"DATA_DIR={data_dir}", "--plots", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # The summary as before, then the files.
    assert "reports found: 5" in proc.stdout
    written = [out / plots.PER_YEAR, out / plots.COVERAGE]
    assert proc.stdout.rstrip().endswith("\n".join(f"  {p}" for p in written))
    assert png_size(written[0]) == (1000, 600)
    width, height = png_size(written[1])
    assert height > 31 * 25  # a row per province
    for path in written:
        assert path.stat().st_size > 20_000


def test_plots_to_a_file_is_a_one_line_error(data_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = subprocess.run([SCRAPY, "summary", "-s", f"DATA_DIR={data_dir}", "--plots",
                           str(blocker)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"scrapy summary: error: --plots {blocker}: File exists"]


def test_a_cjk_font_is_found_when_installed():
    found = subprocess.run(["fc-list", ":lang=zh-cn", "file"], capture_output=True,
                           text=True).stdout.strip()
    if not found:
        pytest.skip("no CJK font installed (`make browser-deps` installs fonts-noto-cjk)")
    assert "CJK" in (plots.cjk_font() or "")


def test_without_a_cjk_font_the_charts_are_still_drawn(data_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(plots, "_fontconfig_cjk", lambda: [])
    monkeypatch.setattr(plots, "DEBIAN_CJK", (tmp_path / "missing.ttc",))
    plots.cjk_font.cache_clear()
    try:
        assert plots.cjk_font() is None
        db = sqlite_utils.Database(data_dir / "reports.db")
        written = plots.write_plots(db, tmp_path / "out")
        assert [p.name for p in written] == [plots.PER_YEAR, plots.COVERAGE]
    finally:
        plots.cjk_font.cache_clear()
