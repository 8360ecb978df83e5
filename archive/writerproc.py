"""The WARC writer process: its Archiver, and the calls archive.service sends it.

The process is spawned (pipelines.procs.Helper, spawn=True), not forked from the helpers'
forkserver, which holds the cleaner: it holds what this module imports (warcio, the archiver,
the digest index) and neither Scrapy nor the cleaner.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive import dedup_redis
from archive.archiver import Archiver, Exchange
from archive.dedup import DigestIndex
from archive.warcfile import RotatingWarcWriter

if TYPE_CHECKING:
    from pipelines.clean.result import CleanResult


def open_digest_index(path: Path) -> DigestIndex | dedup_redis.RedisDigestIndex:
    """Distributed mode (crawler/distributed.py) sets WARC_DEDUP_PATH to the Redis URL: every
    worker then shares one index (archive/dedup_redis.py); otherwise it is a SQLite file."""
    if dedup_redis.is_redis(path):
        return dedup_redis.RedisDigestIndex(dedup_redis.url_from_path(path))
    return DigestIndex(path)


_archiver: Archiver | None = None


def open_writer(directory: Path, prefix: str, max_size: int, warcinfo: dict[str, str],
                dedup: Path | None, gzip_level: int) -> None:
    global _archiver
    _archiver = Archiver(RotatingWarcWriter(directory, prefix, max_size, warcinfo, gzip_level),
                         open_digest_index(dedup) if dedup is not None else None)


def _writer() -> Archiver:
    assert _archiver is not None, "the WARC writer process was not set up"
    return _archiver


def write_exchange(exchange: Exchange) -> dict[str, Any]:
    return _writer().write_exchange(exchange)


def write_conversion(url: str, result: CleanResult,
                     account: Callable[[CleanResult], dict[str, Any]], refers_to: str,
                     date: str) -> tuple[str, str]:
    return _writer().write_conversion(url, result.text, account(result), refers_to, date)


def expect_not_modified(url: str, digest: str) -> None:
    _writer().expect_not_modified(url, digest)


def close_writer() -> tuple[dict[str, int], int]:
    archiver = _writer()
    archiver.close()
    return archiver.counts, len(archiver.warc.files_closed)
