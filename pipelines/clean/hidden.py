"""Hidden link farms and zero-size text the markup de-spammer's CSS rules do not catch.

Hacked pages hide their SEO payload in ways no reader sees: a `<marquee>` one pixel wide
and high, a box whose `width`/`height` attributes are 0-2, text at `font-size:0` or fully
transparent, a `max-height:0` box that clips.  Each such element goes with all its text,
and so does a link whose own text is casino vocabulary (a link farm spliced into a
sentence); every removal is recorded for audit.  A visible marquee is a scrolling notice
bar: it goes too, as chrome.  Runs on the de-spammed tree, before the main text is chosen.
"""

from __future__ import annotations

import re

from lxml import etree

from pipelines.clean.markup import is_revealed_content
from pipelines.clean.memo import Memo
from pipelines.clean.result import Removal
from pipelines.clean.spamwords import is_spam_link

_TINY_ATTR = re.compile(r"\s*[0-2](?:\.\d+)?\s*(?:px)?\s*$")
_TINY_SIZE = re.compile(r"^[0-2](?:\.\d+)?(?:px|pt)?$|^0(?:\.\d+)?(?:em|rem|%)?$")
_LINK_TEXT_MAX = 40  # a longer link is a sentence, not a spam anchor
_STRING = etree.XPath("string(.)")
# descendant-or-self rather than `//`, which steps through every node's children: slower.
_IN_BODY = "descendant-or-self::body/descendant::*"


def _having(*names: str) -> etree.XPath:
    """Elements in <body> with any of the attributes, in document order: each attribute's
    parent (`/@a/..`, a union), 3-4x faster in libxml2 than a predicate `[@a or @b]`."""
    return etree.XPath(" | ".join(f"{_IN_BODY}/@{name}/.." for name in names))


_STYLED = _having("style", "width", "height")
# The same walk's style values as plain strings (no element objects made), and the elements
# with size attributes alone (few): most pages repeat one or two harmless styles.
_BODY_STYLES = etree.XPath(f"{_IN_BODY}/@style", smart_strings=False)
_SIZED = _having("width", "height")
_STYLE_HINTS = ("font-size", "opacity", "transparent", "max-")  # what zero_size() reads
_LAYOUT_TAGS = frozenset(["img", "td", "th", "table", "col", "colgroup"])


def _props(css: str) -> dict[str, str]:
    props: dict[str, str] = {}
    for decl in css.lower().split(";"):
        name, sep, value = decl.partition(":")
        if sep:
            props[name.strip()] = value.replace("!important", "").strip()
    return props


def zero_size(el: etree._Element) -> bool:
    """Whether the element's own attributes or inline style make its text unreadable."""
    if el.tag in _LAYOUT_TAGS:
        return False  # sizes there are layout: spacer cells, 1-pixel rules
    attrs = el.attrib
    if ("width" in attrs or "height" in attrs) and any(
        _TINY_ATTR.match(attrs.get(a) or "x") for a in ("width", "height")
    ):
        return True
    verdict = _style_hides(attrs.get("style") or "")
    if verdict is None:
        # font-size:0 on a list is also a layout idiom (no gaps between inline blocks) whose
        # children set their own size: then the text is readable.
        return not any("font-size" in (d.get("style") or "") for d in el.iterdescendants())
    return verdict


def _style_verdict(style: str) -> bool | None:
    """Whether an inline style makes its element's text unreadable; None: font-size 0,
    which depends on the descendants."""
    style = style.lower()
    if not any(h in style for h in _STYLE_HINTS):
        return False
    p = _props(style)
    if _TINY_SIZE.match(p.get("font-size", "x")):
        return None
    if p.get("opacity") in ("0", "0.0") or p.get("color") == "transparent":
        return True
    clipped = p.get("overflow") == "hidden"
    return clipped and any(_TINY_SIZE.match(p.get(k, "x")) for k in ("max-height", "max-width"))


# A page repeats its inline styles on element after element.
_style_hides = Memo(_style_verdict)


def _text(el: etree._Element) -> str:
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip()


def _drop(el: etree._Element) -> None:
    """Remove an element but keep its tail text, which belongs to the parent."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def link_text(a: etree._Element) -> str:
    """All text inside a link; most links hold only their own text, read without XPath."""
    return (a.text or "") if len(a) == 0 else _STRING(a)


def zero_size_boxes(root: etree._Element) -> list[etree._Element]:
    """Elements in <body> whose attributes or inline style make their text unreadable."""
    if all(_style_hides[s] is False for s in set(_BODY_STYLES(root))):
        # No style can hide: only the size attributes can, on the elements that have them.
        return [el for el in _SIZED(root) if zero_size(el)]
    return styled_zero_size_boxes(root)


def styled_zero_size_boxes(root: etree._Element) -> list[etree._Element]:
    """zero_size_boxes() by a test of every element with a style or size attribute."""
    # Most styles on a page are paragraph layout: the memo rejects them without the
    # attribute mapping zero_size() reads being made.
    return [el for el in _STYLED(root) if (
        el.get("width") is not None or el.get("height") is not None
        or _style_hides[el.get("style") or ""] is not False) and zero_size(el)]


def remove_hidden_spam(root: etree._Element) -> list[Removal]:
    """Drop marquees, zero-size boxes and spam anchors from `root` in place."""
    removals: list[Removal] = []
    # A visible marquee is a scrolling notice bar (chrome); a zero-size one hides a farm.
    doomed = [(el, "hidden" if zero_size(el) else "chrome") for el in root.iter("marquee")]
    doomed += [(el, "hidden") for el in zero_size_boxes(root) if el.tag != "marquee"]
    doomed += [(a, "spam_word") for a in root.iter("a")
               if len(t := link_text(a).strip()) <= _LINK_TEXT_MAX and t and is_spam_link(t)]
    gone: set[etree._Element] = set()
    for el, kind in doomed:
        if el in gone or el.getparent() is None or any(a in gone for a in el.iterancestors()):
            continue
        text = _text(el)
        if kind == "hidden" and is_revealed_content(text, root):
            continue
        _drop(el)
        gone.add(el)
        if text:
            removals.append(Removal(kind, text[:200]))
    return removals
