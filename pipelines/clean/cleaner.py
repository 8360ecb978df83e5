"""clean(): page bytes in, CleanResult out.  `python -m pipelines.clean FILE` runs it on a
saved file (pipelines/clean/__main__.py: pages, PDF and DOCX files).

Stages, in order: decode → de-spam markup → main text → title → repair → spam words →
classify/metadata → assemble.  One lxml parse per page; every stage is a pure function.
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

import lxml.html
from lxml import etree

from pipelines.clean import classify, metadata, parts
from pipelines.clean.decode import decode, header_value
from pipelines.clean.maintext import clean_line, extract
from pipelines.clean.markup import despam
from pipelines.clean.memo import Memo
from pipelines.clean.repair.chain import repair_lines
from pipelines.clean.result import SPAM_KINDS, CleanResult, Removal
from pipelines.clean.spamwords import strip_spam_words

_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*>")
# libxml2 stops at a stray </html> (templates often emit one mid-page); browsers ignore
# both end tags, and they are optional, so they are dropped before parsing.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_END_TAGS_RE = re.compile(r"</\s*(?:html|body)\s*>", re.IGNORECASE)
# Both, over UTF-8 bytes: \s as the UTF-8 of every character it matches (none lies above
# U+3000; ASCII case folding is all the letters of the tags have).
_SPACE = b"(?:%s)" % b"|".join(re.escape(chr(c).encode()) for c in range(0x3001) if chr(c).isspace())
_XML_DECL_BYTES = re.compile(rb"^%s*<\?xml[^>]*>" % _SPACE)
# What may follow "</" in a match (a space's first byte, a tag's first letter), looked
# ahead: the scan passes every other end tag (</p>, </a>, ...) without trying the spaces.
_OPENS = b"".join(re.escape(bytes([b])) for b in sorted(
    {chr(c).encode()[0] for c in range(0x3001) if chr(c).isspace()} | set(b"hb")))
_END_TAGS_BYTES = re.compile(rb"</(?=[%s])%s*(?:html|body)%s*>" % (_OPENS, _SPACE, _SPACE),
                             re.IGNORECASE)
_LOOKS_HTML_RE = re.compile(r"<\s*(?:html|head|body|div|p|br|table|meta|title|span|a|!doctype)\b",
                            re.IGNORECASE)


def _parser(huge: bool) -> etree.HTMLParser:
    # Hardened: no network access.  Without huge-tree mode, libxml2 caps the depth at 256
    # and text nodes at 10 MB; with it, at 2048 (and MAX_CLEAN_BYTES bounds the text).
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                              default_doctype=False, no_network=True, huge_tree=huge)
    # Every element an lxml.html element (drop_tag, text_content ...), its class given in
    # C: lxml.html's own lookup is Python code run for every element object made.
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(element=lxml.html.HtmlElement))
    return parser


_PARSER, _DEEP_PARSER = _parser(huge=False), _parser(huge=True)
# Links as plain strings: "smart" ones each carry a reference to their element.
_HREFS = etree.XPath("//a/@href", smart_strings=False)
# Bytes beyond this are not cleaned (the archive still holds them all): bounds time and memory
# per page whatever DOWNLOAD_MAXSIZE is.
MAX_CLEAN_BYTES = 8 * 1024 * 1024


def parse(text: str, plain: bool = False, utf8: bytes | None = None) -> etree._Element | None:
    """One lxml parse.  Plain text becomes one <p> per line so the same extractor runs.
    `utf8`: the text's UTF-8 bytes, if the caller has them (then they need not be made)."""
    return parsed(text, plain, utf8)[0]


