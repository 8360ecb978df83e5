"""crawler.links finds what Scrapy's LinkExtractor finds, link for link, on awkward pages."""

from __future__ import annotations

import itertools
from urllib.parse import urljoin

import pytest
from lxml import etree
from scrapy.http import HtmlResponse, JsonResponse, TextResponse, XmlResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.selector import Selector

from crawler import links

HREFS = [
    "/zwgk/index.html", "zwgk/t20230110_1.html", "./t1.html", "../up/t2.html", "../../../x",
    "?page=2", "#top", "", "  /spaced.html\n", "//cdn.example.org/a.html",
    "http://other.example.org/p?q=1#f", "https://gov.example.cn/", "HTTP://Upper.example.org/",
    "http:relative.html", "http:///nohost", "javascript:window.print()", "mailto:a@b.cn",
    "/政府工作报告.html", "/search?q=报告&p=1", "/a b/c d.html", "/dl/report.PDF",
    "/files/notes.docx", "/style.css", "/photo.JPG", "/archive.zip", "http://[bad/",
    "/zwgk/index.html", "/a/./b/../c.html", "/path;params?x#y", "ftp://files.example.org/r.pdf",
]


def page(hrefs: list[str], base: str = "") -> str:
    anchors = "".join(f'<a href="{h}">link <b>{i}</b> text</a> <p>para {i}</p>'
                      for i, h in enumerate(hrefs))
    head = f'<base href="{base}">' if base else ""
    return (f"<html><head>{head}</head><body><map><area href=\"/area.html\"></map>"
            f"<a name=\"no-href\">x</a><link href=\"/not-a-link.css\">{anchors}</body></html>")


def scrapy_links(response: HtmlResponse) -> list[tuple[str, str]]:
    extractor = LinkExtractor(tags=("a", "area"), attrs=("href",),
                              deny_extensions=[e[1:] for e in links.DENIED_EXTENSIONS])
    return [(link.url, link.text) for link in extractor.extract_links(response)]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
@pytest.mark.parametrize("url,base", [
    ("http://gov.example.cn/zwgk/zfgzbg/index.html", ""),
    ("https://gov.example.cn/a/b/c/t.html?x=1", ""),
    ("http://gov.example.cn/a/b.html", "http://mirror.example.org/base/dir/"),
    ("http://gov.example.cn/a/b.html", "/rooted/"),
])
def test_same_links_as_scrapy(url: str, base: str, encoding: str) -> None:
    body = page(HREFS, base).encode(encoding)
    response = HtmlResponse(url, body=body, encoding=encoding)
    expected = scrapy_links(response)
    assert expected, "the page has links to compare"
    # Twice: the second time the cached joins and verdicts answer.
    for _ in range(2):
        found = links.extract_links(HtmlResponse(url, body=body, encoding=encoding))
        assert [(link.url, link.text) for link in found] == expected


def test_xhtml_parsed_as_xml() -> None:
    body = ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>'
            '<a href="/x.html">x</a><area href="y.html"/><a href="/z.css">z</a></body></html>')
    response = XmlResponse("http://gov.example.cn/d/p.xhtml", body=body.encode())
    found = [(link.url, link.text) for link in links.extract_links(response)]
    assert found == scrapy_links(response)
    assert [u for u, _ in found] == ["http://gov.example.cn/x.html",
                                     "http://gov.example.cn/d/y.html"]


def test_cached_join_equals_urljoin() -> None:
    bases = ["http://gov.example.cn/a/b/c.html?q=1#f", "https://gov.example.cn/", "http://h:8080",
             "ftp://files.example.org/d/", "http://user@h.example.org/x/;p?q"]
    for base, href in itertools.product(bases, HREFS):
        try:
            expected = urljoin(base, href)
        except ValueError:
            with pytest.raises(ValueError):
                links._join(base, links._origin(base), href)
            continue
        assert links._join(base, links._origin(base), href) == expected, (base, href)


def test_an_unusable_base_falls_back_to_the_page_url() -> None:
    # Scrapy's LinkExtractor raises on such a page: the spider would follow none of its links.
    body = (b'<html><head><base href="http://[bad/"></head><body>'
            b'<a href="z.html">z</a><a href="http://b.gov.cn/q">q</a></body></html>')
    response = HtmlResponse("http://a.gov.cn/x/y.html", body=body, encoding="utf-8")
    assert [link.url for link in links.extract_links(response)] == [
        "http://a.gov.cn/x/z.html", "http://b.gov.cn/q"]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_links_dealt_with_are_left_out_and_asked_about_once(encoding: str) -> None:
    body = page(HREFS + HREFS, "").encode(encoding)
    url = "http://gov.example.cn/zwgk/index.html"
    every = links.extract_links(HtmlResponse(url, body=body, encoding=encoding))
    asked: list[str] = []

    def dealt_with(link: str) -> bool:
        asked.append(link)
        return len(asked) % 2 == 0

    kept = links.extract_links(HtmlResponse(url, body=body, encoding=encoding),
                               dealt_with=dealt_with)
    assert asked == [link.url for link in every]
    assert kept == every[::2]


