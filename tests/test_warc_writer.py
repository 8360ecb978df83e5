"""The WARC writer on its own: records as received, linked, rotated, renamed when closed."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
from pathlib import Path

from scrapy import Request
from scrapy.http import HtmlResponse
from warcio.archiveiterator import ArchiveIterator

from archive.records import request_record, request_target, response_record
from archive.warcfile import OPEN_SUFFIX, RotatingWarcWriter

DATE = "2026-01-02T03:04:05.000006Z"


def exchange(body: bytes = b"<html>\xe6\x8a\xa5\xe5\x91\x8a</html>"):
    url = "http://www.example.gov.cn/list.jsp?page=2&col=zfgzbg"
    request = Request(url, headers={"User-Agent": "t", "Accept-Encoding": "gzip"})
    response = HtmlResponse(
        url, status=200, body=body, request=request,
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Set-Cookie", "a=1"),
                 ("Set-Cookie", "b=2")],
    )
    return request, response


def write_exchange(warc: RotatingWarcWriter, request, response):
    resp = response_record(warc.writer, response, DATE)
    req = request_record(warc.writer, request, response.url, DATE,
                         resp.rec_headers.get_header("WARC-Record-ID"))
    return warc.write(resp, req)


def read_records(path: Path):
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh):
            yield rec, rec.content_stream().read()


def test_records_as_received(tmp_path: Path):
    warc = RotatingWarcWriter(tmp_path, "t", 10**9, {"software": "test"})
    request, response = exchange()
    loc, _ = write_exchange(warc, request, response)
    assert (tmp_path / (loc.file + OPEN_SUFFIX)).exists(), "file is .open while being written"
    warc.close()
    path = tmp_path / loc.file
    assert path.exists() and not (tmp_path / (loc.file + OPEN_SUFFIX)).exists()

    records = list(read_records(path))
    kinds = [rec.rec_type for rec, _ in records]
    assert kinds == ["warcinfo", "response", "request"]
    (_, _), (resp, body), (req, _) = records
    assert resp.rec_headers.protocol == "WARC/1.1"
    assert body == response.body
    assert [v for k, v in resp.http_headers.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    digest = "sha1:" + base64.b32encode(hashlib.sha1(response.body).digest()).decode()
    assert resp.rec_headers.get_header("WARC-Payload-Digest") == digest
    assert req.rec_headers.get_header("WARC-Concurrent-To") == \
        resp.rec_headers.get_header("WARC-Record-ID")
    assert req.http_headers.protocol == "GET"
    assert req.http_headers.statusline.split()[0] == "/list.jsp?page=2&col=zfgzbg"
    assert req.http_headers.get_header("Host") == "www.example.gov.cn"

    # The recorded offset is where the response record starts.
    with open(path, "rb") as fh:
        fh.seek(loc.offset)
        first = next(iter(ArchiveIterator(fh)))
        assert first.rec_type == "response"
    check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(path)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_rotation_and_unique_names(tmp_path: Path):
    warc = RotatingWarcWriter(tmp_path, "t", 2000, {"software": "test"})
    request, response = exchange(os.urandom(3000))  # incompressible
    for _ in range(3):
        write_exchange(warc, request, response)
    warc.close()
    files = sorted(tmp_path.iterdir())
    assert len(files) == 3 and len(set(files)) == 3
    assert all(f.name.endswith(".warc.gz") for f in files)
    for f in files:
        assert [r.rec_type for r, _ in read_records(f)][0] == "warcinfo"


def test_request_target_keeps_query():
    assert request_target("http://h/a/b.html?x=1&y=%E4") == "/a/b.html?x=1&y=%E4"
    assert request_target("http://h") == "/"
