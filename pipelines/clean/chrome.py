"""Line patterns for page chrome around an article (part of the main-text stage).

`is_chrome` is applied at the edges of the chosen container, `inner_chrome` anywhere in it;
both judge a line by its shape, and chrome words count only where a CMS sets them
(chrome_words), so a report sentence holding 来源, 本站 or 仅供参考 is never touched.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

from pipelines.clean.chrome_words import SENTENCE_MARKS, has_chrome_words
from pipelines.clean.memo import Memo

_T2S = opencc.OpenCC("t2s")
# Pinyin glosses a broken converter inserts after characters: 發(fā)布
_PINYIN_RE = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}[)）]")

# Items of a pager (第1页 共3页 上一页 1 2 下一页 尾页) or of a site's service bar (政府网站找错
# 适老化及无障碍服务).  Report prose uses these words too (公共设施适老化改造, 共5页的清单), so
# they are furniture only as a whole line: these items and separators, nothing else.
_BAR_ITEM_RE = re.compile(
    r"第\s*\d+\s*页|共\s*\d+\s*(?:页|条|篇)|[上下前后]一?页|首页|尾页|末页|跳转|转到|go"
    r"|(?:政府)?网站(?:找错|纠错)|我要找错|适老化(?:及无障碍)?(?:服务|模式|版|浏览)?"
    r"|无障碍(?:浏览|服务|阅读|模式)?|长者模式|关怀(?:版|模式)|手机版|繁体版|简体版",
    re.IGNORECASE,
)
_BAR_SEPARATORS = " \t\u3000\xa00123456789|｜/,，.…·•<>«»‹›[]【】()（）-_=:："
_DATE_ONLY_RE = re.compile(
    r"^[\s\[【(（]*(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?[\]】)）]*$"
)
# A numeric date (and time) opening a short line of no sentence: a mobile page's meta line
# (2024-01-18 09:12 县政府办, or without the year: 01-18 09:12 县政府办).  A report dates
# itself in 年月日 and in a clause (…在…会议上).
_DATED_INFO_RE = re.compile(
    r"^[\s\[【(（]*(?:\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}[-/]\d{1,2}\s+\d{1,2}:\d{2})[\]】)）]*\s+[^。，、；！？]{1,24}$"
)
_SIZE_BUTTONS_RE = re.compile(r"^[-•·\s]*(?:[大中小]|[【\[]?[大中小][】\]]?(?:\s*[大中小])*)$")
_LONG_CHROME_MAX = 160  # content-farm intros and copyright lines can be this long


def _for_matching(line: str) -> str:
    """Simplified script without pinyin glosses, so patterns see pages as served in any form."""
    return _T2S.convert(_PINYIN_RE.sub("", line))


# Bounded by the characters it holds, not by entries: metadata asks it about every line of a
# page, and a page of long paragraphs would otherwise keep megabytes per entry.
for_matching = Memo(_for_matching)


# Words of page tool bars; a line made only of them is a tool bar (打印 关闭, 字体：大 中 小).
_TOOL_WORDS = frozenset(
    ["打印", "关闭", "收藏", "分享", "放大", "正常", "缩小", "字体", "字号", "大", "中", "小", "默认", "返回", "顶部", "纠错", "评论", "转发", "复制", "链接", "微信", "微博", "QQ空间", "QQ", "朋友圈", "【", "】", "[", "]", "保存", "下载", "字", "号", "视力保护色", "繁体", "简体", "无障碍", "阅读", "打印本页", "打印此页", "大字号", "中字号", "小字号",
     "关闭窗口", "关闭本页", "返回顶部", "我要纠错", "加入收藏", "分享到"]
)
_TOKEN_SPLIT_RE = re.compile(r"[\s|｜:：·•/【】\[\]()（）]+")


def is_chrome(line: str) -> bool:
    """A line that is page furniture, judged on its own."""
    return len(line) <= _LONG_CHROME_MAX and _is_chrome(line)


# Cached: a page asks about its lines several times, and a site repeats its furniture (and
# copies of one report their lines) on page after page.
@lru_cache(maxsize=4096)
def _is_chrome(line: str) -> bool:
    line = for_matching(line)
    if _DATE_ONLY_RE.match(line) or _SIZE_BUTTONS_RE.match(line) or _DATED_INFO_RE.match(line):
        return True
    tokens = [t for t in _TOKEN_SPLIT_RE.split(line) if t]
    if tokens and len(tokens) <= 12 and all(t in _TOOL_WORDS for t in tokens):
        return True
    if len(line) <= _QR_MAX and _QR_RE.search(line):
        return True
    # A share button's words (分享, 分享让更多人看到): short, no sentence of a report.
    if len(line) <= 12 and line.startswith("分享") and not any(m in line for m in SENTENCE_MARKS):
        return True
    return has_chrome_words(line) or _is_bar(line)


def _is_bar(line: str) -> bool:
    """A line of pager or service-bar items alone (see _BAR_ITEM_RE)."""
    rest, items = _BAR_ITEM_RE.subn("", line)
    return items > 0 and not rest.strip(_BAR_SEPARATORS)


# The site's name alone, as a logo's text: 某某县人民政府, 某某市人民政府门户网站.
_SITE_NAME_RE = re.compile(r"^[\u4e00-\u9fff]{1,14}(?:人民政府|政府)(?:门户网站?|网站|网|官网)?$")


def is_site_name(line: str) -> bool:
    """A line naming a government (its site) and nothing else."""
    return len(line) <= 24 and bool(_SITE_NAME_RE.match(line.replace(" ", "")))


# A report's name as a heading: short, no clause of a sentence, ending in 报告 (and perhaps a
# bracketed note or a year after it: （全文）, （2023年）).  The opening sentence of a report
# (现在，我代表市人民政府向大会报告工作，…) names it too, but as a clause, and a breadcrumb
# (首页 > 政务公开 > 政府工作报告) as its last link.
_REPORT_NAME_RE = re.compile(
    r"^[^。，,；;！!？?：:>＞»›→/|｜]{2,40}?报告(?:全文|摘要|摘登)?"
    r"(?:\s*[（(【\[][^（()）【】\[\]。，,]{1,12}[)）】\]]|\s*[-—]*\s*\d{4}\s*年?(?:度|版)?)?$"
)


# The report speaking, as no title does: 我代表…向大会报告.
_SPEECH_RE = re.compile(r"我代表|向(?:本次)?大会")


def is_report_name(line: str) -> bool:
    """A line that is a report's name, shaped as a heading (2024年某某县政府工作报告)."""
    return (len(line) <= 60 and bool(_REPORT_NAME_RE.match(line.strip()))
            and not _SPEECH_RE.search(line))