def test_long_links_are_worked_out_each_time_not_remembered() -> None:
    hrefs = [f"/{i}/" + "a" * 2000 for i in range(3)] + [f"http://b.gov.cn/{'b' * 300}", "/x"]
    url = "http://gov.example.cn/d/p.html"
    body = page(hrefs).encode()
    for cache in (links._cached_join, links._cached_safe, links._cached_allowed):
        cache.cache_clear()
    links._resolved.clear()
    found = [(link.url, link.text) for link in
             links.extract_links(HtmlResponse(url, body=body, encoding="utf-8"))]
    assert found == scrapy_links(HtmlResponse(url, body=body, encoding="utf-8"))
    assert len(found) == 6  # and page()'s <area>
    # Only the short links were remembered (/x and /area.html, joined before and after
    # they are made safe, and whole: two hrefs and their page context).
    assert [c.cache_info().currsize for c in (links._cached_join, links._cached_safe,
                                              links._cached_allowed)] == [4, 2, 2]
    assert links._resolved.held == 3


# Bodies whose text parsel would strip, clean of NULs or have decoded with replacements, and
# others it takes as they are: the page's tree must be parsel's for each.
BODIES = [
    page(HREFS).encode(), b"\xef\xbb\xbf" + page(HREFS).encode(), b"\n  " + page(HREFS).encode(),
    "\u3000".encode() + page(HREFS).encode(), page(HREFS).encode() + b"\x00\n",
    page(HREFS).encode().replace(b"<p>", b"<p>\xff\xfe", 1), page(["/\ufffd.html"]).encode(),
    page(HREFS).encode("gb18030"), b"", b" \n", b"<!-- nothing else -->", b"plain text",
    b"\xff\xfe" + page(HREFS).encode("utf-16-le"),
    b"<html><body><a href='/a'>\x00a</a></body></html>",
]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "latin-1"])
def test_the_page_is_parsed_as_scrapys_selector_parses_it(body: bytes, encoding: str) -> None:
    url = "http://gov.example.cn/zwgk/index.html"
    response = HtmlResponse(url, body=body, encoding=encoding)
    ours, _ = links._html_root(response, response.encoding, None)
    theirs = Selector(HtmlResponse(url, body=body, encoding=encoding)).root
    assert etree.tostring(ours) == etree.tostring(theirs)
    # The body is parsed as it is only when it is the text's UTF-8 bytes exactly.
    text = response.text
    as_is = links._utf8_body(response, response.encoding, text)
    assert as_is is None or as_is == text.strip().replace("\x00", "").encode("utf-8")
    as_they_are = (BODIES[0], b"", b"<!-- nothing else -->", b"plain text")
    assert (as_is is not None) == (encoding == "utf-8" and body in as_they_are)


def test_an_href_remembered_whole_gives_the_link_of_every_page_it_is_on() -> None:
    # The same hrefs on pages of other origins, other bases and other encodings, met in turn
    # with the hrefs' links remembered from the pages before: each page's links are its own.
    pages = [("http://gov.example.cn/a/b.html", "", "utf-8"),
             ("https://gov.example.cn/a/b.html", "", "utf-8"),
             ("http://other.example.org:8080/c/d.html", "", "utf-8"),
             ("http://gov.example.cn/a/b.html", "http://mirror.example.org/base/dir/", "utf-8"),
             ("http://gov.example.cn/a/b.html", "", "gb18030"),
             ("http://gov.example.cn/x/y/z.html", "/rooted/", "utf-8"),
             ("http://gov.example.cn/a/b.html", "http://[bad/", "utf-8")]
    links._resolved.clear()
    for _ in range(2):
        for url, base, encoding in pages:
            body = page(HREFS, base).encode(encoding)
            found = links.extract_links(HtmlResponse(url, body=body, encoding=encoding))
            expected = (scrapy_links(HtmlResponse(url, body=body, encoding=encoding))
                        if "[bad" not in base else
                        links.extract_links(HtmlResponse(url, body=page(HREFS).encode())))
            assert [(link.url, link.text) for link in found] == expected, (url, base, encoding)
    assert links._resolved.held > 0


def test_the_whole_href_cache_is_bounded() -> None:
    resolved = links._Resolved(3)
    table = resolved.table(("http://a/", "http://a/", "utf-8", ()))
    for i in range(5):
        resolved.add(table, f"/{i}", f"http://a/{i}")
    resolved.add(table, "/" + "x" * links._CACHED_LENGTH, None)  # too long to be held
    assert len(table) == 2 and resolved.held == 3  # the context counts as one
    # Full: the next page starts afresh.
    assert resolved.table(("http://b/", "http://b/", "utf-8", ())) == {}
    assert resolved.held == 1 and len(resolved.tables) == 1


@pytest.mark.parametrize(("cls", "body"), [(JsonResponse, b'{"a": "<a href=\\"/x\\">x</a>"}'),
                                          (TextResponse, b"[1, 2]")])
def test_a_json_body_has_no_links_and_no_error(cls: type[TextResponse], body: bytes) -> None:
    # Scrapy's selector gives a JSON body a dict, not a tree: the callback raised on it.
    response = cls("http://127.0.0.1/a.json", body=body, encoding="utf-8")
    assert links.extract_links(response) == []


def test_a_plain_text_body_with_markup_keeps_its_links() -> None:
    response = TextResponse("http://127.0.0.1/a.txt", body=b'see <a href="/x">x</a>',
                            encoding="utf-8")
    assert [link.url for link in links.extract_links(response)] == ["http://127.0.0.1/x"]
