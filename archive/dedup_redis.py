"""The payload-digest index shared by every worker of a distributed crawl, in Redis.

Same interface as archive.dedup.DigestIndex (lookup, add, close), selected when
WARC_DEDUP_PATH is a redis:// URL, which crawler/distributed.py sets in distributed mode.
A payload first archived by one worker becomes a revisit record in every other worker's
WARC, pointing at the original's record id, URI and date (the merged collection holds both
files).  Two workers storing the same new payload at the same moment both write a response
record; the first ``add`` wins (HSETNX), so the index still names a single original.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from archive.dedup import Original

if TYPE_CHECKING:
    import redis

# One hash, digest -> original, kept across crawls like DATA_DIR/digests.db.
DIGESTS_KEY = "gzbg:digests"
_SCHEME = re.compile(r"^(rediss?):/+")


def url_from_path(path: Any) -> str:
    """The Redis URL a WARC_DEDUP_PATH came from (pathlib folds ``//`` into ``/``)."""
    return _SCHEME.sub(r"\1://", str(path))


def is_redis(path: Any) -> bool:
    return bool(_SCHEME.match(str(path)))


class RedisDigestIndex:
    def __init__(self, url: str, key: str = DIGESTS_KEY):
        self.url, self.key = url, key
        self._server: redis.Redis | None = None

    @property
    def server(self) -> redis.Redis:
        # Created in the writer process on first use, like the SQLite index's connection.
        if self._server is None:
            # Imported here: the WARC writer process imports this module in every crawl, and
            # redis (6 MB resident) is used in distributed mode only.
            import redis

            self._server = redis.Redis.from_url(self.url, socket_timeout=30)
        return self._server

    def lookup(self, digest: str) -> Original | None:
        raw = self.server.hget(self.key, digest)
        if raw is None:
            return None
        found = json.loads(raw)
        return Original(found["record_id"], found["uri"], found["date"])

    def add(self, digest: str, original: Original, warc_file: str, warc_offset: int) -> None:
        self.server.hsetnx(self.key, digest, json.dumps({
            "record_id": original.record_id, "uri": original.uri, "date": original.date,
            "warc_file": warc_file, "warc_offset": warc_offset}))

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
