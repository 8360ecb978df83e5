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

Distributed mode puts in its own scheduler (crawler/distributed.py).
"""

from __future__ import annotations

import errno
import os
import pickle
import struct
from contextlib import suppress
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.squeues import PickleFifoDiskQueue
from scrapy.utils.job import job_dir
from twisted.internet.defer import Deferred

from archive import writefailed

JOBDIR = "jobdir_write_failed"


class JobdirScheduler(Scheduler):
    failed = False  # once a JOBDIR write failed, the queue stays in memory

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
