"""Who delivered a report, and in what office: the byline in its real shapes.

Tried in order, on the lines between the title and the 各位代表 salutation (and the plain
lines just above the article, where many sites put the byline in its own element):

1. an office and a name: ``市长 张雪冬``, ``洮南市人民政府市长 高熙礼``, ``北京市市长 殷勇``,
   ``代区长 申洪业``, ``主席 …`` of an autonomous region, ``州长`` / ``盟长`` / ``旗长``;
   names may be spaced (``龚 正``) or ethnic names joined by a middle dot (``…·…``);
   also the name first with the office in brackets (``李某某（县长）``), a deputy's
   ``（受县长委托）`` after the name, the office alone on a line above the name, and a
   title block's label before it (``报告人：县长 某某``, ``报告人：某某``);
2. a bare name on its own line next to the dateline (never a lone office);
3. an office-and-name line closing the report (some sites sign it at the end:
   ``县人民政府县长 刘某``, nothing after it but perhaps its date);
4. a photo caption anywhere on the page: ``…市长王建华作政府工作报告。记者 李明 摄`` (the
   one reporting, never the photographer).
"""

from __future__ import annotations

import re
from typing import NamedTuple

_CJK = r"[\u4e00-\u9fff]"
_SP = r"[ \t\u3000\xa0]"
_DOTS = "·•‧・∙⋅"
# A Han name of 2-4 characters, possibly spaced out; or an ethnic name of dotted parts.
_DOTTED = rf"{_CJK}{{1,8}}(?:{_SP}*[{_DOTS}.．]{_SP}*{_CJK}{{1,10}}){{1,2}}"
NAME = rf"{_DOTTED}|{_CJK}(?:{_SP}{{0,3}}{_CJK}){{1,3}}"
# After an office a name may also be a long unspaced one (Mongolian names: 乌云毕力格).
OFFICE_NAME = rf"{_DOTTED}|{_CJK}{{5,6}}|{_CJK}(?:{_SP}{{0,3}}{_CJK}){{1,3}}"
OFFICE = r"(?:代理|代|副)?(?:[省市县区旗州盟乡镇]长|主席|专员)"
# What may stand before the office: nothing, a government (…人民政府), a place name, or
# other posts held (市委副书记、市长).
_PREFIX = r"(?:[\u4e00-\u9fff、]{0,20}?(?:人民政府|政府|行政公署|行署|省|市|县|区|旗|州|盟|乡|镇|、))?"
# A deputy delivering the report for the head: 副县长 某某（受县长委托）.
_ENTRUSTED = rf"(?:{_SP}*[（(]受[^（()）]{{0,16}}委托[）)])"
# A title block may label the byline: 报告人：县长 某某.
_LABEL = rf"(?:报告人{_SP}*[:：]{_SP}*)?"
_BYLINE_RE = re.compile(
    rf"^[（(【\[—\-－\s]*{_LABEL}(?P<prefix>{_PREFIX}){_SP}*(?P<office>{OFFICE}){_SP}*[:：]?{_SP}*"
    rf"(?P<name>{OFFICE_NAME}){_SP}*[）)】\]]?{_ENTRUSTED}?$"
)
# The name first, the office after it in brackets: 李某某（县长）.
_NAME_OFFICE_RE = re.compile(
    rf"^[（(—\-－\s]*(?P<name>{NAME}){_SP}*[（(](?P<prefix>{_PREFIX})(?P<office>{OFFICE})[）)]$"
)
# An office on a line of its own, the name on the next (<p>县长<br>某某</p>).
_OFFICE_ONLY_RE = re.compile(rf"^[（(—\-－\s]*(?P<prefix>{_PREFIX}){_SP}*(?P<office>{OFFICE}){_SP}*[:：]?$")
_BARE_RE = re.compile(rf"^[（(—\-－\s]*(?P<name>{NAME}){_SP}*[）)]?$")
# The label and a name without an office: 报告人：某某.
_REPORTER_RE = re.compile(rf"^[（(【\[\s]*报告人{_SP}*[:：]{_SP}*(?P<name>{NAME}){_SP}*[）)】\]]?$")
# Words a two-to-four character line is more likely to be than a name.
_NOT_NAME_RE = re.compile(
    r"代表|报告|政府|会议|人民|工作|目录|前言|附件|注释|说明|回顾|附录|全文|正文|摘要|下载|打印|关闭"
    r"|草案|书面|稿|节选|摘登|实录|图文|视频|音频|字号"
    r"|[一二三四五六七八九十]、|^(?:各位|同志|朋友)"
)
_CAPTION_RE = re.compile(
    rf"(?P<office>{OFFICE}){_SP}*(?P<name>{NAME}?){_SP}*"
    r"(?=在[^。]{0,40}?(?:作|做)[^。]{0,6}?报告|代表[^。]{0,12}?政府|(?:作|做)[^。]{0,6}?工作报告"
    r"|向大会(?:作|做)?报告)"
)
_PHOTO_RE = re.compile(r"摄|记者|图片|图为|供图|照片")
_DATELINE_RE = re.compile(r"人民代表大会|\d{4}\s*年\s*\d{1,2}\s*月")
# A date alone, as under a signature: 2023年1月9日, （二〇二三年一月九日）.
_DATE_ONLY_RE = re.compile(r"^[\s（(]*[\d〇零○Ｏ一二三四五六七八九十]{4}\s*年[\d〇零一二三四五六七八九十\s]{1,3}月"
                           r"[\d〇零一二三四五六七八九十\s]{1,3}日[\s）)]*$")


