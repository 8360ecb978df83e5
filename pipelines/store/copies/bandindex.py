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

from pipelines.store.copies.minhash import Signature, bands_and_rows

PER_CLUSTER = 3  # copies of one cluster compared with the query
MAX_CLUSTERS = 50  # clusters compared with the query: those sharing the most bands with it


# A bucket: (cluster, copy) while it holds one copy, as most of a copy's bands do (two
# dicts there cost 4 KB of the writer's memory per report, growing with the crawl); else
# cluster -> its copies in the bucket, in the order they came.
Bucket = tuple[int, int] | dict[int, dict[int, None]]


class BandIndex:
    def __init__(self, threshold: float, num_perm: int):
        self.bands, self.rows = bands_and_rows(threshold, num_perm)
        self.tables: list[dict[int, Bucket]] = [{} for _ in range(self.bands)]
        self.placed: dict[int, tuple[int, list[int]]] = {}  # copy -> (cluster, its band keys)

    def __len__(self) -> int:
        return len(self.placed)

    def keys(self, sig: Signature) -> list[int]:
        """Each band's key: the hash of its rows' bytes.  Python's own, which differs from
        one process to the next: the index lives in one process's memory and is rebuilt
        from the stored signatures by any other.  A collision (one in 2**64) only adds a
        candidate, which the caller's Jaccard estimate then rejects."""
        raw, step = sig.hashvalues.tobytes(), self.rows * sig.hashvalues.itemsize
        return [hash(raw[i:i + step]) for i in range(0, self.bands * step, step)]

    def add(self, copy_id: int, cluster_id: int, sig: Signature) -> None:
        self.remove(copy_id)  # a row id reused after a delete or a rolled-back insert
        keys = self.keys(sig)
        for table, key in zip(self.tables, keys, strict=True):
            bucket = table.get(key)
            if bucket is None:
                table[key] = (cluster_id, copy_id)
                continue
            if type(bucket) is tuple:
                bucket = table[key] = {bucket[0]: {bucket[1]: None}}
            bucket.setdefault(cluster_id, {})[copy_id] = None
        self.placed[copy_id] = (cluster_id, keys)

    def remove(self, copy_id: int) -> None:
        found = self.placed.pop(copy_id, None)
        if found is None:
            return
        cluster_id, keys = found
        for table, key in zip(self.tables, keys, strict=True):
            bucket = table[key]
            if type(bucket) is tuple:  # this copy's alone
                del table[key]
                continue
            members = bucket[cluster_id]
            del members[copy_id]
            if not members:
                del bucket[cluster_id]
            if len(bucket) == 1 and len(rest := next(iter(bucket.values()))) == 1:
                table[key] = (next(iter(bucket)), next(iter(rest)))  # one copy left

    def candidates(self, sig: Signature, per_cluster: int = PER_CLUSTER,
                   max_clusters: int = MAX_CLUSTERS) -> dict[int, list[int]]:
        """cluster -> a few of its copies, for the clusters sharing the most bands with sig."""
        hits: Counter[int] = Counter()
        picks: dict[int, list[int]] = {}
        for table, key in zip(self.tables, self.keys(sig), strict=True):
            bucket = table.get(key, {})
            found = ((bucket[0], (bucket[1],)),) if type(bucket) is tuple else bucket.items()
            for cluster_id, members in found:
                hits[cluster_id] += 1
                chosen = picks.setdefault(cluster_id, [])
                if len(chosen) < per_cluster:
                    chosen.extend(m for m in islice(members, per_cluster) if m not in chosen)
                    del chosen[per_cluster:]
        return {c: picks[c] for c, _ in hits.most_common(max_clusters)}
