"""`scrapy push_starts -s REDIS_URL=URL [-a start_urls=...|sites=...|region=...] [--reset]`.

Pushes the start requests the spider would make with these arguments (report columns,
start pages, sitemap probes) to the Redis list `<spider>:start_urls`, where the workers of
a distributed crawl (crawler/distributed.py) pick them up.  `--reset` first deletes the
previous crawl's frontier, seen-URL set and worker records (the digest index is kept).
"""

from __future__ import annotations

import argparse
import asyncio

from scrapy import Request, Spider
from scrapy.commands import ScrapyCommand
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.conf import arglist_to_dict
from scrapy_redis import connection

from crawler.commands import SettingsChecked, fail
from crawler.commands.crawl import redis_problem
from crawler.distributed import encode_start, keys
from crawler.redisqueue import inflight_key, starting_key


async def start_requests(spider: Spider) -> list[Request]:
    return [r async for r in spider.start() if isinstance(r, Request)]


class Command(SettingsChecked, ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[SPIDER] [-a NAME=VALUE ...] [--reset]"

    def short_desc(self) -> str:
        return "Push a spider's start requests to Redis for the workers of a distributed crawl"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}. Needs -s REDIS_URL=redis://HOST:PORT/DB; -a arguments "
                "(start_urls, sites, region) as for scrapy crawl, from the sites file of "
                "-s SITES_FILE (default: the packaged crawler/sites.toml).")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-a", dest="spargs", action="append", default=[],
                            metavar="NAME=VALUE", help="spider argument (as for scrapy crawl)")
        parser.add_argument("--reset", action="store_true",
                            help="first forget the previous crawl (frontier, seen URLs, workers)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        # Warnings only (the spider's, about its sites file), not Scrapy's banner: above the
        # project's LOG_LEVEL, which a command's default_settings do not outrank; -L and
        # -s LOG_LEVEL still win.
        self.settings.set("LOG_LEVEL", "WARNING", priority=SETTINGS_PRIORITIES["project"] + 1)
        super().process_options(args, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None and self.crawler_process is not None
        if not self.settings.get("REDIS_URL"):
            return fail(self, "push_starts", "set -s REDIS_URL=redis://HOST:PORT/DB")
        if why := redis_problem(self.settings):
            return fail(self, "push_starts", why)
        try:
            spargs = arglist_to_dict(opts.spargs)
        except ValueError:
            return fail(self, "push_starts", "Invalid -a value, use -a NAME=VALUE")
        name = args[0] if args else "reports"
        try:
            crawler = self.crawler_process.create_crawler(name)
        except KeyError:  # Scrapy's spider loader: no spider of that name
            return fail(self, "push_starts", f"no spider named {name!r}")
        try:
            spider = crawler.spidercls.from_crawler(crawler, **spargs)
        except (ValueError, FileNotFoundError) as e:
            return fail(self, "push_starts", str(e))
        server = connection.from_settings(self.settings)
        names = keys(spider.name)
        if opts.reset:
            workers = [w.decode() for w in server.smembers(names["workers"])]
            server.delete(names["starts"], names["queue"], names["dupefilter"], names["workers"],
                          *(inflight_key(spider.name, w) for w in workers),
                          *(starting_key(spider.name, w) for w in workers))
        requests = asyncio.run(start_requests(spider))
        if requests:
            server.rpush(names["starts"], *(encode_start(r, spider) for r in requests))
        print(f"pushed {len(requests)} start requests to {names['starts']} "
              f"({server.llen(names['starts'])} waiting)")
