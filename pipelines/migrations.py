"""The database schema as sqlite-utils migrations: applied in order, each exactly once.

`sqlite_utils.Migrations` records every applied step in `_sqlite_migrations`, so opening a
database applies only what it lacks and re-applying is a no-op.  Append new steps; never edit
one that has shipped (a database already has it applied and would not see the change).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("gzbg")


@migrations()
def m001_tables(db: sqlite_utils.Database) -> None:
    db["crawls"].create({
        "id": int, "spider": str, "source": str, "crawl_key": str, "started_at": str,
        "finished_at": str, "finish_reason": str, "pages": int, "reports": int,
        "settings": str, "stats": str,
    }, pk="id")
    db["pages"].create({
        "id": int, "crawl_id": int, "url": str, "host": str, "status": int,
        "content_type": str, "length": int, "depth": int, "referer": str, "redirect_to": str,
        "fetched_at": str, "wayback_ts": str, "download_latency": float, "warc_type": str,
        "warc_record_id": str, "warc_file": str, "warc_offset": int, "warc_length": int,
        "error": str, "is_report": int,
    }, pk="id", not_null={"url"}, foreign_keys=[("crawl_id", "crawls", "id")])
    db["reports"].create({
        "id": int, "page_id": int, "crawl_id": int, "url": str, "title": str, "text": str,
        "region": str, "level": str, "year": int, "year_reviewed": int, "meeting_date": str,
        "session": str, "speaker": str, "office": str, "published": str,
        "source_site": str, "script": str, "encoding": str, "is_template": int,
        "spam_removed": int, "removals": str, "chars": int, "fetched_at": str,
        "wayback_ts": str, "warc_file": str, "warc_offset": int, "warc_length": int,
    }, pk="id", not_null={"page_id", "url"},
        foreign_keys=[("page_id", "pages", "id"), ("crawl_id", "crawls", "id")])
    db["removals"].create({
        "id": int, "page_id": int, "report_id": int, "seq": int, "kind": str,
        "is_spam": int, "text": str,
    }, pk="id", not_null={"page_id", "kind"},
        foreign_keys=[("page_id", "pages", "id"), ("report_id", "reports", "id")])
    db["errors"].create({
        "id": int, "crawl_id": int, "page_id": int, "url": str, "stage": str,
        "message": str,
    }, pk="id", not_null={"stage", "message"},
        foreign_keys=[("crawl_id", "crawls", "id"), ("page_id", "pages", "id")])

    # One row per WARC response record: what makes record_page idempotent.
    db["pages"].create_index(["warc_file", "warc_offset"], unique=True)
    for cols in (["crawl_id"], ["url"], ["host"], ["status"], ["is_report"]):
        db["pages"].create_index(cols)
    db["reports"].create_index(["page_id"], unique=True)
    for cols in (["crawl_id"], ["region", "year"], ["year"], ["level"], ["is_template"],
                 ["source_site"]):
        db["reports"].create_index(cols)
    for cols in (["page_id"], ["report_id"], ["kind"]):
        db["removals"].create_index(cols)
    for cols in (["crawl_id"], ["page_id"], ["stage"]):
        db["errors"].create_index(cols)


@migrations()
def m002_reports_fts(db: sqlite_utils.Database) -> None:
    # The trigram tokenizer indexes every 3-character window, so Chinese (no spaces between
    # words) is searchable by any substring of three or more characters.  Triggers keep the
    # index in step with every insert, update and delete of reports.
    db["reports"].enable_fts(["title", "text"], fts_version="FTS5", tokenize="trigram",
                             create_triggers=True)


def apply(db: sqlite_utils.Database) -> None:
    """Bring the schema up to date; a no-op when every migration is already applied."""
    if migrations.pending(db):
        _refuse_unversioned(db)
        migrations.apply(db)


def _refuse_unversioned(db: sqlite_utils.Database) -> None:
    # Databases written before the schema was versioned keyed pages by URL alone; they cannot
    # be migrated in place, but they can be rebuilt from the WARC files.
    if not migrations.applied(db) and db["pages"].exists():
        raise ValueError(
            f"{db.conn.execute('pragma database_list').fetchone()[2]}: database from an older, "
            "unversioned schema; move it aside and rebuild it from the WARC files")
