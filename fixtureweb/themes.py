"""Page markup for the fixture sites: one theme per site, so no extractor can key on a
single template (TRS ``div.TRS_Editor``, a table layout, ``div#zoom``,
``div.article-content``, and a content farm's ``div.content``).

Themes take plain data (titles, paragraphs, links) and return HTML strings. All links are
root-relative so a site works under any host:port.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

from .sitespec import SiteSpec

Link = tuple[str, str]  # (label, root-relative href)


@dataclass
class ListItem:
    title: str
    href: str
    date: str


@dataclass
class Article:
    title: str
    crumbs: list[Link]
    date: str  # YYYY-MM-DD
    paragraphs: list[str]
    related: list[Link] = field(default_factory=list)
    is_report: bool = False
    time: str = "09:30"
    raw: bool = False  # text is served exactly as given (seed text): no tr() filter


def esc(text: str) -> str:
    # Non-breaking spaces are written as entities, as CMS editors emit them.
    return escape(text, quote=False).replace("\xa0", "&nbsp;")


def paragraphs_html(paragraphs: Sequence[str], p_open: str = "<p>") -> str:
    return "\n".join(f"{p_open}{esc(p)}</p>" for p in paragraphs)


def links_html(links: Sequence[Link], item: str = "li") -> str:
    return "\n".join(f'<{item}><a href="{h}">{esc(t)}</a></{item}>' for t, h in links)


def pager_links(page: int, pages: int, base: str) -> list[Link]:
    """TRS-style pagination: index.html, index_1.html, index_2.html ..."""

    def href(i: int) -> str:
        return f"{base}index.html" if i == 0 else f"{base}index_{i}.html"

    links: list[Link] = [("首页", href(0))]
    if page > 0:
        links.append(("上一页", href(page - 1)))
    links += [(str(i + 1), href(i)) for i in range(pages) if i != page]
    if page < pages - 1:
        links.append(("下一页", href(page + 1)))
    links.append(("尾页", href(pages - 1)))
    return links


class Theme:
    """Shared skeleton; subclasses change class names and layout."""

    charset_meta = '<meta charset="utf-8">'

    def __init__(self, site: SiteSpec, nav: list[Link], tr: Callable[[str], str]) -> None:
        self.site = site
        self.nav = nav
        self.tr = tr  # text filter: identity, or s2t + pinyin damage for the taonan site

    # -- whole documents -------------------------------------------------------------
    def document(self, title: str, main: str, before_html: str = "", body_extra: str = "") -> str:
        return (
            f'{before_html}<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n'
            f"{self.charset_meta}\n<title>{esc(title)}</title>\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<link rel="stylesheet" href="/css/style.css">\n</head>\n<body>\n'
            f"{body_extra}{self.header()}\n{self.navbar()}\n{main}\n{self.footer()}\n</body>\n</html>\n"
        )

    def header(self) -> str:
        t = self.tr
        return (
            f'<div class="header"><div class="logo"><a href="/">{esc(t(self.site.name))}</a></div>'
            f'<div class="top-links"><a href="/">{esc(t("首页"))}</a> | '
            f'<a href="{self.site.disallow}index.html">{esc(t("站内搜索"))}</a> | '
            f"<span>{esc(t('无障碍浏览'))}</span></div></div>"
        )

    def navbar(self) -> str:
        return (
            f'<div class="nav"><ul>{links_html([(self.tr(a), b) for a, b in self.nav])}</ul></div>'
        )

    def footer_lines(self) -> list[str]:
        s = self.site
        return [
            f"主办单位：{s.name}  承办单位：{s.region}人民政府办公室",
            f"网站标识码：{s.site_code}  ICP备案号：{s.icp}  {s.police}",
            "地址：人民路1号  建议使用1366×768分辨率浏览",
        ]

    def footer(self) -> str:
        lines = "\n".join(f"<p>{esc(self.tr(x))}</p>" for x in self.footer_lines())
        return (
            f'<div class="footer"><div class="footer-links"><a href="/">{esc(self.tr("网站地图"))}</a> '
            f'<a href="/">{esc(self.tr("联系我们"))}</a></div>\n{lines}</div>'
        )

    def crumbs(self, crumbs: Sequence[Link]) -> str:
        t = self.tr
        parts = " &gt; ".join(f'<a href="{h}">{esc(t(x))}</a>' for x, h in crumbs)
        return f'<div class="position">{esc(t("当前位置："))}{parts}</div>'

    def text_filter(self, a: Article) -> Callable[[str], str]:
        return (lambda s: s) if a.raw else self.tr

    # -- page bodies -----------------------------------------------------------------
    def home(self, blocks: Sequence[tuple[str, str, list[ListItem]]], banner: Link) -> str:
        t = self.tr
        out = [
            f'<div class="banner"><a href="{banner[1]}">{esc(t(banner[0]))}</a></div>',
            '<div class="home-main">',
        ]
        for heading, more, items in blocks:
            rows = "\n".join(
                f'<li><a href="{i.href}">{esc(t(i.title))}</a><span>{i.date}</span></li>'
                for i in items
            )
            out.append(
                f'<div class="block"><div class="block-title"><h3>{esc(t(heading))}</h3>'
                f'<a class="more" href="{more}">{esc(t("更多"))}&gt;&gt;</a></div><ul>{rows}</ul></div>'
            )
        out.append("</div>")
        return "\n".join(out)

    def listing(
        self, heading: str, crumbs: Sequence[Link], items: Sequence[ListItem], pager: list[Link]
    ) -> str:
        t = self.tr
        rows = "\n".join(
            f'<li><a href="{i.href}" target="_blank">{esc(t(i.title))}</a><span class="date">{i.date}</span></li>'
            for i in items
        )
        pages = " ".join(f'<a href="{h}">{esc(t(x))}</a>' for x, h in pager)
        return (
            f'{self.crumbs(crumbs)}\n<div class="list-box"><h2>{esc(t(heading))}</h2>'
            f'<ul class="list">{rows}</ul>\n<div class="page">{pages}</div></div>'
        )

    def article(self, a: Article, body: str | None = None) -> str:
        t = self.text_filter(a)
        body = body if body is not None else paragraphs_html([t(p) for p in a.paragraphs])
        return (
            f'{self.crumbs(a.crumbs)}\n<div class="article">'
            f'<h1 class="title">{esc(t(a.title))}</h1>\n{self.info_bar(a)}\n'
            f'<div class="content">{body}</div>\n{self.share_bar()}\n{self.related(a.related)}</div>'
        )

    def info_bar(self, a: Article) -> str:
        t = self.text_filter(a)
        return (
            f'<div class="info"><span>{esc(t("发布时间："))}{a.date} {a.time}</span> '
            f"<span>{esc(t('来源：'))}{esc(t(self.site.source))}</span> "
            f'<span>{esc(t("字号："))}<a href="javascript:;">{esc(t("大"))}</a> '
            f'<a href="javascript:;">{esc(t("中"))}</a> <a href="javascript:;">{esc(t("小"))}</a></span> '
            f'<a href="javascript:window.print()">{esc(t("打印本页"))}</a> '
            f'<a href="javascript:window.close()">{esc(t("关闭窗口"))}</a></div>'
        )

    def share_bar(self) -> str:
        t = self.tr
        return (
            f'<div class="share">{esc(t("分享到："))}<a href="javascript:;">{esc(t("微信"))}</a> '
            f'<a href="javascript:;">{esc(t("微博"))}</a> <a href="javascript:;">{esc(t("QQ空间"))}</a></div>'
        )

    def related(self, links: Sequence[Link]) -> str:
        if not links:
            return ""
        t = self.tr
        return (
            f'<div class="related"><h4>{esc(t("相关链接"))}</h4>'
            f"<ul>{links_html([(t(x), h) for x, h in links])}</ul></div>"
        )


class TrsTheme(Theme):
    """TRS WCM look: ``div.TRS_Editor`` inside ``div.article-con``."""

    def article(self, a: Article, body: str | None = None) -> str:
        t = self.text_filter(a)
        paras = body or paragraphs_html(
            [t(p) for p in a.paragraphs], '<p style="text-indent: 2em;">'
        )
        return (
            f'<div class="main-wrap">{self.crumbs(a.crumbs)}\n<div class="article-con">'
            f'<div class="art-title"><h1>{esc(t(a.title))}</h1></div>\n{self.info_bar(a)}\n'
            f'<div class="TRS_Editor">\n{paras}\n</div>\n{self.share_bar()}\n'
            f"{self.related(a.related)}</div></div>"
        )


class TableTheme(Theme):
    """Old table layout (the taonan site), with the article text in ``td#fontzoom``."""

    def document(self, title: str, main: str, before_html: str = "", body_extra: str = "") -> str:
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">\n<html>\n<head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
            f"<title>{esc(title)}</title>\n</head>\n<body>\n"
            '<table width="1000" align="center" cellpadding="0" cellspacing="0" class="top">'
            f"<tr><td>{self.header()}</td></tr><tr><td>{self.navbar()}</td></tr></table>\n"
            '<table width="1000" align="center" cellpadding="0" cellspacing="0" class="main">'
            f"<tr><td>{main}</td></tr></table>\n"
            '<table width="1000" align="center" class="bottom">'
            f"<tr><td>{self.footer()}</td></tr></table>\n</body>\n</html>\n"
        )

    def footer_lines(self) -> list[str]:
        return self.seed_footer or super().footer_lines()

    seed_footer: list[str] = []

    def footer(self) -> str:
        # The seed's own footer lines are already "converted"; do not run tr() on them.
        lines = "<br>\n".join(esc(x) for x in self.footer_lines())
        return f'<div class="foot">{lines}</div>'

    def info_bar(self, a: Article) -> str:
        info = self.seed_info or [
            f"发布时间:{a.date} {a.time}:00",
            f"来源:{self.site.source}",
            "- 小",
            "- 中",
            "- 大",
        ]
        info = [x if x in self.seed_info else self.tr(x) for x in info]
        sizes = "".join(f'<li><a href="javascript:;">{esc(x[2:])}</a></li>' for x in info[2:5])
        return (
            f'<table class="info" width="100%"><tr><td class="time">{esc(info[0])}</td>'
            f'<td class="source">{esc(info[1])}</td><td class="size"><ul>{sizes}</ul></td></tr></table>'
        )

    seed_info: list[str] = []

    def article(self, a: Article, body: str | None = None) -> str:
        t = self.text_filter(a)
        paras = body or paragraphs_html([t(p) for p in a.paragraphs])
        return (
            f'{self.crumbs(a.crumbs)}\n<table width="100%" class="article">'
            f"<tr><td>{self.info_bar(a)}</td></tr>"
            f'<tr><td class="bt" align="center"><h2>{esc(t(a.title))}</h2></td></tr>'
            f'<tr><td id="fontzoom" class="nr">\n{paras}\n</td></tr>'
            f"<tr><td>{self.share_bar()}{self.related(a.related)}</td></tr></table>"
        )


