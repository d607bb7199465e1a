"""Incremental crawling: what Marsad knows about each fetched article URL, and when a
known article is worth fetching again.

``fetch_state`` holds one document per requested article URL (canonical form): the
HTTP validators (``ETag``, ``Last-Modified``) of its latest full response and when it
was first and last fetched. The spider reads it in batches (one query per listing page);
its update for each article response waits in a ``FetchStateBuffer`` and is written with
the article store's next batch. The revisit rule itself is the plain
function ``revisit_reason``.
"""
from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.errors import BulkWriteError

from pipelines.urls import canonical_url

from .known_index import KnownIndex
from .names import ARTICLES, DROPS, DUPLICATE_KEY, FETCH_STATE
from .queries import find_in

INDEXES = [IndexModel([("url", ASCENDING)], name="url_unique", unique=True)]
# Default revisit points, seconds after the first fetch: once after 1 hour, once after 24.
DEFAULT_REVISITS = (3600.0, 86400.0)


def _aware(moment: Any) -> _dt.datetime | None:
    if isinstance(moment, str):
        try:
            moment = _dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(moment, _dt.datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def ensure_fetch_state_indexes(db: Any) -> None:
    db[FETCH_STATE].create_indexes(INDEXES)


def lookup_known(db: Any, keys: Iterable[str], known_index: KnownIndex | None = None) -> dict[str, dict]:
    """For each key stored as an article, or as one of an article's ``aliases`` (the
    URLs it was fetched under): the article's ``first_seen``/``last_seen``/``modified``
    merged with the key's fetch state. Keys of no stored article are absent, so a page
    fetched but lost before its article was written is fetched again. ``known_index``:
    the same from memory, for the archive's only writer (``known_index.py``)."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    if known_index is not None:
        known_index.load(db)
        return known_index.lookup(keys)
    wanted = set(keys)
    known: dict[str, dict] = {}
    fields = {"url": 1, "aliases": 1, "first_seen": 1, "last_seen": 1, "modified": 1, "published": 1}
    # Two queries, each served by its index (url_unique, aliases). One ``$or`` of the two
    # ``$in`` would be a collection scan on SecantusDB: seconds per listing at 20k articles.
    seen: set[Any] = set()
    for field in ("url", "aliases"):
        # A key stored as an article's url is not looked for among aliases.
        rest = keys if field == "url" else [k for k in keys if k not in known]
        for d in find_in(db[ARTICLES], field, rest, fields):
            if d["_id"] in seen:
                continue
            seen.add(d["_id"])
            info = {"first_seen": d.get("first_seen"), "last_seen": d.get("last_seen"),
                    "modified": d.get("modified"), "published": d.get("published")}
            for key in {d["url"], *(d.get("aliases") or [])} & wanted:
                known[key] = dict(info)
    if known:
        for d in find_in(db[FETCH_STATE], "url", sorted(known)):
            known[d["url"]].update({k: d.get(k) for k in ("etag", "last_modified", "first_fetched",
                                                           "last_fetched", "last_full_fetch")})
    return known


def revisit_reason(known: Mapping[str, Any] | None, hints: Mapping[str, Any] | None,
                   now: _dt.datetime, revisits: Iterable[float] = DEFAULT_REVISITS) -> str | None:
    """Why a URL should be fetched now (``new``, ``revisit_<seconds>s``,
    ``newer_in_listing``), or None when a known article is not due.

    A revisit point is due when it has passed since the first fetch and no fetch
    happened since it. After the last point, only a feed or sitemap date later than
    the latest fetch brings the article back."""
    if not known:
        return "new"
    first = _aware(known.get("first_fetched")) or _aware(known.get("first_seen"))
    last = _aware(known.get("last_fetched")) or _aware(known.get("last_seen"))
    if first is None or last is None:
        return "new"
    for after in sorted(revisits):
        point = first + _dt.timedelta(seconds=after)
        if point <= now and last < point:
            return f"revisit_{int(after)}s"
    for key in ("modified", "lastmod", "published"):
        stated = _aware((hints or {}).get(key))
        if stated is not None and stated > last:
            return "newer_in_listing"
    return None


def conditional_headers(known: Mapping[str, Any] | None) -> dict[str, str]:
    """``If-None-Match`` / ``If-Modified-Since`` for a known article's validators."""
    headers = {}
    if known and known.get("etag"):
        headers["If-None-Match"] = known["etag"]
    if known and known.get("last_modified"):
        headers["If-Modified-Since"] = known["last_modified"]
    return headers


@dataclass(frozen=True)
class FetchWrite:
    """One response's fetch-state write: the upsert of ``key``'s state, and for a URL the
    crawl believes it has never fetched (no stored article has it) the ``document`` that
    upsert would create, inserted instead (on the embedded server an insert costs about a
    quarter of an upsert); the upsert then runs only if the URL has a fetch state after
    all (a page fetched and then lost, a drop, another crawler)."""

    key: str
    update: UpdateOne
    document: dict[str, Any] | None = None


def fetch_update(key: str, *, source: str | None, status: int, at: _dt.datetime,
                 etag: str | None = None, last_modified: str | None = None,
                 new: bool = False) -> FetchWrite:
    """Record one article response: a full one (2xx) replaces the validators, a 304 only
    moves ``last_fetched``. ``new``: no stored article has this URL, so it is most likely
    inserted (``FetchWrite.document``)."""
    update: dict[str, Any] = {
        "$setOnInsert": {"first_fetched": at},
        "$max": {"last_fetched": at},
        "$set": {"source": source, "last_status": status},
        "$inc": {"fetches": 1, "not_modified": 1 if status == 304 else 0},
    }
    if status != 304:
        update["$set"].update(etag=etag, last_modified=last_modified, last_full_fetch=at)
    upsert = UpdateOne({"url": key}, update, upsert=True)
    if not new:
        return FetchWrite(key, upsert)
    # what the upsert would create
    document = {"url": key, **update["$setOnInsert"], **update["$max"], **update["$set"], **update["$inc"]}
    return FetchWrite(key, upsert, document)


def record_fetches(db: Any, writes: list[FetchWrite], known_index: KnownIndex | None = None) -> None:
    """Write buffered fetch states: the believed-new ones inserted first, then the
    upserts (those of inserts that met an existing URL first, in their order).
    ``known_index`` is kept in step."""
    fresh = [w for w in writes if w.document is not None]
    updates = [w for w in writes if w.document is None]
    failed_new: set[int] = set()
    if fresh:
        try:
            db[FETCH_STATE].insert_many([dict(w.document or {}) for w in fresh], ordered=False)
        except BulkWriteError as exc:
            failed = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in failed):
                if known_index is not None:
                    known_index.reset()
                raise
            failed_new = {e["index"] for e in failed}
            updates[:0] = [fresh[i] for i in sorted(failed_new)]
    try:
        _upsert_fetches(db, [w.update for w in updates])
    except BaseException:
        if known_index is not None:
            known_index.reset()
        raise
    if known_index is not None:
        upserted = {w.key for w in updates}
        inserted = [w.document for i, w in enumerate(fresh)
                    if i not in failed_new and w.document is not None and w.key not in upserted]
        known_index.fetches_written(db, inserted, upserted)


