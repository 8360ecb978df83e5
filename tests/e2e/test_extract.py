"""`scrapy extract` rebuilds the database from the WARC files alone, surviving damaged files."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from fixtureweb.crawl import REPO, crawl_fixture_web
from tests.e2e.test_archive_crawl import REPORT_URLS, records
from tests.shared import CORPUS as SHARED_CORPUS

SCRAPY = str(Path(sys.executable).with_name("scrapy"))

CORPUS = SHARED_CORPUS / "warc"
# Surrogate keys and crawl bookkeeping: not in the WARC, numbered by whoever writes the rows
# (text_id: the id of the first report with the same text, pipelines/store/searchindex.py).
NOT_IN_WARC = {"id", "page_id", "crawl_id", "text_id"}


def extract(data: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRAPY, "extract", "-s", f"DATA_DIR={data}", "-s",
                           "PROGRESS_INTERVAL=0.01", "--db", str(db), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def table(db: Path, name: str, skip: set[str] = NOT_IN_WARC) -> dict[str, dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return {r["url"]: {k: r[k] for k in r.keys() if k not in skip}  # noqa: SIM118 (Row)
                for r in con.execute(f"select * from {name} where warc_file is not null")}
    finally:
        con.close()


def test_extract_gives_the_reports_table_the_crawl_wrote(crawled_web, tmp_path):
    rebuilt = tmp_path / "rebuilt.db"
    proc = extract(crawled_web, rebuilt)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    live = table(crawled_web / "reports.db", "reports")
    again = table(rebuilt, "reports")
    assert set(live) == REPORT_URLS
    assert again == live  # same rows, same text, same metadata, same WARC locations
    assert "extract: 1/1 files" in proc.stderr  # progress is shown


def test_extract_gives_the_archived_pages(crawled_web, tmp_path):
    rebuilt = tmp_path / "rebuilt.db"
    assert extract(crawled_web, rebuilt).returncode == 0
    # Every column, `error` included: sitemap probes' 404s are excused by both alike.
    live = table(crawled_web / "reports.db", "pages")
    again = table(rebuilt, "pages")
    assert len(live) > 100 and again == live
    # Scrapy's download latency, kept in the request record's metadata for the rebuild.
    latencies = [row["download_latency"] for row in again.values()]
    assert all(isinstance(s, float) and 0 < s < 60 for s in latencies), latencies
    assert any(url.endswith("/sitemap.xml") and row["status"] == 404 and row["error"] is None
               for url, row in again.items())
    # And what the next crawl remembers of each archived URL (validators, digest, discovery).
    states = url_states(crawled_web / "reports.db")
    assert len(states) > 100 and url_states(rebuilt) == states


def url_states(db: Path) -> dict[str, dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return {r["url"]: {k: r[k] for k in r.keys() if k != "last_crawl_id"}  # noqa: SIM118
                for r in con.execute("select * from url_state where url in "
                                     "(select url from pages where warc_file is not null)")}
    finally:
        con.close()


def test_extract_replaces_the_database_from_scratch(crawled_web, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(crawled_web / "warc", data / "warc")
    (data / "reports.db").write_bytes(b"not a database, e.g. left by a broken disk")
    proc = subprocess.run([SCRAPY, "extract", "-s", f"DATA_DIR={data}"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert set(table(data / "reports.db", "reports")) == REPORT_URLS


def test_damaged_files_are_reported_and_the_rest_extracted(crawled_web, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(crawled_web / "warc", data / "warc")
    good = next((data / "warc").glob("*.warc.gz"))
    # Our own file, cut in the middle of a report's response record (as a full disk would).
    report_offsets = [off for off, rec, _ in records(good) if rec.rec_type == "response"
                      and rec.rec_headers.get_header("WARC-Target-URI") in REPORT_URLS]
    cut = report_offsets[-1]
    cut_copy = data / "warc" / "zz-cut.warc.gz"
    cut_copy.write_bytes(good.read_bytes()[: cut + 300])
    for name in ("warcio/test/data/example-trunc.warc",
                 "warcio/test/data/example-wrong-chunks.warc.gz",
                 "warcio/test/data/example-digest.warc",
                 "warcio/test/data/example-bad-non-chunked.warc.gz",
                 "pywb/sample_archive/warcs/example.warc.gz"):
        shutil.copy(CORPUS / name, data / "warc" / Path(name).name)

    proc = extract(data, data / "reports.db")
    assert proc.returncode == 1  # damage is not hidden from scripts...
    damaged = [line for line in proc.stderr.splitlines() if line.startswith("damaged: ")]
    # ...each damaged record named with its file and offset...
    assert f"damaged: zz-cut.warc.gz at offset {cut}: " in "\n".join(damaged)
    for name in ("example-trunc.warc", "example-wrong-chunks.warc.gz", "example-digest.warc"):
        assert any(line.startswith(f"damaged: {name} at offset ") for line in damaged), name
    # The good file, and one whose records share one gzip stream: unusual, not damaged.
    for name in ("example.warc.gz", "example-bad-non-chunked.warc.gz"):
        assert not any(name in line for line in damaged), name
    # ...and everything readable was still extracted: all reports from the good file, and
    # the good pages of the foreign archives.
    assert set(table(data / "reports.db", "reports")) == REPORT_URLS
    pages = table(data / "reports.db", "pages")
    assert any(p["warc_file"] == "example.warc.gz" for p in pages.values())
    assert any(p["warc_file"] == "example-bad-non-chunked.warc.gz" for p in pages.values())


def test_no_warcs_is_a_clear_error(tmp_path):
    proc = extract(tmp_path, tmp_path / "reports.db")
    assert proc.returncode != 0 and "no WARC files" in proc.stdout + proc.stderr


def every_row(db: Path) -> dict[str, list[tuple]]:
    """All rows of the tables extraction writes, ids included, in id order."""
    con = sqlite3.connect(db)
    try:
        return {name: con.execute(f"select * from {name} order by id").fetchall()
                for name in ("pages", "reports", "removals", "errors")}
    finally:
        con.close()


def test_workers_write_the_rows_one_process_writes(crawled_web, tmp_path):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    for db, n in ((one, "1"), (two, "2")):
        proc = extract(crawled_web, db, "--workers", n)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    rows1, rows2 = every_row(one), every_row(two)
    assert len(rows1["pages"]) > 100 and len(rows1["reports"]) == len(REPORT_URLS)
    # Same rows in the same order with the same ids: the parent writes in WARC order.
    assert rows2 == rows1


def test_bad_worker_count_is_a_clear_error(crawled_web, tmp_path):
    proc = extract(crawled_web, tmp_path / "x.db", "--workers", "0")
    assert proc.returncode != 0 and "--workers must be at least 1" in proc.stdout + proc.stderr


def test_the_commands_use_the_crawls_sqlite_path(crawled_web, tmp_path):
    # A crawl run with -s SQLITE_PATH=... wrote its database there; extract rebuilds that
    # one and summary reads it, with the same settings.
    elsewhere = tmp_path / "elsewhere" / "crawl.db"
    setting = ["-s", f"SQLITE_PATH={elsewhere}"]
    proc = subprocess.run([SCRAPY, "extract", "-s", f"DATA_DIR={crawled_web}", *setting],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert table(elsewhere, "reports") == table(crawled_web / "reports.db", "reports")
    proc = subprocess.run([SCRAPY, "summary", "-s", f"DATA_DIR={tmp_path}", *setting],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"reports found: {len(REPORT_URLS)}" in proc.stdout


def test_a_record_read_twice_is_recorded_once(crawled_web, tmp_path):
    # Three copies of each record: the file, and beside it the file concatenated with itself.
    data = tmp_path / "data"
    shutil.copytree(crawled_web / "warc", data / "warc")
    good = next((data / "warc").glob("*.warc.gz"))
    (data / "warc" / "zz-concat.warc.gz").write_bytes(good.read_bytes() * 2)
    proc = extract(data, data / "reports.db")
    assert proc.returncode == 0, proc.stdout + proc.stderr  # nothing is lost or damaged
    n = sum(1 for _ in records(good))
    assert f"from {3 * n} records in 2 files; {2 * n} duplicate records skipped" in proc.stdout
    # One row per fetch, each pointing at the first copy read: the rows the crawl wrote.
    assert table(data / "reports.db", "pages") == table(crawled_web / "reports.db", "pages")
    con = sqlite3.connect(data / "reports.db")
    try:
        assert con.execute("select count(*) from pages where warc_file is not null").fetchone() \
            == con.execute("select count(distinct warc_record_id) from pages").fetchone()
    finally:
        con.close()


def test_an_unfinished_open_file_is_named_and_not_read(crawled_web, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(crawled_web / "warc", data / "warc")
    good = next((data / "warc").glob("*.warc.gz"))
    # As a killed crawl leaves it: whole records, then a torn one.
    unfinished = data / "warc" / "zz-killed.warc.gz.open"
    unfinished.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    proc = extract(data, data / "reports.db")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # part of the archive left out
    assert "not read: zz-killed.warc.gz.open: an unfinished file of a running or killed " \
        "crawl: run a crawl in DATA_DIR to recover it" in proc.stderr
    assert "1 unfinished .open files not read" in proc.stdout
    assert "damaged: " not in proc.stderr
    rows = table(data / "reports.db", "pages")
    assert rows == table(crawled_web / "reports.db", "pages")  # from the closed file alone
    assert unfinished.read_bytes() == good.read_bytes()[: good.stat().st_size // 2]
    # Only .open files: the error says why there is nothing to extract.
    good.unlink()
    proc = extract(data, data / "reports.db")
    assert proc.returncode != 0 and "1 unfinished .open files" in proc.stdout + proc.stderr



def test_a_page_archived_again_unchanged_is_not_a_second_report(tmp_path):
    # The crawl's rows of a first crawl are lost (as when a crawl stops before storing what
    # it archived); the next crawl fetches every page again, and the digest index makes each
    # unchanged payload a revisit of the first crawl's response.
    data = tmp_path / "data"
    crawl_fixture_web(data)
    (data / "reports.db").unlink()
    crawl_fixture_web(data)
    live = table(data / "reports.db", "reports")
    assert set(live) == REPORT_URLS
    rebuilt = tmp_path / "rebuilt.db"
    proc = extract(data, rebuilt)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    con = sqlite3.connect(rebuilt)
    try:
        # Both fetches of each report page are rows; the second, unchanged, is not cleaned
        # again, as the crawl's incremental middleware would not clean it.
        fetched = dict(con.execute("select url, count(*) from pages where url in "
                                   "(select url from reports) group by url"))
        reports = [u for (u,) in con.execute("select url from reports")]
    finally:
        con.close()
    assert fetched == dict.fromkeys(REPORT_URLS, 2)
    assert sorted(reports) == sorted(REPORT_URLS)


def test_a_db_option_naming_a_file_that_is_no_database_is_refused(crawled_web, tmp_path):
    # A typo naming the WARC file being read: it must not become the rebuilt database.
    data = tmp_path / "data"
    shutil.copytree(crawled_web / "warc", data / "warc")
    warc = next((data / "warc").glob("*.warc.gz"))
    before = warc.read_bytes()
    proc = extract(data, warc)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"scrapy extract: error: {warc} cannot be read as an SQLite "
                                  "database"), proc.stderr
    assert "not replaced" in proc.stderr
    assert warc.read_bytes() == before
