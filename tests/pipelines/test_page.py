"""The Page record the spider hands to the pipelines."""

from __future__ import annotations

from pipelines.clean.result import CleanResult
from pipelines.page import Fetch, Page


def test_repr_names_the_page_without_its_body_or_text() -> None:
    # Scrapy logs a dropped item's repr: a page dropped for a failed archive write (a full
    # disk drops many) must not put megabytes of escaped body and text in the log.
    body = "政府工作报告".encode() * 200_000
    page = Page("http://127.0.0.1/r.html", 200, "text/html", body=body,
                fetches=[Fetch("http://127.0.0.1/r.html", 200, archive_error="disk full")],
                cleaned=CleanResult(text="报告正文" * 100_000))
    shown = repr(page)
    assert "http://127.0.0.1/r.html" in shown and "disk full" in shown
    assert f"length={len(body)}" in shown
    assert len(shown) < 1000
