"""Near-duplicate clusters of reports, assigned incrementally as report pages are recorded.

Every report page (a `reports` row) is one copy: its MinHash signature (pipelines/fingerprint)
is stored in `report_copies.minhash`; a datasketch MinHashLSH index over them is rebuilt in
memory once per process from the database and kept in step as copies arrive.  A new copy
joins the cluster of its most similar earlier copy (estimated Jaccard >= CLUSTER_THRESHOLD),
unless the two are known to be different reports: different regions, or the same region and
different years (consecutive years' reports share boilerplate).  There is no transitive
merging of clusters, so one middling copy cannot chain two reports together.  After every
change the cluster's kinds and canonical copy are decided again (pipelines/canonical.py) and
its `clusters` row rewritten.

`pipelines.store.record_page` calls `add_report` / `forget_report` inside its transaction, so
the live crawl and `scrapy extract` cluster the same way.
"""

from __future__ import annotations

import json
import logging
import weakref
from collections import Counter
from pathlib import Path
from typing import Any

import sqlite_utils
from datasketch import LeanMinHash, MinHashLSH

from crawler.sites import SitesFileError, load_sites
from pipelines import fingerprint as fp
from pipelines.canonical import Copy, Damage, SiteIndex, ranked
from pipelines.db import host, now_iso
from pipelines.result import CleanResult, Removal

logger = logging.getLogger(__name__)

THRESHOLD = 0.5  # default CLUSTER_THRESHOLD

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
               result: CleanResult, fingerprint: fp.Fingerprint | None = None) -> int | None:
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
        self.lsh = MinHashLSH(threshold=threshold, num_perm=fp.NUM_PERM)
        self.sigs: dict[int, LeanMinHash] = {}
        self.last_id = 0
        self._sync()

    def _sync(self) -> None:
        """Index copies written since the last look (at first: all), also by another writer."""
        for copy_id, blob in self.db.execute(
                "select id, minhash from report_copies where id > ? and shingles >= ?"
                " and minhash is not null", [self.last_id, fp.MIN_SHINGLES]):
            self._index(copy_id, fp.from_blob(blob))
        self.last_id = self.db.execute("select coalesce(max(id), 0) from report_copies"
                                       ).fetchone()[0]

    def _index(self, copy_id: int, sig: LeanMinHash) -> None:
        self._unindex(copy_id)  # a row id reused after a direct delete
        self.sigs[copy_id] = sig
        self.lsh.insert(copy_id, sig)

    def _unindex(self, copy_id: int) -> None:
        if self.sigs.pop(copy_id, None) is not None:
            self.lsh.remove(copy_id)

    def add(self, report_id: int, page_id: int, url: str, result: CleanResult,
            fingerprint: fp.Fingerprint | None = None) -> int:
        fingerprint = fingerprint or fp.Fingerprint.of(result.text)
        sig, shingles = fp.from_blob(fingerprint.minhash), fingerprint.shingles
        self._sync()
        found = self.db.execute("select id, cluster_id from report_copies where report_id = ?",
                                [report_id]).fetchone()
        if found:  # recorded again (re-extraction): place it afresh
            self._unindex(found[0])
        cluster_id = self._match(sig, shingles, result.region, result.year,
                                 found[0] if found else None)
        if cluster_id is None:
            cluster_id = int(self.db["clusters"].insert({"n_copies": 0}).last_pk)
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
            self.db["report_copies"].update(copy_id, row)
        else:
            copy_id = int(self.db["report_copies"].insert(row).last_pk)
        if shingles >= fp.MIN_SHINGLES:
            self._index(copy_id, sig)
        self.last_id = max(self.last_id, copy_id)
        self.refresh(cluster_id)
        if found and found[1] != cluster_id:
            self.refresh(found[1])
        return cluster_id

    def _match(self, sig: LeanMinHash, shingles: int, region: str | None, year: int | None,
               own: int | None) -> int | None:
        if shingles < fp.MIN_SHINGLES:
            return None
        candidates = [c for c in self.lsh.query(sig) if c != own]
        if not candidates:
            return None
        marks = ",".join("?" * len(candidates))
        rows = self.db.execute(f"select id, cluster_id, region, year from report_copies"
                               f" where id in ({marks})", candidates).fetchall()
        best: tuple[float, int] | None = None
        for copy_id, cluster_id, c_region, c_year in rows:
            if region and c_region and region != c_region:
                continue  # two places' reports
            if year and c_year and year != c_year:
                continue  # two years' reports of one place (or one place and another's)
            sim = sig.jaccard(self.sigs[copy_id])
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
        found = self.db.execute("select id, cluster_id from report_copies where report_id = ?",
                                [report_id]).fetchone()
        if found:
            self._unindex(found[0])
            self.db["report_copies"].delete(found[0])
            self.refresh(found[1])

    def refresh(self, cluster_id: int) -> None:
        """Decide kinds and the canonical copy of one cluster again; rewrite its row."""
        cols = ("c.id, c.url, c.host, c.chars, c.spam_injected, c.converter_damaged,"
                " c.is_template, c.farm_marks, c.report_id, r.is_fragment")
        rows = self.db.execute(f"select {cols} from report_copies c left join reports r"
                               " on r.id = c.report_id where c.cluster_id = ?",
                               [cluster_id]).fetchall()
        if not rows:
            self.db["clusters"].delete(cluster_id)
            return
        copies = [Copy(r[0], r[1], self.sites.host_kind(r[2]), r[3],
                       Damage(bool(r[4]), bool(r[5]), bool(r[6]), bool(r[7])),
                       marked_fragment=bool(r[9])) for r in rows]
        report_of = {r[0]: r[8] for r in rows}
        order = ranked(copies)
        best = order[0]
        best_sig = self.sigs.get(best.id)
        for rank, c in enumerate(order, 1):
            sig = self.sigs.get(c.id)
            sim = 1.0 if c is best else (
                round(sig.jaccard(best_sig), 3) if sig is not None and best_sig is not None
                else None)
            self.db["report_copies"].update(c.id, {
                "kind": c.kind, "rank": rank, "is_canonical": int(c is best),
                "similarity": sim, "is_fragment": int(c.is_fragment)})
        rep = self.db.execute("select page_id, url, region, level, year, title, text from"
                              " reports where id = ?", [report_of[best.id]]).fetchone()
        region = rep[2] or self._most_common(cluster_id, "region")
        year = rep[4] or self._most_common(cluster_id, "year")
        kinds = Counter(c.kind for c in copies)
        self.db["clusters"].update(cluster_id, {
            "canonical_report_id": report_of[best.id], "canonical_page_id": rep[0],
            "canonical_url": rep[1], "canonical_host": host(rep[1]),
            "canonical_kind": best.kind, "region": region, "level": rep[3], "year": year,
            "title": rep[5], "text": rep[6], "chars": len(rep[6] or ""),
            "n_copies": len(copies), "kinds": json.dumps(dict(sorted(kinds.items()))),
            "has_government": int(kinds["government"] > 0), "updated_at": now_iso()})

    def _most_common(self, cluster_id: int, column: str) -> Any:
        """A metadata value the canonical copy lacks, from the copies that have one."""
        found = self.db.execute(
            f"select {column}, count(*) as n from report_copies where cluster_id = ?"
            f" and {column} is not null group by {column} order by n desc, {column} limit 1",
            [cluster_id]).fetchone()
        return found[0] if found else None
