"""What a cleaning worker runs (pipelines/clean_pipeline.py sends it the pages).

Its own module, apart from the item pipeline, because a worker imports the module of the
function it is sent: here that is the cleaner and the fingerprints, and not the pipeline's
Scrapy, asyncio and store imports (about 50 MB resident in the forkserver and in every worker,
none of it used there).  The forkserver preloads this module (crawler/forkserver.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import NamedTuple

from pipelines.clean.result import CleanResult
from pipelines.page import Fingerprint


class Cleaned(NamedTuple):
    """What a worker sends back for one fetched body."""

    result: CleanResult | None
    attachment: bool
    # A report's near-duplicate fingerprint (issue 11), computed here rather than by the
    # process writing the database, which is the crawl's reactor.
    fingerprint: Fingerprint | None = None


def clean_fetched(body: bytes, url: str, headers: Mapping[str, str],
                  cleanable: bool) -> Cleaned:
    """Clean one fetched body; runs in a worker process.

    PDF/DOCX attachments (recognised by their bytes: servers often send them as
    application/octet-stream) go through the same stages as text (issue 9).
    """
    # The cleaner (lxml, OpenCC) and fingerprints (numpy) are imported where the cleaning
    # runs, to keep the crawl process lean: the workers have them from the start (warm_up).
    from pipelines.clean.attachments import clean_attachment
    from pipelines.clean.cleaner import clean
    from pipelines.store.copies.fingerprint import fingerprint_of

    result = clean_attachment(body, url, headers)
    attachment = result is not None
    if not attachment and cleanable:
        result = clean(body, url, headers)
    fingerprint = fingerprint_of(result.text) if result is not None and result.is_report else None
    return Cleaned(result, attachment, fingerprint)


def warm_up() -> None:
    """A clean worker's set-up: the cleaner, its character model and OpenCC tables loaded
    before the first page, which would otherwise pay about a second for them against
    CLEAN_TIMEOUT.  Forked from the forkserver, which preloads them (crawler/forkserver.py),
    a worker has them already; forked by `scrapy extract`, it loads them here."""
    from pipelines.clean import attachments, cleaner  # noqa: F401
    from pipelines.store.copies import fingerprint  # noqa: F401

    # A model that cannot load must not keep the worker from starting: each page then
    # tries again, and records why.
    with contextlib.suppress(Exception):
        cleaner.warm()
