"""One cluster's copies, their kinds and its canonical copy, kept up to date as copies come and go.

The rules are pipelines/store/copies/canonical.py's; this applies them incrementally.  A copy joining or
leaving changes the kind of other copies only at its own path (a government copy makes the
copies at its path mirrors) and their fragment flag only for lengths between the old and the
new longest copy's; the canonical copy changes only if the newcomer or one of those ranks
ahead of it, or it got worse itself.  So a change costs what it touches, not the cluster's
size, however many copies a report has.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from typing import Any

from pipelines.store.copies.canonical import FRAGMENT_RATIO, Copy, is_fragment, kind_of, rank_key


class Ranking:
    def __init__(self) -> None:
        self.copies: dict[int, Copy] = {}
        self.gov_paths: Counter[str] = Counter()
        self.at_path: dict[str, set[int]] = {}  # copies whose host says nothing, by path
        self.lengths: list[tuple[int, int]] = []  # (chars, id), sorted
        self.kinds: Counter[str] = Counter()
        self.meta: dict[int, tuple[Any, Any]] = {}  # copy -> (region, year)
        self.regions: Counter[Any] = Counter()
        self.years: Counter[Any] = Counter()
        self.best: Copy | None = None
        # What the database holds: each copy's (kind, rank, is_canonical, similarity,
        # is_fragment), and the copy the similarities were measured against.
        self.written: dict[int, tuple[Any, ...]] = {}
        self.canonical: int | None = None
        self.unchecked: set[int] = set()  # copies whose written values are yet to be compared
        # The canonical report's own region and year (None: taken from the copies), once its
        # row has been read.
        self.rep_region: Any = None
        self.rep_year: Any = None
        self.rep_known = False

    def __len__(self) -> int:
        return len(self.copies)

    @property
    def longest(self) -> int:
        return self.lengths[-1][0] if self.lengths else 0

    def add(self, c: Copy, region: Any = None, year: Any = None) -> set[int]:
        """Add a copy; returns the copies whose kind, fragment flag or rank may have changed."""
        before, longest = self._best_key(), self.longest
        self.copies[c.id] = c
        insort(self.lengths, (c.chars, c.id))
        c.kind = "unknown"
        self.kinds[c.kind] += 1
        touched = {c.id}
        if c.host_kind is None:
            self.at_path.setdefault(c.path, set()).add(c.id)
        elif c.host_kind == "government":
            self.gov_paths[c.path] += 1
            if self.gov_paths[c.path] == 1:
                touched |= self.at_path.get(c.path, set())
        self._count(c.id, region, year, 1)
        touched |= self._between(longest, self.longest)
        self._settle(touched, before)
        return touched

    def remove(self, copy_id: int) -> set[int]:
        c = self.copies.get(copy_id)
        if c is None:
            return set()
        before, longest = self._best_key(), self.longest
        del self.copies[copy_id]
        del self.lengths[bisect_left(self.lengths, (c.chars, c.id))]
        self.kinds[c.kind] -= 1
        self.written.pop(copy_id, None)
        touched: set[int] = set()
        if c.host_kind is None:
            self.at_path[c.path].discard(c.id)
        elif c.host_kind == "government":
            self.gov_paths[c.path] -= 1
            if not self.gov_paths[c.path]:  # no government copy at that path any more
                del self.gov_paths[c.path]
                touched |= self.at_path.get(c.path, set())
        region, year = self.meta.pop(copy_id)
        self._count(copy_id, region, year, -1)
        touched |= self._between(longest, self.longest)
        if self.best is c:
            self.best = None
        self._settle(touched, before)
        return touched

    def most_common(self, counter: Counter[Any]) -> Any:
        """A metadata value the canonical copy lacks: the most frequent, ties to the least."""
        found = [(-n, v) for v, n in counter.items() if n > 0]
        return min(found)[1] if found else None

    def _count(self, copy_id: int, region: Any, year: Any, step: int) -> None:
        if step > 0:
            self.meta[copy_id] = (region, year)
        if region is not None:
            self.regions[region] += step
        if year is not None:
            self.years[year] += step

    def _between(self, a: int, b: int) -> set[int]:
        """Copies whose fragment flag can differ between a longest copy of a and of b chars."""
        if a == b:
            return set()
        lo, hi = sorted((a, b))
        start = bisect_left(self.lengths, (FRAGMENT_RATIO * lo, -1))
        stop = bisect_left(self.lengths, (FRAGMENT_RATIO * hi, -1))
        return {i for _, i in self.lengths[start:stop]}

    def _best_key(self) -> tuple[int, ...] | None:
        return rank_key(self.best) if self.best is not None else None

    def _settle(self, touched: set[int], before: tuple[int, ...] | None) -> None:
        longest = self.longest
        for copy_id in touched:
            c = self.copies.get(copy_id)
            if c is None:
                continue
            kind = kind_of(c, self.gov_paths)
            if kind != c.kind:
                self.kinds[c.kind] -= 1
                self.kinds[kind] += 1
                c.kind = kind
            c.is_fragment = is_fragment(c, longest)
        if self.best is None or before is None or rank_key(self.best) > before:
            # Gone or worse: any copy may rank first now.
            self.best = min(self.copies.values(), key=rank_key, default=None)
        else:
            changed = [self.copies[i] for i in touched if i in self.copies]
            self.best = min([self.best, *changed], key=rank_key)
