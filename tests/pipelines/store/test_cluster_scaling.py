"""Issue 20: clustering stays linear when most reports are copies of a few.

No timing: the work per copy is counted (rows written, candidates compared), and the
incremental ranking is checked against the from-scratch rules of pipelines/store/copies/canonical.py.
"""

from __future__ import annotations

import random

import pytest

from bench.cluster import insert_reports, reports
from pipelines.store.copies import cluster
from pipelines.store.copies.bandindex import PER_CLUSTER, BandIndex
from pipelines.store.copies.canonical import Copy, Damage, ranked, tier
from pipelines.store.copies.fingerprint import fingerprint_of
from pipelines.store.copies.minhash import NUM_PERM, from_blob
from pipelines.store.copies.ranking import Ranking
from pipelines.store.db import open_db


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "r.db")
    yield database
    database.close()


def test_a_copy_joining_a_big_cluster_writes_a_bounded_number_of_rows(db):
    made, originals = reports(400)
    cluster.attach(db)  # before the rows exist, or attaching clusters them all
    ids = insert_reports(db, made)
    changes = []
    for (report_id, page_id), rep in zip(ids, made, strict=True):
        before = db.conn.total_changes
        with db.atomic():
            cluster.add_report(db, report_id, page_id, rep.url, rep.result)
        changes.append(db.conn.total_changes - before)
    sizes = [n for (n,) in db.execute("select n_copies from clusters")]
    assert len(sizes) == originals and max(sizes) > 60  # a few big clusters
    # The old code rewrote every copy of the cluster on every add (up to max(sizes) rows);
    # now a copy ranking behind the canonical one writes its own row and its cluster's.
    late = sorted(changes[-100:])
    assert late[len(late) // 2] <= 4, late
    # Same clusters as reports() made: every copy is with its original.
    part = {}
    for cid, url in db.execute("select cluster_id, url from report_copies"):
        part.setdefault(cid, []).append(url)
    assert len(part) == originals


def test_candidates_are_a_few_copies_of_each_cluster():
    made, _ = reports(300)
    index = BandIndex(cluster.THRESHOLD, NUM_PERM)
    sigs = [from_blob(fingerprint_of(rep.result.text).minhash) for rep in made]
    for i, sig in enumerate(sigs):
        index.add(i, hash(made[i].result.title) % 7, sig)  # 7 made-up clusters
    found = index.candidates(sigs[0])
    assert found and all(len(members) <= PER_CLUSTER for members in found.values())
    index.remove(0)
    assert 0 not in {m for members in index.candidates(sigs[0]).values() for m in members}
    for i in range(1, len(sigs)):
        index.remove(i)
    assert len(index) == 0 and not any(index.tables)


def random_copy(rng: random.Random, i: int) -> Copy:
    hosts = ["www.a.gov.cn", "mirror.example.com", "farm.example.com", "news.example.com"]
    host = rng.choice(hosts)
    kind = "government" if host.endswith(".gov.cn") else \
        "content_farm" if host.startswith("farm") else None
    path = rng.choice(["/zwgk/a.html", "/zwgk/b.html", f"/x/{i}.html"])
    damage = Damage(rng.random() < 0.3, rng.random() < 0.3, rng.random() < 0.2,
                    rng.random() < 0.1)
    return Copy(i, f"http://{host}{path}", kind, rng.choice([500, 800, 1000, 1200, 1300]),
                damage, marked_fragment=rng.random() < 0.1)


@pytest.mark.parametrize("seed", range(30))
def test_incremental_ranking_matches_the_rules_from_scratch(seed):
    rng = random.Random(seed)
    ranking = Ranking()
    live: dict[int, Copy] = {}
    for i in range(1, 60):
        if live and rng.random() < 0.3:
            gone = rng.choice(sorted(live))
            ranking.remove(gone)
            del live[gone]
        else:
            c = random_copy(rng, i)
            live[i] = c
            ranking.add(c)
        fresh = [Copy(c.id, c.url, c.host_kind, c.chars, c.damage,
                      marked_fragment=c.marked_fragment) for c in live.values()]
        order = ranked(fresh)
        assert (ranking.best.id if ranking.best else None) == (order[0].id if order else None)
        by_id = {c.id: c for c in order}
        for c in live.values():
            assert (c.kind, c.is_fragment) == (by_id[c.id].kind, by_id[c.id].is_fragment)
        # The stored rank (1, else 2 + tier) sorts the copies as the full ranking does.
        stored = sorted(order, key=lambda c: (1 if c is order[0] else 2 + tier(c), -c.chars,
                                              c.id))
        assert [c.id for c in stored] == [c.id for c in order]
        assert sum(n for n in ranking.kinds.values()) == len(live)


def test_a_rolled_back_copy_leaves_no_trace_in_the_cached_ranking(db):
    made, _ = reports(60)
    cluster.attach(db)
    ids = insert_reports(db, made)
    for (report_id, page_id), rep in zip(ids[:-1], made[:-1], strict=True):
        with db.atomic():
            cluster.add_report(db, report_id, page_id, rep.url, rep.result)
    (report_id, page_id), rep = ids[-1], made[-1]
    with pytest.raises(RuntimeError), db.atomic():
        joined = cluster.add_report(db, report_id, page_id, rep.url, rep.result)
        raise RuntimeError("the page's transaction fails after clustering")
    # Another copy of that cluster leaves: its row counts what the database holds.
    (other,) = db.execute("select report_id from report_copies where cluster_id = ?"
                          " order by id desc limit 1", [joined]).fetchone()
    with db.atomic():
        cluster.forget_report(db, other)
        db.execute("delete from reports where id = ?", [other])
    with db.atomic():
        cluster.add_report(db, report_id, page_id, rep.url, rep.result)
    for cid, n in db.execute("select id, n_copies from clusters").fetchall():
        counted = db.execute("select count(*) from report_copies where cluster_id = ?",
                             [cid]).fetchone()[0]
        assert n == counted, cid
    assert db.execute("select count(*) from report_copies").fetchone()[0] == len(made) - 1
