"""Words that name page furniture, and the line shapes in which they are furniture.

A site's chrome speaks of itself in a few words (来源, 本站, 联系我们, 浏览量, 仅供参考), and
a report uses many of them in its own sentences (数据仅供参考的统计口径, 群众联系我们政府的
渠道, 中华老字号, 网络点击量突破1亿次).  So most of them are chrome only where a CMS sets
them: as a label opening the line (来源：…, 相关链接, 上一篇：…), or as a piece standing between
separators in a line that holds no sentence (2023-01-17 来源：县政府办, 网站声明 | 联系我们).
A few marks no report sentence holds (ICP备, 版权所有, 打印本页, 小编) are chrome anywhere.
Lines are given in simplified script without pinyin glosses (chrome.for_matching).
"""

from __future__ import annotations

import re

# Marks of furniture wherever they stand in a short line.
_MARKS = (
    r"ICP\s*[备证]|公网安备|网站(?:标识|识别)码?|[Cc]opyright|COPYRIGHT|[Aa]ll [Rr]ights [Rr]eserved"
    r"|ALL RIGHTS RESERVED|[Pp]owered [Bb]y|POWERED BY"
    r"|版权(?:所有|公告|声明)|免责声明|打印[本此]页|关闭(?:窗口|本页)|返回顶部|收藏本页|加入收藏"
    r"|设为首页|我要纠错|[\[【]纠错[\]】]|(?:本文|原文)链接|转载请注明|网站地图|小编|猜你喜欢"
    r"|供大家参考|您(?:现在|当前)?(?:所在)?的?位置|下载本文|[Ww][Oo][Rr][Dd]版|搜索?本站|站内搜索"
    r"|(?:打开|阅读|浏览|查看)(?:当前|本)(?:页|文)"
    # A visitor counter and a browser advice: 您是本站第 37162 位访客 1366×768分辨率
    # (each branch opens on a literal character: the engine skips lines without it)
    r"|第\s*\d+\s*位访(?:客|问者)|分辨率(?<=\d分辨率)|像素(?<=\d像素)|分辨率\s*\d{3,4}\s*[×xX*]"
)
# Case is spelled out where it can matter: an ignore-case flag costs every line.
_MARK_RE = re.compile(_MARKS)
# Labels: furniture only in a label's or a piece's place (module docstring).
_LABELS = (
    r"(?:发布|更新|发文|成文)(?:时间|日期)|发布机构|(?:信息|文章|稿件|新闻|图片|图文|视频)?来源|作者|字[号体]"
    r"|(?:浏览|阅读|访问)(?:次数|量)|点击(?:数|量|次数|率)|(?:微信|手机)?扫一扫|(?:当前|所在)位置"
    r"|[上下]一[篇条]|相关(?:推荐|阅读|链接|文章)|热门文章|推荐访问|仅供参考"
    r"|责任编辑|编辑|审核|校对|(?:主办|承办)单位|联系电话|联系我们|技术支持|索\s*引\s*号|文\s*号"
    r"|主题分类|本网站|本站|分享[到至]|手机版|电脑版"
)
_CJK = r"\u4e00-\u9fff"
SENTENCE_MARKS = "。，、；！？"
# A label opening the line, its word ending there (来源：, 相关链接, 分享到X, not 本站点).
_LABEL_OPENS_RE = re.compile(
    rf"^[\s(（【\[<《•·|｜\-—]*(?:{_LABELS})(?![{_CJK}{SENTENCE_MARKS}])")
# A label standing as a piece of its own: no word of a sentence touching it on either side.
_LABEL_PIECE_RE = re.compile(rf"(?<![{_CJK}])(?:{_LABELS})(?![{_CJK}])")
# A page's counter as a piece of its own: 阅读 2315, 点击：862, 浏览：526次.
_COUNT_RE = re.compile(
    rf"(?<![{_CJK}])(?:阅读|浏览|点击|访问)(?:次数|量|数)?\s*[:：]?\s*\d[\d,]*\s*次?(?![\d{_CJK}])")
# An empty field: a label and its colon alone (资料来源：, 发布机构：), the value left blank.
_EMPTY_FIELD_RE = re.compile(rf"^[{_CJK}]{{0,4}}(?:{_LABELS})\s*[:：]\s*$")
# Words of a site speaking of itself, or to its reader: two of them make a disclaimer
# (本站信息仅供参考，如有疑问请联系我们; 如果您有任何意见或建议，请联系我们！).
_SELF_RE = re.compile(r"本网?站|仅供参考|联系我们|如有侵权|您")


def has_chrome_words(line: str) -> bool:
    """Whether `line` (in matching form) holds a chrome word in a place chrome puts it."""
    if _MARK_RE.search(line) or _LABEL_OPENS_RE.match(line) or _EMPTY_FIELD_RE.match(line):
        return True
    if len(set(_SELF_RE.findall(line))) >= 2:
        return True
    return not any(m in line for m in SENTENCE_MARKS) and bool(
        _LABEL_PIECE_RE.search(line) or _COUNT_RE.search(line))
