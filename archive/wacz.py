"""Package a crawl as a WACZ (WARCs, CDXJ index, pages.jsonl) with py-wacz, and validate it.

pages.jsonl lists the reports (URL, capture time, title) from DATA_DIR/reports.db, so
ReplayWeb.page opens on them; without a database py-wacz detects the HTML pages itself.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

from archive.index import finished_warcs, tool

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Reports"}


def report_pages(db: Path) -> list[dict[str, str]]:
    if not db.exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("select url, fetched_at, title from reports where fetched_at "
                           "is not null order by fetched_at, url").fetchall()
    except sqlite3.Error:
        rows = []
    finally:
        con.close()
    # No "ts": py-wacz then matches each page to its capture by URL alone and fills in the
    # capture's own timestamp, whatever the database's clock said.
    return [{"id": f"report-{i}", "url": url, "title": title or url}
            for i, (url, _, title) in enumerate(rows, start=1)]


def write_pages(path: Path, pages: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for obj in (PAGES_HEADER, *pages):
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")


def create(data_dir: Path, venv: str, out: Path | None = None,
           db: Path | None = None) -> tuple[Path, int]:
    """Write the WACZ (default DATA_DIR/reports.wacz); return it and its number of pages.

    Its pages are the reports in db (default DATA_DIR/reports.db)."""
    data_dir = data_dir.resolve()
    files = finished_warcs(data_dir / "warc")
    if not files:
        raise FileNotFoundError(f"no WARC files in {data_dir / 'warc'}")
    out = (out or data_dir / "reports.wacz").resolve()
    if not out.parent.is_dir():
        raise FileNotFoundError(f"no folder {out.parent} for {out.name}")
    if out.exists() and not out.is_file():
        raise FileNotFoundError(f"{out} exists and is not a regular file")
    pages = report_pages(db or data_dir / "reports.db")
    cmd = [str(tool(venv, "wacz")), "create", "-o", str(out), "--title", "gzbg-archive crawl"]
    if pages:
        pages_file = data_dir / "indexes" / "pages.jsonl"
        pages_file.parent.mkdir(parents=True, exist_ok=True)
        write_pages(pages_file, pages)
        cmd += ["-p", str(pages_file)]
    else:
        cmd += ["--detect-pages"]
    proc = subprocess.run([*cmd, *map(str, files)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"wacz create failed:\n{proc.stdout}{proc.stderr}")
    return out, len(pages)


def validate(path: Path, venv: str) -> tuple[bool, str]:
    proc = subprocess.run([str(tool(venv, "wacz")), "validate", "-f", str(path)],
                          capture_output=True, text=True)
    return proc.returncode == 0, proc.stdout + proc.stderr
