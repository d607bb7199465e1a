"""Checks made before a crawl starts, so a crawl that cannot work stops at once with one
line naming the cause (``scrapy crawl`` exits 2: crawler/scrapy_commands/crawl.py).

Checked: the MONGO_URI's form, the embedded data directory (a directory, or creatable,
and writable), the REDIS_URL (it answers), and the ``-a source=`` ids (in the registry).
A failure found only once the crawl runs (a locked data directory, a server that does
not answer) is turned into one line too, by ``describe_startup_error``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines import config
from pipelines.secrets import redact


class StartupError(RuntimeError):
    """The crawl cannot start; the message says why and what to do."""


def check_mongo_uri(uri: str) -> None:
    from pymongo.errors import PyMongoError
    from pymongo.uri_parser import parse_uri

    if uri.startswith("mongodb+srv://"):
        return  # its hosts come from DNS: the connection check says whether they answer
    try:
        parse_uri(uri)
    except (PyMongoError, ValueError) as exc:
        raise StartupError(
            f"MONGO_URI {redact(uri)} is malformed: {redact(str(exc))}. It must look like "
            "mongodb://user:password@host:27017 (a password holding @ : / must be "
            "percent-encoded), or be unset to use the embedded store.") from None


def check_data_dir(data_dir: str | os.PathLike) -> None:
    path = Path(data_dir).expanduser()
    what = f"The data directory {path} (MARSAD_DATA_DIR / MONGO_DATA_DIR)"
    if path.exists():
        if not path.is_dir():
            raise StartupError(f"{what} is a file, not a directory; give a directory.")
        if not os.access(path, os.W_OK | os.X_OK):
            raise StartupError(f"{what} is not writable by this user "
                               f"({'read-only file system' if _read_only(path) else 'permission denied'}).")
        lock = path / "WiredTiger.lock"
        if lock.exists() and not os.access(lock, os.R_OK | os.W_OK):
            raise StartupError(f"{what} holds {lock.name}, which this user cannot write "
                               "(permission denied); run as its owner or fix its permissions.")
        return
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise StartupError(f"{what} cannot be created: {parent} is a file.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StartupError(f"{what} cannot be created: {parent} is not writable "
                           f"({'read-only file system' if _read_only(parent) else 'permission denied'}).")


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def check_redis(url: str, timeout: float = 3.0) -> None:
    try:
        import redis
    except ImportError:
        raise StartupError("REDIS_URL is set but the redis package is not installed") from None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    except ValueError as exc:
        raise StartupError(f"REDIS_URL {redact(url)} is malformed: {redact(str(exc))}") from None
    try:
        client.ping()
    except redis.RedisError as exc:
        raise StartupError(
            f"Redis at {redact(url)} (REDIS_URL) does not answer: {redact(str(exc))}. Start it, "
            "fix REDIS_URL, or unset it for a single-process crawl.") from None
    finally:
        client.close()


def check_sources(registry: str | None, source: str | None) -> None:
    from crawler.sources import SourceRegistryError, load_sources, select_sources

    try:
        select_sources(load_sources(registry), source)
    except SourceRegistryError as exc:
        raise StartupError(str(exc)) from None


def preflight(settings: Any, spider_args: Mapping[str, Any]) -> None:
    """Raise ``StartupError`` for the first problem that would stop the crawl."""
    uri = settings.get("MONGO_URI")
    if uri:
        check_mongo_uri(uri)
    else:
        check_data_dir(settings.get("MONGO_DATA_DIR") or config.DEFAULT_DATA_DIR)
    if settings.get("REDIS_URL"):
        check_redis(settings.get("REDIS_URL"))
    check_sources(spider_args.get("registry") or settings.get("MARSAD_SOURCES"), spider_args.get("source"))


def describe_startup_error(exc: BaseException) -> str:
    """One line for an exception that stopped the crawl (passwords hidden)."""
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, (StartupError, RuntimeError, ValueError, OSError)) and type(exc).__module__.startswith(
            ("crawler", "pipelines")):
        return redact(text)
    return redact(f"{exc.__class__.__name__}: {text}")


__all__ = ["StartupError", "check_data_dir", "check_mongo_uri", "check_redis", "check_sources",
           "describe_startup_error", "preflight"]
