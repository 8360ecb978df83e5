"""What the database remembers per URL between crawls, for incremental recrawls (issue 6).

``url_state`` (one row per URL) holds the validators the server sent (ETag, Last-Modified),
the payload digest of the last body, whether the cleaner called it a report and how the
crawl reached it.  crawler.incremental reads it to send conditional requests and to tell new,
changed and unchanged pages apart; ``record_state`` keeps it current from the store's write
path, in the same transaction as the page's rows.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipelines.page import Page

if TYPE_CHECKING:  # annotations only: the crawl process reads and counts with plain sqlite3
    import sqlite_utils

NEW, CHANGED, UNCHANGED, FAILED = "new", "changed", "unchanged", "failed"
KINDS = (NEW, CHANGED, UNCHANGED, FAILED)


@dataclass(frozen=True)
class UrlState:
    etag: str | None
    last_modified: str | None
    payload_digest: str | None
    is_report: bool
    discovery: str | None


def load(db: sqlite_utils.Database | sqlite3.Connection) -> dict[str, UrlState]:
    """Every URL's state (empty for a database older than the url_state table)."""
    if db.execute("select 1 from sqlite_master where type = 'table' and name = 'url_state'"
                  ).fetchone() is None:
        return {}
    return {url: UrlState(etag, lm, digest, bool(rep), kind) for url, etag, lm, digest, rep, kind
            in db.execute("select url, etag, last_modified, payload_digest, is_report, "
                          "discovery from url_state")}


def classify(state: UrlState | None, status: int | None, digest: str | None) -> str | None:
    """new / changed / unchanged for a final response; None for redirect hops and errors
    (a failed page is counted from its error, see change_of)."""
    if status == 304:
        return UNCHANGED
    if status is None or not 200 <= status < 300:
        return None
    if state is None or state.payload_digest is None:
        return NEW
    return UNCHANGED if digest == state.payload_digest else CHANGED


def change_of(page: Page) -> str | None:
    """What a stored page counts as in its crawl's new/changed/unchanged/failed."""
    if page.error:
        return FAILED
    return page.final_fetch.change


def _header(page: Page, name: str) -> str | None:
    for key, value in page.headers.items():
        if key.lower() == name:
            return value
    return None


def record_state(db: sqlite_utils.Database, page: Page, crawl_id: int | None) -> None:
    """Update the URL's row from a page just recorded (call inside record_page's transaction)."""
    fetch = page.final_fetch
    row: dict[str, object] = {"url": page.url, "last_status": page.status,
                              "last_crawl_id": crawl_id, "checked_at": fetch.fetched_at}
    if not page.error and page.status is not None:
        # A 200 sets (or clears) the validators; a 304 may refresh the ones it repeats.
        for col, name in (("etag", "etag"), ("last_modified", "last-modified")):
            value = _header(page, name)
            if value is not None or page.status != 304:
                row[col] = value
        change = fetch.change
        if change in (NEW, CHANGED) or (change is None and page.status != 304):
            # A full body was seen (and cleaned): its digest and verdict replace the old ones.
            # Without a change mark (re-extraction, archive off) the body is taken as current.
            row["payload_digest"] = fetch.payload_digest
            row["is_report"] = int(page.cleaned is not None and page.cleaned.is_report)
            row["content_type"] = page.content_type
            row["changed_at"] = fetch.fetched_at
        if fetch.discovery:
            row["discovery"] = fetch.discovery
    cols = ", ".join(f"[{k}]" for k in row)
    updates = ", ".join(f"[{k}] = excluded.[{k}]" for k in row if k != "url")
    db.conn.execute(f"insert into url_state ({cols}) values ({', '.join('?' * len(row))}) "
                    f"on conflict(url) do update set {updates}", list(row.values()))


def record_counts(conn: sqlite3.Connection, crawl_id: int, stats: dict[str, Any]) -> None:
    """The crawl's new/changed/unchanged/failed page counts into its crawls row."""
    with conn:
        conn.execute(
            "update crawls set pages_new = ?, pages_changed = ?, pages_unchanged = ?, "
            "pages_failed = ? where id = ?",
            [int(stats.get(f"incremental/{kind}", 0)) for kind in KINDS] + [crawl_id])
