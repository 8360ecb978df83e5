"""More site templates (build.py writes them with the others): a byline block after the
article, a byline table of label and value cells (outside the article and inside it),
Founder CMS with a 2024/1/16 15:30 date and a WeChat share pop-up, a mobile (m.) page, a
政务公开 notice whose report is an attachment, a table of contents over the report, 名词解释
and a 仅供参考 note closing it (report text), the speaker labelled in the title block
(报告人：…).  Places are real; every person is invented."""

from __future__ import annotations

from tests.pages.templates.case import HEAD, Case, g

BYLINE_AFTER = HEAD + """<title>2024年昌图县政府工作报告_昌图县人民政府</title></head><body>
<div class="header"><div class="logo">昌图县人民政府</div><ul class="nav"><li><a>首页</a></li><li><a>走进昌图</a></li><li><a>政务公开</a></li><li><a>政务服务</a></li><li><a>互动交流</a></li></ul></div>
<div class="position">当前位置：<a>首页</a> &gt; <a>政务公开</a> &gt; <a>政府工作报告</a></div>
<div class="main"><h1 class="title">2024年昌图县政府工作报告</h1>
<div class="content" id="zoom">{p}</div>
<div class="article-info"><p>来源：昌图县人民政府办公室</p><p>发布时间：2024-01-16</p><p>作者：县政府研究室</p><p>责任编辑：刘雅楠</p><p>审核：赵振宇</p></div>
<div class="tools"><a>【打印】</a><a>【关闭】</a></div></div>
<div class="footer"><p>主办单位：昌图县人民政府办公室</p><p>网站标识码：2112240001　辽ICP备05008765号</p></div>
</body></html>"""


BYLINE_TABLE = HEAD + """<title>站前区2024年政府工作报告</title></head><body>
<div class="top"><span>营口市站前区人民政府</span> <a>设为首页</a> <a>加入收藏</a></div>
<div class="crumb">您所在的位置：<a>首页</a> » <a>信息公开</a> » <a>政府工作报告</a></div>
<table class="article" width="960"><tr><td class="art-title">站前区2024年政府工作报告</td></tr>
<tr><td><table class="byline" width="100%"><tr><th>来源：</th><td>区政府办公室</td><th>发布时间：</th><td>2024年01月16日</td><th>浏览次数：</th><td>1024</td><td>【<a>大</a> <a>中</a> <a>小</a>】</td></tr></table></td></tr>
<tr><td class="TRS_Editor">{p}</td></tr>
<tr><td align="right"><a>【打印此页】</a> <a>【关闭窗口】</a></td></tr></table>
<div class="foot">版权所有：营口市站前区人民政府　辽ICP备05001234号　辽公网安备21080202000123号</div>
</body></html>"""


FOUNDER_SHARE_POPUP = HEAD + """<title>凌源市2024年政府工作报告--凌源市人民政府</title></head><body>
<div class="hd"><div class="logo"><img src="/logo.png" alt="凌源市人民政府"></div><div class="sch">站内搜索 <input type="text"> <button>搜索</button></div></div>
<div class="nav"><a>首页</a> <a>政务公开</a> <a>办事服务</a> <a>政民互动</a> <a>走进凌源</a></div>
<div class="cnt"><div class="tit"><h2>凌源市2024年政府工作报告</h2>
<p class="sub"><span>2024/1/16 15:30</span>　<span>来源：凌源市人民政府办公室</span>　<span>【字体：<a>大</a> <a>中</a> <a>小</a>】</span></p></div>
<div class="txt" id="ozoom"><founder-content>{p}</founder-content></div>
<div class="share"><span>分享：</span><a class="wx">微信</a><a class="wb">微博</a><a class="qq">QQ</a>
<div class="wx-pop"><img src="/qr.png"><p>用微信扫描二维码<br>分享至好友和朋友圈</p></div></div></div>
<div class="ft"><p>凌源市人民政府办公室 主办　凌源市融媒体中心 承办</p><p>政府网站标识码：2113820001　辽ICP备12003456号-1</p></div>
</body></html>"""


