"""pipelines.procs.Helper: calls answered in order on the event loop, without blocking it on
a full pipe, and a dead helper is an error on every call it had, never a hang."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipelines.procs import CallTimedOut, Helper, HelperDied, ready
from tests import hangclean
from tests.paths import REPO


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


def test_ctrl_c_is_left_to_the_owner(helper):
    # The terminal sends SIGINT to the whole process group; the owner shuts down gracefully
    # and still needs its helpers to finish the pages they hold.
    os.kill(helper.process.pid, signal.SIGINT)
    assert asyncio.run(_one(helper, echo, b"after ctrl-c")) == b"after ctrl-c"
    assert helper.alive


STARTED = "set in the owner after start-up, so only a forked child can know it"
FORKED = """
import asyncio, sys, threading, time
import tests.pipelines.test_procs as t
from pipelines.procs import Helper
t.STARTED = "changed"
if sys.argv[1] == "thread":
    threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
h = Helper("test-helper", t.ready, fork=True)
print(type(h.process).__name__, asyncio.run(t._one(h, t.started)))
h.close()
"""


def started() -> str:
    return STARTED


@pytest.mark.parametrize("threads,expected", [
    ("none", "ForkProcess changed"),
    # A fork beside another thread could inherit a lock that thread held: forkserver.
    ("thread", f"ForkServerProcess {STARTED}"),
])
def test_fork_is_used_only_by_a_process_without_threads(threads, expected):
    proc = subprocess.run([sys.executable, "-c", FORKED, threads], capture_output=True,
                          text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == expected


@pytest.mark.parametrize("fails", [False, True], ids=["sets-up", "cannot-set-up"])
def test_a_replacement_sets_up_while_its_owner_goes_on(tmp_path, fails):
    """A call over its time limit gets its helper replaced; the owner's loop does not wait
    for the new process's set-up (a spawned cleaner's takes most of a second), and the calls
    queued behind go to it, or fail with the reason it could not start."""
    gate = str(tmp_path / "gate")
    opened = Path(f"{gate}.open")
    helper = Helper("gated", hangclean.gated, gate, fails)
    first = helper.process.pid
    # Should the owner wait after all, this opens the gate, and the test fails, not hangs.
    failsafe = threading.Timer(60, opened.touch)
    failsafe.start()

    async def run() -> None:
        hanging = helper.call(hangclean.echo, "hang", timeout=0.2)
        queued = helper.call(hangclean.echo, "queued")
        with pytest.raises(CallTimedOut):
            await hanging
        # Back on the loop while the replacement is still held in its set-up.
        assert not opened.exists()
        assert helper.alive and helper.process.pid != first
        opened.touch()
        if fails:
            with pytest.raises(HelperDied, match="could not start: RuntimeError: tables missing"):
                await asyncio.wait_for(queued, 60)
        else:
            assert await asyncio.wait_for(queued, 60) == ("queued", helper.process.pid)
    try:
        asyncio.run(run())
    finally:
        failsafe.cancel()
        helper.close()


def test_a_replacement_that_cannot_be_had_fails_the_calls_queued_for_it(monkeypatch):
    """No process to be had (fork refused: out of memory or processes): the calls queued
    behind the one that ran over fail, none waits forever."""
    helper = Helper("no-more", ready)

    def refused(self: Helper, wait: bool = True) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    async def run() -> None:
        hanging = helper.call(hangclean.echo, "hang", timeout=0.2)
        queued = helper.call(hangclean.echo, "queued")
        monkeypatch.setattr(Helper, "_start", refused)
        with pytest.raises(CallTimedOut):
            await hanging
        with pytest.raises(HelperDied, match="could not start: .*temporarily unavailable"):
            await asyncio.wait_for(queued, 60)
    try:
        asyncio.run(run())
    finally:
        helper.close()
    assert not helper.alive


def test_a_helper_owing_an_answer_it_does_not_give_is_named_by_the_progress_line(
        helper, monkeypatch, caplog):
    # A stopped process (SIGSTOP: as a writer on a stalled disk) answers nothing.
    from crawler import progress
    from pipelines import procs

    monkeypatch.setattr(procs, "SILENT_WARNING", 0.2)
    assert helper.silent_for() == 0.0  # owes nothing

    def named() -> list[str]:
        return [name for name, _ in procs.silent(0.2) if name == helper.name]

    async def run() -> bytes:
        os.kill(helper.process.pid, signal.SIGSTOP)
        try:
            answer = helper.call(echo, b"x")
            deadline = asyncio.get_running_loop().time() + 60
            while not named() and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)
            progress.Progress.warn_silent()
        finally:
            os.kill(helper.process.pid, signal.SIGCONT)
        return await answer

    with caplog.at_level("WARNING", logger="crawler.progress"):
        assert asyncio.run(run()) == b"x"
    assert any(r.getMessage().startswith("test-helper has not answered for")
               for r in caplog.records), caplog.text
    assert helper.silent_for() == 0.0 and named() == []  # answered: nothing owed


def test_a_helper_silent_while_it_closes_is_named(helper, monkeypatch, caplog):
    # The progress line stops when the spider closes, and the close waits for the writers'
    # backlog: a stopped writer there is said, not waited for in silence.
    from pipelines import procs

    monkeypatch.setattr(procs, "SILENT_WARNING", 0.2)

    def said() -> bool:
        return any(r.getMessage().startswith("test-helper has not answered for")
                   and "while the crawl closes" in r.getMessage() for r in caplog.records)

    os.kill(helper.process.pid, signal.SIGSTOP)
    closing = threading.Thread(target=helper.close, args=(echo, b"x"))
    with caplog.at_level("WARNING", logger="pipelines.procs"):
        try:
            closing.start()
            deadline = time.monotonic() + 60
            while not said() and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            os.kill(helper.process.pid, signal.SIGCONT)
        closing.join(60)
    assert said(), caplog.text
    assert not closing.is_alive() and not helper.alive
