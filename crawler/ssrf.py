"""SSRF guard: never fetch private, loopback, link-local or metadata addresses unless named.

A crawler that follows links (and redirects) from hacked pages must not be turned against
the machine it runs on or its network.  Every request is checked after DNS resolution (every
address the name resolves to; a failed lookup is refused) and every redirect target before
the redirect is followed.  The lookup is the one the connection is answered from: the
reactor's resolver (crawler/resolver.py) resolves each name once and asks this guard again
before it hands out addresses, so a name cannot answer the check with a public address and
the connection with a private one.  Allowed anyway: what the user named, host:port exact
(start URLs and the sites file, on their port or the scheme's default), and
``SSRF_ALLOWED`` (``host`` on any port, ``host:port``, ``[v6]:port``, CIDR ranges).

Through a proxy the proxy resolves names, so the guard does not: a proxied hostname is
allowed only if it is named or inside a named site's domain (``spider.allowed_domains``),
and IP literals are checked as usual.  Refusals raise ``Refused`` (an IgnoreRequest), so the
request's errback records the page with its error; stats ``ssrf/refused``.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from typing import Self
from urllib.parse import urljoin, urlsplit
from urllib.request import getproxies, proxy_bypass

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.reactor import is_reactor_installed
from twisted.internet.error import DNSLookupError

from crawler.resolver import (
    GuardedResolver,
    IPAddress,
    installed_resolver,
    ip_literal,
    normalize_host,
)

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Refused(IgnoreRequest):
    """A request the SSRF guard will not send."""


def forbidden(ip: IPAddress) -> str | None:
    """Why an address must not be fetched (None: a public address)."""
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:10.0.0.1, 2002:0a00:0001:: (6to4), 64:ff9b::/96 (NAT64) hide IPv4 inside.
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in ipaddress.IPv6Network("64:ff9b::/96"):
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return forbidden(inner)
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata)"
    if ip.is_private:
        return "private"
    if ip.is_multicast or ip.is_reserved or not ip.is_global:
        # 100.64.0.0/10 (carrier NAT; Alibaba Cloud's metadata is 100.100.100.200),
        # multicast, reserved, unspecified.
        return "not a public address"
    return None


def _port(url: str) -> int | None:
    parts = urlsplit(url)
    try:
        return parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None


def parse_entry(entry: str) -> tuple[str, int | None] | Network:
    """One ``SSRF_ALLOWED`` entry: a network (CIDR), or a host with its port (None: any port).

    ``10.1.0.0/16``, ``intranet.example.cn``, ``intranet.example.cn:8080``, ``::1``,
    ``[::1]``, ``[::1]:8080``.  Anything else is a ValueError naming the entry.
    """
    text = entry.strip()
    if "/" in text:
        try:
            return ipaddress.ip_network(text, strict=False)
        except ValueError as e:
            raise ValueError(f"SSRF_ALLOWED: {entry!r} is not a network: {e}") from None
    if (ip := ip_literal(text)) is not None and not text.startswith("["):
        return str(ip), None  # a bare IPv6 address has colons but no port
    bad = ValueError(f"SSRF_ALLOWED: {entry!r} is not a host, host:port or network")
    try:
        parts = urlsplit(f"//{text}")
        host, port = parts.hostname or "", parts.port
    except ValueError:  # "[::1", "host:abc", a port above 65535
        raise bad from None
    if (not host or port == 0 or parts.username or parts.password or parts.path
            or parts.query or parts.fragment or (":" in host and ip_literal(host) is None)):
        raise bad
    return normalize_host(host), port


class Allowlist:
    """What the user named: host:port pairs, hosts on any port, networks, domains via proxy.

    A start URL names its host on its port only (the scheme's default when it has none).
    """

    def __init__(self, entries: Iterable[str] = (), urls: Iterable[str] = (),
                 domains: Iterable[str] = ()):
        self.hosts: set[str] = set()
        self.host_ports: set[tuple[str, int]] = set()
        self.networks: list[Network] = []
        self.domains = {d.lower().lstrip(".") for d in domains if d}
        for entry in entries:
            if entry.strip():
                self.add_entry(entry)
        for url in urls:
            host, port = urlsplit(url).hostname, _port(url)
            if host and port:
                self.host_ports.add((normalize_host(host), port))

    def add_entry(self, entry: str) -> None:
        parsed = parse_entry(entry)
        if not isinstance(parsed, tuple):
            self.networks.append(parsed)
        elif parsed[1] is None:
            self.hosts.add(parsed[0])
        else:
            self.host_ports.add((parsed[0], parsed[1]))

    def names(self, host: str, port: int | None) -> bool:
        """Whether the user named host on port (port 0 or None: on any port, e.g. a proxy
        Twisted connects to without saying the port to the resolver)."""
        host = normalize_host(host)
        if host in self.hosts or (host, port) in self.host_ports:
            return True
        return not port and any(h == host for h, _ in self.host_ports)

    def covers(self, ip: IPAddress) -> bool:
        return any(ip in net for net in self.networks)

    def in_domains(self, host: str) -> bool:
        host = host.lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)


class SsrfGuardMiddleware:
    def __init__(self, crawler: Crawler, allowed: list[str], use_env_proxy: bool):
        self.crawler = crawler
        self.stats = crawler.stats
        self.allowed = allowed
        self.proxies = getproxies() if use_env_proxy else {}
        self.allow = Allowlist(allowed)  # a bad entry fails the crawl's start, with its name
        self.resolver: GuardedResolver | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("SSRF_ENABLED"):
            raise NotConfigured("SSRF_ENABLED is off")
        mw = cls(crawler, s.getlist("SSRF_ALLOWED"), s.getbool("HTTPPROXY_ENABLED"))
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(mw.request_scheduled, signal=signals.request_scheduled)
        return mw

    def spider_opened(self, spider) -> None:
        urls = [*getattr(spider, "_start_arg", []), *getattr(spider, "start_urls", [])]
        self.allow = Allowlist(self.allowed, urls, getattr(spider, "allowed_domains", None) or [])
        for proxy in self.proxies.values():
            self._allow_proxy(proxy)
        if is_reactor_installed():  # always in a crawl; unit tests may have none
            self._guarded()

    def _guarded(self) -> GuardedResolver:
        """The reactor's resolver, asking this guard before it hands out addresses."""
        if self.resolver is None:
            self.resolver = installed_resolver(self.crawler.settings)
            self.resolver.guards.append(self.check)
        return self.resolver

    def spider_closed(self, spider) -> None:
        if self.resolver is not None and self.check in self.resolver.guards:
            self.resolver.guards.remove(self.check)

    # -- the checks ----------------------------------------------------------------------
    def _proxied(self, url: str, meta: dict) -> bool:
        if "proxy" in meta and "_scheme_proxy" not in meta:
            return bool(meta["proxy"])  # set by the spider, not from the environment
        parts = urlsplit(url)
        return parts.scheme in self.proxies and not proxy_bypass(parts.hostname or "")

    def _allow_proxy(self, proxy: str) -> None:
        """The proxy the user configured is named: the resolver lets it be connected to."""
        parts = urlsplit(proxy if "//" in proxy else f"//{proxy}")
        try:
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme or "http")
        except ValueError:
            return  # HttpProxyMiddleware reports a bad proxy URL
        if parts.hostname and port:
            self.allow.host_ports.add((normalize_host(parts.hostname), port))

    def check(self, host: str, port: int, addresses: list[IPAddress]) -> str | None:
        """Why host:port must not be connected to at these addresses, or None."""
        if self.allow.names(host, port):
            return None
        for addr in addresses:
            why = forbidden(addr)
            if why and not self.allow.covers(addr):
                return f"{host} is {why}" if ip_literal(host) else f"{host} resolves to {addr}, {why}"
        return None

    async def reason(self, url: str, meta: dict) -> str | None:
        """Why url must not be fetched, or None."""
        parts = urlsplit(url)
        host, port = normalize_host(parts.hostname or ""), _port(url)
        if not host or self.allow.names(host, port):
            return None
        if ip_literal(host) is None and self._proxied(url, meta):
            if self.allow.in_domains(host):
                return None
            return f"{host} is resolved by the proxy and was not named by the user"
        if (ip := ip_literal(host)) is not None:
            addresses = [ip]
        else:
            try:  # the lookup the connection will be answered from (crawler/resolver.py)
                addresses = await maybe_deferred_to_future(self._guarded().lookup(host))
            except DNSLookupError as e:
                return f"lookup failed: {e.args[0] if e.args else e}"
        return self.check(host, port or 0, addresses)

    def _refuse(self, url: str, why: str, what: str = "request") -> Refused:
        self.stats.inc_value("ssrf/refused")
        logger.warning("SSRF guard refused %s to %s: %s", what, url, why)
        return Refused(f"SSRF guard: {why}")

    # -- Scrapy hooks --------------------------------------------------------------------
    def link_refusal(self, url: str) -> str | None:
        """Why a link to url is dropped when scheduled: a private IP literal (no lookup)."""
        ip = ip_literal(urlsplit(url).hostname or "")
        return None if ip is None else self.check(str(ip), _port(url) or 0, [ip])

    def request_scheduled(self, request: Request, spider=None) -> None:
        """Links to private IP literals are dropped when scheduled."""
        why = self.link_refusal(request.url)
        if why:
            raise self._refuse(request.url, why, "link")

    async def process_request(self, request: Request) -> None:
        if request.meta.get("proxy"):
            self._allow_proxy(request.meta["proxy"])
        why = await self.reason(request.url, request.meta)
        if why:
            raise self._refuse(request.url, why)

    async def process_response(self, request: Request, response: Response) -> Response:
        # A redirect is refused before RedirectMiddleware (600) schedules it.  (The address a
        # response came from needs no check: the resolver only hands out checked ones.)
        if 300 <= response.status < 400 and b"Location" in response.headers:
            location = response.headers[b"Location"].decode("latin-1")
            target = urljoin(request.url, location)
            why = await self.reason(target, request.meta)
            if why:
                raise self._refuse(target, why, f"redirect from {request.url}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        """A connection the resolver refused is a refusal, not a DNS error to retry."""
        if isinstance(exception, CannotResolveHostError | DNSLookupError) and self.resolver:
            parts = urlsplit(request.url)
            why = self.resolver.refusal(parts.hostname or "", _port(request.url) or 0)
            if why:
                raise self._refuse(request.url, why)
