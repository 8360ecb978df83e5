"""Report metadata: title, region, level, years, meeting date and session, speaker, dates.

Parsed from the title, the first lines of the report (and the plain lines just above the
article, where many sites put the dateline and byline), the page's <meta> tags and, for
the speaker, a photo caption anywhere on the page (pipelines/clean/byline.py), and for the
publication date, a byline under the article, else the URL.  Place names and
levels come from the divisions list (pipelines/clean/divisions.py).  Every field is optional: a
page that does not say something leaves it None.

Year: the dateline's date (on the session line or a line next to it), else the one year
the title names, else the year after the year reviewed.  The session number alone (第十七届
…第二次会议) never gives a year: terms do not start in the same year everywhere.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from lxml import etree

from pipelines.clean import byline, divisions
from pipelines.clean.chrome import for_matching, is_report_name
from pipelines.clean.result import CleanResult

_FULLWIDTH = str.maketrans("０１２３４５６７８９：－／．", "0123456789:-/.")
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0}
_CN_NUM = "〇零○Ｏ一二三四五六七八九十"
_REGION_SUFFIX = "(?:自治区|自治州|自治县|自治旗|地区|特区|林区|新区|市|县|区|旗|州|盟|省)"
# Sessions also go by their short name: 十九届人大三次会议.
_MEETING_RE = re.compile(
    r"在(?P<region>[\u4e00-\u9fff]{1,15}?" + _REGION_SUFFIX + r")?\s*"
    r"(?P<session>第?[" + _CN_NUM + r"百\d]+届(?:人民代表大会|人大)(?:常务委员会|常委会)?第?["
    + _CN_NUM + r"\d]+次(?:全体)?会议)"
)
# Without 第 the term must start its run of numerals: a scan from every digit of a long
# run would be quadratic.
_SESSION_RE = re.compile(
    r"(?:第|(?<![" + _CN_NUM + r"百\d]))(?P<term>[" + _CN_NUM + r"百\d]+)届"
    r"(?P<body>人民代表大会|人大)第?(?P<n>[" + _CN_NUM + r"\d]+)次(?P<whole>全体)?会议"
)
_DATE_RE = re.compile(
    r"(?P<y>\d{4}|[" + _CN_NUM + r"]{4})\s*年\s*(?P<m>\d{1,2}|[" + _CN_NUM + r"]{1,3})\s*月\s*"
    r"(?P<d>\d{1,2}|[" + _CN_NUM + r"]{1,3})\s*日"
)
_GOV_REGION_RE = re.compile(
    r"(?:^|[\s（(【\[》]|\d{4}\s*年度?)(?P<region>[\u4e00-\u9fff]{2,12}?" + _REGION_SUFFIX + r")(?:人民)?政府(?:工作报告)?"
)
# The site's owner in the page footer: 版权所有：X人民政府, 主办单位：X人民政府办公室.
_FOOTER_GOV_RE = re.compile(
    r"(?:版权所有|主办单位|主办|承办单位|承办|©|Copyright)[^\u4e00-\u9fff]{0,8}"
    r"(?P<region>[\u4e00-\u9fff]{2,12}?" + _REGION_SUFFIX + r")(?:人民)?政府"
)
# …or named first: 某某县人民政府 版权所有, 某某县人民政府办公室主办.
_FOOTER_OWNER_FIRST_RE = re.compile(
    r"(?:^|[\s|｜])(?P<region>[\u4e00-\u9fff]{2,12}?" + _REGION_SUFFIX + r")(?:人民)?政府(?:办公室)?"
    r"\s*(?:版权所有|主办)"
)
FOOTER_LINES = 30  # the page's last lines, where its footer sits
END_LINES = 3  # the report's last lines, where a byline signing it sits (with its date)
# The site's owner as a <title> segment: 东平县人民政府门户网站, 某某市政府网.
_SITE_GOV_RE = re.compile(
    r"^(?P<region>[\u4e00-\u9fff]{2,12}?" + _REGION_SUFFIX + r")(?:人民)?政府"
    r"(?:门户网站?|网站|网|官网|办公室)?$"
)
# A dateline naming only its own level: 在县第十八届人民代表大会… (a county site's habit).
_BARE_LEVEL_RE = re.compile(r"在(?P<level>自治县|自治州|自治旗|县|市|区|旗|州|盟)第?[" + _CN_NUM + r"百\d]+届")
_REVIEW_RE = re.compile(r"(\d{4})\s*年[^。；\n]{0,24}?工作回顾|回顾[^。；\n]{0,6}?(\d{4})\s*年")
_ISO_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_PUBLISHED_RE = re.compile(r"(?:发布|发表|更新|成文)?(?:时间|日期)\s*[:：]\s*")
# Characters that never occur in a place name but do in the prose a loose match can catch.
_NOT_REGION_RE = re.compile(r"[×Ｘ在的了是与\d]|代表|[市县区旗州省]长|人民|会议")
_INFO_BAR_RE = re.compile(
    r"\d{4}[-/]\d{1,2}[-/]\d{1,2}[^\n]*(?:来源|浏览|作者|字号)|^\s*\d{4}[-/]\d{1,2}[-/]\d{1,2}"
    # 年月日 and a label right after it: 2024年01月16日 15:30 来源：… (a dateline has 在… after it).
    r"|\d{4}年\d{1,2}月\d{1,2}日(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s+(?:来源|浏览|作者|字号|阅读|点击)"
    # A source and a timestamp alone: 某某融媒体中心 2024-01-12 08:40.
    r"|^[^\d。，；]{2,24}\s+\d{4}[-/]\d{1,2}[-/]\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?\s*$"
)
_TITLE_SPLIT_RE = re.compile(r"\s*(?:[|｜_]|\s[-–—]+\s|——|--)\s*")
_TAG_RE = re.compile(r"<[^>]*>")
# A place name opening a title, before its year: 北山市2023年政府工作报告.
_TITLE_PLACE_RE = re.compile(r"^(?P<region>[\u4e00-\u9fff]{2,12}?" + _REGION_SUFFIX + r")\s*\d{4}\s*年")
_TITLE_YEAR_RE = re.compile(r"(?<!\d)((?:19[5-9]|20\d)\d)\s*年")
_DATE_ONLY_RE = re.compile(r"^[（(—\-\s]*[\dOo〇零○Ｏ一二三四五六七八九十]{4}\s*年[^。，]{2,8}日[）)]?$")
# 〇 typed as a Latin O or a digit 0 inside a Chinese-numeral year: 二O二三年, 二0二0年.
_LATIN_ZERO_RE = re.compile(r"(?<=[〇零○Ｏ一二三四五六七八九])[Oo0]+(?=[〇零○Ｏ一二三四五六七八九年])")


def _cn_number(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if all(c in _CN_DIGITS for c in s):  # 二〇二一 style years
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    if "十" in s:  # 十二, 二十三, 十
        tens, _, ones = s.partition("十")
        t = _CN_DIGITS.get(tens, 1) if tens else 1
        o = _CN_DIGITS.get(ones, 0) if ones else 0
        return t * 10 + o
    return None


def parse_date(s: str) -> str | None:
    s = s.translate(_FULLWIDTH)
    if "O" in s or "o" in s or "0" in s:
        s = _LATIN_ZERO_RE.sub(lambda z: "〇" * len(z.group()), s)
    m = _DATE_RE.search(s)
    if not m:
        return None
    y, mo, d = (_cn_number(m.group(k)) for k in "ymd")
    if not (y and mo and d) or not (1 <= mo <= 12 and 1 <= d <= 31 and 1949 <= y <= 2100):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


# A time written in words: 10时20分(30秒), as info bars of some CMSs give it.
_CN_TIME_RE = re.compile(r"(\d{1,2})\s*时\s*(\d{1,2})\s*分(?:\s*(\d{1,2})\s*秒)?")


def iso_datetime(s: str) -> str | None:
    s = s.translate(_FULLWIDTH)
    if "时" in s:
        s = _CN_TIME_RE.sub(lambda t: f"{t[1]}:{int(t[2]):02d}:{int(t[3] or 0):02d}", s, count=1)
    m = _ISO_RE.search(s)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not 1990 <= y <= 2100:
        return None
    try:
        out = datetime.date(y, mo, d).isoformat()  # a real calendar date, not 2月30日
    except ValueError:
        return None
    if m.group(4):
        hour, minute, second = int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)
        # An impossible time (25时70分) is a typo: the date stands without it.
        if hour <= 23 and minute <= 59 and second <= 59:
            out += f"T{hour:02d}:{minute:02d}:{second:02d}"
    return out


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def meta_content(root: etree._Element, *names: str) -> str | None:
    """The first non-empty content of a <meta> whose name (ASCII case ignored) or property is
    one of `names`, tried in order."""
    metas = [(el.get("name", "").translate(_ASCII_LOWER), el.get("property"), content)
             for el in root.getroottree().iter("meta")
             if (content := el.get("content")) is not None]
    for name in names:
        n = name.lower()
        for meta_name, prop, value in metas:
            if meta_name != n and prop != n:
                continue
            # Tags end by the last `>`: searching only up to it, no `<` after it is scanned
            # to the end of the value, once per `<` (quadratic in a run of them).
            end = value.rfind(">") + 1
            value = re.sub(r"\s+", " ", _TAG_RE.sub("", value[:end]) + value[end:]).strip()
            if value:
                return value
    return None


_HEADING_TAGS = frozenset(["h1", "h2", "h3"])
_PAGE_TITLE = etree.XPath("//head/title//text()")


def _headings(root: etree._Element) -> list[etree._Element]:
    """Elements inside <body> that are h1-h3 or have `title` in their class or id, in
    document order (an XPath predicate over every element is several times slower)."""
    seen: set[etree._Element] = set()
    found = []
    for body in root.getroottree().iter("body"):
        for el in body.iter(etree.Element):  # elements only, filtered in C
            if el is body or el in seen:
                continue
            # keys() first: most elements have no attributes, and a get() costs more.
            if el.tag in _HEADING_TAGS or (keys := el.keys()) and (
                    "class" in keys and "title" in el.get("class")
                    or "id" in keys and "title" in el.get("id")):
                seen.add(el)
                found.append(el)
    return found


def _norm(s: str) -> str:
    return re.sub(r"[\s\u3000\xa0]+", "", s)


def page_title(root: etree._Element) -> str:
    """The page's <title>, its white space collapsed."""
    return re.sub(r"\s+", " ", " ".join(_PAGE_TITLE(root)).strip())


