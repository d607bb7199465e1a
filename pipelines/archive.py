"""The archive as the commands use it: storage with the events stage wired in.

Storage does not import the events stage; this composition hands the article store its
event sink, so every writer (crawl, WARC backfill, spool drain, reprocessing) keeps an
article's events with it. ``reprocess_pages`` runs the stored raw pages through
``process_page`` again (``marsad reprocess``). Also the two small archive commands: the
spool (``python -m pipelines.storage.spool``) and event reprocessing (``python -m
pipelines.events --reprocess``).
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import json
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pipelines import config
from pipelines.config import ArchiveOptions, add_archive_options
from pipelines.events.extractor import EXTRACTOR_VERSION
from pipelines.events.store import EventsCollection, check_since, reprocess
from pipelines.incidents.hook import after_batch, reprocess_all
from pipelines.incidents.hook import ensure_indexes as ensure_incident_indexes
from pipelines.incidents.key_index import IncidentIndex
from pipelines.process import process_page
from pipelines.records import Article, Page
from pipelines.storage import (
    ArticleStore,
    Connection,
    StorageError,
    load_raw_html,
    open_database,
    unescape_key,
)
from pipelines.storage.known_index import KnownIndex
from pipelines.storage.names import ARTICLES
from pipelines.storage.revisits import FetchStateBuffer
from pipelines.storage.spool import Spool
from pipelines.stories import BandIndex, story_id
from pipelines.stories.sketch import words
from pipelines.warc import RegistrySource


class EventsAndIncidents(EventsCollection):
    """The events sink of a crawl: each kept article's events go to ``events``, then the
    batch's articles join their stories (near duplicates) and their events join the merged
    real-world events (``incidents``).

    ``sole_writer``: this process is the only one writing to the database (the embedded
    server locks its data directory), so the story sketches and the incidents' look-up
    keys are kept in memory."""

    def __init__(self, *, sole_writer: bool = False) -> None:
        self.band_index = BandIndex() if sole_writer else None
        self.incident_index = IncidentIndex() if sole_writer else None

    def ensure_indexes(self, db: Any) -> None:
        super().ensure_indexes(db)
        ensure_incident_indexes(db)

    def after_batch(self, db: Any, keys: Sequence[str]) -> Mapping[str, int]:
        return after_batch(db, keys, band_index=self.band_index, incident_index=self.incident_index)

    def new_article_fields(self, doc: Mapping[str, Any]) -> Mapping[str, Any]:
        """A new article goes in as the original of a story of its own, which is what the
        stories hook finds for most articles; it then rewrites only the articles that
        join another story. (On SecantusDB, setting ``story`` after the insert rewrote
        every index entry of the article: 22 ms per article, half the crawl's cost.)"""
        text = doc.get("text")
        if not isinstance(text, str) or not words(text):
            return {}                  # no sketch, so no story
        return {"story": story_id(doc["url"]), "story_original": True}

    def article_fields(self, events: Sequence[Any]) -> Mapping[str, Any]:
        """The summary ``replace_many`` sets on an article with these events (the store
        writes it with a new article's insert, so that update changes nothing)."""
        kept = [e for e in events if isinstance(e, Mapping)]
        return {"event_count": len(kept),
                "event_types": sorted({t for e in kept if isinstance(t := e.get("event_type"), str)}),
                "events_version": EXTRACTOR_VERSION, "events_error": None}


def article_store(db: Any, *, batch_size: int = config.DEFAULT_BATCH_SIZE, journal: bool = True,
                  with_events: bool = True, fetch_states: FetchStateBuffer | None = None,
                  sole_writer: bool = False, known: KnownIndex | None = None) -> ArticleStore:
    """An ``ArticleStore`` that writes each kept article's events to the ``events``
    collection and keeps stories and merged events up to date after each batch (and the
    crawl's buffered fetch-state updates, when given). ``sole_writer``: no other process
    writes to ``db`` (true on the embedded server), see ``EventsAndIncidents``; ``known``:
    the incremental look-ups' index in memory, for such a sole writer (kept in step)."""
    return ArticleStore(db, batch_size=batch_size, journal=journal,
                        events=EventsAndIncidents(sole_writer=sole_writer) if with_events else None,
                        fetch_states=fetch_states, known=known)


def open_archive(options: ArchiveOptions, **kwargs: Any) -> Connection:
    """``open_database`` on the archive the options name."""
    return open_database(options.mongo_uri, options.database, options.data_dir, **kwargs)


def page_from_document(doc: Mapping[str, Any], body: bytes) -> Page:
    """The ``Page`` a stored article was made from, with its raw HTML ``body``."""
    fetched_at = doc.get("fetched_at")
    hints = doc.get("hints")
    return Page(url=doc.get("fetched_url") or doc.get("url"), body=body, final_url=doc.get("final_url"),
                status=doc.get("status"), content_type=doc.get("content_type"), source=doc.get("source"),
                fetched_at=fetched_at.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                if isinstance(fetched_at, _dt.datetime) else None,
                timezone=doc.get("timezone"), language=doc.get("language") or "ar",
                hints={unescape_key(k): v for k, v in hints.items()} if isinstance(hints, Mapping) else {})


def stored_pages(db: Any, *, source: str | None = None, skipped: Counter | None = None) -> Iterator[Page]:
    """A ``Page`` for each stored article whose raw HTML is kept (articles without it are
    counted in ``skipped``)."""
    query: dict[str, Any] = {"source": source} if source else {}
    fields = {"url": 1, "fetched_url": 1, "final_url": 1, "status": 1, "content_type": 1, "source": 1,
              "fetched_at": 1, "timezone": 1, "language": 1, "hints": 1, "raw_sha256": 1}
    for doc in db[ARTICLES].find(query, fields).sort("_id", 1):
        body = load_raw_html(db, doc["url"]) if doc.get("raw_sha256") else None
        if body is None:
            if skipped is not None:
                skipped["no_raw_html"] += 1
            continue
        yield page_from_document(doc, body)


def reprocess_pages(db: Any, store: ArticleStore, *, source: str | None = None,
                    sources: Mapping[str, RegistrySource] | None = None,
                    with_events: bool = True) -> dict[str, Any]:
    """Run every stored raw page through ``process_page`` again, into ``store`` (the
    usual keep rule decides whether the new extraction replaces the stored one). A source
    in ``sources`` (by id) gives its current time zone, language and XPaths. A page that
    no longer makes an article is counted (``now_dropped/<code>``); its stored article
    stays. Returns the counts."""
    counts: Counter = Counter()
    skipped: Counter = Counter()
    for page in stored_pages(db, source=source, skipped=skipped):
        entry = (sources or {}).get(page.source or "")
        if entry is not None:
            page = dataclasses.replace(page, timezone=entry.timezone, language=entry.language,
                                       xpaths=entry.xpaths or None, source_hosts=entry.own_hosts)
        counts["pages"] += 1
        result = process_page(page, with_events=with_events)
        if isinstance(result, Article):
            store.add(result, fetched=False)
            counts["articles"] += 1
        else:
            counts[f"now_dropped/{result.code}"] += 1
    store.flush()
    kept = ("new", "updated", "unchanged", "kept_existing")
    return {**dict(counts), "skipped": dict(skipped),
            "store": {k: v for k, v in store.stats.items() if k in kept}}


def spool_main(argv: list[str] | None = None) -> int:
    """Show the records waiting in a spool, or write them to the database."""
    ap = argparse.ArgumentParser(prog="python -m pipelines.storage.spool",
                                 description="Show the records waiting in a spool, or write them to MongoDB.")
    ap.add_argument("--dir", default=None,
                    help=f"spool directory (env MARSAD_SPOOL_DIR; default {config.DEFAULT_SPOOL_DIR})")
    add_archive_options(ap)
    ap.add_argument("--drain", action="store_true", help="write the records and delete the segments")
    args = ap.parse_args(argv)
    options = ArchiveOptions.from_args(args)
    spool = Spool(Path(args.dir or config.spool_dir()) / options.database)
    segments = spool.pending_segments()
    print(f"{spool.directory}: {len(segments)} segments, {spool.pending_count()} records")
    if not args.drain:
        return 0
    try:
        with open_archive(options) as conn:
            store = article_store(conn.db)
            store.ensure_indexes()
            written = spool.drain(store)
    except StorageError as exc:
        print(f"error: {exc}")
        return 2
    left = spool.pending_count()
    held = " (segments held by a running crawl)" if left else ""
    print(f"written: {written}; still waiting: {left}{held}")
    return 0 if not left else 1


def reprocess_command(since: str | None = None, options: ArchiveOptions | None = None) -> int:
    """Re-run the event extractor over the stored articles (``--reprocess [--since DATE]``)."""
    options = options or ArchiveOptions(config.mongo_uri(), config.database(), config.data_dir())
    try:
        check_since(since)
        with open_archive(options) as conn:
            counts = reprocess(conn.db, since=since)
            # Merged events follow the reports they are made of.
            counts.update({f"incidents_{k}": v for k, v in reprocess_all(conn.db, since=since).items()})
    except (StorageError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({**counts, "extractor_version": EXTRACTOR_VERSION}))
    return 0
