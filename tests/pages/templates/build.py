"""Write the site-template pages: ``python -m tests.pages.templates.build [--seeds DIR]``.

Each page is a report from a seed text in ``../shared/seeds/`` laid out the way a county,
city or district government's CMS lays out an article: 政府信息公开 tables, info bars,
font-size switchers, share bars, QR blocks, pagers, related links, attachment lists, footers,
accessibility toolbars, Hanweb/TRS <meta> tags.  Places are real; every person is invented.
For each page ``NAME.expected.txt`` holds the report text the cleaner must give (the
article's lines and nothing else) and ``gold.json`` the metadata it must find, plus the
chrome strings that must not reach the text.  The output is committed; the tests read it
and never the seeds.
"""

from __future__ import annotations

import argparse
import html
import json
from pathlib import Path

from tests.pages.templates import cms_variants
from tests.pages.templates.case import HEAD, Case, g

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parents[3] / "shared" / "seeds"
SEED_FILE = {"000": "000_e23c3f385350c577.txt", "002": "002_471edd998b984a22.txt"}
SEED_PLACE = {"000": "北票", "002": "北镇"}  # the place each seed speaks of
_HEAD = HEAD


XXGK_INDEX_TABLE = _HEAD + """<title>2024年东平县政府工作报告_东平县人民政府</title></head><body>
<div class="top"><a href="/">东平县人民政府</a> <a href="/wza/">无障碍</a> <a href="/old/">长者模式</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; <a href="/xxgk/ghjh/">规划计划</a></div>
<table class="xxgk_table">
<tr><th>索引号：</th><td>11370923004320179X/2024-00321</td><th>发布机构：</th><td>东平县人民政府办公室</td></tr>
<tr><th>生成日期：</th><td>2024-01-22</td><th>主题分类：</th><td>综合政务</td></tr>
<tr><th>名　　称：</th><td colspan="3">2024年东平县政府工作报告</td></tr>
<tr><th>文　　号：</th><td></td><th>关 键 词：</th><td>政府工作报告</td></tr></table>
<div class="article"><h1>2024年东平县政府工作报告</h1>
<div id="zoom">{p}</div>
<div class="tools">【<a href="javascript:window.print()">打印</a>】【<a href="javascript:window.close()">关闭</a>】</div></div>
<div class="footer"><p>主办单位：东平县人民政府办公室　承办：东平县大数据中心</p>
<p>网站标识码：3709230001　鲁ICP备05012345号　<img src="/ga.png">鲁公网安备 37092302000123号</p>
<p>联系电话：0538-1234567　地址：东平县东平街道佛山街1号</p></div>
</body></html>"""


NEWS_CENTRE = _HEAD + """<title>2023年沂水县人民政府工作报告 - 沂水县人民政府</title></head><body>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="weizhi">您现在的位置：<a href="/">首页</a> &gt;&gt; <a href="/xwzx/">新闻中心</a> &gt;&gt; <a href="/xwzx/jryw/">今日要闻</a></div>
<div class="main"><div class="title"><h2>2023年沂水县人民政府工作报告</h2></div>
<div class="info"><span>来源：沂水县人民政府办公室</span> <span>作者：县政府办</span> <span>发布时间：2023-01-19 16:42</span> <span>浏览次数：2367</span> <span>字号：<a>大</a> <a>中</a> <a>小</a></span></div>
<div class="content">{p}</div>
<div class="fx">分享到：<a title="微信">微信</a><a title="新浪微博">微博</a><a title="QQ空间">QQ空间</a></div>
<div class="ewm"><img src="/qr.png" alt="二维码"><p>扫一扫在手机打开当前页</p></div>
<div class="printclose"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
<div class="sxp"><p>上一篇：<a href="/xwzx/jryw/202301/t20230118_1.html">沂水县召开2023年安全生产工作会议</a></p>
<p>下一篇：<a href="/xwzx/jryw/202301/t20230120_2.html">我县开展春节前走访慰问活动</a></p></div>
<div class="xgwz"><h3>相关文章</h3><ul><li><a href="/a/1.html">2022年沂水县人民政府工作报告</a></li><li><a href="/a/2.html">沂水县第十九届人民代表大会第三次会议开幕</a></li></ul></div></div>
<div class="foot">版权所有：沂水县人民政府　主办：沂水县人民政府办公室　网站标识码：3713230002　鲁ICP备09012345号-1</div>
</body></html>"""


HANWEB_META = _HEAD + """<meta name="SiteName" content="临清市人民政府">
<meta name="ColumnName" content="政府工作报告">
<meta name="ArticleTitle" content="政府工作报告">
<meta name="PubDate" content="2023-02-08 09:30">
<meta name="ContentSource" content="市政府办公室">
<title>临清市人民政府</title></head><body>
<div class="header"><img src="/logo.png" alt="临清市人民政府"><div class="search">请输入关键词<button>搜索</button></div></div>
<div class="bt_link"><a href="/">网站首页</a> &gt; <a href="/col/col1/">政务公开</a> &gt; <a href="/col/col2/">政府工作报告</a></div>
<div class="main-txt"><div class="tit">政府工作报告</div>
<div class="xx">【字体：<a>大</a> <a>中</a> <a>小</a>】</div>
<div id="zoom">{p}</div></div>
<div class="bottom">【<a>打印本页</a>】 【<a>关闭窗口</a>】</div>
<div class="foot">临清市人民政府主办　临清市大数据中心承办　网站标识码：3715810001<br>鲁ICP备12008765号</div>
</body></html>"""


