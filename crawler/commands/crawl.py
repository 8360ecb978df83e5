"""`scrapy crawl`, with an exit code that says whether everything fetched was kept.

Scrapy's own command exits 0 whatever the finish reason.  A crawl stopped because its archive
or database could not be written (crawler/writefailed.py) exits 1 here, so a shell, systemd
or Scrapyd sees the failure; its finish reason says which.  A bad spider argument (a spider
with ``check_arguments``) is one line and exit code 2, before anything starts.
"""

from __future__ import annotations

import argparse
import logging
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler
from scrapy.spiderloader import get_spider_loader
from scrapy.spiders import Spider

from crawler import writefailed
from crawler.commands import fail

logger = logging.getLogger(__name__)


class Command(ScrapyCrawl):
    crawler: Crawler | None = None

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        # Before the crawler process exists (whose start logs Scrapy's banner).
        super().process_options(args, opts)
        if not self._arguments_ok(args, opts):
            sys.exit(self.exitcode)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        failed = writefailed.failure(self.crawler.stats if self.crawler else None)
        if failed and not self.exitcode:
            logger.error("the crawl stopped early (%s): not everything fetched was kept; run "
                         "it again with the same JOBDIR once the cause is fixed", failed)
            self.exitcode = 1

    def _arguments_ok(self, args: list[str], opts: argparse.Namespace) -> bool:
        assert self.settings is not None
        try:
            spidercls = get_spider_loader(self.settings).load(args[0]) if args else None
        except KeyError:
            fail(self, "crawl", f"no spider named {args[0]!r} (`scrapy list` names them)")
            return False
        check = getattr(spidercls, "check_arguments", None)
        if check is None:
            return True
        try:
            check(self.settings, **opts.spargs)
        except ValueError as exc:  # SpiderArgumentError, SitesFileError
            fail(self, "crawl", str(exc))
            return False
        return True
