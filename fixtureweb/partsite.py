"""A county site for partial reports (issue 19): a report split over three pages, and one
chapter of another year's report published on a page of its own.

The county (西岭县) and its head of government are invented; the texts are slices of seed
002 with the seed's place renamed.  The split report is ``t20230110_<id>.html``,
``…_1.html`` and ``…_2.html``: every part carries a createPageHTML pager with its own stem,
and page links (1 2 3, 下一页) to its siblings, as TRS sites serve long articles.  The
fragment has the report's title and one chapter, no dateline, no byline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from . import seeds as seedmod
from .sitespec import PARTS
from .themes import THEMES, Article, Link, ListItem

PLACE = "西岭县"
SPEAKER = "县长 程远航"  # invented
SPLIT_DAY = "2023-01-10"
SPLIT_TITLE = f"{PLACE}2023年政府工作报告"
FRAGMENT_DAY = "2022-01-14"
FRAGMENT_TITLE = f"2022年{PLACE}政府工作报告"
PART_SLICES = ((4, 22), (22, 40), (40, 58))  # seed body paragraphs of each part
FRAGMENT_SLICE = (77, 92)  # chapters (三) to (四): about 2,000 characters


def stable(key: str) -> int:
    return 1_000_000 + int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) % 9_000_000


def renamed(lines: list[str]) -> list[str]:
    return [ln.replace("北镇市", PLACE).replace("北镇", "西岭") for ln in lines]


def pager(stem: str, count: int, current: int) -> str:
    """The pager under each part: TRS's createPageHTML call plus the links it would write."""
    links = []
    for i in range(count):
        name = f"{stem}.html" if i == 0 else f"{stem}_{i}.html"
        links.append(f"<span>{i + 1}</span>" if i == current else f'<a href="{name}">{i + 1}</a>')
    if current + 1 < count:
        links.append(f'<a href="{stem}_{current + 1}.html">下一页</a>')
    return (f'<div class="article-pager"><script type="text/javascript">createPageHTML({count}, '
            f'{current}, "{stem}", "html");</script>{" ".join(links)}</div>')


def build_parts_site(seeds_dir: Path, add: Callable[..., object], doc_cls: type) -> dict:
    """Add the site's files through add(Doc); return its manifest entry."""
    spec = PARTS
    body = seedmod.load(seeds_dir, "002").body
    dateline, _speaker, address, opening, *rest = body
    home: Link = ("首页", "/")
    zwgk: Link = ("政务公开", "/zwgk/index.html")
    col: Link = ("政府工作报告", spec.column + "index.html")
    nav: list[Link] = [home, zwgk, ("新闻中心", "/xwzx/index.html")]
    theme = THEMES[spec.theme](spec, nav, lambda s: s)

    def page(title: str, main: str) -> str:
        return theme.document(f"{title}-{spec.name}" if title else spec.name, main)

    def url(path: str) -> str:
        return f"http://{spec.host}{'/' if path == '/index.html' else path}"

    # -- the report in three parts ------------------------------------------------------------
    d = SPLIT_DAY.replace("-", "")
    stem = f"t{d}_{stable('split')}"
    directory = f"{spec.column}{d[:6]}/"
    head = ["——" + dateline.replace("2021年1月5日", "2023年1月10日").replace("北镇市", PLACE)
            .replace("第三届", "第十八届").replace("第四次", "第二次"), SPEAKER, address,
            *renamed([opening])]
    part_paths = []
    for i, (lo, hi) in enumerate(PART_SLICES):
        lines = renamed(rest[lo:hi])
        if i == 0:
            lines = head + lines
        path = directory + (f"{stem}.html" if i == 0 else f"{stem}_{i}.html")
        html = theme.article(Article(SPLIT_TITLE, [home, zwgk, col], SPLIT_DAY, lines,
                                     is_report=True))
        html = html.replace('<div class="share">',
                            pager(stem, len(PART_SLICES), i) + '<div class="share">', 1)
        add(doc_cls(path, page(SPLIT_TITLE, html), "report" if i == 0 else "page",
                    SPLIT_TITLE, SPLIT_DAY))
        part_paths.append(path)

    # -- one chapter of last year's report on a page of its own ------------------------------
    d = FRAGMENT_DAY.replace("-", "")
    fragment_path = f"{spec.column}{d[:6]}/t{d}_{stable('fragment')}.html"
    chapter = renamed(rest[FRAGMENT_SLICE[0] : FRAGMENT_SLICE[1]])
    html = theme.article(Article(FRAGMENT_TITLE, [home, zwgk, col], FRAGMENT_DAY, chapter,
                                 is_report=True))
    add(doc_cls(fragment_path, page(FRAGMENT_TITLE, html), "report", FRAGMENT_TITLE,
                FRAGMENT_DAY))

    # -- column, home, robots ------------------------------------------------------------------
    items = [ListItem(SPLIT_TITLE, part_paths[0], SPLIT_DAY),
             ListItem(FRAGMENT_TITLE, fragment_path, FRAGMENT_DAY)]
    add(doc_cls(spec.column + "index.html",
                page("政府工作报告", theme.listing("政府工作报告", [home, zwgk, col], items, []))))
    add(doc_cls("/zwgk/index.html", page("政务公开", theme.listing(
        "政务公开", [home, zwgk], [ListItem("政府工作报告", col[1], "")], []))))
    add(doc_cls("/xwzx/index.html", page("新闻中心", theme.listing("新闻中心", [home], [], []))))
    add(doc_cls("/index.html", page("", theme.home([("政务公开", "/zwgk/index.html", [])],
                                                   ("政务公开", "/zwgk/index.html")))))
    add(doc_cls("/robots.txt", f"User-agent: *\nDisallow: {spec.disallow}\n", "robots"))
    return {
        "host": spec.host,
        "name": spec.name,
        "region": spec.region,
        "level": spec.level,
        "start_url": f"http://{spec.host}/",
        "note": "invented county; texts are slices of seed 002 renamed to 西岭县",
        "split_report": {
            "url": url(part_paths[0]), "title": SPLIT_TITLE, "year": 2023,
            "speaker": SPEAKER.split()[1], "parts": [url(p) for p in part_paths],
        },
        "fragment": {"url": url(fragment_path), "title": FRAGMENT_TITLE, "year": 2022},
        "pages": [],  # filled by the builder
    }
