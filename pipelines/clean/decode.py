"""Decode page bytes to text: HTTP header, BOM, <meta> charset, then detection.

Declared charsets are checked against the bytes, because Chinese sites often declare
gb2312 for pages that are really UTF-8 (and the reverse).  A UTF-8 page with a few slipped
GBK bytes is decoded as UTF-8 with the slipped pairs read as GB18030.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import Any

from pipelines.clean.result import Removal

# gb2312/gbk are subsets of gb18030; decoding with the superset never loses characters.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "csgb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "hz-gb-2312": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "iso-8859-1": "cp1252",  # what browsers do
    "latin1": "cp1252",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "unicode": "utf-16",
}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_META_RE = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# Frequent characters of Chinese prose (simplified, plus their traditional forms): Big5
# read as GB, or GB read as Big5, decodes to rare characters instead.
_FREQUENT = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
    "同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自"
    "二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日"
    "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变"
    "条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
    "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处府务议报告会代表市县区工作发展建设经济社会"
)
_HANS = frozenset(_FREQUENT)
_HANT = frozenset(_FREQUENT + "這為個國們來時對會發過說產種後與關動當學與開應還樣體點從業現實數變結問題黨總農"
                  "見計別頭圖邊級運統論員設資區強決幾條實際經濟報設務議縣區")
_HEADER_CS_RE = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def normalize_charset(name: str | None) -> str | None:
    """Map a declared label to the codec we decode with, or None if unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    return _ALIASES.get(codec, codec)


def header_value(headers: Mapping[Any, Any] | Any | None, name: str) -> str | None:
    """Case-insensitive header lookup over Scrapy Headers, str dicts or bytes dicts."""
    if not headers:
        return None
    try:
        items = headers.items()
    except AttributeError:
        return None
    want = name.lower()
    for key, value in items:
        k = key.decode("latin-1") if isinstance(key, bytes | bytearray) else str(key)
        if k.lower() != want:
            continue
        if isinstance(value, list | tuple):
            value = value[-1] if value else ""
        if isinstance(value, bytes | bytearray):
            value = value.decode("latin-1")
        return str(value)
    return None


def _gb_slip(err: UnicodeDecodeError) -> tuple[str, int]:
    """Error handler: read a byte pair that is invalid UTF-8 as GB18030, else U+FFFD."""
    data = err.object
    pos = err.start
    if isinstance(data, bytes | bytearray) and 0x81 <= data[pos] <= 0xFE and pos + 1 < len(data):
        try:
            return bytes(data[pos : pos + 2]).decode("gb18030"), pos + 2
        except UnicodeDecodeError:
            pass
    return "\ufffd", pos + 1


codecs.register_error("gbslip", _gb_slip)


def _utf8(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _utf8_mostly(body: bytes) -> bool:
    """True when invalid sequences are rare slips in an otherwise UTF-8 page."""
    bad = body.decode("utf-8", "replace").count("\ufffd")
    multibyte = sum(1 for b in body if b >= 0xC0)
    return multibyte > 20 and bad <= max(4, multibyte // 20)


def _detect(body: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    return normalize_charset(best.encoding if best else None) or "gb18030"


def sniff(body: bytes, headers: Any = None, override: str | None = None) -> str:
    """Choose the codec for `body`, in order: override, BOM, header, meta, detection."""
    return _sniff(body, headers, override)[0]


def _sniff(body: bytes, headers: Any, override: str | None) -> tuple[str, str | None]:
    """(codec, the text if checking the codec decoded it strictly): a page is decoded once."""
    if override and (cs := normalize_charset(override)):
        return cs, None
    for bom, cs in _BOMS:
        if body.startswith(bom):
            return cs, None
    declared = None
    ctype = header_value(headers, "content-type")
    if ctype and (m := _HEADER_CS_RE.search(ctype)):
        declared = normalize_charset(m.group(1))
    if declared is None and (m := _META_RE.search(body[:8192])):
        declared = normalize_charset((m.group(1) or m.group(2)).decode("ascii", "ignore"))
    if body.isascii():
        return declared or "utf-8", None
    # Strictly valid multibyte UTF-8 is almost never meant as anything else.  (No BOM here:
    # the text is what utf-8-sig would make of it.)
    if (text := _utf8(body)) is not None:
        return "utf-8", text
    if declared == "utf-8":
        return "utf-8" if _utf8_mostly(body) else _fallback(body), None
    if declared:
        try:
            return declared, body.decode(declared)
        except UnicodeDecodeError:
            if _utf8_mostly(body):
                return "utf-8", None
            return declared, None
    return "utf-8" if _utf8_mostly(body) else _fallback(body), None


def _frequency(text: str, common: frozenset[str]) -> float:
    cjk = [c for c in text if "\u3400" <= c <= "\u9fff" or "\u3040" <= c <= "\u30ff"
           or "\u2500" <= c <= "\u257f" or c == "\ufffd"]
    return sum(1 for c in cjk if c in common) / len(cjk) if cjk else 0.0


def _fallback(body: bytes) -> str:
    """Undeclared non-UTF-8 bytes: GB18030 or Big5, by which reads as real prose."""
    sample = body[:32768]
    gb = _frequency(sample.decode("gb18030", "replace"), _HANS)
    big5 = _frequency(sample.decode("big5hkscs", "replace"), _HANT)
    if max(gb, big5) < 0.05:
        return _detect(body)
    return "gb18030" if gb >= big5 else "big5hkscs"


def decode(
    body: bytes, headers: Any = None, override: str | None = None
) -> tuple[str, str, list[Removal]]:
    """Return (text, codec, byte-slip removals).  Never raises on bytes input."""
    codec, text = _sniff(body, headers, override)
    removals: list[Removal] = []
    if text is not None:
        pass  # decoded strictly while the codec was checked: "replace" would read the same
    elif codec == "utf-8":
        try:
            text = body.decode("utf-8-sig")  # valid UTF-8: the error handler has no work
        except UnicodeDecodeError:
            text = body.decode("utf-8-sig", "gbslip")
            removals.append(Removal("byte_slip", "invalid UTF-8 bytes read as GB18030"))
    else:
        text = body.decode(codec, "replace")
    if codec.startswith("utf-16") or codec.startswith("utf-32"):
        text = text.lstrip("\ufeff")
    return text, codec, removals
