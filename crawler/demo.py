"""The main job on a fresh machine: crawl the bundled fixture sites into the embedded store.

    marsad demo [--data-dir ./data] [--generated N] [--port 8730]

Starts the fixture news sites on free loopback ports, runs ``scrapy crawl news`` over
them in this process, and prints what was stored and what was dropped, by reason.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from crawler.report import crawl_summary, format_summary
from fixturesite import FixtureServer
from pipelines.config import add_archive_options


def run_crawl(registry: Path, settings_overrides: dict[str, Any]) -> dict[str, Any]:
    """Run the `news` spider over a registry file in this process; returns the crawl stats."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    settings.set("MARSAD_SOURCES", str(registry))
    for key, value in settings_overrides.items():
        settings.set(key, value)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("news")
    process.crawl(crawler)
    process.start()
    return dict(crawler.stats.get_stats())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_archive_options(parser)
    parser.add_argument("--generated", type=int, default=0,
                        help="also serve and crawl N generated articles")
    parser.add_argument("--port", type=int, default=8730,
                        help="first fixture port (sites on port..port+3); the same ports on every "
                             "run keep article URLs, so a second run finds what the first stored")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    try:
        site = FixtureServer(ports=args.port, generated=args.generated, hang_seconds=5.0).start()
    except OSError as exc:
        print(f"error: cannot serve the fixture sites on ports {args.port}-{args.port + 3}: {exc}; "
              "choose others with --port", file=sys.stderr)
        return 2
    with site, \
            tempfile.TemporaryDirectory(prefix="marsad-demo-") as tmp:
        registry = Path(tmp) / "sources.yaml"
        site.write_sources(registry)
        print(f"Fixture sites: {', '.join(site.base_urls.values())}\n"
              "They hold broken pages on purpose (a page that hangs, 404s, a redirect loop, ...);"
              " each ends as a drop with its reason, so a few errors in the log are expected.",
              flush=True)
        overrides = {
            "MONGO_URI": args.mongo_uri,
            "MONGO_DATABASE": args.database,
            "MONGO_DATA_DIR": args.data_dir,
            "LOG_LEVEL": args.log_level,
            "AUTOTHROTTLE_START_DELAY": 0.0,
            "DOWNLOAD_TIMEOUT": 3,
        }
        stats = run_crawl(registry, overrides)
        source_ids = [s["id"] for s in site.sources()]
    if stats.get("marsad/store_error"):
        print(f"error: {stats['marsad/store_error']}", file=sys.stderr)
        return 2
    if stats.get("finish_reason") != "finished":
        print(f"error: the crawl ended early: {stats.get('finish_reason')}", file=sys.stderr)
        return 1
    summary = crawl_summary(stats, args.mongo_uri, args.data_dir, args.database, source_ids)
    print(format_summary(summary))
    return 0 if summary["articles_stored"] else 1


if __name__ == "__main__":
    sys.exit(main())