def parsed(text: str, plain: bool = False,
           utf8: bytes | None = None) -> tuple[etree._Element | None, str | None]:
    """parse(), and why the tree lacks part of the page, if it does: libxml2 stopped at
    its depth limit (the rest of the page is not in the tree)."""
    if plain:
        # Blank lines would be empty <p>s, which hold no text: a page of line breaks alone
        # would be a million elements to walk.
        text = "<html><body>" + "".join(
            f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip()
        ) + "</body></html>"
    # Control characters are invalid in XML text and lxml refuses them on every edit.
    data = None
    if utf8 is not None and not plain:
        data = _END_TAGS_BYTES.sub(b"", _XML_DECL_BYTES.sub(b"", utf8))
        # The cuts take whole characters out of the text's bytes, so U+FFFE/U+FFFF are in
        # them only if in the text: a search of the str, far cheaper than one of the bytes.
        data = (_without_ascii_controls(data) if "\ufffe" not in text and "\uffff" not in text
                else _without_controls(data))
    if data is None:
        text = _END_TAGS_RE.sub("", _XML_DECL_RE.sub("", text))
        if (data := _utf8_without_controls(text)) is None:
            text = _CONTROL_RE.sub("", text)
            data = text.encode("utf-8", "replace")
    if not data.strip():
        return None, None
    try:
        root = lxml.html.document_fromstring(data, parser=_PARSER)
        if not _cut(_PARSER):
            return root, None
        # Word and FrontPage exports leave a <font> or <span> open in every paragraph, and
        # layouts nest tables in tables: libxml2 nests the rest of the page in them and
        # stops at depth 256, the page cut there.  Only such pages pay a second parse.
        root = lxml.html.document_fromstring(data, parser=_DEEP_PARSER)
    except (etree.ParserError, ValueError):
        return None, None
    if _cut(_DEEP_PARSER):
        return root, ("HTML nested too deep (libxml2's limit, 2048 elements): the text past "
                      "that depth was not parsed")
    return root, None


def _cut(parser: etree.HTMLParser) -> bool:
    """Whether the parser's last run stopped at one of libxml2's limits."""
    return bool(parser.error_log.filter_types([etree.ErrorTypes.ERR_RESOURCE_LIMIT]))


# What _CONTROL_RE matches, found without its scan: ASCII controls are single bytes in
# UTF-8 (bytes.translate drops them in a C pass), and surrogates do not encode at all.
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def _utf8_without_controls(text: str) -> bytes | None:
    """The text's UTF-8 bytes if _CONTROL_RE finds nothing in it, else None."""
    if "\ufffe" in text or "\uffff" in text:
        return None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return _without_ascii_controls(data)


def _without_controls(data: bytes) -> bytes | None:
    """UTF-8 `data` if its text has nothing _CONTROL_RE finds, else None (valid UTF-8 holds
    no surrogates, and U+FFFE/U+FFFF are these byte runs wherever they occur)."""
    if b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data:
        return None
    return _without_ascii_controls(data)


def _without_ascii_controls(data: bytes) -> bytes | None:
    """`data` if it holds none of the ASCII controls _CONTROL_RE finds, else None."""
    return data if len(data.translate(None, _CONTROL_BYTES)) == len(data) else None


def warm() -> None:
    """Load every table the cleaner builds on first use (the character model, both OpenCC
    tables, the GBK tables, the divisions list, the spam patterns), so no page pays for
    them.  Raises if one cannot load."""
    from pipelines.clean import divisions
    from pipelines.clean.repair import byteslip, charmodel
    from pipelines.clean.spamwords import lexicon

    charmodel.model()
    charmodel.is_hant("")  # builds both OpenCC tables, as the first traditional page would
    byteslip.warm()
    divisions.warm()
    # A spam chain in a title compiles what the first spam page would (~15 ms, 0.3 MB).
    strong, _ = lexicon()
    if strong:
        strip_spam_words(f"标题_{strong[0]}")


def forget() -> None:
    """Forget what cleaning keeps across pages: the memos and the byte-slip searches.  Output
    never depends on them; timing and memory tests start from nothing."""
    from pipelines.clean.repair import byteslip

    Memo.clear_all()
    byteslip.forget()


def _is_plain(text: str, headers: Any) -> bool:
    ctype = (header_value(headers, "content-type") or "").lower()
    if ctype.startswith("text/plain"):
        return True
    # The whole text: a page's kind must not depend on how long it is (a tag first met past
    # a prefix turned a page into plain text once it grew).  An HTML page matches at once.
    return not _LOOKS_HTML_RE.search(text)


def clean(body: bytes, url: str, headers: Mapping | None = None,
          charset: str | None = None) -> CleanResult:
    """Clean one fetched page.  Never raises: problems land in `result.errors`."""
    result = CleanResult()
    try:
        _clean(body, url, headers, charset, result)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raise"
        return CleanResult(encoding=result.encoding, source_site=result.source_site,
                           errors=[*result.errors, f"{type(exc).__name__}: {exc}"])
    return result


