"""The value objects every cleaning stage and every consumer of `clean()` share."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Removal:
    """One thing the cleaner stripped or changed, kept so a user can audit it.

    kind: a short machine name, e.g. "tag_soup", "hidden", "spam_word", "chrome",
    "pinyin", "byte_slip", "lost_char", "charset".  text: what was removed (or "old→new" for
    repairs; for "charset", the declaration not followed and why).
    """

    kind: str
    text: str


# Removals that were spam put there by an attacker (a tag soup, hidden links, spam words),
# not the site's own chrome or a converter's damage.
SPAM_KINDS = frozenset({"tag_soup", "hidden", "spam_word"})


@dataclass
class CleanResult:
    """What `pipelines.clean.clean()` returns for one page."""

    is_report: bool = False
    title: str = ""
    text: str = ""
    script: str = "hans"  # script as served: "hans" or "hant"
    encoding: str = ""  # the codec the body was decoded with
    spam_removed: int = 0
    is_template: bool = False
    is_fragment: bool = False  # a report's part on a page of its own (one chapter, no dateline)
    region: str | None = None  # e.g. 洮南市
    level: str | None = None  # 市 / 县 / 区 / 旗 ...
    year: int | None = None  # year the report was delivered
    year_reviewed: int | None = None  # the year whose work it reviews
    meeting_date: str | None = None  # ISO date of the session it was delivered at
    session: str | None = None  # e.g. 第十九届人民代表大会第二次会议
    speaker: str | None = None  # e.g. 高熙礼
    office: str | None = None  # e.g. 市长
    published: str | None = None  # ISO date (time) the page says it was published
    source_site: str | None = None  # host the page came from
    # A page of an article split over several pages (pipelines/clean/parts.py): the first part's
    # URL, this page's part number (0: the first) and every part's URL.
    part_of: str | None = None
    part_index: int = 0
    part_urls: list[str] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # recoverable problems met on the way

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
