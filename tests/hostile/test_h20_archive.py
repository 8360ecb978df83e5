"""Hostile checks of the ISA-L WARC members and the spawned writer process (issue 20), on real
crawls of a small loopback site."""

from __future__ import annotations

import gzip
import os
import re
import sqlite3
import subprocess
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from fixtureweb.crawl import SCRAPY, crawl
from fixtureweb.loopback import PageHandler, served
from tests.paths import REPO

WARCIO = str(REPO / ".venv" / "bin" / "warcio")
PAGES = {f"/p{i}.html": [f"/p{j}.html" for j in range(i + 1, min(i + 4, 12))]
         for i in range(12)}


class _Site(PageHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = "/p0.html" if self.path == "/" else self.path
        if path not in PAGES:
            self.send_error(404)
            return
        links = "".join(f'<p><a href="{u}">第{u[2:-5]}页</a></p>' for u in PAGES[path])
        text = "".join(f"<p>{path}：本市各项工作稳步推进，第{i}段。</p>" for i in range(40))
        data = (f"<html><head><title>政府工作报告{path}</title></head><body>{text}{links}"
                "</body></html>").encode()
        self.send_page(data)


def _crawl(data: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    with served(_Site) as base:
        return crawl(data, None, "-a", f"start_urls={base}/", "-s", "DISCOVERY_SITEMAP=False",
                     "-s", "ROBOTSTXT_OBEY=False",
                     *(arg for s in settings for arg in ("-s", s)), timeout=240)


@pytest.mark.parametrize("level", ["abc", "-1", "10", "2.5", ""])
def test_a_bad_gzip_level_stops_the_crawl_with_a_clear_error(tmp_path, level):
    proc = _crawl(tmp_path, f"WARC_GZIP_LEVEL={level}")
    # Refused before anything starts: one line naming the setting, as any bad argument.
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert re.search(r"^scrapy crawl: error: .*WARC_GZIP_LEVEL", proc.stderr, re.M), \
        proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    # Nothing fetched and claimed archived.
    db = tmp_path / "reports.db"
    if db.exists():
        with sqlite3.connect(db) as conn:
            tables = {r[0] for r in conn.execute("select name from sqlite_master")}
            if "pages" in tables:
                assert conn.execute("select count(*) from pages").fetchone()[0] == 0


def _members(path: Path) -> int:
    """Members of a multi-member gzip file, each inflated by zlib on its own."""
    data, n = path.read_bytes(), 0
    while data:
        d = zlib.decompressobj(wbits=31)
        d.decompress(data)
        assert d.eof, "truncated member"
        data, n = d.unused_data, n + 1
    return n


@pytest.mark.parametrize("level", ["0", "3"])
def test_a_real_crawls_warcs_read_with_every_standard_reader(tmp_path, level):
    proc = _crawl(tmp_path, f"WARC_GZIP_LEVEL={level}", "WARC_MAX_SIZE=4000")
    assert proc.returncode == 0, proc.stderr[-3000:]
    warcs = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len(warcs) >= 2  # rotated: several files, each of many members
    responses = set()
    for path in warcs:
        assert subprocess.run(["gzip", "-t", str(path)]).returncode == 0, path
        check = subprocess.run([WARCIO, "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        assert gzip.decompress(path.read_bytes()).startswith(b"WARC/1.")
        with path.open("rb") as f:
            records = list(ArchiveIterator(f))
        assert _members(path) == len(records)
        with path.open("rb") as f:
            for rec in ArchiveIterator(f):
                if rec.rec_type == "response":
                    body = rec.content_stream().read()
                    assert "政府工作报告".encode() in body
                    responses.add(rec.rec_headers.get_header("WARC-Target-URI"))
    # All members of all files back to back: one stream the readers still walk.
    joined = tmp_path / "all.warc.gz"
    joined.write_bytes(b"".join(p.read_bytes() for p in warcs))
    with joined.open("rb") as f:
        assert sum(1 for r in ArchiveIterator(f) if r.rec_type == "response") == len(responses)
    assert len(responses) >= len(PAGES)  # "/" is p0.html


@pytest.mark.parametrize("module", ["opencc", "numpy"])  # db-writer, clean workers
def test_a_helper_that_cannot_import_what_it_needs_stops_the_crawl(tmp_path, module):
    # The module, hidden from every process of the crawl: whichever role imports it first
    # (the crawl process, the forkserver, a clean worker, a writer) must fail the crawl with
    # the import named, within the deadline, not leave it hanging.
    shadow = tmp_path / "shadow" / module
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(f"raise ImportError('hostile test: {module} hidden')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(shadow.parent), str(REPO)]))
    with served(_Site) as base:
        proc = subprocess.run(
            [SCRAPY, "crawl", "reports", "-s", f"DATA_DIR={tmp_path / 'data'}", "-a",
             f"start_urls={base}/", "-s", "AUTOTHROTTLE_ENABLED=False",
             "-s", "DISCOVERY_SITEMAP=False", "-s", "ROBOTSTXT_OBEY=False"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0, proc.stderr[-3000:]
    assert f"{module} hidden" in proc.stderr, proc.stderr[-3000:]
