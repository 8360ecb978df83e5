"""The byte-slip search skips readings whose bound cannot win: the bound must hold for every
filling of the unknown characters, and skipping must never change a repair."""

from __future__ import annotations

import glob
import math
import random
from pathlib import Path

import pytest

from pipelines.clean.repair import byteslip
from pipelines.clean.repair.byteslip import _pool, repair_byte_slips
from pipelines.clean.repair.charmodel import model, to_simplified
from pipelines.clean.repair.charsearch import Wild, score_bound
from pipelines.clean.repair.pinyin import strip_pinyin
from tests.pipelines.clean.test_byteslip import ELSEWHERE, SANBAO, SLIPS
from tests.shared import SEEDS

TEXTS = ["示範縣稱號。“雪亮工程”建成，569處", "堅持規模化開發,集群化發展", "各位代表：现在，我代表市人民政府",
         "“三保”壓力巨大;民生領域短板", "。“冰湯圓”奇觀入選基尼斯", "（一）经济运行稳中向好！“十四五”"]
# Pools as the search uses them: trails with 。 and ， (punctuation), a lead, openers.
POOLS = [("col", 0xA3), ("col", 0xAC), ("row", 0xC1), ("opening", 0xB0), ("col", 0xBF)]


@pytest.mark.parametrize("text", TEXTS)
def test_plain_pattern_scores_exactly(text: str) -> None:
    m = model()
    s = to_simplified(text)
    for a in range(len(s)):
        for b in range(a + 1, len(s) + 1):
            assert score_bound(m, list(s[a:b])) == m.seg_score(s[a:b])


@pytest.mark.parametrize("text", TEXTS)
def test_bound_holds_for_every_filling(text: str) -> None:
    m = model()
    rnd = random.Random(text)
    s = to_simplified(text)
    for _ in range(40):
        pat: list[str | Wild] = list(s)
        wilds = rnd.sample(range(len(s)), rnd.randint(1, 3))
        if rnd.random() < 0.5:  # adjacent unknowns, as a dropped pair gives
            at = rnd.randrange(len(s) - 1)
            wilds = [at, at + 1]
        pools = {w: _pool(*rnd.choice(POOLS)).cands for w in wilds}
        for w, cands in pools.items():
            pat[w] = cands.wild()
        memo: dict = {}
        bound = score_bound(m, pat, memo)
        assert bound == score_bound(m, pat)  # the memo changes nothing
        for _ in range(30):
            filled = list(s)
            for w, cands in pools.items():
                filled[w] = rnd.choice(cands.simp)
            assert m.seg_score("".join(filled)) <= bound + 1e-9


def _exhaustive(monkeypatch: pytest.MonkeyPatch) -> None:
    """No bound prunes anything: every reading with a dropped pair is searched."""
    monkeypatch.setattr(byteslip._Slip, "bound", lambda self, o, drop: math.inf)


SERVED = [served for served, _ in SLIPS] + [ELSEWHERE + SANBAO, SANBAO]


@pytest.mark.parametrize("served", SERVED)
def test_pruning_changes_no_repair(served: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pruned = repair_byte_slips(served)
    _exhaustive(monkeypatch)
    assert repair_byte_slips(served) == pruned


@pytest.mark.skipif(not SEEDS.exists(), reason="shared seeds not mounted")
def test_pruning_changes_no_repair_on_seed_001(monkeypatch: pytest.MonkeyPatch) -> None:
    text = Path(glob.glob(str(SEEDS / "001_*.txt"))[0]).read_text()
    for _ in range(3):
        text = strip_pinyin(text)[0]
    pruned = repair_byte_slips(text)
    assert len(pruned[1]) == 10
    _exhaustive(monkeypatch)
    assert repair_byte_slips(text) == pruned
