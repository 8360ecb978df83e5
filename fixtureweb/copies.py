"""Copies of one report on other hosts, and one place's reports of two years (issue 11).

The original is the 北票市 2022 report of www.beipiao.gov.cn (seed 000, the smallest seed).
Each copy host is as small as a site can be (home page, robots.txt, the copy):

* www.beipiao-gov.com: a mirror cloning the government site path by path, simplified;
* big5.beipiao-gov.net: the same mirror through a broken simplified→traditional converter
  that glosses characters with pinyin (the damage seed 001 shows; `broken_traditional`);
* www.fanwen-fixture.com: a content farm's copy, numbers and the place name blanked to ×;
* www.liaoxi-news-fixture.com: a hacked portal's repost with gambling words pasted in;
* www.dongling-fixture.gov.cn: an invented city with two years' reports made from the two
  halves of seed 002 (renamed): shared boilerplate, different content, never one report.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import seeds as seedmod
from .sitespec import COPY_SITES

MIRROR, BIG5, FARM, HACKED, DONGLING = (s.host for s in COPY_SITES)
GAMBLING = ("完美体育365", "365bet体育在线投注", "网上真人娱乐平台")
SPEAKER = "市长 王岭东"  # invented, like the city


def broken_traditional(glosses: dict[str, str]) -> Callable[[str], str]:
    """A simplified→traditional converter that also appends the pinyin of some characters:
    發(fā)展.  OpenCC s2t, then a gloss after every character found in glosses."""
    import opencc

    conv = opencc.OpenCC("s2t")

    def convert(text: str) -> str:
        return "".join(f"{c}({glosses[c]})" if c in glosses else c for c in conv.convert(text))

    return convert


def page(title: str, site: str, heading: str, info: str, paragraphs: list[str],
         before: str = "", after: str = "", links: str = "") -> str:
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n"
        f'<div class="top"><a href="/">{html.escape(site)}</a> {links}</div>\n'
        f'<div class="main"><h1>{html.escape(heading)}</h1>\n'
        f'<div class="info">{html.escape(info)}</div>\n{before}'
        f'<div class="text">\n{paras}\n</div>{after}</div>\n'
        f'<div class="footer">版权所有：{html.escape(site)}</div>\n</body></html>\n'
    )


def home(site: str, items: list[tuple[str, str]]) -> str:
    lis = "".join(f'<li><a href="{p}">{html.escape(t)}</a></li>' for t, p in items)
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f"<title>{html.escape(site)}</title></head>\n<body><h1>{html.escape(site)}</h1>"
            f"<ul>{lis}</ul></body></html>\n")


ROBOTS = "User-agent: *\nDisallow: /admin/\n"


def blank(text: str) -> str:
    """A content farm's template: digits and the place name blanked to ×."""
    return re.sub(r"[0-9]+", "×", text.replace("北票", "×"))


def spam(paragraphs: list[str]) -> list[str]:
    """Gambling words pasted into every fourth paragraph, after its first sentence."""
    out = []
    for i, p in enumerate(paragraphs):
        if i % 4 == 1 and "。" in p:
            head, tail = p.split("。", 1)
            p = f"{head}。{GAMBLING[i // 4 % len(GAMBLING)]}{tail}"
        out.append(p)
    return out


