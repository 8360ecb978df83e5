"""Scheduler (SCHEDULER): Scrapy's, whose JOBDIR writes may fail without losing a request.

With JOBDIR, Scrapy's scheduler pushes each request into a queue on disk and its dupefilter
appends each fingerprint to ``requests.seen``.  On a full disk (or an I/O error, a read-only
remount) those writes raise inside the engine's scheduling task: the request was dropped,
the error surfaced only as asyncio's "Task exception was never retrieved", and the crawl
hung.  Here a failed JOBDIR write, or a queued request that cannot be read back, is a write
failure like the archive's or the database's (archive/writefailed.py): the crawl stops with
finish reason ``jobdir_write_failed``, ``scrapy crawl`` exits 1, and the JOBDIR is not marked
done, so the next run rebuilds the frontier from the stored pages (crawler/resume.py).  The
request whose write failed, and every one after it, is kept in the memory queue, so nothing
scheduled is lost while the crawl stops.

Its disk queue (SCHEDULER_DISK_QUEUE) is Scrapy's FIFO one, but a push that the disk fills
within writes nothing: queuelib ignores a short write, which left a request cut short that
could not be read back; and the queue of a priority, emptied by a pop, writes its state
before deleting it, which on a full disk lost the request just popped.

The queue's state files (``active.json``, each queue's ``info.json``) are written aside and
renamed, so a full disk leaves the previous ones whole, never empty.  A queue that cannot be
opened when the run starts (its state unreadable, or a write failing on a full disk) leaves
the crawl with its memory queue, closed as soon as it is open as a JOBDIR write failure; the
resume middleware (crawler/resume.py) checks the queue first (``queue_damage``) and rebuilds
a damaged one as after a killed run.

Distributed mode puts in its own scheduler (crawler/distributed.py).
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import struct
from contextlib import suppress
from pathlib import Path
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.core.scheduler import Scheduler
from scrapy.squeues import PickleFifoDiskQueue
from scrapy.utils.job import job_dir
from twisted.internet.defer import Deferred

from archive import writefailed

JOBDIR = "jobdir_write_failed"


def replace_bytes(path: Path, data: bytes) -> None:
    """Write path aside and rename it over the old one: a failed write leaves that whole."""
    aside = path.with_name(path.name + ".new")
    try:
        aside.write_bytes(data)
        os.replace(aside, path)
    except OSError:
        aside.unlink(missing_ok=True)
        raise


def replace_text(path: Path, text: str) -> None:
    replace_bytes(path, text.encode("utf-8"))


def queue_damage(dqdir: Path) -> str | None:
    """Why the request queue a run left in dqdir cannot be opened again (None: it can, or
    there is none): its state files, read as Scrapy's scheduler and queuelib read them."""
    try:
        active = dqdir / "active.json"
        if active.exists():
            json.loads(active.read_text(encoding="utf-8"))
        for path in sorted(dqdir.rglob("info.json")):
            info = json.loads(path.read_text(encoding="utf-8"))
            for field in (info["chunksize"], info["head"][0], info["tail"][2]):
                int(field)  # what queuelib reads as numbers as it opens the queue
            tail = path.with_name(f"q{int(info['tail'][0]):05d}")
            if int(info["size"]) > 0 and not tail.is_file():
                raise FileNotFoundError(errno.ENOENT, "a queue file is missing", str(tail))
    except (OSError, ValueError, LookupError, TypeError) as exc:
        return f"{exc.__class__.__name__}: {exc}"
    return None


