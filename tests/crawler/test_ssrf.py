"""The SSRF guard: what counts as private, what the user may name, and a real crawl where
only the guard (not the offsite filter) stands between a redirect and a loopback port."""

from __future__ import annotations

import ipaddress
import socket
import sqlite3

import pytest
from scrapy.utils.test import get_crawler

from crawler.resolver import GuardedResolver, parse_nameserver
from crawler.ssrf import Allowlist, Refused, SsrfGuardMiddleware, forbidden, parse_entry
from fixtureweb.crawl import crawl
from fixtureweb.faults import FaultWeb
from fixtureweb.server import running


@pytest.mark.parametrize("addr", [
    "127.0.0.1", "127.8.9.10", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1",
    "169.254.169.254", "fe80::1", "fd00:ec2::254", "100.100.100.200", "0.0.0.0",
    "::ffff:10.0.0.1", "::ffff:169.254.169.254", "2002:a00:1::", "64:ff9b::a00:1",
    "224.0.0.1", "240.0.0.1", "::",
])
def test_private_and_metadata_addresses_are_forbidden(addr):
    assert forbidden(ipaddress.ip_address(addr))


@pytest.mark.parametrize("addr", ["101.37.113.127", "202.108.22.5", "2400:da00::6666"])
def test_public_addresses_are_not(addr):
    assert forbidden(ipaddress.ip_address(addr)) is None


def test_allowlist_names_hosts_ports_and_ranges():
    allow = Allowlist(["10.1.0.0/16", "intranet.example.cn", "192.168.0.9:8080"],
                      ["http://127.0.0.1:8123/", "http://www.taonan.gov.cn/"], ["taonan.gov.cn"])
    assert allow.names("127.0.0.1", 8123) and not allow.names("127.0.0.1", 22)
    # A start URL without a port names the scheme's default port only.
    assert allow.names("www.taonan.gov.cn", 80) and not allow.names("www.taonan.gov.cn", 8080)
    assert allow.names("intranet.example.cn", 80) and allow.names("intranet.example.cn", 22)
    assert allow.names("192.168.0.9", 8080) and not allow.names("192.168.0.9", 80)
    assert allow.covers(ipaddress.ip_address("10.1.2.3"))
    assert not allow.covers(ipaddress.ip_address("10.2.0.1"))
    assert allow.in_domains("zwgk.taonan.gov.cn") and not allow.in_domains("evil-taonan.gov.cn")


