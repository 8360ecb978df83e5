"""Extension: Scrapy's SpiderState (``spider.state`` kept in the JOBDIR), safe on a full disk.

Scrapy writes ``JOBDIR/spider.state`` in place when the spider closes.  On a full disk that
left the file empty after logging a traceback, and every later run of the job failed to load
it (a traceback at the start, and ``spider.state`` missing).  Here the state is written aside
and renamed over the old file, so a failed write leaves the previous state whole; the failure
is a JOBDIR write failure (crawler/scheduler.py): exit code 1, the JOBDIR not marked done.
A state file that cannot be read (left empty by a run before this fix) is a warning, and the
job starts with an empty state.
"""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path
from typing import Self

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.extensions.spiderstate import SpiderState

from archive import writefailed
from crawler.scheduler import JOBDIR

logger = logging.getLogger(__name__)


class JobdirSpiderState(SpiderState):
    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = super().from_crawler(crawler)
        ext.crawler = crawler
        return ext

    def spider_closed(self, spider: Spider) -> None:
        path = Path(self.statefn)
        aside = path.with_name(path.name + ".new")
        try:
            with aside.open("wb") as fh:
                pickle.dump(getattr(spider, "state", {}), fh, protocol=4)
            os.replace(aside, path)
        except OSError as exc:
            aside.unlink(missing_ok=True)
            writefailed.write_failed(self.crawler, JOBDIR, f"the JOBDIR {self.jobdir}: the "
                                     f"spider's state could not be written ({exc})")

    def spider_opened(self, spider: Spider) -> None:
        try:
            super().spider_opened(spider)
        except (OSError, EOFError, ValueError, pickle.UnpicklingError) as exc:
            logger.warning("the spider's state in %s cannot be read (%s): starting with an "
                           "empty state", self.statefn, exc)
            spider.state = {}  # type: ignore[attr-defined]
