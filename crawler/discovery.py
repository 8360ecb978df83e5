"""Finding a site's work reports without per-site code: which links lead to them.

Every link the spider extracts is given a *kind*, from its anchor text, its URL and the kind
of the page it was found on:

* ``report``  — the anchor or URL names a work report (政府工作报告, 往年报告, …/zfgzbg/…),
  an item or list page of a report column, or an attachment (PDF/DOC/DOCX/WPS) found on a
  report or column page, and the other parts of a report's article split over pages
  (``t_1.html`` next to ``t.html``, from its createPageHTML pager or 下一页), wherever the
  article was found (on a page that mentions a work report);
* ``column``  — the way to the report column (政务公开 → 规划计划), and the other list pages
  of such a column (下一页, index_1.html, a createPageHTML JS pager);
* ``generic`` — everything else, crawled breadth-first within the site's page budget.

Report and column links jump the queue (request priority) and are not charged to the budget,
so a small budget still reaches every report; report links only while they pay off
(crawler.reportcredit: a link farm of report-looking links is charged once it yields none).  Per-site overrides (extra column keywords,
report column URLs) come from crawler/sites.toml.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from pipelines.clean.parts import js_pagers, sibling_index

REPORT, COLUMN, GENERIC = "report", "column", "generic"
PRIORITY = {REPORT: 30, COLUMN: 20, GENERIC: 0}

REPORT_WORDS = ("政府工作报告", "政府工作報告", "往年报告", "历年报告", "往年政府工作报告")
# URL path words for report columns: zfgzbg (政府工作报告), gzbg, and the English some CMSs use.
REPORT_URL_RE = re.compile(r"(?:zfgzbg|gzbg|gov_?report|work_?report)", re.IGNORECASE)
COLUMN_WORDS = (
    "政务公开", "政府信息公开", "信息公开", "主动公开", "法定主动公开内容", "公开目录",
    "规划计划", "计划规划", "规划信息", "发展规划", "计划总结", "规划与计划", "工作报告",
)
COLUMN_URL_RE = re.compile(
    r"/(?:zwgk|xxgk|zfxxgk|gkml|fdzdgknr|ghjh|jhgh|ghxx|fzgh|jhzj)(?:[/_.]|$)", re.IGNORECASE
)
PAGER_WORDS = ("下一页", "下页", "上一页", "上页", "尾页", "末页", "最后一页", ">", ">>", "»")
PAGER_URL_RE = re.compile(
    r"(?:index|list|default)_\d+\.s?html?$|[?&](?:page|pageno|pageindex|curpage|p)=\d+",
    re.IGNORECASE,
)
ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "wps")


@dataclass(frozen=True)
class Keywords:
    """The words discovery looks for; a site's column_keywords are added to the defaults."""

    report: tuple[str, ...] = REPORT_WORDS
    column: tuple[str, ...] = COLUMN_WORDS

    def with_columns(self, extra: Iterable[str]) -> Keywords:
        extra = tuple(w for w in extra if w not in self.column)
        return Keywords(self.report, self.column + extra) if extra else self


DEFAULT_KEYWORDS = Keywords()


def extension(url: str) -> str:
    path = urlsplit(url).path.lower()
    _, dot, ext = posixpath.basename(path).rpartition(".")
    return ext if dot else ""


def is_attachment(url: str) -> bool:
    return extension(url) in ATTACHMENT_EXTENSIONS


def _directory(url: str) -> str:
    path = urlsplit(url).path or "/"
    return path if path.endswith("/") else posixpath.dirname(path) + "/"


def is_pager(text: str, url: str, page_url: str) -> bool:
    """A link to another list page of the same list: 下一页 / a page number / index_3.html."""
    text = text.strip()
    if _directory(url) != _directory(page_url):
        return False
    return text in PAGER_WORDS or text.isdigit() or bool(PAGER_URL_RE.search(url))


def mentions_report(page_text: str, keywords: Keywords = DEFAULT_KEYWORDS) -> bool:
    return any(w in page_text for w in keywords.report)


def part_kind(url: str, page_url: str, page_kind: str, reportish: bool) -> str | None:
    """REPORT for another part of an article split over pages (t_1.html next to t.html) when
    the article is a report's: on a report page, or on a page that mentions one."""
    if (page_kind == REPORT or reportish) and sibling_index(url, page_url) is not None:
        return REPORT
    return None


def link_kind(text: str, url: str, page_url: str, page_kind: str,
              keywords: Keywords = DEFAULT_KEYWORDS, reportish: bool = False) -> str | None:
    """The kind of a link, or None when it should not be followed (an unrelated attachment).
    reportish: the page mentions a work report (its article's other parts are followed)."""
    text = " ".join(text.split())
    if kind := part_kind(url, page_url, page_kind, reportish):
        return kind
    reportish = any(w in text for w in keywords.report) or bool(REPORT_URL_RE.search(url))
    if is_attachment(url):
        # Attachments are followed only where they can carry a report: named as one, or
        # linked from a report or a report column (附件：…, 点击下载).
        return REPORT if reportish or page_kind in (REPORT, COLUMN) else None
    if page_kind in (REPORT, COLUMN) and is_pager(text, url, page_url):
        return page_kind  # another list page of the same list
    if reportish:
        return REPORT
    if page_kind == REPORT and _directory(url).startswith(_directory(page_url)):
        return REPORT  # an item of the report column, whatever its anchor says
    if any(w in text for w in keywords.column) or COLUMN_URL_RE.search(urlsplit(url).path):
        return COLUMN
    return GENERIC


def js_pager_urls(html: str, page_url: str, limit: int = 200) -> list[str]:
    """List pages a createPageHTML(...) JS pager would link to, which carry no <a href>."""
    urls: list[str] = []
    for prefix, count, suffix in js_pagers(html):
        for i in range(min(count, limit)):
            name = f"{prefix}.{suffix}" if i == 0 else f"{prefix}_{i}.{suffix}"
            url = urljoin(page_url, name)
            if url not in urls:
                urls.append(url)
    return urls


_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def parse_sitemap(body: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) of a sitemap or sitemap index; ([], []) if unreadable."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                             huge_tree=False)
    try:
        root = etree.fromstring(body.strip(), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return [], []
    if root is None:
        return [], []
    locs = [(el.text or "").strip() for el in root.iter(f"{_SITEMAP_NS}loc", "loc")]
    locs = [u for u in locs if u]
    if root.tag in (f"{_SITEMAP_NS}sitemapindex", "sitemapindex"):
        return [], locs
    return locs, []


def sitemap_kind(url: str) -> str | None:
    """Sitemaps list every page; only those that look like reports or columns are taken."""
    if REPORT_URL_RE.search(url):
        return REPORT
    if COLUMN_URL_RE.search(urlsplit(url).path) and not is_attachment(url):
        return COLUMN
    return None
