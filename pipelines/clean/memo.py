"""Bounded memos for cleaning stages that are pure functions of a text (a line, a page's).

A report reaches a crawl many times over (mirrors, reposts, content-farm copies, a site's
own print and mobile views), and every copy repeats the lines of the others, so a stage
that depends on its text and nothing else can answer a text it has seen from a memo.  Each
memo forgets the entries least recently asked for first and is bounded by the characters it
holds; longer texts are never memoised (a hostile page's megabyte line would only crowd
the others out).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

MAX_LINE = 2000  # characters: longer lines are computed each time
BUDGET = 500_000  # characters of texts each memo keeps (a few MB with their answers)
ENTRY = 50  # characters' worth of bookkeeping an entry costs: many short lines count too


class Memo(Generic[K, T]):
    """`fn(key)`, memoised for keys (texts) of at most `longest` characters (`size`)."""

    _all: list[Memo] = []
    enabled = True  # False: every call computes, line-wise paths off (tests compare both)

    def __init__(self, fn: Callable[[K], T], budget: int = BUDGET, longest: int = MAX_LINE,
                 size: Callable[[K], int] = len):
        self.fn = fn
        self.budget = budget
        self.longest = longest
        self.size = size
        self._memo: OrderedDict[K, tuple[int, T]] = OrderedDict()
        self._held = 0
        Memo._all.append(self)

    def __call__(self, key: K) -> T:
        if not Memo.enabled:
            return self.fn(key)
        memo = self._memo
        if (found := memo.get(key)) is not None:
            memo.move_to_end(key)  # least recently used first out: copies keep coming back
            return found[1]
        value = self.fn(key)
        if (n := self.size(key)) <= self.longest:
            n += ENTRY
            memo[key] = (n, value)
            self._held += n
            while self._held > self.budget and memo:
                self._held -= memo.popitem(last=False)[1][0]
        return value

    def clear(self) -> None:
        self._memo.clear()
        self._held = 0

    @classmethod
    def clear_all(cls) -> None:
        """Forget every memo (timing tests measure the work, not the memo)."""
        for cache in cls._all:
            cache.clear()
