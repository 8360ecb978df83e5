"""A real Datasette process (`make browse`) over a real crawl of the fixture web, through its
JSON API: the reports, the default facets, Chinese full-text search, canned queries and the
replay links."""

from __future__ import annotations

import html
import http.client
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_timestamp

from pipelines.store import governments
from tests.browsing import MANIFEST, datasette, get, get_json, q
from tests.paths import REPO

METADATA = yaml.safe_load((REPO / "datasette.yml").read_text(encoding="utf-8"))
SITES = MANIFEST["sites"]
REPORT_URLS = {r["url"] for s in SITES for r in s["reports"]}
GOV_REGIONS = {s["region"] for s in SITES if s["kind"] == "government"}
FARM_REPORTS = {r["url"] for s in SITES if s["kind"] == "content_farm" for r in s["reports"]}
DISALLOWED = {u for s in SITES for u in s["disallowed"]}
TAONAN = next(r["url"] for s in SITES if s["host"] == "www.taonan.gov.cn" for r in s["reports"])


@pytest.fixture(scope="module")
def site(browsed: str) -> str:
    return browsed + "/reports"


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
    gold = (REPO / "fixtureweb/gold/www.taonan.gov.cn.json").read_text(encoding="utf-8")
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


@pytest.mark.parametrize("term", ["洮南", "肉牛", "冰汤圆"])
def test_search_query_finds_short_and_long_terms(site, term):
    rows = canned(site, "search", f"&term={q(term)}")
    expected = {r["id"] for r in reports(site) if term in r["text"] or term in r["title"]}
    assert {r["report_id"] for r in rows} == expected and expected
    method = "full-text" if len(term) >= 3 else "text scan"
    assert all(r["search"].startswith(method) for r in rows)
    if len(term) < 3:  # what the trigram index cannot answer
        assert reports(site, f"&_search={q(term)}") == []


def test_search_page_highlights_the_hit_and_links_the_report(site):
    rows = canned(site, "search", f"&term={q('肉牛')}")
    page = get(f"{site}/search?term={q('肉牛')}").decode("utf-8")
    assert page.count("<mark>肉牛</mark>") >= len(rows) > 0
    assert "\ue000" not in page
    for r in rows:
        assert f'<a href="/reports/reports/{r["report_id"]}" title="open the report">' in page
    # The page says which search ran, also when nothing is found.
    assert "a scan of every title and text" in page and f"{len(rows)} reports" in page
    none = get(f"{site}/search?term={q('量子纠缠计算机')}").decode("utf-8")
    assert "0 reports" in none and "the full-text index (FTS5 trigram)" in none


def no_redirect(url: str) -> tuple[int, str | None]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        resp = conn.getresponse()
        return resp.status, resp.getheader("Location")
    finally:
        conn.close()


def test_the_landing_page_is_the_report_list(site):
    base = site.rsplit("/", 1)[0]
    status, location = no_redirect(base + "/")
    assert status == 302 and location == "/reports/report_list"


def test_report_list_has_a_short_row_per_report(site):
    rows = {r["id"]: r for r in reports(site)}
    listed = get_json(f"{site}/report_list.json?_shape=array&_size=max")
    assert sorted(r["id"] for r in listed) == sorted(rows)
    assert list(listed[0]) == ["region", "province", "level", "year", "title", "speaker",
                               "chars", "copies", "replay", "id"]
    for r in listed:
        full = rows[r["id"]]
        assert (r["region"], r["year"], r["title"], r["chars"]) == (
            full["region"], full["year"], full["title"], full["chars"])
        assert r["replay"] == f"{full['wayback_ts']}/{full['url']}"
        assert r["copies"] >= 1
    # Every region of a government site gets the province of a government of that name (the
    # one the sites file says when two share it).
    provinces: dict[str, set[str]] = {}
    for g in governments.rows():
        provinces.setdefault(g["name"], set()).add(g["province"])
    assert {r["region"] for r in listed if r["province"]} == GOV_REGIONS
    assert all(r["province"] in provinces[r["region"]] for r in listed if r["region"])
    facets = get_json(f"{site}/report_list.json?_size=0")["facet_results"]
    assert set(facets) == {"province", "level", "year"}
    assert {f["value"]: f["count"] for f in facets["province"]["results"]} == Counter(
        r["province"] for r in listed if r["province"])


def test_report_list_links_each_title_to_its_report_and_replay(site):
    page = html.unescape(get(f"{site}/report_list?_size=max").decode("utf-8"))
    for r in reports(site):
        assert f'<a href="/reports/reports/{r["id"]}" title="open the report">{r["title"]}</a>' \
            in page
        assert f'href="http://127.0.0.1:8090/reports/{r["wayback_ts"]}/{r["url"]}"' in page
    assert 'data-column="text"' not in page


