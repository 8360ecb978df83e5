"""Text from report attachments (PDF, DOCX), cleaned by the same stages as HTML pages.

Many governments publish the report as a file: 附件：2021年政府工作报告.pdf.  The crawler
archives such responses like any other; here their text is extracted (pypdf for PDF, a
zip + lxml reader for DOCX) and handed to ``pipelines.clean.clean`` as a minimal page, one
paragraph per line, so classification and metadata work exactly as for HTML.

Old binary Word (.doc) and WPS files are recognised but not extracted: the result carries
an error saying so and the bytes stay in the WARC for a later extractor.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Mapping
from typing import Any

from lxml import etree

from pipelines.clean.cleaner import clean
from pipelines.clean.decode import header_value
from pipelines.clean.result import CleanResult

MAX_PDF_PAGES = 400
MAX_XML_BYTES = 64 * 1024 * 1024  # a DOCX's document.xml larger than this is refused (zip bomb)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TYPES = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "application/kswps": "wps",
    "application/vnd.ms-works": "wps",
    "application/wps-office.wps": "wps",
}
_EXTENSIONS = {"pdf": "pdf", "docx": "docx", "doc": "doc", "wps": "wps"}
# A CJK line that ends one of these ends its paragraph; otherwise a full-width line wraps.
_ENDERS = tuple("。！？；：…”’」』）)")


class AttachmentError(ValueError):
    """The file is an attachment but its text cannot be extracted."""


def sniff(body: bytes, url: str = "", content_type: str = "") -> str | None:
    """pdf / docx / doc / wps, or None when the body is no attachment we know.

    Magic bytes decide first: government servers often send application/octet-stream.
    """
    head = body[:8]
    if head.startswith(b"%PDF-") or b"%PDF-" in body[:1024]:
        return "pdf"
    ext = url.split("?", 1)[0].rsplit(".", 1)[-1].lower() if "." in url else ""
    if head.startswith(b"PK\x03\x04") and _is_docx(body):
        return "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2 compound file
        return "wps" if ext == "wps" else "doc"
    kind = _TYPES.get(content_type.split(";")[0].strip().lower())
    if kind and kind == _EXTENSIONS.get(ext, kind) and body:
        return kind  # declared as one, but the bytes are not: extraction will say why
    return None


def _is_docx(body: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")  # many are "encrypted" with an empty user password
        lines: list[str] = []
        for page in reader.pages[:MAX_PDF_PAGES]:
            lines += (page.extract_text() or "").splitlines()
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise AttachmentError(f"unreadable PDF: {exc}") from exc
    return "\n".join(rejoin(lines))


def rejoin(lines: list[str]) -> list[str]:
    """Undo PDF line wrapping: a line as wide as the text block that does not end a sentence
    continues on the next line."""
    lines = [ln.strip() for ln in lines]
    lines = [ln for ln in lines if ln]
    if not lines:
        return []
    widths = sorted(len(ln) for ln in lines)
    full = widths[int(len(widths) * 0.9)]
    out: list[str] = []
    carry = False
    for ln in lines:
        if carry and out:
            out[-1] += ln
        else:
            out.append(ln)
        carry = len(ln) >= 0.85 * full and not ln.endswith(_ENDERS)
    return out


def docx_text(body: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            info = zf.getinfo("word/document.xml")
            if info.file_size > MAX_XML_BYTES:
                raise AttachmentError(f"document.xml is {info.file_size} bytes; refused")
            xml = zf.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError) as exc:
        raise AttachmentError(f"unreadable DOCX: {exc}") from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise AttachmentError(f"DOCX document.xml is not XML: {exc}") from exc
    paragraphs = []
    for p in root.iter(f"{_W}p"):
        parts = []
        for el in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br"):
            parts.append(el.text or "" if el.tag == f"{_W}t" else
                         "\t" if el.tag == f"{_W}tab" else "\n")
        text = "".join(parts).strip()
        if text:
            paragraphs.append(text)
    return "\n".join(paragraphs)


def extract_text(body: bytes, kind: str) -> str:
    """The text of an attachment, one paragraph per line.  Raises AttachmentError."""
    if kind == "pdf":
        text = pdf_text(body)
    elif kind == "docx":
        text = docx_text(body)
    else:
        raise AttachmentError(f"no text extractor for {kind} files; archived only")
    if not text.strip():
        raise AttachmentError(f"{kind} file has no extractable text (scanned images?)")
    return re.sub(r"[ \t\u3000]+\n", "\n", text)


def clean_attachment(body: bytes, url: str, headers: Mapping[str, Any] | None = None
                     ) -> CleanResult | None:
    """Clean an attachment like a page; None when the body is not an attachment at all."""
    ctype = header_value(headers or {}, "content-type") or ""
    kind = sniff(body, url, ctype)
    if kind is None:
        return None
    try:
        text = extract_text(body, kind)
    except AttachmentError as exc:
        result = clean(b"", url, _HTML)
        result.errors.append(str(exc))
        return result
    result = clean(as_html(text), url, _HTML)
    result.encoding = kind
    return result


_HTML = {"Content-Type": "text/html; charset=utf-8"}


def as_html(text: str) -> bytes:
    """The extracted text as a minimal page: its first line (a document's title line) as
    <title>, every line a paragraph, everything escaped."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    title = lines[0] if lines and len(lines[0]) <= 60 else ""
    paras = "".join(f"<p>{html.escape(ln)}</p>\n" for ln in lines)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}'
            f"</title></head><body>\n{paras}</body></html>").encode()
