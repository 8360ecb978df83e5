"""The tree side's fast paths answer as the plain ways they replace, on real pages.

Decoding keeps the text its codec check made (no second decode), parse() takes the body's
own bytes for a strict UTF-8 page (no encode), the heading walk reads attribute names
before values, year_reviewed() skips lines without 回顾, and a memo's subscript is its call:
each is compared with the plain way on the fixture web, the hand gold pages, the shared
corpus, pages of the generated sites, and pages of every odd encoding.
"""

from __future__ import annotations

import codecs
import re

import pytest
from lxml import etree

from bench.clean import load_pages
from pipelines.clean import maintext, metadata
from pipelines.clean.cleaner import _utf8_without_controls, _without_controls, parse
from pipelines.clean.decode import decode, sniff
from pipelines.clean.memo import Memo
from pipelines.clean.result import Removal
from tests.cleanmemos import memos
from tests.pipelines.clean.test_fast_paths import site_pages

_Page = tuple[bytes, dict[str, str]]
HTML = {"Content-Type": "text/html"}


def odd_pages() -> list[_Page]:
    text = "<html><body><p>二〇二三年工作回顾</p><p>各位代表：现在，我代表市人民政府作报告。</p></body></html>"
    return [
        (codecs.BOM_UTF8 + text.encode(), HTML),
        (text.encode("gb18030"), {"Content-Type": "text/html; charset=gb2312"}),
        (text.encode("gb18030"), HTML),
        (text.encode("big5hkscs", "replace"), {"Content-Type": "text/html; charset=big5"}),
        (text.encode("utf-16"), HTML),
        (text.encode("utf-16-le"), {"Content-Type": "text/html; charset=utf-16le"}),
        (text.encode() + "政府".encode("gb18030"), {"Content-Type": "text/html; charset=utf-8"}),
        (text.encode("gb18030") + b"\xff\xfe\x81", {"Content-Type": "text/html; charset=gbk"}),
        (b"<html><body><p>plain ascii</p></body></html>", HTML),
        (text.replace("<p>各", "<p>\x07\x1f各").encode(), HTML),
        (text.replace("<p>各", "<p>\ufffe各\uffff").encode(), HTML),
        (text.replace("</p>", "</p></html></body>", 1).encode(), HTML),
        (b'<?xml version="1.0" encoding="utf-8"?>' + text.encode(), HTML),
        ('\u3000\n<?xml version="1.0"?>'.encode() + text.encode(), HTML),
        (text.replace("</p>", "</p></\u3000HTML\xa0><p>後</ BoDy\u2028>", 1).encode(), HTML),
    ]


def all_pages() -> list[_Page]:
    pages = [(p.body, p.headers) for p in load_pages()]
    return pages + [(body, headers) for _, body, headers in site_pages()] + odd_pages()


def _decode_plainly(body: bytes, headers: dict[str, str]) -> tuple[str, str, list[Removal]]:
    """decode() as it was: the codec chosen first, the bytes decoded after."""
    codec = sniff(body, headers)
    removals = []
    if codec == "utf-8":
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = body.decode("utf-8-sig", "gbslip")
            removals.append(Removal("byte_slip", "invalid UTF-8 bytes read as GB18030"))
    else:
        text = body.decode(codec, "replace")
        if codec.startswith("utf-16") or codec.startswith("utf-32"):
            text = text.lstrip("\ufeff")
    return text, codec, removals


def _headings_plainly(root: etree._Element) -> list[etree._Element]:
    seen: set[etree._Element] = set()
    found = []
    for body in root.getroottree().iter("body"):
        for el in body.iterdescendants():
            if not isinstance(el.tag, str) or el in seen:
                continue
            if el.tag in ("h1", "h2", "h3") or "title" in el.get("class", "") or (
                    "title" in el.get("id", "")):
                seen.add(el)
                found.append(el)
    return found


_REVIEW_RE = re.compile(r"(\d{4})\s*年[^。；\n]{0,24}?工作回顾|回顾[^。；\n]{0,6}?(\d{4})\s*年")


def _reviewed_plainly(lines: list[str]) -> int | None:
    for line in lines[:80]:
        if len(line) > 60 and "回顾" not in line[:30]:
            continue
        if m := _REVIEW_RE.search(line.translate(metadata._FULLWIDTH)):
            return int(m.group(1) or m.group(2))
    return None


