"""A real Datasette process (`make browse`) over a real crawl of the fixture web, through its
JSON API: the reports, the default facets, Chinese full-text search, canned queries and the
replay links."""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

import pytest
import yaml
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from tests.browsing import MANIFEST, datasette, get, get_json, q
from tests.crawling import crawl_fixture_web

REPO = Path(__file__).resolve().parents[1]
METADATA = yaml.safe_load((REPO / "datasette.yml").read_text(encoding="utf-8"))
SITES = MANIFEST["sites"]
REPORT_URLS = {r["url"] for s in SITES for r in s["reports"]}
GOV_REGIONS = {s["region"] for s in SITES if s["kind"] == "government"}
FARM_REPORTS = {r["url"] for s in SITES if s["kind"] == "content_farm" for r in s["reports"]}
DISALLOWED = {u for s in SITES for u in s["disallowed"]}
TAONAN = next(r["url"] for s in SITES if s["host"] == "www.taonan.gov.cn" for r in s["reports"])


@pytest.fixture(scope="module")
def crawl_dir(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("browse")
    crawl_fixture_web(data)
    return data


@pytest.fixture(scope="module")
def site(crawl_dir) -> str:
    with datasette(crawl_dir / "reports.db") as base:
        yield base + "/reports"


def reports(site: str, query: str = "") -> list[dict]:
    return get_json(f"{site}/reports.json?_shape=array&_size=max{query}")


def canned(site: str, name: str, query: str = "") -> list[dict]:
    return get_json(f"{site}/{name}.json?_shape=array{query}")


def test_served_read_only_with_the_projects_metadata(site):
    base = site.rsplit("/", 1)[0]
    [db] = get_json(base + "/-/databases.json")
    assert db["name"] == "reports" and db["is_mutable"] is False
    assert get_json(base + "/-/metadata.json")["databases"] == METADATA["databases"]


def test_every_report_of_the_crawl_is_listed(site):
    rows = reports(site)
    assert {r["url"] for r in rows} == REPORT_URLS
    assert {r["region"] for r in rows if r["region"]} == GOV_REGIONS
    assert all(r["text"] and r["title"] and r["page_id"] and r["crawl_id"] for r in rows)


def test_default_facets_count_the_reports(site):
    rows = reports(site)
    data = get_json(f"{site}/reports.json?_size=0")
    facets = data["facet_results"]
    assert set(facets) == {"region", "year", "level", "is_template"}
    years = {f["value"]: f["count"] for f in facets["year"]["results"]}
    assert years == Counter(r["year"] for r in rows) and sum(years.values()) == len(REPORT_URLS)
    # Following a facet's link filters to exactly that year.
    year, count = next(iter(years.items()))
    assert len(reports(site, f"&year={year}")) == count
    templates = {f["value"]: f["count"] for f in facets["is_template"]["results"]}
    assert templates.get(1) == len(FARM_REPORTS)


def test_explicit_facet_on_pages(site):
    data = get_json(f"{site}/pages.json?_size=0&_facet=status")
    statuses = {f["value"]: f["count"] for f in data["facet_results"]["status"]["results"]}
    assert statuses[200] >= len(REPORT_URLS) and statuses[404] > 0


@pytest.mark.parametrize("term", ["冰汤圆", "秸秆变肉"])
def test_chinese_full_text_search(site, term):
    gold = (REPO / "tests/gold/www.taonan.gov.cn.json").read_text(encoding="utf-8")
    assert term in gold
    hits = {h["url"] for h in reports(site, f"&_search={q(term)}")}
    assert TAONAN in hits
    # Exactly the reports that say it (a plain substring scan of every report).
    assert hits == {r["url"] for r in reports(site) if term in r["text"]}


def test_search_for_absent_text_finds_nothing(site):
    assert reports(site, f"&_search={q('量子纠缠计算机')}") == []


def test_canned_reports_per_year(site):
    rows = reports(site)
    per_year = {r["year"]: r["reports"] for r in canned(site, "reports_per_year")}
    assert per_year == Counter(r["year"] for r in rows)


def test_canned_regions_missing_a_year(site):
    rows = [r for r in reports(site) if r["year"]]
    years = range(min(r["year"] for r in rows), max(r["year"] for r in rows) + 1)
    have = {(r["region"], r["year"]) for r in rows if r["region"]}
    expected = {(reg, y) for reg in {reg for reg, _ in have} for y in years} - have
    got = {(r["region"], r["missing_year"]) for r in canned(site, "regions_missing_a_year")}
    assert got == expected and got


def test_canned_pages_that_failed(site):
    failed = canned(site, "pages_that_failed", "&_size=max")
    urls = {r["url"] for r in failed}
    # robots.txt kept the crawler out of these: each is recorded as a failed fetch.
    assert urls >= DISALLOWED
    assert all(r["error"] or r["status"] >= 400 for r in failed)
    assert not urls & REPORT_URLS


def test_canned_spam_removed_per_site(site):
    rows = canned(site, "spam_removed_per_site")
    by_host = Counter()
    for r in rows:
        by_host[r["host"]] += r["removed"]
    # tiedong is the hacked fixture site: spam words and an injected tag soup.
    assert by_host["www.tiedong.gov.cn"] >= 2
    assert {"spam_word", "tag_soup"} <= {r["kind"] for r in rows
                                         if r["host"] == "www.tiedong.gov.cn"}


def test_canned_template_reports(site):
    rows = canned(site, "template_reports")
    assert {r["url"] for r in rows} == FARM_REPORTS
    assert all(r["placeholder_chars"] >= 5 for r in rows)


def test_canned_search_for_short_terms(site):
    # Two characters: below what the trigram index can match, found by the canned query.
    assert reports(site, f"&_search={q('洮南')}") == []
    rows = canned(site, "search_short_terms", f"&term={q('洮南')}")
    assert [r["url"] for r in rows] == [TAONAN]


def test_crawl_row_records_the_run(site, crawl_dir):
    [crawl] = get_json(f"{site}/crawls.json?_shape=array&_json=settings&_json=stats")
    assert crawl["spider"] == "reports" and crawl["finish_reason"] == "finished"
    assert crawl["finished_at"] >= crawl["started_at"]
    assert crawl["settings"]["DATA_DIR"] == str(crawl_dir)
    pages = get_json(f"{site}/pages.json?_size=0")["filtered_table_rows_count"]
    assert crawl["pages"] == pages == crawl["stats"]["store/pages"]
    assert crawl["reports"] == len(REPORT_URLS) == crawl["stats"]["store/reports"]


def warc_dates(crawl_dir: Path) -> dict[str, str]:
    dates = {}
    for path in (crawl_dir / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    uri = rec.rec_headers.get_header("WARC-Target-URI")
                    dates[uri] = rec.rec_headers.get_header("WARC-Date")
    return dates


def assert_replay_links(site: str, crawl_dir: Path, base: str) -> None:
    dates = warc_dates(crawl_dir)
    for row in reports(site):
        page = html.unescape(get(f"{site}/reports/{row['id']}").decode("utf-8"))
        replay = f"{base}{iso_date_to_timestamp(dates[row['url']])}/{row['url']}"
        assert f'href="{replay}"' in page
        assert row["title"] in page


def test_report_page_links_to_its_replay(site, crawl_dir):
    # Where `make replay` serves the WARC files with pywb (collection reports, port 8090).
    assert_replay_links(site, crawl_dir, "http://127.0.0.1:8090/reports/")
    assert METADATA["plugins"]["gzbg-replay-links"]["base"] == "http://127.0.0.1:8090/reports/"


def test_replay_base_is_a_setting_of_make_browse(crawl_dir):
    base = "http://127.0.0.1:9/elsewhere/"
    with datasette(crawl_dir / "reports.db", REPLAY_BASE=base) as root:
        assert_replay_links(root + "/reports", crawl_dir, base)


def test_make_browse_and_its_variables_are_documented():
    readme = (REPO / "README.md").read_text("utf-8")
    makefile = (REPO / "Makefile").read_text("utf-8")
    for name in ("BROWSE_DB", "BROWSE_PORT", "REPLAY_BASE", "BROWSE_MODE"):
        assert f"{name} ?=" in makefile and name in readme, name
    assert "make browse" in readme and "## Exploring the database" in readme
