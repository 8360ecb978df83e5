"""De-spam markup on a parsed lxml tree: injected tag soups and CSS-hidden elements.

Hacked pages carry blocks of empty, exotic elements that all share one random id (used
by the injected CSS/JS to hide or position spam) and link farms hidden with CSS.  Both are
removed in place; each removal is reported so a user can audit it.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from lxml import etree

from pipelines.clean.memo import Memo
from pipelines.clean.result import Removal

# Elements that never carry readable report text.
_NOISE_TAGS = (
    "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object",
    "embed", "svg", "canvas", "select", "option", "button", "textarea", "input", "map",
    "audio", "video", "source",
)  # fmt: skip

_SOUP_MIN = 5  # elements sharing an id before it counts as a soup
_SOUP_TAGS_MIN = 3  # distinct element names sharing it
_SOUP_TEXT_MAX = 120  # a soup element holding more text than this is unwrapped, not dropped

_OFFSCREEN_RE = re.compile(r"-\s*\d{3,}(?:\.\d+)?\s*(?:px|pt|em|rem)?")
_TINY_RE = re.compile(r"0|[0-2](?:\.\d+)?px")  # 0 to 2px: nothing readable fits
_CLIP_RE = re.compile(r"rect\(\s*0")
_CACHED_CSS = 200  # characters
_OFFSCREEN_PROPS = ("left", "top", "right", "bottom", "margin-left", "margin-top", "text-indent")


def hides(css: str) -> bool:
    """Whether a CSS declaration block hides its element.

    Declarations are split into properties first: a regex over the whole block with `.*`
    between two properties backtracks quadratically on the long inline styles of CMS pages.
    """
    # A page repeats its inline styles on element after element (every paragraph's
    # text-indent): short ones are judged once.
    return _hides_short(css) if len(css) <= _CACHED_CSS else _hides(css)


# What an off-screen value holds (_OFFSCREEN_RE's start), looked for in the whole block.
_NEGATIVE_RE = re.compile(r"-\s*\d{3}")


def _hides(css: str) -> bool:
    low = css.lower()
    # Every way below to hide needs one of these in the block; most blocks (font-size,
    # margin-left, text-indent: 2em) have none of them and are not split up.
    if ("none" not in low and "hidden" not in low and "clip" not in low
            and not ("-" in low and _NEGATIVE_RE.search(low.replace("!important", "")))):
        return False
    props: dict[str, str] = {}
    for decl in low.split(";"):
        name, sep, value = decl.partition(":")
        if sep:
            props[name.strip()] = value.replace("!important", "").strip()
    if props.get("display") == "none" or props.get("visibility") == "hidden":
        return True
    # (An absent property reads as "", which none of the patterns matches.)
    if any(_OFFSCREEN_RE.match(props[p]) for p in _OFFSCREEN_PROPS if p in props):
        return True
    if "clip" in props and _CLIP_RE.match(props["clip"]):
        return True
    if props.get("overflow") != "hidden":
        return False
    return any(_TINY_RE.fullmatch(props[p]) for p in ("width", "height") if p in props)


_hides_short = lru_cache(maxsize=1024)(_hides)


# Only simple `.cls` / `#id` selectors are trusted.
_SIMPLE_SEL_RE = re.compile(r"^\s*(?:[a-z0-9]*)([.#])([A-Za-z0-9_-]+)\s*$", re.IGNORECASE)
# Elements that may be hidden: a `hidden` attribute, or a style that hides.  The walk is
# XPath (descendant-or-self: `//*` steps through every node's children, slower), the style
# test Python: the same test as an XPath predicate (translate() per element) costs more
# than the walk, and pages repeat their styles on element after element.
# Elements by their attributes' parents (`@a/..`): 3-4x faster in libxml2 than `*[@a]`.
_STYLED_XPATH = etree.XPath("descendant-or-self::*/@style/.. | descendant-or-self::*/@hidden/..")
_NONE_CASE = str.maketrans("DISPLAYNOVTHE", "displaynovthe")
_HIDDEN_CASE = str.maketrans("VISBLTYHDN", "visbltyhdn")


def _names_hiding(style: str) -> bool:
    return ("none" in style.translate(_NONE_CASE) or "hidden" in style.translate(_HIDDEN_CASE)
            or "-" in style or "clip" in style)


_style_hides = Memo(lambda style: _names_hiding(style) and hides(style))
# Style values as plain strings (no element objects made): most pages repeat a few harmless
# ones, and then only the elements with a `hidden` attribute (few) are candidates.
_STYLES = etree.XPath("descendant-or-self::*/@style", smart_strings=False)
_HIDDEN_ATTR = etree.XPath("descendant-or-self::*/@hidden/..")


def _hidden_candidates(root: etree._Element) -> list[etree._Element]:
    """Elements with a `hidden` attribute or an inline style that hides them, in order."""
    if not any(_style_hides[s] for s in set(_STYLES(root))):
        return _HIDDEN_ATTR(root)
    return _styled_candidates(root)


def _styled_candidates(root: etree._Element) -> list[etree._Element]:
    """_hidden_candidates() by a test of every element with a style or `hidden` attribute."""
    return [el for el in _STYLED_XPATH(root)
            if el.get("hidden") is not None or _style_hides[el.get("style") or ""]]


# Ids as plain strings (no element objects made): a soup needs one shared by _SOUP_MIN.
_ID_VALUES = etree.XPath("descendant-or-self::*/@id", smart_strings=False)
_ID_XPATH = etree.XPath("descendant-or-self::*/@id/..")


def strip_noise(root: etree._Element) -> None:
    """Drop scripts, styles, comments and form widgets: never report text."""
    etree.strip_elements(root, *_NOISE_TAGS, with_tail=False)
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)


def css_rules(css: str) -> list[tuple[str, str]]:
    """(selector group, declarations) of every innermost `sel{decl}` rule, in order.

    Split at the braces rather than matched with a regex: a selector run `[^{}]+` tried at
    every offset of style text with no `{` scans to its end each time, quadratic in its length.
    """
    rules = []
    for chunk in css.split("}")[:-1]:  # text after the last `}` closes no rule
        head, brace, decl = chunk.rpartition("{")
        selector = head.rpartition("{")[2]  # a `{` before it opened an enclosing block
        if brace and selector:
            rules.append((selector, decl))
    return rules


_STYLE_TEXTS = etree.XPath("//style/text()", smart_strings=False)


def hidden_selectors(root: etree._Element) -> list[tuple[str, str]]:
    """Simple class/id selectors whose <style> rules hide the element."""
    found: list[tuple[str, str]] = []
    for css in _STYLE_TEXTS(root):
        for sel_group, decl in css_rules(css):
            if not hides(decl):
                continue
            for sel in sel_group.split(","):
                if m := _SIMPLE_SEL_RE.match(sel):
                    found.append((m.group(1), m.group(2)))
    return found


def _text_len(el: etree._Element) -> int:
    return len("".join(el.itertext()).strip())


_REVEALED_MIN = 2000  # characters: spam blocks are short next to an article


def is_revealed_content(text: str, root: etree._Element) -> bool:
    """Whether a hidden block's text is most of the page's: content a script reveals (some
    CMSs hide the article until one runs; fade-ins start at opacity 0), not spam: kept."""
    return len(text) > _REVEALED_MIN and len(text) > 0.5 * _text_len(root)


def _drop(el: etree._Element) -> None:
    """Remove an element but keep its tail text, which belongs to the parent."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def remove_tag_soup(root: etree._Element) -> list[Removal]:
    if max(Counter(_ID_VALUES(root)).values(), default=0) < _SOUP_MIN:
        return []
    ids = _ID_XPATH(root)
    by_id: dict[str, list[etree._Element]] = {}
    for el in ids:
        by_id.setdefault(el.get("id", ""), []).append(el)
    removals: list[Removal] = []
    for ident, els in by_id.items():
        if len(els) < _SOUP_MIN or len({el.tag for el in els}) < _SOUP_TAGS_MIN:
            continue
        tags = Counter(str(el.tag) for el in els)
        dropped = 0
        # Deepest first, so unwrapping a container never orphans a soup child.
        for el in reversed(els):
            if el.getparent() is None:
                continue
            if _text_len(el) > _SOUP_TEXT_MAX:
                el.drop_tag()
            else:
                _drop(el)
            dropped += 1
        kinds = ", ".join(f"{t}×{n}" for t, n in tags.most_common(6))
        removals.append(Removal("tag_soup", f"{dropped} elements with id={ident!r}: {kinds}"))
    return removals