def site_names(root: etree._Element) -> list[str]:
    """Where a page names its site: a Hanweb/TRS SiteName meta, and the <title>, whose
    segments end in the site's name (…_东平县人民政府门户网站)."""
    return [meta_content(root, "SiteName") or "", page_title(root)]


def title_candidates(root: etree._Element) -> tuple[str, list[str], bool]:
    """(best title, strings a first line may repeat it as, whether it is trustworthy).

    Trusted: an ArticleTitle-style meta, or a heading that the <title> also carries.  A bare
    <title> segment is only a fallback, as many sites put just their own name there.
    """
    whole = page_title(root)
    segments = [s for s in _TITLE_SPLIT_RE.split(whole) if len(_norm(s)) >= 4]
    meta = meta_content(root, "ArticleTitle", "og:title", "title")
    if meta:
        return meta, [meta, whole], True
    headings = []
    for el in _headings(root):
        text = re.sub(r"\s+", " ", "".join(el.itertext())).strip()
        if 4 <= len(text) <= 120:
            headings.append(text)
    norm_title = _norm(whole)
    inside = [h for h in headings if _norm(h) and _norm(h) in norm_title]
    if inside:
        best = max(inside, key=len)
        return best, [best, whole], True
    # A heading that is a <title> segment with the year the <title> leaves out
    # (<title>建平县政府工作报告</title> over <h1>2024年建平县政府工作报告</h1>): the fuller title.
    fuller = [h for h in headings for s in segments if _adds_a_year(_norm(h), _norm(s))]
    if fuller:
        return fuller[0], [fuller[0], whole], True
    best = segments[0] if segments else (headings[0] if headings else "")
    return best, [r for r in (best, whole) if r], False


