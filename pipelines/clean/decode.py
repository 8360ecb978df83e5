"""Decode page bytes to text: HTTP header, BOM, <meta> charset, then detection.

Declared charsets are checked against the bytes, because Chinese sites often declare
gb2312 for pages that are really UTF-8 (and the reverse).  A UTF-8 page with a few slipped
GBK bytes is decoded as UTF-8 with the slipped pairs read as GB18030.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from functools import cache
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
# An HTML tag in single ASCII bytes: how markup reads in every ASCII-compatible charset.
_TAG = r"<(?:!doctype|html|head|meta|title|body|div|p|br|table|script|link|span)[\s/>]"
_TAG_BYTES_RE = re.compile(_TAG.encode(), re.IGNORECASE)
_TAG_TEXT_RE = re.compile(_TAG, re.IGNORECASE)
# Byte sequences that mean a character in any 8-bit charset (GB, Big5, UTF-8, Latin...).
_HIGH_SAMPLES = (b"\xb0\xa1", b"\xc2\xa0", b"\xa4\x40", b"\xe4\xb8\xad")
# The two charsets Chinese sites swap: most GBK bytes are valid Big5 and the reverse, so a
# wrong declaration of either decodes without error into rare-character soup.
_CJK_PAIR = {"gb18030": "big5hkscs", "big5hkscs": "gb18030"}
_PAIR_SAMPLE = 65536  # bytes searched for the start of the text
_PAIR_BYTES = 4096  # bytes decoded both ways
_PAIR_CHARS = 600  # CJK characters scored: the two readings differ by ~5 nats each
_PAIR_MIN_CHARS = 20  # fewer CJK characters than this cannot tell prose from soup
_HIGH_RE = re.compile(rb"[\x80-\xff]")
_NOT_CJK_RE = re.compile(r"[^\u3400-\u9fff\ufffd]+")
# Mean log probability per character: real prose (either script) scores about -6.5 to -7.5,
# the other charset's reading of it about -12 to -13.
_PROSE_LOGP = -9.5
_PROSE_SHARE = 0.2  # prose in either script: 0.3-0.7 frequent characters; soup under 0.05
_PAIR_MARGIN = 3.0  # nats per character the undeclared reading must gain to be taken
_UNKNOWN_LOGP = -16.0  # a character the model does not know (below its rarest, about -15)
_FREQUENT_RE = re.compile("[" + "".join(sorted(_HANT)) + "]")
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


_BELOW_LEADS = bytes(range(0xC0))


_SLIP_CHUNK = 8192  # bytes decoded at a time while counting invalid sequences


def _utf8_mostly(body: bytes) -> bool:
    """True when invalid sequences are rare slips in an otherwise UTF-8 page."""
    multibyte = len(body.translate(None, _BELOW_LEADS))  # bytes from 0xC0 up, counted in C
    if multibyte <= 20:
        return False
    # Decoded a chunk at a time (the incremental decoder reads the chunks as one text), so
    # a page in another charset, invalid all through, is refused after its first chunk.
    limit = max(4, multibyte // 20)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    bad = 0
    for at in range(0, len(body), _SLIP_CHUNK):
        end = at + _SLIP_CHUNK
        bad += decoder.decode(body[at:end], final=end >= len(body)).count("\ufffd")
        if bad > limit:
            return False
    return True


def _detect(body: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    return normalize_charset(best.encoding if best else None) or "gb18030"


def sniff(body: bytes, headers: Any = None, override: str | None = None) -> str:
    """Choose the codec for `body`, in order: override, BOM, header, meta, detection."""
    return _sniff(body, headers, override)[0]


def _sniff(body: bytes, headers: Any, override: str | None) -> tuple[str, str | None, str | None]:
    """(codec, the text if checking the codec decoded it strictly, why a declared charset
    was not used): a page is decoded once."""
    if override and (cs := normalize_charset(override)):
        return cs, None, None
    for bom, cs in _BOMS:
        if body.startswith(bom):
            return cs, None, None
    # The first known declaration the bytes can be; a refused one counts as undeclared.
    declared = note = None
    for label in _declarations(body, headers):
        if label is None:
            continue
        if _impossible(label, body):
            note = note or f"declared {label}, impossible for these bytes"
            continue
        declared = label
        break
    if body.isascii():
        return declared or "utf-8", None, note
    # Strictly valid multibyte UTF-8 is almost never meant as anything else.  (No BOM here:
    # the text is what utf-8-sig would make of it.)
    if (text := _utf8(body)) is not None:
        return "utf-8", text, note
    if declared == "utf-8":
        return "utf-8" if _utf8_mostly(body) else _fallback(body), None, note
    if declared in _CJK_PAIR and _reads_better(body, _CJK_PAIR[declared], declared):
        note = f"declared {declared}, bytes read as {_CJK_PAIR[declared]}"
        declared = _CJK_PAIR[declared]
    if declared:
        try:
            return declared, body.decode(declared), note
        except UnicodeDecodeError:
            if _utf8_mostly(body):
                return "utf-8", None, note
            return declared, None, note
    return "utf-8" if _utf8_mostly(body) else _fallback(body), None, note


def _declarations(body: bytes, headers: Any) -> Iterator[str | None]:
    """The header's charset, then the <meta> (or XML) one, looked for only when needed."""
    ctype = header_value(headers, "content-type")
    if ctype and (m := _HEADER_CS_RE.search(ctype)):
        yield normalize_charset(m.group(1))
    if m := _META_RE.search(body[:8192]):
        yield normalize_charset((m.group(1) or m.group(2)).decode("ascii", "ignore"))