TRS_FIRST_PART = _HEAD + """<title>2022年梁山县政府工作报告_梁山县人民政府</title></head><body>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/zfgzbg/">政府工作报告</a></div>
<div class="article"><h1>2022年梁山县政府工作报告</h1>
<div class="source">发布日期：2022-01-25　信息来源：梁山县人民政府办公室</div>
<div class="TRS_Editor">{p}</div>
<div class="page">第1页 共3页 <a href="t20220125_3841_1.html">下一页</a> <a href="t20220125_3841_2.html">尾页</a></div></div>
<div class="foot">版权所有：梁山县人民政府 鲁ICP备05001111号</div>
</body></html>"""


ACCESSIBILITY_BAR = _HEAD + """<title>新宾满族自治县2023年政府工作报告</title></head><body>
<div class="toolbar"><a>无障碍</a> <a>长者模式</a> <a>繁體版</a> <a>English</a> <a>手机版</a> <a>登录</a> <a>注册</a></div>
<div class="location">当前位置：首页 &gt; 政务公开 &gt; 政府工作报告 &gt; 正文</div>
<h1>新宾满族自治县2023年政府工作报告</h1>
<div class="cont">{p}</div>
<div class="xg"><span>相关链接：</span><a href="http://www.gov.cn">中国政府网</a> <a href="http://www.ln.gov.cn">辽宁省人民政府</a> <a href="http://www.fushun.gov.cn">抚顺市人民政府</a></div>
<div class="ft">主办单位：新宾满族自治县人民政府办公室 联系电话：024-55021234 辽ICP备05005678号 辽公网安备21042202000089号</div>
</body></html>"""


ATTACHMENTS_LIST = _HEAD + """<title>2024年宁阳县政府工作报告-宁阳县人民政府</title></head><body>
<div class="nav"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/zwfw/">政务服务</a></div>
<div class="wz-tit">2024年宁阳县政府工作报告</div>
<div class="wz-info">时间：2024-01-30　来源：宁阳县人民政府办公室　【<a>大</a> <a>中</a> <a>小</a>】</div>
<div class="wz-con">{p}
<div class="fujian"><p>附件：</p><p><a href="/u/1.docx">1.2024年宁阳县政府工作报告.docx</a></p><p><a href="/u/2.pdf">2.2024年宁阳县政府工作报告名词解释.pdf</a></p></div></div>
<div class="bshare">分享：<a>微信</a> <a>微博</a></div>
<div class="foot">宁阳县人民政府 版权所有 鲁ICP备06002222号 网站标识码3709210001</div>
</body></html>"""


SPEAKER_AT_END = _HEAD + """<title>政府工作报告--汶上县人民政府门户网站</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<div class="content"><h2 class="title">政府工作报告</h2>
<div class="date">2023年01月17日 来源：汶上县人民政府</div>
<div class="text">{p}</div>
<div class="bot">【<a>打印</a>】【<a>关闭</a>】</div></div>
<div class="foot">汶上县人民政府主办 鲁ICP备05003333号</div>
</body></html>"""


TABLE_LAYOUT = _HEAD + """<title>关于2023年铁岭县政府工作报告的公告</title></head><body>
<table width="1000" align="center"><tr><td><img src="/banner.jpg"></td></tr>
<tr><td class="dh"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/ztzl/">专题专栏</a></td></tr>
<tr><td><table width="100%"><tr><td class="wz">当前位置：<a href="/">首页</a> -&gt; <a href="/zwgk/">政务公开</a></td></tr>
<tr><td align="center" class="bt"><b>2023年铁岭县政府工作报告</b></td></tr>
<tr><td align="center" class="rq">发布日期：2023年02月03日　　点击数：1089　　字体：[<a>大</a> <a>中</a> <a>小</a>]</td></tr>
<tr><td class="zw">{p}</td></tr>
<tr><td align="right">[<a>打印本页</a>] [<a>关闭窗口</a>] [<a>返回顶部</a>]</td></tr></table></td></tr>
<tr><td class="bq">版权所有：铁岭县人民政府　地址：铁岭县新台子镇　邮编：112600　辽ICP备05004444号</td></tr></table>
</body></html>"""


CITY_PORTAL = _HEAD + """<title>政府工作报告 - 阜新市人民政府门户网站</title></head><body>
<div class="top"><span>今天是：2023年2月10日</span> <a>无障碍浏览</a> <a>长者模式</a></div>
<div class="crumbs">当前位置：<a>首页</a> &gt; <a>政务公开</a> &gt; <a>政府工作报告</a></div>
<div class="detail"><h1>政府工作报告</h1>
<div class="attr"><span>发布时间：2023-02-10 10:20:30</span><span>来源：市政府研究室</span><span>【字号 <a>大</a> <a>中</a> <a>小</a>】</span><span><a>打印</a></span></div>
<div class="detail-con">{p}</div>
<div class="share">分享到： <a>微信</a> <a>微博</a> <a>QQ</a></div></div>
<div class="relate"><div class="hd">相关链接</div><ul><li><a>阜新市2022年政府工作报告</a></li><li><a>阜新市2021年政府工作报告</a></li></ul></div>
<div class="footer">主办：阜新市人民政府办公室　承办：阜新市信息中心　网站标识码：2109000001　辽ICP备05005555号　辽公网安备21090202000111号</div>
</body></html>"""


GBK_DISTRICT = _HEAD + """<title>铁东区2022年政府工作报告</title></head><body>
<div class="head">鞍山市铁东区人民政府</div>
<div class="path">您的位置：<a>首页</a> &gt; <a>信息公开</a> &gt; <a>政府工作报告</a></div>
<div class="art"><div class="art-title">铁东区2022年政府工作报告</div>
<div class="art-info">文章来源：铁东区人民政府办公室　作者：区政府办　发布时间：2022-01-21　阅读次数：968</div>
<div class="art-body">{p}</div>
<div class="art-edit">（责任编辑：刘某）</div></div>
<div class="qr"><img src="/qr.jpg"><span>扫一扫在手机打开当前页</span></div>
<div class="foot">鞍山市铁东区人民政府 主办　联系电话：0412-2221234　辽ICP备05006666号</div>
</body></html>"""


