"""Where the shared material lives: `../shared` beside the checkout (as CI lays it out)."""

from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus"
