"""Package a crawl as a WACZ (WARCs, CDXJ index, pages.jsonl) with py-wacz, and validate it.

pages.jsonl lists the reports (URL, capture time, title) from DATA_DIR/reports.db, so
ReplayWeb.page opens on them; without a database py-wacz detects the HTML pages itself.
py-wacz indexes with cdxj-indexer, which stops at a record it cannot read and reads past
other damage (a gzip member cut short or failing its CRC): a WARC file archive.reader finds
damaged (read_damage) or the indexer fails on is named, as `scrapy replay` does.  A package
without part of the archive is no success: unless the caller allows damaged files to be left
out, none is written (DamagedWarcs); allowed, they are left out of it.  The package is built
beside its place and validated there: one that fails validation replaces nothing
(InvalidPackage).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from archive.index import (
    NothingIndexed,
    finished_warcs,
    index_apart,
    indexer_message,
    indexing,
    read_damage,
    to_stderr,
    tool,
)
from archive.reader import not_files
from pipelines.store.db import connect_readonly

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Reports"}


class DamagedWarcs(RuntimeError):
    """WARC files the indexer fails on, where none may be left out: no package written."""

    def __init__(self, names: list[str]):
        super().__init__(f"{len(names)} damaged WARC files would be left out of the package: "
                         f"{', '.join(names)}")
        self.names = names


class InvalidPackage(RuntimeError):
    """The package py-wacz wrote fails `wacz validate`: not written."""


def report_pages(db: Path) -> list[dict[str, str]]:
    if not db.exists():
        return []
    try:
        con = connect_readonly(db)
    except sqlite3.Error:
        return []
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
           db: Path | None = None, warn: Callable[[str], None] = to_stderr,
           allow_damaged: bool = False, say: Callable[[str], None] = to_stderr) -> tuple[Path, int, list[str]]:
    """Write the WACZ (default DATA_DIR/reports.wacz); return it, the number of pages it
    lists and the WARC files left out.

    Its pages are the reports in db (default DATA_DIR/reports.db).  A damaged WARC file (see
    the module's doc) gets one `damaged: FILE: …` line to warn; with allow_damaged it is left
    out, without, DamagedWarcs is raised and nothing is written.  A package that fails
    validation raises InvalidPackage, and out stays as it was."""
    data_dir = data_dir.resolve()
    files = finished_warcs(data_dir / "warc")
    odd = not_files(data_dir / "warc")
    if not files:
        raise FileNotFoundError(f"no WARC files in {data_dir / 'warc'}"
                                + "".join(f"; {path.name}: {why}" for path, why in odd))
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
    say(indexing(files, "the WACZ package"))
    left_out: list[str] = []
    for path, why in odd:  # never given to the indexer: a FIFO would keep it waiting
        warn(f"damaged: {path.name}: left out ({why})")
        left_out.append(path.name)
    for path in files:
        if damage := read_damage(path):
            warn(f"damaged: {path.name}: left out ({damage})")
            left_out.append(path.name)
    readable = [p for p in files if p.name not in left_out]
    # The pages list is wacz's input only: written in a temporary folder, so that a crawl
    # on read-only media packages with -o elsewhere.
    scratch = Path(tempfile.mkdtemp(prefix="gzbg-wacz-"))
    cmd += ["-p", str(scratch / "pages.jsonl")] if pages else ["--detect-pages"]
    try:
        if pages:
            write_pages(scratch / "pages.jsonl", pages)
        # One run over the readable files is the fast path; refused already, the indexer
        # still runs, to name every damaged file at once.
        proc = (subprocess.run([*cmd, *map(str, readable)], capture_output=True, text=True)
                if readable and (allow_damaged or not left_out) else None)
        if proc is None or proc.returncode != 0:
            indexed = _indexable(venv, data_dir / "warc", readable, warn)
            left_out += [p.name for p in readable if p.name not in indexed]
            if left_out and not allow_damaged:
                raise DamagedWarcs(left_out)
            if all(p.name in left_out for p in files):
                raise NothingIndexed(f"none of the {len(files)} WARC files in "
                                     f"{data_dir / 'warc'} could be indexed")
            proc = subprocess.run([*cmd, *(str(p) for p in files if p.name not in left_out)],
                                  capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"wacz create failed: {indexer_message(proc.stderr)}")
        ok, output = validate(partial, venv)
        if not ok:
            raise InvalidPackage(f"the package fails `wacz validate` "
                                 f"({indexer_message(output)}); {out} not written")
        listed = packaged_pages(partial)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(scratch, ignore_errors=True)
    if listed < len(pages):
        warn(f"{len(pages) - listed} of the database's {len(pages)} reports are not in the "
             "package: their records are in none of its WARC files")
    return out, listed, left_out


def packaged_pages(path: Path) -> int:
    """The pages a package lists: wacz create drops those whose records it was not given
    (in a file left out as damaged), so the database may have more."""
    with zipfile.ZipFile(path) as z, z.open("pages/pages.jsonl") as fh:
        return sum(1 for line in fh if line.strip() and "url" in json.loads(line))


def _indexable(venv: str, warc_dir: Path, files: list[Path],
               warn: Callable[[str], None]) -> list[str]:
    """The names of files the indexer reads; each it fails on gets its `damaged:` line."""
    if not files:
        return []
    with tempfile.TemporaryDirectory() as parts_dir:
        try:
            names, _ = index_apart(tool(venv, "cdxj-indexer"), warc_dir,
                                   [p.name for p in files], Path(parts_dir), warn)
        except NothingIndexed:
            return []
    return names


def validate(path: Path, venv: str) -> tuple[bool, str]:
    proc = subprocess.run([str(tool(venv, "wacz")), "validate", "-f", str(path)],
                          capture_output=True, text=True)
    return proc.returncode == 0, proc.stdout + proc.stderr
