"""ArticleStore: buffered, batched, idempotent writes of article and drop records.

Rules kept inside the database write itself, so they hold with several crawler
processes writing at once:
- one document per article key (unique index on ``url``; upserts);
- a stored extraction is replaced only by one at least as good: higher ``quality``, or
  equal quality and at least half as much text (``EDIT_MIN_SHARE``; sites edit articles
  after publication), in an update pipeline with ``$cond``;
- ``first_seen`` is the earliest fetch, ``last_seen`` the latest, ``fetch_count`` counts;
- a replaced text is first copied to ``article_revisions`` (``revision`` counts them).

The counts in ``stats`` (new/updated/unchanged/kept_existing) come from reading the
stored versions just before each batch; with concurrent writers they are estimates,
the stored data is not.

A flush that cannot reach the database raises ``StorageUnavailableError`` and keeps
its batch; ``take_pending()`` hands the unwritten records out (for the spool). Replaying
a batch is idempotent except for ``fetch_count`` of a batch that was partly written.

Events are written by an ``EventSink`` given to the store (the events collection is
the events stage's; storage does not import it). Not thread-safe: one ArticleStore per
thread (or per process).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateMany, UpdateOne, WriteConcern
from pymongo.errors import BulkWriteError, ConnectionFailure, OperationFailure

from pipelines.records import Article, Drop, DropReason

from . import revisits
from .documents import CONTENT_FIELDS, build_document, build_drop_document, raw_bytes
from .embedded import StorageError
from .known_index import KnownIndex
from .names import ARTICLES, DROPS, DUPLICATE_KEY, META, REVISIONS
from .raw_pages import MAX_COMPRESSED, RAW_COLLECTION, compress, raw_page_document, raw_page_update
from .revisits import FetchStateBuffer
from .safety import escape_key

logger = logging.getLogger(__name__)


INDEXES: dict[str, list[IndexModel]] = {
    ARTICLES: [
        IndexModel([("url", ASCENDING)], name="url_unique", unique=True),
        IndexModel([("text_hash", ASCENDING)], name="text_hash"),
        IndexModel([("source", ASCENDING), ("published", DESCENDING)], name="source_published"),
        IndexModel([("published", DESCENDING)], name="published"),
        IndexModel([("first_seen", DESCENDING)], name="first_seen"),
        IndexModel([("aliases", ASCENDING)], name="aliases"),
        IndexModel([("search_tokens", ASCENDING)], name="search_tokens"),
    ],
    RAW_COLLECTION: [
        IndexModel([("url", ASCENDING), ("sha256", ASCENDING)], name="url_sha256_unique", unique=True),
    ],
    REVISIONS: [
        IndexModel([("url", ASCENDING), ("revision", ASCENDING)], name="url_revision_unique", unique=True),
    ],
    DROPS: [
        IndexModel([("url", ASCENDING)], name="url_unique", unique=True),
        IndexModel([("reason", ASCENDING)], name="reason"),
        IndexModel([("source", ASCENDING), ("last_seen", DESCENDING)], name="source_last_seen"),
    ],
}


class EventSink(Protocol):
    """Where the store writes the events of the articles it keeps."""

    def ensure_indexes(self, db: Any) -> None: ...

    def replace_many(self, db: Any, articles: Sequence[tuple[Mapping[str, Any], Sequence[Any]]], *,
                     fresh: Collection[str] = ()) -> int:
        """Replace each article's stored events; returns how many were written. ``fresh``:
        articles just inserted with the summary ``article_fields`` gave (see there)."""
        ...

    def after_batch(self, db: Any, keys: Sequence[str]) -> Mapping[str, int]:
        """Update what is derived from the articles just written under ``keys`` (their
        events included); returns counts for the store's stats."""
        ...


