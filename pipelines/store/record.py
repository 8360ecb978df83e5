"""A page's rows in the crawl database: `record_page` is their one writer.

The live crawl (pipelines.store_pipeline, through the writer process pipelines.store.writer)
and re-extraction from WARC both call it, so both produce the same rows.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # for annotations only: the crawl process imports this module, and
    import sqlite_utils  # sqlite_utils brings numpy (15 MB resident there)

from pipelines.page import Fetch, Page
from pipelines.store import stitch, urlstate
from pipelines.store.copies import cluster
from pipelines.store.db import (
    host,
    insert_row,
    insert_rows,
    removal_rows,
    report_row,
    storable,
    update_row,
    wayback_ts,
)

# A row to write: column -> value.
Row = dict[str, object]


def _fetch_row(fetch: Fetch) -> Row:
    return {"url": fetch.url, "status": fetch.status, "fetched_at": fetch.fetched_at,
            "wayback_ts": wayback_ts(fetch.fetched_at), "download_latency": fetch.download_latency,
            "warc_type": fetch.warc_type, "warc_record_id": fetch.warc_record_id,
            "warc_file": fetch.warc_file, "warc_offset": fetch.warc_offset,
            "warc_length": fetch.warc_length}


def page_rows(page: Page) -> list[Row]:
    """One row per fetch behind the page: redirect hops and retries, then the final URL."""
    rows = []
    for i, fetch in enumerate(page.fetches[:-1]):
        nxt = page.fetches[i + 1].url
        rows.append({**_fetch_row(fetch), "depth": page.depth, "referer": page.referer,
                     "redirect_to": nxt if nxt != fetch.url else None, "is_report": 0})
    result = page.cleaned
    rows.append({
        **_fetch_row(page.final_fetch), "url": page.url, "status": page.status,
        "content_type": page.content_type, "length": page.length, "depth": page.depth,
        "referer": page.referer, "error": page.error,
        "is_report": int(result is not None and result.is_report),
    })
    for row in rows:
        row["host"] = host(row["url"])
    return rows


def _upsert_page(db: sqlite_utils.Database, row: Row) -> int:
    # A fetch is identified by its WARC response record; recording it again (re-extraction
    # into the same database) updates that row.  Fetches never archived are always new.
    if row.get("warc_file"):
        found = db.execute("select id from pages where warc_file = ? and warc_offset = ?",
                           [row["warc_file"], row["warc_offset"]]).fetchone()
        if found:
            # The crawl that first recorded a fetch keeps it.
            update = {k: v for k, v in row.items() if k != "crawl_id"}
            update_row(db, "pages", found[0], update)
            return int(found[0])
    return insert_row(db, "pages", row)


def record_page(db: sqlite_utils.Database, page: Page, crawl_id: int | None = None) -> bool:
    """Write a page's rows (fetches, report, removals, errors) in one transaction.

    Returns whether a report row was written.  Idempotent for archived fetches: recording the
    same page again rewrites its rows instead of adding more.  crawl_id links the rows to a
    crawls row (see pipelines.store.db.start_crawl); None leaves them unlinked.
    """
    page = storable(page)  # issue 17: what the server sent, checked before it is a row
    result = page.cleaned
    is_report = result is not None and result.is_report
    with db.atomic():
        page_id = 0
        for row in page_rows(page):
            page_id = _upsert_page(db, {**row, "crawl_id": crawl_id})
        # What an earlier recording of this fetch left is replaced, not added to.
        db.execute("delete from removals where page_id = ?", [page_id])
        db.execute("delete from errors where page_id = ?", [page_id])
        found = db.execute("select id, crawl_id from reports where page_id = ?",
                           [page_id]).fetchone()
        report_id = None
        removals = removal_rows(result) if result is not None else []
        if is_report:
            row = {**report_row(page.url, page.final_fetch, result, removals), "page_id": page_id,
                   "crawl_id": crawl_id}
            if found:
                report_id = found[0]
                update_row(db, "reports", report_id, {**row, "crawl_id": found[1]})
            else:
                report_id = insert_row(db, "reports", row)
        elif found:  # a re-extraction's cleaner no longer calls it a report
            cluster.forget_report(db, found[0])  # issue 11: its copy row goes first
            db.execute("delete from reports where id = ?", [found[0]])
        if report_id is not None:  # issue 11: near-duplicate cluster and canonical copy
            cluster.add_report(db, report_id, page_id, page.url, result, page.fingerprint)
        stitch.record(db, page, page_id)  # issue 19: articles split over pages
        # A report page has hundreds (pinyin glosses): tuples, not a dict per row.
        db.conn.executemany(
            "insert into removals (seq, kind, is_spam, text, page_id, report_id)"
            " values (?, ?, ?, ?, ?, ?)",
            [(r["seq"], r["kind"], r["is_spam"], r["text"], page_id, report_id)
             for r in removals])
        errors = ([("fetch", page.error)] if page.error else []) + \
            [("clean", e) for e in (result.errors if result is not None else [])]
        insert_rows(db, "errors", [
            {"crawl_id": crawl_id, "page_id": page_id, "url": page.url, "stage": stage,
             "message": message} for stage, message in errors])
        urlstate.record_state(db, page, crawl_id)  # issue 6: what the next crawl remembers
    return is_report


class Ack(NamedTuple):
    """What became of one page's write."""

    url: str
    stored: bool
    is_report: bool = False
    change: str | None = None  # urlstate.change_of: new/changed/unchanged/failed
    error: str | None = None


def write(db: sqlite_utils.Database, page: Page, crawl_id: int | None) -> Ack:
    """record_page, with a failed write (rolled back) reported rather than raised."""
    try:
        is_report = record_page(db, page, crawl_id)
    except sqlite3.Error as exc:
        return Ack(page.url, False, error=str(exc))
    return Ack(page.url, True, is_report, urlstate.change_of(page))
