"""MinHash LSH whose buckets are grouped by cluster, so a look-up costs per cluster, not per copy.

A plain LSH index returns every copy sharing a band with the query: when most pages are copies
of a few reports, that is the whole of a cluster that keeps growing, and clustering turns
quadratic.  Here each bucket maps a cluster to its copies in that bucket; a look-up counts, per
cluster, the bands it shares with the query and returns a few copies of each of the clusters
sharing the most bands.  The bands and rows are datasketch's optimum for the threshold (false
positives and negatives weighed equally; pipelines/store/copies/minhash.py), so the same pairs
of copies meet as before.
"""

from __future__ import annotations

from collections import Counter
from itertools import islice

import numpy as np

from pipelines.store.copies.minhash import Signature, bands_and_rows

PER_CLUSTER = 3  # copies of one cluster compared with the query
MAX_CLUSTERS = 50  # clusters compared with the query: those sharing the most bands with it
# Odd 64-bit multipliers mixing a band's rows into one key (a collision only adds a candidate,
# which the caller's Jaccard estimate then rejects).
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53,
                 0x94D049BB133111EB, 0xBF58476D1CE4E5B9], dtype=np.uint64)


class BandIndex:
    def __init__(self, threshold: float, num_perm: int):
        self.bands, self.rows = bands_and_rows(threshold, num_perm)
        if self.rows > len(_MIX):
            raise ValueError(f"clusters: {self.rows} rows per band is more than supported")
        self.tables: list[dict[int, dict[int, dict[int, None]]]] = [{} for _ in range(self.bands)]
        self.placed: dict[int, tuple[int, list[int]]] = {}  # copy -> (cluster, its band keys)

    def __len__(self) -> int:
        return len(self.placed)

    def keys(self, sig: Signature) -> list[int]:
        values = np.asarray(sig.hashvalues[: self.bands * self.rows], dtype=np.uint64)
        with np.errstate(over="ignore"):  # wrapping arithmetic is the point
            mixed = (values.reshape(self.bands, self.rows) * _MIX[: self.rows]).sum(axis=1)
        return mixed.tolist()

    def add(self, copy_id: int, cluster_id: int, sig: Signature) -> None:
        self.remove(copy_id)  # a row id reused after a delete or a rolled-back insert
        keys = self.keys(sig)
        for table, key in zip(self.tables, keys, strict=True):
            table.setdefault(key, {}).setdefault(cluster_id, {})[copy_id] = None
        self.placed[copy_id] = (cluster_id, keys)

    def remove(self, copy_id: int) -> None:
        found = self.placed.pop(copy_id, None)
        if found is None:
            return
        cluster_id, keys = found
        for table, key in zip(self.tables, keys, strict=True):
            bucket = table[key]
            members = bucket[cluster_id]
            del members[copy_id]
            if not members:
                del bucket[cluster_id]
                if not bucket:
                    del table[key]

    def candidates(self, sig: Signature, per_cluster: int = PER_CLUSTER,
                   max_clusters: int = MAX_CLUSTERS) -> dict[int, list[int]]:
        """cluster -> a few of its copies, for the clusters sharing the most bands with sig."""
        hits: Counter[int] = Counter()
        picks: dict[int, list[int]] = {}
        for table, key in zip(self.tables, self.keys(sig), strict=True):
            for cluster_id, members in table.get(key, {}).items():
                hits[cluster_id] += 1
                chosen = picks.setdefault(cluster_id, [])
                if len(chosen) < per_cluster:
                    chosen.extend(m for m in islice(members, per_cluster) if m not in chosen)
                    del chosen[per_cluster:]
        return {c: picks[c] for c, _ in hits.most_common(max_clusters)}