@pytest.fixture(scope="module")
def pages() -> list[_Page]:
    return all_pages()


def test_decoding_once_reads_as_decoding_after_the_check(pages: list[_Page]) -> None:
    codecs_seen = set()
    for body, headers in pages:
        assert decode(body, headers) == _decode_plainly(body, headers)
        codecs_seen.add(decode(body, headers)[1])
    assert {"utf-8", "gb18030", "big5hkscs", "utf-16"} <= codecs_seen, codecs_seen


def test_parsing_the_bodys_own_bytes_parses_as_the_text(pages: list[_Page]) -> None:
    given = 0
    for body, headers in pages:
        text, codec, slips = decode(body, headers)
        expected = parse(text)
        if codec == "utf-8" and not slips and not body.startswith(codecs.BOM_UTF8):
            assert text.encode() == body  # what cleaner._clean hands parse() as its bytes
            root = parse(text, utf8=body)
            given += 1
            assert (root is None) == (expected is None)
            if root is not None:
                assert etree.tostring(root) == etree.tostring(expected)
        assert _without_controls(text.encode()) == (
            _utf8_without_controls(text))
    assert given > 100


def test_the_byte_patterns_cut_what_the_text_patterns_cut() -> None:
    from pipelines.clean import cleaner

    spaces = [chr(c) for c in range(0x110000) if re.match(r"\s", chr(c))]
    assert all(re.fullmatch(cleaner._SPACE, c.encode()) for c in spaces)
    # No other character's UTF-8 is a space's, and no other character folds to a tag letter.
    assert not any(re.fullmatch(cleaner._SPACE, chr(c).encode("utf-8", "surrogatepass"))
                   for c in range(0x110000) if chr(c) not in spaces)
    assert not any(re.fullmatch("[htmlbodyx]", chr(c), re.IGNORECASE)
                   for c in range(128, 0x110000))
    texts = [f"<p>a</{s}{tag}{t}>b</{tag}>{s}<br>" for s in ["", *spaces] for t in ["", " ", s]
             for tag in ("html", "BODY", "Html", "bodyx")]
    texts += [f"{s}<?xml v?><p>{s}</p>" for s in ["", "x", *spaces]]
    for text in texts:
        data = text.encode()
        expected = cleaner._END_TAGS_RE.sub("", cleaner._XML_DECL_RE.sub("", text)).encode()
        assert cleaner._END_TAGS_BYTES.sub(b"", cleaner._XML_DECL_BYTES.sub(b"", data)) == expected


def test_the_text_answers_for_its_bytes_whether_they_hold_u_fffe_or_u_ffff() -> None:
    # parse() looks for U+FFFE/U+FFFF in the text, not its bytes: wherever they stand (the
    # XML declaration the bytes lose, the page, a tag), with and without controls, the
    # bytes parse as the text does.
    pages = [f"{d}<html><body><p>政府{c}工作</p><p>报告{e}</p></body></html>"
             for d in ["", "<?xml version='1.0' x='\ufffe'?>", "<?xml v='\uffff'?>"]
             for c in ["", "\ufffe", "\uffff", "\x07", "\x7f"]
             for e in ["", "</body>", "</ht\ufffeml>", "\ufffe\uffff"]]
    for text in pages:
        root = parse(text, utf8=text.encode())
        assert etree.tostring(root) == etree.tostring(parse(text)), repr(text)
        assert ("\ufffe" in etree.tostring(root, encoding=str)) is False


def test_attribute_walks_find_what_the_predicates_find(pages: list[_Page]) -> None:
    # hidden.py and markup.py find elements by their attributes' parents (`@a/..`); the
    # plain way is a predicate on every element.
    from pipelines.clean import hidden, markup

    plainly = [(hidden._STYLED, "descendant-or-self::body/descendant::*[@style or @width or @height]"),
               (hidden._SIZED, "descendant-or-self::body/descendant::*[@width or @height]"),
               (markup._STYLED_XPATH, "descendant-or-self::*[@style or @hidden]"),
               (markup._HIDDEN_ATTR, "descendant-or-self::*[@hidden]"),
               (markup._ID_XPATH, "descendant-or-self::*[@id]")]
    html = ('<html><body><p style="a" width="1" height="2" hidden id="x">t<b hidden></b></p>'
            '<table width="0"><tr><td height="0" id="y">u</td></tr></table></body>'
            '<div style="b">v</div></html>')
    found = 0
    for body, headers in [(html.encode(), HTML), *pages]:
        root = parse(decode(body, headers)[0])
        if root is None:
            continue
        for fast, plain in plainly:
            expected = root.xpath(plain)
            assert fast(root) == expected
            found += len(expected)
    assert found > 1000