def build_copy_sites(seeds_dir: Path, original_url: str,
                     glosses: dict[str, str]) -> dict[str, dict[str, str]]:
    """{host: {path: html}} for every copy host, and their manifest entries via manifest()."""
    doc = seedmod.load(seeds_dir, "000")
    title, body = seedmod.BEIPIAO_TITLE, doc.body
    path = "/" + original_url.split("/", 3)[3]
    gov = "北票市人民政府"
    tr = broken_traditional(glosses)
    info = "发布时间：2022-01-12 来源：北票市人民政府办公室"
    sites: dict[str, dict[str, str]] = {h: {"/robots.txt": ROBOTS} for h in
                                        (MIRROR, BIG5, FARM, HACKED, DONGLING)}
    mirror_page = page(f"{title}-{gov}", gov, title, info, body)
    sites[MIRROR][path] = mirror_page
    sites[MIRROR]["/index.html"] = home(gov, [(title, path)])
    sites[BIG5][path] = tr(mirror_page)
    sites[BIG5]["/index.html"] = tr(home(gov, [(title, path)]))
    farm_title = "2022年×市政府工作报告（全文）"
    farm_path = "/gongzuobaogao/202203/5310267.html"
    sites[FARM][farm_path] = page(
        f"{farm_title}_范文库", "范文库", farm_title, "时间：2022-03-02 来源：网友投稿",
        [blank(p) for p in body],
        before="<p>下面是小编为大家整理的2022年×市政府工作报告（全文），供大家参考。</p>\n",
        after="<p>推荐访问：政府工作报告范文 讲话稿大全</p>\n")
    sites[FARM]["/index.html"] = home("范文库", [(farm_title, farm_path)])
    hacked_path = "/news/202201/2207719.html"
    farm_links = "".join(f'<a href="/plus/{i}.html">{w}</a>' for i, w in enumerate(GAMBLING))
    sites[HACKED][hacked_path] = page(
        f"{title}_辽西资讯网", "辽西资讯网", title, "2022-01-13 辽西资讯网", spam(body),
        after=f'<div style="display:none">{farm_links}</div>\n')
    sites[HACKED]["/index.html"] = home("辽西资讯网", [(title, hacked_path)])
    for year, (p, t, lines) in dongling_reports(seeds_dir).items():
        sites[DONGLING][p] = page(f"{t}-东岭市人民政府", "东岭市人民政府", t,
                                  f"发布时间：{year}-01-12 来源：东岭市人民政府办公室", lines)
    sites[DONGLING]["/index.html"] = home("东岭市人民政府", [
        (t, p) for p, t, _ in dongling_reports(seeds_dir).values()])
    return sites


def dongling_reports(seeds_dir: Path) -> dict[int, tuple[str, str, list[str]]]:
    """{year: (path, title, paragraphs)}: the two halves of seed 002's body under one shared
    head (dateline, speaker, address, opening) and the seed's closing paragraph."""
    dateline, _speaker, address, opening, *body = seedmod.load(seeds_dir, "002").body
    *body, closing = body
    half = len(body) // 2
    out = {}
    for year, part, day, meeting in ((2021, body[:half], "1月5日", "第四次"),
                                     (2022, body[half:], "1月7日", "第五次")):
        head = [f"{year}年{day}在东岭市第三届人民代表大会{meeting}会议上", SPEAKER, address,
                opening]
        lines = [p.replace("北镇", "东岭") for p in [*head, *part, closing]]
        out[year] = (f"/zwgk/zfgzbg/{year}01/t{year}0112_{3300 + year}.html",
                     f"东岭市{year}年政府工作报告", lines)
    return out


def manifest(seeds_dir: Path, original_url: str, sites: dict[str, dict[str, str]]
             ) -> list[dict[str, Any]]:
    kinds = {s.host: s.kind for s in COPY_SITES}
    entries = []
    for host, files in sites.items():
        urls = sorted(f"http://{host}{'/' if p == '/index.html' else p}" for p in files)
        reports: list[dict[str, Any]]
        if host == DONGLING:
            reports = [{"url": f"http://{host}{p}", "title": t, "year": year, "region": "东岭市"}
                       for year, (p, t, _) in dongling_reports(seeds_dir).items()]
        else:
            reports = [{"url": u, "copy_of": original_url} for u in urls
                       if u.endswith(".html") and not u.endswith("/")]
        entries.append({"host": host, "kind": kinds[host], "start_url": f"http://{host}/",
                        "reports": reports, "pages": urls})
    return entries