_YEAR_ONLY_RE = re.compile(r"(?:19[5-9]|20\d)\d年度?")


def _adds_a_year(heading: str, segment: str) -> bool:
    """`heading` is `segment` with a year (2024年) put in somewhere, nothing else."""
    m = _YEAR_ONLY_RE.search(heading)
    return bool(m) and heading[: m.start()] + heading[m.end() :] == segment


_SITE_NAME_RE = re.compile(r"(?:人民政府|政府网|门户网站?|网站|网|办公室|政务公开)$")
_HEADING_LINE_RE = re.compile(r"^[^。；！？]{4,80}$")


def choose_title(fallback: str, before: list[str]) -> str:
    """Pick the heading line just above the article when <title> has no better title.

    `before` are the plain (non-link, non-chrome) lines right above the article, nearest
    last.  One of them wins if the page title contains it, or if the page title looks like
    a bare site name.
    """
    site_like = not fallback or bool(_SITE_NAME_RE.search(_norm(fallback)))
    for line in reversed(before):
        if not _HEADING_LINE_RE.match(line):
            continue
        if (_norm(line) and _norm(line) in _norm(fallback)) or site_like:
            return line
    return fallback


# A page title that names nothing: empty, the site's name, or a word or two (正文, 详细内容).
_BLANK_TITLE_MAX = 6


