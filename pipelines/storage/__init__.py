"""MongoDB storage for Marsad: articles, raw pages and drops.

``open_database`` connects to ``MONGO_URI`` or, without one, starts the embedded
SecantusDB server on a local data directory. ``ArticleStore`` turns article and drop
records into documents (schema: README.md, "Stored documents") and writes them in batches.
"""
from __future__ import annotations

from typing import Any

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from pipelines import config
from pipelines.config import DEFAULT_DATA_DIR, DEFAULT_DATABASE, SERVER_SELECTION_TIMEOUT_MS
from pipelines.secrets import redact

from .documents import SCHEMA_VERSION, article_key, build_document, build_drop_document
from .embedded import EmbeddedServer, StorageError, StoreLockedError, start_embedded
from .raw_pages import load_raw_html
from .safety import escape_key, unescape_key
from .store import ArticleStore, EventSink, StorageUnavailableError, ensure_indexes


def default_data_dir() -> str:
    """``MARSAD_DATA_DIR`` if set, else ``./data``."""
    return config.data_dir()


def _redact(uri: str) -> str:
    """The URI without its password, for messages and logs."""
    return redact(uri)


def _short(exc: BaseException) -> str:
    """pymongo's server-selection message without its topology dump."""
    text = str(exc)
    for cut in (" (configured timeouts", ", Timeout:"):
        text = text.split(cut, 1)[0]
    return redact(text)


class Connection:
    """An open database: ``.client``, ``.db``, ``.embedded`` (the server this connection
    started, or None) and ``.uri``. ``close()`` also stops the embedded server."""

    def __init__(self, client: MongoClient, database: str, uri: str, embedded: EmbeddedServer | None = None):
        self.client = client
        self.db = client[database]
        self.uri = uri
        self.embedded = embedded

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.embedded is not None:
                self.embedded.stop()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = f"embedded:{self.embedded.data_dir}" if self.embedded else _redact(self.uri)
        return f"<Connection {self.db.name} at {where}>"


def open_database(uri: str | None, database: str = DEFAULT_DATABASE, data_dir: str = DEFAULT_DATA_DIR,
                  *, server_selection_timeout_ms: int = SERVER_SELECTION_TIMEOUT_MS,
                  cache_mb: int | None = None, own_process: bool | None = None) -> Connection:
    """Connect to ``uri``, or start the embedded server on ``data_dir`` when ``uri`` is
    empty. Checks the server answers; raises ``StoreLockedError`` (data directory held by
    another process) or ``StorageError`` (unreachable, unusable) with a message that says
    what to do. ``cache_mb``: the embedded server's cache (default
    ``MARSAD_EMBEDDED_CACHE_MB`` or 128 MiB); ``own_process``: run it in a child process
    (default ``MARSAD_EMBEDDED_PROCESS``, off)."""
    embedded = None
    if not uri:
        embedded = EmbeddedServer(data_dir, cache_mb=cache_mb, own_process=own_process).start()
        uri = embedded.client_uri
    # How long an operation waits for an unreachable server before it fails (and the
    # crawler spools); also the start-up check's patience.
    client: MongoClient[dict[str, Any]] = MongoClient(
        uri, tz_aware=True, serverSelectionTimeoutMS=server_selection_timeout_ms)
    try:
        client.admin.command("ping")
    except PyMongoError as exc:
        client.close()
        if embedded is not None:
            embedded.stop()
        raise StorageError(
            f"MongoDB at {_redact(uri)} does not answer ({exc.__class__.__name__}: {_short(exc)}). "
            "Check that the server runs and MONGO_URI is right, or unset MONGO_URI to use "
            "the embedded store."
        ) from exc
    return Connection(client, database, uri, embedded)


__all__ = [
    "ArticleStore", "Connection", "DEFAULT_DATABASE", "DEFAULT_DATA_DIR", "EmbeddedServer", "EventSink",
    "SCHEMA_VERSION", "StorageError",
    "StorageUnavailableError", "StoreLockedError", "article_key", "build_document",
    "build_drop_document", "default_data_dir", "ensure_indexes", "escape_key",
    "load_raw_html", "open_database", "start_embedded", "unescape_key",
]