def test_selector_walks_find_what_the_predicates_find(pages: list[_Page]) -> None:
    # markup.remove_hidden finds a hidden selector's elements by their id or class
    # attribute; the plain way is a predicate on every element of <body>.
    from pipelines.clean import markup

    html = ('<html><body class="a"><p class=" a  b" id="x">t</p><i class="ab">u</i>'
            '<b class="b\ta">v</b><p id="x y">w</p></body></html>')
    found = 0
    for body, headers in [(html.encode(), HTML), *pages[::3]]:
        root = parse(decode(body, headers)[0])
        if root is None:
            continue
        # The page's own classes and ids (a few of each) and those its style hides.
        names = sorted({c for v in root.xpath("//@class") for c in v.split()})[:8]
        ids = sorted(set(root.xpath("//@id")))[:8]
        asked = [*((".", c) for c in names), *(("#", i) for i in ids),
                 *markup.hidden_selectors(root), (".", "a"), ("#", "x")]
        for kind, name in asked:
            if kind == "#":
                expected = root.xpath("//body//*[@id=$n]", n=name)
                assert markup._WITH_ID(root, n=name) == expected
            else:
                expected = root.xpath(
                    "//body//*[contains(concat(' ', normalize-space(@class), ' '), $n)]",
                    n=f" {name} ")
                assert markup._WITH_CLASS(root, n=f" {name} ") == expected
            found += len(expected)
    assert found > 500


def _hides_plainly(css: str) -> bool:
    """markup._hides() as it was: every block with a `-` split into its properties."""
    from pipelines.clean import markup

    low = css.lower()
    if "none" not in low and "hidden" not in low and "-" not in low and "clip" not in low:
        return False
    props: dict[str, str] = {}
    for decl in low.split(";"):
        name, sep, value = decl.partition(":")
        if sep:
            props[name.strip()] = value.replace("!important", "").strip()
    if props.get("display") == "none" or props.get("visibility") == "hidden":
        return True
    if any(markup._OFFSCREEN_RE.match(props[p]) for p in markup._OFFSCREEN_PROPS if p in props):
        return True
    if "clip" in props and markup._CLIP_RE.match(props["clip"]):
        return True
    if props.get("overflow") != "hidden":
        return False
    return any(markup._TINY_RE.fullmatch(props[p]) for p in ("width", "height") if p in props)


def test_style_blocks_hide_as_when_every_one_was_split(pages: list[_Page]) -> None:
    from pipelines.clean import markup

    blocks = ["left:-999px", "LEFT: - 1000PX", "text-indent:-!important9999px",
              "margin-left: -\t123em;color:red", "top:-99px", "text-indent: 2em;",
              "font-size:0;overflow:hidden;width:1px", "clip:rect(0 0 0 0)", "left:-1e3px"]
    for body, headers in pages:
        root = parse(decode(body, headers)[0])
        if root is not None:
            blocks += [d for css in root.xpath("//style/text()") for _, d in markup.css_rules(css)]
            blocks += root.xpath("//@style")
    verdicts = [markup._hides(b) for b in blocks]
    assert verdicts == [_hides_plainly(b) for b in blocks]
    assert sum(verdicts) > 100 and len(blocks) > 5000


def test_the_heading_walk_finds_what_the_plain_walk_finds(pages: list[_Page]) -> None:
    found = 0
    for body, headers in pages:
        root = parse(decode(body, headers)[0])
        if root is None:
            continue
        headings = metadata._headings(root)
        assert headings == _headings_plainly(root)
        found += bool(headings)
    assert found > 100


