"""The WARC writer on its own: exact bytes, linked records, revisits, rotation, renaming."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import subprocess
import sys
import zlib
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from archive.archiver import Archiver, Exchange
from archive.dedup import DigestIndex, index_recovered
from archive.records import (
    archived_head,
    conversion_record,
    metadata_record,
    request_record,
    request_target,
    response_record,
)
from archive.warcfile import OPEN_SUFFIX, RotatingWarcWriter

DATE = "2026-01-02T03:04:05.000006Z"
RID = "<urn:uuid:00000000-0000-4000-8000-000000000001>"
REQ_ID = "<urn:uuid:00000000-0000-4000-8000-000000000002>"
URL = "http://www.example.gov.cn/list.jsp?page=2&col=zfgzbg"
BODY = "<html>政府工作报告</html>".encode()
RAW_HEAD = (b"HTTP/1.1 200 OK\r\n"
            b"Content-Type: text/html; charset=utf-8\r\n"
            b"ETag: \"abc\"\r\n"
            b"Set-Cookie: a=1; Path=/\r\n"
            b"Set-Cookie: b=2; Path=/\r\n"
            b"Transfer-Encoding: chunked\r\n"
            b"\r\n")


def sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def members(data: bytes) -> list[bytes]:
    """The decompressed gzip members of data, one per record."""
    out = []
    while data:
        inflater = zlib.decompressobj(wbits=31)
        out.append(inflater.decompress(data))
        assert inflater.eof, "truncated gzip member"
        data = inflater.unused_data
    return out


def test_golden_response_record_bytes():
    """Ids and dates fixed, every byte of the record is the one the WARC 1.1 spec asks for."""
    record = response_record(URL, archived_head(RAW_HEAD), BODY, DATE, "127.0.0.1", RID)
    buf = io.BytesIO()
    WARCWriter(buf, gzip=True, warc_version="WARC/1.1").write_record(record)
    [member] = members(buf.getvalue())

    http_block = RAW_HEAD.replace(b"Transfer-Encoding:", b"X-Archive-Orig-Transfer-Encoding:")
    block = http_block + BODY
    expected = (
        b"WARC/1.1\r\n"
        b"WARC-Date: " + DATE.encode() + b"\r\n"
        b"WARC-Record-ID: " + RID.encode() + b"\r\n"
        b"WARC-IP-Address: 127.0.0.1\r\n"
        b"WARC-Type: response\r\n"
        b"WARC-Target-URI: " + URL.encode() + b"\r\n"
        b"WARC-Payload-Digest: " + sha1(BODY).encode() + b"\r\n"
        b"WARC-Block-Digest: " + sha1(block).encode() + b"\r\n"
        b"Content-Type: application/http; msgtype=response\r\n"
        b"Content-Length: " + str(len(block)).encode() + b"\r\n"
        b"\r\n" + block + b"\r\n\r\n"
    )
    assert member == expected


def test_write_read_write_round_trip_is_byte_identical():
    records = [
        response_record(URL, archived_head(RAW_HEAD), BODY, DATE, "127.0.0.1", RID),
        request_record(URL, "GET", [("User-Agent", "t"), ("Accept-Encoding", "gzip")], b"",
                       DATE, RID, {"depth": 2}, REQ_ID),
        conversion_record(URL, "政府工作报告", RID, DATE,
                          "<urn:uuid:00000000-0000-4000-8000-000000000003>"),
    ]
    first = io.BytesIO()
    writer = WARCWriter(first, gzip=True, warc_version="WARC/1.1")
    for record in records:
        writer.write_record(record)
    second = io.BytesIO()
    rewriter = WARCWriter(second, gzip=True, warc_version="WARC/1.1")
    for record in ArchiveIterator(io.BytesIO(first.getvalue())):
        rewriter.write_record(record)
    assert members(second.getvalue()) == members(first.getvalue())
    assert len(members(first.getvalue())) == 3  # each record its own gzip member


def test_head_kept_as_received():
    head = archived_head(RAW_HEAD)
    assert head.get_statuscode() == "200"
    # Repeated headers all kept, names as the server spelled them.
    assert [v for k, v in head.headers if k == "Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]
    assert head.get_header("ETag") == '"abc"'
    # The body is stored de-chunked, so the framing header is renamed, not dropped.
    assert head.get_header("Transfer-Encoding") is None
    assert head.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"


def exchange(body: bytes = BODY, url: str = URL) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("User-Agent", "t")],
                    request_body=b"", head=archived_head(RAW_HEAD), body=body, date=DATE,
                    ip="127.0.0.1", crawl_meta={"depth": 1})


def read_records(path: Path):
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh):
            yield rec, rec.raw_stream.read()


def test_exchange_written_linked_and_renamed_when_closed(tmp_path: Path):
    warc = RotatingWarcWriter(tmp_path, "t", 10**9, {"software": "test"})
    archiver = Archiver(warc, None)
    fetch = archiver.write_exchange(exchange())
    assert (tmp_path / (fetch["warc_file"] + OPEN_SUFFIX)).exists(), ".open while written"
    archiver.close()
    path = tmp_path / fetch["warc_file"]
    assert path.exists() and not (tmp_path / (fetch["warc_file"] + OPEN_SUFFIX)).exists()

    (info, _), (resp, body), (req, _) = read_records(path)
    assert [info.rec_type, resp.rec_type, req.rec_type] == ["warcinfo", "response", "request"]
    assert resp.rec_headers.protocol == "WARC/1.1" and body == BODY
    assert resp.rec_headers.get_header("WARC-Payload-Digest") == sha1(BODY)
    assert resp.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert req.rec_headers.get_header("WARC-Concurrent-To") == fetch["warc_record_id"] == \
        resp.rec_headers.get_header("WARC-Record-ID")
    assert req.http_headers.statusline.split()[0] == "/list.jsp?page=2&col=zfgzbg"
    assert req.http_headers.get_header("Host") == "www.example.gov.cn"
    with open(path, "rb") as fh:  # the recorded offset is where the response record starts
        fh.seek(fetch["warc_offset"])
        assert gzip.GzipFile(fileobj=io.BytesIO(fh.read(fetch["warc_length"]))).read() \
            .startswith(b"WARC/1.1\r\n")
    check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(path)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_identical_payload_becomes_revisit_across_writers(tmp_path: Path):
    index_path = tmp_path / "digests.db"
    first = Archiver(RotatingWarcWriter(tmp_path / "a", "t", 10**9, {}), DigestIndex(index_path))
    original = first.write_exchange(exchange())
    first.close()
    # A later crawl (new writer, new index connection) sees the persisted digest.
    second = Archiver(RotatingWarcWriter(tmp_path / "b", "t", 10**9, {}), DigestIndex(index_path))
    again = second.write_exchange(exchange(url="http://www.example.gov.cn/copy.html"))
    changed = second.write_exchange(exchange(body=BODY + b"!"))
    second.close()
    assert again["warc_type"] == "revisit" and changed["warc_type"] == "response"
    rec, block = next((r, b) for r, b in read_records(tmp_path / "b" / again["warc_file"])
                      if r.rec_type == "revisit")
    h = rec.rec_headers
    assert h.get_header("WARC-Profile") == \
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert h.get_header("WARC-Refers-To") == original["warc_record_id"]
    assert h.get_header("WARC-Refers-To-Target-URI") == URL
    assert h.get_header("WARC-Refers-To-Date") == DATE
    assert h.get_header("WARC-Payload-Digest") == sha1(BODY)
    assert block == b""  # headers only: the payload is not stored twice


def test_digests_of_a_file_recovered_after_a_kill_are_indexed(tmp_path: Path):
    # The kill landed after the response reached the disk but before its digest reached the
    # index: the writer ran without one.
    unindexed = Archiver(RotatingWarcWriter(tmp_path / "a", "t", 10**9, {}), None)
    written = unindexed.write_exchange(exchange())
    unindexed.close()
    index = DigestIndex(tmp_path / "digests.db")
    assert index.lookup(sha1(BODY)) is None
    assert index_recovered(index, tmp_path / "a" / written["warc_file"]) == 1
    found = index.lookup(sha1(BODY))
    assert found is not None and found.record_id == written["warc_record_id"]
    assert found.uri == URL
    assert index_recovered(index, tmp_path / "a" / written["warc_file"]) == 0
    index.close()
    # So the next crawl writes the same payload as a revisit, not a second full copy.
    later = Archiver(RotatingWarcWriter(tmp_path / "b", "t", 10**9, {}),
                     DigestIndex(tmp_path / "digests.db"))
    assert later.write_exchange(exchange())["warc_type"] == "revisit"
    later.close()


def test_conversion_and_metadata_refer_to_the_response(tmp_path: Path):
    archiver = Archiver(RotatingWarcWriter(tmp_path, "t", 10**9, {}), None)
    fetch = archiver.write_exchange(exchange())
    conv_id, meta_id = archiver.write_conversion(
        URL, "清理后的正文", {"removals": [{"kind": "spam_word", "text": "博彩"}]},
        fetch["warc_record_id"], DATE)
    archiver.close()
    records = {r.rec_type: (r, b) for r, b in read_records(tmp_path / fetch["warc_file"])}
    conv, text = records["conversion"]
    meta, info = records["metadata"]
    assert conv.rec_headers.get_header("WARC-Refers-To") == fetch["warc_record_id"]
    assert conv.rec_headers.get_header("WARC-Target-URI") == URL
    assert text.decode("utf-8") == "清理后的正文"
    assert meta.rec_headers.get_header("WARC-Refers-To") == fetch["warc_record_id"]
    assert meta.rec_headers.get_header("WARC-Concurrent-To") == conv_id
    assert meta.rec_headers.get_header("WARC-Record-ID") == meta_id
    assert '"spam_word"' in info.decode("utf-8") and "博彩" in info.decode("utf-8")


def test_metadata_record_is_not_indexed_under_the_page_url():
    rec = metadata_record(URL, {}, RID, RID, DATE)
    assert rec.rec_headers.get_header("WARC-Target-URI") != URL
    assert rec.rec_headers.get_header("WARC-Target-URI").endswith(URL)


def test_rotation_and_unique_names(tmp_path: Path):
    archiver = Archiver(RotatingWarcWriter(tmp_path, "t", 2000, {"software": "test"}), None)
    for _ in range(3):
        archiver.write_exchange(exchange(os.urandom(3000)))  # incompressible
    archiver.close()
    files = sorted(tmp_path.iterdir())
    assert len(files) == 3 and len(set(files)) == 3
    assert all(f.name.endswith(".warc.gz") for f in files)
    for f in files:
        assert [r.rec_type for r, _ in read_records(f)][0] == "warcinfo"


def test_no_size_limit_is_one_file(tmp_path: Path):
    archiver = Archiver(RotatingWarcWriter(tmp_path, "t", 0, {"software": "test"}), None)
    for _ in range(3):
        archiver.write_exchange(exchange(os.urandom(3000)))
    archiver.close()
    assert len(list(tmp_path.iterdir())) == 1


def test_request_target_keeps_query():
    assert request_target("http://h/a/b.html?x=1&y=%E4") == "/a/b.html?x=1&y=%E4"
    assert request_target("http://h") == "/"


def test_a_head_sent_to_the_writer_is_parsed_there_to_the_same_fields_and_bytes():
    # The crawl process hands the writer the raw head alone; parsed on the other side, it
    # reads and writes as one parsed on this side.
    import pickle

    from warcio.statusandheaders import StatusAndHeadersParser

    here = archived_head(RAW_HEAD)
    assert vars(here) == {"raw": here.raw}  # nothing parsed on the reactor
    sent = pickle.loads(pickle.dumps(here))
    parsed = StatusAndHeadersParser([], verify=False).parse(io.BytesIO(here.raw))
    assert (sent.statusline, sent.headers, sent.protocol) == (
        parsed.statusline, parsed.headers, parsed.protocol)
    out = []
    for head in (here, sent, archived_head(RAW_HEAD)):
        buf = io.BytesIO()
        WARCWriter(buf, gzip=False, warc_version="WARC/1.1").write_record(
            response_record(URL, head, BODY, DATE, "127.0.0.1", RID))
        out.append(buf.getvalue())
    assert out[0] == out[1] == out[2]
    # A field set before the others are parsed stays as set.
    head = archived_head(RAW_HEAD)
    head.headers_buff = b"kept"
    assert head.get_statuscode() == "200" and head.headers_buff == b"kept"
