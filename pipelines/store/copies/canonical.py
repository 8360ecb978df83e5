"""Which copy of a report is the record: kinds of copies, damage flags, and the ranking.

Kind of a copy (decided per cluster, as copies arrive):

* ``government``: the host is a government site of the sites file, or any ``*.gov.cn`` host;
* ``content_farm``: the sites file says so for the host;
* ``mirror``: any other host serving a page at the same path (and query) as a government copy
  in the same cluster: a site cloned path by path;
* ``content_farm`` again: any other host whose copy is a ``×`` template or carries
  content-farm chrome (小编, 范文, 供大家参考 ... in its title or stripped chrome);
* ``unknown``: everything else (a hacked portal, a news repost).

The canonical copy is the first by these rules, applied in order:

1. source: government, then mirror or unknown, then content farm.  A mirror is never chosen
   while its government original is in the cluster;
2. damage: fewer of {spam injected (tag soup, hidden links, gambling words stripped),
   converter damaged (served as traditional script, pinyin glosses, slipped bytes, lost
   characters)};
3. completeness: a full text over a ``×`` template or a fragment (shorter than
   FRAGMENT_RATIO of the longest copy, or found by the cleaner to be part of a report);
   then the longer text;
4. the copy recorded first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pipelines.clean.result import SPAM_KINDS, CleanResult
from pipelines.store.sites import Site, normalize_host

KINDS = ("government", "mirror", "content_farm", "unknown")
SOURCE_RANK = {"government": 0, "mirror": 1, "unknown": 1, "content_farm": 2}
CONVERTER_KINDS = frozenset({"pinyin", "byte_slip", "lost_char"})
FRAGMENT_RATIO = 0.8
_FARM_RE = re.compile(r"小编|供大家参考|仅供参考|范文|公文网|文秘|讲话稿|心得体会")


@dataclass(frozen=True)
class Damage:
    spam_injected: bool
    converter_damaged: bool
    is_template: bool
    farm_marks: bool

    @classmethod
    def of(cls, result: CleanResult) -> Damage:
        kinds = {r.kind for r in result.removals}
        chrome = " ".join(r.text for r in result.removals if r.kind == "chrome")
        return cls(
            spam_injected=bool(result.spam_removed or kinds & SPAM_KINDS),
            converter_damaged=result.script == "hant" or bool(kinds & CONVERTER_KINDS),
            is_template=bool(result.is_template),
            farm_marks=bool(_FARM_RE.search(result.title + " " + chrome)),
        )


@dataclass
class Copy:
    """What the ranking needs of one copy (a report_copies row)."""

    id: int
    url: str
    host_kind: str | None  # what the host alone says: government / content_farm / None
    chars: int
    damage: Damage
    kind: str = "unknown"
    is_fragment: bool = False
    marked_fragment: bool = False  # the cleaner found it is part of a report (reports.is_fragment)
    report_id: int = 0

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return (parts.path or "/") + ("?" + parts.query if parts.query else "")


class SiteIndex:
    """Hosts of the sites file, by kind."""

    def __init__(self, kinds: dict[str, str]):
        self.kinds = kinds  # normalised host -> government / content_farm

    @classmethod
    def from_sites(cls, sites: Iterable[Site]) -> SiteIndex:
        return cls({key: s.kind for s in sites for key in s.host_keys})

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]]) -> SiteIndex:
        """From known_sites rows (name, region, level, kind, hosts as a JSON list)."""
        return cls({normalize_host(h): row[3] or "government"
                    for row in rows for h in json.loads(row[4] or "[]")})

    def host_kind(self, host: str) -> str | None:
        key = normalize_host(host)
        # A subdomain of a listed host belongs to that site (www.x.gov.cn, zwgk.x.gov.cn).
        parts = key.split(".")
        for i in range(len(parts) - 1):
            if (kind := self.kinds.get(".".join(parts[i:]))) is not None:
                return kind
        if key == "gov.cn" or key.endswith(".gov.cn"):
            return "government"
        return None


def kind_of(c: Copy, gov_paths: Container[str]) -> str:
    """A copy's kind, given the paths of the government copies in its cluster."""
    if c.host_kind:
        return c.host_kind
    if c.path in gov_paths:
        return "mirror"
    if c.damage.is_template or c.damage.farm_marks:
        return "content_farm"
    return "unknown"


def is_fragment(c: Copy, longest: int) -> bool:
    return c.marked_fragment or c.chars < FRAGMENT_RATIO * longest


def assign_kinds(copies: Sequence[Copy]) -> None:
    """Set kind and is_fragment on every copy of one cluster."""
    gov_paths = {c.path for c in copies if c.host_kind == "government"}
    longest = max((c.chars for c in copies), default=0)
    for c in copies:
        c.kind = kind_of(c, gov_paths)
        c.is_fragment = is_fragment(c, longest)


def rank_key(c: Copy) -> tuple[int, int, int, int, int]:
    damage = int(c.damage.spam_injected) + int(c.damage.converter_damaged)
    incomplete = int(c.damage.is_template or c.is_fragment)
    return (SOURCE_RANK[c.kind], damage, incomplete, -c.chars, c.id)


def tier(c: Copy) -> int:
    """Source, damage and completeness as one number (0 best): a copy's stored rank is 1 when
    it is the canonical copy, else 2 + its tier; within a tier the longer text, then the copy
    recorded first, ranks higher.  Not a dense position: that would rewrite every copy of a
    cluster whenever one joins ahead of them."""
    source, damage, incomplete = rank_key(c)[:3]
    return (source * 3 + damage) * 2 + incomplete


def ranked(copies: Sequence[Copy]) -> list[Copy]:
    """The copies of one cluster, kinds assigned, best first: the first is the canonical."""
    assign_kinds(copies)
    return sorted(copies, key=rank_key)
