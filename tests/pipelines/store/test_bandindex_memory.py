"""pipelines/store/copies/bandindex.py: the LSH index lives in the database writer for the
whole crawl and grows with every report, so a copy alone in its buckets (most of a copy's
bands) costs a small tuple per band, not two dicts."""

from __future__ import annotations

import random
import tracemalloc

from pipelines.store.copies import cluster
from pipelines.store.copies.bandindex import BandIndex
from pipelines.store.copies.minhash import NUM_PERM, from_blob

MAX_BYTES_PER_COPY = 6000  # lone copies: about 4,000 (with a dict per bucket: 13,800)


def signatures(n: int, originals: int | None, seed: int = 1) -> list:
    """n signatures: all different, or copies of a few originals with a few values changed."""
    rng = random.Random(seed)
    bases = [rng.randbytes(4 * NUM_PERM) for _ in range(originals or n)]
    out = []
    for i in range(n):
        blob = bytearray(bases[i % len(bases)])
        if originals is not None:
            j = rng.randrange(NUM_PERM - 3) * 4
            blob[j:j + 12] = rng.randbytes(12)
        out.append(from_blob(bytes(blob)))
    return out


def test_a_lone_copy_costs_a_few_kilobytes():
    sigs = signatures(2000, None)
    tracemalloc.start()
    try:
        index = BandIndex(cluster.THRESHOLD, NUM_PERM)
        before = tracemalloc.get_traced_memory()[0]
        for i, sig in enumerate(sigs):
            index.add(i, i, sig)
        per_copy = (tracemalloc.get_traced_memory()[0] - before) / len(sigs)
    finally:
        tracemalloc.stop()
    assert per_copy < MAX_BYTES_PER_COPY
    assert all(index.candidates(sig) == {i: [i]} for i, sig in enumerate(sigs[:50]))


def test_removing_copies_leaves_the_index_of_those_left():
    """Buckets go from one copy to several and back as copies come and go; the candidates
    are those of an index that only ever held the copies left."""
    sigs = signatures(600, 20)
    index = BandIndex(cluster.THRESHOLD, NUM_PERM)
    for i, sig in enumerate(sigs):
        index.add(i, i % 20, sig)
    gone = set(random.Random(2).sample(range(len(sigs)), 450))
    for i in sorted(gone):
        index.remove(i)
    fresh = BandIndex(cluster.THRESHOLD, NUM_PERM)
    for i, sig in enumerate(sigs):
        if i not in gone:
            fresh.add(i, i % 20, sig)
    assert [index.candidates(s) for s in sigs] == [fresh.candidates(s) for s in sigs]
    assert any(len(c) > 1 for c in fresh.candidates(sigs[0]).values())  # shared buckets
    for i in range(len(sigs)):
        index.remove(i)
    assert len(index) == 0 and not any(index.tables)