def first_line_title(title: str, lines: list[str]) -> str:
    """The article's first line when it is the report's name (chrome.is_report_name: a
    heading ending in 报告, no dateline or byline) and the page title says nothing; else
    `title`."""
    norm = _norm(title)
    if norm and not _SITE_NAME_RE.search(norm) and (len(norm) > _BLANK_TITLE_MAX or "报告" in norm):
        return title
    first = lines[0] if lines else ""
    # Only a heading: the line leaves the text for the title, and a sentence must not.
    if is_report_name(first) and not _SESSION_RE.search(first) and byline.office_line(first) is None:
        return first
    return title


def _place(candidate: str | None) -> tuple[str, str] | None:
    """(region, level) of a candidate place name, or None if it is no place name."""
    if not candidate or len(candidate) < 2 or _NOT_REGION_RE.search(candidate):
        return None
    region = divisions.most_specific(candidate)
    level = divisions.level(region)
    return (region, level) if level else None


def region_level(title: str, head: list[str], byline_prefix: str = "",
                 footer: list[str] = (), site: Callable[[], list[str]] = list,
                 text: list[str] = ()) -> tuple[str | None, str | None]:
    """Region and level from, in order: the dateline (在X第…届人民代表大会), the byline's
    place (X人民政府市长, X市长), X人民政府 / X政府工作报告 in the head or title, a place name
    the divisions list knows in the title, a place name opening the title (X2022年…), and
    last the government owning the site, named by the page's `site()` names (site_names():
    X人民政府门户网站 in the <title>) or in the footer (版权所有：X人民政府).  The site's
    owner is taken only at the level the page speaks for (own_level: 在县第…届, 全县, 我市):
    a province's site may carry a county's report, and with no level said, none is taken."""
    candidates: list[str | None] = []
    for line in head:
        m = _MEETING_RE.search(line)
        if m and m.group("region"):
            candidates.append(m.group("region"))
            break
    prefix = re.sub(r"(?:人民)?政府(?:办公室)?$|行政公署$", "", byline_prefix)
    candidates.append(prefix or None)
    for line in [*head, title]:
        m = _GOV_REGION_RE.search(line)
        if m:
            candidates.append(m.group("region"))
            break
    candidates.extend(divisions.find(title))
    m = _TITLE_PLACE_RE.match(title)
    candidates.append(m.group("region") if m else None)
    for candidate in candidates:
        if (found := _place(candidate)) is not None:
            return found
    owners = [m.group("region") for name in site() for seg in reversed(_TITLE_SPLIT_RE.split(name))
              if (m := _SITE_GOV_RE.match(_norm(seg)))]
    for line in reversed(footer):
        m = (_FOOTER_GOV_RE.search(line) or _FOOTER_OWNER_FIRST_RE.search(line)
             if len(line) <= 200 else None)
        owners.append(m.group("region") if m else None)
    places = [found for owner in owners if (found := _place(owner)) is not None]
    own = own_level(title, head, text) if places else None
    return next((found for found in places if own and found[0].endswith(own)), (None, None))


# How a page names its own government by level alone: 我代表市人民政府, 全县, 我区, 本市,
# 市政府召开….  The last character of a place's name says its level the same way (自治区:
# 全区, 北京市: 全市).
_OWN_LEVEL_RE = re.compile(
    r"(?:代表|我|全|本)(?P<a>[省市县区旗州盟])|(?:^|[^\u4e00-\u9fff])(?P<b>[省市县区旗州盟])(?:人民)?政府")
_OWN_LEVEL_CHARS = 200_000  # of the text: plenty of mentions long before, bounded time


