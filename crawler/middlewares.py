"""Spider and downloader middlewares."""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.spidermiddlewares.httperror import HttpError

from pipelines.records import Drop, DropReason
from pipelines.warc_writer import WarcWriter

log = logging.getLogger(__name__)


class RecordSpiderErrors:
    """A callback that raises on one page becomes a recorded drop, not a lost page.

    Scrapy already keeps the crawl going after a callback error; this makes sure the page
    also reaches the archive's `drops` collection with its reason.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> RecordSpiderErrors:
        return cls(crawler)

    def process_spider_exception(self, response: Any, exception: BaseException) -> Iterable[Drop] | None:
        if isinstance(exception, HttpError):
            return None  # the request's errback records these
        return self._record(response, exception)

    def _record(self, response: Any, exception: BaseException) -> Iterable[Drop]:
        log.error("callback failed on %s: %r", response.url, exception)
        self.crawler.stats.inc_value("marsad/fetch_errors/spider_error")
        yield Drop(url=response.url, reason=DropReason.SPIDER_ERROR,
                   detail=f"{type(exception).__name__}: {exception}", source=response.meta.get("source"),
                   status=response.status,
                   fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast IP; False for loopback, link-local, private,
    shared, reserved, multicast or unspecified ones, and for anything that is not an IP."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0].strip("[]"))
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_global and not ip.is_multicast


class RefusePrivateAddresses:
    """Refuse requests that are not http(s) with a host, and requests to non-public
    addresses unless the request's source allows them.

    A crawled page (or a redirect) must not steer the crawler into the operator's own
    network. The host is resolved (IP literals are checked as they are) and every address
    it resolves to must be public. Refusals raise ``IgnoreRequest`` naming the address;
    the spider records them as ``private_address`` drops. Requests without a source (such
    as robots.txt) follow the source registered for their host.

    Resolution here and the download's own connection are separate look-ups, so a name
    that changes its answer in between (DNS rebinding) is not caught.
    """

    CACHE_SIZE = 4096

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self._resolved: dict[str, tuple[str, ...]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> RefusePrivateAddresses:
        return cls(crawler)

    def _source_allows(self, request: Any, host: str) -> bool:
        sources = getattr(self.crawler.spider, "sources", None) or {}
        source = sources.get(request.meta.get("source", ""))
        if source is not None:
            return bool(source.allow_private)
        return any(s.allow_private and s.host == host for s in sources.values())

    async def _addresses(self, host: str, port: int | None) -> tuple[str, ...]:
        if host in self._resolved:
            return self._resolved[host]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port or 80, type=socket.SOCK_STREAM)
            addresses = tuple(sorted({str(info[4][0]) for info in infos}))
        except (OSError, UnicodeError):
            addresses = ()  # the download itself reports the DNS error
        if len(self._resolved) >= self.CACHE_SIZE:
            self._resolved.clear()
        self._resolved[host] = addresses
        return addresses

    async def process_request(self, request: Any) -> None:
        try:
            parts = urlsplit(request.url)
            host = (parts.hostname or "").lower()
        except ValueError as exc:
            raise IgnoreRequest(f"refused URL scheme check: malformed URL ({exc})") from None
        if parts.scheme.lower() not in ("http", "https") or not host:
            # Only http(s) with a host is ever fetched: file:, data:, ftp: and s3: would read
            # the operator's own files or reach other services (their handlers are off too).
            self.crawler.stats.inc_value("marsad/refused_scheme")
            raise IgnoreRequest(f"refused URL scheme {parts.scheme.lower() or '(none)'!r} "
                                f"(only http(s) URLs with a host are fetched)")
        if self._source_allows(request, host):
            return None
        try:
            port = parts.port
        except ValueError:
            port = None
        if is_public_address(host):
            return None
        literal = host.replace(".", "").isdigit() or ":" in host
        addresses = (host,) if literal else await self._addresses(host, port)
        refused = [a for a in addresses if not is_public_address(a)]
        if refused:
            self.crawler.stats.inc_value("marsad/refused_private")
            raise IgnoreRequest(f"refused private address {refused[0]} for host {host} "
                                f"(set allow_private: true on the source to allow it)")
        return None


class WriteWarc:
    """Downloader middleware: with ``MARSAD_WARC_DIR`` set, every article response that
    reaches the spider is also written to rotating ``.warc.gz`` files there
    (``pipelines.warc_writer.WarcWriter``), so a crawl can be re-processed later with
    ``marsad warc``. Bodies are written decoded (after decompression);
    redirects, retried failures and 304s are not written."""

    def __init__(self, writer: WarcWriter, stats: Any):
        self.writer = writer
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> WriteWarc:
        directory = crawler.settings.get("MARSAD_WARC_DIR")
        if not directory:
            raise NotConfigured
        max_bytes = crawler.settings.getint("MARSAD_WARC_MAX_BYTES", 1_000_000_000)
        writer = WarcWriter(directory, max_bytes=max_bytes)
        middleware = cls(writer, crawler.stats)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        if "article_key" in request.meta and response.status != 304:
            headers = [(k.decode("latin-1"), v.decode("latin-1"))
                       for k, values in response.headers.items() for v in values]
            try:
                self.writer.write_response(response.url, response.status, headers, response.body)
                self.stats.inc_value("marsad/warc_records")
            except OSError as exc:  # a full disk must not stop the crawl
                log.error("cannot write WARC record for %s: %s", response.url, exc)
                self.stats.inc_value("marsad/warc_errors")
        return response

    def spider_closed(self, spider: Any) -> None:
        self.writer.close()
