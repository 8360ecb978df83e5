"""What one site-template page is made of (see build.py): the case, its gold fields."""

from __future__ import annotations

from dataclasses import dataclass, field

FIELDS = ("title", "region", "level", "year", "speaker", "office", "meeting_date", "published")


@dataclass
class Case:
    name: str
    url: str
    place: str  # replaces the seed's own place name
    head: list[str]  # the article's first lines: dateline, byline, salutation
    layout: str  # the whole page, {p} where the article's <p>s go, {cs} its charset
    gold: dict[str, object]
    chrome: list[str]  # strings on the page that must not reach the text
    tail: list[str] = field(default_factory=list)  # the article's last lines after the body
    above: list[str] = field(default_factory=list)  # the site's own lines opening the article
    start: int = 4  # first body paragraph taken from the seed
    count: int = 60  # body paragraphs taken
    indent: bool = False  # paragraphs as <p style="text-indent:2em">
    encoding: str = "utf-8"
    declared: str = ""  # the charset the page declares, if not `encoding`
    is_report: bool = True  # False for a report's later parts (the store stitches them)
    dropped: list[str] = field(default_factory=list)  # head lines the text rightly loses (a title repeat)
    seed: str = "002"  # the seed text the body comes from (build.SEED_FILE)


def g(title: str, region: str | None, level: str | None, year: int | None, speaker: str | None, office: str | None,
      meeting_date: str | None, published: str | None) -> dict[str, object]:
    return dict(zip(FIELDS, (title, region, level, year, speaker, office, meeting_date,
                             published), strict=True))


HEAD = '<html><head><meta http-equiv="Content-Type" content="text/html; charset={cs}">'