def own_level(title: str, head: list[str], text: list[str] = ()) -> str | None:
    """The level word the page uses for its own government: a bare dateline's (在县第…届),
    else the one its title and text use most (全县, 我县, 代表县人民政府); None if none."""
    for line in head:
        if m := _BARE_LEVEL_RE.search(line):
            return m.group("level")
    counts: dict[str, int] = {}
    seen = 0
    for line in [title, *text]:
        for m in _OWN_LEVEL_RE.finditer(line):
            word = m.group("a") or m.group("b")
            counts[word] = counts.get(word, 0) + 1
        seen += len(line)
        if seen > _OWN_LEVEL_CHARS:
            break
    return max(counts, key=counts.__getitem__) if counts else None


_SHORT_SESSION_LINE = 60
_TERM_MAX = 8  # 第 and a term's numerals before its 届: 第一百二十三


def _session(m: re.Match[str]) -> str:
    """A session by its full name (第十九届人民代表大会第三次会议), however the line shortens it."""
    return f"第{m['term']}届人民代表大会第{m['n']}次{m['whole'] or ''}会议"


def meeting(head: list[str]) -> tuple[str | None, str | None]:
    """(ISO meeting date, session) from the dateline of the report: the date on the session's
    line, or on the line just before or after it (在…会议上 / 2023年1月5日).  A line naming the
    session without a date (an editor's note: 1月12日，…第三次会议开幕) gives way to one
    further on that has it."""
    first = None
    for i, line in enumerate(head):
        # From just before the first 届: _SESSION_RE has no literal prefix to skip by.
        at = line.find("届")
        m = _SESSION_RE.search(line, max(0, at - _TERM_MAX)) if at >= 0 else None
        # The short name (九届人大六次会议) is also how prose mentions a session: only a
        # dateline-length line is taken to be the report's own.
        if not m or m["body"] == "人大" and len(line) > _SHORT_SESSION_LINE:
            continue
        date = parse_date(line)
        for j in (i + 1, i - 1):
            if date is None and 0 <= j < len(head) and len(head[j]) <= 30:
                date = parse_date(head[j])
        if date is not None:
            return date, _session(m)
        first = first or _session(m)
    if first:
        return None, first
    # A dateline with a date alone: （2023年1月10日） under the title.
    for line in head:
        if len(line) <= 20 and _DATE_ONLY_RE.match(line):
            return parse_date(line), None
    return None, None


def speaker(head: list[str], around: list[str] = (), page: list[str] = ()) -> tuple[str | None, str | None]:
    found = byline.find(head, list(around), list(page))
    return found.name, found.office


def title_year(title: str) -> int | None:
    """The one year a title names (2022年北票市政府工作报告), if it names exactly one."""
    years = {int(y) for y in _TITLE_YEAR_RE.findall(title.translate(_FULLWIDTH))}
    return years.pop() if len(years) == 1 else None


def year_reviewed(lines: list[str], year: int | None, meeting_date: str | None) -> int | None:
    for line in lines[:80]:
        # Both of _REVIEW_RE's forms hold 回顾 (which the translation leaves alone).
        if "回顾" not in line or len(line) > 60 and "回顾" not in line[:30]:
            continue
        m = _REVIEW_RE.search(line.translate(_FULLWIDTH))
        if m:
            return int(m.group(1) or m.group(2))
    if year and meeting_date:
        # Sessions held in November/December review the year that is ending.
        return year if int(meeting_date[5:7]) >= 11 else year - 1
    return None


# Dates Chinese government CMSs write into article URLs, and only those (a bare run of
# digits may be an id): TRS's /t20230118_123456.html, /2023-01/18/, Hanweb's /2023/1/18/.
_URL_DATE_RES = (
    re.compile(r"/t(\d{4})(\d{2})(\d{2})_\d+"),
    re.compile(r"/(\d{4})-(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/(\d{4})/(\d{1,2})/(\d{1,2})/"),
)


_DIGIT_RE = re.compile(r"\d")


def url_date(url: str) -> str | None:
    """The ISO date a page's URL path carries in one of the CMS shapes above, if it is a real
    calendar date in the years government sites have existed."""
    try:
        path = urlsplit(url).path if url else ""
    except ValueError:
        return None
    for pattern in _URL_DATE_RES:
        for m in pattern.finditer(path):
            y, mo, d = (int(g) for g in m.groups())
            if 1990 <= y <= 2100:
                try:
                    return datetime.date(y, mo, d).isoformat()
                except ValueError:
                    continue
    return None


