"""End to end: a real crawl of the fixture web's partial-reports site stitches the report
split over three pages into one row (every part archived as its own response), stores the
chapter page as a fragment, and `scrapy extract` rebuilds both from the WARC alone."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from fixtureweb import load_manifest, site_file
from fixtureweb.crawl import REPO, SCRAPY, crawl
from fixtureweb.server import Running
from pipelines.clean.cleaner import clean

SITE = load_manifest()["parts_sites"][0]
SPLIT, FRAGMENT = SITE["split_report"], SITE["fragment"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, web: Running) -> Path:
    data = tmp_path_factory.mktemp("parts")
    proc = crawl(data, web.proxy_url, "-a", f"start_urls={SITE['start_url']}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return data


def reports(db: Path) -> dict[str, dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return {r["url"]: dict(r) for r in con.execute("select * from reports")}
    finally:
        con.close()


def check_rows(rows: dict[str, dict]) -> None:
    assert set(rows) == {SPLIT["url"], FRAGMENT["url"]}
    split = rows[SPLIT["url"]]
    assert json.loads(split["parts"]) == SPLIT["parts"]
    expected = "\n".join(clean(site_file(u).read_bytes(), u).text for u in SPLIT["parts"])
    assert split["text"] == expected and split["chars"] == len(expected)
    assert (split["is_fragment"], split["year"], split["speaker"], split["region"]) == \
        (0, SPLIT["year"], SPLIT["speaker"], SITE["region"])
    fragment = rows[FRAGMENT["url"]]
    assert (fragment["is_fragment"], fragment["year"], fragment["parts"]) == \
        (1, FRAGMENT["year"], None)


def test_crawl_stitches_the_parts_into_one_row(crawled: Path) -> None:
    check_rows(reports(crawled / "reports.db"))


def test_every_part_is_archived_and_has_its_page_row(crawled: Path) -> None:
    archived = set()
    for path in sorted((crawled / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "response":
                    archived.add(rec.rec_headers.get_header("WARC-Target-URI"))
    assert set(SPLIT["parts"]) <= archived
    con = sqlite3.connect(crawled / "reports.db")
    pages = dict(con.execute("select url, is_report from pages where status = 200"))
    con.close()
    assert [pages[u] for u in SPLIT["parts"]] == [1, 0, 0]


def test_extract_stitches_the_parts_from_the_warc(crawled: Path, tmp_path: Path) -> None:
    db = tmp_path / "rebuilt.db"
    proc = subprocess.run([SCRAPY, "extract", "-s", f"DATA_DIR={crawled}", "--db", str(db)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    check_rows(reports(db))