MOBILE = HEAD + """<meta name="viewport" content="width=device-width, initial-scale=1">
<title>建平县政府工作报告</title></head><body>
<header class="bar"><a class="back" href="javascript:history.back()">返回</a><span class="col">政府工作报告</span><a class="home" href="/">首页</a></header>
<section class="detail"><h1>2024年建平县政府工作报告</h1>
<div class="meta"><span>2024-01-18 09:12</span> <span>建平县人民政府办公室</span></div>
<article class="body">{p}</article></section>
<div class="m-share"><span>阅读 2315</span> 分享到 <a>微信</a> <a>朋友圈</a> <a>微博</a></div>
<footer class="tabbar"><a>首页</a><a>政务</a><a>服务</a><a>互动</a></footer>
<div class="m-foot"><a>电脑版</a> | <span>手机版</span><p>建平县人民政府 版权所有</p></div>
</body></html>"""


ATTACHMENT_NOTICE = HEAD + """<title>2024年绥中县政府工作报告_绥中县人民政府</title></head><body>
<div class="crumb">当前位置：<a>首页</a> &gt; <a>政府信息公开</a> &gt; <a>法定主动公开内容</a> &gt; <a>政府工作报告</a></div>
<table class="xxgk"><tr><td>索引号：</td><td>112114210011234567/2024-00012</td><td>发布机构：</td><td>绥中县人民政府办公室</td></tr>
<tr><td>名称：</td><td colspan="3">2024年绥中县政府工作报告</td></tr>
<tr><td>发文日期：</td><td>2024-01-19</td><td>主题分类：</td><td>综合政务</td></tr></table>
<div class="zw-title">2024年绥中县政府工作报告</div>
<div class="zw">{p}
<div class="attach"><p>附件：</p><p><a href="/u/2024zfgzbg.pdf">2024年绥中县政府工作报告.pdf</a></p></div></div>
<div class="foot">主办单位：绥中县人民政府办公室　网站标识码：2114210001</div>
</body></html>"""


TABLE_OF_CONTENTS = HEAD + """<title>2024年大石桥市政府工作报告 - 大石桥市人民政府</title></head><body>
<div class="nav"><a>首页</a> <a>政务公开</a> <a>政务服务</a></div>
<div class="wz">当前位置：首页 &gt; 政务公开 &gt; 政府工作报告</div>
<div class="article"><h1>2024年大石桥市政府工作报告</h1>
<div class="info">发布日期：2024-01-12　信息来源：大石桥市人民政府办公室</div>
<div class="article-body">
<div class="toc"><p class="toc-title">目　录</p><ul>{toc}</ul></div>
{p}</div></div>
<div class="foot">版权所有：大石桥市人民政府　辽ICP备05002468号</div>
</body></html>"""


GLOSSARY_AT_END = HEAD + """<title>政府工作报告_白塔区人民政府</title></head><body>
<div class="top">辽阳市白塔区人民政府　<a>无障碍</a>　<a>长者模式</a></div>
<div class="crumb">首页 &gt; 政务公开 &gt; 政府工作报告</div>
<div class="con"><h1>政府工作报告</h1>
<div class="attr">发布时间：2024-01-17 14:20　来源：区政府办　【字体：<a>大</a> <a>中</a> <a>小</a>】</div>
<div class="text">{p}</div>
<div class="bot"><a>【打印】</a> <a>【关闭】</a></div></div>
<div class="relate"><h3>相关文章</h3><ul><li><a>白塔区2023年政府工作报告</a></li><li><a>白塔区2022年政府工作报告</a></li><li><a>白塔区2021年政府工作报告</a></li><li><a>白塔区2020年政府工作报告</a></li></ul></div>
<div class="foot">主办：辽阳市白塔区人民政府办公室　网站标识码：2110020001　辽ICP备05003579号</div>
</body></html>"""

