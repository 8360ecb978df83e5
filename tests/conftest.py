"""Fixtures shared by the test modules: the fixture web, one crawl of it, Datasette over that
crawl, a Redis server, and one uninterrupted crawl to compare with.  Each is started once per
test module that asks for it; a module may define its own of the same name instead."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtureweb.crawl import crawl, crawl_fixture_web
from fixtureweb.redisserver import running_redis
from fixtureweb.server import Running, running
from tests.browsing import datasette
from tests.faultcrawl import START


@pytest.fixture(scope="module")
def web() -> Iterator[Running]:
    """The fixture web on a free loopback port, as a proxy for its sites' hostnames."""
    with running() as server:
        yield server


@pytest.fixture(scope="module")
def crawled_web(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder of one crawl of every fixture site (WARCs, reports.db, the log)."""
    data = tmp_path_factory.mktemp("crawl")
    crawl_fixture_web(data)
    return data


@pytest.fixture(scope="module")
def browsed(crawled_web: Path) -> Iterator[str]:
    """`make browse` (Datasette) over crawled_web's database: its base URL."""
    with datasette(crawled_web / "reports.db") as base:
        yield base


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A real redis-server of the module's own on loopback, without persistence."""
    with running_redis() as url:
        yield url


@pytest.fixture(scope="module")
def reference(web: Running, tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The URLs one uninterrupted crawl of every fixture site records."""
    data = tmp_path_factory.mktemp("reference")
    proc = crawl(data, web.proxy_url, "-a", f"start_urls={START}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    with sqlite3.connect(data / "reports.db") as db:
        return {u for (u,) in db.execute("select url from pages")}
