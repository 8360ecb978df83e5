"""archive.contentcoding.decode, the one rule the crawl and `scrapy extract` decode with: a
body not in its claimed encoding is taken as it came; one cut or damaged is an error; a bomb
stops at max_size."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest
from backports import zstd

from archive.contentcoding import BrokenEncoding, InflatedTooLarge, decode

PAGE = ("<html><body>" + "".join(f"<p>第{i}条 现在，我代表市人民政府向大会报告工作。</p>"
                                 for i in range(3000)) + "</body></html>").encode()
PACKED = {
    b"gzip": gzip.compress(PAGE),
    b"deflate": zlib.compress(PAGE),
    b"br": brotli.compress(PAGE),
    b"zstd": zstd.compress(PAGE),
}


@pytest.mark.parametrize("coding", list(PACKED))
def test_a_whole_stream_decodes_to_the_page(coding: bytes) -> None:
    result = decode(PACKED[coding], [coding.upper()], max_size=10 * len(PAGE))
    assert (result.body, result.remaining, result.as_received) == (PAGE, [], None)


@pytest.mark.parametrize("coding", list(PACKED))
@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_a_stream_cut_before_its_end_is_an_error_not_a_shorter_page(coding: bytes,
                                                                    keep: float) -> None:
    packed = PACKED[coding]
    with pytest.raises(BrokenEncoding, match=f"truncated {coding.decode()} stream"):
        decode(packed[:int(len(packed) * keep)], [coding])


def test_gzip_cut_inside_its_trailer_or_with_a_wrong_crc_is_an_error() -> None:
    packed = PACKED[b"gzip"]
    with pytest.raises(BrokenEncoding, match="truncated gzip"):
        decode(packed[:-3], [b"gzip"])
    wrong_crc = packed[:-8] + bytes(a ^ 0xFF for a in packed[-8:-4]) + packed[-4:]
    with pytest.raises(BrokenEncoding, match="damaged gzip"):
        decode(wrong_crc, [b"gzip"])


def test_damage_inside_a_deflate_stream_is_an_error() -> None:
    packed = PACKED[b"deflate"]
    broken = packed[:40] + bytes(b ^ 0x55 for b in packed[40:60]) + packed[60:]
    with pytest.raises(BrokenEncoding, match="deflate"):
        decode(broken, [b"deflate"])


def test_raw_deflate_decodes_and_cut_raw_deflate_is_an_error() -> None:
    raw = zlib.compressobj(wbits=-15)
    packed = raw.compress(PAGE) + raw.flush()
    assert decode(packed, [b"deflate"]).body == PAGE
    with pytest.raises(BrokenEncoding, match="truncated deflate"):
        decode(packed[:len(packed) // 2], [b"deflate"])


def test_gzip_members_one_after_another_decode_whole() -> None:
    third = len(PAGE) // 3
    packed = b"".join(gzip.compress(PAGE[i:i + third]) for i in range(0, len(PAGE), third))
    assert decode(packed + b"\0" * 16, [b"gzip"]).body == PAGE  # zero padding is ignored
    with pytest.raises(BrokenEncoding, match="truncated gzip"):  # the last member cut
        decode(packed[:-10], [b"gzip"])


@pytest.mark.parametrize("claimed", [[b"gzip"], [b"x-gzip"], [b"deflate"], [b"br"], [b"zstd"],
                                     [b"x-foo, gzip"], [b"x-foo", b"GZIP"], [b"compress"]])
def test_a_plain_body_claimed_encoded_is_taken_as_it_came(claimed: list[bytes]) -> None:
    result = decode(PAGE, claimed)
    assert result.body == PAGE
    assert result.as_received is not None and result.as_received in b",".join(claimed).lower()
    assert result.remaining == [e.strip().lower() for c in claimed for e in c.split(b",")]


def test_decoding_stops_at_the_first_encoding_the_body_is_not_in() -> None:
    # gzip twice claimed, applied once: the outer one is undone, the inner one kept.
    result = decode(PACKED[b"gzip"], [b"gzip, gzip"])
    assert (result.body, result.remaining, result.as_received) == (PAGE, [b"gzip"], b"gzip")
    # An unknown encoding outermost: nothing can be undone under it.
    result = decode(PACKED[b"gzip"], [b"gzip, x-foo"])
    assert (result.body, result.remaining) == (PACKED[b"gzip"], [b"gzip", b"x-foo"])
    # identity is no encoding.
    assert decode(PACKED[b"br"], [b"br, identity"]).body == PAGE


def test_an_empty_body_is_left_alone() -> None:
    assert decode(b"", [b"gzip"]).body == b""
    assert decode(b"", [b"gzip"]).as_received is None


@pytest.mark.parametrize("coding", list(PACKED))
def test_a_bomb_stops_at_max_size(coding: bytes) -> None:
    zeros = bytes(8 << 20)
    bomb = {b"gzip": gzip.compress, b"deflate": zlib.compress, b"br": brotli.compress,
            b"zstd": zstd.compress}[coding](zeros)
    with pytest.raises(InflatedTooLarge) as too_large:
        decode(bomb, [coding], max_size=1 << 20)
    # Stopped within one 64 KiB step of the limit: the rest was never inflated.
    assert 1 << 20 < too_large.value.decompressed_size <= (1 << 20) + 64 * 1024
    assert decode(bomb, [coding], max_size=0).body == zeros  # 0: no limit
