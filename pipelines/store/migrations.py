"""The database schema as sqlite-utils migrations: applied in order, each exactly once.

`sqlite_utils.Migrations` records every applied step in `_sqlite_migrations`, so opening a
database applies only what it lacks and re-applying is a no-op.  Append new steps; never edit
one that has shipped (a database already has it applied and would not see the change).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

from pipelines.store import searchindex

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


# --- clusters of copies and coverage (issue 11: pipelines/store/copies/cluster.py, canonical.py) ---
@migrations()
def m003_report_clusters(db: sqlite_utils.Database) -> None:
    # reports stays one row per report page (every copy's text and metadata); clusters is the
    # one row per report, report_copies ties each report page to its cluster.
    db["known_sites"].create({
        "id": int, "name": str, "region": str, "level": str, "province": str, "kind": str,
        "hosts": str,
    }, pk="id")
    # Written as SQL for the ON DELETE actions sqlite-utils cannot declare: a reports row
    # deleted directly (not through record_page, which unclusters it first) takes its copy
    # row with it and leaves its cluster without a canonical copy until the next change.
    db.execute("""
create table clusters (
  id integer primary key,
  canonical_report_id integer references reports(id) on delete set null,
  canonical_page_id integer references pages(id) on delete set null,
  canonical_url text, canonical_host text, canonical_kind text, region text, level text,
  year integer, title text, text text, chars integer, n_copies integer, kinds text,
  has_government integer, updated_at text)""")
    db.execute("""
create table report_copies (
  id integer primary key,
  cluster_id integer not null references clusters(id),
  report_id integer not null references reports(id) on delete cascade,
  page_id integer not null references pages(id) on delete cascade,
  url text not null, host text, kind text, rank integer, is_canonical integer,
  similarity float, region text, year integer, chars integer, shingles integer,
  spam_injected integer, converter_damaged integer, is_template integer, is_fragment integer,
  farm_marks integer, minhash blob)""")
    db["report_copies"].create_index(["report_id"], unique=True)
    for cols in (["cluster_id"], ["kind"], ["host"]):
        db["report_copies"].create_index(cols)
    for cols in (["region", "year"], ["year"], ["canonical_kind"]):
        db["clusters"].create_index(cols)
    # One row per region and year: regions of the sites file's governments and of the reports
    # found, years from the first to the last year found; the best cluster or a gap.
    db.create_view("coverage", """
with recursive
span(lo, hi) as (select min(year), max(year) from clusters where year is not null),
years(year) as (
  select lo from span where lo is not null
  union all select years.year + 1 from years, span where years.year < span.hi),
places(region, level) as (
  select region, max(level) from (
    select region, level from known_sites where kind = 'government' and coalesce(region, '') != ''
    union all select region, level from clusters where coalesce(region, '') != '')
  group by region),
best as (
  select c.*, row_number() over (partition by c.region, c.year order by c.has_government desc,
      c.n_copies desc, c.chars desc, c.id) as pick,
    count(*) over (partition by c.region, c.year) as found
  from clusters c where c.region is not null and c.year is not null)
select places.region, places.level, years.year,
  case when best.id is null then 'gap' else 'found' end as status,
  best.id as cluster_id, best.canonical_report_id as report_id, best.canonical_url,
  best.canonical_kind, best.title, best.n_copies, coalesce(best.found, 0) as clusters
