"""scrapy-redis's priority queue made reliable: a popped request stays in Redis until done.

scrapy-redis pops a request by removing it from the shared sorted set; if the worker that
popped it dies, the request is gone, and since the shared dupefilter has already seen its
URL no other worker will ever schedule it again.  Here a pop *moves* the request, in one
Lua script, into the worker's in-flight hash (``<spider>:inflight:<worker>``), and the worker
deletes it when the request is finished (crawler/distributed.py says when).  The in-flight
hashes of workers whose heartbeat key expired are moved back into the queue by any live
worker (``requeue``), so a dead worker's requests are fetched by the others: at least once.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy_redis.queue import PriorityQueue

# Request meta key holding the in-flight token of the request that was popped.
TOKEN = "redis_inflight"

# KEYS: queue, in-flight hash.  Pops the best request, files it under a token, returns both.
_POP = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
local token = redis.sha1hex(top[1])
redis.call('HSET', KEYS[2], token, top[2] .. '\\n' .. top[1])
return {token, top[1]}
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


def requeue(server: Any, inflight: str, queue: str) -> int:
    """Move every request of an in-flight hash back into the queue (atomic)."""
    return int(server.eval(_REQUEUE, 2, inflight, queue))


class ReliablePriorityQueue(PriorityQueue):
    """The queue class for SCHEDULER_QUEUE_CLASS in distributed mode.

    The worker id is the DISTRIBUTED_WORKER setting (the distributed add-on fills it in).
    """

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        self.inflight = inflight_key(spider.name, spider.settings.get("DISTRIBUTED_WORKER"))
        self._pop = server.register_script(_POP)

    def push(self, request: Request) -> None:
        # A redirect or retry carries its parent's token in meta: the parent is finished
        # once its successor is safely queued, in the same transaction.
        token = request.meta.pop(TOKEN, None)
        data = self._encode_request(request)
        with self.server.pipeline() as pipe:
            pipe.execute_command("ZADD", self.key, -request.priority, data)
            if token:
                pipe.hdel(self.inflight, token)
            pipe.execute()

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
