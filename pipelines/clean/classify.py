"""Is this page a government work report, whole or in part?  Is it a template copy?

A report is long, opens by addressing the deputies (各位代表), is delivered on behalf of a
government (代表…政府…报告工作 / 政府工作报告) and is not framed as a notice, news item,
draft for comment, infographic, interpretation or glossary page.  A fragment (one chapter
published on its own page, no dateline) is titled as a work report and written in a
report's own voice: chapter headings (and the first person where there is only one), no
reporter's third person.
"""

from __future__ import annotations

import math
import re

from pipelines.clean.memo import Memo

MIN_REPORT_CHARS = 1200  # below this it is a summary, news item or excerpt, not a report
FULL_REPORT_CHARS = 3000  # real reports run 8,000-30,000 characters
REPORT_SCORE = 4  # evidence points needed (see is_report)
FRAGMENT_MIN_CHARS = 800  # a chapter; below this, an intro page or a teaser
FRAGMENT_MIN_VOICE = 3  # first-person marks (我们, 我市, 各位代表 ...) a fragment needs

_ADDRESS_RE = re.compile(r"各位代表|各位人大代表")
_GOV_RE = re.compile(
    r"代表[^。，,]{0,12}?(?:人民)?政府[^。]{0,8}?(?:向大会|向本次大会)[^。]{0,4}?(?:报告|作)工作"
    r"|代表[^。，,]{0,12}?(?:人民)?政府[，,]?\s*向(?:本次)?大会报告"
)
_NOT_GOV_RE = re.compile(r"受[^。]{0,12}?(?:常务委员会|常委会|法院|检察院|政协)[^。]{0,6}?委托")
# The other reports of the same session share the report's shape (dateline, 各位代表): a
# title or heading naming another body's report, or the plan's or budget's, is not one.
_OTHER_REPORT_RE = re.compile(
    r"法院|检察院|常务委员会|常委会|政协|计划执行|计划草案|预算执行|预算草案|预算调整|决算"
)
# ... and neither is one delivered by another body's head (a court president, a committee
# chairman, a bureau chief).
_OTHER_SPEAKER_RE = re.compile(
    r"(?:法院|检察院|常务委员会|常委会|政协|局|发展和改革委员会|发改委)[^。，,]{0,8}?"
    r"(?:院长|检察长|主任|主席|局长)\s*[:：]?\s*[\u4e00-\u9fff]"
)
_HEADING_END_RE = re.compile(r"报告[\s（()）]*$")
# The dateline under the title: (2021年1月9日在铁东区第九届人民代表大会第六次会议上), or
# with the session's short name (在县十九届人大三次会议上).
_DATELINE_RE = re.compile(
    r"在[^。，]{0,20}?第?[^。，]{1,6}届(?:人民代表大会|人大)第?[^。，]{1,4}次(?:全体)?会议上")
_SPEAKER_RE = re.compile(r"(?:市|县|区|旗|州|省|盟)长\s*[\u4e00-\u9fff]{1}\s*[\u4e00-\u9fff]{1,2}\s*[)）]?$")
# Framing that makes a page *about* a report rather than the report itself.
_NOT_REPORT_TITLE_RE = re.compile(
    r"通知|公告|通告|征求意见|意见稿|讨论稿|图解|一图|图说|图读|读懂|解读|名词解释|新闻|发布会|答记者问"
    r"|审议|讨论|座谈|学习|心得|体会|热议|解码|关键词|要点|摘要|摘编|速览|划重点|亮点|视频|直播|数说|答问"
    r"|任务分解|分工|落实情况|决议|批复|目录|专题|专栏|列表|开幕|闭幕|召开|举行"
)
_NOT_CJK_RE = re.compile(r"[^\u4e00-\u9fff]+")

_REPORT_TITLE_RE = re.compile(r"政府工作报告|政府工作報告")
# The government speaking for itself, as a report does; news about a report says 报告指出.
_VOICE_RE = re.compile(r"我们|我[省市县区旗州盟]|各位代表|全[省市县区旗州盟][上下]?")
_THIRD_PERSON_RE = re.compile(r"报告(?:指出|提出|强调|显示|称|说|明确)|记者|据悉|会议(?:指出|强调|要求|听取)")
_CHAPTER_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+[章部分])")

# Placeholders standing for blanked numbers or names.  A × between two digits is a real
# multiplication (5×24小时, 2×35万千瓦) and does not count.
_PLACEHOLDER_RE = re.compile(
    r"(?<![0-9０-９])[×Ｘ╳]+(?![0-9０-９])|(?<![A-Za-z])(?:XX+|xx+)(?![A-Za-z])|[＊*]{2,}|[○〇]{2,}(?![年一二三四五六七八九])"
)
# Every placeholder begins with one of these: the search skips ahead to them.
_PLACEHOLDER_START_RE = re.compile(r"[×Ｘ╳Xx＊*○〇]")
TEMPLATE_MIN_PLACEHOLDERS = 5
TEMPLATE_PER_10K = 8.0  # placeholders per 10,000 characters


def cjk_len(text: str) -> int:
    return len(_NOT_CJK_RE.sub("", text))


# Lines repeat from copy to copy; a regex pass costs about as much as the whole judgement.
_cjk_line = Memo(cjk_len)


def _cjk_lines(lines: list[str]) -> int:
    """cjk_len of the lines joined by line breaks (no CJK character themselves)."""
    return sum(map(_cjk_line.__getitem__, lines))


