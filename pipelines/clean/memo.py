"""Bounded memos for cleaning stages that are pure functions of a text (a line, a page's).

A report reaches a crawl many times over (mirrors, reposts, content-farm copies, a site's
own print and mobile views), and every copy repeats the lines of the others, so a stage
that depends on its text and nothing else can answer a text it has seen from a memo.  Each
memo is least-recently-used and bounded by the characters it holds; longer texts are never
memoised (a hostile page's megabyte line would only crowd the others out).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_LINE = 2000  # characters: longer lines are computed each time
BUDGET = 1_000_000  # characters of texts each memo keeps (a few MB with their answers)


class Memo(Generic[T]):
    """`fn(text)`, memoised for texts of at most `longest` characters."""

    _all: list[Memo] = []
    enabled = True  # False: every call computes, line-wise paths off (tests compare both)

    def __init__(self, fn: Callable[[str], T], budget: int = BUDGET, longest: int = MAX_LINE):
        self.fn = fn
        self.budget = budget
        self.longest = longest
        self._memo: OrderedDict[str, T] = OrderedDict()
        self._held = 0
        Memo._all.append(self)

    def __call__(self, line: str) -> T:
        if not Memo.enabled:
            return self.fn(line)
        memo = self._memo
        if (found := memo.get(line)) is not None:  # fn never answers None
            memo.move_to_end(line)
            return found
        value = self.fn(line)
        if len(line) <= self.longest:
            memo[line] = value
            self._held += len(line) + 1
            while self._held > self.budget:
                old, _ = memo.popitem(last=False)
                self._held -= len(old) + 1
        return value

    def clear(self) -> None:
        self._memo.clear()
        self._held = 0

    @classmethod
    def clear_all(cls) -> None:
        """Forget every memo (timing tests measure the work, not the memo)."""
        for cache in cls._all:
            cache.clear()
