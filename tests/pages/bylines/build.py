"""Write the byline gold pages: ``python -m tests.pages.bylines.build [--seeds DIR]``.

Each page is a report (or a fragment of one) made from a slice of a seed text in
``../shared/seeds/`` under a title, dateline and byline written here by hand: every person
is invented, every byline shape is one that real report pages use.  ``gold.json`` holds what
the cleaner must find on each page.  The output is committed; the tests read it and never
the seeds.
"""

from __future__ import annotations

import argparse
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parents[3] / "shared" / "seeds"


@dataclass
class Case:
    name: str
    title: str
    head: list[str]  # lines at the top of the article: dateline, byline ...
    gold: dict[str, object]
    above: list[str] = field(default_factory=list)  # lines in their own elements above it
    caption: str = ""  # a photo caption inside the article
    seed: str = "002"
    start: int = 4  # first body paragraph taken from the seed
    count: int = 26  # body paragraphs taken
    salute: bool = True  # open with 各位代表 and the 代表政府报告工作 line


def g(speaker: str | None, office: str | None, year: int | None, region: str | None,
      level: str | None, **extra: object) -> dict[str, object]:
    return {"speaker": speaker, "office": office, "year": year, "region": region,
            "level": level, **extra}


CASES = [
    Case("spaced_name_region_office", "天津市2023年政府工作报告",
         ["——2023年1月15日在天津市第十八届人民代表大会第一次会议上", "天津市市长 韩 峰"],
         g("韩峰", "市长", 2023, "天津市", "省")),
    Case("province_government_office_above", "2022年山西省政府工作报告", [],
         g("赵明远", "省长", 2022, "山西省", "省"),
         above=["——2022年1月20日在山西省第十三届人民代表大会第五次会议上",
                "山西省人民政府省长 赵明远"]),
    Case("region_office_no_space", "重庆市政府工作报告",
         ["（2024年1月21日在重庆市第六届人民代表大会第二次会议上）", "重庆市市长 许文斌"],
         g("许文斌", "市长", 2024, "重庆市", "省")),
    Case("autonomous_region_chairman", "2023年政府工作报告",
         ["——2023年1月13日在宁夏回族自治区第十三届人民代表大会第一次会议上",
          "宁夏回族自治区人民政府主席 马俊林"],
         g("马俊林", "主席", 2023, "宁夏回族自治区", "省")),
    Case("prefecture_governor_dotted_name", "伊犁哈萨克自治州2022年政府工作报告",
         ["——2022年1月10日在伊犁哈萨克自治州第十五届人民代表大会第一次会议上",
          "州长 阿依努尔·木合塔尔"],
         g("阿依努尔·木合塔尔", "州长", 2022, "伊犁哈萨克自治州", "州")),
    Case("league_head", "锡林郭勒盟2021年政府工作报告",
         ["——2021年1月12日在锡林郭勒盟第二届人民代表大会第五次会议上", "盟长 宝音达来"],
         g("宝音达来", "盟长", 2021, "锡林郭勒盟", "盟")),
    Case("banner_head_long_name", "科尔沁右翼中旗政府工作报告",
         ["（2023年1月6日在科尔沁右翼中旗第十八届人民代表大会第三次会议上）",
          "科尔沁右翼中旗人民政府旗长 乌云毕力格"],
         g("乌云毕力格", "旗长", 2023, "科尔沁右翼中旗", "旗")),
    Case("acting_county_head", "通化县2022年政府工作报告",
         ["——2022年1月8日在通化县第十八届人民代表大会第一次会议上",
          "通化县人民政府代县长 刘晓东"],
         g("刘晓东", "代县长", 2022, "通化县", "县")),
    Case("district_head", "2022年铁西区政府工作报告",
         ["（2022年1月11日在铁西区第十七届人民代表大会第二次会议上）", "区长 周立群"],
         g("周立群", "区长", 2022, "铁西区", "区")),
    Case("bare_name_under_dateline", "抚松县2023年政府工作报告",
         ["——2023年1月9日在抚松县第十九届人民代表大会第三次会议上", "孙志远"],
         g("孙志远", None, 2023, "抚松县", "县")),
    Case("photo_caption_fallback", "长白朝鲜族自治县2021年政府工作报告",
         ["——2021年1月7日在长白朝鲜族自治县第十七届人民代表大会第五次会议上"],
         g("王建华", "县长", 2021, "长白朝鲜族自治县", "县"),
         caption="1月7日，县长王建华在长白朝鲜族自治县第十七届人民代表大会第五次会议上"
                 "作政府工作报告。本报记者 李明 摄"),
    Case("date_on_its_own_line", "靖宇县政府工作报告",
         ["在靖宇县第十八届人民代表大会第二次会议上", "2023年1月5日", "县长 高 扬"],
         g("高扬", "县长", 2023, "靖宇县", "县")),
    Case("region_in_title_only", "阜新市2022年政府工作报告",
         ["——2022年1月12日在市第十六届人民代表大会第一次会议上", "市长 李 强"],
         g("李强", "市长", 2022, "阜新市", "市")),
    Case("prefecture_commissioner", "大兴安岭地区2023年政府工作报告",
         ["（2023年1月10日）", "大兴安岭地区行政公署专员 马永辉"],
         g("马永辉", "专员", 2023, "大兴安岭地区", "地区")),
    Case("no_dateline_title_year", "2022年北票市政府工作报告", [],
         g(None, None, 2022, "北票市", "市", is_report=True, is_fragment=True),
         seed="000", start=0, count=40, salute=False),
]