BYLINE_CELLS_INSIDE = HEAD + """<title>2024年铁岭县政府工作报告_铁岭县人民政府</title></head><body>
<div class="nav"><a>首页</a> <a>政务公开</a> <a>政务服务</a></div>
<div class="content"><h1>2024年铁岭县政府工作报告</h1>
{p}
<table class="info"><tr><td>发布时间：</td><td>2024年01月16日</td><td>来源：</td><td>县政府办公室</td></tr>
<tr><td>作者：</td><td>县政府研究室</td><td>责任编辑：</td><td>高明远</td></tr></table>
</div>
<div class="foot">版权所有：铁岭县人民政府　辽ICP备05004444号</div>
</body></html>"""

_KANGPING_DATELINE = "——2024年1月8日在康平县第十八届人民代表大会第四次会议上"
_KANGPING_SPEAKER = "报告人：康平县人民政府县长　王海波"

SPEAKER_IN_TITLE_BLOCK = HEAD + f"""<title>康平县2024年政府工作报告-康平县人民政府</title></head><body>
<div class="nav"><a>首页</a> <a>政务公开</a> <a>互动交流</a></div>
<div class="loc">您现在的位置：首页 &gt; 政务公开 &gt; 政府工作报告</div>
<div class="article">
<div class="title-block"><h1>康平县2024年政府工作报告</h1>
<p class="subtitle">{_KANGPING_DATELINE}</p>
<p class="author">{_KANGPING_SPEAKER}</p></div>
<div class="info"><span>2024年01月22日</span> <span>来源：县政府办</span> <span>点击：<em>862</em></span></div>
<div class="article-content">{{p}}</div>
</div>
<div class="foot">康平县人民政府 版权所有　辽ICP备05001357号</div>
</body></html>"""

# Notes on the report's own terms: report text, however much they look like footnotes.
_GLOSSARY = [
    "附：名词解释",
    "1.“两区”：指粮食生产功能区和重要农产品生产保护区。",
    "2.“三变”改革：指资源变资产、资金变股金、农民变股东的农村集体产权制度改革。",
    "3.“林长制”：由各级党政主要负责同志担任林长，负责相应区域森林资源保护发展的制度。",
    "4.“四好农村路”：指把农村公路建好、管好、护好、运营好。",
    "5.“门前五包”：指临街单位和商户对门前区域的卫生、秩序、绿化、设施、市容负责。",
    "注：文中部分数据为快报数，仅供参考，最终以统计年鉴为准。",
]


def _salute(place: str) -> list[str]:
    return ["各位代表：", f"现在，我代表{place}人民政府向大会报告工作，请予审议，并请政协委员和其他列席人员提出意见。"]


