"""Hand-checked expected output for the fixture report pages, and the F1 measure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOLD_DIR = Path(__file__).resolve().parent


def load_gold() -> dict[str, dict[str, Any]]:
    """Gold records keyed by site host (file name ``<host>.json``)."""
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLD_DIR.glob("*.json"))
    }


HAND_DIR = GOLD_DIR / "hand"


def load_hand_gold() -> dict[str, dict[str, Any]]:
    """Hand-written gold pages (``hand/<name>.html`` + ``<name>.json``), keyed by name.

    Each record also lists the chrome lines and spam phrases planted on the page (`chrome`,
    `spam`: none may be left) and ordinary words that must survive (`keep`).
    """
    out: dict[str, dict[str, Any]] = {}
    for p in sorted(HAND_DIR.glob("*.json")):
        rec = json.loads(p.read_text(encoding="utf-8"))
        rec["body"] = p.with_suffix(".html").read_bytes()
        out[p.stem] = rec
    return out
