"""Distributed mode: any number of `scrapy crawl reports` workers sharing one Redis.

Switched on by one setting, ``REDIS_URL``.  The add-on ``Distributed`` (ADDONS in
crawler/settings.py) then puts in scrapy-redis's scheduler and dupefilter (the frontier and
the seen-URL set live in Redis, so no URL is scheduled twice by any worker), our reliable
queue (crawler/redisqueue.py) and the Redis payload-digest index (archive/dedup_redis.py);
the two components below are listed in crawler/settings.py with the others (where their
order is) and switch themselves off without REDIS_URL:

* ``RedisStarts`` (spider middleware): start requests come from the Redis list
  ``reports:start_urls`` (filled by ``scrapy push_starts``), not from the spider's own
  arguments, which only set the crawl's scope (allowed domains, SSRF allowances, budgets);
* ``Worker`` (extension): a heartbeat key per worker, finished requests taken off the
  worker's in-flight hash, the in-flight requests of dead workers queued again, and a worker
  stops only when the whole cluster has been idle for DISTRIBUTED_IDLE_CLOSE seconds.

Each worker writes its own DATA_DIR (WARC files and reports.db); ``scrapy merge`` combines
them.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.request import request_from_dict
from scrapy_redis import connection
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from crawler.redisqueue import START, TOKEN, inflight_key, requeue, starting_key

logger = logging.getLogger(__name__)

START_KEY = "%(name)s:start_urls"
QUEUE_KEY = "%(spider)s:requests"
DUPEFILTER_KEY = "%(spider)s:dupefilter"
START_FIELDS = ("url", "callback", "errback", "priority", "meta")
POLL_INTERVAL = 0.25  # seconds between looks at the shared queue while a worker waits
START_BATCH = 100  # start requests an idle worker takes at once


def keys(spider_name: str) -> dict[str, str]:
    """Every Redis key of a distributed crawl of one spider."""
    return {"starts": START_KEY % {"name": spider_name},
            "queue": QUEUE_KEY % {"spider": spider_name},
            "dupefilter": DUPEFILTER_KEY % {"spider": spider_name},
            "workers": f"{spider_name}:workers"}


def heartbeat_key(spider_name: str, worker: str) -> str:
    return f"{spider_name}:worker:{worker}"


def encode_start(request: Request, spider: Spider) -> str:
    """A start request as JSON for the start list (callbacks by name, JSON-able meta)."""
    fields = request.to_dict(spider=spider).items()
    return json.dumps({k: v for k, v in fields if k in START_FIELDS},
                      ensure_ascii=False)


def decode_start(data: bytes | str, spider: Spider) -> Request:
    """From the start list: our JSON, or a bare URL pushed with redis-cli."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    found = json.loads(text) if text.lstrip().startswith("{") else {"url": text.strip()}
    found.setdefault("callback", "parse")
    found.setdefault("errback", "failed" if hasattr(spider, "failed") else None)
    return request_from_dict({k: found.get(k) for k in START_FIELDS if found.get(k) is not None},
                             spider=spider)


def take_start(server: Any, key: str, starting: str, spider: Spider) -> Request | None:
    """The next start request, moved (atomically) from the start list to the worker's
    starting list, where it stays until the scheduler has queued it (meta START); None
    when the start list is empty.  An entry that is no request is logged and dropped."""
    while (data := server.lmove(key, starting, "LEFT", "RIGHT")) is not None:
        try:
            request = decode_start(data, spider)
        except (ValueError, TypeError, KeyError) as exc:
            logger.error("distributed: dropping start list entry %r: %s", data[:200], exc)
            spider.crawler.stats.inc_value("distributed/bad_starts")
            server.lrem(starting, 1, data)
            continue
        request.meta[START] = data
        return request
    return None


class Distributed:
    """Add-on: with REDIS_URL set, the settings of distributed mode.

    Set at "project" priority, so they replace crawler/settings.py's defaults (an empty
    WARC_DEDUP_PATH, DISTRIBUTED_WORKER) while `-s` on the command line still wins.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("REDIS_URL")
        if not url:
            return
        for name, value in {
            "SCHEDULER": "crawler.distributed.RedisScheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_QUEUE_CLASS": "crawler.redisqueue.ReliablePriorityQueue",
            "SCHEDULER_QUEUE_KEY": QUEUE_KEY,
            "SCHEDULER_DUPEFILTER_KEY": DUPEFILTER_KEY,
            # Never flush the shared frontier when one worker closes.
            "SCHEDULER_PERSIST": True,
            "REDIS_START_URLS_KEY": START_KEY,
            # archive.service.open_digest_index opens the Redis index for a redis:// path.
            "WARC_DEDUP_PATH": url,
        }.items():
            settings.set(name, value, "project")
        if not settings.get("DISTRIBUTED_WORKER"):
            worker = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
            settings.set("DISTRIBUTED_WORKER", worker, "project")


class RedisScheduler(Scheduler):
    """scrapy-redis's scheduler without the `spider` argument Scrapy 2.14+ stats dropped."""

    def enqueue_request(self, request: Request) -> bool:
        # Seen-set check and queueing in one script (crawler/redisqueue.py): a worker killed
        # in between must not leave a URL seen but never queued.
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        if not self.queue.push(request, (self.df.key, fingerprint)):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class RedisStarts:
    """Spider middleware: the start requests are read from the Redis start list."""

    def __init__(self, crawler: Crawler, server: Any, key: str):
        self.crawler, self.server, self.key = crawler, server, key

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.get("REDIS_URL"):
            raise NotConfigured  # one process: no reason to log on every crawl
        name = crawler.spidercls.name
        return cls(crawler, connection.from_settings(s), keys(name)["starts"])

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        # The spider's own start requests are not used: they are what `scrapy push_starts`
        # pushes, once, for the whole cluster.
        # One at a time, as the engine has room, moved (not popped) to this worker's
        # "starting" list; the scheduler takes it off that list in the script that queues
        # it.  A dead worker's starting list goes back to the start list (Worker.reap).
        spider = self.crawler.spider
        starting = starting_key(spider.name, self.crawler.settings.get("DISTRIBUTED_WORKER"))
        while (request := take_start(self.server, self.key, starting, spider)) is not None:
            yield request


class Worker:
    """Heartbeat, finished requests, dead workers' requests queued again, when to stop."""

    def __init__(self, crawler: Crawler, server: Any, worker: str, beat: float,
                 idle_close: float):
        self.crawler, self.server, self.worker = crawler, server, worker
        self.beat, self.idle_close = beat, idle_close
        self.name = crawler.spidercls.name
        self.keys = keys(self.name)
        self.inflight = inflight_key(self.name, worker)
        self.heartbeat = heartbeat_key(self.name, worker)
        self.loop = LoopingCall(self.tick)
        self.poll = LoopingCall(self.wake)
        self.idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.get("REDIS_URL"):
            raise NotConfigured  # one process: no reason to log on every crawl
        ext = cls(crawler, connection.from_settings(s), s.get("DISTRIBUTED_WORKER"),
                  s.getfloat("DISTRIBUTED_HEARTBEAT"), s.getfloat("DISTRIBUTED_IDLE_CLOSE"))
        connect = crawler.signals.connect
        connect(ext.spider_opened, signal=signals.spider_opened)
        connect(ext.spider_closed, signal=signals.spider_closed)
        connect(ext.spider_idle, signal=signals.spider_idle)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error,
                       signals.spider_error):
            connect(ext.outcome, signal=signal)
        return ext

    # -- membership ------------------------------------------------------------------------
    def spider_opened(self, spider: Spider) -> None:
        self.tick()
        self.loop.start(self.beat, now=False)
        self.poll.start(POLL_INTERVAL, now=False)
        logger.info("distributed: worker %s on %s", self.worker, self.keys["queue"])

    def tick(self) -> None:
        # Three missed beats and the others take this worker for dead (and one that was only
        # slow joins again here; its requests were queued again: fetched twice, not lost).
        self.server.set(self.heartbeat, str(time.time()), px=int(self.beat * 3000))
        self.server.sadd(self.keys["workers"], self.worker)
        self.reap()

    def reap(self) -> None:
        for raw in self.server.smembers(self.keys["workers"]):
            other = raw.decode() if isinstance(raw, bytes) else raw
            if other == self.worker or self.server.exists(heartbeat_key(self.name, other)):
                continue
            moved = requeue(self.server, inflight_key(self.name, other), self.keys["queue"])
            moved += self._restore_starts(other)
            self.server.srem(self.keys["workers"], other)
            self.crawler.stats.inc_value("distributed/requeued", moved)
            logger.warning("distributed: worker %s is gone; %d of its in-flight requests "
                           "queued again", other, moved)

    def _restore_starts(self, worker: str) -> int:
        moved = 0
        while self.server.lmove(starting_key(self.name, worker), self.keys["starts"],
                                "RIGHT", "LEFT") is not None:
            moved += 1
        return moved

    def spider_closed(self, reason: str) -> None:
        for loop in (self.loop, self.poll):
            if loop.running:
                loop.stop()
        # Whatever is still in flight here was not finished: give it back to the others.
        moved = requeue(self.server, self.inflight, self.keys["queue"])
        moved += self._restore_starts(self.worker)
        if moved:
            logger.info("distributed: %d unfinished requests queued again", moved)
        self.server.srem(self.keys["workers"], self.worker)
        self.server.delete(self.heartbeat)

    # -- finished requests -------------------------------------------------------------------
    def finish(self, request: Request | None) -> None:
        token = request.meta.pop(TOKEN, None) if request is not None else None
        if token:
            self.server.hdel(self.inflight, token)

    def outcome(self, response: Response | Failure | None = None, **_: Any) -> None:
        """A page's item went through the pipelines (or failed): its request is finished."""
        if isinstance(response, Response):
            self.finish(response.request)
        elif isinstance(response, Failure):
            self.finish(getattr(response, "request", None))

    # -- when to stop ------------------------------------------------------------------------
    def spider_idle(self) -> None:
        # Idle: nothing is in progress in this process, so nothing it holds is unfinished.
        self.server.delete(self.inflight)
        self.reap()
        spider, starts = self.crawler.spider, 0
        while starts < START_BATCH and (request := take_start(
                self.server, self.keys["starts"], starting_key(self.name, self.worker),
                spider)) is not None:
            self.crawler.engine.crawl(request)
            starts += 1
        if starts or self._cluster_busy():
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None and self.idle_close > 0:
            # Said once: the progress lines of the wait all look alike.
            logger.info("distributed: the cluster is idle; this worker closes after %.0f s "
                        "more without work (DISTRIBUTED_IDLE_CLOSE)", self.idle_close)
        self.idle_since = self.idle_since or now
        if self.idle_close <= 0 or now - self.idle_since < self.idle_close:
            raise DontCloseSpider
        logger.info("distributed: the cluster has been idle for %.0f s; closing",
                    now - self.idle_since)

    def wake(self) -> None:
        """Look at the shared queue often, not only every 5 s.

        An idle engine asks its scheduler again only on its own heartbeat (5 s, not a
        setting); when other workers have queued work meanwhile, ask it now.  Scrapy has no
        public call for this, hence the guarded private one: without it a worker still
        works, only later.
        """
        if self.server.zcard(self.keys["queue"]) or self.server.llen(self.keys["starts"]):
            nextcall = getattr(getattr(self.crawler.engine, "_slot", None), "nextcall", None)
            if nextcall is not None:
                nextcall.schedule()

    def _cluster_busy(self) -> bool:
        """Requests queued, or in flight at another worker (its pages may link on)."""
        if self.server.zcard(self.keys["queue"]):
            return True
        for raw in self.server.smembers(self.keys["workers"]):
            other = raw.decode() if isinstance(raw, bytes) else raw
            if other == self.worker:
                continue
            if self.server.hlen(inflight_key(self.name, other)) or \
                    self.server.llen(starting_key(self.name, other)):
                return True
        return False
