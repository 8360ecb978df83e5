"""Report metadata on hand-written gold pages, one per byline shape (tests/pages/bylines/).

Every page is a seed text under an invented title, dateline and byline; gold.json holds the
speaker, office, year, region and level each must yield (and which page is a fragment).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

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
