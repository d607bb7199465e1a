"""What incremental crawls look up about listed URLs, held in memory for a process that is
the archive's only writer.

``revisits.lookup_known`` asks the store, for every URL of a listing, whether an article
has it (as its key or one of its ``aliases``) and what its fetch state says. On the
embedded server each key probed costs about 40 µs and each document found about 0.3 ms,
whatever the chunking, so a 1,000-URL listing costs 0.15 s (none stored) to 0.6 s (all
stored) at 20,000 articles (``bench/bench_lookup.py``). A crawl on the embedded server is
the only writer of its data directory (the server locks it), so it may answer from
memory instead: read once at the first look-up, then kept in step with every write of
the article store and of the fetch state (``ArticleStore(known=...)``,
``revisits.record_fetches``, ``revisits.mark_not_modified``).

Kept in step exactly: a document the store inserts is known as inserted; one it updates
(its fields merged on the server: ``$min``, ``$max``, a better extraction winning) is read
back after the write, by key. Anything that fails drops the whole index, which is read
again at the next look-up.

Memory: per article its key, aliases and four dates; per fetch state its key, two
validators and three dates: about 0.5 KiB per article.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .names import ARTICLES, FETCH_STATE
from .queries import find_in

ARTICLE_FIELDS = ("first_seen", "last_seen", "modified", "published")
FETCH_FIELDS = ("etag", "last_modified", "first_fetched", "last_fetched", "last_full_fetch")
_ARTICLE_PROJECTION = {"url": 1, "aliases": 1, **dict.fromkeys(ARTICLE_FIELDS, 1)}
_FETCH_PROJECTION = {"url": 1, **dict.fromkeys(FETCH_FIELDS, 1)}


class KnownIndex:
    """Article keys, aliases and dates, and fetch states, of one database. Thread-safe:
    look-ups run on worker threads of the reactor, writes on the store's thread."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next look-up reads the store again."""
        with self._lock:
            self.loaded = False
            self._articles: dict[str, tuple[Any, ...]] = {}     # url -> ARTICLE_FIELDS
            self._aliases: dict[str, tuple[str, ...]] = {}      # url -> its aliases
            self._alias_of: dict[str, set[str]] = {}            # alias -> urls having it
            self._fetch: dict[str, tuple[Any, ...]] = {}        # key -> FETCH_FIELDS

    def __len__(self) -> int:
        return len(self._articles)

    def load(self, db: Any) -> None:
        """Read every article's keys and dates and every fetch state (once)."""
        with self._lock:
            if self.loaded:
                return
            try:
                for doc in db[ARTICLES].find({}, _ARTICLE_PROJECTION):
                    self._put_article(doc)
                for doc in db[FETCH_STATE].find({}, _FETCH_PROJECTION):
                    self._put_fetch(doc)
            except BaseException:
                self.reset()
                raise
            self.loaded = True

    # -- kept in step with the writes ---------------------------------------------

    def articles_written(self, db: Any, inserted: Iterable[Mapping[str, Any]], updated: Iterable[str]) -> None:
        """After an article write: documents ``inserted`` as they are, and the keys
        ``updated`` (merged on the server) read back."""
        self._written(db, ARTICLES, _ARTICLE_PROJECTION, self._put_article, inserted, updated)

    def fetches_written(self, db: Any, inserted: Iterable[Mapping[str, Any]], updated: Iterable[str]) -> None:
        """After a fetch-state write: as ``articles_written``."""
        self._written(db, FETCH_STATE, _FETCH_PROJECTION, self._put_fetch, inserted, updated)

    def _written(self, db: Any, collection: str, projection: Mapping[str, int],
                 put: Callable[[Mapping[str, Any]], None],
                 inserted: Iterable[Mapping[str, Any]], updated: Iterable[str]) -> None:
        with self._lock:
            if not self.loaded:
                return
            try:
                for doc in inserted:
                    put(doc)
                keys = sorted(set(updated))
                if keys:
                    for doc in find_in(db[collection], "url", keys, projection):
                        put(doc)
            except BaseException:
                self.reset()
                raise

    def seen(self, keys: Iterable[str], at: Any) -> None:
        """``last_seen`` of these article keys moved to at least ``at`` (a 304)."""
        with self._lock:
            if not self.loaded:
                return
            for key in keys:
                row = self._articles.get(key)
                if row is not None:
                    last = row[1]
                    self._articles[key] = (row[0], at if last is None or _later(at, last) else last, *row[2:])

    # -- look-up --------------------------------------------------------------------

    def lookup(self, keys: Iterable[str]) -> dict[str, dict]:
        """What ``revisits.lookup_known`` returns for ``keys``, from memory."""
        with self._lock:
            known: dict[str, dict] = {}
            for key in set(keys):
                urls = [key] if key in self._articles else sorted(self._alias_of.get(key, ()))
                if not urls:
                    continue
                info = dict(zip(ARTICLE_FIELDS, self._articles[urls[0]], strict=True))
                fetch = self._fetch.get(key)
                if fetch is not None:
                    info.update(zip(FETCH_FIELDS, fetch, strict=True))
                known[key] = info
            return known

    def _put_article(self, doc: Mapping[str, Any]) -> None:
        url = doc["url"]
        for alias in self._aliases.pop(url, ()):
            holders = self._alias_of.get(alias)
            if holders is not None:
                holders.discard(url)
                if not holders:
                    del self._alias_of[alias]
        self._articles[url] = tuple(doc.get(k) for k in ARTICLE_FIELDS)
        aliases = tuple(a for a in doc.get("aliases") or () if isinstance(a, str))
        if aliases:
            self._aliases[url] = aliases
            for alias in aliases:
                self._alias_of.setdefault(alias, set()).add(url)

    def _put_fetch(self, doc: Mapping[str, Any]) -> None:
        self._fetch[doc["url"]] = tuple(doc.get(k) for k in FETCH_FIELDS)


def _later(a: Any, b: Any) -> bool:
    try:
        return a > b
    except TypeError:                  # one aware, one naive: both are UTC
        return a.replace(tzinfo=None) > b.replace(tzinfo=None)
