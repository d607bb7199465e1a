"""Marsad's defaults, each defined once, and the archive options every command takes.

The environment overrides a default; a command-line option overrides the environment:

    MONGO_URI          --mongo-uri   MongoDB server (unset: the embedded SecantusDB server)
    MONGO_DATABASE     --database    database name (default "marsad")
    MARSAD_DATA_DIR    --data-dir    the embedded server's directory (default ./data)
    MARSAD_SPOOL_DIR                 records waiting for the database (default ./data/spool)
    MARSAD_EMBEDDED_CACHE_MB         the embedded server's WiredTiger cache (default 128)
    MARSAD_EMBEDDED_PROCESS          run the embedded server in its own process (default off)
    MARSAD_HEAP_TRIM_EVERY           seconds between returns of free heap pages (default 30; 0 off)

The crawler reads the same values through Scrapy settings (``crawler/settings.py``).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

N = TypeVar("N", int, float)

DEFAULT_DATABASE = "marsad"
DEFAULT_DATA_DIR = "./data"
DEFAULT_SPOOL_DIR = "./data/spool"
DEFAULT_BATCH_SIZE = 100
# The embedded server's WiredTiger cache, MiB (SecantusDB's own default is 1 GiB, which
# lets the crawler's memory grow with the archive).
DEFAULT_EMBEDDED_CACHE_MB = 128
# How often a crawl's store writer gives the C heap's free pages back (seconds; see heap.py).
DEFAULT_HEAP_TRIM_EVERY = 30.0
# How long a database operation waits for an unreachable server (milliseconds).
SERVER_SELECTION_TIMEOUT_MS = 10_000


def mongo_uri(env: Mapping[str, str] = os.environ) -> str | None:
    """``MONGO_URI``, or None for the embedded server."""
    return env.get("MONGO_URI") or None


def database(env: Mapping[str, str] = os.environ) -> str:
    return env.get("MONGO_DATABASE") or DEFAULT_DATABASE


def data_dir(env: Mapping[str, str] = os.environ) -> str:
    return env.get("MARSAD_DATA_DIR") or DEFAULT_DATA_DIR


def spool_dir(env: Mapping[str, str] = os.environ) -> str:
    return env.get("MARSAD_SPOOL_DIR") or DEFAULT_SPOOL_DIR


def _env_number(env: Mapping[str, str], name: str, default: N, kind: Callable[[str], N],
                minimum: N, what: str) -> N:
    """``env[name]`` read with ``kind`` and raised to ``minimum``; ``default`` when unset. A value
    that is not a number is refused, naming the variable and ``what`` it should be."""
    value = env.get(name)
    if not value:
        return default
    try:
        return max(minimum, kind(value))
    except ValueError:
        raise ValueError(f"{name} must be {what}, not {value!r}") from None


def embedded_cache_mb(env: Mapping[str, str] = os.environ) -> int:
    """``MARSAD_EMBEDDED_CACHE_MB`` (at least 16), else the default."""
    return _env_number(env, "MARSAD_EMBEDDED_CACHE_MB", DEFAULT_EMBEDDED_CACHE_MB, int, 16,
                       "a whole number of MiB")


def embedded_own_process(env: Mapping[str, str] = os.environ) -> bool:
    """``MARSAD_EMBEDDED_PROCESS``: run the embedded server in a child process (1/true)."""
    return (env.get("MARSAD_EMBEDDED_PROCESS") or "").strip().lower() in ("1", "true", "yes", "on")


def heap_trim_every(env: Mapping[str, str] = os.environ) -> float:
    """``MARSAD_HEAP_TRIM_EVERY`` (seconds; 0 turns the trims off), else the default."""
    return _env_number(env, "MARSAD_HEAP_TRIM_EVERY", DEFAULT_HEAP_TRIM_EVERY, float, 0.0,
                       "a number of seconds")


@dataclass(frozen=True)
class ArchiveOptions:
    """Where the archive is: what ``add_archive_options`` puts on the parsed arguments."""

    mongo_uri: str | None
    database: str
    data_dir: str

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ArchiveOptions:
        return cls(args.mongo_uri or None, args.database, args.data_dir)


def uri_has_password(uri: str) -> bool:
    """Whether a MongoDB (or Redis) URI carries a password; one too malformed to split is
    taken to, when it has userinfo at all (config imports no project module, so not redact)."""
    try:
        return bool(urlsplit(uri).password)
    except ValueError:
        return "@" in uri


class _UriOption(argparse.Action):
    """``--mongo-uri``: a password on the command line is warned about, once. The process
    list shows every user a command's arguments; the environment is private to its owner."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        if isinstance(values, str) and uri_has_password(values):
            print(f"warning: the password in {option_string} can be read by every user of this "
                  "machine (ps); set MONGO_URI in the environment instead", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_archive_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``--mongo-uri``, ``--database`` and ``--data-dir`` (environment fallbacks)."""
    group = parser.add_argument_group("archive")
    group.add_argument("--mongo-uri", default=mongo_uri(), action=_UriOption,
                       help="MongoDB URI (env MONGO_URI; default: the embedded store in --data-dir). "
                            "A password here is visible to every user of the machine (ps): "
                            "prefer MONGO_URI")
    group.add_argument("--database", default=database(),
                       help=f"database name (env MONGO_DATABASE; default {DEFAULT_DATABASE})")
    group.add_argument("--data-dir", default=data_dir(),
                       help="the embedded store's directory "
                            f"(env MARSAD_DATA_DIR; default {DEFAULT_DATA_DIR})")
    return parser
