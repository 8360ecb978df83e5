"""SSRF guard: never fetch private, loopback, link-local or metadata addresses unless named.

A crawler that follows links (and redirects) from hacked pages must not be turned against
the machine it runs on or its network.  Every request is checked after DNS resolution (every
address the name resolves to), every redirect target before the redirect is followed, and
the address a response actually came from.  Allowed anyway: the hosts the user named (start
URLs, the sites file; a URL with an explicit port names that port only) and ``SSRF_ALLOWED``
(hosts, ``host:port`` or CIDR ranges).

Through a proxy the proxy resolves names, so the guard does not: a proxied hostname is
allowed only if it is named or inside a named site's domain (``spider.allowed_domains``),
and IP literals are checked as usual.  Refusals raise ``Refused`` (an IgnoreRequest), so the
request's errback records the page with its error; stats ``ssrf/refused``.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable
from typing import Self
from urllib.parse import urljoin, urlsplit
from urllib.request import getproxies, proxy_bypass

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
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


def _ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _port(url: str) -> int | None:
    parts = urlsplit(url)
    try:
        return parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None


class Allowlist:
    """What the user named: hosts (any port), host:port pairs, networks, domains via proxy."""

    def __init__(self, entries: Iterable[str] = (), urls: Iterable[str] = (),
                 domains: Iterable[str] = ()):
        self.hosts: set[str] = set()
        self.host_ports: set[tuple[str, int]] = set()
        self.networks: list[Network] = []
        self.domains = {d.lower().lstrip(".") for d in domains if d}
        for entry in entries:
            self.add_entry(entry.strip())
        for url in urls:
            parts = urlsplit(url)
            if not parts.hostname:
                continue
            if parts.port:
                self.host_ports.add((parts.hostname.lower(), parts.port))
            else:
                self.hosts.add(parts.hostname.lower())

    def add_entry(self, entry: str) -> None:
        if not entry:
            return
        if "/" in entry:
            self.networks.append(ipaddress.ip_network(entry, strict=False))
            return
        host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if port.isdigit():
            self.host_ports.add((host.lower(), int(port)))
        else:
            self.hosts.add(entry.lower().strip("[]"))

    def names(self, host: str, port: int | None) -> bool:
        host = host.lower()
        return host in self.hosts or (host, port) in self.host_ports

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
        self.allow = Allowlist(allowed)
        self._resolved: dict[str, list[IPAddress]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("SSRF_ENABLED"):
            raise NotConfigured("SSRF_ENABLED is off")
        mw = cls(crawler, s.getlist("SSRF_ALLOWED"), s.getbool("HTTPPROXY_ENABLED"))
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.request_scheduled, signal=signals.request_scheduled)
        return mw

    def spider_opened(self, spider) -> None:
        urls = [*getattr(spider, "_start_arg", []), *getattr(spider, "start_urls", [])]
        self.allow = Allowlist(self.allowed, urls, getattr(spider, "allowed_domains", None) or [])

    # -- the checks ----------------------------------------------------------------------
    def _proxied(self, url: str, meta: dict) -> bool:
        if "proxy" in meta and "_scheme_proxy" not in meta:
            return bool(meta["proxy"])  # set by the spider, not from the environment
        parts = urlsplit(url)
        return parts.scheme in self.proxies and not proxy_bypass(parts.hostname or "")

    async def _addresses(self, host: str) -> list[IPAddress]:
        if host not in self._resolved:
            try:
                # getaddrinfo blocks: run it in the reactor's thread pool.
                infos = await maybe_deferred_to_future(
                    deferToThread(socket.getaddrinfo, host, None, proto=socket.IPPROTO_TCP))
            except OSError:
                return []  # the downloader will report the name as unresolvable
            self._resolved[host] = [ipaddress.ip_address(i[4][0].split("%")[0]) for i in infos]
        return self._resolved[host]

    async def reason(self, url: str, meta: dict) -> str | None:
        """Why url must not be fetched, or None."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not host or self.allow.names(host, _port(url)):
            return None
        ip = _ip(host)
        if ip is not None:
            why = forbidden(ip)
            return f"{host} is {why}" if why and not self.allow.covers(ip) else None
        if self._proxied(url, meta):
            if self.allow.in_domains(host):
                return None
            return f"{host} is resolved by the proxy and was not named by the user"
        for addr in await self._addresses(host):
            why = forbidden(addr)
            if why and not self.allow.covers(addr):
                return f"{host} resolves to {addr}, {why}"
        return None

    def _refuse(self, url: str, why: str, what: str = "request") -> Refused:
        self.stats.inc_value("ssrf/refused")
        logger.warning("SSRF guard refused %s to %s: %s", what, url, why)
        return Refused(f"SSRF guard: {why}")

    # -- Scrapy hooks --------------------------------------------------------------------
    def request_scheduled(self, request: Request, spider=None) -> None:
        """Links to private IP literals are dropped when scheduled (no lookup needed)."""
        host = urlsplit(request.url).hostname or ""
        ip = _ip(host)
        if ip is None or self.allow.names(host, _port(request.url)) or self.allow.covers(ip):
            return
        why = forbidden(ip)
        if why:
            raise self._refuse(request.url, f"{host} is {why}", "link")

    async def process_request(self, request: Request) -> None:
        why = await self.reason(request.url, request.meta)
        if why:
            raise self._refuse(request.url, why)

    async def process_response(self, request: Request, response: Response) -> Response:
        if 300 <= response.status < 400 and b"Location" in response.headers:
            location = response.headers[b"Location"].decode("latin-1")
            target = urljoin(request.url, location)
            why = await self.reason(target, request.meta)
            if why:
                raise self._refuse(target, why, f"redirect from {request.url}")
        # What we actually connected to (direct connections only: else it is the proxy's).
        ip = _ip(str(response.ip_address or ""))
        host = urlsplit(request.url).hostname or ""
        if (ip is not None and not self._proxied(request.url, request.meta)
                and not self.allow.names(host, _port(request.url)) and not self.allow.covers(ip)):
            why = forbidden(ip)
            if why:
                raise self._refuse(request.url, f"connected to {ip}, {why}", "response")
        return response
