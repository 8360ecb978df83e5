"""Chrome words inside report sentences (仅供参考, 本站, 浏览量, 相关链接, 联系我们, …): a
report sentence holding one is report text, wherever it stands; the same word where a CMS
sets it (a label opening the line, a piece between separators, a footer mark) is chrome."""

from __future__ import annotations

import pytest

from pipelines.clean import chrome
from pipelines.clean.cleaner import clean

# Report prose (sentences and headings) holding a word site chrome uses too.
REPORT_LINES = [
    "注：本报告部分数据为初步统计数，仅供参考的统计口径以年度统计公报为准。",
    "以上预期目标仅供参考，具体以年度统计公报数据为准。",
    "本站点建成后，日处理污水能力达到2万吨，城区污水实现全收集全处理。",
    "新建高铁站房一座，本站年旅客发送量预计突破80万人次。",
    "（三）建立健全群众联系我们政府的长效机制",
    "畅通群众联系我们政府的渠道，12345热线办结率达到98%。",
    "政务新媒体阅读量突破1000万次，网络点击量同比增长30%。",
    "政府网站全年浏览次数达1200万次，浏览量同比增长15%。",
    "中华老字号企业新增3家，老字号品牌焕发新活力。",
    "作为主办单位，成功承办全省乡村振兴现场观摩会。",
    "拓宽信息来源渠道，完善项目资金来源保障机制。",
    "建立招商引资项目相关链接机制，形成上下游配套。",
    "开启高质量发展的下一篇章。",
    "为下一条生产线投产奠定坚实基础。",
    "严格落实编辑、审核、校对三审制度，确保政务公开信息准确。",
    "当前位置优势明显，交通区位条件持续改善",
    "群众扫一扫即可办理92项高频政务服务事项。",
    "全面推行二维码管理。",
    "推广微信扫码缴费，方便群众办事。",
    "分享经济快速发展。",
    "2024年1月8日在昌图县第十八届人民代表大会第四次会议上",
    "全年政府网站访问3000万次",
    "政务服务手机版全面上线",
    "推广微信扫码支付",
]

# Chrome as real CMS pages set it (tests/pages/templates, ../shared/corpus gov-pages).
CHROME_LINES = [
    "发布时间：2021-01-05 18:20 来源：北镇融媒",
    "2023年01月17日 来源：汶上县人民政府",
    "铁东区人民政府 2021-01-29 09:30 来源: 区政府办",
    "（图片来源：政府办公室 文字整理：融媒体中心）",
    "来源： 访问量：199 发布日期：2017-05-15 10:49:00",
    "【字体：大 中 小】 浏览次数：1234 日期：2021-01-08",
    "2024-01-25 阅读：1,203 【打印本页】",
    "主办单位：东平县人民政府办公室　承办：东平县大数据中心",
    "网站地图 | 联系我们",
    "关于我们| 网站声明| 网站地图| 联系我们",
    "联系我们",
    "相关链接",
    "相关链接：中国政府网 辽宁省人民政府 抚顺市人民政府",
    "上一篇：邹城市召开全市经济工作会议",
    "（责任编辑：周晓彤）",
    "编辑：刘洋 | 审核：陈静 | 校对：王丽",
    "仅供参考",
    "本站信息仅供参考，如有疑问请联系我们。",
    "您是本站第 37162 位访客 建议使用IE9以上浏览器，1366×768分辨率浏览",
    "您当前所在位置： 首页>政务公开>政府工作报告",
    "吉公網(wǎng)安備22088102000010 網(wǎng)站標識2208810008",
    "下面是小编为大家整理的2022年×市政府工作报告（全文），供大家参考。",
    "分享到X",
    "分享让更多人看到",
    "扫一扫在手机打开当前页",
    "01-18 县政府办 阅读 2315",
    "点击：862",
    "2024-01-18 09:12 建平县人民政府办公室",
    "2024/1/16 15:30 市政府办",
    "01-16 09:12 县政府办",
    "资料来源：",
    "如果您有任何意见或建议，请联系我们！",
    "搜本站",
    "微信扫一扫",
    "用微信扫描二维码",
    "微博二维码",
    "电脑版 | 手机版",
    "无障碍 长者模式 繁體版 English 手机版 登录 注册",
    "小字号",
]


@pytest.mark.parametrize("line", REPORT_LINES)
def test_a_report_line_holding_a_chrome_word_is_not_chrome(line: str) -> None:
    assert not chrome.is_chrome(line)
    assert chrome.inner_chrome(line) is None


@pytest.mark.parametrize("line", CHROME_LINES)
def test_a_chrome_word_where_a_cms_sets_it_is_chrome(line: str) -> None:
    assert chrome.is_chrome(line)


_PROSE = [
    f"过去一年，全县上下齐心协力，第{i}项重点任务按期完成，城乡居民收入稳步增长，"
    f"营商环境持续改善，人民群众获得感幸福感安全感进一步增强。"
    for i in range(1, 31)
]


def _page(lines: list[str]) -> bytes:
    body = "".join(f"<p>{x}</p>" for x in lines)
    return (
        "<html><head><meta charset='utf-8'><title>青岭县政府工作报告</title></head><body>"
        "<div class='crumb'>当前位置：<a href='/'>首页</a> &gt; <a href='/zwgk/'>政务公开</a></div>"
        "<div class='article'><div class='info'>发布时间：2024-01-20 来源：县政府办 浏览量：321</div>"
        f"{body}<div class='tools'>【打印本页】【关闭窗口】</div></div>"
        "<div class='foot'>网站地图 | 联系我们 版权所有：青岭县人民政府</div></body></html>"
    ).encode()


@pytest.mark.parametrize("line", REPORT_LINES)
def test_a_report_line_holding_a_chrome_word_stays_at_either_edge_and_inside(line: str) -> None:
    lines = [line, *_PROSE[:15], line, *_PROSE[15:], line]
    text = clean(_page(lines), "http://www.qingling.gov.cn/zwgk/a.html").text.split("\n")
    assert text == lines