class JobdirScheduler(Scheduler):
    failed = False  # once a JOBDIR write failed, the queue stays in memory
    open_error: str | None = None

    def open(self, spider: Spider) -> Deferred[None] | None:
        damage = queue_damage(Path(self.dqdir)) if self.dqdir else None
        if damage is None:
            try:
                return super().open(spider)
            # A write on a full disk (an empty queue's state written as queuelib closes it),
            # or damage queue_damage does not see: not a traceback that leaves the crawl
            # half open.
            except Exception as exc:  # noqa: BLE001
                damage = repr(exc)
        # Memory only, and the JOBDIR's queue left as it is: the crawl is closed once open.
        self.spider = spider
        self.mqs = self._mq()
        self.dqs = None
        self.failed = True
        assert self.crawler is not None
        self.open_error = (f"the JOBDIR {job_dir(self.crawler.settings)}: its request queue "
                           f"could not be opened ({damage})")
        self.crawler.signals.connect(self._close_at_open, signal=signals.spider_opened)
        return self.df.open()

    def _close_at_open(self) -> None:
        assert self.crawler is not None and self.open_error is not None
        raise writefailed.open_failed(self.crawler, JOBDIR, self.open_error)

    def _write_dqs_state(self, dqdir: str, state: Any) -> None:
        replace_text(Path(dqdir, "active.json"), json.dumps(state))

    def enqueue_request(self, request: Request) -> bool:
        try:
            return super().enqueue_request(request)
        except OSError as exc:
            # Only the dupefilter's write gets here (_dqpush catches its own): RFPDupeFilter
            # adds the fingerprint before writing it, so the request is new, and queued.
            self._failed("its seen set (requests.seen) could not be written", exc)
            self._mqpush(request)
            assert self.stats is not None
            self.stats.inc_value("scheduler/enqueued/memory")
            self.stats.inc_value("scheduler/enqueued")
            return True

    def _dqpush(self, request: Request) -> bool:
        if self.failed:
            return False
        try:
            return super()._dqpush(request)
        except OSError as exc:
            self._failed("its request queue could not be written", exc)
            return False  # the caller queues it in memory

    def _dqpop(self) -> Request | None:
        try:
            return super()._dqpop()
        # A read error, or a queue file damaged (another SCHEDULER_DISK_QUEUE's short write).
        except (OSError, EOFError, ValueError, pickle.UnpicklingError) as exc:
            self._failed("a queued request could not be read back", exc)
            return None

    def close(self, reason: str) -> Deferred[None] | None:
        # Scrapy's close, each step on its own: a failed queue state write must not keep the
        # dupefilter's file from being closed, and neither may reach the engine as a traceback.
        if self.dqs is not None:
            assert self.dqdir is not None
            try:
                self._write_dqs_state(self.dqdir, self.dqs.close())
            except OSError as exc:
                self._failed("its request queue's state could not be written", exc)
        try:
            return self.df.close(reason)
        except OSError as exc:
            self._failed("its seen set (requests.seen) could not be written", exc)
            return None

    def _failed(self, what: str, exc: BaseException) -> None:
        self.failed = True
        assert self.crawler is not None
        jobdir = job_dir(self.crawler.settings)
        writefailed.write_failed(self.crawler, JOBDIR, f"the JOBDIR {jobdir}: {what} ({exc})")


class WholeRecordFifoDiskQueue(PickleFifoDiskQueue):
    """PickleFifoDiskQueue whose push leaves a whole record in its file, or none (OSError),
    and which writes no state when it closes empty."""

    def push(self, obj: Any) -> None:
        head, size = list(self.info["head"]), self.info["size"]
        headf = self.headf
        path = headf.name
        start = os.fstat(headf.fileno()).st_size
        super().push(obj)
        # Each record is its length (szhdr_format), then its bytes.
        fd = headf.fileno() if headf is self.headf else os.open(path, os.O_RDONLY)
        try:
            header = os.pread(fd, self.szhdr_size, start)
            end = os.fstat(fd).st_size
        finally:
            if headf is not self.headf:  # it moved on to its next chunk file
                os.close(fd)
        if len(header) == self.szhdr_size:
            (length,) = struct.unpack(self.szhdr_format, header)
            if end == start + self.szhdr_size + length:
                return
        os.truncate(path, start)
        if self.headf.name != path:  # it moved on to its next chunk file: back to this one
            self.headf.close()
            self.headf = self._openchunk(head[0], "ab+")
        self.info["head"], self.info["size"] = head, size
        raise OSError(errno.ENOSPC, f"a request cut short in {path} ({end - start} bytes "
                      "written): no space left on device")

    def _saveinfo(self, info: dict[str, Any]) -> None:
        replace_text(self._infopath(), json.dumps(info))

    def close(self) -> None:
        if len(self):
            super().close()
            return
        # Empty: nothing to keep, so no state is written (queuelib writes it, then deletes it).
        self.headf.close()
        self.tailf.close()
        for chunk in Path(self.path).glob("q*"):
            chunk.unlink()
        Path(self.path, "info.json").unlink(missing_ok=True)
        with suppress(OSError):
            Path(self.path).rmdir()
