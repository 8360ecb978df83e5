"""Fixtures shared by the test modules that crawl the fixture web and compare with one
uninterrupted crawl of it (a module may define its own `web` instead)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from fixtureweb.crawl import crawl
from fixtureweb.server import Running, running
from tests.faultcrawl import START


@pytest.fixture(scope="module")
def web() -> Iterator[Running]:
    with running() as server:
        yield server


@pytest.fixture(scope="module")
def reference(web: Running, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The URLs one uninterrupted crawl of every fixture site records."""
    data = tmp_path_factory.mktemp("reference")
    proc = crawl(data, web.proxy_url, "-a", f"start_urls={START}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    with sqlite3.connect(data / "reports.db") as db:
        return {u for (u,) in db.execute("select url from pages")}
