"""Extension: Scrapy's SpiderState (``spider.state`` kept in the JOBDIR), safe on a full disk
and on a damaged file.

Scrapy writes ``JOBDIR/spider.state`` in place when the spider closes.  On a full disk that
left the file empty after logging a traceback, and every later run of the job failed to load
it (a traceback at the start, and ``spider.state`` missing).  Here the state is written aside
and renamed over the old file, so a failed write leaves the previous state whole; the failure
is a JOBDIR write failure (crawler/scheduler.py): exit code 1, the JOBDIR not marked done.

The state is plain data (dicts, lists, tuples, sets, strings, bytes, numbers, None): the
page budget and report credit (crawler/spiders/reports.py).  It stays a pickle, so a JOBDIR
of Scrapy's own SpiderState still reads, but one that names no class or function: writing
anything else is refused (a JOBDIR write failure naming its type), and reading a file that
names one is refused too, since unpickling would import and call it.

A state file that cannot be read, whatever the reason (damaged, left empty by a run before
the aside write, not plain data), is a warning, and the job starts with an empty state; the
file is kept aside as ``spider.state.bad``, not overwritten.  A state that was never loaded
(the run stopped before the spider opened) is not written: the previous file stays.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import pickletools
from pathlib import Path
from typing import Any, Self

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.extensions.spiderstate import SpiderState

from archive import writefailed
from crawler.scheduler import JOBDIR, replace_bytes

logger = logging.getLogger(__name__)

PLAIN = (dict, list, tuple, set, frozenset, str, bytes, int, float, bool, type(None))


class _PlainPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if type(obj) in PLAIN:
            return NotImplemented  # pickled as usual, naming no global
        raise pickle.PicklingError(f"it holds a {type(obj).__module__}.{type(obj).__qualname__}"
                                   ", and only plain data is kept")


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"it names {module}.{name}, and only plain data is read")


def dump_plain(state: Any, fh: io.BufferedIOBase) -> None:
    _PlainPickler(fh, protocol=4).dump(state)


# Protocol 5's buffer opcodes, which the writer (protocol 4) never writes: one in a damaged
# file can leave a bytearray with a buffer exported that CPython complains of at exit.
BUFFER_OPCODES = {"BYTEARRAY8", "NEXT_BUFFER", "READONLY_BUFFER"}


def load_plain(data: bytes) -> dict[str, Any]:
    for opcode, _, _ in pickletools.genops(data):
        if opcode.name in BUFFER_OPCODES:
            raise pickle.UnpicklingError(f"it holds {opcode.name}, which no state written "
                                         "here holds")
    state = _PlainUnpickler(io.BytesIO(data)).load()
    if not isinstance(state, dict):
        raise pickle.UnpicklingError(f"it holds a {type(state).__name__}, not a dict")
    return state


class JobdirSpiderState(SpiderState):
    crawler: Crawler
    loaded = False  # whether spider.state came from here (and so may be written back)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = super().from_crawler(crawler)
        ext.crawler = crawler
        return ext

    def spider_closed(self, spider: Spider) -> None:
        if not self.loaded:
            return  # never loaded: writing {} would lose the saved state
        try:
            buffer = io.BytesIO()
            dump_plain(spider.state, buffer)  # type: ignore[attr-defined]
            replace_bytes(Path(self.statefn), buffer.getvalue())
        except (OSError, pickle.PicklingError) as exc:
            writefailed.write_failed(self.crawler, JOBDIR, f"the JOBDIR {self.jobdir}: the "
                                     f"spider's state could not be written ({exc})")

    def spider_opened(self, spider: Spider) -> None:
        path = Path(self.statefn)
        self.loaded = True
        try:
            state = load_plain(path.read_bytes())
        except FileNotFoundError:
            state = {}
        # Whatever a damaged file makes the unpickler raise (fuzzing found TypeError,
        # AttributeError, MemoryError, OverflowError... besides UnpicklingError).
        except Exception as exc:  # noqa: BLE001
            state = {}
            self._keep_aside(path, exc)
        spider.state = state  # type: ignore[attr-defined]

    def _keep_aside(self, path: Path, exc: Exception) -> None:
        bad = path.with_name(path.name + ".bad")
        try:
            os.replace(path, bad)
        except OSError as move_exc:
            self.loaded = False  # not written over at close: the file stays where it is
            logger.warning("the spider's state in %s cannot be read (%r): starting with an "
                           "empty state, which is not saved (the file could not be moved "
                           "aside: %s)", path, exc, move_exc)
            return
        logger.warning("the spider's state in %s cannot be read (%r): starting with an empty "
                       "state; the file is kept as %s", path, exc, bad)
