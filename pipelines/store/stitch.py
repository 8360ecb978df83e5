"""Stitch an article split over several pages into one report row.

Every part is archived and recorded as its own page; the cleaner says which part of which
article a page is (pipelines/clean/parts.py).  `record` keeps each part's cleaned text in
`report_parts` and rewrites the first part's `reports` row with the parts' texts in order:
its `text`, `chars`, `parts` (the URLs joined, JSON), `is_fragment` (1 while a part is
missing or the whole is still no full report) and `is_template`, and places it in its
cluster again.  The parts may arrive in any order, and again (re-extraction): the row only
ever holds the parts from the first one on without a gap.

`pipelines.store.record.record_page` calls `record` in the page's transaction, so the live crawl
and `scrapy extract` (which reads every part from the WARC) stitch alike.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for annotations only: the crawl process imports this module, and
    import sqlite_utils  # sqlite_utils brings numpy (15 MB resident there)

from pipelines.clean import classify
from pipelines.clean.result import CleanResult, Removal
from pipelines.page import Page
from pipelines.store import searchindex
from pipelines.store.copies import cluster

_REPORT_COLUMNS = ("id", "page_id", "url", "title", "region", "level", "year", "script",
                   "is_template", "spam_removed", "removals")


def record(db: sqlite_utils.Database, page: Page, page_id: int) -> None:
    """Keep a part's text and stitch its article's report row again."""
    result = page.cleaned
    if result is None or not result.part_of:
        return
    db.execute(
        "insert into report_parts (article_url, part_index, url, page_id, part_count, text)"
        " values (?, ?, ?, ?, ?, ?) on conflict (article_url, part_index) do update set"
        " url = excluded.url, page_id = excluded.page_id, part_count = excluded.part_count,"
        " text = excluded.text",
        [result.part_of, result.part_index, page.url, page_id, len(result.part_urls),
         result.text])
    stitch(db, result.part_of)


def stitch(db: sqlite_utils.Database, article_url: str, recluster: bool = True) -> int | None:
    """Rewrite the report row of the article's first part from its parts; its id, or None
    while the first part is not recorded as a report.  recluster=False leaves clustering
    to the caller (a merge clusters every report once all sources are in)."""
    cols = ", ".join(f"r.{c}" for c in _REPORT_COLUMNS)
    first = db.execute(
        f"select {cols} from report_parts p join reports r on r.page_id = p.page_id"
        " where p.article_url = ? and p.part_index = 0", [article_url]).fetchone()
    if first is None:
        return None
    row = dict(zip(_REPORT_COLUMNS, first, strict=True))
    parts = db.execute("select part_index, url, part_count, text from report_parts"
                       " where article_url = ? order by part_index", [article_url]).fetchall()
    run = []  # the parts from the first on, up to the first gap
    for index, url, _count, text in parts:
        if index != len(run):
            break
        run.append((url, text or ""))
    expected = max(max(count or 0, index + 1) for index, _u, count, _t in parts)
    text = "\n".join(t for _u, t in run if t)
    lines = text.split("\n")
    whole, fragment = classify.judge(row["title"] or "", lines)
    is_fragment = len(run) < expected or not whole or fragment
    row["is_template"] = classify.is_template(text)
    db.execute("update reports set text = ?, text_hash = ?, chars = ?, parts = ?,"
               " is_fragment = ?, is_template = ? where id = ?",
               [text, searchindex.text_hash(row["title"], text), len(text),
                json.dumps([u for u, _t in run], ensure_ascii=False),
                int(is_fragment), int(row["is_template"]), row["id"]])
    if recluster:
        cluster.add_report(db, row["id"], row["page_id"], row["url"], _result(row, text))
    return int(row["id"])


def _result(row: dict[str, Any], text: str) -> CleanResult:
    """The stitched report as clustering sees a cleaned page."""
    removals = [Removal(kind, t) for kind, t in json.loads(row["removals"] or "[]")]
    return CleanResult(is_report=True, title=row["title"] or "", text=text,
                       region=row["region"], level=row["level"], year=row["year"],
                       script=row["script"] or "hans", is_template=bool(row["is_template"]),
                       spam_removed=row["spam_removed"] or 0, removals=removals)
