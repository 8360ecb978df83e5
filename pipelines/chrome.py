"""Line patterns for page chrome around an article (part of the main-text stage).

Only applied at the edges of the chosen container, so a report sentence that happens to
mention 来源 or 版权 in its middle is never touched.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")
# Pinyin glosses a broken converter inserts after characters: 發(fā)布
_PINYIN_RE = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{1,7}[)）]")

# Labels that introduce page metadata, tools, or footers.  Matched near the line start or
# as a whole short line.
_CHROME_RE = re.compile(
    r"(发布时间|发布日期|发文日期|发布机构|成文日期|更新时间|信息来源|文章来源|来源\s*[:：]|作者\s*[:：]"
    r"|字号|字体\s*[:：]|浏览次数|阅读次数|访问次数|点击(?:数|量|次数|率)|阅读量|浏览量"
    r"|打印本页|打印此页|关闭窗口|关闭本页|分享到|分享至|扫一扫|微信扫|当前位置|您的位置|您现在的位置|所在位置"
    r"|上一篇|下一篇|上一条|下一条|ICP\s*备|ICP\s*证|公网安备|网站标识码|网站识别码|政府网站标识"
    r"|版权所有|版权公告|版权声明|Copyright|All Rights Reserved|Powered by|技术支持\s*[:：]"
    r"|推荐访问|相关推荐|相关阅读|相关链接|相关文章|热门文章|猜你喜欢|小编|供大家参考|仅供参考|免责声明"
    r"|责任编辑|编辑\s*[:：]|审核\s*[:：]|校对\s*[:：]|主办单位|承办单位|联系电话\s*[:：]|网站地图|联系我们"
    r"|返回顶部|收藏本页|加入收藏|设为首页|我要纠错|\[纠错\]|【纠错】|本文链接|原文链接|转载请注明"
    r"|索引号\s*[:：]|文\s*号\s*[:：]|主题分类|下载本文|word版|本网站|本站)",
    re.IGNORECASE,
)
_DATE_ONLY_RE = re.compile(
    r"^[\s\[【(（]*(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?[\]】)）]*$"
)
_SIZE_BUTTONS_RE = re.compile(r"^[-•·\s]*(?:[大中小]|[【\[]?[大中小][】\]]?(?:\s*[大中小])*)$")
_LONG_CHROME_MAX = 160  # content-farm intros and copyright lines can be this long


@lru_cache(maxsize=4096)
def for_matching(line: str) -> str:
    """Simplified script without pinyin glosses, so patterns see pages as served in any form."""
    return _T2S.convert(_PINYIN_RE.sub("", line))


# Words of page tool bars; a line made only of them is a tool bar (打印 关闭, 字体：大 中 小).
_TOOL_WORDS = frozenset(
    ["打印", "关闭", "收藏", "分享", "放大", "正常", "缩小", "字体", "字号", "大", "中", "小", "默认", "返回", "顶部", "纠错", "评论", "转发", "复制", "链接", "微信", "微博", "QQ空间", "QQ", "朋友圈", "【", "】", "[", "]", "保存", "下载", "字", "号", "视力保护色", "繁体", "简体", "无障碍", "阅读"]
)
_TOKEN_SPLIT_RE = re.compile(r"[\s|｜:：·•/【】\[\]()（）]+")


def is_chrome(line: str) -> bool:
    """A line that is page furniture, judged on its own."""
    if len(line) > _LONG_CHROME_MAX:
        return False
    line = for_matching(line)
    if _DATE_ONLY_RE.match(line) or _SIZE_BUTTONS_RE.match(line):
        return True
    tokens = [t for t in _TOKEN_SPLIT_RE.split(line) if t]
    if tokens and len(tokens) <= 12 and all(t in _TOOL_WORDS for t in tokens):
        return True
    if len(line) <= 12 and line.startswith("分享"):
        return True
    return bool(_CHROME_RE.search(line))


def is_edge_junk(line: str) -> bool:
    """Stray fragments that only make sense as chrome at an article edge: bullets, dashes."""
    bare = line.strip(" -•·|>»›/\\_=*")
    return len(bare) <= 1 and not bare.isalnum() or bare in {"", "TOP", "top"}
