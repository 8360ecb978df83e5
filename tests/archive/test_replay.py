"""`scrapy replay` runs a real pywb (from .venv-pywb) that serves the archived bytes."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fixtureweb.crawl import REPO, crawl_fixture_web
from fixtureweb.loopback import free_port
from fixtureweb.sitespec import HOSTS
from tests.e2e.test_archive_crawl import REPORT_URLS, records, served_file

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str, gzip_ok: bool = False) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    try:
        with NO_PROXY.open(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def archived_reports(data: Path) -> dict[str, tuple[str, bytes]]:
    """Report URL → (14-digit timestamp, payload bytes as archived), read from the WARCs."""
    payloads, found = {}, {}
    for f in sorted((data / "warc").glob("*.warc.gz")):
        for _, rec, payload in records(f):
            h = rec.rec_headers
            if rec.rec_type == "response":
                payloads[h.get_header("WARC-Record-ID")] = payload
            if rec.rec_type in ("response", "revisit"):
                url = h.get_header("WARC-Target-URI")
                if url in REPORT_URLS:
                    body = payloads[h.get_header("WARC-Refers-To")] \
                        if rec.rec_type == "revisit" else payload
                    stamp = "".join(c for c in h.get_header("WARC-Date") if c.isdigit())[:14]
                    found[url] = (stamp, body)
    return found


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    data = tmp_path_factory.mktemp("replay")
    crawl_fixture_web(data)
    port = free_port()
    proc = subprocess.Popen([SCRAPY, "replay", "-s", f"DATA_DIR={data}", "--port", str(port)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        # Said before the indexing, which says nothing while it runs.
        indexing = proc.stdout.readline()
        assert indexing.startswith("indexing ") and indexing.rstrip().endswith(
            f"in {data / 'warc'} for replay…"), indexing
        line = proc.stdout.readline()  # printed once pywb answers
        assert line.startswith("pywb replaying"), line
        yield data, f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    # pywb went down with the command: nothing listens on the port any more.
    with pytest.raises(OSError):
        NO_PROXY.open(f"http://127.0.0.1:{port}/", timeout=2)


def test_every_report_replays_with_the_archived_bytes(replay):
    data, base = replay
    reports = archived_reports(data)
    assert set(reports) == REPORT_URLS
    for url, (stamp, payload) in reports.items():
        status, headers, body = get(f"{base}/reports/{stamp}id_/{url}", gzip_ok=True)
        assert status == 200, url
        assert body == payload, url  # identity mode: the bytes the server sent


def test_gzip_encoded_report_replays(replay):
    data, base = replay
    url = next(u for u in REPORT_URLS if HOSTS[urlsplit(u).hostname].gzip)
    stamp, payload = archived_reports(data)[url]
    assert payload[:2] == b"\x1f\x8b"
    status, headers, body = get(f"{base}/reports/{stamp}id_/{url}", gzip_ok=True)
    assert headers.get("Content-Encoding") == "gzip" and body == payload
    # A client that cannot take gzip gets the decoded page, which is the served file.
    status, headers, body = get(f"{base}/reports/{stamp}id_/{url}")
    assert status == 200 and body == gzip.decompress(payload) == served_file(url)


def test_chunked_report_replays(replay):
    data, base = replay
    url = next(u for u in REPORT_URLS if HOSTS[urlsplit(u).hostname].chunked)
    stamp, payload = archived_reports(data)[url]
    status, headers, body = get(f"{base}/reports/{stamp}id_/{url}")
    assert status == 200 and body == payload == served_file(url)  # GBK bytes, unchanged
    assert headers.get("Content-Type") == "text/html; charset=gb2312"


def test_replay_view_shows_the_page(replay):
    data, base = replay
    for url, (stamp, payload) in archived_reports(data).items():
        status, _, frame = get(f"{base}/reports/{stamp}/{url}")
        assert status == 200 and b"wb_frame" in frame, url
        # The framed view loads the rewritten page from the mp_ URL.
        status, headers, page = get(f"{base}/reports/{stamp}mp_/{url}")
        assert status == 200, url
        text = page.decode(headers.get("Content-Type", "").partition("charset=")[2] or "utf-8")
        original = gzip.decompress(payload) if payload[:2] == b"\x1f\x8b" else payload
        title = original.split(b"<title>")[1].split(b"</title>")[0]
        charset = "gbk" if HOSTS[urlsplit(url).hostname].charset == "gb2312" else "utf-8"
        assert title.decode(charset).strip() in text, url


def test_no_live_web(replay):
    _, base = replay
    status, _, _ = get(f"{base}/live/http://www.taonan.gov.cn/")
    assert status == 404
    # A URL that was never archived is not fetched from anywhere: pywb answers not found.
    start = time.monotonic()
    status, _, _ = get(f"{base}/reports/2026id_/http://never-archived.example/")
    assert status == 404 and time.monotonic() - start < 10
