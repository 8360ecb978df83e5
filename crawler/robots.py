"""robots.txt as RFC 9309 reads it: unreachable means "do not crawl this host for now".

Scrapy's RobotsTxtMiddleware allows everything when robots.txt cannot be fetched (a 5xx
answer is even parsed as if it were the file).  Here a 5xx answer or a download error
(timeout, reset, refused) makes the host *unreachable*: its requests wait, robots.txt is
fetched again after ``ROBOTS_RETRY_DELAY`` seconds (doubling each time), and after
``ROBOTS_RETRY_TIMES`` failed rounds the host's requests are dropped with an error the
errback records ("robots.txt unreachable").  A 4xx answer still means "no robots.txt, all
allowed", as the RFC says.  Stats: ``robotstxt/unreachable``, ``robotstxt/host_skipped``.

A wait never holds up the close of the crawl: on ``closing_started`` (crawler/promptclose.py)
every waiting request is released at once with ``NotFetched``, and the close sets it aside
(back into a persistent queue, or a "not fetched" row).

robots.txt is parsed, and its rules matched, on the reactor: a hostile 12 MB one held up the
whole crawl for minutes.  Only its first ``ROBOTSTXT_MAX_BYTES`` (500 KiB, the least RFC 9309
§2.5 lets a crawler parse) are parsed, cut after the last whole line, and its download stops
once ``ROBOTSTXT_DOWNLOAD_MAXSIZE`` bytes have come (what came is what the archive holds).
Stat: ``robotstxt/cut``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer

from crawler.promptclose import NotFetched, closing_started

logger = logging.getLogger(__name__)


@dataclass
class Unreachable:
    """A host whose robots.txt could not be fetched: why, how often, and when to try again."""

    reason: str
    rounds: int
    retry_at: float


class RobotsUnreachable(IgnoreRequest):
    """The host's robots.txt stayed unreachable: its pages are not crawled in this run."""


# Meta keys of a robots.txt request: the bytes it may receive, and the bytes received so far.
_MAXSIZE = "robotstxt_download_maxsize"
_RECEIVED = "robotstxt_received"


