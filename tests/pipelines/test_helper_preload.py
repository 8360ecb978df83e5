"""The helpers' forkserver (crawler.forkserver) loads what every cleaning worker needs, so
the workers share it instead of each loading its own copy on its first page."""

from __future__ import annotations

import asyncio
import os

from pipelines.clean.repair import charmodel
from pipelines.clean_pipeline import start_helpers


def loaded_here() -> dict[str, int]:
    """In the worker, before any page: which of the cleaner's tables it already holds."""
    return {"model": charmodel.model.cache_info().currsize,
            "script vote": charmodel._others.cache_info().currsize,
            "pid": os.getpid()}


def test_a_new_clean_worker_already_holds_the_character_model() -> None:
    workers = start_helpers(2)
    try:
        async def ask() -> list[dict[str, int]]:
            return list(await asyncio.gather(*(w.call(loaded_here) for w in workers)))
        answers = asyncio.run(ask())
    finally:
        for worker in workers:
            worker.close()
    assert len({a["pid"] for a in answers} | {os.getpid()}) == 3  # two worker processes
    for answer in answers:
        assert answer["model"] == 1 and answer["script vote"] == 1, answer
