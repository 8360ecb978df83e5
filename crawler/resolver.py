"""The reactor's name resolver: each name is resolved once, and connections get only addresses
the SSRF guard checked.

Twisted's HostnameEndpoint (what Scrapy's HTTP/1.1 handler connects through) asks
``reactor.nameResolver`` for the addresses of every connection, IP literals included, so a
resolver installed there (``TWISTED_DNS_RESOLVER``) sees each connection's host and port
before any packet is sent.  This one answers from the same per-crawl cache the guard's own
check (crawler/ssrf.py) filled, and before handing addresses out asks the registered guards
again: a name that answers a public address to the check and 127.0.0.2 to the connection
(DNS rebinding) is never asked twice, and a refused name gets no address, so no connection.

Lookups use the system resolver (getaddrinfo, in daemon threads: a hung lookup can neither
hold the reactor's thread pool nor the process's exit) or, with ``SSRF_NAMESERVER``, that DNS
server only.  Either way a lookup ends within ``SSRF_DNS_TIMEOUT`` seconds.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Self

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.defer import Deferred, DeferredList, succeed
from twisted.internet.defer import TimeoutError as LookupTimeout
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IHostnameResolver, IHostResolution, IResolutionReceiver
from twisted.names import client, dns
from twisted.names.error import DNSNameError
from twisted.python.failure import Failure
from zope.interface import implementer

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port, addresses) -> why the connection is refused, or None.
Guard = Callable[[str, int, list[IPAddress]], str | None]


def ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None


def normalize_host(host: str) -> str:
    """One spelling per host: lower case, no trailing dot, IP literals in compressed form."""
    ip = ip_literal(host)
    return str(ip) if ip is not None else host.lower().rstrip(".")


def parse_nameserver(value: str) -> tuple[str, int] | None:
    """``SSRF_NAMESERVER``: ``ip``, ``ip:port`` or ``[ipv6]:port``; empty: the system's."""
    if not value.strip():
        return None
    if (ip := ip_literal(value.strip())) is not None:
        return str(ip), 53
    host, sep, port = value.strip().rpartition(":")
    ip = ip_literal(host) if sep else None
    if ip is None or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"SSRF_NAMESERVER must be an IP address with an optional port, "
                         f"got {value!r}")
    return str(ip), int(port)


def _why(failure: Failure, timeout: float) -> str:
    """A lookup failure in words (twisted.names puts the whole DNS message in its errors)."""
    if failure.check(DNSNameError):
        return "no such name"
    if failure.check(LookupTimeout):  # addTimeout's, and twisted.names' subclass of it
        return f"no answer within {timeout:g} s"
    return failure.getErrorMessage()


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str):
        self.name = name

    def cancel(self) -> None:
        """Nothing to stop: the lookup is shared with other requests and times out."""


