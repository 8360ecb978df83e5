"""WARC files shaped by other tools (hostile-7 F8), built here from the records of real
WARCs: one gzip stream over many records (``gzip file.warc``), an uncompressed WARC named
.warc.gz, and empty gzip members.  Every record is read with its content, nothing is called
damage, each record gets an offset of its own that read_entry finds it at again, and damage
inside a stream is still reported."""

from __future__ import annotations

import gzip
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from archive.pages import read_archived
from archive.reader import RUNS_ON, Entry, Problem, read_entries, read_entry
from fixtureweb.crawl import REPO
from tests.shared import CORPUS

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
WARCS = CORPUS / "warc" / "pywb" / "sample_archive" / "warcs"
IANA = WARCS / "iana.warc.gz"  # 343 records, 2 MB of payloads: a stream of many read blocks
EXAMPLE = WARCS / "example.warc.gz"

pytestmark = pytest.mark.skipif(not WARCS.exists(), reason="shared corpus not mounted")


def entries(path: Path) -> tuple[list[Entry], list[Problem]]:
    problems: list[Problem] = []
    return list(read_entries(path, problems)), problems


def raw_records(warc: Path) -> list[bytes]:
    """The records of a one-record-per-member WARC, each decompressed, as stored."""
    data = warc.read_bytes()
    found, problems = entries(warc)
    assert found and not problems
    return [gzip.decompress(data[e.offset:e.offset + e.length]) for e in found]


def content(found: list[Entry]) -> list[tuple[str | None, str, bytes]]:
    return [(e.record.rec_headers.get_header("WARC-Record-ID"), e.record.rec_type, e.payload)
            for e in found]


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


EMPTY = gzip.compress(b"")


@pytest.mark.parametrize("source", [IANA, EXAMPLE], ids=["iana", "example"])
def test_one_gzip_stream_over_many_records_reads_every_record(source: Path,
                                                               tmp_path: Path) -> None:
    original, _ = entries(source)
    stream = write(tmp_path / source.name, gzip.compress(b"".join(raw_records(source))))
    found, problems = entries(stream)
    assert problems == []
    assert content(found) == content(original)
    # Record k of the member at 0 is at offset k: one location each, found again by it.
    assert [e.offset for e in found] == list(range(len(original)))
    for e in found[:3] + found[-3:]:
        again = read_entry(stream, e.offset)
        assert again is not None and content([again]) == content([e])
    assert read_entry(stream, len(original)) is None  # past the member's last record


def test_streams_and_single_record_members_mixed_in_one_file(tmp_path: Path) -> None:
    records = raw_records(EXAMPLE)
    members = [gzip.compress(records[0]), EMPTY, gzip.compress(b"".join(records[1:4])),
               gzip.compress(records[4]), gzip.compress(b"".join(records[5:])), EMPTY]
    warc = write(tmp_path / "mixed.warc.gz", b"".join(members))
    found, problems = entries(warc)
    assert problems == [] and content(found) == content(entries(EXAMPLE)[0])
    starts = [sum(len(m) for m in members[:i]) for i in range(len(members))]
    assert [e.offset for e in found] == [starts[0], starts[2], starts[2] + 1, starts[2] + 2,
                                         starts[3], starts[4]]
    for e in found:
        again = read_entry(warc, e.offset)
        assert again is not None and content([again]) == content([e])


def test_an_uncompressed_warc_named_gz_is_read_as_uncompressed(tmp_path: Path) -> None:
    records = raw_records(IANA)
    warc = write(tmp_path / "plain.warc.gz", b"".join(records))
    found, problems = entries(warc)
    assert problems == [] and content(found) == content(entries(IANA)[0])
    starts = [sum(len(r) for r in records[:i]) for i in range(len(records))]
    assert [e.offset for e in found] == starts
    again = read_entry(warc, starts[7])
    assert again is not None and content([again]) == content([found[7]])


def test_empty_gzip_members_are_skipped_without_a_word(tmp_path: Path) -> None:
    records = raw_records(EXAMPLE)
    members = [EMPTY * 1000, gzip.compress(records[0]), EMPTY * 3,
               *(gzip.compress(r) for r in records[1:]), EMPTY * 1000]
    warc = write(tmp_path / "empties.warc.gz", b"".join(members))
    found, problems = entries(warc)
    assert problems == [] and content(found) == content(entries(EXAMPLE)[0])
    # Each record where its own member starts, not where the empty ones before it do.
    assert found[0].offset == 1000 * len(EMPTY)
    assert found[1].offset == found[0].offset + len(members[1]) + 3 * len(EMPTY)
    again = read_entry(warc, found[1].offset)
    assert again is not None and content([again]) == content([found[1]])


