"""Round 5 (issue 20) hostile tests of crawler.links: its per-page-context cache of resolved
hrefs must stay bounded whatever the pages say their base is."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from crawler import links


def _page(i: int) -> HtmlResponse:
    # Each page names a base on a host of its own (a content farm can): a new page context.
    # Its only link is relative, so nothing is ever added to that context's table.
    body = (f'<html><head><base href="http://b{i}.farm.example/d/"></head><body>'
            '<a href="x.html">x</a></body></html>').encode()
    return HtmlResponse(f"http://a.gov.cn/p{i}.html", body=body, encoding="utf-8")


def test_page_contexts_remembered_stay_bounded_over_many_bases():
    """_Resolved keeps a table per (base origin, page origin, encoding, denied); counting only
    hrefs toward its bound, contexts without a cacheable href piled up, one per page, for the
    whole crawl (~600 bytes a page: 600 MB after a million pages)."""
    links._resolved.clear()
    try:
        most = 0
        for i in range(links._CACHED + 2_000):
            links.extract_links(_page(i))
            most = max(most, len(links._resolved.tables))
    finally:
        links._resolved.clear()
    assert most <= links._CACHED