SPEAKER_DASH_ONE_LINE = _HEAD + """<meta name="PubDate" content="2024-01-12 15:00:00">
<meta name="ColumnName" content="政府工作报告">
<title>2024年平邑县政府工作报告_平邑县人民政府</title></head><body>
<div class="daohang"><a>首页</a> &gt; <a>政务公开</a> &gt; <a>政府工作报告</a></div>
<div class="article-title">2024年平邑县政府工作报告</div>
<div class="article-tools">【<a>我要纠错</a>】【<a>打印</a>】【<a>关闭</a>】</div>
<div class="article-content">{p}</div>
<div class="pages">上一条：<a>平邑县召开县政府常务会议</a> 下一条：<a>平邑县2023年国民经济和社会发展统计公报</a></div>
<div class="foot">主办单位：平邑县人民政府办公室 网站标识码：3713260001 鲁ICP备10011111号</div>
</body></html>"""


NEWS_BYLINE_UNDER_TITLE = _HEAD + """<title>2023年新宾满族自治县政府工作报告 - 新闻中心 - 新宾满族自治县人民政府</title></head><body>
<div class="nav"><a>首页</a> <a>新闻中心</a> <a>政务公开</a></div>
<div class="news"><h1>2023年新宾满族自治县政府工作报告</h1>
<h3>——2023年1月6日在新宾满族自治县第十八届人民代表大会第二次会议上</h3>
<h4>县人民政府代县长 孙立群</h4>
<div class="news-info">信息来源：县政府办　发布时间：2023年01月12日　浏览：526次</div>
<div class="news-con">{p}</div>
<div class="print"><a>【打印本页】</a><a>【关闭窗口】</a></div></div>
<div class="foot">新宾满族自治县人民政府 版权所有 联系电话：024-55021234 辽ICP备05007777号</div>
</body></html>"""


SECOND_PART = _HEAD + """<title>2022年梁山县政府工作报告_梁山县人民政府</title></head><body>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/zfgzbg/">政府工作报告</a></div>
<div class="article"><h1>2022年梁山县政府工作报告</h1>
<div class="source">发布日期：2022-01-25　信息来源：梁山县人民政府办公室</div>
<div class="TRS_Editor">{p}</div>
<div class="page"><a href="t20220125_3841.html">上一页</a> <a href="t20220125_3841.html">1</a> 2 <a href="t20220125_3841_2.html">3</a> <a href="t20220125_3841_2.html">下一页</a> 第2页 共3页</div></div>
<div class="foot">版权所有：梁山县人民政府 鲁ICP备05001111号</div>
</body></html>"""


CHROME_INSIDE = _HEAD + """<title>2023年邹城市政府工作报告</title></head><body>
<div class="dqwz">当前位置：<a>首页</a> &gt; <a>政务公开</a> &gt; <a>政府工作报告</a></div>
<div id="zoom" class="wenzhang">
<h1>2023年邹城市政府工作报告</h1>
<p class="xx">信息来源：市政府办公室　发布时间：2023年01月19日 10时20分　浏览次数：<script>document.write(876)</script>　【字号 <a>大</a> <a>中</a> <a>小</a>】</p>
{p}
<p>【<a>打印本页</a>】【<a>关闭窗口</a>】【<a>返回顶部</a>】</p>
<p>分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a></p>
<div><img src="/qr.png"><br>扫一扫在手机打开当前页</div>
<p>上一篇：<a>邹城市召开全市经济工作会议</a></p><p>下一篇：<a>邹城市2023年国民经济和社会发展计划</a></p>
</div>
<div class="foot">邹城市人民政府 版权所有 网站标识码：3708830001</div>
</body></html>"""


SITENAME_META = _HEAD + """<meta name="SiteName" content="嘉祥县人民政府">
<meta name="SiteDomain" content="www.jiaxiang.gov.cn">
<meta name="ColumnName" content="政府工作报告">
<meta name="ColumnType" content="政府工作报告">
<title>政府工作报告</title></head><body>
<div class="top"><a>网站首页</a> <a>政务公开</a> <a>互动交流</a></div>
<h1>政府工作报告</h1>
<div class="info">时间：2024-01-18　来源：县政府办公室</div>
<div class="zw">{p}</div>
<div class="end">嘉祥县人民政府办公室主办 鲁ICP备05009999号</div>
</body></html>"""


WORD_PASTE_BR = _HEAD + """<title>金乡县2022年政府工作报告_金乡县人民政府</title></head><body>
<div class="crumb">首页 &gt;&gt; 政务公开 &gt;&gt; 规划计划</div>
<div class="article"><div class="article_title">金乡县2022年政府工作报告</div>
<div class="article_info">发布时间：2022-01-27 08:50　　作者：金乡县人民政府办公室　　【<a>大</a> <a>中</a> <a>小</a>】</div>
<div class="article_con"><p class="MsoNormal">{br}</p></div>
<div class="article_att">相关附件：<a href="/att/1.doc">金乡县2022年政府工作报告.doc</a></div></div>
<div class="foot">金乡县人民政府 主办 地址：金乡县金乡街道金山街 邮编：272200</div>
</body></html>"""


SPLIT_DATELINE = _HEAD + """<title>曲阜市2023年政府工作报告-曲阜市人民政府</title></head><body>
<div class="bar">无障碍浏览 | 关怀版 | 手机版 | 政务微博 | 政务微信</div>
<div class="main"><h1>曲阜市2023年政府工作报告</h1>
<div class="tool"><span>2023-01-20</span> <span>来源：市政府办</span> <span>【<a>打印</a>】</span></div>
<div class="txt">{p}</div></div>
<div class="foot">曲阜市人民政府 版权所有 鲁公网安备 37088102000222号</div>
</body></html>"""


