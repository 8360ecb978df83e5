"""Report attachments: PDF and DOCX text extraction, and cleaning through clean()."""

from __future__ import annotations

import io
import zipfile

import pytest

from fixtureweb import load_manifest, site_file
from fixtureweb.bigsite import docx_bytes, pdf_bytes
from pipelines.clean.attachments import (
    AttachmentError,
    clean_attachment,
    extract_text,
    rejoin,
    sniff,
)

BIG = load_manifest()["discovery_sites"][0]
REPORTS = {r["format"]: r for r in BIG["reports"]}
PARAS = [
    "各位代表：",
    "现在，我代表市人民政府向大会报告工作，请予审议，并请市政协委员和其他列席人员提出意见。"
    "过去一年，全市上下坚持稳中求进工作总基调，经济运行总体平稳，发展质量稳步提升。",
    "一、2022年工作回顾",
]


def test_pdf_text_rejoins_wrapped_lines():
    text = extract_text(pdf_bytes("某市2023年政府工作报告", PARAS), "pdf")
    lines = text.splitlines()
    assert lines[0] == "某市2023年政府工作报告"
    # the long paragraph was wrapped at 40 characters in the PDF and comes back whole
    assert lines[2] == PARAS[1]
    assert lines[1] == PARAS[0] and lines[3] == PARAS[2]


def test_docx_text_joins_runs_per_paragraph():
    text = extract_text(docx_bytes("某市2023年政府工作报告", PARAS), "docx")
    assert text.splitlines() == ["某市2023年政府工作报告", *PARAS]


def test_rejoin_keeps_headings_and_sentence_ends():
    full = "这是一行排满的正文内容用于测试折行合并是否正确这是一行排满的正文"
    lines = [full, "接下来的半行。", "二、主要任务", full[:-1] + "。", "下一段开始"]
    assert rejoin(lines) == [full + "接下来的半行。", "二、主要任务", full[:-1] + "。", "下一段开始"]


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_fixture_attachments_clean_as_reports(fmt):
    report = REPORTS[fmt]
    body = site_file(report["url"]).read_bytes()
    # served as application/octet-stream, as many government servers do: the bytes decide
    result = clean_attachment(body, report["url"], {"Content-Type": "application/octet-stream"})
    assert result is not None and not result.errors
    assert result.is_report
    assert result.title == report["title"]
    assert result.year == report["year"]
    assert result.region == "北山市"
    assert "各位代表" in result.text and len(result.text) > 1500
    assert result.encoding == fmt


def test_attachment_that_is_no_report():
    (url,) = [u for u in BIG["distractors"] if u.endswith(".pdf")]
    result = clean_attachment(site_file(url).read_bytes(), url, {})
    assert result is not None and not result.is_report
    assert "政府工作报告" in result.title  # the notice is about the report, and says so


def test_sniff_by_bytes_then_declared_type():
    pdf = pdf_bytes("标题", ["正文"])
    assert sniff(pdf, "http://h/a.bin", "application/octet-stream") == "pdf"
    assert sniff(docx_bytes("标题", ["正文"]), "http://h/download?id=3") == "docx"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "http://h/a.doc") == "doc"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "http://h/a.wps") == "wps"
    assert sniff(b"<html><body>hi</body></html>", "http://h/a.html", "text/html") is None
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("xl/workbook.xml", "<x/>")
    assert sniff(other_zip.getvalue(), "http://h/a.xlsx") is None
    # an error page served under a PDF link and type is still taken for a (broken) PDF
    assert sniff(b"<html>error</html>", "http://h/a.pdf", "application/pdf") == "pdf"


@pytest.mark.parametrize(("body", "url", "message"), [
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog", "http://h/t.pdf", "PDF"),
    (pdf_bytes("标题", ["正文" * 50])[:400], "http://h/t.pdf", "PDF"),
    (b"<html>error</html>", "http://h/a.pdf", "PDF"),
    (b"PK\x03\x04broken zip", "http://h/a.docx", "DOCX"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "http://h/a.doc", "no text extractor"),
])
def test_broken_or_unsupported_files_are_recorded_errors(body, url, message):
    ctype = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument."
             "wordprocessingml.document"}.get(url.rsplit(".", 1)[-1], "")
    result = clean_attachment(body, url, {"Content-Type": ctype})
    assert result is not None
    assert not result.is_report
    assert any(message in e for e in result.errors), result.errors


def test_docx_with_huge_document_part_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<w:document>" + b" " * (70 * 1024 * 1024) + b"</w:document>")
    with pytest.raises(AttachmentError, match="refused"):
        extract_text(buf.getvalue(), "docx")


def test_not_an_attachment_is_left_to_the_html_cleaner():
    assert clean_attachment(b"<html><body><p>x</p></body></html>", "http://h/",
                            {"Content-Type": "text/html"}) is None
