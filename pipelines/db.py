"""The crawl database: opening it, the crawls table, and the rows a page turns into.

Schema: pipelines/migrations.py.  Rows: crawls (one per run), pages (one per fetch),
reports (one per report page), removals (what the cleaner stripped from a page) and errors.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from pipelines import migrations
from pipelines.clean import SPAM_KINDS
from pipelines.result import CleanResult

# Readers (Datasette, `scrapy summary`) may hold the database while the crawl writes; WAL lets
# them read a consistent snapshot and the writer waits this long for a lock rather than fail.
BUSY_TIMEOUT_MS = 10_000


def crawl_db_path(settings: Any) -> Path:
    """The database a crawl writes: SQLITE_PATH, else DATA_DIR/reports.db."""
    return Path(settings.get("SQLITE_PATH") or Path(settings.get("DATA_DIR")) / "reports.db")


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the crawl database in WAL mode with its schema up to date."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
    db.enable_wal()
    # WAL with synchronous=NORMAL survives a killed process (only power loss can drop the
    # last transactions); every page's rows are one transaction, so it is all or nothing.
    db.execute("pragma synchronous = normal")
    db.execute("pragma foreign_keys = on")
    migrations.apply(db)
    return db


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def start_crawl(db: sqlite_utils.Database, spider: str, *, source: str = "crawl",
                settings: dict[str, Any] | None = None, crawl_key: str | None = None) -> int:
    """Insert the crawls row of a run (a crawl, or a re-extraction from WARC) and return its id.

    finished_at stays empty until finish_crawl: a row without it is a run that is still going
    or was killed.
    """
    with db.atomic():
        table = db["crawls"].insert({
            "spider": spider, "source": source, "crawl_key": crawl_key,
            "started_at": now_iso(),
            "settings": json.dumps(settings or {}, ensure_ascii=False, default=str,
                                   sort_keys=True),
        })
    return int(table.last_pk)


def finish_crawl(db: sqlite_utils.Database, crawl_id: int, reason: str,
                 stats: dict[str, Any] | None = None) -> None:
    counts = db.execute(
        "select (select count(*) from pages where crawl_id = :id),"
        " (select count(*) from reports where crawl_id = :id)", {"id": crawl_id}).fetchone()
    with db.atomic():
        db["crawls"].update(crawl_id, {
            "finished_at": now_iso(), "finish_reason": reason,
            "pages": counts[0], "reports": counts[1],
            "stats": json.dumps(stats or {}, ensure_ascii=False, default=str, sort_keys=True),
        })
    # Fold the WAL into the database file, so a read-only (immutable) Datasette sees it all.
    db.execute("pragma wal_checkpoint(truncate)")


_TS_DIGITS = re.compile(r"\d")


def wayback_ts(iso: str | None) -> str | None:
    """The 14-digit timestamp replay URLs use (20230112083015) from a WARC-Date."""
    if not iso:
        return None
    digits = "".join(_TS_DIGITS.findall(iso))[:14]
    return digits if len(digits) == 14 else None


def host(url: str) -> str:
    return urlsplit(url).hostname or ""


def report_row(url: str, fetch: dict[str, Any], result: CleanResult) -> dict[str, Any]:
    return {
        "url": url, "title": result.title, "text": result.text, "region": result.region,
        "level": result.level, "year": result.year, "year_reviewed": result.year_reviewed,
        "meeting_date": result.meeting_date, "session": result.session,
        "speaker": result.speaker, "office": result.office, "published": result.published,
        "source_site": result.source_site or urlsplit(url).netloc, "script": result.script,
        "encoding": result.encoding, "is_template": int(result.is_template),
        "is_fragment": int(result.is_fragment),
        "spam_removed": result.spam_removed,
        "removals": json.dumps([[r.kind, r.text] for r in result.removals], ensure_ascii=False),
        "chars": len(result.text), "fetched_at": fetch.get("fetched_at"),
        "wayback_ts": wayback_ts(fetch.get("fetched_at")),
        "warc_file": fetch.get("warc_file"), "warc_offset": fetch.get("warc_offset"),
        "warc_length": fetch.get("warc_length"),
    }


def removal_rows(result: CleanResult) -> list[dict[str, Any]]:
    return [{"seq": i, "kind": r.kind, "is_spam": int(r.kind in SPAM_KINDS), "text": r.text}
            for i, r in enumerate(result.removals)]
