"""Combine the databases of several crawl workers into one, without duplicates.

Each worker of a distributed crawl (crawler/distributed.py) writes its own reports.db.
Merging copies their rows into one database with new ids, foreign keys remapped:

* crawls: one row per worker run (same spider, source, crawl key, start time and settings);
* pages: one row per fetch; a fetch is identified by its WARC record (file, offset), which
  is unique across workers (file names carry host and pid), or, for fetches never archived,
  by URL, time and error;
* reports: one row per URL: the first merged wins, a later capture of the same URL keeps
  its pages row but adds no second report;
* removals and errors follow their page (those of pages already merged are not copied);
* report_parts (issue 19) follow their page, and each article split over pages is stitched
  again from every worker's parts (pipelines/store/stitch.py);
* known_sites: the union of the workers' rows (each worker records the same sites file);
* url_state (issue 6, one row per URL): the newest check of each URL across workers wins
  (``checked_at``), its crawl id remapped, so an incremental recrawl from the merged database
  sends the validators whichever worker last fetched the URL.  A distributed recrawl's
  workers each read their own DATA_DIR: start them from copies of the merged reports.db to
  give every worker the whole state (its rows are found again, not duplicated, on the next
  merge);
* clusters and report_copies are not copied (copies of one report found by different
  workers belong in one cluster; worker cluster ids collide): ``cluster_merged`` clusters
  every merged report afresh once all sources are in, as pipelines/store/copies/cluster.py does for a
  database written before clustering existed.

Merging the same input twice adds nothing, so a merge can be re-run as workers finish.

The WARC files a source's rows point at should be in the merged warc/ folder afterwards
(``link_warcs``); ``missing_warcs`` names those that are not (a worker whose disk lost them,
a database copied without its WARCs), whose pages replay and ``scrapy extract`` cannot see.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from pipelines.store import stitch
from pipelines.store.copies import cluster
from pipelines.store.db import connect_readonly


@dataclass
class Merged:
    crawls: int = 0
    pages: int = 0
    reports: int = 0
    url_states: int = 0
    duplicates: dict[str, int] = field(default_factory=lambda: {"pages": 0, "reports": 0})


def _rows(src: sqlite3.Connection, table: str, order: str = "id") -> list[dict[str, Any]]:
    if not src.execute("select 1 from sqlite_master where type = 'table' and name = ?",
                       [table]).fetchone():
        return []  # a worker database older than the table
    cur = src.execute(f"select * from {table} order by {order}")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def _insert(out: sqlite3.Connection, table: str, row: dict[str, Any]) -> int:
    row = {k: v for k, v in row.items() if k != "id"}
    cur = out.execute(f"insert into {table} ({', '.join(f'[{k}]' for k in row)}) "
                      f"values ({', '.join('?' * len(row))})", list(row.values()))
    return int(cur.lastrowid or 0)


def _found(out: sqlite3.Connection, sql: str, args: list[Any]) -> int | None:
    row = out.execute(sql, args).fetchone()
    return int(row[0]) if row else None


def merge_db(out_db: sqlite_utils.Database, source: Path) -> Merged:
    """Copy one worker database into out_db (schema up to date: pipelines.store.db.open_db)."""
    src = connect_readonly(source)
    out = out_db.conn
    done = Merged()
    try:
        with out:
            crawls: dict[int, int] = {}
            for row in _rows(src, "crawls"):
                # Workers started in the same second differ in their settings (DATA_DIR).
                found = _found(out, "select id from crawls where spider is ? and source is ? and "
                               "crawl_key is ? and started_at is ? and settings is ?",
                               [row["spider"], row["source"], row["crawl_key"], row["started_at"],
                                row["settings"]])
                if found is None:
                    found, done.crawls = _insert(out, "crawls", row), done.crawls + 1
                crawls[row["id"]] = found
            pages: dict[int, int] = {}
            new_pages: set[int] = set()
            for row in _rows(src, "pages"):
                if row["warc_file"]:
                    found = _found(out, "select id from pages where warc_file = ? and "
                                   "warc_offset = ?", [row["warc_file"], row["warc_offset"]])
                else:
                    found = _found(out, "select id from pages where warc_file is null and "
                                   "url = ? and fetched_at is ? and error is ?",
                                   [row["url"], row["fetched_at"], row["error"]])
                if found is None:
                    found = _insert(out, "pages", {**row, "crawl_id": crawls.get(row["crawl_id"])})
                    new_pages.add(row["id"])
                    done.pages += 1
                else:
                    done.duplicates["pages"] += 1
                pages[row["id"]] = found
            reports: dict[int, int] = {}
            for row in _rows(src, "reports"):
                if _found(out, "select id from reports where url = ?", [row["url"]]) is not None:
                    done.duplicates["reports"] += 1
                    continue
                reports[row["id"]] = _insert(out, "reports", {
                    **row, "page_id": pages[row["page_id"]],
                    "crawl_id": crawls.get(row["crawl_id"])})
                done.reports += 1
            for row in _rows(src, "removals"):
                if row["page_id"] in new_pages:
                    _insert(out, "removals", {**row, "page_id": pages[row["page_id"]],
                                              "report_id": reports.get(row["report_id"])})
            for row in _rows(src, "errors"):
                mapped = {**row, "crawl_id": crawls.get(row["crawl_id"]),
                          "page_id": pages.get(row["page_id"])}
                if row["page_id"] is not None and row["page_id"] not in new_pages:
                    continue
                if row["page_id"] is None and _found(
                        out, "select id from errors where page_id is null and crawl_id is ? and "
                        "url is ? and stage = ? and message = ?",
                        [mapped["crawl_id"], row["url"], row["stage"], row["message"]]):
                    continue
                _insert(out, "errors", mapped)
            # issue 19: parts of articles split over pages, stitched again with every
            # worker's parts (the first merged part of each number wins, as reports do).
            articles = set()
            for row in _rows(src, "report_parts"):
                if row["page_id"] in new_pages:
                    row = {k: v for k, v in row.items() if k != "id"}
                    row = {**row, "page_id": pages[row["page_id"]]}
                    out.execute(f"insert into report_parts ({', '.join(row)}) values "
                                f"({', '.join('?' * len(row))}) on conflict do nothing",
                                list(row.values()))
                    articles.add(row["article_url"])
            for article in sorted(articles):
                stitch.stitch(out_db, article, recluster=False)
            _merge_known_sites(out, _rows(src, "known_sites"))
            done.url_states = _merge_url_state(out, _rows(src, "url_state", "url"), crawls)
    finally:
        src.close()
    return done


def _merge_known_sites(out: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        row = {k: v for k, v in row.items() if k != "id"}
        where = " and ".join(f"[{k}] is ?" for k in row)
        if _found(out, f"select id from known_sites where {where}", list(row.values())) is None:
            _insert(out, "known_sites", row)


def _merge_url_state(out: sqlite3.Connection, rows: list[dict[str, Any]],
                     crawls: dict[int, int]) -> int:
    """Insert or replace each URL's row unless the merged one was checked later."""
    changed = 0
    for row in rows:
        row = {**row, "last_crawl_id": crawls.get(row["last_crawl_id"])}
        have = out.execute("select checked_at from url_state where url = ?",
                           [row["url"]]).fetchone()
        if have is not None and (have[0] or "") >= (row["checked_at"] or ""):
            continue
        out.execute(f"insert or replace into url_state ({', '.join(f'[{k}]' for k in row)}) "
                    f"values ({', '.join('?' * len(row))})", list(row.values()))
        changed += 1
    return changed