class _Text(NamedTuple):
    """What the stages after extraction make of the article's text."""

    script: str
    removals: tuple[Removal, ...]
    title: str
    text: str  # its lines, none of them empty
    is_report: bool
    is_fragment: bool
    is_template: bool


def _text_stage(key: tuple[str, tuple[str, ...]]) -> _Text:
    """Repair, spam words, classification of (title and paragraphs as lines, texts the
    page hid or linked as spam): pure functions of these, whatever page they came from."""
    repaired, script, fixes, split = repair_lines(key[0])
    joined, spam = strip_spam_words(repaired, key[1])
    if split is None or joined != repaired:  # (the same object, most pages: compared at once)
        split = joined.split("\n")
    # The repair memos' own strings (hashes kept) where the spam stage changed nothing.
    title = clean_line(split[0])
    lines = [ln for ln in map(clean_line.__getitem__, split[1:]) if ln]
    text = "\n".join(lines)
    is_report, is_fragment = classify.judge(title, lines)
    return _Text(script, (*fixes, *spam), title, text, is_report, is_fragment,
                 classify.is_template(text))


# Every stage above is a pure function of the key (the byte-slip search and the lost
# characters read the page's own script and pairs, nothing else), and reposts and mirrors
# of a report extract to the same text: the answers for the last 40-80 report-sized texts are
# kept (2M characters: 6-11 MB less per worker than 5M, at the same speed on the bench).
_text_stages = Memo(_text_stage, budget=2_000_000, longest=200_000,
                    size=lambda key: len(key[0]) + sum(map(len, key[1])))


def _clean(body: bytes, url: str, headers: Any, charset: str | None, r: CleanResult) -> None:
    r.source_site = metadata.source_site(url or "")
    if not isinstance(body, bytes | bytearray):
        body = str(body).encode("utf-8", "replace")
    if len(body) > MAX_CLEAN_BYTES:
        r.errors.append(f"body of {len(body)} bytes truncated to {MAX_CLEAN_BYTES} for cleaning")
        body = body[:MAX_CLEAN_BYTES]
    body = bytes(body)
    text, r.encoding, slips = decode(body, headers, charset)
    r.removals += slips
    # Strict UTF-8 without a BOM: the body is the text's UTF-8, which parse() needs.
    utf8 = (body if r.encoding == "utf-8" and not slips and not body.startswith(codecs.BOM_UTF8)
            else None)
    root, cut = parsed(text, plain=_is_plain(text, headers), utf8=utf8)
    if cut:
        r.errors.append(cut)
    if root is None:
        return
    # lxml makes a Python object for an element each time a walk meets one no object is
    # held for, asking lxml.html's class lookup (Python code) which class it is; the
    # stages walk the tree a dozen times, so every element is made once and held here.
    held = list(root.iter())
    r.removals += despam(root)
    hrefs = _HREFS(root)  # before extraction: pagers sit outside the article
    raw_title, title_repeats, trusted = metadata.title_candidates(root)
    ext = extract(root, title_repeats)
    r.removals += ext.removals
    if not trusted:
        raw_title = metadata.choose_title(raw_title, ext.before)

    # Repair sees title and body together so script detection has all the evidence.
    paragraphs = ext.paragraphs
    if not trusted and paragraphs and metadata.first_line_title(raw_title, paragraphs[:1]) != raw_title:
        # A title naming nothing, and the article opens with the report's name: that line
        # is the title (classification needs it), not text.
        raw_title, paragraphs = paragraphs[0], paragraphs[1:]
    title = clean_line(raw_title).replace("\n", " ")
    hidden = tuple(x.text for x in r.removals if x.kind in SPAM_KINDS)
    done = _text_stages(("\n".join([title, *paragraphs]), hidden))
    r.script, r.title, r.text = done.script, done.title, done.text
    r.removals += done.removals
    lines = done.text.split("\n") if done.text else []
    r.spam_removed = sum(1 for x in r.removals if x.kind in SPAM_KINDS)

    r.is_report, r.is_fragment = done.is_report, done.is_fragment
    parts.mark(r, url, hrefs, text, lines)
    r.is_template = done.is_template
    metadata.describe(r, lines, ext.before, ext.all_lines, lambda: metadata.site_names(root))
    r.published = metadata.published(root, ext.all_lines[:60], ext.below, url or "")
    del held