@implementer(IHostnameResolver)
class GuardedResolver:
    def __init__(self, reactor: Any, timeout: float, nameserver: tuple[str, int] | None = None,
                 cache_size: int = 10000):
        self.reactor = reactor
        self.timeout = timeout
        self.cache_size = cache_size
        self.guards: list[Guard] = []
        self._cache: OrderedDict[str, list[IPAddress]] = OrderedDict()
        self._pending: dict[str, list[Deferred[list[IPAddress]]]] = {}
        self._refused: OrderedDict[tuple[str, int], str] = OrderedDict()
        # Only the named server (no resolv.conf, no fallback to the system's servers).
        self._names = (client.Resolver(servers=[nameserver], reactor=reactor)
                       if nameserver else None)

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> Self:
        # Scrapy passes the CrawlerProcess here: only its settings are used.
        return cls.from_settings(crawler.settings, reactor)

    @classmethod
    def from_settings(cls, settings: Any, reactor: Any) -> Self:
        return cls(reactor, settings.getfloat("SSRF_DNS_TIMEOUT", 10.0),
                   parse_nameserver(settings.get("SSRF_NAMESERVER") or ""),
                   settings.getint("DNSCACHE_SIZE"))

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    # -- lookups: once per name --------------------------------------------------------
    def lookup(self, host: str) -> Deferred[list[IPAddress]]:
        """Every address of host (cached for the crawl); fails with DNSLookupError."""
        host = normalize_host(host)
        if (ip := ip_literal(host)) is not None:
            return succeed([ip])
        if host in self._cache:
            self._cache.move_to_end(host)
            return succeed(list(self._cache[host]))
        waiter: Deferred[list[IPAddress]] = Deferred()
        if host in self._pending:
            self._pending[host].append(waiter)
        else:
            self._pending[host] = [waiter]
            query = self._query_names(host) if self._names else self._query_system(host)
            query.addBoth(self._answered, host)
        return waiter

    def _answered(self, result: list[IPAddress] | Failure, host: str) -> None:
        if not isinstance(result, Failure):
            self._cache[host] = result
            while len(self._cache) > max(self.cache_size, 1):
                self._cache.popitem(last=False)
        elif not result.check(DNSLookupError):
            result = Failure(DNSLookupError(f"{host}: {_why(result, self.timeout)}"))
        for waiter in self._pending.pop(host, []):
            if waiter.called:  # cancelled meanwhile
                continue
            if isinstance(result, Failure):
                waiter.errback(result)
            else:
                waiter.callback(list(result))

    def _query_system(self, host: str) -> Deferred[list[IPAddress]]:
        done: Deferred[list[IPAddress]] = Deferred()

        def fire(result: list[IPAddress] | Failure) -> None:
            if done.called:  # timed out already
                return
            if isinstance(result, Failure):
                done.errback(result)
            else:
                done.callback(result)

        def work() -> None:
            try:
                infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
                found: list[IPAddress] | Failure = list(dict.fromkeys(
                    ipaddress.ip_address(i[4][0].split("%")[0]) for i in infos))
            except (OSError, UnicodeError) as e:
                found = Failure(DNSLookupError(f"{host}: {e}"))
            self.reactor.callFromThread(fire, found)

        threading.Thread(target=work, name=f"lookup {host}", daemon=True).start()
        return done.addTimeout(self.timeout, self.reactor)

    def _query_names(self, host: str) -> Deferred[list[IPAddress]]:
        # Its own timeout ends the query (cancelling a twisted.names query is not supported).
        assert self._names is not None
        timeout = (self.timeout,)
        queries = [self._names.lookupAddress(host, timeout), self._names.lookupIPV6Address(
            host, timeout)]

        def addresses(results: list[tuple[bool, Any]]) -> list[IPAddress]:
            found: list[IPAddress] = []
            for ok, value in results:
                for rr in value[0] if ok else ():
                    if rr.type == dns.A:
                        found.append(ipaddress.IPv4Address(rr.payload.address))
                    elif rr.type == dns.AAAA:
                        found.append(ipaddress.IPv6Address(rr.payload.address))
            if not found:
                why = next((_why(v, self.timeout) for ok, v in results if not ok), "no address")
                raise DNSLookupError(f"{host}: {why}")
            return list(dict.fromkeys(found))

        return DeferredList(queries, consumeErrors=True).addCallback(addresses)

    # -- the guards ------------------------------------------------------------------------
    def verdict(self, host: str, port: int, addresses: list[IPAddress]) -> str | None:
        """Why no guard lets host:port connect to addresses (None: one does, or none is on)."""
        reasons = [guard(host, port, addresses) for guard in self.guards]
        return reasons[0] if reasons and all(reasons) else None

    def refusal(self, host: str, port: int) -> str | None:
        """Why the resolver gave host:port no address, if a guard refused it."""
        return self._refused.get((normalize_host(host), port))

    def _checked(self, addresses: list[IPAddress], host: str, port: int) -> list[IPAddress]:
        why = self.verdict(host, port, addresses)
        if why is None:
            return addresses
        self._refused[(host, port)] = why
        while len(self._refused) > 1000:
            self._refused.popitem(last=False)
        logger.warning("SSRF guard: no connection to %s:%d: %s", host, port, why)
        return []

    # -- IHostnameResolver -------------------------------------------------------------------
    def resolveHostName(  # noqa: N802 (Twisted's interface)
        self, resolutionReceiver: IResolutionReceiver, hostName: str, portNumber: int = 0,
        addressTypes: Sequence[type[Any]] | None = None, transportSemantics: str = "TCP",
    ) -> IHostResolution:
        host = normalize_host(hostName)
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)

        def deliver(addresses: list[IPAddress]) -> None:
            for ip in addresses:
                kind = IPv4Address if ip.version == 4 else IPv6Address
                if addressTypes is None or kind in addressTypes:
                    resolutionReceiver.addressResolved(kind("TCP", str(ip), portNumber))

        def failed(failure: Failure) -> None:
            logger.debug("lookup of %s failed: %s", hostName, failure.getErrorMessage())

        d = self.lookup(host).addCallback(self._checked, host, portNumber)
        d.addCallbacks(deliver, failed).addBoth(lambda _: resolutionReceiver.resolutionComplete())
        return resolution


def installed_resolver(settings: Any) -> GuardedResolver:
    """The reactor's GuardedResolver, installed now if the crawl was started without it
    (e.g. by a CrawlerRunner, which leaves TWISTED_DNS_RESOLVER alone)."""
    from twisted.internet import reactor

    current = reactor.nameResolver  # type: ignore[attr-defined]
    if isinstance(current, GuardedResolver):
        return current
    resolver = GuardedResolver.from_settings(settings, reactor)
    resolver.install_on_reactor()
    logger.info("SSRF guard: installed %s as the reactor's resolver (was %s)",
                GuardedResolver.__name__, type(current).__name__)
    return resolver
