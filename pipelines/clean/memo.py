"""Bounded memos for cleaning stages that are pure functions of a text (a line, a page's).

A report reaches a crawl many times over (mirrors, reposts, content-farm copies, a site's
own print and mobile views), and every copy repeats the lines of the others, so a stage
that depends on its text and nothing else can answer a text it has seen from a memo.  Each
memo forgets (roughly) the entries least recently asked for first and is bounded by the characters it
holds; longer texts are never memoised (a hostile page's megabyte line would only crowd
the others out).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

MAX_LINE = 2000  # characters: longer lines are computed each time
BUDGET = 500_000  # characters of texts each memo keeps (a few MB with their answers)
_MISS = object()
ENTRY = 50  # characters' worth of bookkeeping an entry costs: many short lines count too


class Memo(dict, Generic[K, T]):
    """`fn(key)`, memoised for keys (texts) of at most `longest` characters (`size`).

    Least recently used first out, approximately and cheaply: entries live in a young and
    an old generation of at most half the budget each; a hit in the old one moves the entry
    to the young one, and a full young generation becomes the old one (the old is dropped).

    The memo is its own young generation: a call is dict.__getitem__, so a hit (most of a
    page's) runs no Python code at all; a miss goes to __missing__.  `memo[key]` is the
    same as `memo(key)` and cheaper still (no call slot), for the hottest call sites."""

    __slots__ = ("fn", "budget", "longest", "size", "_old", "_young_held", "_old_held")
    _all: list[Memo] = []
    enabled = True  # False: nothing is kept (so after forget() every call computes), line-wise paths off

    def __init__(self, fn: Callable[[K], T], budget: int = BUDGET, longest: int = MAX_LINE,
                 size: Callable[[K], int] = len):
        super().__init__()
        self.fn = fn
        self.budget = budget
        self.longest = longest
        self.size = size
        self._old: dict[K, T] = {}
        self._young_held = self._old_held = 0
        Memo._all.append(self)

    __call__ = dict.__getitem__

    def __missing__(self, key: K) -> T:
        if not Memo.enabled:
            return self.fn(key)
        if (found := self._old.pop(key, _MISS)) is not _MISS:
            n = self.size(key) + ENTRY
            self._old_held -= n
            self._keep(key, found, n)  # type: ignore[arg-type]
            return found  # type: ignore[return-value]
        value = self.fn(key)
        if (n := self.size(key)) <= self.longest and n + ENTRY <= self.budget // 2:
            self._keep(key, value, n + ENTRY)
        return value

    def _keep(self, key: K, value: T, n: int) -> None:
        if self._young_held + n > self.budget // 2:
            self._old, self._old_held = dict(self), self._young_held
            dict.clear(self)
            self._young_held = 0
        self[key] = value
        self._young_held += n

    @property
    def _held(self) -> int:
        return self._young_held + self._old_held

    def __len__(self) -> int:
        return dict.__len__(self) + len(self._old)

    def clear(self) -> None:
        dict.clear(self)
        self._old = {}
        self._young_held = self._old_held = 0

    @classmethod
    def clear_all(cls) -> None:
        """Forget every memo (timing tests measure the work, not the memo)."""
        for cache in cls._all:
            cache.clear()
