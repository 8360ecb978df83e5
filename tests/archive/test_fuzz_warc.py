"""Fuzzing WARC reading (re-extraction's reader): damaged files never crash it, damage is
reported with file, offset and length, and every record before and after the damage is still
read."""

from __future__ import annotations

import random
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.reader import Problem, read_entries

N_RECORDS = 6
BIG = 2  # this record's gzip member spans several of warcio's 16 KiB read blocks


def build_warc() -> tuple[bytes, list[tuple[int, int, bytes]]]:
    """A gzipped WARC of response records: (bytes, [(start, end, payload)] per record)."""
    rng = random.Random(11)
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    spans = []
    for i in range(N_RECORDS):
        chars = 20_000 if i == BIG else 300 + 50 * i
        payload = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(chars))
        body = f"<html><p>{payload}</p></html>".encode()
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                protocol="HTTP/1.1")
        fixed = {"WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-00000000000{i}>",
                 "WARC-Date": "2026-01-02T03:04:05.000006Z"}  # the same bytes every run
        record = writer.create_warc_record(f"http://www.example.gov.cn/{i}.html", "response",
                                           payload=BytesIO(body), http_headers=http,
                                           warc_headers_dict=fixed)
        start = out.tell()
        writer.write_record(record)
        spans.append((start, out.tell(), body))
    return out.getvalue(), spans


WARC, SPANS = build_warc()

damage = st.one_of(
    # A flipped bit: junk is the one byte it leaves.
    st.tuples(st.just("overwrite"), st.integers(0, len(WARC) - 1), st.integers(0, 7)).map(
        lambda c: (c[0], c[1], bytes([WARC[c[1]] ^ (1 << c[2])]))),
    st.tuples(st.just("truncate"), st.integers(1, len(WARC) - 1), st.binary(max_size=0)),
    st.tuples(st.just("overwrite"), st.integers(0, len(WARC) - 1), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("insert"), st.integers(0, len(WARC)), st.binary(min_size=1, max_size=64)),
)


def damaged(kind: str, at: int, junk: bytes) -> bytes:
    if kind == "truncate":
        return WARC[:at]
    if kind == "overwrite":
        return WARC[:at] + junk + WARC[at + len(junk):]
    return WARC[:at] + junk + WARC[at:]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage)
def test_damaged_warc_is_read_around_the_damage(tmp_path: Path, case):
    kind, at, junk = case
    path = tmp_path / "fuzz.warc.gz"
    data = damaged(kind, at, junk)
    path.write_bytes(data)
    problems: list[Problem] = []
    entries = list(read_entries(path, problems))  # must not raise
    payloads = [e.payload for e in entries]

    # Nothing damaged is passed off as good: every payload read is one that was written.
    originals = [body for _, _, body in SPANS]
    assert all(p in originals for p in payloads)
    # Every record wholly before the damage is read, unchanged, at its offset; so is every
    # record wholly after it (shifted by what an insert added).
    shift = len(data) - len(WARC)
    read = {(e.offset, e.payload) for e in entries}
    for start, end, body in SPANS:
        if end <= at:
            assert (start, body) in read
        elif kind != "truncate" and start > at + len(junk):
            assert (start + shift, body) in read
    # A record that was lost is accounted for by a problem naming the file and an offset in it.
    if any(body not in payloads for body in originals):
        assert problems
    for p in problems:
        assert p.file == path.name and 0 <= p.offset <= len(data)
        # The region skipped is in the file, and no record read overlaps it.
        assert 0 < p.length <= len(data) - p.offset
        assert all(e.offset + e.length <= p.offset or e.offset >= p.offset + p.length
                   for e in entries)
        # Safe to print whatever bytes the damage holds: escaped, and short.
        assert str(p).isascii() and str(p).isprintable() and len(p.message) < 200, str(p)


def test_a_flipped_bit_anywhere_in_a_big_member_costs_that_record_only(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    start, end, _ = SPANS[BIG]
    assert end - start > 2 * (1 << 14)
    path = tmp_path / "flip.warc.gz"
    for at in range(start + 10, end, 97):  # 10: past the header's time stamp (no CRC on it)
        path.write_bytes(damaged("overwrite", at, bytes([WARC[at] ^ 4])))
        problems: list[Problem] = []
        read = [(e.offset, e.payload) for e in read_entries(path, problems)]
        assert read == [(s, body) for s, _, body in SPANS if s != start], at
        assert problems == [Problem(path.name, start, problems[0].message, end - start)]
    # warcio's own prints about the damage (no file, no offset) are silenced: the Problem
    # says it.
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_undamaged_warc_reads_every_record_without_problems(tmp_path: Path):
    path = tmp_path / "ok.warc.gz"
    path.write_bytes(WARC)
    problems: list[Problem] = []
    entries = list(read_entries(path, problems))
    assert [e.payload for e in entries] == [body for _, _, body in SPANS]
    assert [e.offset for e in entries] == [start for start, _, _ in SPANS]
    assert problems == []
