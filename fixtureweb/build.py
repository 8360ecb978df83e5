"""Generate the fixture web: ``python -m fixtureweb.build [--seeds DIR] [--out DIR]``.

Writes ``<out>/sites/<host>/...`` (static files, served by ``server.py``) and
``<out>/manifest.json``. Output is a pure function of the seed texts: no timestamps, no
randomness, sorted manifest, so the committed files can be checked by rebuilding.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from . import bigsite, copies, partsite, texts
from . import seeds as seedmod
from .sitespec import COPY_SITES, DISCOVERY_SITES, PARTS_SITES, SITES, SiteSpec
from .themes import THEMES, Article, Link, ListItem, Theme, pager_links, paragraphs_html

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_SEEDS = PACKAGE_DIR.parents[1] / "shared" / "seeds"
CORPUS_DIR = PACKAGE_DIR.parents[1] / "shared" / "corpus" / "gov-pages"
PAGE_SIZE = 6

# Real non-report pages placed on two sites as ordinary news articles (links rewritten).
CORPUS_PLACEMENTS = {
    "www.beipiao.gov.cn": "GeneralNewsExtractor/tests/other/1.html",
    "www.tiedong.gov.cn": "magic-html/benchmark/data/article/htmls/"
    "4e55eac42f97a6d97d14795891d2e24b715bec8c057c592a81c3d7ca08aafa10.html",
}


@dataclass
class Doc:
    """One generated file."""

    path: str
    content: str | bytes
    kind: str = "page"  # page | report | distractor | disallowed | corpus | robots | asset
    title: str = ""
    date: str = ""


@dataclass
class SiteBuild:
    spec: SiteSpec
    docs: list[Doc] = field(default_factory=list)
    manifest_extra: dict[str, Any] = field(default_factory=dict)

    def add(self, doc: Doc) -> Doc:
        assert not any(d.path == doc.path for d in self.docs), doc.path
        self.docs.append(doc)
        return doc


def stable_id(*parts: str) -> int:
    digest = hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()
    return 1_000_000 + int(digest[:8], 16) % 9_000_000


def shift(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def cn_date(day: str) -> str:
    return f"{int(day[:4])}年{int(day[5:7])}月{int(day[8:10])}日"


def article_path(directory: str, day: str, ident: int, farm: bool = False) -> str:
    d = day.replace("-", "")
    if farm:
        return f"{directory}{d[:6]}/{ident}.html"
    return f"{directory}{d[:6]}/t{d}_{ident}.html"


# --- the taonan site's converter damage -------------------------------------------------
# The seed shows a simplified→traditional converter that appends pinyin to some characters
# (發(fā), 業(yè) ...). Chrome and distractors on that site get the same treatment so the
# report page is not the only page that looks like this.
PINYIN = {
    "業": "yè", "發": "fā", "產": "chǎn", "區": "qū", "農": "nóng", "質": "zhì", "鄉": "xiāng",
    "態": "tài", "經": "jīng", "規": "guī", "續": "xù", "優": "yōu", "醫": "yī", "穩": "wěn",
    "現": "xiàn", "養": "yǎng", "創": "chuàng", "內": "nèi", "轉": "zhuǎn", "環": "huán",
    "統": "tǒng", "監": "jiān", "網": "wǎng", "協": "xié", "聯": "lián", "鎮": "zhèn",
    "調": "diào", "衛": "wèi", "戰": "zhàn", "數": "shù", "節": "jié", "執": "zhí",
}  # fmt: skip


def taonan_filter() -> Any:
    import opencc

    conv = opencc.OpenCC("s2t")

    def tr(text: str) -> str:
        out = conv.convert(text)
        return "".join(f"{c}({PINYIN[c]})" if c in PINYIN else c for c in out)

    return tr


def identity(text: str) -> str:
    return text


# --- page assembly ----------------------------------------------------------------------
def fill(text: texts.Text, spec: SiteSpec, year: int, month: str) -> texts.Text:
    values = {
        "region": spec.region or "×市",
        "unit": spec.unit,
        "year": year,
        "month": month,
        "gov": spec.name,
    }
    return texts.Text(
        text.title.format(**values), tuple(p.format(**values) for p in text.paragraphs)
    )


def soup_html(lines: list[str]) -> str:
    """Rebuild the injected tag soup from the seed's rendering of it: the seed shows list
    bullets (•, 1.) where <ul>/<ol> items were; every element keeps the one shared id."""
    ident = re.search(r'id="([^"]+)"', lines[0]).group(1)  # type: ignore[union-attr]
    out = []
    for raw in lines:
        line = raw.strip()
        if line.startswith("•"):
            out.append(f'<ul id="{ident}"><li id="{ident}">{line[1:].strip()}</li></ul>')
        elif m := re.match(r"\d+\.\s*(.*)", line):
            out.append(f'<ol id="{ident}"><li id="{ident}">{m.group(1)}</li></ol>')
        else:
            out.append(line)
    return "\n".join(out) + "\n"


SPAM_LINKS = (
    ("完美体育365", "/plus/wmty365.html"),
    ("365娱乐场", "/plus/365yulechang.html"),
    ("体育投注", "/plus/tiyutouzhu.html"),
    ("365bet投注技巧", "/plus/365bet-jiqiao.html"),
    ("365bet体育在线投注", "/plus/365bet-zaixian.html"),
    ("网上真人娱乐平台", "/plus/zhenren.html"),
)


def link_farm() -> str:
    links = "".join(f'<a href="{h}">{t}</a>' for t, h in SPAM_LINKS)
    return f'<div style="display:none">{links}</div>\n'


def rewrite_corpus_links(html: str) -> str:
    """Absolute links of a saved real page become root-relative, so a crawler stays on the
    fixture host instead of leaving for the page's original site."""
    return re.sub(
        r'((?:href|src|action)\s*=\s*["\'])(?:https?:)?//[^/"\']+(/?)',
        lambda m: m.group(1) + "/",
        html,
        flags=re.I,
    )


