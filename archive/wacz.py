"""Package a crawl as a WACZ (WARCs, CDXJ index, pages.jsonl) with py-wacz, and validate it.

pages.jsonl lists the reports (URL, capture time, title) from DATA_DIR/reports.db, so
ReplayWeb.page opens on them; without a database py-wacz detects the HTML pages itself.
py-wacz indexes with cdxj-indexer, which stops at a record it cannot read: a WARC file it
fails on is left out of the package and named, as `scrapy replay` does.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from archive.index import finished_warcs, index_apart, indexer_message, to_stderr, tool

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
           db: Path | None = None, warn: Callable[[str], None] = to_stderr) -> tuple[Path, int]:
    """Write the WACZ (default DATA_DIR/reports.wacz); return it and its number of pages.

    Its pages are the reports in db (default DATA_DIR/reports.db).  A WARC file the indexer
    fails on is left out, with one `damaged: FILE: …` line to warn."""
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
    # Written beside out and renamed at the end: a failed run leaves no half-written package
    # in out's place (nor over an earlier good one).
    partial = out.with_name(f".{out.stem}.partial.wacz")
    cmd = [str(tool(venv, "wacz")), "create", "-o", str(partial), "--title", "gzbg-archive crawl"]
    if pages:
        pages_file = data_dir / "indexes" / "pages.jsonl"
        pages_file.parent.mkdir(parents=True, exist_ok=True)
        write_pages(pages_file, pages)
        cmd += ["-p", str(pages_file)]
    else:
        cmd += ["--detect-pages"]
    try:
        proc = subprocess.run([*cmd, *map(str, files)], capture_output=True, text=True)
        if proc.returncode != 0:
            # Find the files the indexer fails on (only now: one run is the fast path).
            with tempfile.TemporaryDirectory() as parts_dir:
                names, _ = index_apart(tool(venv, "cdxj-indexer"), data_dir / "warc",
                                       [p.name for p in files], Path(parts_dir), warn)
            kept = [p for p in files if p.name in names]
            if len(kept) < len(files):
                proc = subprocess.run([*cmd, *map(str, kept)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"wacz create failed: {indexer_message(proc.stderr)}")
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return out, len(pages)


def validate(path: Path, venv: str) -> tuple[bool, str]:
    proc = subprocess.run([str(tool(venv, "wacz")), "validate", "-f", str(path)],
                          capture_output=True, text=True)
    return proc.returncode == 0, proc.stdout + proc.stderr
