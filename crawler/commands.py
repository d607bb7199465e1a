"""``marsad``: every Marsad command under one name, from any directory.

    marsad crawl [-a source=ID] [-s NAME=VALUE ...]   # = scrapy crawl news ...
    marsad schedule | runs | demo | warc | reprocess | spool | export | extract | dates | events
    marsad incidents | serve | search | mongo | fixtures

Each subcommand is the module named in ``COMMANDS`` (``marsad runs --help`` is
``python -m crawler.runs --help``); the module is imported only when its command runs.
"""
from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable

from scrapy.cmdline import execute

# name -> ("module:function", what it does). The function takes the remaining arguments.
COMMANDS: dict[str, tuple[str, str]] = {
    "crawl": ("crawler.commands:crawl", "crawl the registry's sources (scrapy crawl news)"),
    "schedule": ("crawler.schedule:main", "run each source's crawl on its schedule"),
    "runs": ("crawler.runs:main", "the latest crawl runs per source"),
    "demo": ("crawler.demo:main", "crawl the bundled fixture sites into the embedded store"),
    "warc": ("crawler.backfill:main", "backfill the archive from WARC files"),
    "reprocess": ("crawler.backfill:reprocess_main", "run the stored raw pages through the stages again"),
    "spool": ("pipelines.archive:spool_main", "show the spool, or write it back into the database"),
    "export": ("pipelines.export:main", "export stored events (ACLED CSV, JSON Lines, GeoJSON)"),
    "extract": ("pipelines.extract.cli:main", "extract article pages to JSON lines"),
    "dates": ("pipelines.dates.__main__:main", "normalise Arabic date expressions (JSON lines)"),
    "events": ("pipelines.events.cli:main", "extract events from text, or --reprocess the archive"),
    "incidents": ("pipelines.incidents.__main__:main", "rebuild stories and merged events from the store"),
    "serve": ("workbench.__main__:main", "serve the workbench over the archive"),
    "search": ("pipelines.search:main", "search stored articles (spelling variants folded)"),
    "mongo": ("workbench.mongo:main", "serve the embedded store for mongosh, Compass, pymongo"),
    "fixtures": ("fixturesite.__main__:main", "serve the fixture news sites"),
}


def crawl(argv: list[str] | None = None) -> int:
    """``scrapy crawl news`` with Marsad's settings, wherever it is started."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    args = list(sys.argv[2:] if argv is None else argv)
    try:
        execute(["scrapy", "crawl", "news", *args])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {about}" for name, (_, about) in COMMANDS.items()]
    return "usage: marsad COMMAND [ARGS...]\n\ncommands:\n" + "\n".join(lines) + \
        "\n\n`marsad COMMAND --help` describes a command's options.\n"


def _load(target: str) -> Callable[..., int | None]:
    module, _, function = target.partition(":")
    entry: Callable[..., int | None] = getattr(importlib.import_module(module), function)
    return entry


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(_usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        sys.stderr.write(f"marsad: unknown command {name!r}\n\n{_usage()}")
        return 2
    target = COMMANDS[name][0]
    try:
        entry = _load(target)
    except ModuleNotFoundError as exc:
        sys.stderr.write(f"marsad {name}: {exc.name} is not installed\n")
        return 2
    saved, sys.argv = sys.argv, [f"marsad {name}", *rest]  # for the commands that read it
    try:
        if name == "dates":  # reads standard input; takes no options
            return entry() or 0
        return entry(rest) or 0
    finally:
        sys.argv = saved


if __name__ == "__main__":
    sys.exit(main())