OWNER_BEFORE_COPYRIGHT = _HEAD + """<title>政府工作报告</title></head><body>
<div class="top">政务公开 | 政务服务 | 互动交流</div>
<div class="content"><h2>政府工作报告</h2>
<div class="laiyuan">发布日期：2023-01-29　来源：区政府办公室　点击：<span>338</span></div>
<div class="zoom">{p}</div></div>
<div class="bottom"><p>兰山区人民政府 版权所有</p><p>承办单位：兰山区大数据中心　鲁ICP备05008888号</p></div>
</body></html>"""


XXGK_TABLE_INSIDE = _HEAD + """<title>莒县人民政府</title></head><body>
<div class="wza">无障碍浏览 长者模式</div>
<div class="xxgk-position">当前位置：<a>首页</a> &gt; <a>政府信息公开</a> &gt; <a>法定主动公开内容</a> &gt; <a>政府工作报告</a></div>
<div class="xxgk-detail">
<table class="xxgk-meta"><tbody>
<tr><td>索 引 号</td><td>11371122MB28546X0Q/2023-00417</td><td>发布机构</td><td>莒县人民政府办公室</td></tr>
<tr><td>成文日期</td><td>2023-01-13</td><td>发布日期</td><td>2023-01-31</td></tr>
<tr><td>文　　号</td><td></td><td>主题分类</td><td>综合政务/其他</td></tr>
<tr><td>有 效 性</td><td>有效</td><td>生成日期</td><td>2023-01-31</td></tr>
<tr><td>标　　题</td><td colspan="3">2023年莒县人民政府工作报告</td></tr></tbody></table>
<div class="xxgk-title">2023年莒县人民政府工作报告</div>
<div class="xxgk-con">{p}</div>
<div class="xxgk-tools">【<a>打印</a>】【<a>关闭</a>】</div></div>
<div class="footer">主办：莒县人民政府办公室　承办：莒县大数据中心　网站标识码：3711220001　鲁ICP备10005555号-1</div>
</body></html>"""


ABBREVIATED_SESSION = _HEAD + """<title>政府工作报告_泗水县人民政府</title></head><body>
<div class="top"><a>首页</a> <a>政务公开</a> <a>政务服务</a> <a>互动交流</a></div>
<div class="newsCon"><h1>政府工作报告</h1>
<div class="newsInfo">发布时间：2024-01-16 17:05　来源：县政府研究室　【字体：<a>大</a> <a>中</a> <a>小</a>】</div>
<div class="newsTxt">{p}</div></div>
<div class="foot">泗水县人民政府办公室 主办　网站标识码：3708310001</div>
</body></html>"""


ALL_IN_ONE_CONTAINER = _HEAD + """<title>2023年微山县政府工作报告</title></head><body>
<div id="wrapper">
<div class="logo">微山县人民政府</div>
<div class="crumb">首页 &gt; 政务公开 &gt; 政府工作报告</div>
<h1>2023年微山县政府工作报告</h1>
<p class="info">2023-01-18 09:30:00　来源：微山县融媒体中心</p>
{p}
<p>第1页 共2页　<a href="t20230118_7723_1.html">下一页</a></p>
<p>【<a>打印</a>】　【<a>关闭</a>】</p>
<p>主办单位：微山县人民政府办公室　联系电话：0537-8222222</p>
<p>鲁ICP备05006789号　鲁公网安备37082602000333号</p>
</div>
</body></html>"""


CN_NUMERAL_DATELINE = _HEAD + """<title>2024年长清区政府工作报告 - 济南市长清区人民政府</title></head><body>
<div class="menu"><a>首页</a> <a>走进长清</a> <a>政务公开</a></div>
<div class="ny_tit">2024年长清区政府工作报告</div>
<div class="ny_info">2024-01-25　阅读：<span id="hits">1,203</span>　<a>【打印本页】</a></div>
<div class="ny_con">{p}</div>
<div class="ny_share">分享：<a>微信</a> <a>微博</a></div>
<div class="foot">济南市长清区人民政府 版权所有</div>
</body></html>"""


XXGK_FIELD_LINES = _HEAD + """<title>信息公开目录 - 嵩县人民政府</title></head><body>
<div class="mlhead">嵩县人民政府信息公开目录</div>
<div class="xxgk-main">
<ul class="xxgk-fields">
<li>信息名称：2023年嵩县人民政府工作报告</li>
<li>发文机关：嵩县人民政府</li>
<li>公开方式：主动公开</li>
<li>公开范围：全部公开</li>
<li>信息分类：规划计划</li>
<li>体裁分类：报告</li>
<li>内容概述：嵩县第十七届人民代表大会第三次会议上的政府工作报告</li>
<li>生成日期：2023-01-16</li>
</ul>
<h2>2023年嵩县人民政府工作报告</h2>
{p}
<p>您是本站第 37162 位访客　建议使用IE9以上浏览器，1366×768分辨率浏览</p>
<p>政府网站找错　适老化及无障碍服务</p>
</div>
<div class="foot">嵩县人民政府办公室主办　豫ICP备05003210号</div>
</body></html>"""


NEWS_INTRO = _HEAD + """<title>政府工作报告全文 - 要闻 - 栾川县人民政府</title></head><body>
<div class="nav"><a>首页</a> <a>要闻</a> <a>政务公开</a></div>
<div class="art"><h1>政府工作报告全文</h1>
<div class="src">栾川县融媒体中心　2024-01-12 08:40</div>
<div class="art-con">{p}</div>
<div class="share">分享到：<a>微信</a> <a>微博</a></div></div>
<div class="foot">栾川县人民政府 版权所有</div>
</body></html>"""


