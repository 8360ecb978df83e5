"""What the spider hands to the pipelines: one Page per fetched URL, and the Fetches behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # the cleaner's type, named here only for the annotations
    from pipelines.clean.result import CleanResult

# The discovery kind (crawler.discovery) of a /sitemap.xml probe, or a sitemap it names.
SITEMAP = "sitemap"


class Fingerprint(NamedTuple):
    """A report text's MinHash signature as stored and its shingle count
    (pipelines.store.copies.fingerprint.fingerprint_of): a cleaning worker computes it, the
    database writer stores it, and the crawl process between them needs no numpy to pass it on."""

    minhash: bytes
    shingles: int


def absence_expected(kind: str | None, status: int | None) -> bool:
    """Whether a 404/410 is no failure: a sitemap probe of a site that has none."""
    return kind == SITEMAP and status in (404, 410)


def _omitted(value: object) -> None:
    return None


@dataclass
class Fetch:
    """One HTTP exchange behind a page (a redirect hop, a retry, the final one) and where
    archive.middleware wrote it; rebuilt from the WARC records alike."""

    url: str
    status: int | None = None
    fetched_at: str | None = None  # the WARC-Date
    warc_type: str | None = None  # response, or revisit
    warc_record_id: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    payload_digest: str | None = None
    download_latency: float | None = None
    # crawler.incremental's verdict on a final response (pipelines.store.urlstate's
    # new/changed/unchanged), and how the crawl reached a page's URL (crawler.discovery).
    change: str | None = None
    discovery: str | None = None
    # Why its records could not be written (archive.writefailed): the page must not be stored.
    archive_error: str | None = None


@dataclass
class Page:
    url: str
    status: int | None = None
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    # Not in feed exports (`scrapy crawl -O`): it is archived, and dropped after storing.
    # Nor in the repr, which Scrapy logs for a dropped item (up to DOWNLOAD_MAXSIZE of escaped
    # bytes a page, exactly when a full disk drops many); nor the cleaned text below.
    body: bytes = field(default=b"", repr=False, metadata={"serializer": _omitted})
    depth: int = 0
    referer: str | None = None
    error: str | None = None
    # Every fetch behind this page, oldest first, the page's own last.
    fetches: list[Fetch] = field(default_factory=list)
    # Filled by pipelines.clean_pipeline: the CleanResult of the body and, for a report, its
    # fingerprint for near-duplicate clustering.
    cleaned: CleanResult | None = field(default=None, repr=False)
    fingerprint: Fingerprint | None = field(default=None, repr=False,
                                            metadata={"serializer": _omitted})
    # The body's size in bytes; it outlives the body, which is dropped once it is archived
    # and cleaned.  -1: take it from the body.
    length: int = -1

    def __post_init__(self) -> None:
        if self.length < 0:
            self.length = len(self.body)

    @property
    def final_fetch(self) -> Fetch:
        """The page's own fetch; a blank one for a page fetched without an archive."""
        return self.fetches[-1] if self.fetches else Fetch(self.url)
