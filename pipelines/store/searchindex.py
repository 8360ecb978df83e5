"""The full-text index holds each distinct report text once (issue 20).

FTS5 with the trigram tokenizer costs about 20 ms of CPU per 23,000-character report, and on
a site of reposts most report rows repeat another's title and text word for word.  So
`reports_fts` indexes texts, not rows: every reports row names in `text_id` the row whose
index entry holds its title and text (its own id, or the first row with the same title and
text), and a search joins on it:

    select r.* from reports r where r.text_id in
      (select rowid from reports_fts where reports_fts match '"冰汤圆"')

Rows with equal texts are found by `text_hash` (`text_hash()`, written by record_page) and
compared in full before they share an entry, so a row written without a hash (or with a
wrong one) only misses the sharing.  Triggers keep the index in step with every insert,
update and delete, by any writer: when the row holding a text's entry goes, the next row with
that text takes the entry over.  The index's external content is the view
`reports_fts_texts` (one row per entry), so FTS5's `snippet()`, `rebuild` and
`integrity-check` work as on any external-content table.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for annotations only: the crawl process imports this module, and
    import sqlite_utils  # sqlite_utils brings numpy (15 MB resident there)

VIEW = "reports_fts_texts"


def text_hash(title: str | None, text: str | None) -> str:
    """What reports.text_hash holds for a row with this title and text."""
    data = f"{title or ''}\0{text or ''}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# Takes the row `old` out of its text's entry: if it held the entry, the entry goes, and the
# next row with that text (if any) holds it again and is pointed at by the others.
_LEAVE = """
  insert into reports_fts(reports_fts, rowid, title, text)
    select 'delete', old.id, old.title, old.text where old.text_id = old.id;
  insert into reports_fts(rowid, title, text)
    select id, title, text from reports
    where old.text_id = old.id
      and id = (select min(id) from reports where text_id = old.id and id != old.id);
  update reports set text_id = next.id
    from (select min(id) as id from reports where text_id = old.id and id != old.id) as next
    where old.text_id = old.id and reports.text_id = old.id and reports.id != old.id;"""

# Puts the row `new` in the entry of its title and text (held by a row with its hash, title
# and text), or makes it one.  The triggers only ever set text_id themselves, so they never
# fire each other (sqlite-utils turns recursive triggers on; other readers leave them off).
_JOIN = """
  update reports set text_id = coalesce(
    (select t.id from reports t where t.text_hash = new.text_hash and t.id = t.text_id
       and t.id != new.id and t.title is new.title and t.text is new.text),
    new.id) where id = new.id;
  insert into reports_fts(rowid, title, text)
    select new.id, new.title, new.text
    where (select text_id from reports where id = new.id) = new.id;"""

TRIGGERS = [
    "create trigger reports_text_ai after insert on reports begin" + _JOIN + "\nend",
    "create trigger reports_text_ad after delete on reports begin" + _LEAVE + "\nend",
    "create trigger reports_text_au after update of title, text, text_hash on reports"
    " when old.title is not new.title or old.text is not new.text"
    " or old.text_hash is not new.text_hash begin" + _LEAVE + _JOIN + "\nend",
]


def install(db: sqlite_utils.Database) -> None:
    """Replace the per-row index (migration m002) with the per-text one, indexing what the
    database holds: the first row of each title and text holds its entry."""
    for name in ("reports_ai", "reports_ad", "reports_au"):  # m002's, via sqlite-utils
        db.execute(f"drop trigger if exists [{name}]")
    db.execute("drop table if exists reports_fts")
    db["reports"].add_column("text_hash", str)
    db["reports"].add_column("text_id", int)
    holders: dict[str, int] = {}
    rows = db.execute("select id, title, text from reports order by id")
    updates = []
    for rowid, title, text in rows:
        digest = text_hash(title, text)
        updates.append((digest, holders.setdefault(digest, rowid), rowid))
    db.conn.executemany("update reports set text_hash = ?, text_id = ? where id = ?", updates)
    db["reports"].create_index(["text_hash"])
    db["reports"].create_index(["text_id"])
    db.execute(f"create view {VIEW} as select id, title, text from reports where id = text_id")
    db.execute(f"create virtual table reports_fts using fts5(title, text, tokenize='trigram',"
               f" content='{VIEW}', content_rowid='id')")
    db.execute("insert into reports_fts(reports_fts) values ('rebuild')")
    for trigger in TRIGGERS:
        db.execute(trigger)
