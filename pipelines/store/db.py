"""The crawl database: opening it, the crawls table, and the rows a page turns into.

Schema: pipelines/store/migrations.py.  Rows: crawls (one per run), pages (one per fetch),
reports (one per report page), removals (what the cleaner stripped from a page) and errors.
`storable` checks what a server sent before it reaches a row.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pipelines.clean.result import SPAM_KINDS, CleanResult
from pipelines.page import Fetch, Page
from pipelines.store import searchindex

if TYPE_CHECKING:
    import sqlite_utils
    from scrapy.settings import BaseSettings

# Readers (Datasette, `scrapy summary`) may hold the database while the crawl writes; WAL lets
# them read a consistent snapshot and the writer waits this long for a lock rather than fail.
BUSY_TIMEOUT_MS = 10_000


def crawl_db_path(settings: BaseSettings) -> Path:
    """The database a crawl writes: SQLITE_PATH, else DATA_DIR/reports.db."""
    return Path(settings.get("SQLITE_PATH") or Path(settings.get("DATA_DIR")) / "reports.db")


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the crawl database in WAL mode with its schema up to date."""
    # Imported here: the crawl process imports this module, and with the database written by
    # its own process (SQLITE_PROCESS) never opens it so; sqlite_utils brings numpy (15 MB).
    import sqlite_utils

    from pipelines.store import migrations

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


def connect_readonly(path: str | Path) -> sqlite3.Connection:
    """A read-only connection to the database at path, which is left as it was.

    The crawl database is WAL, and SQLite's mode=ro reads a WAL database only with a -shm
    beside it, which it cannot create in a folder that cannot be written (a read-only mount, a
    snapshot).  There nothing can be writing the database, so it is opened immutable; unless
    a -wal with changes not yet in the database lies beside it without its -shm (a crawl
    killed on that disk): immutable would read the database without them, so that is an
    sqlite3.OperationalError saying so."""
    path = Path(path).absolute()
    uri = f"{path.as_uri()}?mode=ro"
    if not os.access(path.parent, os.W_OK | os.X_OK):  # as root, false only on a ro mount
        wal, shm = (path.with_name(f"{path.name}-{end}") for end in ("wal", "shm"))
        if not (wal.is_file() and wal.stat().st_size):
            uri += "&immutable=1"
        elif not shm.exists():
            raise sqlite3.OperationalError(
                f"its folder cannot be written and {wal.name} beside it holds "
                f"changes that SQLite reads only with a {shm.name}, which it cannot create "
                "there: copy the folder to a writable place to read it")
    conn = sqlite3.connect(uri, uri=True)
    conn.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def open_db_readonly(path: str | Path) -> tuple[sqlite_utils.Database, list[str]]:
    """Open the crawl database read-only (connect_readonly), for a command that only reads
    it: nothing is migrated or converted, the user's file is left as it was.  Returns it and
    the migrations its schema lacks (older than this code's: the caller reads what it can).
    ValueError, naming the file, for a database that is not a crawl's."""
    import sqlite_utils

    from pipelines.store import migrations

    db = sqlite_utils.Database(connect_readonly(path))
    try:
        if not migrations.migrations.applied(db):
            migrations.refuse_unversioned(db)  # the same refusal as when opened to write
            raise ValueError(f"{path}: not a crawl database (no schema of ours in it)")
        return db, [m.name for m in migrations.migrations.pending(db)]
    except BaseException:
        db.close()
        raise


def connect(path: str | Path) -> sqlite3.Connection:
    """A plain connection to a database open_db has set up (WAL, schema): for the crawl
    process's few statements while the writer process holds the database."""
    conn = sqlite3.connect(path)
    conn.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


@dataclasses.dataclass(frozen=True)
class CrawlStart:
    """start_crawl's arguments, for the process that opens the database to insert the row."""

    spider: str
    settings: Mapping[str, object] | None = None
    crawl_key: str | None = None

    def insert(self, db: sqlite_utils.Database) -> int:
        return start_crawl(db, self.spider, settings=self.settings, crawl_key=self.crawl_key)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def start_crawl(db: sqlite_utils.Database, spider: str, *, source: str = "crawl",
                settings: Mapping[str, object] | None = None, crawl_key: str | None = None) -> int:
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