def test_year_reviewed_skips_only_lines_it_would_not_match(pages: list[_Page]) -> None:
    from pipelines.clean.cleaner import clean

    years = 0
    for body, headers in pages:
        lines = clean(body, "http://127.0.0.1/a.html", headers).text.split("\n")
        for start in (0, 5, 40):
            expected = _reviewed_plainly(lines[start:])
            assert metadata.year_reviewed(lines[start:], None, None) == expected
            years += expected is not None
    assert years > 20


def test_a_memos_subscript_is_its_call_and_off_it_keeps_nothing() -> None:
    calls: list[str] = []
    memo = Memo(lambda s: calls.append(s) or s.upper())
    try:
        assert memo["ab"] == memo("ab") == "AB" and calls == ["ab"]
        with memos(False):
            assert memo("cd") == memo["cd"] == "CD" and calls == ["ab", "cd", "cd"]
            assert len(memo) == 0
    finally:
        Memo._all.remove(memo)


def test_style_value_prefilters_find_what_the_element_walks_find(pages: list[_Page]) -> None:
    from pipelines.clean.hidden import styled_zero_size_boxes, zero_size_boxes
    from pipelines.clean.markup import _hidden_candidates, _styled_candidates, despam

    harmful = ('<p style="display:none">a</p><div hidden>b</div><p style="font-size:0">c</p>'
               '<span width="1">d</span><p style="text-indent:2em">e</p>')
    found = {"candidates": 0, "boxes": 0}
    roots = [parse(decode(body, headers)[0]) for body, headers in pages]
    roots += [parse(f"<html><body>{harmful}</body></html>"),
              parse(f"<html><body>{harmful[-70:]}</body></html>")]
    for root in roots:
        if root is None:
            continue
        candidates = _hidden_candidates(root)
        assert candidates == _styled_candidates(root)
        despam(root)
        boxes = zero_size_boxes(root)
        assert boxes == styled_zero_size_boxes(root)
        found["candidates"] += bool(candidates)
        found["boxes"] += bool(boxes)
    assert found["candidates"] and found["boxes"], found


def _linearize_plainly(body: etree._Element) -> list[maintext.Line]:
    """linearize() as it was: every element through its start and end events."""
    lines: list[maintext.Line] = []
    parts: list[str] = []
    add = parts.append
    blocks = maintext.BLOCK_TAGS
    link_chars = 0
    stack: list[etree._Element] = [body]
    in_link = 0
    teasers = maintext.teaser_items(body)
    in_teaser = 0

    def flush() -> None:
        # Only called with parts: link characters are only counted with a part.
        nonlocal link_chars
        raw = parts[0] if len(parts) == 1 else "".join(parts)
        # Half the flushes hold only the whitespace between block tags: no line, no cleaning.
        text = "" if raw.isspace() else maintext.clean_line[raw]  # the memo's cheapest call
        if text:
            lines.append(maintext.Line(text, min(link_chars, len(text)), stack[-1], in_teaser > 0))
        parts.clear()
        link_chars = 0

    for event, el in etree.iterwalk(body, events=("start", "end")):
        tag = el.tag
        if tag.__class__ is not str:  # comments, processing instructions: no text of theirs
            tag = ""
        if event == "start":
            if tag in blocks:
                if parts:
                    flush()
                if el is not body:
                    stack.append(el)
                if teasers and el in teasers:
                    in_teaser += 1
            elif tag == "a":
                in_link += 1
            if tag and (text := el.text):
                add(text)
                if in_link:
                    link_chars += len(text.strip())
        else:
            if tag in blocks:
                if parts:
                    flush()
                if el is not body and stack and stack[-1] is el:
                    stack.pop()
                if teasers and el in teasers:
                    in_teaser -= 1
            elif tag == "a":
                in_link -= 1
            if (tail := el.tail) and el is not body:
                add(tail)
                if in_link:
                    link_chars += len(tail.strip())
    if parts:
        flush()
    return lines



def _teaser_items_plainly(body: etree._Element) -> set[etree._Element]:
    """teaser_items() as it was: every item's links through a descendant iterator."""
    found: set[etree._Element] = set()
    for lst in body.iter("ul", "ol"):
        items = [child for child in lst if child.tag == "li"]
        linked = [li for li in items if next(li.iter("a"), None) is not None]
        if len(items) >= 4 and len(linked) >= 4 and len(linked) * 2 >= len(items):
            found.update(linked)
    return found


