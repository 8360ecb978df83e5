"""`scrapy crawl`, with an exit code that says whether everything fetched was kept.

Scrapy's own command exits 0 whatever the finish reason.  A crawl stopped because its archive
or database could not be written (crawler/writefailed.py) exits 1 here, so a shell, systemd
or Scrapyd sees the failure; its finish reason says which.
"""

from __future__ import annotations

import argparse
import logging

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

from crawler import writefailed

logger = logging.getLogger(__name__)


class Command(ScrapyCrawl):
    crawler: Crawler | None = None

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        self.crawler = super()._create_crawler(spidercls)
        return self.crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        failed = writefailed.failure(self.crawler.stats if self.crawler else None)
        if failed and not self.exitcode:
            logger.error("the crawl stopped early (%s): not everything fetched was kept; run "
                         "it again with the same JOBDIR once the cause is fixed", failed)
            self.exitcode = 1