CASES = [
    Case("byline_block_after_the_article", "http://www.changtu.gov.cn/art/2024/1/15/art_1501_20.html", "昌图县",
         ["——2024年1月8日在昌图县第十八届人民代表大会第四次会议上", "县长 韩东升", *_salute("昌图县")],
         BYLINE_AFTER,
         g("2024年昌图县政府工作报告", "昌图县", "县", 2024, "韩东升", "县长", "2024-01-08", "2024-01-16"),
         ["来源：", "发布时间", "作者：", "责任编辑", "审核：", "打印", "主办单位", "网站标识码", "当前位置",
          "走进昌图"], count=40),
    Case("byline_in_a_table_cn_date", "http://www.zqq.gov.cn/zwgk/zfgzbg/202401/t20240115_1234.html", "站前区",
         ["——2024年1月10日在营口市站前区第十七届人民代表大会第四次会议上", "区长 孟凡超", *_salute("站前区")],
         BYLINE_TABLE,
         g("站前区2024年政府工作报告", "站前区", "区", 2024, "孟凡超", "区长", "2024-01-10", "2024-01-16"),
         ["来源：", "区政府办公室", "发布时间", "2024年01月16日", "浏览次数", "打印此页", "关闭窗口", "版权所有",
          "公网安备", "设为首页", "所在的位置"], start=20, count=40),
    Case("founder_slash_datetime_share_popup", "http://www.lingyuan.gov.cn/content/2024-01/16/content_88.html",
         "凌源市", ["——2024年1月12日在凌源市第十八届人民代表大会第四次会议上", "凌源市人民政府市长 杜志刚",
                *_salute("凌源市")],
         FOUNDER_SHARE_POPUP,
         g("凌源市2024年政府工作报告", "凌源市", "市", 2024, "杜志刚", "市长", "2024-01-12", "2024-01-16T15:30:00"),
         ["2024/1/16", "来源：", "字体", "分享", "微信", "扫描二维码", "朋友圈", "主办", "网站标识码", "搜索"],
         seed="000", start=0, count=19),
    Case("mobile_page", "http://m.jianping.gov.cn/zwgk/zfgzbg/202401/t20240118_5.html", "建平县",
         ["——2024年1月9日在建平县第十八届人民代表大会第四次会议上", "县长 马建军", *_salute("建平县")],
         MOBILE,
         g("2024年建平县政府工作报告", "建平县", "县", 2024, "马建军", "县长", "2024-01-09", "2024-01-18T09:12:00"),
         ["返回", "2024-01-18", "人民政府办公室", "阅读 2315", "分享到", "朋友圈", "电脑版", "手机版", "版权所有", "互动"], start=40, count=40),
    Case("xxgk_notice_report_as_attachment", "http://www.suizhong.gov.cn/xxgk/zfgzbg/202401/t20240119_2.html",
         "绥中县",
         ["《2024年绥中县政府工作报告》已经绥中县第十八届人民代表大会第四次会议审议通过，现予公开，详见附件。"],
         ATTACHMENT_NOTICE,
         g("2024年绥中县政府工作报告", "绥中县", "县", 2024, None, None, None, "2024-01-19"),
         ["索引号", "发布机构", "主题分类", "附件：", ".pdf", "主办单位", "网站标识码", "当前位置"],
         count=0, is_report=False),
    Case("table_of_contents_over_the_report", "http://www.dsq.gov.cn/zwgk/zfgzbg/202401/t20240112_7.html",
         "大石桥市", ["——2024年1月5日在大石桥市第十八届人民代表大会第四次会议上", "市长 邹立新",
                   *_salute("大石桥市")],
         TABLE_OF_CONTENTS,
         g("2024年大石桥市政府工作报告", "大石桥市", "市", 2024, "邹立新", "市长", "2024-01-05", "2024-01-12"),
         ["目　录", "目录", "当前位置", "发布日期", "信息来源", "版权所有"], count=40),
    Case("glossary_notes_close_the_report", "http://www.baita.gov.cn/art/2024/1/17/art_120_3.html", "白塔区",
         ["——2024年1月11日在辽阳市白塔区第十七届人民代表大会第四次会议上", "区长 郑宏伟", *_salute("白塔区")],
         GLOSSARY_AT_END,
         g("政府工作报告", "白塔区", "区", 2024, "郑宏伟", "区长", "2024-01-11", "2024-01-17T14:20:00"),
         ["发布时间", "来源：", "字体", "打印", "相关文章", "2023年政府工作报告", "主办：", "网站标识码"],
         tail=_GLOSSARY, start=60, count=47),
    Case("byline_cells_inside_the_article", "http://www.tielingxian.gov.cn/zwgk/zfgzbg/202401/t20240116_2.html",
         "铁岭县", ["——2024年1月9日在铁岭县第十九届人民代表大会第四次会议上", "县长 高志远", *_salute("铁岭县")],
         BYLINE_CELLS_INSIDE,
         g("2024年铁岭县政府工作报告", "铁岭县", "县", 2024, "高志远", "县长", "2024-01-09", "2024-01-16"),
         ["发布时间", "2024年01月16日", "来源：", "县政府办公室", "作者：", "县政府研究室", "责任编辑", "高明远",
          "版权所有"], count=40),
    Case("speaker_in_the_title_block", "http://www.kangping.gov.cn/zwgk/zfgzbg/202401/t20240122_3.html", "康平县",
         _salute("康平县"), SPEAKER_IN_TITLE_BLOCK,
         g("康平县2024年政府工作报告", "康平县", "县", 2024, "王海波", "县长", "2024-01-08", "2024-01-22"),
         ["2024年01月22日", "来源：", "点击", "版权所有", "您现在的位置"], count=40),
]