# Report words that are also a pager's or a service bar's (hostile s9 F9): the sentence at
# a page's edge must stay text, while the bar and pager lines around it go.
PAGED_WITH_SERVICE_BAR = _HEAD + """<title>2023年鱼台县政府工作报告_鱼台县人民政府</title></head><body>
<div class="wz">当前位置：<a>首页</a> &gt; <a>政务公开</a> &gt; <a>政府工作报告</a></div>
<div class="article"><h1>2023年鱼台县政府工作报告</h1>
<div class="source">发布日期：2023-01-20　信息来源：鱼台县人民政府办公室</div>
<div class="TRS_Editor">{p}</div>
<div class="page">{pager}</div></div>
<div class="fwbar"><p>政府网站找错 | 适老化服务 | 无障碍浏览</p></div>
<div class="foot">版权所有：鱼台县人民政府 鲁ICP备05004321号</div>
</body></html>"""
ELDERLY_SENTENCE = ("加快推进无障碍环境建设和公共设施适老化改造，新建改建社区养老服务中心12处，"
                    "让老年人和残疾人出行办事更加便利。")


# The issuing government's name over the bare heading, inside the article (F10): the only
# line naming the place; no owner in the footer.
ISSUER_OVER_HEADING = _HEAD + """<title>政府工作报告</title></head><body>
<div class="nav"><a>首页</a> <a>政务公开</a> <a>规划计划</a></div>
<div class="article">{p}</div>
<div class="foot">网站标识码：2113810001　辽ICP备05003456号</div>
</body></html>"""


# A province's portal carrying a lower government's report whose dateline names no level
# (F11), and a city's portal doing the same with its own report.
PROVINCE_PORTAL = _HEAD + """<meta name="SiteName" content="辽宁省人民政府">
<title>2023年政府工作报告_辽宁省人民政府</title></head><body>
<div class="crumb">当前位置：<a>首页</a> &gt; <a>政务公开</a> &gt; <a>市县政府工作报告</a></div>
<div class="main"><h1>2023年政府工作报告</h1>
<div class="info">发布时间：2023-01-18　来源：市政府办公室</div>
<div class="con">{p}</div></div>
<div class="foot">版权所有：辽宁省人民政府办公厅　辽ICP备05001234号</div>
</body></html>"""


# An untitled page whose article opens with the report's first sentence, its 。 lost (F12).
UNTITLED_OPENING_SENTENCE = _HEAD + """<title>正文</title></head><body>
<div class="top"><a>首页</a> <a>政务公开</a></div>
<div class="zw">{p}</div>
<div class="foot">网站标识码：2107810001</div>
</body></html>"""


def _salute(place: str) -> list[str]:
    return ["各位代表：", f"现在，我代表{place}人民政府向大会报告工作，请予审议，并请政协委员和其他列席人员提出意见。"]