def test_table_pages_open_without_technical_columns(site):
    status, location = no_redirect(f"{site}/reports?year=2022")
    hidden = METADATA["plugins"]["gzbg-report-views"]["hidden_columns"]["reports"]
    assert status == 302 and location.startswith("/reports/reports?year=2022&_nocol=")
    page = get(f"{site}/reports").decode("utf-8")
    assert 'data-column="region"' in page and 'data-column="year"' in page
    for column in hidden:
        assert f'data-column="{column}"' not in page, column
    # Asking for columns is obeyed, and JSON keeps them all.
    assert 'data-column="text"' in get(f"{site}/reports?_col=text").decode("utf-8")
    assert no_redirect(f"{site}/reports?_col=text")[0] == 200
    assert all("text" in r and "warc_offset" in r for r in reports(site))


def test_canned_query_rows_link_to_the_report(site):
    rows = canned(site, "template_reports")
    page = get(f"{site}/template_reports").decode("utf-8")
    assert rows and all(f'href="/reports/reports/{r["report_id"]}"' in page for r in rows)


def chart_rows(site: str, chart: dict, province: str = "") -> list[dict]:
    # As datasette-dashboards runs a chart: its [[ ... ]] parts kept only for a chosen filter.
    sql = re.sub(r"\[\[(.*?)\]\]", lambda m: m.group(1) if province else "", chart["query"])
    return get_json(f"{site}.json?_shape=array&sql={q(sql)}&province={q(province)}")


def test_dashboard_charts_count_reports_and_governments(site):
    board = METADATA["plugins"]["datasette-dashboards"]["coverage"]
    page = get(site.rsplit("/", 1)[0] + "/-/dashboards/coverage").decode("utf-8")
    for slug in board["charts"]:
        assert slug in page
    charts = board["charts"]
    rows = [r for r in reports(site) if r["year"]]
    per_year = chart_rows(site, charts["reports-per-year"])
    by_year: Counter = Counter()
    for r in per_year:
        by_year[r["year"]] += r["reports"]
    assert by_year == Counter(r["year"] for r in rows)
    n_governments = len(governments.rows())
    heat = chart_rows(site, charts["coverage-by-province"])
    years = {r["year"] for r in heat}
    assert years == set(range(min(by_year), max(by_year) + 1))
    for year in years:
        assert sum(r["governments"] for r in heat if r["year"] == year) == n_governments
    assert sum(r["found"] for r in heat) >= len(GOV_REGIONS)
    # One province picked: each of its governments, every year.
    jilin = chart_rows(site, charts["coverage-of-governments"], "吉林省")
    in_jilin = [g for g in governments.rows() if g["province"] == "吉林省"]
    assert len(jilin) == len(in_jilin) * len(years)
    assert {r["status"] for r in jilin} >= {"found", "unknown_site"}


def test_crawl_row_records_the_run(site, crawled_web):
    [crawl] = get_json(f"{site}/crawls.json?_shape=array&_json=settings&_json=stats")
    assert crawl["spider"] == "reports" and crawl["finish_reason"] == "finished"
    assert crawl["finished_at"] >= crawl["started_at"]
    assert crawl["settings"]["DATA_DIR"] == str(crawled_web)
    pages = get_json(f"{site}/pages.json?_size=0")["filtered_table_rows_count"]
    assert crawl["pages"] == pages == crawl["stats"]["store/pages"]
    assert crawl["reports"] == len(REPORT_URLS) == crawl["stats"]["store/reports"]


def warc_dates(crawled_web: Path) -> dict[str, str]:
    dates = {}
    for path in (crawled_web / "warc").glob("*.warc.gz"):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type in ("response", "revisit"):
                    uri = rec.rec_headers.get_header("WARC-Target-URI")
                    dates[uri] = rec.rec_headers.get_header("WARC-Date")
    return dates


def assert_replay_links(site: str, crawled_web: Path, base: str) -> None:
    dates = warc_dates(crawled_web)
    for row in reports(site):
        page = html.unescape(get(f"{site}/reports/{row['id']}").decode("utf-8"))
        replay = f"{base}{iso_date_to_timestamp(dates[row['url']])}/{row['url']}"
        assert f'href="{replay}"' in page
        assert row["title"] in page


def test_report_page_links_to_its_replay(site, crawled_web):
    # Where `make replay` serves the WARC files with pywb (collection reports, port 8090).
    assert_replay_links(site, crawled_web, "http://127.0.0.1:8090/reports/")
    assert METADATA["plugins"]["gzbg-replay-links"]["base"] == "http://127.0.0.1:8090/reports/"


def test_replay_base_is_a_setting_of_make_browse(crawled_web):
    base = "http://127.0.0.1:9/elsewhere/"
    with datasette(crawled_web / "reports.db", REPLAY_BASE=base) as root:
        assert_replay_links(root + "/reports", crawled_web, base)


def test_make_browse_and_its_variables_are_documented():
    browsing = (REPO / "docs" / "browsing.md").read_text("utf-8")
    makefile = (REPO / "Makefile").read_text("utf-8")
    for name in ("BROWSE_DB", "BROWSE_PORT", "REPLAY_BASE", "BROWSE_MODE"):
        assert f"{name} ?=" in makefile and name in browsing, name
    readme = (REPO / "README.md").read_text("utf-8")
    assert "make browse" in browsing and "docs/browsing.md" in readme