def cluster_merged(out_db: sqlite_utils.Database, threshold: float = cluster.THRESHOLD,
                   enabled: bool = True) -> int:
    """Cluster every merged report that has no copy row yet; returns how many there were.
    Call once after all sources are merged (clustering is incremental: a re-run adds only
    the new reports)."""
    before = out_db.execute("select count(*) from report_copies").fetchone()[0]
    cluster.attach(out_db, None, threshold=threshold, enabled=enabled)
    return out_db.execute("select count(*) from report_copies").fetchone()[0] - before


def link_warcs(source: Path, target: Path) -> int:
    """Make source's closed WARC files appear in target, so the CDXJ index, the WACZ and
    replay of the merged DATA_DIR cover every worker's files: hard links, else (another file
    system) copies.  Never symlinks: the merged archive would hold nothing once a worker's
    folder went (a mount gone, a cleaned-up worker).  A copy is written aside and renamed,
    so a full disk leaves no half file under a WARC name."""
    target.mkdir(parents=True, exist_ok=True)
    linked = 0
    for path in sorted(source.glob("*.warc.gz")):
        dest = target / path.name
        if dest.exists():
            continue
        try:
            dest.hardlink_to(path)
        except OSError:  # another file system
            part = dest.with_name(dest.name + ".part")
            try:
                shutil.copyfile(path, part)
                part.replace(dest)
            finally:
                part.unlink(missing_ok=True)
        linked += 1
    return linked


def missing_warcs(source: Path, warc_dir: Path) -> list[str]:
    """The WARC file names source's pages and reports refer to that warc_dir lacks."""
    src = connect_readonly(source)
    try:
        names: set[str] = set()
        for table in ("pages", "reports"):
            if "warc_file" in {row[1] for row in src.execute(f"pragma table_info({table})")}:
                names.update(name for (name,) in src.execute(
                    f"select distinct warc_file from {table} where warc_file is not null"))
    finally:
        src.close()
    # A name with a folder in it is no file of warc_dir, wherever it points.
    return sorted(name for name in names
                  if not (name == Path(name).name and (warc_dir / name).is_file()))
