"""Reports in the site templates of county, city and district governments
(tests/pages/templates/): the text must be the whole report and nothing of the page's
chrome, and the metadata must be what the page says.

Each page is a seed text laid out as a government CMS lays out an article (政府信息公开
tables, info bars, tool bars, QR blocks, pagers, footers, Hanweb/TRS <meta> tags);
NAME.expected.txt holds the report's lines, gold.json the fields and the chrome strings.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from pipelines.clean.cleaner import clean
from tests.pages.templates import build
from tests.pages.templates.case import FIELDS
from tests.paths import PAGES

PAGES = PAGES / "templates"
GOLD = json.loads((PAGES / "gold.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(GOLD))
def test_template_page(name: str) -> None:
    gold = GOLD[name]
    r = clean((PAGES / f"{name}.html").read_bytes(), gold["url"])
    assert r.text == (PAGES / f"{name}.expected.txt").read_text(encoding="utf-8").rstrip("\n")
    assert [c for c in gold["chrome"] if c in r.text] == []
    assert {f: getattr(r, f) for f in FIELDS} == {f: gold[f] for f in FIELDS}
    assert r.is_report == gold["is_report"]


def test_there_are_enough_templates() -> None:
    assert len(GOLD) >= 12
    assert {g["level"] for g in GOLD.values()} >= {"县", "市", "区"}


@pytest.mark.skipif(not build.SEEDS.exists(), reason="shared seeds not mounted")
def test_pages_are_rebuilt_byte_for_byte() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        build.build(build.SEEDS, Path(tmp))
        for path in sorted(Path(tmp).iterdir()):
            assert path.read_bytes() == (PAGES / path.name).read_bytes(), path.name