CASES = [
    Case("xxgk_index_table", "http://www.dongping.gov.cn/art/2024/1/22/art_1234_5678.html", "东平县",
         ["——2024年1月10日在东平县第十八届人民代表大会第三次会议上", "县长 张立国", *_salute("东平县")],
         XXGK_INDEX_TABLE,
         g("2024年东平县政府工作报告", "东平县", "县", 2024, "张立国", "县长", "2024-01-10", "2024-01-22"),
         ["索引号", "发布机构", "生成日期", "主题分类", "打印", "主办单位", "网站标识码", "公网安备", "联系电话",
          "当前位置"]),
    Case("news_centre_info_line", "http://www.yishui.gov.cn/xwzx/jryw/202301/t20230119_3.html", "沂水县",
         ["——2023年1月12日在沂水县第十九届人民代表大会第三次会议上", "沂水县人民政府县长 王立新",
          *_salute("沂水县")],
         NEWS_CENTRE,
         g("2023年沂水县人民政府工作报告", "沂水县", "县", 2023, "王立新", "县长", "2023-01-12",
           "2023-01-19T16:42:00"),
         ["来源：", "浏览次数", "字号", "分享到", "扫一扫", "打印本页", "上一篇", "下一篇", "相关文章",
          "版权所有", "今日要闻"], start=10, count=40),
    Case("hanweb_meta_tags", "http://www.linqing.gov.cn/art/2023/2/8/art_22_1.html", "临清市",
         ["（2023年1月15日在市第十八届人民代表大会第二次会议上）", "市长 赵文博", *_salute("市")],
         HANWEB_META,
         g("政府工作报告", "临清市", "市", 2023, "赵文博", "市长", "2023-01-15", "2023-02-08T09:30:00"),
         ["字体", "打印本页", "关闭窗口", "主办", "ICP", "网站首页", "搜索"], indent=True),
    Case("trs_first_of_three_parts", "http://www.liangshan.gov.cn/zwgk/zfgzbg/202201/t20220125_3841.html",
         "梁山县",
         ["——2022年1月18日在梁山县第十八届人民代表大会第一次会议上", "代县长 马晓峰", *_salute("梁山县")],
         TRS_FIRST_PART,
         g("2022年梁山县政府工作报告", "梁山县", "县", 2022, "马晓峰", "代县长", "2022-01-18", "2022-01-25"),
         ["第1页", "共3页", "下一页", "尾页", "发布日期", "信息来源", "版权所有"], count=30),
    Case("trs_second_of_three_parts", "http://www.liangshan.gov.cn/zwgk/zfgzbg/202201/t20220125_3841_1.html",
         "梁山县", [], SECOND_PART,
         g("2022年梁山县政府工作报告", "梁山县", "县", 2022, None, None, None, "2022-01-25"),
         ["第2页", "共3页", "上一页", "下一页", "发布日期", "版权所有"], start=34, count=30,
         is_report=False),
    Case("accessibility_toolbar_dash_speaker", "http://www.xinbin.gov.cn/zwgk/zfgzbg/202301/t20230116_9.html",
         "新宾满族自治县",
         ["——2023年1月6日在新宾满族自治县第十八届人民代表大会第二次会议上 县长 李振宇",
          *_salute("新宾满族自治县")],
         ACCESSIBILITY_BAR,
         g("新宾满族自治县2023年政府工作报告", "新宾满族自治县", "县", 2023, "李振宇", "县长", "2023-01-06",
           "2023-01-16"),
         ["长者模式", "繁體", "当前位置", "相关链接", "中国政府网", "主办单位", "公网安备"]),
    Case("attachments_after_article", "http://www.ningyang.gov.cn/art/2024/1/30/art_7_99.html", "宁阳县",
         ["——2024年1月23日在宁阳县第十九届人民代表大会第三次会议上", "县长　周　斌", *_salute("宁阳县")],
         ATTACHMENTS_LIST,
         g("2024年宁阳县政府工作报告", "宁阳县", "县", 2024, "周斌", "县长", "2024-01-23", "2024-01-30"),
         ["附件", ".docx", ".pdf", "分享", "版权所有", "来源："], start=20, count=50),
    Case("speaker_after_the_report", "http://www.wenshang.gov.cn/art/2023/1/17/art_3_4.html", "汶上县",
         ["——2023年1月9日在县第十九届人民代表大会第三次会议上", *_salute("县")],
         SPEAKER_AT_END,
         g("政府工作报告", "汶上县", "县", 2023, "刘海涛", "县长", "2023-01-09", "2023-01-17"),
         ["打印", "关闭", "主办", "ICP"], tail=["汶上县人民政府县长　刘海涛", "2023年1月9日"]),
    Case("old_table_layout", "http://www.tielingxian.gov.cn/zwgk/2023/02/03/1109.html", "铁岭县",
         ["（2023年1月11日在铁岭县第十八届人民代表大会第二次会议上）", "铁岭县人民政府县长 高志远",
          *_salute("铁岭县")],
         TABLE_LAYOUT,
         g("2023年铁岭县政府工作报告", "铁岭县", "县", 2023, "高志远", "县长", "2023-01-11", "2023-02-03"),
         ["点击数", "字体", "打印本页", "返回顶部", "版权所有", "邮编", "当前位置"], start=40, count=60),
    Case("city_portal_site_title", "http://www.fuxin.gov.cn/zwgk/zfgzbg/202302/t20230210_77.html", "阜新市",
         ["——2023年2月3日在市第十七届人民代表大会第三次会议上", "市长　陈　鹏", *_salute("市")],
         CITY_PORTAL,
         g("政府工作报告", "阜新市", "市", 2023, "陈鹏", "市长", "2023-02-03", "2023-02-10T10:20:30"),
         ["今天是", "无障碍浏览", "字号", "分享到", "相关链接", "主办：", "网站标识码"], indent=True),
    Case("gbk_district_news_page", "http://www.tiedong.gov.cn/xxgk/zfgzbg/202201/t20220121_55.html", "铁东区",
         ["——2022年1月14日在鞍山市铁东区第十七届人民代表大会第一次会议上", "区长 何晓光", *_salute("铁东区")],
         GBK_DISTRICT,
         g("铁东区2022年政府工作报告", "铁东区", "区", 2022, "何晓光", "区长", "2022-01-14", "2022-01-21"),
         ["文章来源", "阅读次数", "责任编辑", "扫一扫", "联系电话", "您的位置"], encoding="gb18030", declared="gb2312"),
    Case("pubdate_meta_only", "http://www.pingyi.gov.cn/info/1012/20455.htm", "平邑县",
         ["——2024年1月8日在平邑县第二十届人民代表大会第三次会议上", "县人民政府县长 钱宏宇", *_salute("平邑县")],
         SPEAKER_DASH_ONE_LINE,
         g("2024年平邑县政府工作报告", "平邑县", "县", 2024, "钱宏宇", "县长", "2024-01-08",
           "2024-01-12T15:00:00"),
         ["我要纠错", "打印", "上一条", "下一条", "主办单位", "网站标识码"], start=60, count=46),
    Case("dateline_and_byline_as_headings", "http://www.xinbin.gov.cn/xwzx/202301/t20230112_5.html",
         "新宾满族自治县", _salute("新宾满族自治县"), NEWS_BYLINE_UNDER_TITLE,
         g("2023年新宾满族自治县政府工作报告", "新宾满族自治县", "县", 2023, "孙立群", "代县长", "2023-01-06",
           "2023-01-12"),
         ["信息来源", "浏览", "打印本页", "版权所有", "新闻中心"], start=4, count=36),
    Case("chrome_inside_the_article", "http://www.zoucheng.gov.cn/zwgk/zfgzbg/202301/t20230119_1.html",
         "邹城市", ["——2023年1月10日在邹城市第十九届人民代表大会第三次会议上", "市长：孔令军", *_salute("邹城市")],
         CHROME_INSIDE,
         g("2023年邹城市政府工作报告", "邹城市", "市", 2023, "孔令军", "市长", "2023-01-10",
           "2023-01-19T10:20:00"),
         ["信息来源", "浏览次数", "字号", "打印本页", "分享到", "扫一扫", "上一篇", "下一篇", "版权所有",
          "当前位置"], count=40),
    Case("site_name_meta_only", "http://www.jiaxiang.gov.cn/art/2024/1/18/art_55_1.html", "嘉祥县",
         ["——2024年1月11日在县第十九届人民代表大会第三次会议上", "县长 冯继东", *_salute("县")],
         SITENAME_META,
         g("政府工作报告", "嘉祥县", "县", 2024, "冯继东", "县长", "2024-01-11", "2024-01-18"),
         ["网站首页", "来源：", "主办", "ICP"], count=40),
    Case("word_paste_br_lines", "http://www.jinxiang.gov.cn/art/2022/1/27/art_9_3.html", "金乡县",
         ["——2022年1月20日在金乡县第十八届人民代表大会第一次会议上", "金乡县人民政府县长　崔　涛",
          *_salute("金乡县")],
         WORD_PASTE_BR,
         g("金乡县2022年政府工作报告", "金乡县", "县", 2022, "崔涛", "县长", "2022-01-20", "2022-01-27T08:50:00"),
         ["相关附件", ".doc", "主办", "邮编", "作者"], count=50),
    Case("date_and_session_on_two_lines", "http://www.qufu.gov.cn/art/2023/1/20/art_2_8.html", "曲阜市",
         ["（2023年1月12日）", "在曲阜市第十八届人民代表大会第二次会议上", "曲阜市人民政府代市长 颜　军",
          *_salute("曲阜市")],
         SPLIT_DATELINE,
         g("曲阜市2023年政府工作报告", "曲阜市", "市", 2023, "颜军", "代市长", "2023-01-12", "2023-01-20"),
         ["关怀版", "手机版", "政务微信", "来源：", "打印", "版权所有", "公网安备"], count=40),
    Case("site_owner_before_copyright", "http://www.lanshan.gov.cn/zwgk/zfgzbg/202301/t20230129_2.html",
         "兰山区", ["——2023年1月12日在区第十九届人民代表大会第三次会议上", "区长 朱晓雷", *_salute("区")],
         OWNER_BEFORE_COPYRIGHT,
         g("政府工作报告", "兰山区", "区", 2023, "朱晓雷", "区长", "2023-01-12", "2023-01-29"),
         ["点击", "版权所有", "承办单位", "ICP"], count=40),
    Case("xxgk_table_cells_no_url_date", "http://www.juxian.gov.cn/xxgk/detail.jsp?id=417", "莒县",
         ["——2023年1月13日在莒县第十九届人民代表大会第二次会议上", "莒县人民政府县长 杨兆勇", *_salute("莒县")],
         XXGK_TABLE_INSIDE,
         g("2023年莒县人民政府工作报告", "莒县", "县", 2023, "杨兆勇", "县长", "2023-01-13", "2023-01-31"),
         ["索 引 号", "发布机构", "成文日期", "主题分类", "有 效 性", "生成日期", "标　　题", "打印", "主办：",
          "网站标识码", "当前位置"], count=40),
    Case("abbreviated_session_dateline", "http://www.sishui.gov.cn/art/2024/1/16/art_4_12.html", "泗水县",
         ["——2024年1月9日在县十九届人大三次会议上", "县长 郭　伟", *_salute("县")],
         ABBREVIATED_SESSION,
         g("政府工作报告", "泗水县", "县", 2024, "郭伟", "县长", "2024-01-09", "2024-01-16T17:05:00"),
         ["发布时间", "字体", "主办", "网站标识码"], count=40),
    Case("pager_and_footer_inside_container", "http://www.weishan.gov.cn/zwgk/zfgzbg/202301/t20230118_7723.html",
         "微山县", ["——2023年1月10日在微山县第十九届人民代表大会第二次会议上", "代县长 吕　冰", *_salute("微山县")],
         ALL_IN_ONE_CONTAINER,
         g("2023年微山县政府工作报告", "微山县", "县", 2023, "吕冰", "代县长", "2023-01-10",
           "2023-01-18T09:30:00"),
         ["来源：", "第1页", "下一页", "打印", "主办单位", "联系电话", "ICP", "公网安备", "首页"], count=40),
    Case("chinese_numeral_dateline", "http://www.jnzq.gov.cn/art/2024/1/25/art_31_2.html", "长清区",
         ["——二〇二四年一月十七日在济南市长清区第十八届人民代表大会第四次会议上", "区长　李　强",
          *_salute("长清区")],
         CN_NUMERAL_DATELINE,
         g("2024年长清区政府工作报告", "长清区", "区", 2024, "李强", "区长", "2024-01-17", "2024-01-25"),
         ["阅读：", "打印本页", "分享", "版权所有", "走进长清"], count=40),
    Case("xxgk_field_lines_inside_container", "http://www.songxian.gov.cn/zfxxgk/detail.html?id=7781", "嵩县",
         ["——2023年1月9日在嵩县第十七届人民代表大会第三次会议上", "县长　王　冰", *_salute("嵩县")],
         XXGK_FIELD_LINES,
         g("2023年嵩县人民政府工作报告", "嵩县", "县", 2023, "王冰", "县长", "2023-01-09", "2023-01-16"),
         ["信息名称", "发文机关", "公开方式", "公开范围", "信息分类", "体裁分类", "内容概述", "生成日期",
          "访客", "分辨率", "找错", "适老化", "ICP"], count=40),
    Case("news_intro_full_text_below", "http://www.luanchuan.gov.cn/yw/2024-01/12/content_51.html", "栾川县",
         ["——2024年1月8日在栾川县第十七届人民代表大会第四次会议上", "县长 郭　涛", *_salute("栾川县")],
         NEWS_INTRO,
         g("政府工作报告全文", "栾川县", "县", 2024, "郭涛", "县长", "2024-01-08", "2024-01-12T08:40:00"),
         ["融媒体中心", "分享到", "版权所有", "全文如下"], count=40,
         above=["1月8日上午，县长郭涛代表县人民政府向大会作政府工作报告。全文如下："]),
    Case("pager_page_ends_on_a_report_sentence", "http://www.yutai.gov.cn/zwgk/zfgzbg/202301/t20230120_61.html",
         "鱼台县", ["——2023年1月11日在鱼台县第十九届人民代表大会第二次会议上", "县长 宋立伟", *_salute("鱼台县")],
         PAGED_WITH_SERVICE_BAR.replace(
             "{pager}", '第1页 共2页 <a href="t20230120_61_1.html">下一页</a> <a href="t20230120_61_1.html">尾页</a>'),
         g("2023年鱼台县政府工作报告", "鱼台县", "县", 2023, "宋立伟", "县长", "2023-01-11", "2023-01-20"),
         ["第1页", "共2页", "下一页", "尾页", "找错", "适老化服务", "无障碍浏览", "版权所有"], count=30,
         tail=[ELDERLY_SENTENCE]),
    Case("pager_page_opens_on_a_report_sentence",
         "http://www.yutai.gov.cn/zwgk/zfgzbg/202301/t20230120_61_1.html", "鱼台县", [ELDERLY_SENTENCE],
         PAGED_WITH_SERVICE_BAR.replace(
             "{pager}", '<a href="t20230120_61.html">首页</a> <a href="t20230120_61.html">上一页</a> '
             '<a href="t20230120_61.html">1</a> 2 第2页 共2页'),
         g("2023年鱼台县政府工作报告", "鱼台县", "县", 2023, None, None, None, "2023-01-20"),
         ["第2页", "共2页", "上一页", "找错", "适老化服务", "无障碍浏览", "版权所有"], start=34, count=30,
         is_report=False),
    Case("issuer_name_over_the_heading", "http://www.beipiao.gov.cn/zwgk/ghjh/202201/t20220119_3.html", "北票市",
         ["北票市人民政府", "政府工作报告", "——2022年1月12日在市第十七届人民代表大会第一次会议上", "市长 韩志远",
          *_salute("市")],
         ISSUER_OVER_HEADING,
         g("政府工作报告", "北票市", "市", 2022, "韩志远", "市长", "2022-01-12", "2022-01-19"),
         ["首页", "网站标识码", "ICP"], count=40, dropped=["政府工作报告"]),
    Case("province_portal_city_report", "http://www.ln.gov.cn/zwgk/szfgzbg/202301/t20230118_41.html", "凌海市",
         ["——2023年1月10日在第十八届人民代表大会第三次会议上", "市长 罗庆华", *_salute("市")],
         PROVINCE_PORTAL,
         g("2023年政府工作报告", None, None, 2023, "罗庆华", "市长", "2023-01-10", "2023-01-18"),
         ["当前位置", "发布时间", "版权所有"], count=40),
    Case("city_portal_dateline_without_level", "http://www.fuxin.gov.cn/zwgk/zfgzbg/202302/t20230210_78.html",
         "阜新市", ["——2023年2月3日在第十七届人民代表大会第三次会议上", "市长　陈　鹏", *_salute("市")],
         CITY_PORTAL,
         g("政府工作报告", "阜新市", "市", 2023, "陈鹏", "市长", "2023-02-03", "2023-02-10T10:20:30"),
         ["今天是", "无障碍浏览", "字号", "分享到", "相关链接", "主办：", "网站标识码"], start=20, count=40),
    Case("untitled_page_opening_sentence", "http://www.linghai.gov.cn/zwgk/202301/t20230116_9.html", "凌海市",
         ["现在，我代表市人民政府向大会报告工作，请予审议，并请政协委员和其他列席人员提出意见"],
         UNTITLED_OPENING_SENTENCE,
         g("", None, None, None, None, None, None, "2023-01-16"),
         ["首页", "网站标识码"], start=5, count=40),
    *cms_variants.CASES,
]