# Elements in <body> by id, and by one class among theirs, found through their attributes
# (`@a[...]/..`): the predicate runs on the attributes, not on every element (3x faster).
_WITH_ID = etree.XPath("//body/descendant::*/@id[. = $n]/..")
_WITH_CLASS = etree.XPath(
    "//body/descendant::*/@class[contains(concat(' ', normalize-space(.), ' '), $n)]/..")


def remove_hidden(root: etree._Element) -> list[Removal]:
    candidates = _hidden_candidates(root)
    for kind, name in hidden_selectors(root):
        if kind == "#":
            candidates += _WITH_ID(root, n=name)
        else:
            candidates += _WITH_CLASS(root, n=f" {name} ")
    removals: list[Removal] = []
    dropped: set[etree._Element] = set()
    for el in candidates:
        if el in dropped or el.tag in ("html", "body") or el.getparent() is None:
            continue
        if any(a in dropped for a in el.iterancestors()):
            continue
        text = re.sub(r"\s+", " ", "".join(el.itertext())).strip()
        if is_revealed_content(text, root):
            continue
        _drop(el)
        dropped.add(el)
        if text:
            removals.append(Removal("hidden", text[:200]))
    return removals


def despam(root: etree._Element) -> list[Removal]:
    """Remove tag soups and hidden elements from `root` in place; report what went."""
    removals = remove_hidden(root)
    removals += remove_tag_soup(root)
    strip_noise(root)
    return removals
