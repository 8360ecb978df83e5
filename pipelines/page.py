"""What the spider hands to the pipelines: one Page per fetched URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The discovery kind (crawler.discovery) of a /sitemap.xml probe, or a sitemap it names.
SITEMAP = "sitemap"


def absence_expected(kind: str | None, status: int | None) -> bool:
    """Whether a 404/410 is no failure: a sitemap probe of a site that has none.  The crawl's
    errback and `scrapy extract` both ask this, so their rows agree."""
    return kind == SITEMAP and status in (404, 410)


def _omitted(value: Any) -> None:
    return None


@dataclass
class Page:
    url: str
    status: int | None = None
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    # Not in feed exports (`scrapy crawl -O`): it is archived, and dropped after storing.
    body: bytes = field(default=b"", metadata={"serializer": _omitted})
    depth: int = 0
    referer: str | None = None
    error: str | None = None
    # Every fetch behind this page (redirect hops, retries, the final one), with its WARC
    # location, as recorded by archive.middleware.
    fetches: list[dict[str, Any]] = field(default_factory=list)
    # Filled by pipelines.clean_pipeline: the CleanResult of the body and, for a report, its
    # pipelines.store.copies.fingerprint.Fingerprint.
    cleaned: Any = None
    fingerprint: Any = field(default=None, metadata={"serializer": _omitted})
    # The body's size in bytes; it outlives the body, which is dropped once it is archived
    # and cleaned.  -1: take it from the body.
    length: int = -1

    def __post_init__(self) -> None:
        if self.length < 0:
            self.length = len(self.body)

    @property
    def final_fetch(self) -> dict[str, Any]:
        return self.fetches[-1] if self.fetches else {}
