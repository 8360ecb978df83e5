"""A process of its own that writes pages into the crawl database, in the order they are sent.

`record_page` costs about 2.5 ms of CPU a page, most of it the FTS5 trigram index of each
report (about 10 ms a report).  On the crawl's reactor thread that time stopped every
download; in a thread it cost more than it saved (each SQLite call hands the GIL back and
forth: 50.6 s against 43.4 s for 2,000 pages).  In `scrapy extract` it made the reading
process the bottleneck of its workers.  So one process owns the writes: pages go in through
a pipe, without their bodies; an acknowledgement per page comes back through another, and
the owner counts those (`Writer.acks`) when it likes, without waiting for them.

Nothing is lost if the process dies: the pages it had not written are counted as failed
writes (they are in the WARC, so `scrapy extract` can recover them) and a new process takes
the next ones.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import multiprocessing.connection
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from crawler.items import Page
from pipelines import cluster, procs
from pipelines.db import open_db
from pipelines.store import Ack, write

logger = logging.getLogger(__name__)
START_TIMEOUT = 120.0  # seconds for a new process to open (and migrate) the database


@dataclasses.dataclass(frozen=True)
class Target:
    """Where and how to write: what the process needs to open the database as the owner would."""

    path: Path
    crawl_id: int | None
    sites_file: str | None = None
    cluster_threshold: float = cluster.THRESHOLD
    cluster_enabled: bool = True


class WriterDied(RuntimeError):
    pass


def serve(target: Target, pages: Connection, acks: Connection) -> None:
    """The writer process: record every page received until None (or the owner is gone)."""
    procs.lower_priority()
    try:
        db = open_db(target.path)
        cluster.attach(db, target.sites_file, threshold=target.cluster_threshold,
                       enabled=target.cluster_enabled)
    except Exception as exc:  # noqa: BLE001 - reported to the owner, which fails clearly
        acks.send(f"{type(exc).__name__}: {exc}")
        return
    acks.send(None)  # ready
    owner = multiprocessing.parent_process()
    watched: list[Any] = [pages] + ([owner.sentinel] if owner is not None else [])
    try:
        while True:
            # A killed owner closes its end of the pipe, and what it sent is still written;
            # its sentinel is the fallback should that end outlive it.
            if pages not in multiprocessing.connection.wait(watched):
                break
            try:
                page = pages.recv()
            except EOFError:
                break
            if page is None:
                break
            acks.send(write(db, page, target.crawl_id))
    finally:
        db.close()


class Writer:
    """The owner's side: start the process, send pages, collect acknowledgements, close."""

    def __init__(self, target: Target):
        self.target = target
        self.sent = 0  # pages sent and not yet acknowledged
        self._start()

    def _start(self) -> None:
        ctx = procs.context()
        pages_out, self._pages = ctx.Pipe(duplex=False)
        self._acks, acks_in = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=serve, args=(self.target, pages_out, acks_in),
                                   name="db-writer", daemon=True)
        self.process.start()
        pages_out.close()  # the child's ends: closed here, so each side sees the other go
        acks_in.close()
        if not self._acks.poll(START_TIMEOUT):
            self.process.kill()
            raise WriterDied(f"the database writer did not start in {START_TIMEOUT:.0f} s")
        try:
            problem = self._acks.recv()
        except EOFError:
            self.process.join(5)
            problem = f"it exited with code {self.process.exitcode}"
        if problem is not None:
            raise WriterDied(f"the database writer could not open {self.target.path}: {problem}")

    def send(self, page: Page) -> list[Ack]:
        """Queue a page for writing (its body stays here); return the acks that have come back.

        If the process has died, the pages it had not written come back as failed acks and a
        new process takes this one.
        """
        failed: list[Ack] = []
        shipped = dataclasses.replace(page, body=b"")
        try:
            self._pages.send(shipped)
        except OSError:  # BrokenPipeError: the process is gone
            failed = self._restart()
            self._pages.send(shipped)
        self.sent += 1
        return failed + list(self.acks())

    def acks(self, block: bool = False) -> Iterator[Ack]:
        """The acknowledgements that have arrived (with block, all of them: for closing)."""
        try:
            while self.sent and (block or self._acks.poll()):
                ack = self._acks.recv()
                self.sent -= 1
                yield ack
        except (EOFError, OSError) as exc:
            yield from self._lost(exc)

    def close(self) -> list[Ack]:
        """Send the end, wait for every page to be written and the process to exit."""
        with contextlib.suppress(OSError):  # already gone: acks() reports what was lost
            self._pages.send(None)
        acks = list(self.acks(block=True))
        self.process.join(30)
        if self.process.is_alive():
            self.process.kill()
        self._pages.close()
        self._acks.close()
        return acks

    def _lost(self, exc: BaseException) -> list[Ack]:
        self.process.join(5)
        lost = [Ack("", False, error=f"database writer died ({self.process.exitcode}): {exc}")
                for _ in range(self.sent)]
        if lost:
            logger.error("the database writer died (exit code %s) with %d pages unwritten; "
                         "they are in the WARC files (`scrapy extract` recovers them)",
                         self.process.exitcode, len(lost))
        self.sent = 0
        return lost

    def _restart(self) -> list[Ack]:
        acks = list(self.acks(block=True))  # what it wrote before it died, then the lost
        self._pages.close()
        self._acks.close()
        self._start()
        return acks
