"""scrapy-redis's priority queue made reliable: a popped request stays in Redis until done.

scrapy-redis pops a request by removing it from the shared sorted set; if the worker that
popped it dies, the request is gone, and since the shared dupefilter has already seen its
URL no other worker will ever schedule it again.  Here a pop *moves* the request, in one
Lua script, into the worker's in-flight hash (``<spider>:inflight:<worker>``), and the worker
deletes it when the request is finished (crawler/distributed.py says when).  The in-flight
hashes of workers whose heartbeat key expired are moved back into the queue by any live
worker (``requeue``), so a dead worker's requests are fetched by the others: at least once.

Queueing a request is one Lua script too: its fingerprint into the shared seen set, the
request into the queue, and the acknowledgements it carries, all or nothing.  Done in two
round trips, as scrapy-redis does, a worker killed between them left a URL seen and never
queued, which nobody fetched again.  The acknowledgements: the in-flight token of the parent
a redirect or retry replaces (meta ``TOKEN``), and the entry of the worker's starting list
a start request was taken from (meta ``START``, see crawler/distributed.py).
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy_redis.queue import PriorityQueue

# Request meta key holding the in-flight token of the request that was popped.
TOKEN = "redis_inflight"
# Request meta key holding a start request's entry in its worker's starting list.
START = "redis_start"

# KEYS: queue, in-flight hash.  Pops the best request, files it under a token, returns both.
_POP = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
local token = redis.sha1hex(top[1])
redis.call('HSET', KEYS[2], token, top[2] .. '\\n' .. top[1])
return {token, top[1]}
"""
# KEYS: queue, in-flight hash, starting list, seen set.  ARGV: score, request, the parent's
# token, the starting-list entry, the fingerprint ('' when not filtered).  Queues the request
# unless already seen (returns 1 if queued), and acknowledges what it replaces either way.
_PUSH = """
local queued = 1
if ARGV[5] ~= '' and redis.call('SADD', KEYS[4], ARGV[5]) == 0 then
  queued = 0
else
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
end
if ARGV[3] ~= '' then redis.call('HDEL', KEYS[2], ARGV[3]) end
if ARGV[4] ~= '' then redis.call('LREM', KEYS[3], 1, ARGV[4]) end
return queued
"""
# KEYS: in-flight hash, queue.  Puts every request of the hash back; returns how many.
_REQUEUE = """
local entries = redis.call('HVALS', KEYS[1])
for _, entry in ipairs(entries) do
  local cut = string.find(entry, '\\n', 1, true)
  redis.call('ZADD', KEYS[2], tonumber(string.sub(entry, 1, cut - 1)), string.sub(entry, cut + 1))
end
redis.call('DEL', KEYS[1])
return #entries
"""


def inflight_key(spider_name: str, worker: str) -> str:
    return f"{spider_name}:inflight:{worker}"


def starting_key(spider_name: str, worker: str) -> str:
    """The list holding the start request a worker took and has not queued yet."""
    return f"{spider_name}:starting:{worker}"


def requeue(server: Any, inflight: str, queue: str) -> int:
    """Move every request of an in-flight hash back into the queue (atomic)."""
    return int(server.eval(_REQUEUE, 2, inflight, queue))


class ReliablePriorityQueue(PriorityQueue):
    """The queue class for SCHEDULER_QUEUE_CLASS in distributed mode.

    The worker id is the DISTRIBUTED_WORKER setting (the distributed add-on fills it in).
    """

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        worker = spider.settings.get("DISTRIBUTED_WORKER")
        self.inflight = inflight_key(spider.name, worker)
        self.starting = starting_key(spider.name, worker)
        self._pop = server.register_script(_POP)
        self._push = server.register_script(_PUSH)

    def push(self, request: Request, seen: tuple[str, str] | None = None) -> bool:
        """Queue the request, unless seen = (seen-set key, fingerprint) says it was seen.

        A redirect or retry carries its parent's token in meta, a start request its
        starting-list entry: either is finished once the request is queued, or known to be
        queued already, in the same script.
        """
        token = request.meta.pop(TOKEN, None) or ""
        start = request.meta.pop(START, None) or ""
        data = self._encode_request(request)
        seen_key, fingerprint = seen or (self.key, "")  # KEYS[4] untouched without one
        return bool(self._push(keys=[self.key, self.inflight, self.starting, seen_key],
                               args=[-request.priority, data, token, start, fingerprint]))

    def pop(self, timeout: int = 0) -> Request | None:
        found = self._pop(keys=[self.key, self.inflight])
        if not found:
            return None
        token, data = found
        request = self._decode_request(data)
        request.meta[TOKEN] = token.decode() if isinstance(token, bytes) else token
        return request

    def done(self, token: str) -> None:
        self.server.hdel(self.inflight, token)

    def clear(self) -> None:
        super().clear()
        self.server.delete(self.inflight)
