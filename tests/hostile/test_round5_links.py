"""Round 5 (issue 20) hostile tests of crawler.links: its per-page-context cache of resolved
hrefs must stay bounded whatever the pages say their base is."""

from __future__ import annotations

import tracemalloc

from scrapy.http import HtmlResponse

from crawler import links


def _page(i: int) -> HtmlResponse:
    # Each page names a base on a host of its own (a content farm can): a new page context.
    # Its only link is relative, so nothing is ever added to that context's table.
    body = (f'<html><head><base href="http://b{i}.farm.example/d/"></head><body>'
            '<a href="x.html">x</a></body></html>').encode()
    return HtmlResponse(f"http://a.gov.cn/p{i}.html", body=body, encoding="utf-8")


def test_page_contexts_remembered_stay_bounded_over_many_bases():
    """_Resolved keeps a table per (base origin, page origin, encoding, denied) and counts only
    hrefs toward its bound: contexts without a cacheable href pile up, one per page, for the
    whole crawl (~600 bytes a page: 600 MB after a million pages)."""
    links._resolved.clear()
    for i in range(10_000):  # the bounded caches (joins, safe URLs) fill up first
        links.extract_links(_page(i))
    tracemalloc.start()  # what is allocated from here on and still held at the end
    try:
        for i in range(10_000, 40_000):
            links.extract_links(_page(i))
        grown = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        links._resolved.clear()
    # A bound of _CACHED (8192) contexts would hold about 5 MB of them at most.
    assert grown < 7_000_000, f"{grown / 1e6:.1f} MB more held after 30,000 more pages"
