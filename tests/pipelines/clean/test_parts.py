"""Articles split over pages: which page is which part (pipelines/clean/parts.py), how discovery
follows the parts (crawler/discovery.py), and how the writer stitches them (pipelines/store/stitch.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from crawler import discovery
from fixtureweb import load_manifest, site_file
from pipelines.clean import parts
from pipelines.clean.cleaner import clean
from pipelines.page import Fetch, Page
from pipelines.store import stitch
from pipelines.store.db import open_db, start_crawl
from pipelines.store.record import record_page

D = "http://www.x.gov.cn/zwgk/zfgzbg/202301/"
STEM = "t20230110_5039030"
PAGER = f'<script>createPageHTML(3, 0, "{STEM}", "html");</script>'
SPLIT = load_manifest()["parts_sites"][0]["split_report"]


def test_first_part_from_its_pager_or_its_links() -> None:
    found = parts.of_page(f"{D}{STEM}.html", [], PAGER)
    assert found == parts.Parts(f"{D}{STEM}.html", 0, (
        f"{D}{STEM}.html", f"{D}{STEM}_1.html", f"{D}{STEM}_2.html"))
    assert parts.of_page(f"{D}{STEM}.html", [f"{STEM}_1.html", "下一页"], "") == \
        parts.Parts(f"{D}{STEM}.html", 0, (f"{D}{STEM}.html", f"{D}{STEM}_1.html"))


def test_later_parts_know_the_first() -> None:
    found = parts.of_page(f"{D}{STEM}_2.html", [f"{STEM}.html", f"{STEM}_1.html"], "")
    assert (found.first, found.index, len(found.urls)) == (f"{D}{STEM}.html", 2, 3)
    pager = PAGER.replace("3, 0", "3, 1")
    assert parts.of_page(f"{D}{STEM}_1.html", [], pager).index == 1


@pytest.mark.parametrize(
    ("url", "hrefs", "html"),
    [
        (f"{D}{STEM}.html", ["/other/t20230110_1.html", "index.html"], ""),  # no sibling
        (f"{D}{STEM}.html", [f"../202302/{STEM}_1.html"], ""),  # another directory
        (f"{D}{STEM}_2.html", [f"{STEM}_1.html"], ""),  # one numbered neighbour only
        (f"{D}{STEM}.html", [], '<script>createPageHTML(3, 0, "index", "html");</script>'),
        (f"{D}index_1.html", ["index.html", "index_2.html"], ""),  # a list's pages
        (f"{D}a.html?id=3", [f"{STEM}_1.html"], ""),
        (f"{D}{STEM}.html", [f"http://[::1/{STEM}_1.html"], ""),  # a malformed link
    ],
)
def test_no_parts_without_evidence_of_the_pages_own(url: str, hrefs: list[str],
                                                    html: str) -> None:
    assert parts.of_page(url, hrefs, html) is None


def test_discovery_gives_a_reports_parts_the_report_kind() -> None:
    page, part = f"{D}{STEM}.html", f"{D}{STEM}_1.html"
    R, G = discovery.REPORT, discovery.GENERIC
    # From a report page, and from any page that mentions a work report.
    assert discovery.link_kind("2", part, page, R) == R
    assert discovery.link_kind("下一页", part, page, G, reportish=True) == R
    assert discovery.part_kind(part, page, G, reportish=True) == R
    # A news article's parts stay generic.
    news, news_part = page.replace("zwgk/zfgzbg", "xwzx"), part.replace("zwgk/zfgzbg", "xwzx")
    assert discovery.link_kind("下一页", news_part, news, G) == G
    assert discovery.part_kind(news_part, news, G, reportish=False) is None
    assert discovery.mentions_report("……2023年政府工作报告……")


def _page(host_path: str, offset: int) -> Page:
    url = f"http://{host_path}"
    body = site_file(url).read_bytes()
    fetch = Fetch(url, 200, "2023-01-12T08:30:15Z", warc_file="gzbg-1.warc.gz",
                  warc_offset=offset, warc_length=100, warc_type="response",
                  warc_record_id=f"<urn:uuid:{offset}>")
    return Page(url=url, status=200, content_type="text/html", body=body, fetches=[fetch],
                cleaned=clean(body, url))


def test_cleaner_marks_parts_and_only_the_first_is_a_report() -> None:
    results = [clean(site_file(u).read_bytes(), u) for u in SPLIT["parts"]]
    assert [(r.part_of, r.part_index) for r in results] == \
        [(SPLIT["url"], i) for i in range(3)]
    assert [r.is_report for r in results] == [True, False, False]
    assert all(r.part_urls == SPLIT["parts"] for r in results)


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2)])
def test_parts_in_any_order_make_one_stitched_row(tmp_path: Path, order: tuple[int, ...]) -> None:
    db = open_db(tmp_path / "reports.db")
    crawl = start_crawl(db, "reports")
    pages = [_page(u.removeprefix("http://"), i * 100) for i, u in enumerate(SPLIT["parts"])]
    for i in order:
        record_page(db, pages[i], crawl)
    rows = db.execute("select url, text, parts, is_fragment, chars from reports").fetchall()
    assert len(rows) == 1
    url, text, parts_json, is_fragment, chars = rows[0]
    assert (url, json.loads(parts_json), is_fragment) == (SPLIT["url"], SPLIT["parts"], 0)
    assert text == "\n".join(p.cleaned.text for p in pages) and chars == len(text)
    # Recording a part again (re-extraction) leaves the same row.
    record_page(db, pages[order[0]], crawl)
    assert db.execute("select text, parts from reports").fetchone() == (text, parts_json)
    # Clustering sees the stitched text.
    assert db.execute("select chars from report_copies").fetchone()[0] == chars
    db.close()


def test_a_missing_part_leaves_a_fragment_of_the_parts_before_it(tmp_path: Path) -> None:
    db = open_db(tmp_path / "reports.db")
    crawl = start_crawl(db, "reports")
    first, _second, third = (_page(u.removeprefix("http://"), i * 100)
                             for i, u in enumerate(SPLIT["parts"]))
    record_page(db, first, crawl)
    record_page(db, third, crawl)  # part 1 never came (a 404, a budget)
    text, parts_json, is_fragment = db.execute(
        "select text, parts, is_fragment from reports").fetchone()
    assert (json.loads(parts_json), is_fragment) == ([SPLIT["url"]], 1)
    assert text == first.cleaned.text
    db.close()


def test_stitch_does_nothing_before_the_first_part_is_a_report(tmp_path: Path) -> None:
    db = open_db(tmp_path / "reports.db")
    assert stitch.stitch(db, SPLIT["url"]) is None
    db.close()


def test_merging_workers_stitches_parts_fetched_by_different_workers(tmp_path: Path) -> None:
    from pipelines.store.merge import cluster_merged, merge_db

    pages = [_page(u.removeprefix("http://"), i * 100) for i, u in enumerate(SPLIT["parts"])]
    for worker, mine in (("a", (0, 1)), ("b", (1, 2))):
        db = open_db(tmp_path / f"{worker}.db")
        crawl = start_crawl(db, "reports")
        for i in mine:
            fetch = dataclasses.replace(pages[i].fetches[0], warc_file=f"gzbg-{worker}.warc.gz")
            record_page(db, Page(**{**pages[i].__dict__, "fetches": [fetch]}), crawl)
        db.close()
    out = open_db(tmp_path / "merged.db")
    for worker in ("a", "b"):
        merge_db(out, tmp_path / f"{worker}.db")
    cluster_merged(out)
    text, parts_json, is_fragment = out.execute(
        "select text, parts, is_fragment from reports").fetchone()
    assert (json.loads(parts_json), is_fragment) == (SPLIT["parts"], 0)
    assert text == "\n".join(p.cleaned.text for p in pages)
    assert out.execute("select chars from report_copies").fetchone()[0] == len(text)
    out.close()