def is_date_only(line: str) -> bool:
    """A line holding a date (and time) alone, perhaps in brackets."""
    return bool(_DATE_ONLY_RE.match(line))


def is_edge_junk(line: str) -> bool:
    """Stray fragments that only make sense as chrome at an article edge: bullets, dashes."""
    bare = line.strip(" -•·|>»›/\\_=*")
    return len(bare) <= 1 and not bare.isalnum() or bare in {"", "TOP", "top"}


# --- Lines that are furniture wherever they sit in the container ------------------------
# A label and a colon opening a short line: the info bar (来源：X日报 时间：… 浏览次数：…),
# editor lines (（责任编辑：X） 编辑：X | 审核：Y), breadcrumbs.  A report line never opens so.
_FIELD_RE = re.compile(
    r"^[\s(（【\[]*(?:信息|文章|稿件|新闻)?(?:来源|出处|作者|撰稿|供稿"
    r"|记者|通讯员|摄影|图片|责任编辑|责编|编辑|编审|审核|审校|审稿|初审|复审|终审|校对|核稿|签发|监制"
    r"|(?:浏览|阅读|点击|访问)(?:次数|量|数|率)?|字体|字号"
    r"|(?:您(?:现在|当前)?(?:所在)?的?|(?:当前|现在)(?:所在)?的?|所在)位置"
    # The fields of a 政府信息公开 record above the document it lists.
    r"|信息名称|发文机关|发布机构|所属机构|公开方式|公开范围|公开时限|公开形式|公开类别|信息分类|体裁分类"
    r"|主题分类|组配分类|服务对象分类|内容概述|生成日期|成文日期|发文日期|发文字号|索\s*引\s*号"
    r"|有\s*效\s*性|主\s*题\s*词)\s*[:：]"
)
# A date label is furniture only with a timestamp after it (not 时间：1月8日至1月16日).
_DATE_FIELD_RE = re.compile(
    r"^[\s(（【\[]*(?:发布|更新|发表|发稿)?(?:时间|日期)\s*[:：]\s*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
    r"(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?(?![^\s]*[至到~])"
)
_FIELD_MAX = 80
# Photo captions: a byline ending in 摄 (本报记者 X 摄, （通讯员 X Y 摄）) or a line opening with 图为.
_CAPTION_RE = re.compile(
    r"(?:记者|通讯员|摄影|摄影师|供图|图/|图：)\s*[\u4e00-\u9fff·]{1,4}(?:\s+[\u4e00-\u9fff·]{1,4}){0,3}"
    r"\s*摄\s*[)）]?\s*$|[（(]\s*[\u4e00-\u9fff·]{1,4}(?:\s+[\u4e00-\u9fff·]{1,4}){0,2}\s*摄\s*[)）]\s*$"
    r"|^[\s▲△↑]*图为"
)
_CAPTION_MAX = 200
# A QR prompt opens with its verb (扫一扫在手机打开当前页, 手机扫码阅读) or ends on reading it on
# a phone; a report line mentioning 二维码 or 手机 (推行二维码管理。) is neither.
_QR_RE = re.compile(
    r"^[\s【\[]*(?:用?(?:微信|手机))?(?:扫一扫|扫描|扫码|二维码|手机版)|^[^。，、；！？]{0,6}二维码$"
    r"|(?<![\u4e00-\u9fff])手机版(?![\u4e00-\u9fff])"
    r"|在手机上?(?:打开|阅读|浏览|查看|继续阅读)(?:当前|本|此)?(?:页面?|文章?)?\s*[】\]]?$"
)
_QR_MAX = 30
_SHARE_RE = re.compile(r"^[\s【\[]*分享(?:到|至)?\s*(?:[:：]|$|微信|微博|朋友圈|QQ)")
# 首页 > 政务公开 > …: a short line of segments joined by arrows, opening at a home link.
_CRUMB_RE = re.compile(r"^(?:网站)?(?:首页|主页)\s*[>＞»›→/]")
# The heading of a related-items block: it and everything after it are not the report.
_RELATED_RE = re.compile(
    r"^[\s【\[]*(?:相关(?:报道|链接|阅读|新闻|文章|文件|稿件|信息|推荐|解读)|延伸阅读|推荐阅读|更多阅读"
    r"|热点推荐|往期回顾)[】\]]?\s*(?:$|[:：])"
)
_RELATED_MAX = 80  # the heading, perhaps with its first link on the same line
# An editor's note introducing the report (编者按：…全文如下：): the site's words, not the report's.
_NOTE_RE = re.compile(r"^[\s(（【\[]*(?:编者按语?|编者注|编者的话|编辑按|编按)\s*[)）】\]]?\s*[:：】\]]")
_NOTE_MAX = 600
# A news intro handing over to the report: …作政府工作报告。全文如下：
_INTRO_RE = re.compile(r"(?:全文如下|(?:刊发|刊登|发布|播发|摘登)如下|以下为(?:报告)?全文)\s*[:：]?\s*$")
_SENTENCE_RE = re.compile(r"[。；！？]")


