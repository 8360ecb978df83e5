"""LINKS_MAX_PER_PAGE and LINKS_MAX_BYTES: a page's links are read up to limits, the rest
counted (hostile-7 F14); pages of ordinary size give the same links as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from crawler import links, settings
from tests.paths import REPO

FIXTURE_PAGES = sorted(p for p in (REPO / "fixtureweb").rglob("*")
                       if p.suffix in (".html", ".htm", ".shtml") and p.is_file())


def listing(count: int, dupes: int = 0) -> HtmlResponse:
    """A list page of `count` report links, each href then repeated `dupes` times over."""
    hrefs = [f"/zwgk/zfgzbg/t{i}.html" for i in range(count)] * (dupes + 1)
    anchors = "".join(f'<a href="{h}">{i}年政府工作报告</a>' for i, h in enumerate(hrefs))
    body = f"<html><body><a name='top'>no href</a>{anchors}</body></html>".encode()
    return HtmlResponse("http://gov.example.cn/zwgk/zfgzbg/index.html", body=body,
                        encoding="utf-8")


def test_the_default_limit_is_far_above_a_real_list_page() -> None:
    most = max(len(links.extract_links(_response(p))) for p in FIXTURE_PAGES)
    assert most * 10 < settings.LINKS_MAX_PER_PAGE


def test_links_past_the_limit_are_counted_not_read() -> None:
    found, cut, _ = links.page_links(listing(50), 20, None)
    assert [link.url for link in found] == [
        f"http://gov.example.cn/zwgk/zfgzbg/t{i}.html" for i in range(20)]
    assert cut == 30


def test_the_limit_counts_hrefs_read_repeats_included() -> None:
    # Each repeat of an href is read (resolved or looked up) again: the limit bounds that work.
    found, cut, _ = links.page_links(listing(10, dupes=2), 25, None)
    assert len(found) == 10
    assert cut == 5


@pytest.mark.parametrize("limit", [None, 50, 51, 10_000])
def test_a_page_within_the_limit_gives_every_link(limit: int | None) -> None:
    found, cut, bytes_left = links.page_links(listing(50), limit, limit and limit * 100)
    assert found == links.extract_links(listing(50))
    assert len(found) == 50 and cut == bytes_left == 0


def test_dealt_with_links_count_towards_the_limit() -> None:
    found, cut, _ = links.page_links(listing(30), 20, None, dealt_with=lambda url: url.endswith("1.html"))
    assert [link.url.rsplit("/", 1)[1] for link in found] == [
        f"t{i}.html" for i in range(20) if i not in (1, 11)]
    assert cut == 10


def test_fixture_pages_give_the_same_links_under_the_default_limit() -> None:
    assert FIXTURE_PAGES
    for path in FIXTURE_PAGES:
        found, cut, bytes_left = links.page_links(_response(path), settings.LINKS_MAX_PER_PAGE,
                                                  settings.LINKS_MAX_BYTES)
        assert cut == bytes_left == 0, path
        assert found == links.extract_links(_response(path)), path


@pytest.mark.parametrize("kind", [HtmlResponse, XmlResponse])
def test_only_the_first_bytes_are_parsed_for_links(kind: type[TextResponse]) -> None:
    # A page with a multi-byte character just where it is cut: the cut never splits one.
    body = listing(200).body
    response = kind("http://gov.example.cn/zwgk/zfgzbg/index.html", body=body, encoding="utf-8")
    head = body.index(b't100.html">100') + len(b't100.html">100')
    found, cut, bytes_left = links.page_links(response, None, head + 1)
    assert [link.url.rsplit("/", 1)[1] for link in found] == [f"t{i}.html" for i in range(101)]
    assert cut == 0
    assert bytes_left == len(body) - head  # the rest of 年, cut inside, goes with the rest
    assert found[-1].text == "100"


def test_an_ordinary_page_is_parsed_whole_within_the_byte_limit() -> None:
    body = listing(200).body
    found, _, bytes_left = links.page_links(listing(200), None, len(body))
    assert found == links.extract_links(listing(200)) and bytes_left == 0


def _response(path: Path) -> HtmlResponse:
    url = "http://" + "/".join(path.relative_to(REPO / "fixtureweb").parts[1:])
    return HtmlResponse(url, body=path.read_bytes())