def _best_container_plainly(lines: list[maintext.Line]) -> etree._Element | None:
    """best_container() as it was: max() over (score, depth) pairs."""
    own: dict[etree._Element, float] = {}  # weight of the lines an element owns itself
    depth: dict[etree._Element, int] = {}  # every owner and ancestor, in order first met
    parent_of: dict[etree._Element, etree._Element | None] = {}
    for line in lines:
        w = line.weight
        if w == 0:
            continue
        el = line.owner
        if el not in depth:
            # Up to the first ancestor already met, by getparent(): an ancestor iterator
            # per owner costs more than the few steps it takes.
            chain = [el]
            anc = el.getparent()
            while anc is not None and anc not in depth:
                chain.append(anc)
                anc = anc.getparent()
            above = 0 if anc is None else depth[anc]
            top = len(chain)
            for i, new in enumerate(chain):
                depth[new] = above + top - i
                parent_of[new] = chain[i + 1] if i + 1 < top else anc
        own[el] = own.get(el, 0.0) + w
    # Subtree sums, children before parents.  Weights are multiples of 0.5, so the sums
    # are exact in any order.
    scores = {el: own.get(el, 0.0) for el in depth}
    for el in sorted(depth, key=depth.__getitem__, reverse=True):
        parent = parent_of[el]
        if parent is not None:
            scores[parent] += scores[el]
    if not scores:
        return None
    best = max(scores, key=lambda e: (scores[e], depth[e]))
    # Climb while the wider element costs only a few short lines: a heading block or a
    # dateline kept outside the paragraph that holds the prose still belongs to it.
    parent = best.getparent()
    while parent is not None and parent.tag not in ("body", "html") and parent in scores:
        loss = scores[best] - scores[parent]
        if loss > maintext._CLIMB_TOLERANCE or loss > 0.05 * scores[best]:
            break
        best, parent = parent, parent.getparent()
    return best



def test_childless_blocks_make_the_lines_their_two_events_made(pages: list[_Page]) -> None:
    from pipelines.clean.hidden import remove_hidden_spam
    from pipelines.clean.markup import despam

    odd = ("<html><body><a href='x'><p> linked 段落 </p><p>  </p></a><ul><li><a>1</a></li>"
           "<li><a>2</a></li><li><a>3</a></li><li><a>4</a></li><li></li></ul>"
           "<div>a<p>b</p>c<br>d<p></p>e</div>text"
           # Whitespace opening a line, before and after text, in and out of links.
           "<div> <span> x </span> \n<p>y</p>\n <b> </b>\n<a href='z'> <i>q</i> </a>\n</div>"
           "<ul>\n<li> <a> </a> r</li>\n<li>\u3000<p>s</p>\xa0</li> </ul> \n"
           # Teasers with the link first, deeper, or not at all.
           + "<ol>" + "<li><b>x</b><span><a>y</a></span></li>" * 4 + "<li><b>z</b></li>" * 4
           + "</ol></body></html>")
    roots = [parse(decode(body, headers)[0]) for body, headers in pages] + [parse(odd)]
    lines = 0
    for root in roots:
        if root is None:
            continue
        despam(root)
        remove_hidden_spam(root)
        body = root.find(".//body")
        body = root if body is None else body
        fast = [(ln.text, ln.link_chars, ln.owner, ln.teaser) for ln in maintext.linearize(body)]
        assert fast == [(ln.text, ln.link_chars, ln.owner, ln.teaser)
                        for ln in _linearize_plainly(body)]
        lines += len(fast)
        assert maintext.teaser_items(body) == _teaser_items_plainly(body)
        made = maintext.linearize(body)
        assert maintext.best_container(made) is _best_container_plainly(made)
        # Ties: the same lines again under a second container, and none weighing at all.
        twin = etree.SubElement(body, "div")
        assert maintext.best_container(made + [maintext.Line(ln.text, ln.link_chars, twin)
                                                for ln in made]) is _best_container_plainly(
            made + [maintext.Line(ln.text, ln.link_chars, twin) for ln in made])
        assert maintext.best_container([ln for ln in made if ln.weight == 0]) is None
    assert lines > 10_000
