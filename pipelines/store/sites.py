"""The sites file: which government sites a crawl without start_urls visits.

Each ``[[site]]`` names one government (or other source) and the hosts it owns.  Per-site
discovery overrides are small data here, never code: ``report_columns`` (URLs of report
columns, crawled as extra start pages), ``column_keywords`` (anchor words that mark a report
column on this site in addition to the shared ones), ``max_pages`` and ``max_depth``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LEVELS = ("省", "市", "州", "盟", "县", "区", "旗")
KINDS = ("government", "content_farm")


@dataclass(frozen=True)
class Site:
    name: str
    region: str
    level: str
    hosts: tuple[str, ...]
    start_urls: tuple[str, ...]
    province: str = ""
    kind: str = "government"
    notes: str = ""
    verified: bool = True  # False: hostname written from memory, not yet checked live
    report_columns: tuple[str, ...] = ()
    column_keywords: tuple[str, ...] = ()
    max_pages: int | None = None
    max_depth: int | None = None  # link depth from the start pages, capping DEPTH_LIMIT
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def matches(self, wanted: str) -> bool:
        """Selected by `-a sites=`/`-a region=`: name, region, province or a host."""
        wanted = wanted.strip()
        if not wanted:
            return False
        if wanted in (self.name, self.region) or normalize_host(wanted) in self.host_keys:
            return True
        return wanted in self.province or wanted in self.region

    @property
    def host_keys(self) -> frozenset[str]:
        return frozenset(normalize_host(h) for h in self.hosts)


class SitesFileError(ValueError):
    pass


def normalize_host(host: str) -> str:
    """Hosts compare without case, port or a leading www."""
    return host.strip().lower().split(":", 1)[0].removeprefix("www.")


_KNOWN = {"name", "region", "level", "hosts", "start_urls", "province", "kind", "notes",
          "verified", "report_columns", "column_keywords", "max_pages", "max_depth"}


def _strings(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SitesFileError(f"{where}: {key} must be a list of non-empty strings")
    return tuple(value)


def _http_urls(urls: tuple[str, ...], key: str, where: str) -> None:
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SitesFileError(f"{where}: {key} has a non-http(s) URL {url!r}")


def parse_site(entry: dict[str, Any], where: str) -> Site:
    kind = entry.get("kind", "government")
    if kind not in KINDS:
        raise SitesFileError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    required = ["name", "start_urls", "hosts"]
    if kind == "government":
        required += ["region", "level", "province"]
    missing = [k for k in required if not entry.get(k)]
    if missing:
        raise SitesFileError(f"{where} lacks {', '.join(missing)}")
    level = entry.get("level", "")
    if kind == "government" and level not in LEVELS:
        raise SitesFileError(f"{where}: level must be one of {''.join(LEVELS)}, not {level!r}")
    start_urls = _strings(entry, "start_urls", where)
    columns = _strings(entry, "report_columns", where)
    _http_urls(start_urls, "start_urls", where)
    _http_urls(columns, "report_columns", where)
    hosts = _strings(entry, "hosts", where)
    keys = {normalize_host(h) for h in hosts}
    for url in start_urls + columns:
        if normalize_host(urlsplit(url).hostname or "") not in keys:
            raise SitesFileError(f"{where}: {url} is not on one of its hosts")
    max_pages = entry.get("max_pages")
    if max_pages is not None and (not isinstance(max_pages, int) or max_pages < 1):
        raise SitesFileError(f"{where}: max_pages must be a positive integer")
    max_depth = entry.get("max_depth")
    if max_depth is not None and (type(max_depth) is not int or max_depth < 0):
        raise SitesFileError(f"{where}: max_depth must be a non-negative integer")
    verified = entry.get("verified", True)
    if not isinstance(verified, bool):
        raise SitesFileError(f"{where}: verified must be true or false")
    return Site(
        name=entry["name"], region=entry.get("region", ""), level=level, hosts=hosts,
        start_urls=start_urls, province=entry.get("province", ""), kind=kind,
        notes=entry.get("notes", ""), verified=verified, report_columns=columns,
        column_keywords=_strings(entry, "column_keywords", where), max_pages=max_pages,
        max_depth=max_depth,
        extra={k: v for k, v in entry.items() if k not in _KNOWN},
    )


def load_sites(path: str | Path | None = None) -> list[Site]:
    """The sites of a sites file; without a path, the crawler/sites.toml shipped in the package
    (read through importlib.resources, so it also loads from a zipped egg under Scrapyd)."""
    path = Path(path) if path else files("crawler") / "sites.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise SitesFileError(f"sites file not found: {path}") from e
    except tomllib.TOMLDecodeError as e:
        raise SitesFileError(f"sites file {path} is not valid TOML: {e}") from e
    entries = data.get("site", [])
    if not isinstance(entries, list):
        raise SitesFileError(f"{path}: use [[site]] tables")
    sites: list[Site] = []
    owner: dict[str, str] = {}
    for i, entry in enumerate(entries):
        site = parse_site(entry, f"{path}: site #{i + 1} ({entry.get('name', '?')})")
        for key in site.host_keys:
            if key in owner:
                raise SitesFileError(f"{path}: host {key} is claimed by both {owner[key]} "
                                     f"and {site.name}")
            owner[key] = site.name
        sites.append(site)
    return sites


def select_sites(sites: list[Site], wanted: list[str]) -> list[Site]:
    """The sites any of the wanted names, regions, provinces or hosts picks, in file order."""
    if not wanted:
        return list(sites)
    return [s for s in sites if any(s.matches(w) for w in wanted)]
