"""The SQLite schema and the rows a crawl (or a re-extraction) writes into it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from pipelines.result import CleanResult

PAGES = {
    "url": str, "status": int, "content_type": str, "length": int, "depth": int,
    "referer": str, "fetched_at": str, "warc_file": str, "warc_offset": int,
    "warc_length": int, "error": str,
}
REPORTS = {
    "url": str, "title": str, "text": str, "region": str, "level": str, "year": int,
    "year_reviewed": int, "meeting_date": str, "session": str, "speaker": str, "office": str,
    "published": str, "source_site": str, "script": str, "encoding": str, "is_template": int,
    "spam_removed": int, "removals": str, "chars": int, "fetched_at": str, "warc_file": str,
    "warc_offset": int, "warc_length": int,
}


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the crawl database in WAL mode with its schema in place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.enable_wal()
    if not db["pages"].exists():
        db["pages"].create(PAGES, pk="url")
    if not db["reports"].exists():
        db["reports"].create(REPORTS, pk="url")
        db["reports"].create_index(["region", "year"])
    return db


def report_row(url: str, fetch: dict[str, Any], result: CleanResult) -> dict[str, Any]:
    return {
        "url": url, "title": result.title, "text": result.text, "region": result.region,
        "level": result.level, "year": result.year, "year_reviewed": result.year_reviewed,
        "meeting_date": result.meeting_date, "session": result.session,
        "speaker": result.speaker, "office": result.office, "published": result.published,
        "source_site": result.source_site or urlsplit(url).netloc, "script": result.script,
        "encoding": result.encoding, "is_template": int(result.is_template),
        "spam_removed": result.spam_removed,
        "removals": json.dumps([[r.kind, r.text] for r in result.removals], ensure_ascii=False),
        "chars": len(result.text), "fetched_at": fetch.get("fetched_at"),
        "warc_file": fetch.get("warc_file"), "warc_offset": fetch.get("warc_offset"),
        "warc_length": fetch.get("warc_length"),
    }
