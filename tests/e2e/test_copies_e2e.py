"""End to end (issue 11): crawl a government report's copies on other hosts through the fixture
web; the database has one cluster for them, the government page as its canonical record, every
copy with its kind, two years of one city as two reports, and coverage with a gap."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from urllib.parse import urlsplit

import pytest

from fixtureweb import load_manifest
from fixtureweb.crawl import REPO, SCRAPY, crawl

MANIFEST = load_manifest()
ORIGINAL = next(s for s in MANIFEST["sites"] if s["host"] == "www.beipiao.gov.cn")
ORIGINAL_URL = ORIGINAL["reports"][0]["url"]
COPY_SITES = {s["host"]: s for s in MANIFEST["copy_sites"]}
COPY_URLS = {r["url"]: s["kind"] for s in COPY_SITES.values() for r in s["reports"]
             if r.get("copy_of") == ORIGINAL_URL}
TWO_YEARS = next(s for s in COPY_SITES.values() if not any("copy_of" in r for r in s["reports"]))


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, web):
    data = tmp_path_factory.mktemp("copies")
    # The copies first: the government original arrives last and must still win.
    start = ",".join([*(s["start_url"] for s in COPY_SITES.values()), ORIGINAL["start_url"]])
    proc = crawl(data, web.proxy_url, "-a", f"start_urls={start}", "-s", "DEPTH_LIMIT=4",
                 "-s", "CONCURRENT_REQUESTS=1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return data


def connect(path):
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    return conn


@pytest.fixture(scope="module")
def db(crawled):
    conn = connect(crawled / "reports.db")
    yield conn
    conn.close()


def test_fixture_has_every_kind_of_copy():
    assert sorted(COPY_URLS.values()) == ["content_farm", "mirror", "mirror", "unknown"]


def test_all_copies_are_one_cluster_with_the_government_page_canonical(db):
    found = {r["url"]: r for r in db.execute("select * from report_copies")}
    assert set(COPY_URLS) | {ORIGINAL_URL} <= set(found)
    clusters = {found[u]["cluster_id"] for u in [*COPY_URLS, ORIGINAL_URL]}
    assert len(clusters) == 1
    (cluster_id,) = clusters
    row = db.execute("select * from clusters where id = ?", [cluster_id]).fetchone()
    assert row["canonical_url"] == ORIGINAL_URL
    assert row["canonical_kind"] == "government"
    assert row["n_copies"] == len(COPY_URLS) + 1
    assert (row["region"], row["year"]) == ("北票市", 2022)
    report = db.execute("select text, title from reports where url = ?", [ORIGINAL_URL]).fetchone()
    assert (row["text"], row["title"]) == (report["text"], report["title"])
    assert json.loads(row["kinds"]) == {"content_farm": 1, "government": 1, "mirror": 2,
                                        "unknown": 1}


def test_every_copy_has_its_kind_damage_and_similarity(db):
    found = {r["url"]: r for r in db.execute("select * from report_copies")}
    assert found[ORIGINAL_URL]["kind"] == "government" and found[ORIGINAL_URL]["is_canonical"]
    for url, kind in COPY_URLS.items():
        row = found[url]
        assert row["kind"] == kind, url
        assert not row["is_canonical"] and row["rank"] > 1
        assert row["similarity"] >= 0.8, url
        assert row["host"] == urlsplit(url).hostname
    by_host = {urlsplit(u).hostname: found[u] for u in COPY_URLS}
    assert by_host["big5.beipiao-gov.net"]["converter_damaged"] == 1
    assert by_host["www.liaoxi-news-fixture.com"]["spam_injected"] == 1
    assert by_host["www.fanwen-fixture.com"]["is_template"] == 1
    assert by_host["www.beipiao-gov.com"]["spam_injected"] == 0
    # The clean simplified mirror outranks the damaged traditional one.
    assert by_host["www.beipiao-gov.com"]["rank"] < by_host["big5.beipiao-gov.net"]["rank"]


def test_two_years_of_one_city_are_two_reports(db):
    rows = db.execute("select year, canonical_url from clusters where region = ?",
                      [TWO_YEARS["reports"][0]["region"]]).fetchall()
    assert sorted((r["year"], r["canonical_url"]) for r in rows) == sorted(
        (r["year"], r["url"]) for r in TWO_YEARS["reports"])


def test_coverage_shows_found_reports_and_gaps(db):
    cov = {(r["region"], r["year"]): r for r in db.execute("select * from coverage")}
    assert cov[("北票市", 2022)]["status"] == "found"
    assert cov[("北票市", 2022)]["canonical_url"] == ORIGINAL_URL
    assert cov[("东岭市", 2021)]["status"] == cov[("东岭市", 2022)]["status"] == "found"
    # 北票市 has no 2021 report in this crawl; the span is the years found (2021-2022).
    assert cov[("北票市", 2021)]["status"] == "gap"
    assert {y for _, y in cov} == {2021, 2022}
    # Regions of the sites file are listed even when nothing of theirs was crawled.
    assert cov[("洮南市", 2022)]["status"] == "gap"


def clustering(conn) -> set[tuple]:
    """Each cluster as (canonical URL, its copies' URLs and kinds), ids left out."""
    out = set()
    for c in conn.execute("select id, canonical_url from clusters"):
        copies = conn.execute("select url, kind, is_canonical from report_copies"
                              " where cluster_id = ? order by url", [c["id"]]).fetchall()
        out.add((c["canonical_url"], tuple(tuple(r) for r in copies)))
    return out


def test_extract_from_the_warc_gives_the_same_clusters(crawled, db, tmp_path):
    rebuilt = tmp_path / "rebuilt.db"
    proc = subprocess.run([SCRAPY, "extract", "-s", f"DATA_DIR={crawled}", "--db", str(rebuilt),
                           "--workers", "1"], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = connect(rebuilt)
    try:
        assert clustering(again) == clustering(db)
        assert len(clustering(db)) >= 3
    finally:
        again.close()
