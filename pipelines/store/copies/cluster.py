"""Near-duplicate clusters of reports, assigned incrementally as report pages are recorded.

Every report page (a `reports` row) is one copy: its MinHash signature (pipelines/fingerprint)
is stored in `report_copies.minhash`; an LSH index over them, grouped by cluster
(pipelines/store/copies/bandindex.py), is built in memory once per process from the database and kept in
step as copies arrive.  A new copy joins the cluster of its most similar candidate copy
(estimated Jaccard >= CLUSTER_THRESHOLD): a few copies and the canonical copy of each of the
clusters sharing the most LSH bands with it, so a look-up costs the same however many copies
a report has.  It is not merged with a copy known to be of a different report: different
regions, or the same region and different years (consecutive years' reports share
boilerplate).  There is no transitive merging of clusters, so one middling copy cannot chain
two reports together.  The cluster's kinds and canonical copy are then updated
(pipelines/store/copies/ranking.py applies pipelines/store/copies/canonical.py's rules incrementally) and only the rows
that changed are written.

`pipelines.store.record.record_page` calls `add_report` / `forget_report` inside its transaction, so
the live crawl and `scrapy extract` cluster the same way.
"""

from __future__ import annotations

import json
import logging
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.clean.result import CleanResult, Removal
from pipelines.page import Fingerprint
from pipelines.store.copies.canonical import Copy, Damage, SiteIndex, tier
from pipelines.store.copies.ranking import Ranking
from pipelines.store.db import host, insert_row, now_iso, update_row
from pipelines.store.sites import SitesFileError, load_sites

if TYPE_CHECKING:
    import sqlite_utils  # annotations only: the crawl process imports this module

    from pipelines.store.copies.minhash import Signature


# minhash and bandindex (numpy) are imported by the methods that use them: the crawl process
# imports this module but clusters only in the database writer.  fingerprint (OpenCC, its
# tables) only for a report that comes without its fingerprint: the cleaning workers send it.

logger = logging.getLogger(__name__)

THRESHOLD = 0.5  # default CLUSTER_THRESHOLD
CACHED_CLUSTERS = 10_000  # rankings kept in memory; others are read again when touched

# One Clusterer per open database, for the life of the process.
_registry: weakref.WeakKeyDictionary[sqlite_utils.Database, Clusterer | None] = \
    weakref.WeakKeyDictionary()


def read_sites(path: str | Path | None) -> list[dict[str, Any]]:
    """known_sites rows from a sites file (None: the one shipped in the package, read so it
    also works from a zipped egg); a broken file is logged and yields none."""
    try:
        sites = load_sites(path)
    except (OSError, SitesFileError) as e:
        logger.error("clusters: cannot read sites file %s: %s", path, e)
        return []
    return [{"name": s.name, "region": s.region, "level": s.level, "province": s.province,
             "kind": s.kind, "hosts": json.dumps(list(s.hosts))} for s in sites]


def attach(db: sqlite_utils.Database, sites_file: str | Path | None = None,
           threshold: float = THRESHOLD, enabled: bool = True) -> Clusterer | None:
    """Start clustering for db: record the sites file's sites (regions for coverage, hosts for
    kinds) and load the index.  enabled=False switches clustering off for this db."""
    if not enabled:
        _registry[db] = None
        return None
    if sites_file is not None:
        record_sites(db, read_sites(sites_file))
    clusterer = Clusterer(db, threshold)
    _registry[db] = clusterer
    clusterer.add_missing()
    return clusterer


