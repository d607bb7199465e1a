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
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

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


_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT ::ffff:0:a.b.c.d
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix, RFC 6052
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # local-use NAT64, RFC 8215


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0].strip("[]"))
    except ValueError:
        return None


def embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries and routes to: IPv4-mapped (``::ffff:a.b.c.d``),
    IPv4-compatible (``::a.b.c.d``), SIIT-translated, NAT64 (``64:ff9b::/96``) and 6to4
    (``2002::/16``) forms. None for a plain IPv6 or an IPv4 address."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _NAT64 or ip in _IPV4_TRANSLATED:
        return low
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # not :: nor ::1
        return low
    return None


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast IP; False for loopback, link-local, private,
    shared, reserved, multicast or unspecified ones, and for anything that is not an IP.
    An IPv6 address that embeds an IPv4 one (``::127.0.0.1``, ``::ffff:10.0.0.1``,
    ``64:ff9b::a9fe:a9fe``, ``2002:7f00:1::``) is judged by the IPv4 address."""
    ip = _ip(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip in _NAT64_LOCAL:
        return False  # a translator of the operator's own network
    ip = embedded_ipv4(ip) or ip
    return ip.is_global and not ip.is_multicast


def is_link_local(address: str) -> bool:
    """True for link-local addresses (169.254.0.0/16, fe80::/10, and IPv6 forms embedding
    169.254.x.y): where cloud metadata services answer (169.254.169.254). Never fetched,
    whatever a source allows."""
    ip = _ip(address)
    if ip is None:
        return False
    return ip.is_link_local or bool((v4 := embedded_ipv4(ip)) and v4.is_link_local)


class RefusePrivateAddresses:
    """Refuse requests that are not http(s) with a host, and requests to non-public
    addresses unless the request's source allows them for that host.

    A crawled page (or a redirect) must not steer the crawler into the operator's own
    network. The host is resolved (IP literals are checked as they are) and every address
    it resolves to must be public. ``allow_private: true`` on a source allows non-public
    addresses only for that source's own hosts (those of its base URL, feeds, sitemaps,
    sections and start URLs), never for a host a page or a redirect names, and never a
    link-local address (169.254.169.254 and the like: cloud metadata). Refusals raise
    ``IgnoreRequest`` naming the address; the spider records them as ``private_address``
    drops. Requests without a source (such as robots.txt) follow the source registered
    for their host.

    Resolution here and the download's own connection are separate look-ups, so a name
    that changes its answer in between (DNS rebinding) is not caught.
    """

    CACHE_SIZE = 4096

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self._resolved: dict[str, tuple[str, ...]] = {}
        self._own_hosts: dict[str, frozenset[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> RefusePrivateAddresses:
        return cls(crawler)

    def _hosts_of(self, source: Any) -> frozenset[str]:
        hosts = self._own_hosts.get(source.id)
        if hosts is None:
            hosts = self._own_hosts[source.id] = frozenset(source.own_hosts)
        return hosts

    def _source_allows(self, request: Any, host: str) -> bool:
        sources = getattr(self.crawler.spider, "sources", None) or {}
        source = sources.get(request.meta.get("source", ""))
        if source is not None:
            return bool(source.allow_private) and host in self._hosts_of(source)
        return any(s.allow_private and host in self._hosts_of(s) for s in sources.values())

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
        if is_public_address(host):
            return None
        try:
            port = parts.port
        except ValueError:
            port = None
        literal = host.replace(".", "").isdigit() or ":" in host
        addresses = (host,) if literal else await self._addresses(host, port)
        metadata = [a for a in addresses if is_link_local(a)]
        if metadata:
            self.crawler.stats.inc_value("marsad/refused_private")
            raise IgnoreRequest(f"refused private address {metadata[0]} for host {host} "
                                f"(link-local, where cloud metadata answers: never fetched)")
        refused = [a for a in addresses if not is_public_address(a)]
        if refused and not self._source_allows(request, host):
            self.crawler.stats.inc_value("marsad/refused_private")
            raise IgnoreRequest(f"refused private address {refused[0]} for host {host} "
                                f"(allow_private: true on a source allows only its own hosts)")
        return None


# RFC 9309 2.5: a crawler must parse at least the first 500 KiB of a robots.txt and may
# ignore the rest.
ROBOTS_MAX_BYTES = 500 * 1024
# Past this size, checking a URL against the rules costs milliseconds: done in a thread.
_ROBOTS_BIG = 64 * 1024


class _DisallowAll:
    """The rules of a host whose robots.txt could not be read: nothing is allowed."""

    def __init__(self, why: str):
        self.why = why

    def allowed(self, url: str, user_agent: Any) -> bool:
        return False


class _NoRobotsTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Error downloading")


class ObeyRobotsTxt(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, made to follow RFC 9309 and to keep the reactor free.

    - 2xx: the first ``ROBOTS_MAX_BYTES`` (500 KiB, cut at a line end) are parsed, in a
      thread; a 30 MB robots.txt neither blocks the crawl nor is read whole.
    - 4xx (404, 403, 401, ...): "unavailable", every page is allowed.
    - 5xx, or no answer at all (timeout, connection refused, DNS failure, larger than
      DOWNLOAD_MAXSIZE): "unreachable", every page of that host is disallowed for the
      rest of the run; each one becomes a ``robots`` drop naming the cause.
    - a request refused before it was sent (a private address, a refused scheme): the
      pages are judged by the same refusal, so nothing is added here.
    """

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self._big: set[str] = set()  # hosts whose rules are checked in a thread
        # Scrapy logs a failed robots.txt download with its traceback; the one warning
        # of ``_unreachable`` (the cause, and what follows from it) replaces it.
        robots_log = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
        if not any(isinstance(f, _NoRobotsTraceback) for f in robots_log.filters):
            robots_log.addFilter(_NoRobotsTraceback())

    async def _parse_robots(self, response: Any, netloc: str, request: Any) -> None:
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        status = response.status
        parser: Any
        if status >= 500:
            parser = _DisallowAll(f"answered HTTP {status}")
        elif status >= 400:
            parser = None
        elif status >= 300:
            parser = None  # redirects past REDIRECT_MAX_TIMES: unavailable (RFC 9309 2.3.1.2)
        else:
            body = response.body
            if len(body) > ROBOTS_MAX_BYTES:
                self._stats.inc_value("marsad/robots_truncated")
                log.info("robots.txt of %s is %d bytes: only the first %d are read (RFC 9309)",
                         netloc, len(body), ROBOTS_MAX_BYTES)
                body = body[:ROBOTS_MAX_BYTES]
                body = body[:body.rfind(b"\n") + 1] or body
            parser = await asyncio.to_thread(build_from_crawler, self._parserimpl, self.crawler, body)
            if len(body) > _ROBOTS_BIG:
                self._big.add(netloc)
            await self.crawler.signals.send_catch_log_async(signal=signals.robots_parsed,
                                                            robotparser=parser, request=request)
        if isinstance(parser, _DisallowAll):
            self._unreachable(netloc, parser)
        self._settle(netloc, parser)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):
            self._settle(netloc, None)
            return
        self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        parser = _DisallowAll(f"unreachable ({type(exc).__name__}: {str(exc)[:200]})")
        self._unreachable(netloc, parser)
        self._settle(netloc, parser)

    def _unreachable(self, netloc: str, parser: _DisallowAll) -> None:
        self._stats.inc_value("marsad/robots_unreachable")
        log.warning("robots.txt of %s %s: every page of the host is disallowed for this run "
                    "(RFC 9309)", netloc, parser.why)

    def _settle(self, netloc: str, parser: Any) -> None:
        waiting = self._parsers.get(netloc)
        self._parsers[netloc] = parser
        if isinstance(waiting, Deferred):
            waiting.callback(parser)

    async def process_request(self, request: Any, spider: Any = None) -> None:
        if request.meta.get("dont_obey_robotstxt"):
            return
        parser = await self.robot_parser(request)
        if isinstance(parser, _DisallowAll):
            self._stats.inc_value("robotstxt/forbidden")
            host = urlparse_cached(request).netloc
            raise IgnoreRequest(f"robots.txt of {host} {parser.why}: the host is disallowed for this run")
        if parser is not None and urlparse_cached(request).netloc in self._big:
            user_agent = self._robotstxt_useragent or request.headers.get(b"User-Agent",
                                                                          self._default_useragent)
            if not await asyncio.to_thread(parser.allowed, request.url, user_agent):
                self._stats.inc_value("robotstxt/forbidden")
                raise IgnoreRequest("Forbidden by robots.txt")
            return
        self.process_request_2(parser, request)


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