class ZoomTheme(Theme):
    """A GBK site of the 2010s: ``div#zoom``, gb2312 declared."""

    charset_meta = '<meta charset="gb2312">\n<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'

    def article(self, a: Article, body: str | None = None) -> str:
        paras = body or paragraphs_html(a.paragraphs, "<p>&nbsp;&nbsp;&nbsp;&nbsp;")
        return (
            f'<div class="wrap">{self.crumbs(a.crumbs)}\n<div class="detail">'
            f'<div class="detail-title">{esc(a.title)}</div>\n{self.info_bar(a)}\n'
            f'<div id="zoom" class="zoom">\n{paras}\n</div>\n'
            f'<div class="detail-tools">{self.share_bar()}</div>\n{self.related(a.related)}</div></div>'
        )


class ArticleTheme(Theme):
    """Jilin district site template: ``div.article-content`` with a column label block."""

    def article(self, a: Article, body: str | None = None) -> str:
        paras = body or paragraphs_html(a.paragraphs, '<p style="text-indent:2em">')
        return (
            f'{self.crumbs(a.crumbs)}\n<div class="article-box">'
            '<div class="column-label"><span class="cn">政务</span><span class="en">governor</span></div>'
            f'<div class="article-info">{esc(self.site.name.replace("四平市", ""))}&nbsp;&nbsp; '
            f"{a.date} {a.time}&nbsp;&nbsp; 来源: {esc(self.site.source)}</div>\n"
            f'<h1 class="article-title">{esc(a.title)}</h1>\n'
            f'<div class="article-content">\n{paras}\n</div>\n'
            '<div class="article-tools"><a href="javascript:;" class="jiucuo">[纠错]</a> '
            '<a href="javascript:window.print()">[打印]</a></div>\n'
            f"{self.share_bar()}{self.related(a.related)}</div>"
        )


