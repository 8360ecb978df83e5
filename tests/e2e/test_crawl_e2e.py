"""End to end: crawl the fixture web, then check the WARC files and the SQLite database."""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.commands.summary import summarize
from fixtureweb import load_manifest
from fixtureweb.crawl import crawl
from pipelines.clean.cleaner import clean

MANIFEST = load_manifest()
SITES = {site["host"]: site for site in MANIFEST["sites"]}
REPORT_URLS = {r["url"] for s in MANIFEST["sites"] for r in s["reports"]}
DISTRACTORS = {u for s in MANIFEST["sites"] for u in s["distractors"]}
DISALLOWED = {u for s in MANIFEST["sites"] for u in s["disallowed"]}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, web):
    data = tmp_path_factory.mktemp("crawl")
    start = ",".join(site["start_url"] for site in MANIFEST["sites"])
    proc = crawl(data, web.proxy_url, "-a", f"start_urls={start}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = sqlite3.connect(data / "reports.db")
    db.row_factory = sqlite3.Row
    yield data, db, proc.stderr
    db.close()


def warc_records(data: Path):
    """(file name, offset, record, payload bytes as stored) of every record of the crawl."""
    for path in sorted((data / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            it = ArchiveIterator(fh)
            for rec in it:
                raw = rec.raw_stream.read()
                yield path.name, it.get_record_offset(), rec, raw


def test_every_report_found_and_no_distractor(crawled):
    _, db, _ = crawled
    urls = {r["url"] for r in db.execute("select url from reports")}
    assert urls == REPORT_URLS
    fetched = {r["url"] for r in db.execute("select url from pages where status = 200")}
    # The distractors were reached and judged, not merely missed.
    assert fetched >= DISTRACTORS
    assert not DISTRACTORS & urls


def test_report_rows_hold_the_cleaners_output_of_the_archived_bytes(crawled):
    data, db, _ = crawled
    rows = {r["url"]: r for r in db.execute("select * from reports")}
    for url, row in rows.items():
        path = data / "warc" / row["warc_file"]
        with open(path, "rb") as fh:
            fh.seek(row["warc_offset"])
            rec = next(iter(ArchiveIterator(fh)))
            assert rec.rec_type == "response"
            assert rec.rec_headers.get_header("WARC-Target-URI") == url
            headers = dict(rec.http_headers.headers)
            body = rec.content_stream().read()  # content-decoded, as the spider saw it
        result = clean(body, url, headers)
        assert row["text"] == result.text and row["title"] == result.title
        assert row["text"] and row["title"]
        assert json.loads(row["removals"]) == [[r.kind, r.text] for r in result.removals]


def test_site_specific_damage_is_flagged(crawled):
    _, db, _ = crawled
    rows = {r["url"].split("/")[2]: r for r in db.execute("select * from reports")}
    assert rows["www.taonan.gov.cn"]["script"] == "hant"
    assert rows["www.beizhen.gov.cn"]["script"] == "hans"
    assert rows["www.jiuligongwen.com"]["is_template"] == 1
    assert rows["www.tiedong.gov.cn"]["spam_removed"] > 0
    assert rows["www.beipiao.gov.cn"]["is_template"] == 0
    # The GBK site's text came through as real Chinese, not mojibake.
    assert rows["www.beizhen.gov.cn"]["region"] == "北镇市"
    assert "\ufffd" not in rows["www.beizhen.gov.cn"]["text"]


def test_robots_disallowed_pages_never_fetched(crawled):
    data, db, _ = crawled
    archived = {rec.rec_headers.get_header("WARC-Target-URI")
                for _, _, rec, _ in warc_records(data)}
    assert DISALLOWED and not DISALLOWED & archived
    assert {f"http://{host}/robots.txt" for host in SITES} <= archived


def test_every_page_row_points_at_its_response_record(crawled):
    data, db, _ = crawled
    by_location = {(name, off): rec for name, off, rec, _ in warc_records(data)}
    rows = db.execute("select * from pages where warc_file is not null").fetchall()
    assert len(rows) > 100
    for row in rows:
        rec = by_location[(row["warc_file"], row["warc_offset"])]
        # Identical payloads (the sites' shared 404 page) are archived once, then as revisits.
        assert rec.rec_type in ("response", "revisit")
        assert rec.rec_headers.get_header("WARC-Target-URI") == row["url"]
        assert rec.http_headers.get_statuscode() == str(row["status"])


def test_request_and_response_for_every_fetch(crawled):
    data, _, _ = crawled
    responses, requests = {}, {}
    for _, _, rec, _ in warc_records(data):
        if rec.rec_type in ("response", "revisit"):
            responses[rec.rec_headers.get_header("WARC-Record-ID")] = rec
        elif rec.rec_type == "request":
            requests[rec.rec_headers.get_header("WARC-Concurrent-To")] = rec
    assert responses and set(responses) == set(requests)


def test_bodies_archived_as_received(crawled):
    data, _, _ = crawled
    gzipped = chunked = 0
    for _, _, rec, raw in warc_records(data):
        if rec.rec_type != "response":
            continue
        host = rec.rec_headers.get_header("WARC-Target-URI").split("/")[2]
        if rec.http_headers.get_header("Content-Encoding") == "gzip":
            assert SITES[host]["gzip"]
            # Still content-encoded in the archive: the raw payload is a gzip stream.
            assert raw[:2] == b"\x1f\x8b"
            gzip.decompress(raw)
            gzipped += 1
        if SITES[host]["chunked"] and raw.rstrip().endswith(b"</html>"):
            # Served chunked: archived whole and de-chunked, so readers need no framing.
            assert b"\r\n0\r\n" not in raw
            chunked += 1
    assert gzipped and chunked


def test_warc_files_pass_archivists_tools(crawled):
    data, _, _ = crawled
    files = sorted((data / "warc").glob("*.warc.gz"))
    assert files and not list((data / "warc").glob("*.open"))
    warcio = str(Path(sys.executable).with_name("warcio"))
    check = subprocess.run([warcio, "check", *map(str, files)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    for f in files:
        assert subprocess.run(["gzip", "-t", str(f)]).returncode == 0


def test_progress_is_reported(crawled):
    _, _, log = crawled
    assert "progress:" in log and "finished:" in log


def test_plain_loopback_start_url(tmp_path, web):
    proc = crawl(tmp_path, None, "-a", f"start_urls=http://127.0.0.1:{web.port}/")
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = sqlite3.connect(tmp_path / "reports.db")
    urls = [u for (u,) in db.execute("select url from reports")]
    default = MANIFEST["sites"][0]
    expected = [r["url"].replace(f"http://{default['host']}", f"http://127.0.0.1:{web.port}")
                for r in default["reports"]]
    assert urls == expected


def test_bad_start_url_is_a_clear_error(tmp_path):
    proc = crawl(tmp_path, None, "-a", "start_urls=file:///etc/passwd")
    assert proc.returncode != 0
    assert "only http(s) URLs" in proc.stderr
    assert not (tmp_path / "warc").exists()


def test_summary_reports_what_the_crawl_left(crawled):
    data, db, _ = crawled
    text = summarize(data)
    assert f"reports found: {len(REPORT_URLS)}" in text
    assert all(url in text for url in REPORT_URLS)
    # Skipped pages are counted by cause: one robots.txt refusal per disallowed page.
    assert f"{len(DISALLOWED):>5}  IgnoreRequest: Forbidden by robots.txt" in text
    assert "warc" in text and str(data / "reports.db") in text