# A date label alone in a table cell, its value in the next (发布日期 | 2023-01-31).
_CELL_LABEL_RE = re.compile(r"^(?:发布|发表|更新|成文)?(?:时间|日期)[:：]?$")
_CELL_LABEL_MAX = 12


def _with_cells_joined(lines: list[str]) -> list[str]:
    return [f"{_norm(line)}：{lines[i + 1]}"
            if len(line) <= _CELL_LABEL_MAX and ("日期" in line or "时间" in line)
            and i + 1 < len(lines) and _CELL_LABEL_RE.match(_norm(line).rstrip("：:")) else line
            for i, line in enumerate(lines)]


_LABEL_REACH = 64


def _labelled_date(lines: list[str]) -> str | None:
    # The date labelled 发布 (published) before one labelled 成文 (written) or 更新 (updated).
    first = None
    for line in _with_cells_joined(lines):
        # Every label of the line: 更新时间：… 发布时间：… may share one.  Each label's date
        # follows it closely: a bounded look keeps a line of a thousand labels linear.
        for m in _PUBLISHED_RE.finditer(line):
            if iso := iso_datetime(line[m.end() : m.end() + _LABEL_REACH]):
                if m.group().startswith(("发布", "发表")):
                    return iso
                first = first or iso
    if first:
        return first
    # Unlabelled info bars: "铁东区人民政府 2021-01-12 13:23 来源: 区政府办"
    for line in lines:
        if len(line) <= 80 and _INFO_BAR_RE.search(line) and (iso := iso_datetime(line)):
            return iso
    return None


def published(root: etree._Element, all_lines: list[str], below: list[str] = (),
              url: str = "") -> str | None:
    """The publication date: a page meta, an info bar at the top of the page (`all_lines`),
    one just below the article (`below`: （来源：… 发布日期：…） after its last paragraph),
    else the date the article's URL carries."""
    meta = meta_content(root, "PubDate", "publishdate", "pubdate", "article:published_time",
                        "firstpublishedtime", "publishtime")
    if meta and (iso := iso_datetime(meta)):
        return iso
    # Info bars are matched as simplified text without pinyin glosses (發(fā)布時間 → 发布时间).
    if iso := _labelled_date([for_matching(ln) for ln in all_lines]):
        return iso
    # Below the article only lines with a digit can hold a date: the rest need no conversion.
    if iso := _labelled_date([for_matching(ln) for ln in below if _DIGIT_RE.search(ln)]):
        return iso
    return url_date(url)


def source_site(url: str) -> str | None:
    try:
        return urlsplit(url).hostname or None
    except ValueError:
        return None


def describe(r: CleanResult, lines: list[str], before: list[str], page_lines: list[str],
             site: Callable[[], list[str]] = list) -> None:
    """Fill the metadata fields of a page's result from its title and text lines, the plain
    lines just above the article (`before`), every line of the page (`page_lines`) and the
    names the page gives its site (`site()`: site_names(), asked only if need be)."""
    # The dateline and speaker sit between the title and the 各位代表 salutation, or in their
    # own elements just above the article.
    r.title = first_line_title(r.title, lines)
    k = next((i for i, ln in enumerate(lines[:40]) if "各位代表" in ln), 12)
    head = [r.title, *lines[: k + 1], *before]
    found = byline.find(lines[: k + 1], before, page_lines, lines[-END_LINES:])
    r.speaker, r.office = found.name, found.office
    r.region, r.level = region_level(r.title, head, found.prefix, page_lines[-FOOTER_LINES:],
                                     site, lines)
    r.meeting_date, r.session = meeting([*before, *lines[: k + 1]])
    if r.session and r.meeting_date is None:
        # A date on a line of its own may have gone as page furniture: look at the page.
        date, session = meeting(page_lines[:120])
        r.meeting_date = date if session == r.session else None
    r.year = int(r.meeting_date[:4]) if r.meeting_date else title_year(r.title)
    r.year_reviewed = year_reviewed(lines, r.year, r.meeting_date)
    if r.year is None and r.year_reviewed:
        r.year = r.year_reviewed + 1
