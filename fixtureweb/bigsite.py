"""A larger government site for discovery tests (issue 9): several columns, JS pagers, a
sitemap.xml, and reports as HTML pages, a PDF and a DOCX attachment.

Its reports are built from seed 002 (北镇市, renamed to the invented 北山市): a different
slice of the seed's body for each year, under that year's title and dateline.  Where each
report sits exercises one discovery path:

* 2023 (HTML): on the third page of 政务公开 → 规划计划, reachable only through the
  createPageHTML JS pager; the home page does not link the report column.
* 2022 (HTML): linked only from the 2023 report's 往年报告 box.
* 2021 (PDF): 附件 of a short page in the 政府工作报告 column (the page itself is no report).
* 2020 (DOCX): linked directly from the column's second (JS pager) page.
* 2019 (HTML): linked from nowhere; listed in sitemap.xml only.

PDF (reportlab, its built-in STSong-Light CID font, invariant mode, no compression) and DOCX
(written by hand: three XML parts in an uncompressed zip with fixed dates) are byte-for-byte
reproducible.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from . import seeds as seedmod
from . import texts
from .sitespec import BIG
from .themes import THEMES, Article, Link, ListItem

CRAWL_DELAY = 0.1  # seconds, in robots.txt: tests measure that it is honoured
NEWS_COUNT = 16
SPEAKER = "市长 李春山"  # invented, like the city
# (year, date, seed body slice start, where it is published)
REPORTS = (
    (2023, "2023-01-10", 0, "html"),
    (2022, "2022-01-12", 18, "html"),
    (2021, "2021-01-08", 36, "pdf"),
    (2020, "2020-01-10", 66, "docx"),
    (2019, "2019-01-15", 84, "html"),
)
SLICE = 18  # body paragraphs per report: enough to be a report, small enough to ship


def stable(path: str) -> int:
    import hashlib

    return 1_000_000 + int(hashlib.sha1(path.encode()).hexdigest()[:8], 16) % 9_000_000


def report_lines(seed_body: list[str], year: int, day: str, start: int) -> tuple[str, list[str]]:
    """Title and paragraphs of one year's report, from a slice of the seed's body."""
    dateline, _speaker, address, opening, *body = seed_body
    date_cn = f"{year}年{int(day[5:7])}月{int(day[8:10])}日"
    lines = [
        "——" + dateline.replace("2021年1月5日", date_cn).replace("北镇", "北山"),
        SPEAKER,
        address,
        opening.replace("北镇", "北山"),
        *(p.replace("北镇", "北山") for p in body[start : start + SLICE]),
    ]
    return f"北山市{year}年政府工作报告", lines


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=0)
    c.setTitle(title)
    width, height = A4
    y = height - 60

    def line(text: str, size: int = 11, x: float = 60) -> None:
        nonlocal y
        if y < 60:
            c.showPage()
            y = height - 60
        c.setFont(font, size)
        c.drawString(x, y, text)
        y -= size + 7

    line(title, 16, 180)
    for para in lines:
        # Wrapped at 40 characters, first line indented, as word processors lay it out.
        text = "　　" + para
        for i in range(0, len(text), 40):
            line(text[i : i + 40])
    c.showPage()
    c.save()
    return buf.getvalue()


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx_bytes(title: str, lines: list[str]) -> bytes:
    def para(text: str, bold: bool = False) -> str:
        props = '<w:rPr><w:b/><w:sz w:val="36"/></w:rPr>' if bold else ""
        # Runs split mid-paragraph, as Word writes them: the reader must join them.
        half = len(text) // 2
        runs = "".join(f'<w:r>{props}<w:t xml:space="preserve">{xml_escape(part)}</w:t></w:r>'
                       for part in (text[:half], text[half:]) if part)
        return f"<w:p>{runs}</w:p>"

    body = para(title, bold=True) + "".join(para(x) for x in lines)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}<w:sectPr/></w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in (("[Content_Types].xml", _DOCX_TYPES), ("_rels/.rels", _DOCX_RELS),
                           ("word/document.xml", document)):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, data.encode("utf-8"))
    return buf.getvalue()


def js_pager(count: int, current: int) -> str:
    return (f'<div class="page"><script type="text/javascript">createPageHTML({count}, '
            f'{current}, "index", "html");</script></div>')


def build_big_site(seeds_dir: Path, add: Callable[..., object], doc_cls: type) -> dict:
    """Add the site's files through add(Doc); return its manifest entry's extra fields."""
    spec = BIG
    seed = seedmod.load(seeds_dir, spec.seed)
    home: Link = ("首页", "/")
    nav: list[Link] = [
        home, ("政务公开", "/zwgk/index.html"), ("新闻中心", "/xwzx/index.html"),
        ("政策解读", "/zcjd/index.html"), ("办事服务", "/bsfw/index.html"),
    ]
    theme = THEMES[spec.theme](spec, nav, lambda s: s)

    def page(title: str, main: str) -> str:
        return theme.document(f"{title}-{spec.name}" if title else spec.name, main)

    def article(path: str, title: str, day: str, crumbs: list[Link], paras: list[str],
                kind: str, related: list[Link] | None = None, extra: str = "") -> None:
        a = Article(title, crumbs, day, paras, related=related or [])
        html = theme.article(a)
        if extra:
            html = html.replace('<div class="share">', extra + '<div class="share">', 1)
        add(doc_cls(path, page(title, html), kind, title, day))

    def listing(base: str, heading: str, crumbs: list[Link], items: list[ListItem],
                per_page: int) -> None:
        pages = max(1, -(-len(items) // per_page))
        for i in range(pages):
            html = theme.listing(heading, crumbs, items[i * per_page : (i + 1) * per_page], [])
            if pages > 1:
                html = html.replace('<div class="page"></div>', js_pager(pages, i))
            name = "index.html" if i == 0 else f"index_{i}.html"
            add(doc_cls(base + name, page(heading, html)))

    zwgk: Link = ("政务公开", "/zwgk/index.html")
    ghjh: Link = ("规划计划", "/zwgk/ghjh/index.html")
    col: Link = ("政府工作报告", spec.column + "index.html")
    manifest: dict = {"reports": [], "distractors": [], "attachments": []}
    report_paths: dict[int, str] = {}
    for year, day, _, fmt in REPORTS:
        d = day.replace("-", "")
        stem = f"{spec.column}{d[:6]}/"
        report_paths[year] = (
            f"{stem}t{d}_{stable(f'{year}')}.html" if fmt == "html"
            else f"{stem}P0{d}{stable(f'{year}{fmt}')}.{fmt}"
        )

    # -- the reports ----------------------------------------------------------------------
    wrapper = f"{spec.column}202101/t20210108_{stable('2021 wrapper')}.html"
    for year, day, start, fmt in REPORTS:
        title, lines = report_lines(seed.body, year, day, start)
        path = report_paths[year]
        crumbs = [home, zwgk, ghjh, col]
        if fmt == "html":
            past = ""
            if year == 2023:  # the 往年报告 box: the only way to the 2022 report
                past = ('<div class="past-reports"><h4>往年报告</h4><ul>'
                        f'<li><a href="{report_paths[2022]}">2022年</a></li></ul></div>')
            a = Article(title, crumbs, day, lines, is_report=True)
            html = theme.article(a).replace('<div class="share">', past + '<div class="share">', 1)
            add(doc_cls(path, page(title, html), "report", title, day))
        elif fmt == "pdf":
            add(doc_cls(path, pdf_bytes(title, lines), "report", title, day))
            article(wrapper, f"{title}（附件）", day, crumbs,
                    [f"{title}全文见附件。"], "distractor",
                    extra=f'<div class="attachment">附件：<a href="{path}">{title}.pdf</a></div>')
        else:
            add(doc_cls(path, docx_bytes(title, lines), "report", title, day))
        manifest["reports"].append({"path": path, "title": title, "format": fmt, "year": year})

    # -- distractors: an interpretation, a task notice with a PDF attachment, meeting news --
    interp = texts.interpretation("北山市", 2023)
    interp_path = f"/zcjd/202301/t20230111_{stable('interp')}.html"
    article(interp_path, interp.title, "2023-01-11", [home, ("政策解读", "/zcjd/index.html")],
            list(interp.paragraphs), "distractor")
    notice = texts.task_notice(spec.name, "北山市", 2023, "市", "2023年2月20日")
    notice_pdf = f"/zwgk/tzgg/202302/P020230220{stable('notice pdf')}.pdf"
    add(doc_cls(notice_pdf, pdf_bytes(notice.title, list(notice.paragraphs)), "distractor",
                notice.title, "2023-02-20"))
    notice_path = f"/zwgk/tzgg/202302/t20230220_{stable('notice')}.html"
    article(notice_path, notice.title, "2023-02-20", [home, zwgk, ("通知公告", "/zwgk/tzgg/index.html")],
            list(notice.paragraphs), "distractor",
            extra=f'<div class="attachment">附件：<a href="{notice_pdf}">重点任务分工方案.pdf</a></div>')
    meeting = texts.meeting_news("北山市", 2023, "市", "市长")
    meeting_path = f"/xwzx/202212/t20221228_{stable('meeting')}.html"
    article(meeting_path, meeting.title, "2022-12-28", [home, ("新闻中心", "/xwzx/index.html")],
            list(meeting.paragraphs), "distractor")

    # -- bulk: news items, enough to exhaust a small page budget ---------------------------
    news: list[ListItem] = [ListItem(meeting.title, meeting_path, "2022-12-28")]
    for i in range(NEWS_COUNT):
        t = texts.NEWS[i % len(texts.NEWS)]
        day = f"2022-{12 - i // 4:02d}-{25 - 5 * (i % 4):02d}"
        filled = texts.Text(
            t.title.format(region="北山市", unit="市", year=2022, month="本月", gov=spec.name),
            tuple(p.format(region="北山市", unit="市", year=2022, month="本月", gov=spec.name)
                  for p in t.paragraphs),
        )
        title = filled.title if i < len(texts.NEWS) else f"{filled.title}（{i // len(texts.NEWS) + 1}）"
        path = f"/xwzx/{day[:7].replace('-', '')}/t{day.replace('-', '')}_{stable(f'news{i}')}.html"
        article(path, title, day, [home, ("新闻中心", "/xwzx/index.html")],
                list(filled.paragraphs), "page")
        news.append(ListItem(title, path, day))
    news.sort(key=lambda x: (x.date, x.href), reverse=True)
    listing("/xwzx/", "新闻中心", [home, ("新闻中心", "/xwzx/index.html")], news, 5)

    # -- columns -----------------------------------------------------------------------------
    plans = [ListItem(f"北山市{y}年国民经济和社会发展计划执行情况", f"/zwgk/ghjh/{y}/jh{y}.html",
                      f"{y}-02-{10 + y % 10:02d}") for y in range(2017, 2024)]
    for item in plans:
        article(item.href, item.title, item.date, [home, zwgk, ghjh],
                [f"{item.title}已经市人民代表大会审议批准，现予公开。", "全文另行印发。"], "page")
    # 1 + 7 items, 4 a page: the report is the first item of the third page (index_2.html).
    ghjh_items = [ListItem(col[0], col[1], ""), *reversed(plans)]
    ghjh_items.insert(8, ListItem("北山市2023年政府工作报告", report_paths[2023], "2023-01-10"))
    listing("/zwgk/ghjh/", "规划计划", [home, zwgk, ghjh], ghjh_items, 4)
    col_items = [
        ListItem("北山市2021年政府工作报告（附件）", wrapper, "2021-01-08"),
        ListItem("图解：2023年政府工作报告", interp_path, "2023-01-11"),
        ListItem("北山市2020年政府工作报告（Word版）", report_paths[2020], "2020-01-10"),
    ]
    listing(spec.column, "政府工作报告", [home, zwgk, ghjh, col], col_items, 2)
    notices = [ListItem(notice.title, notice_path, "2023-02-20")]
    listing("/zwgk/tzgg/", "通知公告", [home, zwgk, ("通知公告", "/zwgk/tzgg/index.html")],
            notices, 5)
    overview = [ListItem("通知公告", "/zwgk/tzgg/index.html", ""),
                ListItem("规划计划", "/zwgk/ghjh/index.html", ""),
                ListItem("政府信息公开指南", "/zwgk/index.html", "")]
    listing("/zwgk/", "政务公开", [home, zwgk], overview, 5)
    listing("/zcjd/", "政策解读", [home, ("政策解读", "/zcjd/index.html")],
            [ListItem(interp.title, interp_path, "2023-01-11")], 5)
    add(doc_cls("/bsfw/index.html", page("办事服务", theme.listing("办事服务", [home], [], []))))
    add(doc_cls("/search/index.html", page("站内搜索", theme.listing(
        "站内搜索", [home], [ListItem(t, report_paths[y], "") for y, _, _, _ in REPORTS
                             for t in [f"{y}年政府工作报告"]], [])), "disallowed"))
    blocks = [("新闻中心", "/xwzx/index.html", news[:6]),
              ("通知公告", "/zwgk/tzgg/index.html", notices),
              ("站内搜索", "/search/index.html", [ListItem("政府工作报告", "/search/index.html", "")])]
    add(doc_cls("/index.html", page("", theme.home(blocks, ("政务公开", "/zwgk/index.html")))))

    # -- robots.txt and sitemap.xml ---------------------------------------------------------
    add(doc_cls("/robots.txt", f"User-agent: *\nCrawl-delay: {CRAWL_DELAY}\nDisallow: /search/\n",
                "robots"))
    listed = [p for p in ["/", "/zwgk/index.html", "/xwzx/index.html", *(n.href for n in news),
                          report_paths[2019]]]
    urls = "".join(f"<url><loc>http://{spec.host}{p}</loc></url>" for p in listed)
    add(doc_cls("/sitemap.xml",
                '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
                f'schemas/sitemap/0.9">{urls}</urlset>\n', "asset"))
    return manifest


def manifest_entry(docs: list, extra: dict) -> dict:
    """The site's entry in manifest["discovery_sites"]: reports, distractors, every URL."""
    spec = BIG

    def url(path: str) -> str:
        return f"http://{spec.host}{'/' if path == '/index.html' else path}"

    docs = sorted(docs, key=lambda d: d.path)
    return {
        "host": spec.host,
        "name": spec.name,
        "region": spec.region,
        "level": spec.level,
        "kind": spec.kind,
        "charset": spec.charset,
        "start_url": f"http://{spec.host}/",
        "seed": spec.seed,
        "note": "invented city; report texts are slices of seed 002 renamed to 北山市",
        "reports": [{"url": url(r["path"]), "title": r["title"], "format": r["format"],
                     "year": r["year"]} for r in extra["reports"]],
        "distractors": [url(d.path) for d in docs if d.kind == "distractor"],
        "disallowed": [url(d.path) for d in docs if d.kind == "disallowed"],
        "robots_disallow": [spec.disallow],
        "crawl_delay": CRAWL_DELAY,
        "sitemap": url("/sitemap.xml"),
        "pages": [url(d.path) for d in docs],
    }