def inner_chrome(line: str) -> str | None:
    """Why `line` is page furniture even in the middle of an article, or None.

    Judged by shape only: short, opening with a label and colon, a caption byline, a QR
    prompt, a breadcrumb, a tool bar; or an editor's note (编者按：…) of any length.  A report sentence (it has 。；！？) is never one,
    except a caption, which often is a sentence ending in its byline.
    """
    if len(line) > _CAPTION_MAX:
        # Only a note's opening is looked at: long report paragraphs pay no conversion.
        head = line[:16]
        note = len(line) <= _NOTE_MAX and ("编" in head or "編" in head) and bool(
            _NOTE_RE.match(for_matching(head)))
        return "editor's note" if note else None
    return _inner_chrome(line)


@lru_cache(maxsize=4096)
def _inner_chrome(line: str) -> str | None:
    s = for_matching(line).strip()
    if _NOTE_RE.match(s) or _INTRO_RE.search(s):
        return "editor's note"
    if _CAPTION_RE.search(s):
        return "caption"
    if len(s) > _FIELD_MAX or len(_SENTENCE_RE.findall(s)) > 1:
        return None
    if _FIELD_RE.match(s) or _DATE_FIELD_RE.match(s):
        return "field"
    if _CRUMB_RE.match(s):
        return "breadcrumb"
    if len(s) <= _QR_MAX and _QR_RE.search(s):
        return "qr"
    if len(s) <= _QR_MAX and _SHARE_RE.match(s):
        return "share"
    tokens = [t for t in _TOKEN_SPLIT_RE.split(s) if t]
    if tokens and len(tokens) <= 12 and all(t in _TOOL_WORDS for t in tokens):
        return "tools"
    return None


def is_related_heading(line: str) -> bool:
    return len(line) <= _RELATED_MAX and bool(_RELATED_RE.match(for_matching(line)))


# An attachments label (附件下载：, 相关附件：) whose list was taken out as links.
_ATTACHMENT_LABEL_RE = re.compile(r"^[\s【\[]*(?:相关|下载)?附件(?:下载|列表|清单)?[】\]]?\s*[:：]?\s*$")


def is_attachment_label(line: str) -> bool:
    """A line that is only an attachments label: chrome when nothing follows it."""
    return len(line) <= 12 and bool(_ATTACHMENT_LABEL_RE.match(for_matching(line)))


# A file name with its extension (and perhaps its size) ending a short line: an attachment's link.
_ATTACHMENT_FILE_RE = re.compile(
    r"\.(?:pdf|docx?|xlsx?|pptx?|wps|et|ofd|zip|rar|7z|txt)\s*(?:[(（\[【]\s*[\d.]+\s*[KMG]?B\s*[)）\]】])?$",
    re.IGNORECASE,
)
_ATTACHMENT_FILE_MAX = 100


def is_attachment_file(line: str) -> bool:
    """A line naming an attached file (2023年政府工作报告.pdf), no sentence of its own."""
    return (len(line) <= _ATTACHMENT_FILE_MAX and not _SENTENCE_RE.search(line)
            and bool(_ATTACHMENT_FILE_RE.search(line)))
