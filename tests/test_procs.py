"""pipelines.procs.Helper: calls answered in order on the event loop, without blocking it on
a full pipe, and a dead helper is an error on every call it had, never a hang."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from pipelines.procs import Helper, HelperDied, ready


def echo(data: bytes) -> bytes:
    return data


def fail(message: str) -> None:
    raise ValueError(message)


def pid() -> int:
    return os.getpid()


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def broken_setup() -> None:
    raise OSError("no such database")


@pytest.fixture
def helper():
    h = Helper("test-helper", ready)
    yield h
    h.close()


def test_calls_run_in_the_helper_and_come_back_in_order(helper):
    async def run() -> list[int]:
        return list(await asyncio.gather(*(helper.call(echo, i) for i in range(200))))
    assert asyncio.run(run()) == list(range(200))
    assert asyncio.run(_one(helper, pid)) == helper.process.pid != os.getpid()


async def _one(helper: Helper, fn, *args):
    return await helper.call(fn, *args)


def test_big_calls_and_big_answers_do_not_deadlock(helper):
    # 40 calls of 1 MiB each way: far more than a pipe holds.  A sender that blocked on a
    # full pipe while the helper blocked on its answer would hang here.
    blob = os.urandom(1 << 20)

    async def run() -> list[bytes]:
        return await asyncio.wait_for(
            asyncio.gather(*(helper.call(echo, blob) for _ in range(40))), timeout=60)
    assert all(answer == blob for answer in asyncio.run(run()))


def test_an_exception_in_a_call_is_raised_by_its_future_and_the_helper_goes_on(helper):
    with pytest.raises(ValueError, match="bad page"):
        asyncio.run(_one(helper, fail, "bad page"))
    assert asyncio.run(_one(helper, echo, b"next")) == b"next"


def test_a_dead_helper_fails_its_calls_instead_of_hanging(helper):
    async def run():
        doomed = [helper.call(die)] + [helper.call(echo, i) for i in range(5)]
        return await asyncio.wait_for(asyncio.gather(*doomed, return_exceptions=True), 30)
    answers = asyncio.run(run())
    assert all(isinstance(a, HelperDied) for a in answers)
    assert not helper.alive
    with pytest.raises(HelperDied):
        asyncio.run(_one(helper, echo, 1))


def test_close_answers_what_is_pending_and_returns_the_last_call():
    h = Helper("test-helper", ready)

    async def send():
        return [h.call(echo, i) for i in range(50)]
    futures = asyncio.run(send())
    assert h.close(pid) == h.process.pid
    assert [f.result() for f in futures] == list(range(50))
    assert not h.process.is_alive()


def test_a_set_up_that_fails_is_a_clear_error():
    with pytest.raises(HelperDied, match="no such database"):
        Helper("test-helper", broken_setup)
