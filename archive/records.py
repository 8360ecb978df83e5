"""Build WARC request/response records from a Scrapy exchange, as it went over the wire."""

from __future__ import annotations

from http import HTTPStatus
from io import BytesIO
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

def _header_pairs(headers) -> list[tuple[str, str]]:
    """Every header value, repeated headers (Set-Cookie) kept as separate lines.

    Twisted hands Scrapy the headers without the hop-by-hop ones (Content-Length,
    Transfer-Encoding, Connection) and the body already de-chunked, so what is archived is a
    consistent, de-chunked message.
    """
    pairs = []
    for key, values in headers.items():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        for value in values:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            pairs.append((name, text))
    return pairs


def request_target(url: str) -> str:
    """Origin-form target with the query string, as sent to the origin server."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def request_record(
    writer: WARCWriter, request: Request, url: str, date: str, concurrent_to: str
) -> ArcWarcRecord:
    pairs = _header_pairs(request.headers)
    if not any(name.lower() == "host" for name, _ in pairs):
        pairs.insert(0, ("Host", urlsplit(url).netloc))
    http = StatusAndHeaders(f"{request.method} {request_target(url)} HTTP/1.1", pairs,
                            is_http_request=True)
    return writer.create_warc_record(
        url, "request", payload=BytesIO(request.body or b""), http_headers=http,
        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent_to},
    )


def response_record(writer: WARCWriter, response: Response, date: str) -> ArcWarcRecord:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    http = StatusAndHeaders(f"{response.status} {reason}".strip(), _header_pairs(response.headers),
                            protocol=protocol)
    warc_headers = {"WARC-Date": date}
    if response.ip_address is not None:
        warc_headers["WARC-IP-Address"] = str(response.ip_address)
    return writer.create_warc_record(
        response.url, "response", payload=BytesIO(response.body), http_headers=http,
        warc_headers_dict=warc_headers,
    )
