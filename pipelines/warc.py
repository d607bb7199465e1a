"""WARC files in and out: backfill the archive from stored crawls, and keep what Marsad fetches.

    python -m pipelines.warc FILE.warc.gz [...] [--source ID] [--registry FILE]

runs every HTTP response record of the files (CC-NEWS segments, WARCs Marsad wrote)
through ``pipelines.process.process_page`` and the store, exactly as a crawl would.
``WarcWriter`` appends response records to rotating ``.warc.gz`` files; the crawler
uses it when ``MARSAD_WARC_DIR`` is set.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import io
import json
import os
import socket
import sys
import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import urlparse

from pipelines.process import process_page

# Responses worth processing; one without a Content-Type is tried too (sniffed later).
HTML_TYPES = ("text/html", "application/xhtml", "text/plain")
# Headers that described the bytes on the wire, not the decoded body that is written.
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def _iso(moment: str | None) -> str | None:
    if not moment:
        return None
    try:
        parsed = _dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.timezone.utc)
    return parsed.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iter_warc_pages(path: str | Path, skipped: Counter | None = None) -> Iterator[dict]:
    """Page records (the dicts the spider yields, without source fields) for each HTTP
    response record of a WARC file. Other records are counted in ``skipped`` by reason."""
    from warcio.archiveiterator import ArchiveIterator

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
            yield {
                "kind": "page",
                "url": record.rec_headers.get_header("WARC-Target-URI"),
                "final_url": record.rec_headers.get_header("WARC-Target-URI"),
                "status": int(status) if status and status.isdigit() else None,
                "body": record.content_stream().read(),
                "content_type": content_type or None,
                "fetched_at": _iso(record.rec_headers.get_header("WARC-Date")),
                "hints": {"via": "warc"},
            }


class SourceMatcher:
    """Gives a page the registry entry of its host (time zone, language, XPaths)."""

    def __init__(self, sources: Iterable[Any] = (), default: Any = None):
        self.default = default
        self.by_host: dict[str, Any] = {}
        for s in sources:
            # host:port first: sites on one host are told apart by their port
            self.by_host.setdefault(urlparse(s.base_url).netloc.lower(), s)
            host = (s.host or "").lower()
            self.by_host.setdefault(host, s)
            self.by_host.setdefault(host.removeprefix("www."), s)

    def apply(self, page: dict) -> dict:
        parsed = urlparse(page.get("url") or "")
        host = (parsed.hostname or "").lower()
        source = (self.default or self.by_host.get(parsed.netloc.lower()) or self.by_host.get(host)
                  or self.by_host.get(host.removeprefix("www.")))
        if source is None:
            page.update(source="warc", timezone=None, language="ar", xpaths=None)
        else:
            page.update(source=source.id, timezone=source.timezone, language=source.language,
                        xpaths=source.xpaths or None)
        return page


def backfill(paths: Iterable[str | Path], store: Any, matcher: SourceMatcher | None = None, *,
             with_events: bool = True) -> dict[str, Any]:
    """Process every response record of the files into ``store`` (an ArticleStore);
    returns counts. A file that cannot be read is reported, the others still run."""
    matcher = matcher or SourceMatcher()
    counts: Counter = Counter()
    skipped: Counter = Counter()
    failed: dict[str, str] = {}
    for path in paths:
        try:
            for page in iter_warc_pages(path, skipped):
                counts["responses"] += 1
                result = process_page(matcher.apply(page), with_events=with_events)
                if result["kind"] == "article":
                    store.add(result["record"])
                    counts["articles"] += 1
                else:
                    store.add_drop(result["record"])
                    counts[f"dropped/{result['record'].get('reason')}"] += 1
        except Exception as exc:  # a truncated or foreign file must not stop the others
            failed[str(path)] = f"{type(exc).__name__}: {exc}"
    store.flush()
    return {**dict(counts), "skipped": dict(skipped), "failed_files": failed,
            "store": {k: v for k, v in store.stats.items() if k in ("new", "updated", "unchanged", "kept_existing")}}


class WarcWriter:
    """Appends HTTP response records to ``<prefix>-<time>-<n>.warc.gz`` files in a
    directory, starting a new file past ``max_bytes``. Thread-safe."""

    def __init__(self, directory: str | Path, prefix: str = "marsad", max_bytes: int = 1_000_000_000):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._file: Any = None
        self._writer: Any = None
        self._serial = 0
        self.records = 0
        self.paths: list[Path] = []

    def _open(self) -> None:
        from warcio.warcwriter import WARCWriter

        self._serial += 1
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d%H%M%S")
        path = self.directory / f"{self.prefix}-{stamp}-{os.getpid()}-{self._serial:05d}.warc.gz"
        self._file = open(path, "ab")
        self._writer = WARCWriter(self._file, gzip=True)
        self.paths.append(path)
        info = self._writer.create_warcinfo_record(path.name, {
            "software": "Marsad", "hostname": socket.gethostname(), "format": "WARC File Format 1.1"})
        self._writer.write_record(info)

    def write_response(self, url: str, status: int, headers: Iterable[tuple[str, str]], body: bytes,
                       fetched_at: _dt.datetime | None = None, reason: str = "") -> None:
        """Write one response (body already decoded; wire-encoding headers are left out)."""
        from warcio.statusandheaders import StatusAndHeaders

        kept = [(k, v) for k, v in headers if k.lower() not in _WIRE_HEADERS]
        kept.append(("Content-Length", str(len(body))))
        http_headers = StatusAndHeaders(f"{status} {reason}".strip(), kept, protocol="HTTP/1.1")
        moment = (fetched_at or _dt.datetime.now(_dt.timezone.utc)).astimezone(_dt.timezone.utc)
        warc_headers = {"WARC-Date": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "WARC-Record-ID": f"<urn:uuid:{uuid.uuid4()}>"}
        with self._lock:
            if self._file is None or self._file.tell() > self.max_bytes:
                self.close_file()
                self._open()
            record = self._writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                     http_headers=http_headers, warc_headers_dict=warc_headers)
            self._writer.write_record(record)
            self._file.flush()
            self.records += 1

    def close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file, self._writer = None, None

    def close(self) -> None:
        with self._lock:
            self.close_file()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.warc",
                                     description="Backfill the archive from WARC files.")
    parser.add_argument("files", nargs="+", help=".warc or .warc.gz files")
    parser.add_argument("--source", help="registry id to give every page (default: by host)")
    parser.add_argument("--registry", default=os.environ.get("MARSAD_SOURCES"),
                        help="source registry for host matching (default crawler/sources.yaml)")
    parser.add_argument("--no-events", action="store_true", help="skip event extraction")
    parser.add_argument("--mongo-uri", default=os.environ.get("MONGO_URI"))
    parser.add_argument("--database", default=os.environ.get("MONGO_DATABASE", "marsad"))
    parser.add_argument("--data-dir", default=os.environ.get("MARSAD_DATA_DIR", "./data"))
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args(argv)
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        print(f"error: no such file: {missing[0]}", file=sys.stderr)
        return 2
    from pipelines.storage import ArticleStore, StorageError, open_database

    try:
        from crawler.sources import SourceRegistryError, load_sources, select_sources

        sources = load_sources(args.registry)
        default = select_sources(sources, args.source)[0] if args.source else None
    except (ImportError, SourceRegistryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        conn = open_database(args.mongo_uri, args.database, args.data_dir)
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with conn:
        store = ArticleStore(conn.db, batch_size=args.batch_size)
        store.ensure_indexes()
        summary = backfill(args.files, store, SourceMatcher(sources, default),
                           with_events=not args.no_events)
    print(json.dumps(summary, ensure_ascii=False, sort_keys=True))
    return 1 if summary["failed_files"] else 0


if __name__ == "__main__":
    sys.exit(main())
