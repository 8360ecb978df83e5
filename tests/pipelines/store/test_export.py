"""`scrapy export` writes the crawl's reports as JSON Lines, CSV and Parquet; `-O` works."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fixtureweb import load_manifest
from fixtureweb.crawl import REPO, SCRAPY, crawl
from tests.faultcrawl import tmpfs


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, web):
    """A crawl of the fixture web, its spider items also fed to -O items.jsonl."""
    data = tmp_path_factory.mktemp("export")
    start = ",".join(site["start_url"] for site in load_manifest()["sites"])
    proc = crawl(data, web.proxy_url, "-a", f"start_urls={start}",
                 "-O", str(data / "items.jsonl"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return data, proc.stderr


def export(data: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([SCRAPY, "export", "-s", f"DATA_DIR={data}", *args],
                          cwd=REPO, capture_output=True, timeout=120)


def reports(data: Path) -> list[dict]:
    con = sqlite3.connect(data / "reports.db")
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("select * from reports order by id")]
    finally:
        con.close()


def test_feed_export_of_the_spiders_items(crawled):
    data, log = crawled
    assert "not JSON serializable" not in log
    items = [json.loads(line) for line in (data / "items.jsonl").read_text("utf-8").splitlines()]
    urls = {r["url"] for r in reports(data)}
    exported = {i["url"] for i in items if (i.get("cleaned") or {}).get("is_report")}
    assert urls and exported == urls
    assert all(i["body"] is None for i in items)  # archived, not exported


def test_jsonl_round_trips_every_report(crawled, tmp_path):
    data, _ = crawled
    out = tmp_path / "reports.jsonl"
    proc = export(data, "--format", "jsonl", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    expected = reports(data)
    assert rows == expected
    assert any("政府工作报告" in r["title"] for r in rows)


def test_csv_with_bom_reads_back_in_excels_encoding(crawled, tmp_path):
    data, _ = crawled
    out = tmp_path / "reports.csv"
    proc = export(data, "--format", "csv", "--bom", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    expected = reports(data)
    assert [r["url"] for r in rows] == [r["url"] for r in expected]
    assert [r["text"] for r in rows] == [r["text"] for r in expected]  # newlines survive


def test_csv_to_standard_output_has_no_bom(crawled):
    data, _ = crawled
    proc = export(data, "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert not proc.stdout.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(io.StringIO(proc.stdout.decode("utf-8"))))[0] == "id"


def test_parquet_round_trips_reports_and_clusters(crawled, tmp_path):
    data, _ = crawled
    out = tmp_path / "reports.parquet"
    assert export(data, "--format", "parquet", "-o", str(out)).returncode == 0
    table = pq.read_table(out).to_pylist()
    assert table == reports(data)
    out = tmp_path / "clusters.parquet"
    assert export(data, "--format", "parquet", "--table", "clusters",
                  "-o", str(out)).returncode == 0
    con = sqlite3.connect(data / "reports.db")
    try:
        n = con.execute("select count(*) from clusters").fetchone()[0]
    finally:
        con.close()
    assert n and pq.read_table(out).num_rows == n


@pytest.mark.parametrize("args, message", [
    (["--format", "parquet"], b"give a file with -o"),
    (["--format", "jsonl", "--bom"], b"--bom applies to csv only"),
    (["-o", "/nonexistent/folder/x.jsonl"], b"no folder /nonexistent/folder"),
])
def test_bad_arguments_are_one_line_errors(crawled, args, message):
    data, _ = crawled
    proc = export(data, *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_missing_database_is_a_one_line_error(tmp_path):
    proc = export(tmp_path)
    assert proc.returncode == 2
    assert b"no database at" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("target", ["/dev/full", "{tmp}", "{tmp}/link.jsonl"])
def test_an_existing_target_that_is_no_regular_file_is_left_alone(crawled, tmp_path, target):
    data, _ = crawled
    (tmp_path / "link.jsonl").symlink_to(tmp_path / "elsewhere.jsonl")
    path = target.format(tmp=tmp_path)
    before = os.lstat(path)
    proc = export(data, "-o", path)
    assert proc.returncode == 2
    assert b"exists and is not a regular file" in proc.stderr
    after = os.lstat(path)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)


def test_a_full_disk_leaves_the_previous_export_whole(crawled, tmp_path):
    data, _ = crawled
    with tmpfs(tmp_path / "small", "16k") as small:
        out = small / "reports.jsonl"
        out.write_text("the previous export\n", encoding="utf-8")
        proc = export(data, "-o", str(out))
        assert proc.returncode == 1, proc.stderr
        assert b"No space left on device" in proc.stderr
        assert out.read_text(encoding="utf-8") == "the previous export\n"
        assert [p.name for p in small.iterdir()] == ["reports.jsonl"]  # no temporary left


def test_a_full_standard_output_is_named(crawled):
    data, _ = crawled
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([SCRAPY, "export", "-s", f"DATA_DIR={data}"], cwd=REPO,
                              stdout=full, stderr=subprocess.PIPE, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (b"scrapy export: error: standard output: "
                                   b"No space left on device")


def test_a_reader_that_stops_early_is_no_error(crawled):
    data, _ = crawled
    proc = subprocess.run(f"'{SCRAPY}' export -s DATA_DIR='{data}' | head -c 10", shell=True,
                          cwd=REPO, capture_output=True, timeout=120)
    assert proc.stdout.startswith(b'{"id": ')
    assert b"Traceback" not in proc.stderr and b"BrokenPipe" not in proc.stderr


@pytest.mark.parametrize("name", ["x.csv.gz", "x.json", "x.tsv", "x.xlsx"])
def test_a_suffix_naming_no_format_is_refused(crawled, tmp_path, name):
    """Not JSON Lines under a name that says gzip, JSON or a spreadsheet."""
    data, _ = crawled
    proc = export(data, "-o", str(tmp_path / name))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    assert lines[0].endswith("unknown format '" + Path(name).suffix
                             + "'; use .csv, .jsonl, .parquet or --format"), lines
    assert list(tmp_path.iterdir()) == []


def test_format_wins_over_any_name(crawled, tmp_path):
    data, _ = crawled
    out = tmp_path / "x.csv.gz"
    proc = export(data, "--format", "csv", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    header, *rows = csv.reader(io.StringIO(out.read_text(encoding="utf-8")))
    assert "url" in header and len(rows) == len(reports(data))
    proc = export(data, "-o", str(tmp_path / "X.CSV"))  # a suffix in capitals names it too
    assert proc.returncode == 0 and b"(csv)" in proc.stderr, proc.stderr