def _upsert_fetches(db: Any, updates: list[UpdateOne]) -> None:
    if not updates:
        return
    try:
        db[FETCH_STATE].bulk_write(updates, ordered=False)
    except BulkWriteError as exc:
        # Two upserts of one new URL can meet (a concurrent crawler, or both in this
        # batch on a server that runs them at once); the loser matches the winner now.
        failed = exc.details.get("writeErrors", [])
        if not failed or any(e.get("code") != DUPLICATE_KEY for e in failed):
            raise
        db[FETCH_STATE].bulk_write([updates[e["index"]] for e in failed], ordered=True)


class FetchStateBuffer:
    """Fetch-state updates waiting to go out with the next batch of the article store,
    instead of one write per response. Thread-safe: the spider adds on the reactor
    thread, the store writes on its own. While the database is unreachable the updates
    wait here (the oldest are let go past ``limit``; fetch state only saves fetches)."""

    def __init__(self, limit: int = 100_000):
        self.limit = limit
        self.discarded = 0
        self._updates: list[FetchWrite] = []
        self._lock = threading.Lock()

    def add(self, update: FetchWrite) -> None:
        with self._lock:
            self._updates.append(update)
            self._trim()

    def take(self) -> list[FetchWrite]:
        with self._lock:
            updates, self._updates = self._updates, []
        return updates

    def put_back(self, updates: list[FetchWrite]) -> None:
        """Updates a failed write took: they go first, before any added since."""
        with self._lock:
            self._updates[:0] = updates
            self._trim()

    def _trim(self) -> None:
        extra = len(self._updates) - self.limit
        if extra > 0:
            del self._updates[:extra]
            self.discarded += extra

    def __len__(self) -> int:
        return len(self._updates)


def mark_not_modified(db: Any, keys: Iterable[str], at: _dt.datetime,
                      known_index: KnownIndex | None = None) -> int:
    """A 304 for these article keys: only ``last_seen`` moves; returns articles touched."""
    keys = list(keys)
    if not keys:
        return 0
    touched = db[ARTICLES].update_many({"url": {"$in": keys}}, {"$max": {"last_seen": at}}).modified_count
    if known_index is not None:
        known_index.seen(keys, at)
    return touched


def is_stored(db: Any, key: str, url: str) -> bool:
    """Whether a page (its article key, or the URL it was fetched under) already ended in
    the archive, as an article or as a drop."""
    # Indexed queries only: the URL a page was fetched under folds to its article's key or
    # to one of its ``aliases``, and to a drop's ``url`` (canonical form of ``fetched_url``).
    keys = sorted({key, canonical_url(url)})
    return bool(db[ARTICLES].find_one({"url": {"$in": keys}}, {"_id": 1})
                or db[ARTICLES].find_one({"aliases": {"$in": keys}}, {"_id": 1})
                or db[DROPS].find_one({"url": {"$in": keys}}, {"_id": 1}))
