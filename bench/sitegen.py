"""A scalable report site for the benchmarks: N deterministic pages, generated on demand.

One site on one plain loopback host.  The home page links to S sections; each section is a
paginated column (``/colS/index.html``, ``index_K.html``) of 40 links per list page, with page
numbers around the current one, as government CMSs show them; content pages hold a
report (one whole seed text, ~35 KB), a distractor (news that mentions 政府工作报告) or plain
news, in a government page template, and link back home, to their column and to three related
pages.  Every page is a pure function of (N, kind, path): the crawlers, the server and the tests
see the same bytes without anything written to disk.

Two kinds of site: ``mixed`` (one content page in ten a report, two distractors, the rest
news) and ``reports`` (nine in ten a full report of 20,000-30,000 characters, most of them
copies of a few reports as the web has them: reposts of the same text, content-farm
templates with numbers blanked to × and 范文 in the title, traditional-script copies).
"""

from __future__ import annotations

import html
import math
import random
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import opencc

from fixtureweb import SITES_DIR

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
FIXTURE_SITES = SITES_DIR
PER_LIST = 40
MAX_SECTIONS = 8
SECTION_NAMES = ("新闻动态", "政务公开", "通知公告", "政府工作报告", "部门动态", "乡镇动态",
                 "政策解读", "办事服务")
REGIONS = ("北票市", "洮南市", "北镇市", "凌源市", "开原市", "海城市", "庄河市", "铁东区",
           "凤城市", "东港市", "灯塔市", "新民市")
SITE_NAME = "朝阳市人民政府"
# Real government pages carry ~10-20 KB of chrome (scripts, link blocks) around the text.
# Off-site links point at reserved .invalid names: no crawler here may ever resolve them.
FRIEND_LINKS = "".join(f'<li><a href="http://www.gov{k}.invalid/" target="_blank">'
                       f"{r}人民政府</a></li>" for k, r in enumerate(REGIONS * 3))
SCRIPT = ("<script>\n" + "".join(
    f"function nav{k}(e){{var m=document.getElementById('menu{k}');"
    f"if(m){{m.style.display=m.style.display=='block'?'none':'block';}}return false;}}\n"
    for k in range(40)) + "</script>\n")
ROBOTS = b"User-agent: *\nDisallow:\n"
KINDS = ("mixed", "reports")
ORIGINAL_EVERY = 20  # reports site: one report in 20 is an original, the others copies
POPULAR = 5  # half the copies are of the first few originals
REPORT_CHARS = (20_000, 30_000)
_DIGITS = str.maketrans("0123456789０１２３４５６７８９", "×" * 20)
_S2T = opencc.OpenCC("s2t")
_P_TAG = re.compile(r"<p[^>]*>(.*?)</p>", re.S)
_TAGS = re.compile(r"<[^>]+>")


def load_paragraphs() -> list[list[str]]:
    """Paragraphs of each seed text; the committed fixture pages stand in when seeds are absent."""
    texts = []
    if SEEDS.is_dir():
        for path in sorted(SEEDS.glob("*.txt")):
            lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
            texts.append([ln for ln in lines if ln])
    else:
        for path in sorted(FIXTURE_SITES.glob("*/*/zfgzbg/*/*.html")):
            raw = path.read_bytes().decode("utf-8", "replace")
            paras = [html.unescape(_TAGS.sub("", p)).strip() for p in _P_TAG.findall(raw)]
            texts.append([p for p in paras if len(p) > 20])
    texts = [t for t in texts if len(t) >= 5]
    if not texts:
        raise FileNotFoundError(f"no seed texts in {SEEDS} or report pages in {FIXTURE_SITES}")
    return texts


@dataclass(frozen=True)
class Content:
    index: int
    section: int
    kind: str  # report | distractor | news

    @property
    def date(self) -> tuple[int, int, int]:
        day = self.index * 7919 % 1095  # spread over three years, deterministically
        return 2021 + day // 365, day % 365 // 31 % 12 + 1, day % 28 + 1

    @property
    def path(self) -> str:
        y, m, d = self.date
        return f"/col{self.section}/{y}{m:02d}/t{y}{m:02d}{d:02d}_{self.index}.html"