def build_site(spec: SiteSpec, seeds_dir: Path) -> SiteBuild:
    site = SiteBuild(spec)
    doc = seedmod.load(seeds_dir, spec.seed)
    farm = spec.kind == "content_farm"
    tr = taonan_filter() if spec.traditional else identity
    col = spec.column
    if farm:
        nav: list[Link] = [
            ("首页", "/"),
            ("专题范文", "/fanwen/index.html"),
            ("讲话稿", col + "index.html"),
            ("心得体会", "/fanwen/xindetihui/index.html"),
            ("工作方案", "/fanwen/fangan/index.html"),
        ]
    else:
        nav = [
            ("首页", "/"),
            ("政务公开", "/zwgk/index.html"),
            ("新闻动态", "/xwdt/index.html"),
            (spec.column_name, col + "index.html"),
            ("通知公告", "/zwgk/tzgg/index.html"),
            ("办事服务", "/bsfw/index.html"),
        ]
    theme: Theme = THEMES[spec.theme](spec, nav, tr)
    if spec.seed == "001":
        theme.seed_info = doc.info  # type: ignore[attr-defined]
        theme.seed_footer = doc.footer  # type: ignore[attr-defined]
    if farm:
        theme.seed_footer = doc.footer  # type: ignore[attr-defined]

    year = int(spec.report_date[:4])
    home_crumb: Link = ("首页", "/") if not farm else ("九力公文网", "/")
    col_crumbs: list[Link] = (
        [home_crumb, ("政务公开", "/zwgk/index.html"), (spec.column_name, col + "index.html")]
        if not farm
        else [home_crumb, ("专题范文", "/fanwen/index.html"), ("讲话稿", col + "index.html")]
    )

    def page(title: str, main: str, **kw: str) -> str:
        suffix = "-" + tr(spec.name) if not farm else "_九力公文网"
        return theme.document(title + suffix if title else tr(spec.name), main, **kw)

    # -- the report ---------------------------------------------------------------------
    rid = stable_id(spec.host, "report")
    report_path = article_path(col, spec.report_date, rid, farm)
    report_title = doc.title
    articles: list[tuple[Doc, Article]] = []

    # -- distractors --------------------------------------------------------------------
    distractor_texts: list[tuple[texts.Text, str, int, str]] = []  # text, dir, day offset, crumbs
    if farm:
        distractor_texts = [
            (texts.farm_essay(), "/fanwen/xindetihui/", 25, "心得体会"),
            (texts.farm_division_plan(), "/fanwen/fangan/", -30, "工作方案"),
        ]
    else:
        region = spec.region or ""
        distractor_texts = [
            (
                texts.task_notice(
                    spec.name, region, year, spec.unit, cn_date(shift(spec.report_date, 39))
                ),
                "/zwgk/tzgg/",
                40,
                "通知公告",
            ),
            (
                texts.meeting_news(region, year, spec.unit, spec.mayor_title),
                "/xwdt/",
                -25,
                "新闻动态",
            ),
        ]
        if spec.host in ("www.beipiao.gov.cn", "www.tiedong.gov.cn"):
            distractor_texts.append((texts.interpretation(region, year), col, 1, spec.column_name))

    distractor_docs: list[Doc] = []
    for text, directory, offset, section in distractor_texts:
        day = shift(spec.report_date, offset)
        path = article_path(directory, day, stable_id(spec.host, text.title), farm)
        d = Doc(path, "", "distractor", text.title, day)
        crumbs = [home_crumb, (section, directory + "index.html")]
        articles.append((d, Article(text.title, crumbs, day, list(text.paragraphs))))
        distractor_docs.append(d)

    # -- filler items: enough of them newer than the report to push it off page 1 -------
    newer_distractors = sum(1 for _, _, off, _ in distractor_texts if off > 0)
    newer_needed = spec.report_page * PAGE_SIZE + 1 - newer_distractors
    fillers: list[Doc] = []
    filler_pool = farm_fillers() if farm else list(texts.NEWS)
    for i, text in enumerate(filler_pool):
        if i < newer_needed:
            day = shift(spec.report_date, 3 * (newer_needed - i) + 2)
        else:
            day = shift(spec.report_date, -4 * (i - newer_needed + 1) - 1)
        month = f"{int(day[5:7])}月{int(day[8:10])}日"
        filled = fill(text, spec, int(day[:4]), month)
        notice = filled.title.startswith("关于")
        directory = col if farm else ("/zwgk/tzgg/" if notice else "/xwdt/")
        section = "讲话稿" if farm else ("通知公告" if notice else "新闻动态")
        path = article_path(directory, day, stable_id(spec.host, filled.title), farm)
        d = Doc(path, "", "page", filled.title, day)
        crumbs = [home_crumb, (section, directory + "index.html")]
        articles.append((d, Article(filled.title, crumbs, day, list(filled.paragraphs))))
        fillers.append(d)

    # related links on the report page point at the distractors: a trap for extractors
    related = [(d.title, d.path) for d in distractor_docs]
    report_doc = Doc(report_path, "", "report", report_title, spec.report_date)
    report_article = Article(
        report_title,
        col_crumbs,
        spec.report_date,
        doc.body,
        related=related,
        is_report=True,
        raw=True,
    )
    articles.append((report_doc, report_article))

    # -- render articles ----------------------------------------------------------------
    for d, a in articles:
        if d is report_doc:
            d.content = render_report(spec, theme, doc, a, page)
        elif farm:
            main = theme.article(a, category=a.crumbs[-1][0])  # type: ignore[call-arg]
            d.content = page(a.title, main)
        else:
            d.content = page(a.title, theme.article(a))
        site.add(d)

    # -- corpus page (real gov page, not a report) ---------------------------------------
    corpus_docs: list[Doc] = []
    if spec.host in CORPUS_PLACEMENTS:
        rel = CORPUS_PLACEMENTS[spec.host]
        raw = (CORPUS_DIR / rel).read_text(encoding="utf-8")
        day = shift(spec.report_date, -9)
        path = article_path("/xwdt/", day, stable_id(spec.host, rel))
        title_m = re.search(r"<title>(.*?)</title>", raw, re.S)
        title = re.sub(r"\s+", " ", title_m.group(1)).strip() if title_m else rel
        cd = site.add(Doc(path, rewrite_corpus_links(raw), "corpus", title, day))
        corpus_docs.append(cd)
        site.manifest_extra["corpus_pages"] = [
            {"url": url(spec, path), "source": f"/work/shared/corpus/gov-pages/{rel}"}
        ]

    # -- column list pages --------------------------------------------------------------
    # The farm files its distractors under their own sections; a government column lists
    # the report among notices and news, distractors included.
    column_docs = [report_doc, *fillers] if farm else [report_doc, *fillers, *distractor_docs]
    items = sorted(column_docs, key=lambda d: (d.date, d.path), reverse=True)
    write_listing(site, theme, page, spec.column_name, col, col_crumbs, items)
    idx = items.index(report_doc) // PAGE_SIZE
    assert idx == spec.report_page, (spec.host, idx)

    if farm:
        build_farm_sections(site, theme, page, home_crumb, distractor_docs)
    else:
        build_gov_sections(site, theme, page, home_crumb, fillers, distractor_docs, corpus_docs)

    # -- home page ----------------------------------------------------------------------
    news_like = sorted(
        [d for d in site.docs if d.kind in ("page", "distractor", "corpus") and d.date],
        key=lambda d: (d.date, d.path),
        reverse=True,
    )
    blocks = [
        (
            "新闻动态" if not farm else "最新范文",
            "/xwdt/index.html" if not farm else col + "index.html",
            [ListItem(d.title, d.path, d.date) for d in news_like[:7]],
        ),
        (
            spec.column_name,
            col + "index.html",
            [ListItem(d.title, d.path, d.date) for d in items[:5]],
        ),
        (
            "站内搜索" if not farm else "会员中心",
            spec.disallow + "index.html",
            [
                ListItem(
                    "政府工作报告" if not farm else "会员登录", spec.disallow + "index.html", ""
                )
            ],
        ),
    ]
    banner = (
        (f"{spec.column_name}专栏", col + "index.html")
        if not farm
        else ("讲话稿大全", col + "index.html")
    )
    site.add(Doc("/index.html", page("", theme.home(blocks, banner))))

    # -- robots.txt and the page it forbids ---------------------------------------------
    site.add(
        Doc(
            "/robots.txt",
            f"User-agent: *\nDisallow: {spec.disallow}\n",
            "robots",
        )
    )
    hidden = [ListItem(d.title, d.path, d.date) for d in [report_doc, *distractor_docs]]
    heading = "站内搜索：政府工作报告" if not farm else "会员中心"
    site.add(
        Doc(
            spec.disallow + "index.html",
            page(heading, theme.listing(heading, [home_crumb], hidden, [])),
            "disallowed",
            heading,
        )
    )
    site.add(Doc("/css/style.css", CSS, "asset"))
    return site


