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