def record_sites(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    with db.atomic():
        db.execute("delete from known_sites")
        db["known_sites"].insert_all(rows)


def for_db(db: sqlite_utils.Database) -> Clusterer | None:
    if db not in _registry:
        # Re-extraction and other writers that did not attach: the sites recorded by the
        # crawl that made the database, else the shipped sites file.
        if not db.execute("select count(*) from known_sites").fetchone()[0]:
            record_sites(db, read_sites(None))
        attach(db)
    return _registry[db]


def add_report(db: sqlite_utils.Database, report_id: int, page_id: int, url: str,
               result: CleanResult, fingerprint: Fingerprint | None = None) -> int | None:
    """Cluster a report row just written; returns its cluster id (None: clustering off).
    fingerprint: the text's, if already computed (by the cleaning worker)."""
    clusterer = for_db(db)
    return clusterer.add(report_id, page_id, url, result, fingerprint) if clusterer else None


def forget_report(db: sqlite_utils.Database, report_id: int) -> None:
    """Take a report row out of its cluster before the row is deleted."""
    clusterer = for_db(db)
    if clusterer:
        clusterer.forget(report_id)


class Clusterer:
    def __init__(self, db: sqlite_utils.Database, threshold: float = THRESHOLD):
        self.db = db
        self.threshold = threshold
        sites = db.execute("select name, region, level, kind, hosts from known_sites").fetchall()
        self.sites = SiteIndex.from_rows(sites)
        from pipelines.store.copies import minhash as mh  # lazy: keeps the crawl process lean
        from pipelines.store.copies.bandindex import BandIndex  # lazy: the same
        self.index = BandIndex(threshold, mh.NUM_PERM)
        # The rankings of recently touched clusters (least recently used dropped first).
        self.rankings: OrderedDict[int, Ranking] = OrderedDict()
        self.last_id = 0
        self.data_version = self._data_version()
        self._sync()

    def _data_version(self) -> int:
        return int(self.db.execute("pragma data_version").fetchone()[0])

    def _sync(self) -> None:
        """Index copies written since the last look (at first: all), also by another writer;
        after another connection's commit the cached rankings are read again."""
        from pipelines.store.copies import minhash as mh  # lazy: keeps the crawl process lean
        version = self._data_version()
        if version != self.data_version:
            self.data_version = version
            self.rankings.clear()
        for copy_id, cluster_id, blob in self.db.execute(
                "select id, cluster_id, minhash from report_copies where id > ? and shingles >= ?"
                " and minhash is not null", [self.last_id, mh.MIN_SHINGLES]):
            self.index.add(copy_id, cluster_id, mh.from_blob(blob))
        self.last_id = self.db.execute("select coalesce(max(id), 0) from report_copies"
                                       ).fetchone()[0]

    def add(self, report_id: int, page_id: int, url: str, result: CleanResult,
            fingerprint: Fingerprint | None = None) -> int:
        from pipelines.store.copies import minhash as mh  # lazy: keeps the crawl process lean
        if fingerprint is None:
            from pipelines.store.copies.fingerprint import fingerprint_of
            fingerprint = fingerprint_of(result.text)
        sig, shingles = mh.from_blob(fingerprint.minhash), fingerprint.shingles
        self._sync()
        found = self.db.execute("select id, cluster_id from report_copies where report_id = ?",
                                [report_id]).fetchone()
        old = self._ranking(found[1]) if found else None
        if found:  # recorded again (re-extraction): place it afresh
            self.index.remove(found[0])
        cluster_id = self._match(sig, shingles, result.region, result.year,
                                 found[0] if found else None)
        if cluster_id is None:
            cluster_id = insert_row(self.db, "clusters", {"n_copies": 0})
            self._cache(cluster_id, Ranking())
        ranking = self._ranking(cluster_id)
        damage = Damage.of(result)
        row = {"cluster_id": cluster_id, "report_id": report_id, "page_id": page_id,
               "url": url, "host": host(url), "region": result.region, "year": result.year,
               "chars": len(result.text), "shingles": shingles,
               "spam_injected": int(damage.spam_injected),
               "converter_damaged": int(damage.converter_damaged),
               "is_template": int(damage.is_template), "farm_marks": int(damage.farm_marks),
               "minhash": fingerprint.minhash}
        if found:
            copy_id = found[0]
            update_row(self.db, "report_copies", copy_id, row)
        else:
            copy_id = insert_row(self.db, "report_copies", row)
        if shingles >= mh.MIN_SHINGLES:
            self.index.add(copy_id, cluster_id, sig)
        self.last_id = max(self.last_id, copy_id)
        marked = self.db.execute("select is_fragment from reports where id = ?",
                                 [report_id]).fetchone()
        copy = Copy(copy_id, url, self.sites.host_kind(row["host"]), row["chars"], damage,
                    marked_fragment=bool(marked and marked[0]), report_id=report_id)
        left = old.remove(copy_id) if old is not None else set()
        if old is not None and old is not ranking:
            self._write(found[1], old, left, {})
            left = set()
        touched = ranking.add(copy, result.region, result.year) | left
        # A re-recorded canonical copy brings its report's new text to the cluster's row.
        self._write(cluster_id, ranking, touched, {copy_id: sig},
                    rewrite=found is not None and ranking.best is copy)
        return cluster_id

    def _match(self, sig: Signature, shingles: int, region: str | None, year: int | None,
               own: int | None) -> int | None:
        from pipelines.store.copies import minhash as mh  # lazy: keeps the crawl process lean
        if shingles < mh.MIN_SHINGLES:
            return None
        picks = self.index.candidates(sig)
        ids = {i for members in picks.values() for i in members}
        # And each cluster's canonical copy, the one its row shows.
        ids |= {r.best.id for c in picks if (r := self.rankings.get(c)) and r.best}
        if own is not None:
            ids.discard(own)
        if not ids:
            return None
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(f"select id, cluster_id, region, year, minhash from report_copies"
                               f" where id in ({marks}) and minhash is not null",
                               list(ids)).fetchall()
        best: tuple[float, int] | None = None
        for _copy_id, cluster_id, c_region, c_year, blob in rows:
            if region and c_region and region != c_region:
                continue  # two places' reports
            if year and c_year and year != c_year:
                continue  # two years' reports of one place (or one place and another's)
            sim = sig.jaccard(mh.from_blob(blob))
            if sim >= self.threshold and (best is None or sim > best[0]):
                best = (sim, cluster_id)
        return best[1] if best else None

    def add_missing(self) -> int:
        """Cluster report rows that have no copy row: a database written before clustering
        existed, or one merged from several workers' databases."""
        missing = self.db.execute(
            "select id, page_id, url, title, text, region, year, script, is_template,"
            " spam_removed, removals from reports where id not in"
            " (select report_id from report_copies) order by id").fetchall()
        for rid, page_id, url, title, text, region, year, script, template, spam, rem in missing:
            result = CleanResult(
                is_report=True, title=title or "", text=text or "", region=region, year=year,
                script=script or "hans", is_template=bool(template), spam_removed=spam or 0,
                removals=[Removal(k, t) for k, t in json.loads(rem or "[]")])
            with self.db.atomic():
                self.add(rid, page_id, url, result)
        if missing:
            logger.info("clusters: clustered %d earlier report rows", len(missing))
        return len(missing)

    def forget(self, report_id: int) -> None:
        self._sync()
        found = self.db.execute("select id, cluster_id from report_copies where report_id = ?",
                                [report_id]).fetchone()
        if found:
            ranking = self._ranking(found[1])
            self.index.remove(found[0])
            self.db.execute("delete from report_copies where id = ?", [found[0]])
            self._write(found[1], ranking, ranking.remove(found[0]), {})

    def _ranking(self, cluster_id: int) -> Ranking:
        """The cluster's ranking: cached unless its copies changed behind this object's back
        (a rolled-back transaction, a direct delete), else read from the database."""
        ranking = self.rankings.get(cluster_id)
        if ranking is not None:
            count = self.db.execute("select count(*) from report_copies where cluster_id = ?",
                                    [cluster_id]).fetchone()[0]
            if count == len(ranking):
                self.rankings.move_to_end(cluster_id)
                return ranking
        ranking = Ranking()
        rows = self.db.execute(
            "select c.id, c.url, c.host, c.chars, c.spam_injected, c.converter_damaged,"
            " c.is_template, c.farm_marks, r.is_fragment, c.report_id, c.region, c.year,"
            " c.kind, c.rank, c.is_canonical, c.similarity, c.is_fragment"
            " from report_copies c left join reports r on r.id = c.report_id"
            " where c.cluster_id = ? order by c.id", [cluster_id]).fetchall()
        for r in rows:
            ranking.add(Copy(r[0], r[1], self.sites.host_kind(r[2]), r[3],
                             Damage(bool(r[4]), bool(r[5]), bool(r[6]), bool(r[7])),
                             marked_fragment=bool(r[8]), report_id=r[9]), r[10], r[11])
            ranking.written[r[0]] = tuple(r[12:17])
            if r[14]:
                ranking.canonical = r[0]
        # Rows as an older version or another writer left them are compared once.
        ranking.unchecked = set(ranking.copies)
        self._cache(cluster_id, ranking)
        return ranking

    def _cache(self, cluster_id: int, ranking: Ranking) -> None:
        self.rankings[cluster_id] = ranking
        while len(self.rankings) > CACHED_CLUSTERS:
            self.rankings.popitem(last=False)

    def _write(self, cluster_id: int, ranking: Ranking, touched: set[int],
               sigs: dict[int, Signature], rewrite: bool = False) -> None:
        """Write the copies whose ranking changed and the cluster's row."""
        from pipelines.store.copies import minhash as mh  # lazy: keeps the crawl process lean
        best = ranking.best
        if best is None:
            self.db.execute("delete from clusters where id = ?", [cluster_id])
            self.rankings.pop(cluster_id, None)
            return
        sims: dict[int, float | None] = {}
        if ranking.canonical != best.id or rewrite:  # similarities are to the canonical copy
            blobs = dict(self.db.execute("select id, minhash from report_copies where"
                                         " cluster_id = ? and minhash is not null",
                                         [cluster_id]).fetchall())
            best_sig = mh.from_blob(blobs[best.id]) if best.id in blobs else None
            sims = {i: self._similarity(best_sig, mh.from_blob(b)) for i, b in blobs.items()}
            touched = set(ranking.copies)
            ranking.canonical, rewrite = best.id, True
        elif sigs:
            best_blob = self.db.execute("select minhash from report_copies where id = ?",
                                        [best.id]).fetchone()
            best_sig = mh.from_blob(best_blob[0]) if best_blob and best_blob[0] else None
            sims = {i: self._similarity(best_sig, s) for i, s in sigs.items()}
        updates = []
        touched = touched | ranking.unchecked | {best.id}
        ranking.unchecked = set()
        for copy_id in touched:
            c = ranking.copies.get(copy_id)
            if c is None:
                continue
            had = ranking.written.get(copy_id)
            sim = 1.0 if c is best else sims.get(copy_id, had[3] if had else None)
            values = (c.kind, 1 if c is best else 2 + tier(c), int(c is best), sim,
                      int(c.is_fragment))
            if values != had:
                updates.append((*values, copy_id))
                ranking.written[copy_id] = values
        self.db.conn.executemany("update report_copies set kind = ?, rank = ?, is_canonical = ?,"
                                 " similarity = ?, is_fragment = ? where id = ?", updates)
        kinds = {k: n for k, n in sorted(ranking.kinds.items()) if n > 0}
        row: dict[str, Any] = {"n_copies": len(ranking), "kinds": json.dumps(kinds),
                               "has_government": int(kinds.get("government", 0) > 0),
                               "updated_at": now_iso()}
        if rewrite or not ranking.rep_known:
            rep = self.db.execute("select page_id, url, region, level, year, title, text from"
                                  " reports where id = ?", [best.report_id]).fetchone()
            row.update({
                "canonical_report_id": best.report_id, "canonical_page_id": rep[0],
                "canonical_url": rep[1], "canonical_host": host(rep[1]),
                "canonical_kind": best.kind, "level": rep[3], "title": rep[5], "text": rep[6],
                "chars": len(rep[6] or "")})
            ranking.rep_region, ranking.rep_year, ranking.rep_known = rep[2], rep[4], True
        else:
            row["canonical_kind"] = best.kind
        row["region"] = ranking.rep_region or ranking.most_common(ranking.regions)
        row["year"] = ranking.rep_year or ranking.most_common(ranking.years)
        update_row(self.db, "clusters", cluster_id, row)

    @staticmethod
    def _similarity(best: Signature | None, sig: Signature) -> float | None:
        return round(sig.jaccard(best), 3) if best is not None else None
