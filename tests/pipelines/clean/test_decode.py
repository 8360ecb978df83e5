"""Decoding: header, BOM, <meta>, detection; GB family read as GB18030; slipped bytes."""

from __future__ import annotations

import codecs

import pytest
from scrapy.http.headers import Headers

from pipelines.clean.cleaner import clean
from pipelines.clean.decode import decode, header_value, normalize_charset, sniff
from tests.paths import PAGES

PAGES = PAGES
TEXT = "政府工作报告：各位代表，现在我代表市人民政府向大会报告工作，请予审议。"


def html(charset_meta: str, text: str = TEXT) -> str:
    return f'<html><head>{charset_meta}</head><body><p>{text}</p></body></html>'


@pytest.mark.parametrize("label", ["gb2312", "GBK", "x-gbk", "cp936", "GB2312"])
def test_gb_family_declared_is_decoded_as_gb18030(label: str) -> None:
    assert normalize_charset(label) == "gb18030"


def test_gbk_only_characters_survive_a_gb2312_declaration() -> None:
    # 镕 and 堃 are outside GB2312; sites declaring gb2312 really serve GBK bytes.
    text = "朱镕基 王堃 " + TEXT
    body = html('<meta charset="gb2312">', text).encode("gb18030")
    decoded, codec, _ = decode(body)
    assert codec == "gb18030"
    assert "朱镕基 王堃" in decoded


def test_http_header_wins_over_meta() -> None:
    body = html('<meta charset="utf-8">').encode("gb18030")
    assert sniff(body, {"Content-Type": "text/html; charset=GBK"}) == "gb18030"


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "text/html; charset=gbk"},
        {b"Content-Type": [b"text/html; charset=gbk"]},
        Headers({"Content-Type": "text/html; charset=gbk"}),
    ],
)
def test_header_lookup_accepts_every_header_shape(headers: object) -> None:
    assert header_value(headers, "Content-Type").endswith("charset=gbk")


def test_bom_wins_over_meta() -> None:
    body = codecs.BOM_UTF8 + html('<meta charset="gb2312">').encode("utf-8")
    text, codec, _ = decode(body)
    assert codec == "utf-8" and TEXT in text and not text.startswith("\ufeff")


def test_utf16_bom() -> None:
    body = html("").encode("utf-16")
    text, codec, _ = decode(body)
    assert codec == "utf-16" and TEXT in text


def test_meta_that_lies_about_utf8_bytes_is_overruled() -> None:
    # Collected pages often keep a gb2312 meta after being re-saved as UTF-8.
    body = html('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    text, codec, _ = decode(body.encode("utf-8"))
    assert codec == "utf-8" and TEXT in text


def test_xml_declaration_encoding() -> None:
    body = ('<?xml version="1.0" encoding="big5"?><feed><title>' + "臺灣報告" + "</title></feed>")
    assert sniff(body.encode("big5")) == "big5hkscs"


def test_undeclared_big5_and_gb_are_told_apart() -> None:
    hant = "各位代表：現在，我代表市人民政府向大會報告工作，請予審議。過去一年經濟發展穩中有進。" * 3
    hans = "各位代表：现在，我代表市人民政府向大会报告工作，请予审议。过去一年经济发展稳中有进。" * 3
    assert sniff(f"<p>{hant}</p>".encode("big5")) == "big5hkscs"
    assert sniff(f"<p>{hans}</p>".encode("gb18030")) == "gb18030"


def test_slipped_gbk_bytes_in_utf8_page_are_read_as_gbk() -> None:
    body = ("<p>" + TEXT).encode("utf-8") + "增长".encode("gbk") + ("。" + TEXT * 3).encode("utf-8")
    text, codec, removals = decode(body, {"Content-Type": "text/html; charset=utf-8"})
    assert codec == "utf-8"
    assert "增长。" in text
    assert [r.kind for r in removals] == ["byte_slip"]


def test_charset_override() -> None:
    body = html('<meta charset="utf-8">').encode("gb18030")
    assert decode(body, None, "gbk")[1] == "gb18030"


def test_numeric_character_references_are_kept() -> None:
    page = html('<meta charset="utf-8">', TEXT + "&#38156;&#x9555;").encode("ascii", "xmlcharrefreplace")
    result = clean(page, "http://www.example.gov.cn/a.html")
    assert result.text.endswith("\u950c\u9555")
    assert "&#" not in result.text


def test_saved_gb2312_page_decodes_fully() -> None:
    result = clean((PAGES / "report_gbk.html").read_bytes(), "http://www.beizhen.gov.cn/a.html")
    assert result.encoding == "gb18030"
    assert "镕堃" in result.text
    assert "\ufffd" not in result.text
