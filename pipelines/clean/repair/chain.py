"""Text repair: undo what broken converters did to a page's text, then normalise it.

Order matters: pinyin annotations go first (they sit inside slipped runs' neighbours),
byte slips next (they need the text as served, in its own script and widths), then lost
characters, then script conversion and width/punctuation normalisation.  Every stage keeps
the `\\n` structure, so line i of the output is line i of the input.
"""

from __future__ import annotations

import re

from pipelines.clean.memo import Memo
from pipelines.clean.normalize import collapse_doubled, normalize
from pipelines.clean.repair.byteslip import repair_byte_slips
from pipelines.clean.repair.lostchar import restore_lost_chars
from pipelines.clean.repair.pinyin import strip_pinyin
from pipelines.clean.repair.script import Lines, detect_and_simplify_lines
from pipelines.clean.result import Removal

_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_PINYIN_ROUNDS = 3  # "發(fā)(fā)" needs two; more would be a pathological page
# A `?` run opening a line is indentation (U+3000 or NBSP) a converter could not encode:
# no line starts with a question mark, and reading the run as lost characters would invent
# text, so it is removed before the byte-slip and lost-character searches ever see it.
_INDENT_RUN = re.compile(r"(?m)^[^\S\n]*[?？](?:[^\S\n]*[?？])*[^\S\n]*")
# A run of `?` inside a line followed by ordinary text has no garbled characters after it,
# so no byte evidence: a slip search would only fill it with whatever scores best.  It is
# marked as the full-width `？` normalisation would make of it anyway, which the search
# leaves alone.
_BARE_RUN = re.compile(r"\?{2,}(?=([^\n]?))")
_COMMON = -13.0  # log P above which a character is ordinary text (byteslip's rare bound)


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _strip_all_pinyin(text: str, removals: list[Removal]) -> str:
    for _ in range(_MAX_PINYIN_ROUNDS):
        text, found = strip_pinyin(text)
        removals += found
        if not found:
            break
    return text


def repair(text: str) -> tuple[str, str, list[Removal]]:
    """(repaired simplified text, script as served "hans"/"hant", removals)."""
    return repair_lines(text)[:3]


def repair_lines(text: str) -> tuple[str, str, list[Removal], Lines]:
    """repair(), and the repaired text's lines if the line-wise stages made them (the
    memos' own strings: looked up again, their hashes are kept)."""
    removals: list[Removal] = []
    # Lone surrogates are no text (clean() strips them before parsing); OpenCC refuses them.
    # Only they make UTF-8 encoding fail: a test far cheaper than the regex's scan.
    if not _encodes(text):
        text = _SURROGATE.sub("\ufffd", text)
    lines: Lines = None
    if Memo.enabled:
        lines = _before_slips_by_line(text, removals)
        text = "\n".join(lines)
    else:
        text = _strip_lost_indent(text, removals)
        text = _mark_bare_runs(text)
        text = _strip_all_pinyin(text, removals)
    whole = text
    text, slips = repair_byte_slips(text)
    if slips:
        removals += slips
        # A repaired run can end right before an annotation that belonged to it.
        text = _strip_all_pinyin(text, removals)
    text, lost = restore_lost_chars(text)
    removals += lost
    if text != whole:  # (the same object, most pages: compared at once)
        lines = None
    text, script, lines = detect_and_simplify_lines(text, lines)
    if Memo.enabled:
        # Hits run no Python code.
        done = list(map(_normalized.__getitem__, text.split("\n") if lines is None else lines))
        lines = [line for line, _ in done]
        text = "\n".join(lines)
        doubled = [d for _, ds in done for d in ds]
    else:
        text, doubled = collapse_doubled(normalize(text))
    removals += [Removal("doubled_punct", d) for d in doubled]
    return text, script, removals, lines


# The stages before the byte-slip search and after script conversion see one line at a
# time (no pattern of theirs crosses a line break, and none reads the rest of the page), so
# each line's answer is memoised across pages: copies of a report repeat its lines.
_Before = tuple[str, tuple[Removal, ...], tuple[tuple[Removal, ...], ...]]


def _before_slips(line: str) -> _Before:
    """(the line without lost indentation, bare `??` runs marked, pinyin stripped; its
    lost-indent removals; its pinyin removals, one tuple per round)."""
    indent: list[Removal] = []
    line = _mark_bare_runs(_strip_lost_indent(line, indent))
    rounds = []
    for _ in range(_MAX_PINYIN_ROUNDS):
        line, found = strip_pinyin(line)
        if not found:
            break
        rounds.append(tuple(found))
    return line, tuple(indent), tuple(rounds)


_before_slips_cached = Memo(_before_slips)


def _before_slips_by_line(text: str, removals: list[Removal]) -> list[str]:
    """The whole-text stages line by line (the lines they leave), removals in the order the
    whole-text stages give them: every lost indent, then the pinyin of each round in text
    order."""
    done = list(map(_before_slips_cached.__getitem__, text.split("\n")))
    for _, indent, _ in done:
        removals += indent
    for r in range(_MAX_PINYIN_ROUNDS):
        for _, _, rounds in done:
            if r < len(rounds):
                removals += rounds[r]
    return [line for line, _, _ in done]


def _normalize_line(line: str) -> tuple[str, tuple[str, ...]]:
    line, doubled = collapse_doubled(normalize(line))
    return line, tuple(doubled)


_normalized = Memo(_normalize_line)


def _mark_bare_runs(text: str) -> str:
    if "??" not in text:
        return text
    from pipelines.clean.repair.charmodel import model, to_simplified

    m = model()

    def mark(mt: re.Match[str]) -> str:
        nxt = mt.group(1)
        plain = not nxt or nxt.isspace() or m.logp(to_simplified(nxt)) > _COMMON
        return "？" * len(mt.group()) if plain else mt.group()

    return _BARE_RUN.sub(mark, text)


def _strip_lost_indent(text: str, removals: list[Removal]) -> str:
    def drop(m: re.Match[str]) -> str:
        removals.append(Removal("lost_indent", m.group()))
        return ""

    return _INDENT_RUN.sub(drop, text) if "?" in text or "？" in text else text
