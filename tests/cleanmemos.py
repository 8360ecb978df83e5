"""The cleaner's memos on or off for a block, starting and ending with none kept."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pipelines.clean.cleaner import forget
from pipelines.clean.memo import Memo


@contextmanager
def memos(enabled: bool) -> Iterator[None]:
    forget()
    Memo.enabled = enabled
    try:
        yield
    finally:
        Memo.enabled = True
        forget()
