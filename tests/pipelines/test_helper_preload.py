"""The helpers' forkserver (crawler.forkserver) loads what every cleaning worker needs, so
the workers share it instead of each loading its own copy on its first page."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from pipelines.clean.repair import charmodel
from pipelines.clean_pipeline import start_helpers, worker_count


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


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_a_lone_clean_worker_is_spawned_and_warm_before_its_first_page() -> None:
    """With nobody to share them with, one worker loads the tables itself: no forkserver,
    whose own copy would only add to the memory."""
    (worker,) = start_helpers(1)
    try:
        assert parent_of(worker.process.pid) == os.getpid()

        async def ask() -> dict[str, int]:
            return await worker.call(loaded_here)
        answer = asyncio.run(ask())
    finally:
        worker.close()
    assert answer["pid"] == worker.process.pid
    assert answer["model"] == 1 and answer["script vote"] == 1, answer


@pytest.mark.parametrize(("cores", "crawl", "extract"), [(1, 1, 1), (2, 1, 2), (8, 7, 8)])
def test_the_default_worker_count_leaves_the_reactor_a_core(monkeypatch, cores, crawl, extract):
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert worker_count(-1, beside_reactor=True) == crawl
    assert worker_count(-1) == extract
    assert worker_count(3, beside_reactor=True) == worker_count(3) == 3