def finish_crawl(db: sqlite_utils.Database | sqlite3.Connection, crawl_id: int, reason: str,
                 stats: Mapping[str, object] | None = None) -> None:
    """Close a run's crawls row; on open_db's database or a plain connection (connect)."""
    conn = db if isinstance(db, sqlite3.Connection) else db.conn
    counts = conn.execute(
        "select (select count(*) from pages where crawl_id = :id),"
        " (select count(*) from reports where crawl_id = :id)", {"id": crawl_id}).fetchone()
    with conn:
        conn.execute("update crawls set finished_at = ?, finish_reason = ?, pages = ?, "
                     "reports = ?, stats = ? where id = ?",
                     [now_iso(), reason, counts[0], counts[1],
                      json.dumps(stats or {}, ensure_ascii=False, default=str, sort_keys=True),
                      crawl_id])
    # Fold the WAL into the database file, so a read-only (immutable) Datasette sees it all.
    conn.execute("pragma wal_checkpoint(truncate)")


# What a column takes from a server: an HTTP status in 100..999 (RFC 9110 gives it three
# digits), an integer SQLite can hold, text it can encode, header values up to this length.
STATUSES = range(100, 1000)
INT64 = range(-(2**63), 2**63)
MAX_HEADER_CHARS = 8192


def bad_status(status: object) -> str | None:
    """Why status is no HTTP status to store (None: it is one, or there is none)."""
    if status is None:
        return None
    if type(status) is not int:
        return f"HTTP status {status!r} is not a number"
    return None if status in STATUSES else f"HTTP status {status} is not in 100..999"


def _text(value: str, what: str, notes: list[str], limit: int = 0) -> str:
    if limit and len(value) > limit:
        notes.append(f"{what} of {len(value)} characters cut to {limit}")
        value = value[:limit]
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: sqlite3 raises on them
        notes.append(f"{what} has characters that are not text (replaced)")
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def _value(value: object, what: str, notes: list[str]) -> object:
    if isinstance(value, str):
        return _text(value, what, notes)
    if type(value) is int and value not in INT64:
        notes.append(f"{what} {value} is too large")
        return None
    return value


def storable(page: Page) -> Page:
    """The page with every value its rows take from the server fit for SQLite.

    A status outside 100..999 or not an integer becomes None, an overlong header value is
    cut, text that cannot be encoded is replaced, an integer SQLite cannot hold is dropped;
    each such change is added to the page's error, so its row is still written and says why.
    """
    notes: list[str] = []
    status = page.status
    if why := bad_status(status):
        notes.append(why)
        status = None
    fetches = []
    for i, fetch in enumerate(page.fetches):
        fetch = dataclasses.replace(fetch, **{
            f.name: _value(getattr(fetch, f.name), f"{f.name} of a fetch", notes)
            for f in dataclasses.fields(fetch)})
        if why := bad_status(fetch.status):
            fetch.status = None
            if i < len(page.fetches) - 1:  # a redirect hop's (the last is the page's own)
                notes.append(f"{why} (redirect hop {fetch.url})")
        fetches.append(fetch)
    depth = page.depth if type(page.depth) is int and 0 <= page.depth < 2**31 else 0
    if depth != page.depth:
        notes.append(f"depth {page.depth!r} is not a depth")
    content_type = _text(page.content_type, "Content-Type", notes, MAX_HEADER_CHARS)
    headers = {_text(k, "a header name", notes, MAX_HEADER_CHARS):
               _text(v, f"header {k[:40]}", notes, MAX_HEADER_CHARS)
               for k, v in page.headers.items()}
    url = _text(page.url, "URL", notes)
    referer = _text(page.referer, "Referer", notes) if page.referer is not None else None
    error = _text(page.error, "error", notes) if page.error is not None else None
    if not notes:
        return page
    return dataclasses.replace(
        page, url=url, status=status, content_type=content_type, headers=headers,
        depth=depth, referer=referer, fetches=fetches,
        error="; ".join(dict.fromkeys(filter(None, [error, *notes]))))