def test_damage_inside_a_stream_is_reported_and_the_records_before_it_read(
        tmp_path: Path) -> None:
    records = raw_records(IANA)
    original, _ = entries(IANA)
    stream = gzip.compress(b"".join(records))
    after = gzip.compress(records[0])  # a good member after the damaged stream
    cut = write(tmp_path / "cut.warc.gz", stream[: len(stream) // 2] + after)
    found, problems = entries(cut)
    read = len(found) - 1
    assert 2 < read < len(records) - 1
    assert content(found[:-1]) == content(original[:read])
    assert content(found[-1:]) == content(original[:1]) and found[-1].offset == len(stream) // 2
    # From the first record not read (its index its offset) up to the next member's start.
    assert problems and problems[0].offset == read
    assert problems[-1].offset + problems[-1].length == len(stream) // 2


def test_a_member_running_on_past_one_record_is_still_damage(tmp_path: Path) -> None:
    """A Content-Length too short is not taken for a stream: reported as before."""
    records = raw_records(EXAMPLE)
    head, _, _ = records[1].partition(b"\r\n\r\n")
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    short = records[1].replace(b"Content-Length: %d" % length,
                               b"Content-Length: %d" % (length // 2), 1)
    members = [gzip.compress(records[0]), gzip.compress(short), gzip.compress(records[2])]
    warc = write(tmp_path / "short.warc.gz", b"".join(members))
    found, problems = entries(warc)
    assert content(found) == content([entries(EXAMPLE)[0][i] for i in (0, 2)])
    assert problems == [Problem(warc.name, len(members[0]), RUNS_ON, len(members[1]))]


@pytest.mark.parametrize("source", [IANA, EXAMPLE], ids=["iana", "example"])
def test_a_stream_failing_its_crc_is_reported(source: Path, tmp_path: Path) -> None:
    """Its records are read as the stream goes (it is never held whole): those whose own
    framing is sound before the CRC is met at the end."""
    records = raw_records(source)
    stream = bytearray(gzip.compress(b"".join(records)))
    stream[-6] ^= 0xFF  # in the CRC-32 of the trailer
    with pytest.raises(zlib.error):
        zlib.decompress(bytes(stream), wbits=31)
    warc = write(tmp_path / "crc.warc.gz", bytes(stream))
    found, problems = entries(warc)
    assert content(found) == content(entries(source)[0][:len(found)])
    [problem] = problems
    assert problem.offset == len(found) and problem.offset + problem.length == len(stream)


def test_read_archived_finds_a_record_of_a_stream(tmp_path: Path) -> None:
    warc = write(tmp_path / "warc" / EXAMPLE.name,
                 gzip.compress(b"".join(raw_records(EXAMPLE))))
    found, _ = entries(warc)
    for e in found:
        again = read_archived(warc.parent, warc.name, e.offset, 0)
        assert again is not None and content([again]) == content([e])


def pages(db: Path) -> list[dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("select * from pages order by url, fetched_at")]
    finally:
        con.close()


def extract(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRAPY, "extract", "-s", f"DATA_DIR={data}"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def test_extract_rebuilds_the_pages_of_a_stream_and_of_a_plain_file_named_gz(
        tmp_path: Path) -> None:
    records = raw_records(IANA)
    shapes = {"stream": gzip.compress(b"".join(records)), "plain": b"".join(records),
              "empties": EMPTY * 1000 + b"".join(gzip.compress(r) for r in records)}
    reference = tmp_path / "reference"
    write(reference / "warc" / IANA.name, IANA.read_bytes())
    assert extract(reference).returncode == 0
    expected = pages(reference / "reports.db")
    assert len(expected) > 100
    where = {"id", "warc_offset", "warc_length"}  # the rows' own numbers and locations
    for shape, data in shapes.items():
        root = tmp_path / shape
        write(root / "warc" / IANA.name, data)
        proc = extract(root)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "damaged" not in proc.stderr, proc.stderr
        rebuilt = pages(root / "reports.db")
        assert [{k: v for k, v in r.items() if k not in where} for r in rebuilt] == \
            [{k: v for k, v in r.items() if k not in where} for r in expected], shape


def test_warcios_non_chunked_example_is_a_stream_read_whole() -> None:
    """warcio calls it bad (not seekable by record); every record of it is good."""
    warc = CORPUS / "warc" / "warcio" / "test" / "data" / "example-bad-non-chunked.warc.gz"
    found, problems = entries(warc)
    assert problems == []
    assert [e.record.rec_type for e in found] == ["warcinfo", "warcinfo", "response", "request",
                                                   "revisit", "request"]
    assert [e.offset for e in found] == list(range(6))
    [response] = [e for e in found if e.record.rec_type == "response"]
    assert b"Example Domain" in gzip.decompress(response.payload)  # stored content-encoded
