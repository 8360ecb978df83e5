"""Declared charsets the bytes contradict: GB and Big5 swapped, UTF-16/32, EBCDIC or UTF-7
declared over ASCII-compatible markup.  The page is decoded from what it is, and the
declaration not followed is recorded as a "charset" removal."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from pipelines.clean.cleaner import clean
from pipelines.clean.decode import decode
from tests.shared import CORPUS

SAMPLES = CORPUS / "encodings" / "chardet" / "tests"
GB_SAMPLES = sorted((SAMPLES / "GB2312").glob("*"))
BIG5_SAMPLES = sorted((SAMPLES / "Big5").glob("*"))
needs_samples = pytest.mark.skipif(not BIG5_SAMPLES or not GB_SAMPLES,
                                   reason="shared corpus (encodings/) not mounted")

HANS = ("各位代表：现在，我代表市人民政府向大会报告工作，请予审议，并请市政协各位委员提出意见。"
        "过去一年，全市经济发展稳中有进，地区生产总值增长百分之六点五，城乡居民收入稳步提高。")
HANT = ("各位代表：現在，我代表市人民政府向大會報告工作，請予審議，並請市政協各位委員提出意見。"
        "過去一年，全市經濟發展穩中有進，地區生產總值增長百分之六點五，城鄉居民收入穩步提高。")


def page(charset: str, text: str) -> str:
    return (f"<html><head><meta charset='{charset}'><title>Report</title></head>"
            f"<body><p>{text}</p><p>{text}</p></body></html>")


def declared(charset: str) -> dict[str, str]:
    return {"Content-Type": f"text/html; charset={charset}"}


def kinds(removals: list) -> list[str]:
    return [r.kind for r in removals]


def test_gbk_page_declared_big5_is_read_as_gbk_and_the_override_recorded() -> None:
    body = page("big5", HANS).encode("gbk")
    result = clean(body, "http://www.example.gov.cn/a.html", declared("big5"))
    assert result.encoding == "gb18030"
    assert HANS in result.text
    notes = [r.text for r in result.removals if r.kind == "charset"]
    assert notes and "big5" in notes[0] and "gb18030" in notes[0]


def test_big5_page_declared_gbk_is_read_as_big5() -> None:
    text, codec, removals = decode(page("gbk", HANT).encode("big5"), declared("gbk"))
    assert codec == "big5hkscs"
    assert HANT in text
    assert kinds(removals) == ["charset"]


@pytest.mark.parametrize(("body_cs", "text", "want"),
                         [("big5", HANT, "big5hkscs"), ("gbk", HANS, "gb18030")])
def test_right_declarations_are_kept_and_nothing_recorded(body_cs: str, text: str,
                                                          want: str) -> None:
    decoded, codec, removals = decode(page(body_cs, text).encode(body_cs), declared(body_cs))
    assert codec == want and text in decoded and removals == []


@needs_samples
@pytest.mark.parametrize("path", BIG5_SAMPLES, ids=lambda p: p.name)
def test_real_big5_declared_big5_stays_big5(path: Path) -> None:
    body = path.read_bytes()
    for headers in (declared("big5"), None):  # the header, or the sample's own declaration
        text, codec, removals = decode(body, headers)
        assert codec == "big5hkscs" and removals == []
        assert text == body.decode("big5hkscs", "replace")


@needs_samples
@pytest.mark.parametrize("path", BIG5_SAMPLES, ids=lambda p: p.name)
def test_real_big5_declared_gbk_is_read_as_big5(path: Path) -> None:
    body = path.read_bytes()
    text, codec, removals = decode(body, declared("gbk"))
    assert codec == "big5hkscs" and kinds(removals) == ["charset"]
    assert text == body.decode("big5hkscs", "replace")


@needs_samples
@pytest.mark.parametrize("path", GB_SAMPLES, ids=lambda p: p.name)
def test_real_gb_declared_big5_is_read_as_gb(path: Path) -> None:
    body = path.read_bytes()
    text, codec, removals = decode(body, declared("big5"))
    assert codec == "gb18030" and kinds(removals) == ["charset"]
    assert text == body.decode("gb18030", "replace")
    # ... and declared right, stays as it is.
    assert decode(body, declared("gbk"))[1:] == ("gb18030", [])


@pytest.mark.parametrize("label", ["utf-16", "utf-16be", "utf-16le", "utf-32", "utf-32be",
                                   "cp037", "cp500", "utf-7"])
@pytest.mark.parametrize("body_cs", ["utf-8", "gbk"])
def test_impossible_declaration_is_refused(label: str, body_cs: str) -> None:
    body = page(label, HANS).encode(body_cs)
    result = clean(body, "http://www.example.gov.cn/a.html", declared(label))
    assert HANS in result.text
    assert result.encoding == {"utf-8": "utf-8", "gbk": "gb18030"}[body_cs]
    if body_cs == "gbk":  # a UTF-8 body is read as UTF-8 before any declaration counts
        assert "charset" in kinds(result.removals)


def test_ascii_page_declared_utf16_is_read_as_ascii() -> None:
    body = page("utf-16", "Annual report of the county government").encode("ascii")
    text, codec, removals = decode(body, declared("utf-16"))
    assert "Annual report of the county government" in text
    assert codec == "utf-8" and kinds(removals) == ["charset"]


def test_refused_header_leaves_the_meta_declaration() -> None:
    body = page("big5", HANT).encode("big5")
    text, codec, _ = decode(body, declared("utf-16"))
    assert codec == "big5hkscs" and HANT in text


@pytest.mark.parametrize("label", ["utf-16le", "utf-16be"])
def test_real_utf16_without_bom_is_still_utf16(label: str) -> None:
    body = page(label, HANS).encode(label)
    text, codec, removals = decode(body, declared(label))
    assert codec == codecs.lookup(label).name and HANS in text and removals == []


def test_real_utf16_with_bom_is_still_utf16() -> None:
    body = page("utf-16", HANS).encode("utf-16")
    for headers in (declared("utf-16"), declared("gbk"), None):
        text, codec, removals = decode(body, headers)
        assert codec == "utf-16" and HANS in text and removals == []


def test_real_ebcdic_page_is_still_ebcdic() -> None:
    body = page("cp037", "Annual report of the county government").encode("cp037")
    text, codec, removals = decode(body, declared("cp037"))
    assert codec == "cp037" and "Annual report" in text and removals == []
