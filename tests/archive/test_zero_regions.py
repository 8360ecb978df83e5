"""A zero-filled region in a WARC file (a tail after a power loss, a sparse file) is one
damaged region, passed over at disk speed in bounded memory, with the records after it read;
warcio alone reads it as one endless header line (10 MB of zeros: 550 MB of memory)."""

from __future__ import annotations

import gzip
import io
import tracemalloc
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.index import read_damage
from archive.reader import ZERO_RUN, ZEROS, read_entries, zero_run
from tests.shared import CORPUS

GOOD = CORPUS / "warc" / "warcio" / "test" / "data" / "example.warc.gz"
ZERO_BYTES = 32 << 20


def one_response(path: Path, payload: bytes) -> Path:
    """A WARC file (gzipped by its name) holding one response with this payload."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=path.name.endswith(".gz"))
        http = StatusAndHeaders("200 OK", [("Content-Type", "application/octet-stream")],
                                protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "http://127.0.0.1/doc", "response", payload=io.BytesIO(payload),
            http_headers=http))
    return path


def records(path: Path) -> tuple[list[str], list]:
    problems: list = []
    tracemalloc.start()
    try:
        ids = [e.record.rec_headers.get_header("WARC-Record-ID")
               for e in read_entries(path, problems)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < ZERO_BYTES, f"{peak} bytes held while reading past {ZERO_BYTES} zeros"
    return ids, problems


def test_zeros_between_two_runs_of_records(tmp_path: Path) -> None:
    good = GOOD.read_bytes()
    path = tmp_path / "a.warc.gz"
    path.write_bytes(good + b"\0" * ZERO_BYTES + good)
    alone, _ = records(GOOD)
    ids, problems = records(path)
    assert ids == alone + alone  # the records after the zeros are read too
    assert [(p.offset, p.message, p.length) for p in problems] == \
        [(len(good), ZEROS, ZERO_BYTES)]
    # The run may start inside the last gzip trailer, which can end in zeros.
    at = zero_run(path)
    assert at is not None and len(good) - 8 <= at <= len(good)
    assert read_damage(path) == f"at offset {at}: {ZEROS}"


def test_a_file_of_zeros_only(tmp_path: Path) -> None:
    path = tmp_path / "z.warc.gz"
    path.write_bytes(b"\0" * ZERO_BYTES)
    ids, problems = records(path)
    assert ids == [] and [(p.offset, p.message) for p in problems] == [(0, ZEROS)]


def test_zeros_in_an_uncompressed_payload_are_the_page(tmp_path: Path) -> None:
    # A document's padding, of any length: in an uncompressed file no run of zeros is damage.
    payload = b"%PDF-1.4\n" + b"\0" * (3 << 20) + b"%%EOF\n"
    path = one_response(tmp_path / "doc.warc", payload)
    problems: list = []
    entries = list(read_entries(path, problems))
    assert problems == [] and [e.payload for e in entries] == [payload]
    assert zero_run(path) is None and read_damage(path) is None
    # Gzipped, such a payload leaves runs of at most ~4 KB of zeros (deflate's blocks of a
    # repeated byte), far under a zero-filled region's.
    assert gzip.compress(payload).count(b"\0" * ZERO_RUN) == 0


def test_a_gzipped_record_of_zeros_is_read_whole(tmp_path: Path) -> None:
    payload = b"\0" * (64 << 20)  # deflated, runs of a few KB of zeros: no region
    path = one_response(tmp_path / "zeros-page.warc.gz", payload)
    problems: list = []
    entries = list(read_entries(path, problems, max_payload=1))
    assert problems == [] and [e.too_large for e in entries] == [len(payload)]
    assert zero_run(path) is None and read_damage(path) is None
