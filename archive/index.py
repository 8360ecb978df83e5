"""The CDXJ index of a crawl's WARC files, built with cdxj-indexer from the pywb venv.

The index lists response and revisit records (what replay serves); conversion and metadata
records stay out of it so that they never shadow the page they describe.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from archive.reader import warc_files

REPO = Path(__file__).resolve().parents[1]
INDEXED_RECORDS = "response,revisit"


def tool(settings_venv: str, name: str) -> Path:
    """A program of the pywb venv (WARC_PYWB_VENV, relative to the repository)."""
    venv = Path(settings_venv)
    path = (venv if venv.is_absolute() else REPO / venv) / "bin" / name
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `make .venv-pywb/.installed` first")
    return path


def finished_warcs(warc_dir: Path) -> list[Path]:
    """Closed WARC files only: a .open file may still be growing."""
    return [p for p in warc_files(warc_dir) if not p.name.endswith(".open")]


def build_cdxj(data_dir: Path, venv: str) -> Path:
    """Write DATA_DIR/indexes/reports.cdxj (sorted) for every closed WARC in DATA_DIR/warc."""
    warc_dir = data_dir / "warc"
    files = finished_warcs(warc_dir)
    if not files:
        raise FileNotFoundError(f"no WARC files in {warc_dir}")
    out = data_dir / "indexes" / "reports.cdxj"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".cdxj.tmp")
    # Run in the WARC dir so the index names files relative to it, as pywb expects.
    subprocess.run([str(tool(venv, "cdxj-indexer")), "--records", INDEXED_RECORDS, "--sort",
                    "-o", str(tmp.resolve()), *(p.name for p in files)],
                   cwd=warc_dir, check=True, capture_output=True, text=True)
    tmp.replace(out)
    return out
