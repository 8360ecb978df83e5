"""bench.server --hosts K: one site on K loopback addresses, one port, for the reactor-headroom
crawl with many hosts in flight (bench.run.hosts_run)."""

from __future__ import annotations

import urllib.request

import pytest

from bench.server import loopback_hosts, serving
from bench.sitegen import Site


def test_every_host_serves_the_same_site_on_one_port() -> None:
    with serving(30, hosts=3) as web:
        urls = web.url.split(",")
        assert urls == [f"http://127.0.0.{i}:{web.port}/" for i in (1, 2, 3)]
        assert web.hosts == 3 and web.pages == 3 * len(Site(10).routes)
        path = list(Site(10).paths())[-1]
        for url in urls:
            with urllib.request.urlopen(url.rstrip("/") + path, timeout=10) as resp:
                assert resp.status == 200 and resp.read() == Site(10).page(path)


def test_only_loopback_addresses() -> None:
    assert loopback_hosts(1) == ["127.0.0.1"]
    with pytest.raises(ValueError):
        loopback_hosts(255)
    with pytest.raises(ValueError):
        loopback_hosts(0)