def render_report(spec: SiteSpec, theme: Theme, doc: seedmod.SeedDoc, a: Article, page: Any) -> str:
    if spec.seed == "003":
        a.time = doc.info[0].split()[2] if len(doc.info[0].split()) > 2 else a.time
        body = paragraphs_html(doc.body, '<p style="text-indent:2em">')
        soup = soup_html(doc.extra["soup"])
        main = theme.article(a, body)
        # The hacked page: spam title, tag soup before <html> and inside <body>, link farm.
        return theme.document(doc.title, main, before_html=soup, body_extra=soup + link_farm())
    if spec.seed == "004":
        theme.recommend = doc.extra["recommend"][0].split(":", 1)[1]  # type: ignore[attr-defined]
        a.time = "11:18"
        main = theme.article(a, category="讲话稿")  # type: ignore[call-arg]
        return page(a.title, main)
    if spec.seed == "001":
        a.time = "14:14"
        return page(a.title, theme.article(a))
    return page(a.title, theme.article(a))


def write_listing(
    site: SiteBuild,
    theme: Theme,
    page: Any,
    heading: str,
    base: str,
    crumbs: list[Link],
    docs: list[Doc],
) -> None:
    pages = max(1, -(-len(docs) // PAGE_SIZE))
    for i in range(pages):
        chunk = docs[i * PAGE_SIZE : (i + 1) * PAGE_SIZE]
        items = [ListItem(d.title, d.path, d.date) for d in chunk]
        path = f"{base}index.html" if i == 0 else f"{base}index_{i}.html"
        pager = pager_links(i, pages, base) if pages > 1 else []
        site.add(Doc(path, page(heading, theme.listing(heading, crumbs, items, pager))))


def build_gov_sections(
    site: SiteBuild,
    theme: Theme,
    page: Any,
    home: Link,
    fillers: list[Doc],
    distractors: list[Doc],
    corpus: list[Doc],
) -> None:
    spec = site.spec

    def newest(docs: list[Doc]) -> list[Doc]:
        return sorted(docs, key=lambda d: (d.date, d.path), reverse=True)

    news = newest([d for d in fillers + distractors + corpus if d.path.startswith("/xwdt/")])
    write_listing(
        site, theme, page, "新闻动态", "/xwdt/", [home, ("新闻动态", "/xwdt/index.html")], news
    )
    notices = newest([d for d in fillers + distractors if d.path.startswith("/zwgk/tzgg/")])
    crumbs = [home, ("政务公开", "/zwgk/index.html"), ("通知公告", "/zwgk/tzgg/index.html")]
    write_listing(site, theme, page, "通知公告", "/zwgk/tzgg/", crumbs, notices)
    overview = [
        ListItem(spec.column_name, spec.column + "index.html", ""),
        ListItem("通知公告", "/zwgk/tzgg/index.html", ""),
        ListItem("政府信息公开指南", "/zwgk/index.html", ""),
    ]
    site.add(
        Doc(
            "/zwgk/index.html",
            page(
                "政务公开",
                theme.listing("政务公开", [home, ("政务公开", "/zwgk/index.html")], overview, []),
            ),
        )
    )
    services = [
        ListItem("个人办事", "/bsfw/index.html", ""),
        ListItem("法人办事", "/bsfw/index.html", ""),
        ListItem("便民服务", "/bsfw/index.html", ""),
    ]
    site.add(
        Doc(
            "/bsfw/index.html",
            page(
                "办事服务",
                theme.listing("办事服务", [home, ("办事服务", "/bsfw/index.html")], services, []),
            ),
        )
    )


def build_farm_sections(
    site: SiteBuild, theme: Theme, page: Any, home: Link, distractors: list[Doc]
) -> None:
    for d, name in zip(distractors, ("心得体会", "工作方案"), strict=True):
        base = d.path.rsplit("/", 2)[0] + "/"
        crumbs = [home, ("专题范文", "/fanwen/index.html"), (name, base + "index.html")]
        write_listing(site, theme, page, name, base, crumbs, [d])
    sections = [
        ListItem("讲话稿", site.spec.column + "index.html", ""),
        ListItem("心得体会", "/fanwen/xindetihui/index.html", ""),
        ListItem("工作方案", "/fanwen/fangan/index.html", ""),
    ]
    crumbs = [home, ("专题范文", "/fanwen/index.html")]
    site.add(
        Doc("/fanwen/index.html", page("专题范文", theme.listing("专题范文", crumbs, sections, [])))
    )


FARM_TITLES = (
    "2022年在全市经济工作会议上的讲话",
    "在×县2022年安全生产工作会议上的讲话",
    "市长在全市优化营商环境大会上的讲话稿",
    "在乡村振兴工作推进会上的讲话（精选）",
    "2022年在全市招商引资工作会议上的讲话",
    "县委书记在党史学习教育总结大会上的讲话",
    "在全市项目建设观摩会上的讲话范文",
    "在城市管理工作会议上的讲话稿（通用）",
    "在全县防汛工作部署会上的讲话",
    "区长在区政协会议开幕会上的讲话",
)


def farm_fillers() -> list[texts.Text]:
    return [
        texts.Text(
            t,
            (
                "同志们：",
                "今天召开这次会议，主要任务是总结前一阶段工作，分析当前形势，部署下一步任务。"
                "刚才，×同志通报了有关情况，×个单位作了交流发言，讲得都很好，我都同意。",
                "下面，我讲三点意见：一是提高认识，二是突出重点，三是压实责任。希望大家会后认真抓好落实。",
            ),
        )
        for t in FARM_TITLES
    ]


CSS = "body{font-family:SimSun,serif;margin:0}.nav ul{list-style:none}.footer{text-align:center}\n"


def url(spec: SiteSpec, path: str) -> str:
    return f"http://{spec.host}{'/' if path == '/index.html' else path}"


def encode(spec: SiteSpec, content: str | bytes) -> bytes:
    if isinstance(content, bytes):
        return content
    if spec.charset == "gb2312":
        # Served as GBK bytes under a gb2312 label, as such sites do; a character outside
        # GBK becomes a numeric character reference instead of a lost "?".
        return content.encode("gbk", errors="xmlcharrefreplace")
    return content.encode("utf-8")


def manifest_entry(site: SiteBuild, seeds_dir: Path) -> dict[str, Any]:
    spec = site.spec
    docs = sorted(site.docs, key=lambda d: d.path)
    report = next(d for d in docs if d.kind == "report")
    entry: dict[str, Any] = {
        "host": spec.host,
        "name": spec.name,
        "region": spec.region,
        "level": spec.level,
        "kind": spec.kind,
        "charset": spec.charset,
        "start_url": f"http://{spec.host}/",
        "reports": [
            {
                "url": url(spec, report.path),
                "seed": spec.seed,
                "seed_file": seedmod.SEED_FILES[spec.seed],
                "title": CLEAN_TITLES[spec.seed],
                "page_title": report.title,
                "date": report.date,
                "list_page": url(
                    spec,
                    spec.column
                    + ("index.html" if spec.report_page == 0 else f"index_{spec.report_page}.html"),
                ),
            }
        ],
        "distractors": [url(spec, d.path) for d in docs if d.kind == "distractor"],
        "disallowed": [url(spec, d.path) for d in docs if d.kind == "disallowed"],
        "robots_disallow": [spec.disallow],
        "pages": [url(spec, d.path) for d in docs],
        "gzip": spec.gzip,
        "chunked": spec.chunked,
        "set_cookie_count": len(spec.cookies),
        "template": spec.theme,
    }
    if spec.seed == "000":
        entry["reports"][0]["written_for_fixture"] = {
            "title": seedmod.BEIPIAO_TITLE,
            "meeting_line": seedmod.BEIPIAO_MEETING,
            "note": "seed 000 is a fragment; title and meeting line written for the fixture",
        }
    if spec.seed == "002":
        entry["reports"][0]["written_for_fixture"] = {"title": seedmod.BEIZHEN_TITLE}
    entry.update(site.manifest_extra)
    return entry


# The report titles a cleaner should produce (simplified, no spam words).
CLEAN_TITLES = {
    "000": seedmod.BEIPIAO_TITLE,
    "001": "2022年政府工作报告",
    "002": seedmod.BEIZHEN_TITLE,
    "003": "2020年铁东区政府工作报告",
    "004": "2022年度市长在×市第×届人民代表大会第二次会议上讲话(全文)",
}


def build(seeds_dir: Path, out: Path) -> dict[str, Any]:
    sites_dir = out / "sites"
    if sites_dir.exists():
        shutil.rmtree(sites_dir)
    manifest: dict[str, Any] = {
        "description": "Offline fixture web: four government sites and one content farm, "
        "one report page each (from /work/shared/seeds). Generated by "
        "python -m fixtureweb.build; served by python -m fixtureweb.server.",
        "sites": [],
    }
    for spec in SITES:
        site = build_site(spec, seeds_dir)
        for d in site.docs:
            target = sites_dir / spec.host / d.path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(encode(spec, d.content))
        manifest["sites"].append(manifest_entry(site, seeds_dir))
    # The larger site of the discovery tests (bigsite.py), listed apart from the seed sites.
    for spec in DISCOVERY_SITES:
        site = SiteBuild(spec)
        extra = bigsite.build_big_site(seeds_dir, site.add, Doc)
        for d in site.docs:
            target = sites_dir / spec.host / d.path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(encode(spec, d.content))
        manifest.setdefault("discovery_sites", []).append(bigsite.manifest_entry(site.docs, extra))
    # Partial reports: a report split over three pages, a chapter on its own (partsite.py).
    for spec in PARTS_SITES:
        site = SiteBuild(spec)
        entry = partsite.build_parts_site(seeds_dir, site.add, Doc)
        for d in site.docs:
            target = sites_dir / spec.host / d.path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(encode(spec, d.content))
        entry["pages"] = sorted(url(spec, d.path) for d in site.docs)
        manifest.setdefault("parts_sites", []).append(entry)
    # Copies of the 北票市 report on other hosts, and one place's two years (copies.py).
    original = next(s for s in manifest["sites"] if s["host"] == "www.beipiao.gov.cn")
    original_url = original["reports"][0]["url"]
    copy_files = copies.build_copy_sites(seeds_dir, original_url, PINYIN)
    for spec in COPY_SITES:
        for path, content in copy_files[spec.host].items():
            target = sites_dir / spec.host / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(encode(spec, content))
    manifest["copy_sites"] = copies.manifest(seeds_dir, original_url, copy_files)
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--out", type=Path, default=PACKAGE_DIR)
    args = parser.parse_args(argv)
    manifest = build(args.seeds, args.out)
    total = sum(len(s["pages"]) for s in manifest["sites"])
    print(f"built {len(manifest['sites'])} sites, {total} files into {args.out / 'sites'}")


if __name__ == "__main__":
    main()
