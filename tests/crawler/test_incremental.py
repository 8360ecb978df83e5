"""Incremental recrawls: crawl the fixture web, change one report and add another, crawl again.

The second crawl must fetch in full only what changed (the changed report, the new report and
the list page that links the new one), get 304s for the other reports (archived as
server-not-modified revisits of the first crawl's responses), revisits for everything else,
clean only the changed and new pages, and record its counts in its crawls row.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from fixtureweb import SITES_DIR, load_manifest
from fixtureweb.crawl import crawl
from fixtureweb.server import running
from pipelines.store.urlstate import KINDS

MANIFEST = load_manifest()
SITE = MANIFEST["sites"][0]  # www.beipiao.gov.cn: plain UTF-8, neither gzip nor chunked
REPORT = SITE["reports"][0]
HOST = SITE["host"]
NEW_PATH = "/zwgk/zfgzbg/202401/t20240110_9000001.html"
NEW_URL = f"http://{HOST}{NEW_PATH}"
START = ",".join(site["start_url"] for site in MANIFEST["sites"])
NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


def site_path(root: Path, url: str) -> Path:
    path = url.split(HOST, 1)[1]
    return root / HOST / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))


def records(data: Path) -> dict[str, object]:
    """Response and revisit records of the crawl, by record id."""
    out = {}
    for path in sorted((data / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit", "request"):
                    key = rec.rec_headers.get_header("WARC-Record-ID")
                    if rec.rec_type == "request":
                        key = "request-for:" + rec.rec_headers.get_header("WARC-Concurrent-To")
                    rec.http_headers  # noqa: B018 - parsed while the stream is open
                    out[key] = rec
    return out


@pytest.fixture(scope="module")
def recrawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental")
    sites, data = tmp / "sites", tmp / "data"
    shutil.copytree(SITES_DIR, sites)
    with running(sites_dir=sites) as web:
        first = crawl(data, web.proxy_url, "-a", f"start_urls={START}")
        assert first.returncode == 0, first.stderr[-3000:]
        # Change one report's text, add a new report, and link it from the report list.
        report_file = site_path(sites, REPORT["url"])
        html = report_file.read_text(encoding="utf-8")
        assert html.count("重点改革持续深化") == 1
        report_file.write_text(html.replace("重点改革持续深化", "重点改革全面深化"),
                               encoding="utf-8")
        new_file = site_path(sites, NEW_URL)
        new_file.parent.mkdir(parents=True)
        new_file.write_text(html.replace("2022年", "2024年"), encoding="utf-8")
        list_file = site_path(sites, REPORT["list_page"])
        listing = list_file.read_text(encoding="utf-8")
        item = "<li><a href=\"/zwgk/zfgzbg/202201/"
        assert item in listing
        list_file.write_text(listing.replace(
            item, f'<li><a href="{NEW_PATH}" target="_blank">北票市2024年政府工作报告</a></li>'
                  + item, 1), encoding="utf-8")
        second = crawl(data, web.proxy_url, "-a", f"start_urls={START}")
        assert second.returncode == 0, second.stderr[-3000:]
    db = sqlite3.connect(data / "reports.db")
    db.row_factory = sqlite3.Row
    yield data, db
    db.close()


def test_only_the_changed_and_new_pages_are_fetched_in_full(recrawled):
    data, db = recrawled
    recs = records(data)
    rows = db.execute("select * from pages where crawl_id = 2 and warc_record_id is not null")
    full = set()
    for row in rows:
        rec = recs[row["warc_record_id"]]
        if rec.rec_type == "response":
            full.add(row["url"])
    assert full == {REPORT["url"], NEW_URL, REPORT["list_page"]}
    # The first crawl fetched everything in full or as a revisit of an identical payload.
    assert db.execute("select count(*) from pages where crawl_id = 1").fetchone()[0] > 100


def test_other_reports_come_back_304_as_server_not_modified_revisits(recrawled):
    data, db = recrawled
    recs = records(data)
    other = {r["url"] for s in MANIFEST["sites"] for r in s["reports"]} - {REPORT["url"]}
    first = {row["url"]: row for row in db.execute("select * from pages where crawl_id = 1")}
    for url in other:
        row = db.execute("select * from pages where crawl_id = 2 and url = ?", [url]).fetchone()
        assert row["status"] == 304, url
        rec = recs[row["warc_record_id"]]
        assert rec.rec_type == "revisit"
        assert rec.rec_headers.get_header("WARC-Profile") == NOT_MODIFIED
        # It refers to the response the first crawl archived for this URL.
        assert rec.rec_headers.get_header("WARC-Refers-To") == first[url]["warc_record_id"]
        assert recs[first[url]["warc_record_id"]].rec_type == "response"
        request = recs["request-for:" + row["warc_record_id"]]
        assert request.http_headers.get_header("If-None-Match")
    # The report list itself is never asked conditionally, so new links are always seen.
    request_of_list = [recs["request-for:" + r["warc_record_id"]] for r in db.execute(
        "select warc_record_id from pages where crawl_id = 2 and url = ?", [REPORT["list_page"]])]
    assert request_of_list and not request_of_list[0].http_headers.get_header("If-None-Match")


def test_only_changed_and_new_pages_are_cleaned_and_counted(recrawled):
    _, db = recrawled
    crawl2 = db.execute("select * from crawls where id = 2").fetchone()
    stats = json.loads(crawl2["stats"])
    assert stats["clean/pages"] == 3  # the changed report, the new report, the list page
    counts = {k: crawl2[f"pages_{k}"] for k in KINDS}
    assert counts["new"] == 1 and counts["changed"] == 2
    # Every page of the crawl, less redirect hops and the absent sitemaps (404, not failures).
    fetched = db.execute("select count(*) from pages where crawl_id = 2 and redirect_to is null "
                         "and not (status = 404 and error is null)").fetchone()[0]
    assert counts["unchanged"] == fetched - 3 - counts["failed"] > 100
    assert counts["failed"] == db.execute(
        "select count(*) from pages where crawl_id = 2 and error is not null").fetchone()[0]
    crawl1 = db.execute("select * from crawls where id = 1").fetchone()
    assert crawl1["pages_changed"] == crawl1["pages_unchanged"] == 0 and crawl1["pages_new"]


def test_new_and_changed_reports_are_in_the_database(recrawled):
    _, db = recrawled
    rows = db.execute("select url, title, text from reports where crawl_id = 2").fetchall()
    by_url = {r["url"]: r for r in rows}
    assert set(by_url) == {REPORT["url"], NEW_URL}
    assert "2024" in by_url[NEW_URL]["title"]
    assert "重点改革全面深化" in by_url[REPORT["url"]]["text"]
    # The first crawl's version stays, as what the page said then.
    old = db.execute("select text from reports where crawl_id = 1 and url = ?",
                     [REPORT["url"]]).fetchone()
    assert "重点改革持续深化" in old["text"]


def test_url_state_remembers_validators_and_digests(recrawled):
    _, db = recrawled
    row = db.execute("select * from url_state where url = ?", [NEW_URL]).fetchone()
    assert row["etag"] and row["last_modified"] and row["payload_digest"].startswith("sha1:")
    assert row["is_report"] == 1 and row["last_crawl_id"] == 2
