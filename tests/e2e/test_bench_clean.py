"""bench.clean: every peer is in the table, run on the same pages, or listed as unavailable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import clean as bc


@pytest.fixture
def few_pages(monkeypatch: pytest.MonkeyPatch) -> list[bc.Page]:
    pages = [p for p in bc.load_pages() if p.kind == "report"][-2:]
    monkeypatch.setattr(bc, "load_pages", lambda: pages)
    return pages


def test_hand_gold_pages_are_benchmarked(few_pages: list[bc.Page]) -> None:
    assert all(p.gold for p in few_pages)
    assert any(p.chrome or p.spam for p in bc.load_pages())


def test_a_peer_that_cannot_be_imported_is_reported_not_dropped(
    few_pages: list[bc.Page], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def missing() -> bc.Callable[[bc.Page], bc.Output]:
        raise ImportError("No module named 'nosuchpeer'")

    def echo() -> bc.Callable[[bc.Page], bc.Output]:
        return lambda page: bc.Output(page.gold)  # a perfect peer, to check the scoring

    monkeypatch.setattr(bc, "PEERS", [("nosuchpeer", "nosuchpeer", missing),
                                      ("echo", "echo", echo)])
    out = tmp_path / "r.md"
    assert bc.main(["--repeat", "1", "--out", str(out)]) == 0
    table = out.read_text(encoding="utf-8")
    header = next(ln for ln in table.splitlines() if ln.startswith("| metric |"))
    assert header.split(" | ")[1:] == ["ours (pipelines.clean)", "nosuchpeer", "echo |"]
    installed = next(ln for ln in table.splitlines() if ln.startswith("| installed |"))
    assert "not installed (No module named 'nosuchpeer')" in installed
    f1_row = next(ln for ln in table.splitlines() if ln.startswith("| mean F1"))
    assert f1_row.split(" | ")[2:] == ["—", "1.0000 |"]
