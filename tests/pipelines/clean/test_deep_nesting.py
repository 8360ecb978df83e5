"""Pages nested past libxml2's default depth (256) are cleaned whole, as browsers show them:
Word and FrontPage exports leave a <font> or <span> open in every paragraph, and layouts put
tables in tables.  A page too deep even for huge-tree mode records that it was cut."""

from __future__ import annotations

import pytest

from fixtureweb.seeds import load
from pipelines.clean.cleaner import clean
from tests.shared import SEEDS

URL = "http://www.example.gov.cn/zwgk/zfgzbg/t1.html"
U8 = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture(scope="module")
def report():
    doc = load(SEEDS, "002")
    assert len(doc.body) > 100  # with 3 levels each, past libxml2's default depth of 256
    return doc


def page(title: str, paragraphs: str, wrap: int = 0) -> bytes:
    return ("<html><head><title>" + title + "</title></head><body>"
            + '<table width="100%"><tr><td>' * wrap + "<h1>" + title + "</h1>" + paragraphs
            + "</td></tr></table>" * wrap + "</body></html>").encode("utf-8")


@pytest.mark.parametrize("opened", ['<font face="仿宋_GB2312">', '<span style="font-size:16pt">',
                                    '<div class="p">'])
def test_a_tag_left_open_in_every_paragraph_keeps_the_whole_report(report, opened):
    closed = clean(page(report.title, "".join(f"<p>{p}</p>" for p in report.body)), URL, U8)
    assert closed.is_report and not closed.errors
    left_open = clean(page(report.title, "".join(f"<p>{opened * 2}{p}" for p in report.body)),
                      URL, U8)
    assert left_open.errors == []
    assert left_open.text == closed.text


def test_a_report_inside_a_hundred_nested_layout_tables_is_whole(report):
    paragraphs = "".join(f"<p>{p}</p>" for p in report.body)
    flat = clean(page(report.title, paragraphs), URL, U8)
    nested = clean(page(report.title, paragraphs, wrap=100), URL, U8)  # 300 levels
    assert nested.errors == [] and nested.is_report
    assert nested.text == flat.text


def test_a_page_too_deep_for_the_parser_says_so_and_keeps_what_came_before(report):
    before, after = report.body[:40], report.body[40:]
    hostile = page(report.title, "".join(f"<p>{p}</p>" for p in before) + "<div>" * 5000
                   + "".join(f"<p>{p}</p>" for p in after))
    result = clean(hostile, URL, U8)
    assert any("nested too deep" in e for e in result.errors), result.errors
    kept = clean(page(report.title, "".join(f"<p>{p}</p>" for p in before)), URL, U8)
    assert kept.text.splitlines()[-1] in result.text.splitlines()
