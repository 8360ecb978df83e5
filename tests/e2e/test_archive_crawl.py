"""The archive a real crawl of the fixture web writes: tools pass, bytes as received, revisits.

Expected bytes come from the fixture web's files on disk, never from the archive code.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from fixtureweb import SITES_DIR, load_manifest
from fixtureweb.crawl import crawl_fixture_web
from fixtureweb.sitespec import HOSTS

MANIFEST = load_manifest()
REPORT_URLS = {r["url"] for s in MANIFEST["sites"] for r in s["reports"]}
WARCIO = str(Path(sys.executable).with_name("warcio"))


def records(path: Path):
    """(offset, record, block-or-payload bytes as stored) of every record in path."""
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for rec in it:
            raw = rec.raw_stream.read()
            yield it.get_record_offset(), rec, raw


def served_file(url: str) -> bytes:
    """The fixture file the server sends for url (before any gzip)."""
    parts = urlsplit(url)
    path = SITES_DIR / parts.hostname / parts.path.lstrip("/")
    return (path / "index.html" if path.is_dir() else path).read_bytes()


def sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def test_every_file_passes_warcio_check_index_and_gzip_t(crawled_web):
    files = sorted((crawled_web / "warc").glob("*.warc.gz"))
    assert files and not list((crawled_web / "warc").glob("*.open"))
    for f in files:
        check = subprocess.run([WARCIO, "check", "-v", str(f)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        index = subprocess.run([WARCIO, "index", str(f)], capture_output=True, text=True)
        assert index.returncode == 0, index.stderr
        assert len(index.stdout.splitlines()) == sum(1 for _ in records(f))
        # warcio does not notice a truncated last gzip member; gzip -t does.
        assert subprocess.run(["gzip", "-t", str(f)]).returncode == 0


def test_warcinfo_heads_every_file(crawled_web):
    for f in (crawled_web / "warc").glob("*.warc.gz"):
        _, first, block = next(records(f))
        assert first.rec_type == "warcinfo" and first.rec_headers.protocol == "WARC/1.1"
        fields = dict(line.split(": ", 1) for line in block.decode().splitlines() if line)
        assert {"software", "isPartOf", "robots", "format"} <= set(fields)
        assert fields["robots"] == "obey"


def test_payload_digests_and_bodies_as_received(crawled_web):
    gzipped = chunked = 0
    for f in (crawled_web / "warc").glob("*.warc.gz"):
        for _, rec, payload in records(f):
            if rec.rec_type != "response":
                continue
            # WARC 1.1: the digest of the de-chunked, still content-encoded body.
            assert rec.rec_headers.get_header("WARC-Payload-Digest") == sha1(payload)
            url = rec.rec_headers.get_header("WARC-Target-URI")
            site = HOSTS[urlsplit(url).hostname]
            if rec.http_headers.get_statuscode() != "200" or url.endswith("robots.txt"):
                continue
            if rec.http_headers.get_header("Content-Encoding") == "gzip":
                assert site.gzip
                assert gzip.decompress(payload) == served_file(url)
                assert rec.http_headers.get_header("Content-Length") == str(len(payload))
                gzipped += 1
            else:
                assert payload == served_file(url)
            if site.chunked:
                # Stored de-chunked; the server's framing header is kept under another name.
                assert rec.http_headers.get_header("Transfer-Encoding") is None
                assert rec.http_headers.get_header("X-Archive-Orig-Transfer-Encoding") == \
                    "chunked"
                chunked += 1
            assert rec.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert gzipped and chunked


def test_headers_exactly_as_the_server_sent_them(crawled_web):
    seen_cookies = False
    for f in (crawled_web / "warc").glob("*.warc.gz"):
        for _, rec, _ in records(f):
            if rec.rec_type not in ("response", "revisit") or \
                    rec.http_headers.get_statuscode() != "200":
                continue
            names = [name for name, _ in rec.http_headers.headers]
            # Scrapy would have said "Etag"; the server (http.server) says "ETag".
            assert "ETag" in names and "Etag" not in names
            site = HOSTS[urlsplit(rec.rec_headers.get_header("WARC-Target-URI")).hostname]
            if site.cookies and rec.http_headers.get_header("Content-Type", "").startswith(
                    "text/html"):
                cookies = [v for k, v in rec.http_headers.headers if k == "Set-Cookie"]
                assert cookies == list(site.cookies)  # every line kept, in order
                seen_cookies = True
    assert seen_cookies


def test_request_records_keep_the_query_and_link_to_their_response(crawled_web):
    responses, requests = {}, {}
    for f in (crawled_web / "warc").glob("*.warc.gz"):
        for _, rec, _ in records(f):
            rid = rec.rec_headers.get_header("WARC-Record-ID")
            if rec.rec_type in ("response", "revisit"):
                responses[rid] = rec.rec_headers.get_header("WARC-Target-URI")
            elif rec.rec_type == "request":
                requests[rec.rec_headers.get_header("WARC-Concurrent-To")] = rec
    assert responses and set(responses) == set(requests)
    for rid, url in responses.items():
        target = requests[rid].http_headers.statusline.split()[0]
        parts = urlsplit(url)
        assert target == (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def test_requests_ask_only_for_encodings_every_warc_reader_decodes(crawled_web):
    # Bodies are archived as received: br (warcio 1.8 fails on it) or zstd (warcio and pywb
    # do not know it) would make the archive unreadable to the tools that replay it.
    asked = {rec.http_headers.get_header("Accept-Encoding")
             for f in (crawled_web / "warc").glob("*.warc.gz")
             for _, rec, _ in records(f) if rec.rec_type == "request"}
    assert asked == {"gzip, deflate"}


def test_cleaned_text_archived_as_conversion_with_metadata(crawled_web):
    db = sqlite3.connect(crawled_web / "reports.db")
    texts = dict(db.execute("select url, text from reports"))
    assert set(texts) == REPORT_URLS
    ids, conversions, metadata = {}, {}, {}
    for f in (crawled_web / "warc").glob("*.warc.gz"):
        for _, rec, block in records(f):
            h = rec.rec_headers
            if rec.rec_type in ("response", "revisit"):
                ids[h.get_header("WARC-Record-ID")] = h.get_header("WARC-Target-URI")
            elif rec.rec_type == "conversion":
                conversions[h.get_header("WARC-Target-URI")] = (h, block.decode("utf-8"))
            elif rec.rec_type == "metadata":
                metadata[h.get_header("WARC-Concurrent-To")] = (h, json.loads(block))
    assert set(conversions) == REPORT_URLS
    for url, (h, text) in conversions.items():
        assert text == texts[url]
        assert ids[h.get_header("WARC-Refers-To")] == url  # refers to this page's response
        meta_h, info = metadata[h.get_header("WARC-Record-ID")]
        assert meta_h.get_header("WARC-Refers-To") == h.get_header("WARC-Refers-To")
        assert info["url"] == url and info["is_report"] is True
        stored = json.loads(db.execute("select removals from reports where url = ?",
                                       (url,)).fetchone()[0])
        assert [[r["kind"], r["text"]] for r in info["removals"]] == stored


def test_second_crawl_writes_revisits_not_new_payloads(crawled_web, tmp_path):
    data = tmp_path / "twice"
    crawl_fixture_web(data)
    first = set((data / "warc").glob("*.warc.gz"))
    crawl_fixture_web(data)
    second = set((data / "warc").glob("*.warc.gz")) - first
    assert second
    kinds: dict[str, int] = {}
    for f in second:
        for _, rec, payload in records(f):
            kinds[rec.rec_type] = kinds.get(rec.rec_type, 0) + 1
            if rec.rec_type == "response":
                assert payload == b"", f"payload stored again for {rec.rec_headers}"
            if rec.rec_type == "revisit":
                assert payload == b""
    assert kinds.get("revisit", 0) > 50