from places cross join years
left join best on best.region = places.region and best.year = years.year and best.pick = 1""")
# --- end clusters ---


# --- incremental recrawls (issue 6) ---
@migrations()
def m004_url_state(db: sqlite_utils.Database) -> None:
    # Issue 6, incremental recrawls: per URL, what the next crawl needs to send conditional
    # requests and to tell new, changed and unchanged pages apart (pipelines/store/urlstate.py);
    # per crawl, how many pages were each.
    db["url_state"].create({
        "url": str, "etag": str, "last_modified": str, "payload_digest": str,
        "last_status": int, "last_crawl_id": int, "is_report": int, "content_type": str,
        "discovery": str, "changed_at": str, "checked_at": str,
    }, pk="url", foreign_keys=[("last_crawl_id", "crawls", "id")])
    for col in ("pages_new", "pages_changed", "pages_unchanged", "pages_failed"):
        db["crawls"].add_column(col, int)
# --- end incremental recrawls ---


# --- report fragments and multi-page articles (issue 19) ---
@migrations()
def m005_report_fragments(db: sqlite_utils.Database) -> None:
    # is_fragment: the page holds part of a report (one chapter on its own page).
    db["reports"].add_column("is_fragment", int)


@migrations()
def m006_report_parts(db: sqlite_utils.Database) -> None:
    # Articles split over pages (pipelines/store/stitch.py): every part's cleaned text, so the
    # first part's report row can be stitched whatever order the parts arrive in; the row
    # names its parts in reports.parts (JSON list of URLs).
    db["reports"].add_column("parts", str)
    db.execute("""
create table report_parts (
  id integer primary key,
  article_url text not null,
  part_index integer not null,
  url text not null,
  page_id integer references pages(id) on delete cascade,
  part_count integer,
  text text)""")
    db["report_parts"].create_index(["article_url", "part_index"], unique=True)
    db["report_parts"].create_index(["page_id"])
# --- end report fragments ---


# --- what a researcher sees: governments, coverage with a denominator, report list (issue 22) ---
@migrations()
def m007_governments_and_report_list(db: sqlite_utils.Database) -> None:
    from pipelines.store import governments

    # Every government of the pinned divisions list: coverage's denominator.
    governments.fill(db)
    # A region name as reports, clusters and the sites file give it, tied to one government
    # when the name is unique, or made unique by the sites file's province (朝阳区 is in
    # 北京市 and in 长春市); a name tied to none keeps its own coverage rows.
    db.create_view("region_governments", """
with names(region) as (
  select region from reports where coalesce(region, '') != ''
  union select region from clusters where coalesce(region, '') != ''
  union select region from known_sites where kind = 'government' and coalesce(region, '') != ''),
sites(region, province) as (
  select region, max(province) from known_sites where kind = 'government' group by region),
matched(region, site_province, code) as (
  select names.region, sites.province,
    (select case when count(*) = 1 then max(g.code) end from governments g
     where g.name = names.region and (g.shared_name = 0 or g.province = sites.province))
  from names left join sites on sites.region = names.region)
select matched.region, matched.code, coalesce(g.province, matched.site_province) as province,
  g.prefecture, g.tier, g.level
from matched left join governments g on g.code = matched.code""")
    # Replaces m003's coverage: every government and year, found, gap (its site is known or
    # another year of it was found, this year's report was not) or unknown_site (nothing of
    # it is known: the crawl never looked).  The columns m003 gave come first, unchanged.
    # Governments are joined from rg by code (an outer join the other way scans rg once per
    # government: 3 s at 20,000 clusters), and a cell's clusters are counted in the index
    # clusters(region, year); only a cell with several reads their rows to rank them (past
    # the long text: slow).  0.5 s for 15 years of 20,000 clusters of 9,000 characters.
    db.execute("drop view if exists coverage")
    db.create_view("coverage", """
with recursive
span(lo, hi) as (select min(year), max(year) from clusters where year is not null),
years(year) as (
  select lo from span where lo is not null
  union all select years.year + 1 from years, span where years.year < span.hi),
sites(region) as (
  select region from known_sites where kind = 'government' and coalesce(region, '') != ''),
scope(region) as (select region from sites union select region from clusters),
rg as materialized (select region, code, province from region_governments),
places(key, region, level, code, province, prefecture, tier) as (
  select rg.region, g.name, g.level, g.code, g.province, g.prefecture, g.tier
  from rg join governments g on g.code = rg.code
  union all
  select null, g.name, g.level, g.code, g.province, g.prefecture, g.tier
  from governments g where g.code not in (select code from rg where code is not null)
  union all
  select rg.region, rg.region, (
      select max(level) from (
        select level from known_sites k where k.kind = 'government' and k.region = rg.region
        union all select level from clusters c where c.region = rg.region)),
    null, rg.province, null, null
  from rg where rg.code is null and rg.region in (select region from scope)),