def _run(coro):
    """Drive a coroutine that never waits (IP literals and named hosts need no lookup)."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("the check waited for something")


class _Spider:
    _start_arg = ["http://127.0.0.1:8123/"]
    allowed_domains = ["127.0.0.1"]


@pytest.fixture
def guard():
    crawler = get_crawler(settings_dict={"SSRF_ENABLED": True, "SSRF_ALLOWED": ["10.9.0.0/16"]})
    mw = SsrfGuardMiddleware.from_crawler(crawler)
    mw.spider_opened(_Spider())
    return mw


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]:8123/",
    "http://127.0.0.1:22/", "http://100.100.100.200/latest/meta-data/", "http://0.0.0.0:8123/",
])
def test_guard_refuses_before_any_connection(guard, url):
    from scrapy import Request
    with pytest.raises(Refused):
        _run(guard.process_request(Request(url)))
    assert guard.stats.get_value("ssrf/refused") == 1


@pytest.mark.parametrize("url", ["http://127.0.0.1:8123/a.html", "http://10.9.3.4/"])
def test_guard_lets_named_hosts_and_allowed_ranges_through(guard, url):
    from scrapy import Request
    assert _run(guard.process_request(Request(url))) is None


def _listener() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    return sock


def _connections(sock: socket.socket) -> int:
    n = 0
    while True:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return n
        conn.close()
        n += 1


def _direct_crawl(tmp_path, *args: str):
    trap = _listener()
    web_faults = FaultWeb(trap_port=trap.getsockname()[1], direct=True)
    with running(hook=web_faults) as web:
        start = f"http://127.0.0.1:{web.port}/ssrf.html"
        proc = crawl(tmp_path, None, "-a", f"start_urls={start}", "-s", "DOWNLOAD_TIMEOUT=2",
                     "-s", "RETRY_TIMES=0", *args, timeout=120)
    connections = _connections(trap)
    trap.close()
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = sqlite3.connect(tmp_path / "reports.db")
    rows = {u: (s, e) for u, s, e in db.execute("select url, status, error from pages")}
    db.close()
    return web.port, rows, connections, proc.stderr


def test_loopback_start_url_works_but_redirect_to_another_port_is_refused(tmp_path):
    port, rows, connections, log = _direct_crawl(tmp_path)
    # The named host:port is crawled (plain loopback start URLs keep working) ...
    assert rows[f"http://127.0.0.1:{port}/ssrf.html"][0] == 200
    # ... but its redirect to another loopback port passes the offsite filter (same host)
    # and only the guard stops it: recorded, and the port never saw a connection.
    status, error = rows[f"http://127.0.0.1:{port}/ssrf-redirect.html"]
    assert "SSRF guard: 127.0.0.1 is loopback" in error
    assert connections == 0
    assert "Traceback" not in log


def test_ssrf_allowed_setting_opens_the_port(tmp_path):
    # The same crawl with the port allowed reaches it: the observation above is real.  (The
    # port never answers: its robots.txt times out once and the host is given up.)
    _, rows, connections, _ = _direct_crawl(tmp_path, "-s", "SSRF_ALLOWED=127.0.0.0/8",
                                            "-s", "ROBOTS_RETRY_TIMES=0")
    assert connections >= 1
    assert not any("SSRF" in (e or "") for _, e in rows.values())


@pytest.mark.parametrize(("entry", "parsed"), [
    ("[::1]:8080", ("::1", 8080)), ("::1", ("::1", None)), ("[::1]", ("::1", None)),
    ("0:0:0:0:0:0:0:1", ("::1", None)), ("[fd00::5]:443", ("fd00::5", 443)),
    ("Intranet.Example.cn:8080", ("intranet.example.cn", 8080)),
    ("intranet.example.cn", ("intranet.example.cn", None)), ("10.0.0.1:22", ("10.0.0.1", 22)),
    ("10.1.0.0/16", ipaddress.ip_network("10.1.0.0/16")),
    ("fd00::/8", ipaddress.ip_network("fd00::/8")),
])
def test_allowed_entries_parse(entry, parsed):
    assert parse_entry(entry) == parsed


@pytest.mark.parametrize("entry", [
    "host:abc", "host:70000", "[::1]:0", "a:b:c", "http://x/", "x/y", "10.0.0.0/33", "[::1",
    "[nothost]:80", "user@host:80",
])
def test_bad_allowed_entries_are_named_in_the_error(entry):
    with pytest.raises(ValueError, match="SSRF_ALLOWED"):
        parse_entry(entry)


def test_ipv6_allowance_is_host_and_port_exact():
    allow = Allowlist(["[::1]:8080"], ["https://[fd00::7]/", "http://127.0.0.1/"])
    assert allow.names("::1", 8080) and allow.names("[0::1]", 8080)
    assert not allow.names("::1", 8081)
    # Start URLs without a port name the scheme's default port, not every port.
    assert allow.names("fd00::7", 443) and not allow.names("fd00::7", 8443)
    assert allow.names("127.0.0.1", 80) and not allow.names("127.0.0.1", 22)


def test_guard_refuses_ipv6_ports_not_allowed():
    from scrapy import Request
    crawler = get_crawler(settings_dict={"SSRF_ENABLED": True, "SSRF_ALLOWED": ["[::1]:8080"]})
    mw = SsrfGuardMiddleware.from_crawler(crawler)
    mw.spider_opened(_Spider())
    assert _run(mw.process_request(Request("http://[::1]:8080/"))) is None
    with pytest.raises(Refused, match="::1 is loopback"):
        _run(mw.process_request(Request("http://[::1]:8081/")))


class _Receiver:
    def __init__(self):
        self.addresses, self.complete = [], False

    def resolutionBegan(self, resolution):  # noqa: N802 (Twisted's interface)
        pass

    def addressResolved(self, address):  # noqa: N802
        self.addresses.append((address.host, address.port))

    def resolutionComplete(self):  # noqa: N802
        self.complete = True


def _resolver_with(guard, answers: dict[str, list[str]]) -> GuardedResolver:
    """A resolver whose cache already holds answers (no lookup, no reactor needed)."""
    resolver = GuardedResolver(reactor=None, timeout=1)
    for host, ips in answers.items():
        resolver._cache[host] = [ipaddress.ip_address(ip) for ip in ips]
    guard.resolver = resolver
    resolver.guards.append(guard.check)
    return resolver


def test_connections_get_only_checked_addresses(guard):
    """The resolver is the last line: whatever the request-time check decided, a connection
    to a name with an internal answer gets no address, and the download error it causes
    becomes a recorded refusal instead of a retried DNS error."""
    from scrapy import Request
    from scrapy.exceptions import CannotResolveHostError
    resolver = _resolver_with(guard, {"evil.example.cn": ["101.37.113.127", "10.0.0.5"],
                                      "good.example.cn": ["101.37.113.127"]})
    refused, fine, literal = _Receiver(), _Receiver(), _Receiver()
    resolver.resolveHostName(refused, "evil.example.cn", 80)
    resolver.resolveHostName(fine, "Good.Example.cn.", 80)
    resolver.resolveHostName(literal, "127.0.0.1", 8123)  # the start URL's host:port
    assert refused.complete and refused.addresses == []
    assert fine.addresses == [("101.37.113.127", 80)]
    assert literal.addresses == [("127.0.0.1", 8123)]
    assert "10.0.0.5, private" in resolver.refusal("evil.example.cn", 80)
    with pytest.raises(Refused, match="evil.example.cn resolves to 10.0.0.5"):
        guard.process_exception(Request("http://evil.example.cn/"), CannotResolveHostError("x"))
    assert guard.process_exception(Request("http://good.example.cn/"),
                                   CannotResolveHostError("x")) is None


def test_resolver_without_guards_hands_out_everything():
    resolver = GuardedResolver(reactor=None, timeout=1)
    resolver._cache["intranet.example.cn"] = [ipaddress.ip_address("10.0.0.5")]
    receiver = _Receiver()
    resolver.resolveHostName(receiver, "intranet.example.cn", 80)
    assert receiver.addresses == [("10.0.0.5", 80)]


@pytest.mark.parametrize(("value", "parsed"), [
    ("", None), ("127.0.0.1", ("127.0.0.1", 53)), ("127.0.0.1:5353", ("127.0.0.1", 5353)),
    ("[::1]:5353", ("::1", 5353)), ("::1", ("::1", 53)),
])
def test_nameserver_setting_parses(value, parsed):
    assert parse_nameserver(value) == parsed


@pytest.mark.parametrize("value", ["dns.example.cn", "127.0.0.1:x", "127.0.0.1:0"])
def test_bad_nameserver_setting_is_an_error(value):
    with pytest.raises(ValueError, match="SSRF_NAMESERVER"):
        parse_nameserver(value)
