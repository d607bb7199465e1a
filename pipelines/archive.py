"""The archive as the commands use it: storage with the events stage wired in.

Storage does not import the events stage; this composition hands the article store its
event sink, so every writer (crawl, WARC backfill, spool drain) keeps an article's events
with it. Also the two small archive commands: the spool (``python -m
pipelines.storage.spool``) and event reprocessing (``python -m pipelines.events --reprocess``).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pipelines import config
from pipelines.config import ArchiveOptions, add_archive_options
from pipelines.events.extractor import EXTRACTOR_VERSION
from pipelines.events.store import EventsCollection, check_since, reprocess
from pipelines.incidents.hook import after_batch, reprocess_all
from pipelines.incidents.hook import ensure_indexes as ensure_incident_indexes
from pipelines.storage import ArticleStore, Connection, StorageError, open_database
from pipelines.storage.spool import Spool


class EventsAndIncidents(EventsCollection):
    """The events sink of a crawl: each kept article's events go to ``events``, then the
    batch's articles join their stories (near duplicates) and their events join the merged
    real-world events (``incidents``)."""

    def ensure_indexes(self, db: Any) -> None:
        super().ensure_indexes(db)
        ensure_incident_indexes(db)

    def after_batch(self, db: Any, keys: Sequence[str]) -> Mapping[str, int]:
        return after_batch(db, keys)


def article_store(db: Any, *, batch_size: int = config.DEFAULT_BATCH_SIZE, journal: bool = True,
                  with_events: bool = True) -> ArticleStore:
    """An ``ArticleStore`` that writes each kept article's events to the ``events``
    collection and keeps stories and merged events up to date after each batch."""
    return ArticleStore(db, batch_size=batch_size, journal=journal,
                        events=EventsAndIncidents() if with_events else None)


def open_archive(options: ArchiveOptions, **kwargs: Any) -> Connection:
    """``open_database`` on the archive the options name."""
    return open_database(options.mongo_uri, options.database, options.data_dir, **kwargs)


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
