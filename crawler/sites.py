"""The sites file: which government sites a crawl without start_urls visits."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path


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
    extra: dict = field(default_factory=dict, compare=False, hash=False)


class SitesFileError(ValueError):
    pass


def load_sites(path: str | Path) -> list[Site]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise SitesFileError(f"sites file not found: {path}") from e
    except tomllib.TOMLDecodeError as e:
        raise SitesFileError(f"sites file {path} is not valid TOML: {e}") from e
    sites = []
    for i, entry in enumerate(data.get("site", [])):
        required = ["name", "start_urls"]
        if entry.get("kind", "government") == "government":
            required += ["region", "level"]
        missing = [k for k in required if not entry.get(k)]
        if missing:
            raise SitesFileError(f"{path}: site #{i + 1} lacks {', '.join(missing)}")
        known = {"name", "region", "level", "hosts", "start_urls", "province", "kind", "notes"}
        sites.append(Site(
            name=entry["name"], region=entry["region"], level=entry["level"],
            hosts=tuple(entry.get("hosts", ())), start_urls=tuple(entry["start_urls"]),
            province=entry.get("province", ""), kind=entry.get("kind", "government"),
            notes=entry.get("notes", ""),
            extra={k: v for k, v in entry.items() if k not in known},
        ))
    return sites
