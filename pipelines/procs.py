"""The crawl's helper processes (clean workers, the WARC and the database writers).

They start from one forkserver, not by fork: the crawl process has threads (DNS, the
reactor's pool) that a forked child would inherit half-locked.  The server preloads the
modules they run, once.  A process with no other thread (`scrapy extract`) may fork them
instead: no second interpreter to start and import into (about a second, before any page).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import itertools
import logging
import multiprocessing
import os
import pickle
import signal
import struct
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING, Any

from pipelines import malloctune

if TYPE_CHECKING:
    import asyncio

# Imported by the forkserver before it forks any helper: what the cleaning workers run, so
# that they share it (see there).  The writers are spawned and import their own.
PRELOAD = ["crawler.forkserver"]
# The helpers run below the reactor's priority: the reactor drives every download, and a page
# it waits for costs the whole crawl, while cleaning and writing only have to keep up.
NICENESS = 5
# Seconds a helper may owe an answer before it is said (the progress line says it while a
# crawl runs, Helper.close while it closes): more than CLEAN_TIMEOUT, which ends a clean
# worker's longest wait by replacing it.
SILENT_WARNING = 30.0
logger = logging.getLogger(__name__)


def context(fork: bool = False, spawn: bool = False) -> BaseContext:
    """How helpers start: by fork only if asked and this process has no other thread; else
    from the forkserver, or, if asked (spawn), in an interpreter of their own."""
    if fork and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if spawn:
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def ready() -> None:
    """A helper's set-up when it needs none: its modules are the forkserver's preload."""


class HelperDied(RuntimeError):
    pass


class CallTimedOut(HelperDied):
    """A call ran past its deadline: its process was killed and replaced."""


class Helper:
    """A child process that runs calls in the order they are sent, answered on the reactor.

    Nothing runs in a thread on this side: calls are written to a pipe without blocking (what
    does not fit waits in a buffer until the pipe drains), and answers are read when the
    reactor's loop sees them.  A writer thread, or a ProcessPoolExecutor's feeder and result
    threads, each took the GIL from the reactor thread tens of thousands of times per 2,000
    pages, and the reactor waited on every hand-off.

    A call may have a deadline, counted from when the process starts on it (when the answer
    before it arrives): past it, the process is killed with SIGKILL, which stops it wherever
    it is, C code included, and a new one takes the calls queued behind it.
    """

    def __init__(self, name: str, setup: Callable[..., Any], *args: Any, fork: bool = False,
                 niceness: int = NICENESS, spawn: bool = False, wait: bool = True):
        """spawn: start in an interpreter of its own, not from the forkserver, for a helper
        that needs little of the cleaner the forkserver holds (its pages would all count in
        the helper's resident set): the writers, and a lone clean worker.  wait: see
        _start."""
        self.name = name
        self.setup, self.args, self.fork, self.niceness = setup, args, fork, niceness
        self.spawn = spawn
        self._ids = itertools.count()
        self._pending: dict[int, asyncio.Future[Any]] = {}
        # Each pending call as sent, for a replacement process to take over.
        self._sent: dict[int, tuple[Callable[..., Any], tuple[Any, ...], float | None]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timed: int | None = None  # the call the timer is for
        self._loop: asyncio.AbstractEventLoop | None = None
        self._heard = time.monotonic()  # its last answer, or the first call it got since
        self._start(wait)

    def _start(self, wait: bool = True) -> None:
        """Start the process and wait for its set-up, or with wait=False, not: the owner's
        loop goes on (a set-up can take a second) and calls sent meanwhile queue in the pipe,
        their time limits counting the set-up; one that fails comes as an answer
        (see _answer)."""
        name, ctx = self.name, context(self.fork, self.spawn)
        calls_in, self._calls = ctx.Pipe(duplex=False)
        self._answers_in, answers_out = ctx.Pipe(duplex=False)
        _OWNER_FDS.update((self._calls.fileno(), self._answers_in.fileno()))
        for end in (self._calls, self._answers_in):
            _widen(end.fileno())
        # A forked child inherits every owner's end, its own among them; it closes them, or
        # it would never see its owner go.
        inherited = tuple(_OWNER_FDS) if ctx.get_start_method() == "fork" else ()
        self.process = ctx.Process(target=_serve, name=name, daemon=True,
                                   args=(calls_in, answers_out, self.setup, self.args,
                                         inherited, self.niceness))
        _start_deaf(self.process, ctx)
        _LIVE.add(self)
        calls_in.close()  # the child's ends: closed here, so each side sees the other go
        answers_out.close()
        # Written raw (framed as _serve reads it), without blocking.
        self._calls_out = self._calls.fileno()
        os.set_blocking(self._calls_out, False)
        self._buffer = bytearray()  # calls the pipe could not take yet
        if not wait:
            return
        try:
            _, ok, value = self._answers_in.recv()  # set-up done, or why it failed
        except EOFError:
            self._close_fds()
            self.process.join(5)
            raise HelperDied(f"{name} exited at start ({self.process.exitcode})") from None
        if not ok:
            self._close_fds()
            self.process.join(5)
            raise HelperDied(f"{name} could not start: {value}")

    @property
    def alive(self) -> bool:
        return self._calls_out >= 0 and self.process.is_alive()

    def restarted(self, wait: bool = True) -> Helper:
        """A new process in place of this one (closed, its unanswered calls failed); wait:
        as for _start."""
        self.close()
        return Helper(self.name, self.setup, *self.args, fork=self.fork,
                      niceness=self.niceness, spawn=self.spawn, wait=wait)

    @property
    def pending(self) -> int:
        """Calls sent and not answered yet."""
        return len(self._pending)

    def silent_for(self) -> float:
        """Seconds it has owed an answer without giving any (0: it owes none)."""
        return time.monotonic() - self._heard if self._pending and self.alive else 0.0

    def call(self, fn: Callable[..., Any], *args: Any,
             timeout: float | None = None) -> asyncio.Future[Any]:
        """Send fn(*args) (fn importable by name); the future gets its result or exception.

        With a timeout (seconds), a call still running that long fails with CallTimedOut.
        """
        # Only the owner's side runs asyncio: a helper, which imports this module to serve,
        # does without it (and the ssl module it loads: 9 MB resident in every helper).
        from asyncio import get_running_loop

        loop = get_running_loop()
        future = loop.create_future()
        if self._calls_out < 0:
            future.set_exception(HelperDied(f"{self.name} is gone"))
            return future
        self._send(next(self._ids), future, fn, args, timeout)
        return future

    def _send(self, i: int, future: asyncio.Future[Any], fn: Callable[..., Any],
              args: tuple[Any, ...], timeout: float | None) -> None:
        loop = future.get_loop()
        if self._loop is not loop:
            self._unwatch()
            self._loop = loop
            loop.add_reader(self._answers_in.fileno(), self._answers)
        if not self._pending:
            self._heard = time.monotonic()  # it owed nothing until now
        self._pending[i] = future
        self._sent[i] = (fn, args, timeout)
        was_empty = not self._buffer
        self._buffer += _message(i, fn, args)
        if was_empty:
            self._flush()
            if self._buffer and self._loop is not None:
                self._loop.add_writer(self._calls_out, self._flush)
        self._arm()

    def _arm(self) -> None:
        """Time the oldest pending call, the one the process is on, from now."""
        head = next(iter(self._pending), None)
        if head == self._timed or self._loop is None:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timed = head
        timeout = self._sent[head][2] if head is not None else None
        if timeout is not None:
            self._timer = self._loop.call_later(timeout, self._overran, head)

    def _overran(self, i: int) -> None:
        """Call i ran past its deadline: kill the process, fail the call, and send the calls
        queued behind it to a new process, which counts their deadlines afresh."""
        self._timer = self._timed = None
        self._answers()  # an answer already here came in time
        if i not in self._pending:
            return
        fn, _, timeout = self._sent.pop(i)
        late = self._pending.pop(i)
        queued = [(j, self._pending[j], self._sent[j]) for j in self._pending]
        self._pending.clear()
        self._sent.clear()
        self._unwatch()
        self.process.kill()
        self.process.join()
        self._close_fds()
        if not late.done():
            late.set_exception(CallTimedOut(
                f"{self.name}: {getattr(fn, '__name__', fn)} ran over {timeout:g} s"))
        # Not waiting, on this loop's thread, for the new process's set-up: a spawned one
        # imports and loads for most of a second, and hostile pages in a row would each stop
        # every download for that long.
        try:
            self._start(wait=False)
        except OSError as exc:  # no process to be had (out of memory, of processes)
            for _, future, _ in queued:
                if not future.done():
                    future.set_exception(HelperDied(f"{self.name} could not start: {exc}"))
            return
        for j, future, (fn, args, timeout) in queued:
            self._send(j, future, fn, args, timeout)

    def _flush(self) -> None:
        try:
            while self._buffer:
                n = os.write(self._calls_out, self._buffer)
                del self._buffer[:n]
        except BlockingIOError:
            return
        except OSError as exc:  # the child is gone
            self._buffer.clear()
            self._died(exc)
            return
        if self._loop is not None:
            self._loop.remove_writer(self._calls_out)

    def _answers(self) -> None:
        try:
            while self._calls_out >= 0 and self._answers_in.poll():  # not failed meanwhile
                self._answer(self._answers_in.recv())
        except (EOFError, OSError) as exc:
            self._died(exc)
            return
        self._arm()

    def _answer(self, message: tuple[int, bool, Any]) -> None:
        i, ok, value = message
        self._heard = time.monotonic()
        if i == _SET_UP:  # of a process not waited for (_start): done, or why it failed
            if not ok:
                self.process.join(5)
                self._failed(HelperDied(f"{self.name} could not start: {value}"))
            return
        self._sent.pop(i, None)
        future = self._pending.pop(i, None)
        if future is None or future.done():
            return
        try:
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        except RuntimeError:
            # Its callbacks' loop is closed (a run stopped by Ctrl-C): no one is waiting.
            if not future.get_loop().is_closed():
                raise

    def _died(self, exc: BaseException) -> None:
        self.process.join(5)
        self._failed(HelperDied(f"{self.name} died (exit code {self.process.exitcode}): {exc}"))

    def _failed(self, error: HelperDied) -> None:
        """The process is gone: every pending call fails with `error`."""
        self._unwatch()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        self._sent.clear()
        self._close_fds()

    def _unwatch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._timed = None
        if self._loop is not None and not self._loop.is_closed() and self._calls_out >= 0:
            self._loop.remove_reader(self._answers_in.fileno())
            self._loop.remove_writer(self._calls_out)
        self._loop = None

    def _close_fds(self) -> None:
        if self._calls_out >= 0:
            _OWNER_FDS.difference_update((self._calls_out, self._answers_in.fileno()))
        self._calls.close()
        self._calls_out = -1
        self._answers_in.close()

    def _closing_answer(self) -> tuple[Any, ...]:
        """The next answer while closing, saying every SILENT_WARNING seconds that none came:
        the progress line's own warning has stopped, and the crawl would wait in silence
        for a stalled disk under a writer or a stopped process."""
        waited = 0.0
        while not self._answers_in.poll(SILENT_WARNING):
            waited += SILENT_WARNING
            logger.warning("%s has not answered for %.0f s while the crawl closes (a stalled "
                           "disk, a stopped or hung process?): the crawl waits for it",
                           self.name, waited)
        return self._answers_in.recv()

    def close(self, fn: Callable[..., Any] | None = None, *args: Any) -> Any:
        """Blocking: answer every call still pending, run fn last, and stop the process.

        Returns fn's result.  Raises HelperDied if the process died before answering it.
        """
        if self._calls_out < 0:  # died earlier
            if fn is not None:
                raise HelperDied(f"{self.name} died before closing")
            return None
        self._unwatch()
        # A last call, whose answer says that every call before it has been answered.
        last = next(self._ids)
        self._buffer += _message(last, fn or ready, args)
        self._buffer += _message(None)
        calls, self._buffer = self._buffer, bytearray()  # the writer thread's from here on
        writer = None
        try:
            os.set_blocking(self._calls_out, True)
            # Written from a thread: the child may be answering, and its answers must be read
            # while the rest of the calls go in.  A daemon: one left blocked on a killed
            # child's pipe must not hold the interpreter's exit.
            writer = threading.Thread(target=_write_all, args=(self._calls_out, calls),
                                      daemon=True)
            writer.start()
            while (message := self._closing_answer())[0] != last:
                self._answer(message)
        except (EOFError, OSError) as exc:
            if writer is not None:
                writer.join()  # the child is gone: its pipe refuses the rest at once
            self._died(exc)
            if fn is not None:
                raise HelperDied(f"{self.name} did not finish: {exc}") from exc
            return None
        except BaseException:
            # Ctrl-C (a second one, during shutdown): the child may be blocked sending
            # answers no one reads now, and the writer on calls the child never reads.
            self.process.kill()
            raise
        finally:
            if writer is not None:
                writer.join()
            self.process.join(30)
            if self.process.is_alive():
                self.process.kill()
            self._close_fds()
        ok, value = message[1:]
        if not ok:
            raise value
        return value


# This process's ends of its helpers' pipes.
_OWNER_FDS: set[int] = set()
# Every helper started here, until it is gone: see _orphan_at_exit.
_LIVE: weakref.WeakSet[Helper] = weakref.WeakSet()


def silent(longer_than: float) -> list[tuple[str, float]]:
    """(name, seconds) of every live helper that has owed an answer for longer than that: a
    stalled disk under a writer, a stopped or hung process."""
    return [(h.name, s) for h in list(_LIVE) if (s := h.silent_for()) > longer_than]


@atexit.register  # registered after multiprocessing's own exit hook, so run before it
def _orphan_at_exit() -> None:
    """Let go of helpers nobody closed: the crawl ended before its close path ran (a forced
    shutdown, a start-up that failed or was stopped half-way).

    Multiprocessing's exit hook would SIGTERM them (ignored: see GROUP_SIGNALS) and wait for
    them forever.  With their owner's pipe ends closed they exit as if the owner had been
    killed, after the calls already sent.
    """
    for helper in list(_LIVE):
        if helper._calls_out >= 0:
            helper._close_fds()


_FRAME = struct.Struct("!Q")
_SET_UP = -1  # the id of a helper's first message, its set-up's outcome (calls count from 0)
# What a terminal (Ctrl-C; SIGHUP when it closes), `timeout`, systemd or Scrapyd send to the
# whole process group.  Acting on them is the owner's job: it drains its helpers in order as
# it shuts down.
GROUP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _start_deaf(process: multiprocessing.process.BaseProcess, ctx: BaseContext) -> None:
    """Start a helper (and the forkserver, on first use) with the group's signals blocked.

    A child inherits the starting thread's signal mask: the helper cannot be killed by them
    before it ignores them, and the forkserver, which would otherwise die of a SIGTERM and
    make every helper look dead, never sees them.  CPython's resource tracker, started with
    the forkserver or the first spawned helper, unblocks both in the starting thread while it
    starts: it is started first.
    """
    method = ctx.get_start_method()
    if method != "fork":
        resource_tracker.ensure_running()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, GROUP_SIGNALS)
    try:
        with _main_not_rerun() if method != "fork" else contextlib.nullcontext():
            process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


_MAIN = threading.Lock()  # helpers start from several threads


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """Start a helper (forkserver, spawn) without multiprocessing running the parent's main
    module again in it.

    It does that for what a __main__ defines, and a helper's calls are importable by name
    (Helper.call); but the `scrapy` entry script (and Scrapyd's runner) import all of Scrapy
    and Twisted, about 30 MB and a third of a second in every helper, none of which uses them.
    """
    main = sys.modules["__main__"]
    with _MAIN:
        spec, path = getattr(main, "__spec__", None), main.__dict__.pop("__file__", None)
        main.__spec__ = None
        try:
            yield
        finally:
            main.__spec__ = spec
            if path is not None:
                main.__file__ = path


# A pipe's buffer, from Linux's default 64 KiB: a page's body and its cleaned text go through
# in one write instead of several, each a wake-up of the reactor to write the rest (about
# 40 microseconds of its time per call).
PIPE_SIZE = 1 << 20


def _widen(fd: int) -> None:
    with contextlib.suppress(OSError):  # above the system's limit: the default stays
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)


def _message(*message: Any) -> bytes:
    data = pickle.dumps(message if len(message) > 1 else message[0],
                        protocol=pickle.HIGHEST_PROTOCOL)
    return _FRAME.pack(len(data)) + data


def _write_all(fd: int, data: bytes | bytearray) -> None:
    with contextlib.suppress(OSError):  # the child died; the reading side reports it
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _serve(calls_in: Connection, answers: Connection, setup: Callable[..., Any],
           args: tuple[Any, ...], inherited: tuple[int, ...], niceness: int) -> None:
    """The helper process: set up, then answer calls until None or the owner's end closes.

    An owner killed with SIGKILL closes its end; the helper then exits as it stands, as a
    thread of the owner would have, after the calls already sent.  Ctrl-C and SIGTERM, which
    reach every process of the group, are the owner's to act on: a helper killed by them
    would lose the pages it holds while the owner is still shutting down gracefully (a dead
    WARC writer's pages were stored unarchived).  So helpers end by SIGKILL only.
    """
    for fd in inherited:
        os.close(fd)
    for sig in GROUP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, GROUP_SIGNALS)
    os.nice(niceness)
    malloctune.tune()  # each moves pages' bodies and texts through: see there
    try:
        setup(*args)
    except Exception as exc:  # noqa: BLE001 - the owner reports it
        ready = (_SET_UP, False, f"{type(exc).__name__}: {exc}")
    else:
        ready = (_SET_UP, True, None)
    try:
        answers.send(ready)
    except BrokenPipeError:
        return  # the owner stopped (Ctrl-C) while this one set up: no one to serve
    if not ready[1]:
        return
    calls = calls_in.fileno()
    while True:
        head = _read_exact(calls, _FRAME.size)
        data = _read_exact(calls, _FRAME.unpack(head)[0]) if head else None
        if data is None:
            os._exit(1)
        message = pickle.loads(data)
        if message is None:
            return
        i, fn, fargs = message
        try:
            answer = (i, True, fn(*fargs))
        except Exception as exc:  # noqa: BLE001 - the caller's future raises it
            answer = (i, False, exc)
        try:
            answers.send(answer)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            answers.send((i, False, HelperDied(f"answer could not be sent: {exc}")))
