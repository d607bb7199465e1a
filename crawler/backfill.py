"""``marsad warc`` (``python -m pipelines.warc``): backfill the archive from WARC files.

    marsad warc FILE.warc.gz [...] [--source ID] [--registry FILE] [--no-events]

Each page gets its source from the registry by host (or the one ``--source`` names) and
goes through ``pipelines.warc.backfill``; prints the counts as JSON. Exit 1 when a file
could not be read, 2 on bad arguments or an unreachable archive.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from crawler.sources import SourceRegistryError, load_sources, select_sources
from pipelines import config
from pipelines.archive import article_store, open_archive
from pipelines.config import ArchiveOptions, add_archive_options
from pipelines.storage import StorageError
from pipelines.warc import SourceMatcher, backfill


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="marsad warc", description="Backfill the archive from WARC files.")
    parser.add_argument("files", nargs="+", help=".warc or .warc.gz files")
    parser.add_argument("--source", help="registry id to give every page (default: by host)")
    parser.add_argument("--registry", default=os.environ.get("MARSAD_SOURCES"),
                        help="source registry for host matching (default crawler/sources.yaml)")
    parser.add_argument("--no-events", action="store_true", help="skip event extraction")
    add_archive_options(parser)
    parser.add_argument("--batch-size", type=int, default=config.DEFAULT_BATCH_SIZE)
    args = parser.parse_args(argv)
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        print(f"error: no such file: {missing[0]}", file=sys.stderr)
        return 2
    try:
        sources = load_sources(args.registry)
        default = select_sources(sources, args.source)[0] if args.source else None
    except SourceRegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        conn = open_archive(ArchiveOptions.from_args(args))
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with conn:
        store = article_store(conn.db, batch_size=args.batch_size, with_events=not args.no_events)
        store.ensure_indexes()
        summary = backfill(args.files, store, SourceMatcher(sources, default),
                           with_events=not args.no_events)
    print(json.dumps(summary, ensure_ascii=False, sort_keys=True))
    return 1 if summary["failed_files"] else 0


if __name__ == "__main__":
    sys.exit(main())
