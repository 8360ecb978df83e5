"""Report metadata on hand-written gold pages, one per byline shape (tests/pages/bylines/).

Every page is a seed text under an invented title, dateline and byline; gold.json holds the
speaker, office, year, region and level each must yield (and which page is a fragment).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from pipelines.clean import byline
from pipelines.clean.cleaner import clean
from tests.pages.bylines import build
from tests.paths import PAGES

PAGES = PAGES / "bylines"
GOLD = json.loads((PAGES / "gold.json").read_text(encoding="utf-8"))
FIELDS = ("speaker", "office", "year", "region", "level")


@pytest.mark.parametrize("name", sorted(GOLD))
def test_gold_page_metadata(name: str) -> None:
    gold = GOLD[name]
    r = clean((PAGES / name).read_bytes(), f"http://www.example.gov.cn/zwgk/{name}")
    assert {f: getattr(r, f) for f in FIELDS} == {f: gold[f] for f in FIELDS}
    assert r.title == gold["title"]
    assert r.is_report
    assert r.is_fragment == gold.get("is_fragment", False)


def test_every_shape_is_covered() -> None:
    offices = {g["office"] for g in GOLD.values()}
    assert {"市长", "省长", "主席", "州长", "盟长", "旗长", "代县长", "区长", "专员", None} <= offices
    assert {"省", "市", "地区", "州", "盟", "县", "区", "旗"} <= {g["level"] for g in GOLD.values()}
    assert any("·" in (g["speaker"] or "") for g in GOLD.values())


@pytest.mark.skipif(not build.SEEDS.exists(), reason="shared seeds not mounted")
def test_pages_are_rebuilt_byte_for_byte() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        build.build(build.SEEDS, Path(tmp))
        for path in sorted(Path(tmp).iterdir()):
            assert path.read_bytes() == (PAGES / path.name).read_bytes(), path.name


@pytest.mark.parametrize(("head", "name", "office"), [
    (["——2023年3月2日在白溪县第九届人民代表大会第一次会议上", "县长", "欧阳明", "各位代表："],
     "欧阳明", "县长"),  # office above the name: <p>县长<br>欧阳明</p>
    (["白溪市人民政府市长：", "孙晓东", "各位代表："], "孙晓东", "市长"),
    (["——2023年3月2日在白溪县第九届人民代表大会第一次会议上", "欧阳明（县长）", "各位代表："],
     "欧阳明", "县长"),
    (["孙晓东（白溪市市长）", "各位代表："], "孙晓东", "市长"),
    (["副区长 高丽娟（受区长委托）", "各位代表："], "高丽娟", "副区长"),
    (["白溪区人民政府副区长 高丽娟(受区人民政府委托)", "各位代表："], "高丽娟", "副区长"),
    (["报告人：白溪县人民政府县长　欧阳明", "各位代表："], "欧阳明", "县长"),  # a title block's label
    (["——2023年3月2日在白溪县第九届人民代表大会第一次会议上", "报告人：孙晓东", "各位代表："], "孙晓东", None),
])
def test_office_and_name_split_or_reversed(head: list[str], name: str, office: str) -> None:
    assert byline.find(head)[:2] == (name, office)


def test_a_lone_office_is_never_the_speaker() -> None:
    head = ["——2023年3月2日在白溪县第九届人民代表大会第一次会议上", "县长", "各位代表："]
    assert byline.find(head)[:2] == (None, None)