def cut_robots(body: bytes, limit: int, whole: bool = True) -> bytes:
    """The first `limit` bytes of a robots.txt, up to the end of the last whole line in them
    (a rule cut in half could disallow or allow what its whole did not).  whole: the body is
    all of the file (else its last line may be cut off too)."""
    if whole and len(body) <= limit:
        return body
    head = body[:limit]
    return head[:max(head.rfind(b"\n"), head.rfind(b"\r")) + 1]


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        s = crawler.settings
        self.retry_times = s.getint("ROBOTS_RETRY_TIMES")
        self.retry_delay = s.getfloat("ROBOTS_RETRY_DELAY")
        self.max_bytes = s.getint("ROBOTSTXT_MAX_BYTES")
        self.download_maxsize = s.getint("ROBOTSTXT_DOWNLOAD_MAXSIZE")
        self._rounds: dict[str, int] = {}
        self._closing = False
        self._waits: set[defer.Deferred[None]] = set()  # one per waiting request

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = cls(crawler)
        crawler.signals.connect(mw._close_started, signal=closing_started)
        crawler.signals.connect(mw._bytes_received, signal=signals.bytes_received)
        return mw

    def _bytes_received(self, data: bytes, request: Request) -> None:
        """Stop a robots.txt download at its size limit, keeping what came: the rest would
        not be parsed anyway."""
        limit = request.meta.get(_MAXSIZE)
        if limit is None:
            return
        received = request.meta[_RECEIVED] = request.meta.get(_RECEIVED, 0) + len(data)
        if received >= limit:
            raise StopDownload(fail=False)

    def _close_started(self) -> None:
        self._closing = True
        for wait in list(self._waits):
            _fire(None, wait)

    async def _wait(self, netloc: str, until: defer.Deferred[Any] | float) -> None:
        """Wait for the host's pending robots.txt fetch, or for a number of seconds; the
        start of the close ends every wait at once."""
        if self._closing:
            raise NotFetched(f"robots.txt of {netloc}")
        wait: defer.Deferred[None] = defer.Deferred()
        self._waits.add(wait)
        timer = None
        if isinstance(until, defer.Deferred):
            # Passes the result on untouched: other waiters chain on the same Deferred.
            until.addBoth(_fire, wait)
        else:
            timer = call_later(until, _fire, None, wait)
        try:
            await maybe_deferred_to_future(wait)
        finally:
            self._waits.discard(wait)
            if timer is not None:
                timer.cancel()
        if self._closing:
            raise NotFetched(f"robots.txt of {netloc}")

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        while True:
            if netloc not in self._parsers:
                if self._closing:
                    raise NotFetched(f"robots.txt of {netloc}")
                await self._fetch(urlparse_cached(request).scheme, netloc, request)
                continue
            state = self._parsers[netloc]
            if isinstance(state, defer.Deferred):
                # The pending fetch's Deferred only says "done"; the outcome is read from
                # _parsers.  Awaited through asyncio (Deferred.asFuture) it would hand its
                # result to the first waiter and None, i.e. "allow everything", to every
                # other request of the host that was waiting (Scrapy's own middleware has
                # this bug).
                await self._wait(netloc, state)
                continue
            if not isinstance(state, Unreachable):
                return state
            if state.rounds > self.retry_times:
                self._stats.inc_value("robotstxt/host_skipped")
                raise RobotsUnreachable(f"robots.txt unreachable ({state.reason}): "
                                        f"host not crawled")
            wait = state.retry_at - time.monotonic()
            if wait > 0:
                await self._wait(netloc, wait)
            if self._parsers.get(netloc) is state:
                del self._parsers[netloc]  # the first request to wake up fetches it again

    async def _fetch(self, scheme: str, netloc: str, request: Request) -> None:
        """Fetch and parse robots.txt once for every request of the host waiting on it;
        the outcome (parser, None or Unreachable) replaces the Deferred in _parsers."""
        self._parsers[netloc] = defer.Deferred()
        # Not download_maxsize: its smaller value would fail a robots.txt whose Content-Length
        # is over it before a byte came, where _bytes_received keeps the start of it.
        robots = Request(f"{scheme}://{netloc}/robots.txt", priority=self.DOWNLOAD_PRIORITY,
                         meta={"dont_obey_robotstxt": True, _MAXSIZE: self.download_maxsize},
                         callback=NO_CALLBACK)
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(robots)
        except Exception as exc:  # noqa: BLE001 (every download failure means unreachable)
            self._robots_error(exc, netloc)
        else:
            await self._parse_robots(response, netloc, request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._unreachable(netloc, f"HTTP {response.status}")
            return
        stopped = "download_stopped" in response.flags
        body = cut_robots(response.body, self.max_bytes, whole=not stopped)
        if len(body) < len(response.body) or stopped:
            self._stats.inc_value("robotstxt/cut")
            logger.warning("robots.txt of %s: %d bytes%s, only its first %d parsed "
                           "(ROBOTSTXT_MAX_BYTES, RFC 9309 2.5)", netloc, len(response.body),
                           " (download stopped at ROBOTSTXT_DOWNLOAD_MAXSIZE)" if stopped
                           else "", len(body))
            response = response.replace(body=body)
        try:
            await super()._parse_robots(response, netloc, request)
        except Exception as exc:  # noqa: BLE001 - a parser crash must not leave waiters hanging
            if isinstance(self._parsers.get(netloc), defer.Deferred):
                self._stats.inc_value("robotstxt/parse_errors")
                self._unreachable(netloc, f"robots.txt could not be parsed: {exc!r}")

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, NotFetched):
            # Set aside by the close: no round counted; its waiters are set aside too.
            pending = self._parsers.pop(netloc, None)
            if isinstance(pending, defer.Deferred):
                pending.callback(None)
            return
        if isinstance(exc, IgnoreRequest):
            # Refused before sending (e.g. by the SSRF guard): the page request is refused
            # the same way, so there is nothing to wait for.
            super()._robots_error(exc, netloc)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc).__name__}")
        self._unreachable(netloc, f"{type(exc).__name__}: {exc}")

    def _unreachable(self, netloc: str, reason: str) -> None:
        rounds = self._rounds.get(netloc, 0) + 1
        self._rounds[netloc] = rounds
        delay = self.retry_delay * 2 ** (rounds - 1)
        self._stats.inc_value("robotstxt/unreachable")
        logger.warning("robots.txt of %s unreachable (%s), round %d: %s", netloc, reason,
                       rounds, f"retrying in {delay:g}s" if rounds <= self.retry_times
                       else "host not crawled in this run")
        state = Unreachable(reason, rounds, time.monotonic() + delay)
        pending = self._parsers[netloc]
        self._parsers[netloc] = state
        if isinstance(pending, defer.Deferred):
            pending.callback(state)


def _fire(result: Any, wait: defer.Deferred[None]) -> Any:
    if not wait.called:
        wait.callback(None)
    return result
