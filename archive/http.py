"""An HTTP/1.1 download handler that keeps the response head exactly as the server sent it.

Twisted hands Scrapy the response headers without the hop-by-hop ones (Content-Length,
Transfer-Encoding, Connection), lower-cased and re-capitalised, and Scrapy title-cases them
again (``ETag`` becomes ``Etag``).  The archive needs the status line and header lines as
received, so this handler swaps in a response parser that also keeps the raw lines, and
leaves them in ``request.meta["warc_raw_head"]`` for archive.middleware.

It builds on Scrapy's own HTTP/1.1 handler the way that handler builds on Twisted: by
replacing the parser class of each new request (see ``_LenientHTTP11ClientProtocol``).
Those are private Scrapy classes, so Scrapy is pinned; tests/e2e/test_archive_crawl.py fails
if an upgrade breaks the capture.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _LenientHTTPClientParser,
    _ScrapyAgent,
)
from scrapy.exceptions import ResponseDataLossError
from scrapy.http import Response
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.web._newclient import STATUS

logger = logging.getLogger(__name__)
RAW_HEAD_META = "warc_raw_head"


class _RecordingParser(_LenientHTTPClientParser):
    """Keeps the status line and header lines byte for byte, line endings included."""

    _raw_lines: list[bytes]

    def lineReceived(self, line: bytes) -> None:  # noqa: N802 (Twisted naming)
        if self.state == STATUS:
            self._raw_lines = []  # a new head (also after an ignored 1xx response)
        self._raw_lines.append(line + b"\n")
        if line in (b"", b"\r") and self.response is not None:
            self.response._warc_raw_head = b"".join(self._raw_lines)
        super().lineReceived(line)


class _RecordingProtocol(_LenientHTTP11ClientProtocol):
    def request(self, request: Any) -> Any:
        d = super().request(request)
        # Same trick as the parent class: the parser object exists now, swap its class.
        if self._parser is not None:
            self._parser.__class__ = _RecordingParser
        return d


class _RecordingFactory(_LenientHTTP11ClientFactory):
    def buildProtocol(self, addr: Any) -> _RecordingProtocol:  # noqa: N802
        return _RecordingProtocol(self._quiescentCallback)


class _RecordingAgent(_ScrapyAgent):
    def _cb_latency(self, result: Any, request: Request, start_time: float) -> Any:
        # result is Twisted's response, here once its head has been parsed.
        head = getattr(result, "_warc_raw_head", None)
        if head is not None:
            request.meta[RAW_HEAD_META] = head
        return super()._cb_latency(result, request, start_time)


class RawHeadHTTP11DownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, plus the raw response head in request.meta."""

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self._pool._factory = _RecordingFactory

    async def download_request(self, request: Request) -> Response:
        spider = self._crawler.spider
        agent = _RecordingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=getattr(spider, "download_maxsize", self._default_maxsize),
            warnsize=getattr(spider, "download_warnsize", self._default_warnsize),
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            logger.warning(get_dataloss_msg(request.url))
            raise