def _article_fields(sink: EventSink | None, record: Mapping[str, Any],
                    doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """What the sink's ``replace_many`` would set on a new article (its events summary),
    when the sink says (``article_fields(events)``): written with the insert, that update
    finds nothing to change, and the server does not rewrite the article's index entries
    (a few hundred search tokens) a second time."""
    fields = getattr(sink, "article_fields", None)
    events = record.get("events")
    out = dict(fields(events)) if fields is not None and isinstance(events, list) else {}
    # Derived fields the sink's after-batch hook would most often set (an article starts
    # its own story): written with the insert, the hook rewrites only those that differ.
    first = getattr(sink, "new_article_fields", None)
    if first is not None:
        out.update(first(doc))
    return out


class StorageUnavailableError(StorageError):
    """The database could not be reached during a flush. The batch is still buffered:
    retry ``flush()`` later or hand ``take_pending()`` to a spool."""


def ensure_indexes(db) -> None:
    """Create every index Marsad relies on (idempotent). Raises ``StorageError`` naming
    the collection when an existing index or existing data stands in the way."""
    for collection, models in INDEXES.items():
        try:
            db[collection].create_indexes(models)
        except OperationFailure as exc:
            raise StorageError(
                f"Cannot create the indexes of {db.name}.{collection}: "
                f"{exc.details.get('errmsg', exc) if exc.details else exc}. "
                "An index of the same name with other options, or documents that break a "
                "unique index (two documents with one url), were written by another "
                "program or an older Marsad; fix or drop them, or use another MONGO_DATABASE."
            ) from exc


# A re-fetch of equal quality replaces the stored text when it keeps at least this share
# of its length: sites edit articles after publication (casualty figures grow, paragraphs
# are cut), and the newer version is the one to keep. A much shorter text of the same
# quality is more likely a broken fetch than an edit, so it does not win.
EDIT_MIN_SHARE = 0.5


def _wins(quality: float, text_length: int) -> dict:
    """Aggregation expression: does the incoming extraction beat the stored one?"""
    return {"$or": [
        {"$eq": [{"$type": "$quality"}, "missing"]},
        {"$gt": [quality, "$quality"]},
        {"$and": [{"$eq": [quality, "$quality"]},
                  {"$gte": [text_length,
                            {"$multiply": [EDIT_MIN_SHARE, {"$ifNull": ["$text_length", 0]}]}]}]},
    ]}


def _beats(doc: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """Python mirror of ``_wins`` for the counts."""
    if "quality" not in stored:
        return True
    old_q = stored.get("quality") or 0.0
    return doc["quality"] > old_q or (
        doc["quality"] == old_q and doc["text_length"] >= EDIT_MIN_SHARE * (stored.get("text_length") or 0))


def article_update(doc: Mapping[str, Any], seen_at: _dt.datetime, *, fetched: bool = True) -> UpdateOne:
    """The upsert for one article document (from ``build_document``); ``fetched`` False
    for a stored page processed again (it is not counted as a fetch)."""
    content = {field: doc[field] for field in CONTENT_FIELDS}
    return UpdateOne(
        {"url": doc["url"]},
        [
            {"$set": {
                "_marsad_wins": _wins(doc["quality"], doc["text_length"]),
                "_marsad_changed": {"$ne": [{"$ifNull": ["$text_hash", None]}, doc["text_hash"]]},
            }},
            # $literal: crawled strings such as "$title" must never be read as field paths.
            {"$replaceWith": {"$cond": [
                "$_marsad_wins", {"$mergeObjects": ["$$ROOT", {"$literal": content}]}, "$$ROOT",
            ]}},
            {"$set": {
                "first_seen": {"$min": [{"$ifNull": ["$first_seen", seen_at]}, seen_at]},
                "last_seen": {"$max": [{"$ifNull": ["$last_seen", seen_at]}, seen_at]},
                "fetch_count": {"$add": [{"$ifNull": ["$fetch_count", 0]}, 1 if fetched else 0]},
                "aliases": {"$setUnion": [{"$ifNull": ["$aliases", []]},
                                          {"$literal": doc.get("aliases", [])}]},
                "revision": {"$cond": [
                    {"$and": ["$_marsad_wins", "$_marsad_changed"]},
                    {"$add": [{"$ifNull": ["$revision", 0]}, 1]},
                    {"$ifNull": ["$revision", 1]},
                ]},
                "content_changed_at": {"$cond": [
                    {"$and": ["$_marsad_wins", "$_marsad_changed"]}, seen_at, "$content_changed_at",
                ]},
            }},
            {"$unset": ["_marsad_wins", "_marsad_changed"]},
        ],
        upsert=True,
    )


def new_article_document(doc: Mapping[str, Any], seen_at: _dt.datetime, *, fetched: bool = True) -> dict:
    """The document ``article_update`` makes of ``doc`` when no article of its key is
    stored: written with an insert when the store knows the key is new (a cheaper
    write); a duplicate key (another writer got there first) falls back to the update."""
    new = {"url": doc["url"], **{field: doc[field] for field in CONTENT_FIELDS},
           "first_seen": seen_at, "last_seen": seen_at, "fetch_count": 1 if fetched else 0,
           "aliases": sorted(set(doc.get("aliases", [])))}
    if doc["text_hash"] is not None:  # a text: the first revision, changed now
        new.update(revision=1, content_changed_at=seen_at)
    else:
        new["revision"] = 1
    return new


def drop_update(doc: Mapping[str, Any], seen_at: _dt.datetime) -> UpdateOne:
    fields = {k: v for k, v in doc.items() if k != "url"}
    return UpdateOne(
        {"url": doc["url"]},
        {
            "$set": fields,
            "$setOnInsert": {"first_seen": seen_at},
            "$max": {"last_seen": seen_at},
            "$inc": {"count": 1, f"reasons.{escape_key(doc['reason'])}": 1},
        },
        upsert=True,
    )


_LATEST = _dt.datetime.max.replace(tzinfo=_dt.UTC)


def _aware(moment: _dt.datetime | None) -> _dt.datetime:
    """Comparable first_seen whether or not the client is tz_aware (missing sorts last)."""
    if not isinstance(moment, _dt.datetime):
        return _LATEST
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def _rounds(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split items into consecutive rounds in which every article key appears once."""
    rounds: list[list[dict[str, Any]]] = []
    last_round: dict[str, int] = {}
    for item in items:
        index = last_round.get(item["doc"]["url"], -1) + 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(item)
        last_round[item["doc"]["url"]] = index
    return rounds


def _now() -> _dt.datetime:
    moment = _dt.datetime.now(_dt.UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


_FROM_RECORD = object()


def _record_drop(record: Mapping[str, Any], reason: DropReason, detail: str,
                 url: Any = _FROM_RECORD) -> Drop:
    """The drop for an article record (or document) the store cannot keep."""
    fetched_at = record.get("fetched_at")
    if isinstance(fetched_at, _dt.datetime):
        fetched_at = fetched_at.isoformat()
    drop = Drop.from_mapping({**record, "reason": reason.value, "detail": detail, "fetched_at": fetched_at})
    return drop if url is _FROM_RECORD else dataclasses.replace(drop, url=None if url is None else str(url))


class ArticleStore:
    """Buffers article and drop records and writes them in batches of ``batch_size``."""

    def __init__(self, db: Any, batch_size: int = 100, *, journal: bool = True,
                 events: EventSink | None = None, fetch_states: FetchStateBuffer | None = None,
                 known: KnownIndex | None = None):
        self.db = db
        self.events = events
        # What incremental look-ups read, in memory for the sole writer: kept in step.
        self.known = known
        # Fetch-state updates the crawl buffered: written with each batch.
        self.fetch_states = fetch_states
        self.batch_size = max(1, int(batch_size))
        self.articles = db[ARTICLES]
        self.raw_pages = db[RAW_COLLECTION]
        self.drops = db[DROPS]
        # A flush ends with one small write acknowledged only once it is in the journal
        # (j:true). The journal is sequential, so that also makes every earlier write
        # of the batch durable: a crawl killed right after a flush loses nothing it was
        # told was stored, at the cost of one journal sync per batch, not one per
        # document (j:true on the bulk writes costs a sync per operation).
        self._journal_marker = (
            db.get_collection(META, write_concern=WriteConcern(w=1, j=True)) if journal else None
        )
        self._pending: list[dict[str, Any]] = []
        self._pending_drops: list[dict[str, Any]] = []
        self.stats: dict[str, Any] = {
            "new": 0, "updated": 0, "unchanged": 0, "kept_existing": 0, "duplicates": 0,
            "raw_pages_new": 0, "write_errors": 0, "flushes": 0, "dropped": Counter(),
        }

    # -- public API ---------------------------------------------------------------

    def ensure_indexes(self) -> None:
        ensure_indexes(self.db)
        if self.events is not None:
            self.events.ensure_indexes(self.db)

    def add(self, record: Article | Mapping[str, Any], *, fetched: bool = True) -> None:
        """Buffer an article record (an ``Article`` or its flat dict form); writes a batch
        when the buffer is full. A dict marked ``is_article: False`` is recorded as a drop
        with its ``drop_reason``. ``fetched=False``: the record comes from a stored raw
        page processed again, so neither the fetch count nor the raw pages change."""
        if isinstance(record, Article):
            record = record.to_dict()
        if record.get("is_article") is False:
            reason, _ = DropReason.from_code(record.get("drop_reason") or DropReason.NOT_ARTICLE)
            self.add_drop(_record_drop(record, reason, "is_article is false",
                                       url=record.get("final_url") or record.get("url")))
            return
        try:
            doc = build_document(record)
        except Exception as exc:  # a malformed record becomes a drop, never a crash
            logger.exception("article record for %r could not be converted", record.get("url"))
            self.add_drop(_record_drop(record, DropReason.STORAGE_ERROR, f"build_document: {exc!r}"))
            return
        if not doc["url"]:
            self.add_drop(_record_drop(record, DropReason.STORAGE_ERROR, "record has no URL", url=None))
            return
        self._pending.append({"doc": doc, "raw": raw_bytes(record) if fetched else None, "record": record,
                              "seen_at": doc["fetched_at"] or _now(), "fetched": fetched})
        if len(self._pending) + len(self._pending_drops) >= self.batch_size:
            self.flush()

    def add_drop(self, drop_record: Drop | Mapping[str, Any]) -> None:
        """Buffer a drop (a ``Drop`` or its flat dict form: url, source, reason, detail,
        status, fetched_at)."""
        if isinstance(drop_record, Drop):
            drop_record = drop_record.to_dict()
        doc = build_drop_document(drop_record)
        self._pending_drops.append({"doc": doc, "record": drop_record,
                                    "seen_at": doc["fetched_at"] or _now()})
        if len(self._pending) + len(self._pending_drops) >= self.batch_size:
            self.flush()

    def flush(self) -> dict[str, int]:
        """Write everything buffered; returns this batch's counts. Raises
        ``StorageUnavailableError`` when the database cannot be reached. A flush that
        raises, whatever the cause, leaves its whole batch buffered (``take_pending``):
        nothing of it counts as written before its journaled marker is acknowledged
        (``add``/``add_drop`` can raise too, having buffered their record first)."""
        counts: Counter = Counter()
        if not self._pending and not self._pending_drops:
            if self.fetch_states is not None and len(self.fetch_states):
                self._write_fetch_states(counts)
                self._merge(counts)
            return dict(counts)
        # The batch stays buffered until the journaled marker at its end is acknowledged:
        # a write acknowledged before it may not be durable (a storage engine that panics
        # on a full disk loses the journal records it had not written yet), so a flush
        # that fails at any step keeps the whole batch for the spool (replays are upserts).
        batch, batch_drops = self._pending, list(self._pending_drops)
        try:
            # Records of one key go to separate rounds, in order, so no unordered bulk
            # write holds two upserts of the same document.
            for round_items in _rounds(batch):
                self._write_articles(round_items, counts)
            if self._pending_drops:  # with any storage_error drops the rounds recorded
                self._write_drops(self._pending_drops, counts)
            if self.fetch_states is not None:
                self._write_fetch_states(counts)
            if self._journal_marker is not None:
                self._journal_marker.update_one(
                    {"_id": "article_store"}, {"$set": {"last_flush": _now()}, "$inc": {"flushes": 1}},
                    upsert=True)
        except BaseException as exc:
            self._pending, self._pending_drops = batch, batch_drops
            if self.known is not None:
                self.known.reset()         # some of the batch may be written: read again
            if isinstance(exc, ConnectionFailure):
                raise StorageUnavailableError(
                    f"MongoDB is unreachable ({exc}); {len(self._pending)} articles and "
                    f"{len(self._pending_drops)} drops are still buffered"
                ) from exc
            raise
        finally:
            self._merge(counts)
        self._pending, self._pending_drops = [], []
        self.stats["flushes"] += 1
        return dict(counts)

    def _write_fetch_states(self, counts: Counter) -> None:
        assert self.fetch_states is not None
        updates = self.fetch_states.take()
        if not updates:
            return
        try:
            revisits.record_fetches(self.db, updates, self.known)
        except BaseException as exc:
            # Whatever the failure, like the batch: a refused write stops the crawl and
            # the updates must still be there to be reported or written later.
            self.fetch_states.put_back(updates)
            if isinstance(exc, ConnectionFailure):
                raise StorageUnavailableError(
                    f"MongoDB is unreachable ({exc}); {len(updates)} fetch-state updates wait") from exc
            raise
        counts["fetch_states"] += len(updates)

    def _merge(self, counts: Counter) -> None:
        for key, value in counts.items():
            if key.startswith("dropped/"):
                self.stats["dropped"][key.split("/", 1)[1]] += value
            else:
                self.stats[key] = self.stats.get(key, 0) + value

    def take_pending(self) -> list[dict[str, Any]]:
        """Remove and return the buffered, unwritten records as ``{"kind": "article" |
        "drop", "record": ...}``, articles then drops, each in the order added (for a spool; feed
        them back through ``add``/``add_drop`` once the database is back)."""
        items = [{"kind": "article", "record": item["record"]} for item in self._pending]
        items += [{"kind": "drop", "record": item["record"]} for item in self._pending_drops]
        self._pending, self._pending_drops = [], []
        return items

    @property
    def pending(self) -> int:
        return len(self._pending) + len(self._pending_drops)

    def close(self) -> dict[str, Any]:
        """Flush what is left; returns the cumulative ``stats``."""
        self.flush()
        return self.stats

    def __enter__(self) -> ArticleStore:
        return self

    def __exit__(self, exc_type, *rest) -> None:
        if exc_type is None:
            self.close()

    # -- writing ------------------------------------------------------------------

    def _write_articles(self, items: list[dict[str, Any]], counts: Counter) -> None:
        keys = [item["doc"]["url"] for item in items]
        stored = {d["url"]: d for d in revisits.find_in(
            self.articles, "url", keys,
            {"url": 1, "quality": 1, "text_length": 1, "text_hash": 1, "first_seen": 1, "raw_sha256": 1},
        )}
        repoint = self._mark_duplicates(items, stored, counts)

        # Keys of no stored article are inserted (a cheaper write than the rules' update
        # pipeline); one that turns out stored after all (another writer, a replayed
        # batch) fails on the unique index and goes through the update.
        raw_ops, raw_docs, raw_new = [], [], []
        for item in items:
            doc, raw = item["doc"], item["raw"]
            if not raw:
                continue
            packed = compress(raw)
            if len(packed) > MAX_COMPRESSED:
                doc["raw_sha256"] = None
                doc["sanitised"] = sorted({*doc["sanitised"], "raw_too_large"})
                continue
            fields = dict(compressed=packed, sha256=doc["raw_sha256"], content_type=doc["content_type"],
                          encoding=doc["encoding"], fetched_url=doc["final_url"] or doc["fetched_url"],
                          fetched_at=item["seen_at"])
            raw_ops.append(raw_page_update(doc["url"], raw, **fields))
            raw_docs.append(doc)
            raw_new.append(raw_page_document(doc["url"], raw, **fields) if doc["url"] not in stored else None)
        if raw_ops:
            # Raw pages first: an article never points at a raw page that is not there.
            inserted, rest = self._insert_new(self.raw_pages, raw_new)
            counts["raw_pages_new"] += len(inserted) + self._bulk(
                self.raw_pages, [raw_ops[i] for i in rest], counts, [raw_docs[i] for i in rest])

        changed, kept = [], set()
        for item in items:
            doc, old = item["doc"], stored.get(item["doc"]["url"])
            if old is None:
                counts["new"] += 1
            elif not _beats(doc, old):
                counts["kept_existing"] += 1
                kept.add(doc["url"])
            elif old.get("text_hash") == doc["text_hash"]:
                counts["unchanged"] += 1
            else:
                counts["updated"] += 1
                changed.append(doc["url"])
        if changed:
            counts["revisions_kept"] += self._keep_revisions(changed)
        new_docs = [{**new_article_document(it["doc"], it["seen_at"], fetched=it.get("fetched", True)),
                     **_article_fields(self.events, it["record"], it["doc"])}
                    if it["doc"]["url"] not in stored else None for it in items]
        inserted, rest = self._insert_new(self.articles, new_docs)
        self._bulk(self.articles, [article_update(items[i]["doc"], items[i]["seen_at"],
                                                  fetched=items[i].get("fetched", True)) for i in rest],
                   counts, [items[i]["doc"] for i in rest])
        if self.known is not None:
            self.known.articles_written(self.db, [new_docs[i] for i in inserted],  # type: ignore[misc]
                                        [items[i]["doc"]["url"] for i in rest])
        ids = {new_docs[i]["url"]: new_docs[i]["_id"] for i in inserted}  # type: ignore[index]
        fresh = {new_docs[i]["url"] for i in inserted if "events_version" in new_docs[i]}  # type: ignore[index,operator]
        self._write_events([it for it in items if it["doc"]["url"] not in kept], counts, ids, fresh)
        if self.events is not None:
            # Collections derived from the batch (near-duplicate stories, merged events).
            written = [it["doc"]["url"] for it in items if it["doc"]["url"] not in kept]
            for key, value in self.events.after_batch(self.db, written).items():
                counts[key] += value
        if repoint:
            counts["duplicates_repointed"] += self.articles.bulk_write(repoint, ordered=False).modified_count

    def _insert_new(self, collection: Any, docs: list[dict[str, Any] | None]) -> tuple[list[int], list[int]]:
        """Insert the documents given (None: not known to be new); returns the indexes
        inserted and those left for the update path (None, or failed: a duplicate key
        means the document exists after all; any other error is met again, and
        recorded, by the update)."""
        wanted = [i for i, doc in enumerate(docs) if doc is not None]
        rest = [i for i, doc in enumerate(docs) if doc is None]
        if not wanted:
            return [], rest
        failed: set[int] = set()
        try:
            collection.insert_many([docs[i] for i in wanted], ordered=False)
        except BulkWriteError as exc:
            failed = {wanted[e["index"]] for e in exc.details.get("writeErrors", [])}
        return [i for i in wanted if i not in failed], sorted([*rest, *failed])

    def _write_events(self, items: list[dict[str, Any]], counts: Counter,
                      ids: Mapping[str, Any] | None = None, fresh: Collection[str] = ()) -> None:
        """Events travel with their article: the ``events`` collection follows the stored
        extraction (never the events of a worse one that was not kept). ``ids``: the
        ``_id`` of articles just inserted (the others are read); ``fresh``: those of them
        inserted with their events summary."""
        with_events = [it for it in items if isinstance(it["record"].get("events"), list)]
        if not with_events or self.events is None:
            return
        ids = dict(ids or {})
        missing = [it["doc"]["url"] for it in with_events if it["doc"]["url"] not in ids]
        ids.update({d["url"]: d["_id"] for d in revisits.find_in(self.articles, "url", missing, {"url": 1})})
        pairs = [({**it["doc"], "_id": ids.get(it["doc"]["url"])}, it["record"]["events"])
                 for it in with_events]
        counts["events"] += self.events.replace_many(self.db, pairs, fresh=fresh) if fresh \
            else self.events.replace_many(self.db, pairs)

    def _keep_revisions(self, keys: list[str]) -> int:
        """Copy the stored versions about to be replaced by a changed text into
        ``article_revisions`` (one document per url and revision; replays add nothing)."""
        archived_at = _now()
        ops = []
        for old in self.articles.find({"url": {"$in": keys}}):
            old_id = old.pop("_id")
            revision = old.get("revision") or 1
            ops.append(UpdateOne({"url": old["url"], "revision": revision},
                                 {"$setOnInsert": {**old, "revision": revision, "article_id": old_id,
                                                   "archived_at": archived_at}}, upsert=True))
        if not ops:
            return 0
        try:
            return self.db[REVISIONS].bulk_write(ops, ordered=False).upserted_count
        except BulkWriteError as exc:  # a concurrent writer archived the same revision
            return exc.details.get("nUpserted", 0)

    def _mark_duplicates(self, items, stored, counts: Counter) -> list[UpdateMany]:
        """Point ``duplicate_of`` at the original of each text: the earliest published
        article with that text hash (earliest seen when dates are missing). Returns the
        updates that re-point stored copies when a record in this batch turns out to be
        an earlier original than the one they point to."""
        hashes = sorted({it["doc"]["text_hash"] for it in items if it["doc"]["text_hash"]})
        if not hashes:
            return []
        best: dict[str, tuple] = {}
        for row in self.articles.aggregate([
            {"$match": {"text_hash": {"$in": hashes}}},
            {"$addFields": {"_marsad_rank": {"$ifNull": ["$published", _LATEST]}}},
            {"$sort": {"text_hash": 1, "_marsad_rank": 1, "first_seen": 1, "url": 1}},
            {"$group": {"_id": "$text_hash", "url": {"$first": "$url"},
                        "published": {"$first": "$published"}, "first_seen": {"$first": "$first_seen"}}},
        ]):
            best[row["_id"]] = (_aware(row.get("published")), _aware(row.get("first_seen")), row["url"])
        stored_best = dict(best)
        for item in items:
            doc = item["doc"]
            h = doc["text_hash"]
            if h:
                rank = (_aware(doc["published"]), _aware(item["seen_at"]), doc["url"])
                if h not in best or rank < best[h]:
                    best[h] = rank
        repoint = []
        for item in items:
            doc = item["doc"]
            h = doc["text_hash"]
            if not h:
                continue
            original = best[h][2]
            doc["duplicate_of"] = None if original == doc["url"] else original
            if doc["duplicate_of"]:
                counts["duplicates"] += 1
        for h, rank in best.items():
            if h in stored_best and stored_best[h][2] != rank[2]:
                repoint.append(UpdateMany({"text_hash": h, "url": {"$ne": rank[2]}},
                                          {"$set": {"duplicate_of": rank[2]}}))
        return repoint

    def _bulk(self, collection, ops: list, counts: Counter, docs: list[Mapping[str, Any]],
              *, record_drops: bool = True) -> int:
        """Unordered bulk write; returns the number of upserted documents. An operation
        that lost a duplicate-key race with another writer is retried once (the retry
        matches the winner's document); any other failed operation is logged, counted in
        ``write_errors`` and, for articles and raw pages, recorded as a ``storage_error``
        drop. The rest of the batch is written either way."""
        if not ops:
            return 0
        pending = list(zip(ops, docs, strict=True))
        upserted = 0
        for attempt in (1, 2):
            try:
                result = collection.bulk_write([op for op, _ in pending], ordered=False)
                return upserted + result.upserted_count
            except BulkWriteError as exc:
                upserted += exc.details.get("nUpserted", 0)
                retry = []
                for error in exc.details.get("writeErrors", []):
                    op, doc = pending[error["index"]]
                    if error.get("code") == DUPLICATE_KEY and attempt == 1:
                        retry.append((op, doc))
                    else:
                        self._record_write_error(collection.name, doc, error, counts, record_drops)
                if not retry:
                    return upserted
                pending = retry
        return upserted

    def _record_write_error(self, collection: str, doc: Mapping[str, Any], error: dict,
                            counts: Counter, record_drop: bool) -> None:
        counts["write_errors"] += 1
        logger.error("write to %s failed for %s: %s", collection, doc.get("url"), error.get("errmsg"))
        if record_drop:
            drop = _record_drop(doc, DropReason.STORAGE_ERROR, f"{collection}: {error.get('errmsg')}",
                                url=doc.get("fetched_url") or doc.get("url"))
            record = drop.to_dict()
            self._pending_drops.append({"doc": build_drop_document(record), "record": record,
                                        "seen_at": _now()})

    def _write_drops(self, items: list[dict[str, Any]], counts: Counter) -> None:
        # Several drops of one URL in a batch are all kept (each adds to its count).
        for it in items:
            counts[f"dropped/{it['doc']['reason']}"] += 1
        counts["drops"] += len(items)
        self._bulk(self.drops, [drop_update(it["doc"], it["seen_at"]) for it in items], counts,
                   [it["doc"] for it in items], record_drops=False)


__all__ = [
    "ArticleStore", "StorageUnavailableError", "ensure_indexes", "article_update", "drop_update",
    "INDEXES", "ARTICLES", "DROPS", "REVISIONS",
]
