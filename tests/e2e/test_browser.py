"""Headless Chromium (Debian's, kept off the network) opens Datasette over a real crawl: a
report's page, the report list at 1280 px, a two-character search with its snippet and the
dashboard's charts drawn by their JavaScript; screenshots are saved to test-artifacts/."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import lxml.html
import pytest
import yaml

from tests.browsing import MANIFEST, get_json, q
from tests.paths import REPO

ARTIFACTS = REPO / "test-artifacts"
TAONAN = next(r["url"] for s in MANIFEST["sites"] if s["host"] == "www.taonan.gov.cn"
              for r in s["reports"])
# No network but loopback: no background services, no proxy, every other name unresolvable.
OFFLINE_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


def chromium() -> str:
    path = shutil.which("chromium")
    if not path:
        pytest.fail("Debian's chromium is missing: `make browser-deps` installs it")
    return path


def run_chromium(user_data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *OFFLINE_FLAGS, f"--user-data-dir={user_data}", *args],
        capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    return tmp_path_factory.mktemp("chromium")


@pytest.fixture(scope="module")
def report_page(browsed, profile):
    [row] = get_json(f"{browsed}/reports/reports.json?_shape=array&url={q(TAONAN)}")
    return f"{browsed}/reports/reports/{row['id']}", row, profile


def test_report_page_renders_the_chinese_text(report_page):
    url, row, profile = report_page
    proc = run_chromium(profile, "--dump-dom", url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert row["title"] in dom and "洮南市" in dom
    for phrase in ("冰汤圆", "秸秆变肉"):
        assert phrase in dom
    # The text is laid out as a record to read, field by field.
    assert 'class="report-record"' in dom and "▸ replay" in dom


def test_screenshot_of_the_report_page(report_page):
    url, _, profile = report_page
    png = screenshot(profile, "report-row.png", url, 1600)
    assert len(png) > 50_000  # a page full of text, not a blank or error page


def screenshot(profile: Path, name: str, url: str, height: int, *args: str) -> bytes:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    proc = run_chromium(profile, "--hide-scrollbars", f"--window-size=1280,{height}",
                        f"--screenshot={shot}", *args, url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1280, height)
    return png


def dom(profile: Path, url: str, *args: str) -> lxml.html.HtmlElement:
    proc = run_chromium(profile, "--window-size=1280,900", *args, "--dump-dom", url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return lxml.html.fromstring(proc.stdout)


def header(page: lxml.html.HtmlElement) -> list[str]:
    """The columns of the page's table, left to right."""
    return [th.get("data-column") for th in page.cssselect("table.rows-and-columns thead th")]


def test_report_list_at_1280_px(browsed, profile):
    url = f"{browsed}/reports/report_list"
    png = screenshot(profile, "report-list.png", url, 900)
    assert len(png) > 50_000  # a table of Chinese text, not a blank or error page
    page = dom(profile, url)
    columns = header(page)
    # Where and when first, the text never (it is on the report's own page).
    assert columns[:4] == ["region", "province", "level", "year"]
    assert columns.index("year") < columns.index("title") and "text" not in columns
    rows = get_json(f"{browsed}/reports/report_list.json?_shape=array&_size=max")
    cells = page.cssselect("table.rows-and-columns tbody tr")
    assert len(cells) == len(rows)
    regions = [td.text_content().strip() for td in page.cssselect("td.col-region")]
    assert sorted(regions) == sorted(r["region"] or "" for r in rows)
    # A title opens the report's row page.
    links = {a.get("href") for a in page.cssselect("td.col-title a")}
    assert links == {f"/reports/reports/{r['id']}" for r in rows}


def test_reports_table_opens_without_the_text(browsed, profile):
    page = dom(profile, f"{browsed}/reports/reports")
    columns = header(page)
    assert "region" in columns and "year" in columns
    for hidden in ("text", "removals", "url", "warc_offset"):
        assert hidden not in columns


def test_two_character_search_shows_its_snippet(browsed, profile):
    url = f"{browsed}/reports/search?term={q('肉牛')}"
    screenshot(profile, "search-two-characters.png", url, 900)
    page = dom(profile, url)
    snippets = page.cssselect("td.col-snippet")
    assert snippets
    for td in snippets:
        assert [m.text for m in td.cssselect("mark")] and all(
            m.text == "肉牛" for m in td.cssselect("mark"))
    [said] = page.cssselect("p.search-method")
    assert "a scan of every title and text" in said.text_content()
    assert all(a.get("href").startswith("/reports/reports/")
               for a in page.cssselect("td.col-title a"))


CHARTS = yaml.safe_load((REPO / "datasette.yml").read_text("utf-8"))[
    "plugins"]["datasette-dashboards"]["coverage"]["charts"]


def test_dashboard_charts_are_drawn(browsed, profile):
    url = f"{browsed}/-/dashboards/coverage"
    # The charts are drawn by JavaScript after their queries return: let it run.
    budget = "--virtual-time-budget=20000"
    screenshot(profile, "dashboard.png", url, 1600, budget)
    page = dom(profile, url, budget)
    for slug, chart in CHARTS.items():
        [box] = page.cssselect(f"#chart-{slug}")
        assert "vega-embed" in box.get("class"), slug
        [svg] = box.cssselect("svg.marks")
        # One rectangle per row of the chart's query (its filter unset).
        sql = re.sub(r"\[\[.*?\]\]", "", chart["query"])
        rows = get_json(f"{browsed}/reports.json?_shape=array&sql={q(sql)}&province=")
        marks = svg.cssselect("g.mark-rect.role-mark path")
        assert rows and len(marks) == len(rows), slug
    # Chinese labels are drawn as text (the provinces of the axis).
    labels = {t.text_content() for t in page.cssselect("#chart-coverage-by-province text")}
    assert {"北京市", "吉林省", "新疆维吾尔自治区"} <= labels


def test_a_cjk_font_is_installed():
    # Without one, Chinese renders as empty boxes in the screenshot.
    proc = subprocess.run(["fc-match", "-f", "%{family}", ":lang=zh-cn"],
                          capture_output=True, text=True)
    assert "CJK" in proc.stdout, "`make browser-deps` installs fonts-noto-cjk"