class Byline(NamedTuple):
    name: str | None
    office: str | None
    prefix: str = ""  # what stood before the office: a place, 某某人民政府


def clean_name(name: str) -> str:
    name = re.sub(rf"{_SP}+", "", name)
    return re.sub(rf"[{_DOTS}.．]", "·", name)


def office_line(line: str) -> Byline | None:
    """An office-and-name byline, if the line is one."""
    line = line.strip()
    if len(line) > 48:
        return None
    m = _BYLINE_RE.match(line) or _NAME_OFFICE_RE.match(line)
    if not m:
        return None
    return Byline(clean_name(m.group("name")), m.group("office"), m.group("prefix"))


def split_line(office: str, name: str) -> Byline | None:
    """An office alone on one line and a bare name on the next."""
    if len(office) > 40 or len(name) > 20:
        return None
    m = _OFFICE_ONLY_RE.match(office.strip())
    if m is None:
        return None
    n = _BARE_RE.match(name.strip())
    if n is None or _NOT_NAME_RE.search(name) or _OFFICE_ONLY_RE.match(name.strip()):
        return None
    return Byline(clean_name(n.group("name")), m.group("office"), m.group("prefix"))


def bare_name(lines: list[str]) -> str | None:
    """A line holding only a name, next to the dateline (just after it, or just before)."""
    for i, line in enumerate(lines):
        if not _DATELINE_RE.search(line) or len(line) > 80:
            continue
        for j in (i + 1, i - 1):
            if not 0 <= j < len(lines):
                continue
            cand = lines[j].strip()
            m = _BARE_RE.match(cand)
            if m and not _NOT_NAME_RE.search(cand) and not _OFFICE_ONLY_RE.match(cand):
                return clean_name(m.group("name"))
    return None


def from_caption(lines: list[str]) -> Byline | None:
    """The reporter named in a photo caption: 市长王建华作政府工作报告。 记者 李明 摄."""
    for line in lines:
        if len(line) > 200 or "报告" not in line or not _PHOTO_RE.search(line):
            continue
        m = _CAPTION_RE.search(line)
        if m and m.group("name"):
            return Byline(clean_name(m.group("name")), m.group("office"))
    return None


def find(head: list[str], around: list[str] = (), page: list[str] = (),
         end: list[str] = ()) -> Byline:
    """The byline from the head of the text, the lines just above it, the report's last
    lines (`end`) or the page."""
    lines = [*around, *head]
    for i, line in enumerate(lines):
        # The byline may end the dateline's own line: （…会议上  北京市市长 殷勇）.
        _, said, rest = line.partition("会议上")
        if (found := office_line(line)) is not None or (
                said and (found := office_line(rest.strip(" \u3000）)"))) is not None) or (
                i + 1 < len(lines) and (found := split_line(line, lines[i + 1])) is not None):
            return found
    name = next((clean_name(m.group("name")) for line in lines
                 if (m := _REPORTER_RE.match(line.strip())) and not _NOT_NAME_RE.search(m.group("name"))),
                None) or bare_name([*around, *head])
    if name:
        return Byline(name, None)
    for line in reversed(end):
        if (found := office_line(line)) is not None:
            return found
        if not _DATE_ONLY_RE.match(line):  # only the signature's date may follow it
            break
    return from_caption(list(page)) or Byline(None, None)
