"""What the store pipeline shares with the spider: the archive's database, while it answers.

``MongoStorePipeline`` opens the database and owns the link; in its ``from_crawler`` it
hands the link to the spider (``NewsSpider.attach_archive``). The spider reads fetch
state through ``link.db`` (None before the store opens, after it closes, and during an
outage, when every look-up would wait the full server timeout) and leaves its updates in
``link.fetch_states``, which the store writes with its next batch.
"""
from __future__ import annotations

from typing import Any

from pipelines.storage.known_index import KnownIndex
from pipelines.storage.revisits import FetchStateBuffer


class ArchiveLink:
    def __init__(self) -> None:
        self._db: Any = None
        self.down = False
        # The spider's fetch-state updates; the store writes them with its batches.
        self.fetch_states = FetchStateBuffer()
        # For the embedded server's sole writer: what incremental look-ups read, in memory
        # (pipelines/storage/known_index.py); None against a shared MongoDB.
        self.known: KnownIndex | None = None

    def opened(self, db: Any) -> None:
        self._db, self.down = db, False

    def closed(self) -> None:
        self._db = None

    @property
    def connected(self) -> bool:
        """A database was opened (it may be unreachable just now)."""
        return self._db is not None

    @property
    def db(self) -> Any:
        """The open database, or None (not opened, or unreachable just now)."""
        return None if self.down else self._db
