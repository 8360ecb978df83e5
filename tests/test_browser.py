"""Headless Chromium (Debian's, kept off the network) opens a report's page in Datasette:
the rendered DOM holds the Chinese text and a screenshot is saved to test-artifacts/."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.browsing import MANIFEST, datasette, get_json, q
from tests.crawling import crawl_fixture_web

REPO = Path(__file__).resolve().parents[1]
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
def report_page(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser")
    crawl_fixture_web(data)
    db = data / "reports.db"
    with datasette(db) as base:
        [row] = get_json(f"{base}/reports/reports.json?_shape=array&url={q(TAONAN)}")
        yield f"{base}/reports/reports/{row['id']}", row, tmp_path_factory.mktemp("chromium")


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
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-row.png"
    shot.unlink(missing_ok=True)
    proc = run_chromium(profile, "--hide-scrollbars", "--window-size=1280,1600",
                        f"--screenshot={shot}", url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1280, 1600)
    assert len(png) > 50_000  # a page full of text, not a blank or error page


def test_a_cjk_font_is_installed():
    # Without one, Chinese renders as empty boxes in the screenshot.
    proc = subprocess.run(["fc-match", "-f", "%{family}", ":lang=zh-cn"],
                          capture_output=True, text=True)
    assert "CJK" in proc.stdout, "`make browser-deps` installs fonts-noto-cjk"
