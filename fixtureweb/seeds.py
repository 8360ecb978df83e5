"""Split the five seed texts into the parts a page is built from.

The seeds are text as scraped from real report pages, chrome included for some of them.
Each splitter returns the page chrome found in the seed (info bar, footer, content-farm
intro...) separately from the report body, so the builder can put each part where it sat
on the original page and serve the damage exactly as the seed has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SEED_FILES = {
    "000": "000_e23c3f385350c577.txt",
    "001": "001_8ab6f3729bfceb48.txt",
    "002": "002_471edd998b984a22.txt",
    "003": "003_1b65f65be8f80fa8.txt",
    "004": "004_205791ec78af48ee.txt",
}


@dataclass
class SeedDoc:
    seed: str
    title: str  # as served in the page heading (spam words included for 003)
    body: list[str]  # report paragraphs, in order, exactly as the seed has them
    info: list[str] = field(default_factory=list)  # info-bar pieces found in the seed
    footer: list[str] = field(default_factory=list)  # footer lines found in the seed
    extra: dict[str, list[str]] = field(default_factory=dict)  # seed-specific chrome


def read_seed(seeds_dir: Path, seed: str) -> str:
    return (seeds_dir / SEED_FILES[seed]).read_text(encoding="utf-8")


# Seed 000 is a fragment without title or meeting line; these two lines are written for
# the fixture (recorded in the manifest) so the page looks like a complete report page.
BEIPIAO_TITLE = "北票市2022年政府工作报告"
BEIPIAO_MEETING = "——2022年1月6日在北票市第十七届人民代表大会第二次会议上"
BEIZHEN_TITLE = "北镇市2021年政府工作报告"


def split_000(text: str) -> SeedDoc:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    return SeedDoc("000", BEIPIAO_TITLE, [BEIPIAO_MEETING, *lines])


def split_001(text: str) -> SeedDoc:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    # Top: 發(fā)布時間…, 來源:, then the three font-size items "- 小/中/大".
    info = lines[:5]
    title = lines[5]
    end = lines.index("-")
    return SeedDoc("001", title, lines[6:end], info=info, footer=lines[end + 1 :])


def split_002(text: str) -> SeedDoc:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    return SeedDoc("002", BEIZHEN_TITLE, lines)


def split_003(text: str) -> SeedDoc:
    lines = text.split("\n")
    first_text = next(i for i, ln in enumerate(lines) if ln.strip() == "政务")
    soup = [ln for ln in lines[:first_text] if ln.strip()]
    rest = [ln.strip(" ") for ln in lines[first_text:]]
    rest = [ln for ln in rest if ln]
    # rest: 政务, governor, info line, heading, body..., [纠错]
    column, column_en, info, heading = rest[:4]
    assert rest[-1] == "[纠错]", rest[-1]
    return SeedDoc(
        "003",
        heading,
        rest[4:-1],
        info=[info],
        extra={"soup": soup, "column": [column, column_en], "tail": [rest[-1]]},
    )


def split_004(text: str) -> SeedDoc:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    crumb, title, time_line, intro, title_again = lines[:5]
    assert title == title_again
    rec = next(i for i, ln in enumerate(lines) if ln.startswith("推荐访问"))
    return SeedDoc(
        "004",
        title,
        lines[5:rec],
        info=[time_line],
        footer=lines[rec + 1 :],
        extra={"crumb": [crumb], "intro": [intro], "recommend": [lines[rec]]},
    )


SPLITTERS = {
    "000": split_000,
    "001": split_001,
    "002": split_002,
    "003": split_003,
    "004": split_004,
}


def load(seeds_dir: Path, seed: str) -> SeedDoc:
    return SPLITTERS[seed](read_seed(seeds_dir, seed))
