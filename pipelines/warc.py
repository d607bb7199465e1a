"""Backfill the archive from WARC files (CC-NEWS segments, WARCs Marsad wrote).

Every HTTP response record becomes a ``Page`` and goes through
``pipelines.process.process_page`` and the store, exactly as a crawl's pages do. The
command (``marsad warc``, ``python -m pipelines.warc``) is ``crawler.backfill``, since it
reads the source registry; ``pipelines.warc_writer`` writes WARC files.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from warcio.archiveiterator import ArchiveIterator

from pipelines.process import process_page
from pipelines.records import Article, Drop, DropReason, Page
from pipelines.storage import ArticleStore

# Responses worth processing; one without a Content-Type is tried too (sniffed later).
HTML_TYPES = ("text/html", "application/xhtml")
# A record's body is read up to this many bytes (after any Content-Encoding), as a crawl
# caps a download (DOWNLOAD_MAXSIZE); a longer one becomes a `too_large` drop.
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
# Paths that are never articles, whatever their Content-Type says.
NOT_ARTICLE_PATHS = ("/robots.txt", "/sitemap.xml", "/favicon.ico")


class WarcTruncated(ValueError):
    """A WARC file ends inside a record."""


def _iso(moment: str | None) -> str | None:
    if not moment:
        return None
    try:
        parsed = _dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.UTC)
    return parsed.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _finish(record: Any, path: str | Path) -> None:
    """Read what is left of ``record`` (streamed, never held) and check it was all there."""
    raw = record.raw_stream
    while raw.read(1 << 20):
        pass
    left = getattr(raw, "limit", 0) or 0
    if left > 0:
        target = record.rec_headers.get_header("WARC-Target-URI") or record.rec_type
        raise WarcTruncated(f"{path} is truncated: its record for {target} ends {left} bytes "
                            "before its declared length")


def iter_warc_pages(path: str | Path, skipped: Counter | None = None, *,
                    max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Page | Drop]:
    """A ``Page`` (without source fields) for each HTTP response record of a WARC file
    that may be an article, or a ``too_large`` ``Drop`` for one whose body passes
    ``max_bytes``. Other records are counted in ``skipped`` by reason. Raises
    ``WarcTruncated`` for a file that ends inside a record (after what came before)."""
    skipped = skipped if skipped is not None else Counter()
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            item = _page_of(record, skipped, max_bytes)
            _finish(record, path)
            if item is not None:
                yield item


def _page_of(record: Any, skipped: Counter, max_bytes: int) -> Page | Drop | None:
    if record.rec_type != "response":
        skipped[f"record_{record.rec_type}"] += 1
        return None
    if record.http_headers is None:
        skipped["not_http"] += 1
        return None
    target = record.rec_headers.get_header("WARC-Target-URI")
    path = urlparse(target or "").path.lower()
    if path in NOT_ARTICLE_PATHS:
        skipped[path.strip("/").replace(".", "_")] += 1
        return None
    content_type = record.http_headers.get_header("Content-Type") or ""
    mime = content_type.split(";")[0].strip().lower()
    if mime and not mime.startswith(HTML_TYPES):
        skipped["not_html"] += 1
        return None
    status = record.http_headers.get_statuscode()
    # content_stream() undoes chunking and Content-Encoding as it is read: stop past the cap.
    body = record.content_stream().read(max_bytes + 1)
    page = Page(url=target, final_url=target, status=int(status) if status and status.isdigit() else None,
                body=b"" if len(body) > max_bytes else body, content_type=content_type or None,
                fetched_at=_iso(record.rec_headers.get_header("WARC-Date")), hints={"via": "warc"})
    if len(body) > max_bytes:
        encoding = record.http_headers.get_header("Content-Encoding")
        return Drop.for_page(page, DropReason.TOO_LARGE,
                             f"WARC record body over {max_bytes} bytes"
                             + (f" (after Content-Encoding: {encoding})" if encoding else ""))
    return page


class RegistrySource(Protocol):
    """What the backfill reads of a source registry entry (``crawler.sources.Source``)."""

    @property
    def id(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def xpaths(self) -> dict[str, str]: ...
    @property
    def own_hosts(self) -> tuple[str, ...]: ...


class SourceMatcher:
    """Gives a page the registry entry of its host (time zone, language, XPaths)."""

    def __init__(self, sources: Iterable[RegistrySource] = (), default: RegistrySource | None = None):
        self.default = default
        self.by_host: dict[str, RegistrySource] = {}
        for s in sources:
            # host:port first: sites on one host are told apart by their port
            self.by_host.setdefault(urlparse(s.base_url).netloc.lower(), s)
            host = (s.host or "").lower()
            self.by_host.setdefault(host, s)
            self.by_host.setdefault(host.removeprefix("www."), s)

    def find(self, url: str | None) -> RegistrySource | None:
        """The registry entry for ``url``'s host (or the default), or None."""
        parsed = urlparse(url or "")
        host = (parsed.hostname or "").lower()
        return (self.default or self.by_host.get(parsed.netloc.lower()) or self.by_host.get(host)
                or self.by_host.get(host.removeprefix("www.")))

    def apply(self, page: Page) -> Page:
        source = self.find(page.url)
        if source is None:
            return dataclasses.replace(page, source="warc", timezone=None, language="ar", xpaths=None)
        return dataclasses.replace(page, source=source.id, timezone=source.timezone,
                                   language=source.language, xpaths=source.xpaths or None,
                                   source_hosts=source.own_hosts)


def backfill(paths: Iterable[str | Path], store: ArticleStore, matcher: SourceMatcher | None = None, *,
             with_events: bool = True, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, Any]:
    """Process every response record of the files into ``store``; returns counts. A file
    that cannot be read, or ends inside a record, is reported in ``failed_files`` (what
    it held before is processed), the others still run. Pages whose host matches no
    registry source are stored with source ``warc`` and counted in ``unmatched_hosts``."""
    matcher = matcher or SourceMatcher()
    counts: Counter = Counter()
    skipped: Counter = Counter()
    unmatched: Counter = Counter()
    failed: dict[str, str] = {}
    for path in paths:
        try:
            for item in iter_warc_pages(path, skipped, max_bytes=max_bytes):
                counts["responses"] += 1
                if isinstance(item, Drop):
                    store.add_drop(item)
                    counts[f"dropped/{item.code}"] += 1
                    continue
                if matcher.find(item.url) is None:
                    unmatched[(urlparse(item.url or "").hostname or "?").lower()] += 1
                result = process_page(matcher.apply(item), with_events=with_events)
                if isinstance(result, Article):
                    store.add(result)
                    counts["articles"] += 1
                else:
                    store.add_drop(result)
                    counts[f"dropped/{result.code}"] += 1
        except Exception as exc:  # a truncated or foreign file must not stop the others
            failed[str(path)] = f"{type(exc).__name__}: {exc}"
    store.flush()
    return {**dict(counts), "skipped": dict(skipped), "failed_files": failed,
            "unmatched_hosts": dict(unmatched),
            "store": {k: v for k, v in store.stats.items()
                      if k in ("new", "updated", "unchanged", "kept_existing")}}


if __name__ == "__main__":  # the command reads the registry, so it lives in the crawler
    from crawler.backfill import main

    sys.exit(main())
