"""Crawl-level settings per site: a site's max_depth in the sites file caps its link depth."""

from __future__ import annotations

import json
import sqlite3

from fixtureweb.crawl import crawl
from fixtureweb.demo import FIXTURE_SITES

CAPPED = "www.beipiao.gov.cn"


def test_site_max_depth_caps_only_that_site(tmp_path, web):
    text = FIXTURE_SITES.read_text(encoding="utf-8")
    marker = f'hosts = ["{CAPPED}"]\n'
    assert marker in text
    sites = tmp_path / "sites.toml"
    sites.write_text(text.replace(marker, marker + "max_depth = 1\n"), encoding="utf-8")
    proc = crawl(tmp_path / "data", web.proxy_url, "-s", f"SITES_FILE={sites}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = sqlite3.connect(tmp_path / "data" / "reports.db")
    depth = dict(db.execute("select host, max(depth) from pages group by host"))
    assert depth[CAPPED] == 1
    assert min(d for h, d in depth.items() if h != CAPPED) >= 2
    stats = json.loads(db.execute("select stats from crawls").fetchone()[0])
    assert stats["sitedepth/dropped"] > 0