@cache
def _markup_blind(codec: str) -> bool:
    """True for codecs in which ASCII markup bytes are not markup (UTF-16/32, EBCDIC)."""
    probe = '<html><meta charset="x"><p>'
    return probe.encode("ascii").decode(codec, "replace") != probe


@cache
def _seven_bit(codec: str) -> bool:
    """True for codecs that use no byte above 0x7F (UTF-7, ISO-2022)."""
    for seq in _HIGH_SAMPLES:
        try:
            seq.decode(codec)
        except UnicodeDecodeError:
            continue
        return False
    return True


def _impossible(codec: str, body: bytes) -> bool:
    """A declaration the bytes contradict outright: markup in ASCII bytes that the declared
    codec would not read as markup, or high bytes under a 7-bit codec."""
    if _markup_blind(codec):
        head = body[:8192]
        return bool(_TAG_BYTES_RE.search(head)) and not _TAG_TEXT_RE.search(
            head.decode(codec, "replace"))
    return _seven_bit(codec) and not body[:_PAIR_SAMPLE].isascii()


def _cjk(text: str) -> str:
    return _NOT_CJK_RE.sub("", text)[:_PAIR_CHARS]


def _cjk_logp(cjk: str) -> float | None:
    """Mean log probability per CJK character under the character model (traditional
    characters scored as their simplified forms), None with too few to judge."""
    from pipelines.clean.repair.charmodel import model, to_simplified

    if len(cjk) < _PAIR_MIN_CHARS:
        return None
    logp = model().char_logp
    counts = Counter(to_simplified(cjk))
    return sum(logp.get(c, _UNKNOWN_LOGP) * n for c, n in counts.items()) / len(cjk)


def _text_bytes(body: bytes) -> bytes:
    """A bounded slice from the first non-ASCII byte: where the text starts, and a lead
    byte in both GB and Big5, so both read it aligned."""
    m = _HIGH_RE.search(body, 0, _PAIR_SAMPLE)
    start = m.start() if m else 0
    return body[start : start + _PAIR_BYTES]


def _reads_better(body: bytes, other: str, declared: str) -> bool:
    """True when the bytes read clearly more like Chinese prose as `other` than as declared."""
    sample = _text_bytes(body)
    mine = _cjk(sample.decode(declared, "replace"))
    # Most declarations are right: a share of frequent characters shows it cheaply.
    if _FREQUENT_RE.subn("", mine)[1] >= _PROSE_SHARE * len(mine):
        return False
    mine_logp = _cjk_logp(mine)
    if mine_logp is None or mine_logp > _PROSE_LOGP:
        return False
    theirs = _cjk_logp(_cjk(sample.decode(other, "replace")))
    return theirs is not None and theirs > mine_logp + _PAIR_MARGIN


# Everything but CJK ideographs, kana, box drawing and U+FFFD, in runs: what a reading's
# share of frequent characters is not counted over.
_NOT_COUNTED_RE = re.compile("[^\u3400-\u9fff\u3040-\u30ff\u2500-\u257f\ufffd]+")


@cache
def _none_of(chars: frozenset[str]) -> re.Pattern[str]:
    return re.compile("[^" + "".join(map(re.escape, sorted(chars))) + "]+")


def _frequency(text: str, common: frozenset[str]) -> float:
    """The share of `common` characters among the counted ones: both counted by regex
    scans of runs, not a Python step per character (a 32 KB sample is read twice a page)."""
    cjk = _NOT_COUNTED_RE.sub("", text)
    return len(_none_of(common).sub("", cjk)) / len(cjk) if cjk else 0.0


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
    """Return (text, codec, removals: byte slips, declared charsets not followed).  Never
    raises on bytes input."""
    codec, text, note = _sniff(body, headers, override)
    # A declaration not followed is recorded, so the choice can be audited.
    removals = [Removal("charset", note)] if note else []
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
