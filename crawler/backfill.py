"""Pages that do not come from a crawl, into the archive; both commands read the registry.

    marsad warc FILE.warc.gz [...] [--source ID] [--registry FILE] [--no-events]
    marsad reprocess [--source ID] [--registry FILE] [--no-events]

``warc`` (also ``python -m pipelines.warc``): each page gets its source from the registry
by host (or the one ``--source`` names) and goes through ``pipelines.warc.backfill``.
``reprocess``: the stored raw pages go through ``process_page`` again
(``pipelines.archive.reprocess_pages``), after an extractor or registry change. Both
print their counts as JSON; exit 2 on bad arguments or an unreachable archive (``warc``:
1 when a file could not be read).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from crawler import settings as crawl_settings
from crawler.sources import Source, SourceRegistryError, load_sources, select_sources
from pipelines import config
from pipelines.archive import article_store, open_archive, reprocess_pages
from pipelines.config import ArchiveOptions, add_archive_options
from pipelines.storage import Connection, StorageError
from pipelines.warc import SourceMatcher, backfill


def _registry_and_archive(args: argparse.Namespace, pick_source: bool = False
                          ) -> tuple[list[Source], Source | None, Connection] | None:
    """The registry's sources, the one ``--source`` names (``pick_source``: it must exist)
    and the open archive; None, with the error printed, when one of them fails."""
    try:
        sources = load_sources(args.registry)
        chosen = select_sources(sources, args.source)[0] if pick_source and args.source else None
        return sources, chosen, open_archive(ArchiveOptions.from_args(args))
    except (SourceRegistryError, StorageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="marsad warc", description="Backfill the archive from WARC files.")
    parser.add_argument("files", nargs="+", help=".warc or .warc.gz files")
    parser.add_argument("--source", help="registry id to give every page (default: by host)")
    parser.add_argument("--registry", default=os.environ.get("MARSAD_SOURCES"),
                        help="source registry for host matching (default crawler/sources.yaml)")
    parser.add_argument("--no-events", action="store_true", help="skip event extraction")
    add_archive_options(parser)
    parser.add_argument("--batch-size", type=int, default=config.DEFAULT_BATCH_SIZE)
    parser.add_argument("--max-bytes", type=int, default=crawl_settings.DOWNLOAD_MAXSIZE,
                        help="largest record body read, after decoding (default: the crawl's "
                             f"DOWNLOAD_MAXSIZE, {crawl_settings.DOWNLOAD_MAXSIZE}); longer: a too_large drop")
    args = parser.parse_args(argv)
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        print(f"error: no such file: {missing[0]}", file=sys.stderr)
        return 2
    opened = _registry_and_archive(args, pick_source=True)
    if opened is None:
        return 2
    sources, default, conn = opened
    with conn:
        store = article_store(conn.db, batch_size=args.batch_size, with_events=not args.no_events,
                              sole_writer=conn.embedded is not None)
        store.ensure_indexes()
        summary = backfill(args.files, store, SourceMatcher(sources, default),
                           with_events=not args.no_events, max_bytes=args.max_bytes)
    print(json.dumps(summary, ensure_ascii=False, sort_keys=True))
    for host, n in sorted(summary["unmatched_hosts"].items()):
        print(f"warning: {n} pages of {host} match no registry source; stored with source "
              "'warc' (add the source to the registry, or give --source)", file=sys.stderr)
    for path, why in summary["failed_files"].items():
        print(f"error: {path}: {why}", file=sys.stderr)
    return 1 if summary["failed_files"] else 0


def reprocess_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="marsad reprocess",
                                     description="Run the stored raw pages through the stages again.")
    parser.add_argument("--source", help="only this source's articles")
    parser.add_argument("--registry", default=os.environ.get("MARSAD_SOURCES"),
                        help="source registry for time zones, languages, XPaths "
                             "(default crawler/sources.yaml)")
    parser.add_argument("--no-events", action="store_true", help="skip event extraction")
    add_archive_options(parser)
    args = parser.parse_args(argv)
    opened = _registry_and_archive(args)
    if opened is None:
        return 2
    sources = {s.id: s for s in opened[0]}
    conn = opened[2]
    with conn:
        store = article_store(conn.db, with_events=not args.no_events, sole_writer=conn.embedded is not None)
        store.ensure_indexes()
        summary = reprocess_pages(conn.db, store, source=args.source, sources=sources,
                                  with_events=not args.no_events)
    print(json.dumps(summary, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