class FarmTheme(Theme):
    """Content farm: 当前位置 breadcrumb, 时间/来源:网友投稿, intro, 推荐访问, Powered by."""

    def header(self) -> str:
        return (
            '<div class="top"><div class="logo"><a href="/">九力公文网</a></div>'
            '<div class="search"><a href="/member/index.html">会员中心</a></div></div>'
        )

    def footer_lines(self) -> list[str]:
        return self.seed_footer or [
            "版权所有:九力公文网 2013-2024 未经授权禁止复制或建立镜像",
            f"Powered by 九力公文网 © All Rights Reserved.。备案号:{self.site.icp}",
        ]

    seed_footer: list[str] = []

    def crumbs(self, crumbs: Sequence[Link]) -> str:
        first, *rest = crumbs
        parts = " &gt; ".join(f'<a href="{h}">{esc(x)}</a>' for x, h in rest)
        return f'<div class="weizhi">当前位置:<a href="{first[1]}">{esc(first[0])}</a>&gt;{parts}</div>'

    def article(self, a: Article, body: str | None = None, category: str = "") -> str:
        paras = body or paragraphs_html(a.paragraphs)
        intro = f"下面是小编为大家整理的{a.title},供大家参考。"
        return (
            f'{self.crumbs(a.crumbs)} &gt; {esc(a.title)}\n<div class="left">'
            f'<h1 class="bt">{esc(a.title)}</h1>\n'
            f'<div class="info">时间:{a.date} {a.time}:03 {esc(category)} 来源:{esc(self.site.source)}</div>\n'
            f'<div class="intro">{esc(intro)}</div>\n'
            f'<div class="content" id="article">\n<h2>{esc(a.title)}</h2>\n{paras}\n</div>\n'
            f'<div class="tags">推荐访问:{esc(self.recommend)}</div>\n{self.related(a.related)}</div>'
        )

    recommend = "政府工作报告 讲话稿 心得体会"

    def related(self, links: Sequence[Link]) -> str:
        if not links:
            return ""
        return f'<div class="xgwz"><h3>相关文章</h3><ul>{links_html(links)}</ul></div>'


THEMES: dict[str, type[Theme]] = {
    "trs": TrsTheme,
    "table": TableTheme,
    "zoom": ZoomTheme,
    "article": ArticleTheme,
    "farm": FarmTheme,
}