# The seeds' ASCII punctuation as a government page sets it (the cleaner does the same).
_FULL = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"})


def build(seeds: Path, out: Path) -> dict[str, dict[str, object]]:
    gold: dict[str, dict[str, object]] = {}
    texts = {k: [ln.strip() for ln in (seeds / f).read_text(encoding="utf-8").split("\n") if ln.strip()]
             for k, f in SEED_FILE.items()}
    for case in CASES:
        seed = texts[case.seed][case.start : case.start + case.count]
        # The seed's own place name would contradict the invented head.
        own = SEED_PLACE[case.seed]
        body = [ln.replace(f"{own}市", case.place).replace(own, case.place).translate(_FULL)
                for ln in seed]
        lines = [*case.head, *body, *case.tail]
        kept = [x for x in lines if x not in case.dropped]
        text = "\n".join(kept).replace("\u3000", " ")  # the text's spaces are plain
        assert not [c for c in case.chrome if c in text], case.name
        tag = '<p style="text-indent:2em">' if case.indent else "<p>"
        p = "\n".join(f"{tag}{html.escape(x)}</p>" for x in [*case.above, *lines])
        br = "<br>\n".join(f"&nbsp;&nbsp;&nbsp;&nbsp;{html.escape(x)}" for x in lines)
        # A table of contents: the body's headings as links to their places.
        toc = "\n".join(f'<li><a href="#s{i}">{html.escape(x)}</a></li>'
                        for i, x in enumerate(h for h in body if len(h) <= 40 and "。" not in h))
        page = case.layout.replace("{cs}", case.declared or case.encoding).replace(
            "{p}", p).replace("{br}", br).replace("{toc}", toc)
        (out / f"{case.name}.html").write_bytes(page.encode(case.encoding))
        (out / f"{case.name}.expected.txt").write_text(text + "\n", encoding="utf-8")
        gold[case.name] = {"url": case.url, **case.gold, "chrome": case.chrome,
                           "is_report": case.is_report}
    (out / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1,
                                              sort_keys=True) + "\n", encoding="utf-8")
    return gold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=SEEDS)
    args = ap.parse_args()
    print(f"{len(build(args.seeds, HERE))} pages written to {HERE}")


if __name__ == "__main__":
    main()