counted as (
  select places.*, years.year,
    (select count(*) from clusters c where c.region = places.key and c.year = years.year)
      as found
  from places cross join years),
cells as (
  select counted.*, case found when 0 then null
    when 1 then (select c.id from clusters c where c.region = counted.key and c.year = counted.year)
    else (select c.id from clusters c where c.region = counted.key and c.year = counted.year
          order by c.has_government desc, c.n_copies desc, c.chars desc, c.id limit 1)
    end as best_id
  from counted)
select cells.region, cells.level, cells.year,
  case when best.id is not null then 'found'
    when cells.key in (select region from scope) then 'gap' else 'unknown_site' end as status,
  best.id as cluster_id, best.canonical_report_id as report_id, best.canonical_url,
  best.canonical_kind, best.title, best.n_copies, cells.found as clusters,
  cells.province, cells.prefecture, cells.code, cells.tier,
  coalesce(cells.key in (select region from sites), 0) as known_site
from cells left join clusters best on best.id = cells.best_id""")
    # The landing table: one short row per report page, what a reader scans for; the row
    # page of reports keeps the text and everything technical.
    db.create_view("report_list", """
select r.region, rg.province, r.level, r.year, r.title, r.speaker, r.chars,
  c.n_copies as copies,
  case when r.wayback_ts is not null then r.wayback_ts || '/' || r.url end as replay, r.id
from reports r
left join region_governments rg on rg.region = r.region
left join report_copies rc on rc.report_id = r.id
left join clusters c on c.id = rc.cluster_id""")
# --- end what a researcher sees ---


# --- the search index holds each distinct text once (issue 20) ---
@migrations()
def m008_search_index_per_text(db: sqlite_utils.Database) -> None:
    # Copies repeat their originals word for word; indexing each text once saves most of the
    # index's cost (pipelines/store/searchindex.py).  reports_fts rowids become text ids:
    # search through reports.text_id.
    searchindex.install(db)
# --- end search index ---


@migrations()
def m009_pages_by_record_id(db: sqlite_utils.Database) -> None:
    # A resumed crawl finds each revisit's original by its WARC-Record-ID (stored.py): a
    # scan of pages per revisit took 30 ms at 200,000 rows, for every unchanged page of an
    # incremental recrawl.
    db["pages"].create_index(["warc_record_id"])



def apply(db: sqlite_utils.Database) -> None:
    """Bring the schema up to date; a no-op when every migration is already applied."""
    refuse_newer(db)
    if migrations.pending(db):
        refuse_unversioned(db)
        migrations.apply(db)


def refuse_unversioned(db: sqlite_utils.Database) -> None:
    # Databases written before the schema was versioned keyed pages by URL alone; they cannot
    # be migrated in place, but they can be rebuilt from the WARC files.
    if not migrations.applied(db) and db["pages"].exists():
        raise ValueError(
            f"{db.conn.execute('pragma database_list').fetchone()[2]}: database from an older, "
            "unversioned schema; move it aside and rebuild it from the WARC files")


def unknown_steps(db: sqlite_utils.Database) -> list[str]:
    """Steps applied to the database that this code does not know: a later version wrote it."""
    known = {m.name for m in migrations.pending(sqlite_utils.Database(memory=True))}
    return [m.name for m in migrations.applied(db) if m.name not in known]


def refuse_newer(db: sqlite_utils.Database) -> None:
    # Writing with an older idea of the tables (two checkouts, a Scrapyd egg of an older
    # version) would leave rows the newer code does not expect.
    if unknown := unknown_steps(db):
        raise ValueError(
            f"{db.conn.execute('pragma database_list').fetchone()[2]}: database written by a "
            f"newer version of this code (schema steps {', '.join(unknown)} are unknown here): "
            "use that version, or rebuild it from the WARC files with this one")