# Plain statements with bound parameters: sqlite-utils' insert()/update() introspect the
# table and convert every value on each call, which cost the crawl more than the writes.
def _names(row: Mapping[str, object]) -> str:
    return ", ".join(f"[{k}]" for k in row)


def insert_row(db: sqlite_utils.Database, table: str, row: Mapping[str, object]) -> int:
    """Insert one row of plain values; its id."""
    cur = db.conn.execute(f"insert into {table} ({_names(row)}) "
                          f"values ({', '.join('?' * len(row))})", list(row.values()))
    return int(cur.lastrowid or 0)


def insert_rows(db: sqlite_utils.Database, table: str, rows: list[dict[str, object]]) -> None:
    """Insert rows of plain values, all with the first one's columns."""
    if rows:
        db.conn.executemany(f"insert into {table} ({_names(rows[0])}) "
                            f"values ({', '.join('?' * len(rows[0]))})",
                            [list(r.values()) for r in rows])


def update_row(db: sqlite_utils.Database, table: str, rowid: int,
               row: Mapping[str, object]) -> None:
    db.conn.execute(f"update {table} set {', '.join(f'[{k}] = ?' for k in row)} where id = ?",
                    [*row.values(), rowid])


_TS_DIGITS = re.compile(r"\d")


def wayback_ts(iso: str | None) -> str | None:
    """The 14-digit timestamp replay URLs use (20230112083015) from a WARC-Date."""
    if not iso:
        return None
    digits = "".join(_TS_DIGITS.findall(iso))[:14]
    return digits if len(digits) == 14 else None


def host(url: str) -> str:
    return urlsplit(url).hostname or ""


def report_row(url: str, fetch: Fetch, result: CleanResult,
               removals: list[dict[str, object]] | None = None) -> dict[str, object]:
    """removals: removal_rows(result), if the caller has them already."""
    removals = removal_rows(result) if removals is None else removals
    return {
        "url": url, "title": result.title, "text": result.text,
        "text_hash": searchindex.text_hash(result.title, result.text), "region": result.region,
        "level": result.level, "year": result.year, "year_reviewed": result.year_reviewed,
        "meeting_date": result.meeting_date, "session": result.session,
        "speaker": result.speaker, "office": result.office, "published": result.published,
        "source_site": result.source_site or urlsplit(url).netloc, "script": result.script,
        "encoding": result.encoding, "is_template": int(result.is_template),
        "is_fragment": int(result.is_fragment),
        "spam_removed": result.spam_removed,
        "removals": json.dumps([[r["kind"], r["text"]] for r in removals], ensure_ascii=False),
        "chars": len(result.text), "fetched_at": fetch.fetched_at,
        "wayback_ts": wayback_ts(fetch.fetched_at), "warc_file": fetch.warc_file,
        "warc_offset": fetch.warc_offset, "warc_length": fetch.warc_length,
    }


# Removals listed per page at most: a hostile page can make the cleaner repair the same
# thing 150,000 times a megabyte; the rest are counted per kind in one row each.
MAX_REMOVAL_ROWS = 1000


def removal_rows(result: CleanResult) -> list[dict[str, object]]:
    listed = result.removals[:MAX_REMOVAL_ROWS]
    rows = [{"seq": i, "kind": r.kind, "is_spam": int(r.kind in SPAM_KINDS), "text": r.text}
            for i, r in enumerate(listed)]
    rest = Counter(r.kind for r in result.removals[MAX_REMOVAL_ROWS:])
    rows += [{"seq": len(rows) + i, "kind": kind, "is_spam": int(kind in SPAM_KINDS),
              "text": f"… and {n} more {kind} not listed"}
             for i, (kind, n) in enumerate(sorted(rest.items()))]
    return rows