class Site:
    """The page set for a given N (total HTML pages; robots.txt comes on top)."""

    def __init__(self, n_pages: int, paragraphs: list[list[str]] | None = None,
                 kind: str = "mixed"):
        if n_pages < 3:
            raise ValueError(f"a site needs at least 3 pages, got {n_pages}")
        if kind not in KINDS:
            raise ValueError(f"site kind: one of {', '.join(KINDS)}, got {kind!r}")
        self.n_pages = n_pages
        self.kind = kind
        self.paragraphs = paragraphs or load_paragraphs()
        self.sections = max(1, min(MAX_SECTIONS, n_pages // 200))
        self.n_content = self._content_count()
        self.lists = [self._lists_in(s) for s in range(self.sections)]

    # -- layout ------------------------------------------------------------------------
    def _in_section(self, section: int, n_content: int) -> int:
        return len(range(section, n_content, self.sections))

    def _lists_in(self, section: int, n_content: int | None = None) -> int:
        count = self._in_section(section, self.n_content if n_content is None else n_content)
        return max(1, math.ceil(count / PER_LIST))

    def _content_count(self) -> int:
        c = self.n_pages - 1 - self.sections
        while c > 0 and 1 + c + sum(self._lists_in(s, c) for s in range(self.sections)) > self.n_pages:
            c -= 1
        return c

    def content(self, index: int) -> Content:
        r = index % 10
        if self.kind == "reports":
            kind = "news" if r == 9 else "report"
        else:
            kind = "report" if r == 0 else "distractor" if r in (3, 6) else "news"
        return Content(index, index % self.sections, kind)

    def source(self, c: Content) -> int | None:
        """Reports site: the original report a report page copies (None: it is one)."""
        if self.kind != "reports" or c.kind != "report" or c.index % ORIGINAL_EVERY == 0:
            return None
        rng = random.Random(c.index)
        originals = max(1, -(-self.n_content // ORIGINAL_EVERY))
        pool = min(originals, POPULAR) if rng.random() < 0.5 else originals
        return rng.randrange(pool) * ORIGINAL_EVERY

    def list_path(self, section: int, page: int) -> str:
        return f"/col{section}/index.html" if page == 0 else f"/col{section}/index_{page}.html"

    def list_items(self, section: int, page: int) -> list[Content]:
        start = section + page * PER_LIST * self.sections
        stop = min(self.n_content, start + PER_LIST * self.sections)
        return [self.content(i) for i in range(start, stop, self.sections)]

    def related(self, c: Content) -> list[Content]:
        n = self.n_content
        return [self.content(j) for j in {(c.index + 1) % n, (c.index + 7) % n,
                                          (c.index + n // 3) % n} - {c.index}]

    @cached_property
    def routes(self) -> dict[str, tuple[str, int, int]]:
        """path → (kind, a, b): ("home",0,0), ("list",section,page) or ("content",index,0)."""
        routes: dict[str, tuple[str, int, int]] = {"/": ("home", 0, 0)}
        for s, count in enumerate(self.lists):
            for k in range(count):
                routes[self.list_path(s, k)] = ("list", s, k)
        for i in range(self.n_content):
            routes[self.content(i).path] = ("content", i, 0)
        return routes

    def paths(self) -> Iterator[str]:
        return iter(self.routes)

    def links(self, path: str) -> list[str]:
        return re.findall(r'href="(/[^"]*)"', self.render(path) or "")

    def max_depth(self) -> int:
        """Link depth of the deepest page from the home page (crawls set DEPTH_LIMIT from it)."""
        depth = {"/": 0}
        queue = deque(["/"])
        while queue:
            path = queue.popleft()
            for link in self.links(path):
                if link not in depth and link in self.routes:
                    depth[link] = depth[path] + 1
                    queue.append(link)
        return max(depth.values())

    # -- pages -------------------------------------------------------------------------
    def page(self, path: str) -> bytes | None:
        if path == "/robots.txt":
            return ROBOTS
        text = self.render(path)
        return None if text is None else text.encode("utf-8")

    def render(self, path: str) -> str | None:
        route = self.routes.get(path if path != "/index.html" else "/")
        if route is None:
            return None
        kind, a, b = route
        if kind == "home":
            return self._home()
        if kind == "list":
            return self._list(a, b)
        return self._content(self.content(a))

    def _frame(self, title: str, crumbs: str, body: str) -> str:
        nav = "".join(f'<li><a href="{self.list_path(s, 0)}">{SECTION_NAMES[s]}</a></li>\n'
                      for s in range(self.sections))
        return (
            '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}-{SITE_NAME}</title>\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<link rel="stylesheet" href="/css/style.css">\n'
            f"{SCRIPT}</head>\n<body>\n"
            f'<div class="header"><div class="logo"><a href="/">{SITE_NAME}</a></div>'
            '<div class="top-links"><a href="/">首页</a> | <span>无障碍浏览</span></div></div>\n'
            f'<div class="nav"><ul><li><a href="/">首页</a></li>\n{nav}</ul></div>\n'
            f'<div class="main-wrap"><div class="position">当前位置：<a href="/">首页</a>{crumbs}'
            f"</div>\n{body}</div>\n"
            f'<div class="friend-links"><h4>友情链接</h4><ul>{FRIEND_LINKS}</ul></div>\n'
            '<div class="footer"><div class="footer-links"><a href="/">网站地图</a> '
            '<a href="/">联系我们</a></div>\n'
            f"<p>主办单位：{SITE_NAME}  承办单位：{SITE_NAME}办公室</p>\n"
            "<p>网站标识码：2113000001  ICP备案号：辽ICP备05011826号</p>\n"
            "<p>地址：人民路1号  建议使用1366×768分辨率浏览</p></div>\n</body>\n</html>\n"
        )

    def _item(self, c: Content) -> str:
        y, m, d = c.date
        return (f'<li><a href="{c.path}">{html.escape(self.title(c))}</a>'
                f"<span>{y}-{m:02d}-{d:02d}</span></li>\n")

    def _home(self) -> str:
        latest = "".join(self._item(self.content(i)) for i in range(min(20, self.n_content)))
        body = f'<div class="list"><h3>最新信息</h3><ul>\n{latest}</ul></div>\n'
        return self._frame("首页", "", body)

    def _list(self, section: int, page: int) -> str:
        last = self.lists[section] - 1
        numbers = sorted({0, last, *range(max(0, page - 5), min(last, page + 5) + 1)})
        pager = " ".join(f'<a href="{self.list_path(section, k)}">{k + 1}</a>'
                         for k in numbers if k != page)
        items = "".join(self._item(c) for c in self.list_items(section, page))
        body = (f'<div class="list"><h3>{SECTION_NAMES[section]}</h3><ul>\n{items}</ul>\n'
                f'<div class="page">共{last + 1}页 {pager}</div></div>\n')
        crumbs = f' &gt; <a href="{self.list_path(section, 0)}">{SECTION_NAMES[section]}</a>'
        return self._frame(SECTION_NAMES[section], crumbs, body)

    def title(self, c: Content) -> str:
        src = self.source(c)
        if src is not None:
            title = self.title(self.content(src))
            return {0: title, 1: f"{title}范文", 2: _S2T.convert(title)}[c.index % 3]
        region = REGIONS[c.index // 10 % len(REGIONS)]
        year = c.date[0]
        if c.kind == "report":
            return f"{region}{year}年政府工作报告"
        if c.kind == "distractor":
            return f"{region}召开会议学习贯彻{year}年《政府工作报告》精神"
        return f"{region}{SECTION_NAMES[c.section]}（{c.index}）"

    def _paragraphs(self, c: Content) -> list[str]:
        src = self.source(c)
        if src is not None:  # a repost, a content-farm template or a traditional-script copy
            paras = self._paragraphs(self.content(src))
            if c.index % 3 == 1:
                return [p.translate(_DIGITS) for p in paras]
            return [_S2T.convert(p) for p in paras] if c.index % 3 == 2 else paras
        rng = random.Random(c.index)
        seed = self.paragraphs[c.index // 10 % len(self.paragraphs)]
        if c.kind == "report":
            y = c.date[0]
            region = REGIONS[c.index // 10 % len(REGIONS)]
            head = [f"——{y}年1月{c.date[2]}日在{region}第十七届人民代表大会第二次会议上",
                    "各位代表："]
            return head + (self._long_text(rng) if self.kind == "reports" else seed)
        start = rng.randrange(len(seed))
        paras = [seed[(start + k) % len(seed)] for k in range(rng.randint(6, 16))]
        if c.kind == "distractor":
            paras.insert(0, f"会议传达学习了{c.date[0]}年《政府工作报告》，要求各部门认真抓好落实。")
        return paras

    def _long_text(self, rng: random.Random) -> list[str]:
        """A full report's paragraphs: consecutive seed paragraphs from a random start,
        across seed texts, up to 20,000-30,000 characters."""
        ring = [p for seed in self.paragraphs for p in seed]
        want, start = rng.randint(*REPORT_CHARS), rng.randrange(len(ring))
        out: list[str] = []
        while sum(map(len, out)) < want:
            out.append(ring[(start + len(out)) % len(ring)])
        return out

    def _content(self, c: Content) -> str:
        y, m, d = c.date
        paras = "".join(f'<p style="text-indent: 2em;">{html.escape(p)}</p>\n'
                        for p in self._paragraphs(c))
        related = "".join(self._item(r) for r in self.related(c))
        title = html.escape(self.title(c))
        body = (
            f'<div class="article-con"><div class="art-title"><h1>{title}</h1></div>\n'
            f'<div class="info"><span>发布时间：{y}-{m:02d}-{d:02d} 09:30</span> '
            f"<span>来源：{SITE_NAME}办公室</span> "
            '<a href="javascript:window.print()">打印本页</a></div>\n'
            f'<div class="TRS_Editor">\n{paras}</div>\n'
            f'<div class="related"><h4>相关链接</h4><ul>{related}</ul></div></div>\n'
        )
        crumbs = (f' &gt; <a href="{self.list_path(c.section, 0)}">'
                  f"{SECTION_NAMES[c.section]}</a>")
        return self._frame(self.title(c), crumbs, body)