def body(seed_lines: list[str], case: Case, region: str) -> list[str]:
    lines = seed_lines[case.start : case.start + case.count]
    # The seed's own place names would contradict the invented heads.
    return [ln.replace("北镇市", region).replace("北镇", region) for ln in lines]


def page(case: Case, paragraphs: list[str]) -> str:
    p = "\n".join(f"<p>{html.escape(x)}</p>" for x in paragraphs)
    above = "\n".join(f'<div class="sub">{html.escape(x)}</div>' for x in case.above)
    figure = (f'<div class="pic"><img src="/images/1.jpg"><p class="caption">'
              f"{html.escape(case.caption)}</p></div>" if case.caption else "")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(case.title)}_政府信息公开</title></head>
<body>
<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/zwgk/zfgzbg/">政府工作报告</a></div>
<h1 class="title">{html.escape(case.title)}</h1>
<div class="info">发布时间：2024-02-01 09:00 来源：政府办公室</div>
{above}
<div class="content">
{figure}
{p}
</div>
<div class="footer">主办单位：人民政府办公室 网站标识码 0000000000</div>
</body></html>
"""


def build(seeds: Path, out: Path) -> dict[str, dict[str, object]]:
    gold: dict[str, dict[str, object]] = {}
    for case in CASES:
        lines = [ln.strip() for ln in (seeds / SEED_FILE[case.seed]).read_text(
            encoding="utf-8").split("\n") if ln.strip()]
        region = str(case.gold["region"])
        salute = ["各位代表：", f"现在，我代表{region}人民政府向大会报告工作，请予审议。"] \
            if case.salute else []
        paragraphs = [*case.head, *salute, *body(lines, case, region)]
        name = f"{case.name}.html"
        (out / name).write_text(page(case, paragraphs), encoding="utf-8")
        gold[name] = {"title": case.title, **case.gold}
    (out / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1,
                                              sort_keys=True) + "\n", encoding="utf-8")
    return gold


SEED_FILE = {"000": "000_e23c3f385350c577.txt", "002": "002_471edd998b984a22.txt"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=SEEDS)
    args = ap.parse_args()
    print(f"{len(build(args.seeds, HERE))} pages written to {HERE}")


if __name__ == "__main__":
    main()
