"""Paths named like WARC files that are none — a link to nothing (a merged worker folder gone),
a folder, a FIFO — are named and left out by extract, summary, the index and the package,
never read (a FIFO would keep its reader waiting forever) and never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from archive import wacz
from archive.index import build_cdxj
from archive.reader import not_files, warc_files
from fixtureweb.crawl import REPO
from tests.archive.test_replay import SCRAPY
from tests.archive.test_replay_damaged import VENV, data_dir, good

__all__ = ["good"]  # the module-scoped crawl, shared with test_replay_damaged


def with_odd_paths(data: Path) -> dict[str, str]:
    """Add the three kinds to data/warc; their names and what each should be called."""
    warc = data / "warc"
    (warc / "gone.warc.gz").symlink_to(data / "elsewhere" / "w.warc.gz")
    (warc / "folder.warc.gz").mkdir()
    os.mkfifo(warc / "pipe.warc.gz")
    return {"gone.warc.gz": "which does not exist", "folder.warc.gz": "a folder",
            "pipe.warc.gz": "a FIFO"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # A FIFO given to a reader would block it: the timeout turns that into a failure.
    return subprocess.run([SCRAPY, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def test_they_are_listed_apart_from_the_warc_files(good, tmp_path):
    data = data_dir(tmp_path, {}, good)
    odd = with_odd_paths(data)
    assert [p.name for p in warc_files(data / "warc")] == \
        sorted(p.name for p in (good / "warc").glob("*.warc.gz"))
    named = {p.name: why for p, why in not_files(data / "warc")}
    assert set(named) == set(odd)
    for name, word in odd.items():
        assert word in named[name], named


def test_extract_names_them_and_reads_the_rest(good, tmp_path):
    data = data_dir(tmp_path, {}, good)
    odd = with_odd_paths(data)
    proc = run("extract", "-s", f"DATA_DIR={data}", "--workers", "1")
    assert proc.returncode == 1, proc.stderr[-3000:]  # something was not read
    assert "Traceback" not in proc.stderr
    for name, word in odd.items():
        assert any(line.startswith(f"not read: {name}: ") and word in line
                   for line in proc.stderr.splitlines()), proc.stderr[-3000:]
    # Every archived page of the crawl was read all the same.
    con = sqlite3.connect(good / "reports.db")
    archived, = con.execute("select count(*) from pages where warc_file is not null").fetchone()
    con.close()
    assert proc.stdout.startswith("rebuilt ") and f": {archived} pages," in proc.stdout


def test_summary_names_them(good, tmp_path):
    data = data_dir(tmp_path, {}, good)
    (data / "reports.db").write_bytes((good / "reports.db").read_bytes())
    odd = with_odd_paths(data)
    proc = run("summary", "-s", f"DATA_DIR={data}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in odd:
        assert f"not a WARC file: {name}: " in proc.stdout, proc.stdout


def test_replay_index_and_package_leave_them_out(good, tmp_path):
    data = data_dir(tmp_path, {}, good)
    (data / "reports.db").write_bytes((good / "reports.db").read_bytes())
    odd = with_odd_paths(data)
    said: list[str] = []
    index = build_cdxj(data, VENV, warn=said.append, say=lambda line: None)
    assert index.stat().st_size > 0
    assert sorted(line.split(":")[1].strip() for line in said) == sorted(odd), said
    said.clear()
    out, _, left_out = wacz.create(data, VENV, allow_damaged=True, warn=said.append,
                                   say=lambda line: None)
    assert out.is_file() and sorted(left_out) == sorted(odd)
    assert all(line.startswith("damaged: ") for line in said), said


def test_wacz_counts_the_pages_it_packaged(good, tmp_path):
    # A report whose records are in no packaged file is not in the package's pages: the
    # count said is the package's, and the reports missing from it are named.
    from warcio.archiveiterator import ArchiveIterator
    from warcio.warcwriter import WARCWriter

    con = sqlite3.connect(good / "reports.db")
    reports = [url for (url,) in con.execute("select url from reports order by url")]
    con.close()
    dropped = reports[0]
    data = tmp_path / "data"
    (data / "warc").mkdir(parents=True)
    (data / "reports.db").write_bytes((good / "reports.db").read_bytes())
    with open(data / "warc" / "part.warc.gz", "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for warc in sorted((good / "warc").glob("*.warc.gz")):
            with open(warc, "rb") as fh:
                for record in ArchiveIterator(fh):
                    if record.rec_headers.get_header("WARC-Target-URI") != dropped:
                        writer.write_record(record)
    said: list[str] = []
    out, listed, _ = wacz.create(data, VENV, warn=said.append, say=lambda line: None)
    assert listed == len(reports) - 1
    assert said == [f"1 of the database's {len(reports)} reports are not in the package: "
                    "their records are in none of its WARC files"]
