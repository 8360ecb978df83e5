from __future__ import annotations

import glob
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.clean.repair.chain import repair
from tests.shared import SEEDS

needs_shared = pytest.mark.skipif(not SEEDS.exists(), reason="shared seeds not mounted")


def _seed(n: str) -> str:
    return Path(glob.glob(str(SEEDS / f"{n}_*.txt"))[0]).read_text(errors="replace")


def test_excerpt_end_to_end() -> None:
    served = "發(fā)布時間:2023-01-12\n增速位列全省前十?!氨鶞珗A”奇觀,舉辦了“青島啤酒節(jié)?洮南消夏夜”活動"
    text, script, removals = repair(served)
    assert script == "hant"
    assert text == "发布时间：2023-01-12\n增速位列全省前十。“冰汤圆”奇观，举办了“青岛啤酒节·洮南消夏夜”活动"
    kinds = {r.kind for r in removals}
    assert kinds == {"pinyin", "byte_slip", "lost_char"}


@needs_shared
def test_seed_001() -> None:
    raw = _seed("001")
    text, script, removals = repair(raw)
    assert script == "hant"
    assert text.count("\n") == raw.count("\n")
    assert "(fā)" not in text and "发展" in text
    assert "“冰汤圆”奇观" in text and "青岛啤酒节·洮南消夏夜" in text
    assert "城市书房·洮南书局" in text and "中国洮南·4088善行步道" in text
    assert repair(text)[0] == text


@needs_shared
@pytest.mark.parametrize("seed", ["000", "002", "003", "004"])
def test_plain_seeds(seed: str) -> None:
    raw = _seed(seed)
    text, script, removals = repair(raw)
    assert script == "hans"
    assert [r for r in removals if r.kind in {"byte_slip", "lost_char", "pinyin"}] == []
    assert text.count("\n") == raw.count("\n")


@settings(deadline=None, max_examples=200)
@given(st.text())
def test_properties(text: str) -> None:
    out, script, _ = repair(text)
    assert script in {"hans", "hant"}
    assert out.count("\n") == text.count("\n")
    assert repair(out)[0] == out


@settings(deadline=None, max_examples=100)
@given(st.text(alphabet=st.sampled_from(list("發展經濟?!,;(fā)中國冰湯圓氨鶞珗A\n 。“”"))))
def test_properties_on_cjk_soup(text: str) -> None:
    out, _, _ = repair(text)
    assert out.count("\n") == text.count("\n")
    assert repair(out)[0] == out
