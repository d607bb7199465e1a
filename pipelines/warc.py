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
from pipelines.records import Article, Page
from pipelines.storage import ArticleStore

# Responses worth processing; one without a Content-Type is tried too (sniffed later).
HTML_TYPES = ("text/html", "application/xhtml", "text/plain")


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


def iter_warc_pages(path: str | Path, skipped: Counter | None = None) -> Iterator[Page]:
    """A ``Page`` (without source fields) for each HTTP response record of a WARC file.
    Other records are counted in ``skipped`` by reason."""
    skipped = skipped if skipped is not None else Counter()
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                skipped[f"record_{record.rec_type}"] += 1
                continue
            if record.http_headers is None:
                skipped["not_http"] += 1
                continue
            content_type = record.http_headers.get_header("Content-Type") or ""
            mime = content_type.split(";")[0].strip().lower()
            if mime and not mime.startswith(HTML_TYPES):
                skipped["not_html"] += 1
                continue
            status = record.http_headers.get_statuscode()
            target = record.rec_headers.get_header("WARC-Target-URI")
            yield Page(url=target, final_url=target,
                       status=int(status) if status and status.isdigit() else None,
                       body=record.content_stream().read(), content_type=content_type or None,
                       fetched_at=_iso(record.rec_headers.get_header("WARC-Date")),
                       hints={"via": "warc"})


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

    def apply(self, page: Page) -> Page:
        parsed = urlparse(page.url or "")
        host = (parsed.hostname or "").lower()
        source = (self.default or self.by_host.get(parsed.netloc.lower()) or self.by_host.get(host)
                  or self.by_host.get(host.removeprefix("www.")))
        if source is None:
            return dataclasses.replace(page, source="warc", timezone=None, language="ar", xpaths=None)
        return dataclasses.replace(page, source=source.id, timezone=source.timezone,
                                   language=source.language, xpaths=source.xpaths or None)


def backfill(paths: Iterable[str | Path], store: ArticleStore, matcher: SourceMatcher | None = None, *,
             with_events: bool = True) -> dict[str, Any]:
    """Process every response record of the files into ``store``; returns counts. A file
    that cannot be read is reported, the others still run."""
    matcher = matcher or SourceMatcher()
    counts: Counter = Counter()
    skipped: Counter = Counter()
    failed: dict[str, str] = {}
    for path in paths:
        try:
            for page in iter_warc_pages(path, skipped):
                counts["responses"] += 1
                result = process_page(matcher.apply(page), with_events=with_events)
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
            "store": {k: v for k, v in store.stats.items()
                      if k in ("new", "updated", "unchanged", "kept_existing")}}


if __name__ == "__main__":  # the command reads the registry, so it lives in the crawler
    from crawler.backfill import main

    sys.exit(main())