def placeholders(text: str, enough: int | None = None) -> int:
    """How many placeholder runs `_PLACEHOLDER_RE.findall` finds (at most `enough`), trying
    only the places where one can begin."""
    n = pos = 0
    while n != enough and (start := _PLACEHOLDER_START_RE.search(text, pos)):
        if found := _PLACEHOLDER_RE.match(text, start.start()):
            n += 1
            pos = found.end()
        else:
            pos = start.start() + 1
    return n


def is_template(text: str) -> bool:
    """True when numbers/names were blanked to placeholder runs at a meaningful density."""
    # The verdict grows with the count: counting stops at the fewest that make a template
    # (a template page has hundreds, all but the first few not searched for).
    need = _fewest(max(len(text), 1))
    return placeholders(text, need) >= need


def _fewest(length: int) -> int:
    """The smallest count `n` with n >= TEMPLATE_MIN_PLACEHOLDERS and
    n * 10000 / length >= TEMPLATE_PER_10K, in the same float arithmetic."""
    n = max(TEMPLATE_MIN_PLACEHOLDERS, math.ceil(TEMPLATE_PER_10K * length / 10000))
    while n * 10000 / length < TEMPLATE_PER_10K:
        n += 1
    while n > TEMPLATE_MIN_PLACEHOLDERS and (n - 1) * 10000 / length >= TEMPLATE_PER_10K:
        n -= 1
    return n


def report_score(title: str, lines: list[str]) -> int:
    """Evidence points that the lines are a government work report (None-framed)."""
    text = "\n".join(lines)
    n = _cjk_lines(lines)
    if n < MIN_REPORT_CHARS or _NOT_REPORT_TITLE_RE.search(title.replace("政府工作报告", "")):
        return 0
    head = lines[:15]
    opening = "\n".join(lines[:25])
    if _NOT_GOV_RE.search(opening) or _other_report(title, head):
        return 0  # people's congress standing committee, court, procuratorate reports
    score = 0
    score += 2 if "政府工作报告" in title else 0
    score += 2 if any(len(ln) <= 80 and _DATELINE_RE.search(ln) for ln in head) else 0
    score += 2 if _GOV_RE.search(opening) else 0
    score += 1 if any(_ADDRESS_RE.match(ln) for ln in head) else 0
    score += 1 if len(_ADDRESS_RE.findall(text)) >= 2 else 0
    score += 1 if any(len(ln) <= 40 and _SPEAKER_RE.search(ln) for ln in head) else 0
    score += 1 if n >= FULL_REPORT_CHARS else 0
    return score


def _names_other_report(heading: str) -> bool:
    return "政府工作报告" not in heading and bool(_OTHER_REPORT_RE.search(heading))


def _other_report(title: str, head: list[str]) -> bool:
    """Another report of the session: so titled, so headed above its salutation (the page
    title may be the site's name only), or delivered by another body's head."""
    if _names_other_report(title):
        return True
    for line in head:
        if _ADDRESS_RE.match(line):
            break
        if len(line) <= 60 and ((_HEADING_END_RE.search(line) and _names_other_report(line))
                                or (len(line) <= 40 and _OTHER_SPEAKER_RE.search(line))):
            return True
    return False


def is_report(title: str, lines: list[str]) -> bool:
    """A full report: long enough, not framed as something about a report, and carrying
    enough of the marks of one (title, dateline, 代表政府向大会报告工作, 各位代表, speaker)."""
    return report_score(title, lines) >= REPORT_SCORE


def is_report_title(title: str) -> bool:
    """Titled as a work report, and not as a page about one."""
    return bool(_REPORT_TITLE_RE.search(title)) and \
        not _NOT_REPORT_TITLE_RE.search(_REPORT_TITLE_RE.sub("", title))


def is_fragment(title: str, lines: list[str]) -> bool:
    """Part of a report on a page of its own: titled as a work report, long enough to be a
    chapter, with chapter headings, not in a reporter's voice, not framed as a page about
    a report."""
    if not is_report_title(title):
        return False
    text = "\n".join(lines)
    if _cjk_lines(lines) < FRAGMENT_MIN_CHARS or _NOT_GOV_RE.search(text[:3000]):
        return False
    if len(_THIRD_PERSON_RE.findall(text)) >= 2:
        return False
    # Plan chapters speak in imperatives (推进…, 完成…) rather than 我们: two chapter
    # headings are evidence enough, one needs the first person too.
    headings = sum(1 for ln in lines if len(ln) <= 60 and _CHAPTER_RE.match(ln))
    return headings >= 2 or (headings == 1 and len(_VOICE_RE.findall(text)) >= FRAGMENT_MIN_VOICE)


def opens_report(title: str, lines: list[str]) -> bool:
    """Titled as a work report and opening as one (dateline, 各位代表, 代表政府向大会报告):
    the first page of a report split over several, however short that page is."""
    if not is_report_title(title):
        return False
    head = lines[:15]
    return any(len(ln) <= 80 and _DATELINE_RE.search(ln) for ln in head) or \
        any(_ADDRESS_RE.match(ln) for ln in head) or bool(_GOV_RE.search("\n".join(lines[:25])))


def judge(title: str, lines: list[str]) -> tuple[bool, bool]:
    """(is a report, is only a fragment of one)."""
    if is_report(title, lines):
        return True, False
    fragment = is_fragment(title, lines)
    return fragment, fragment
