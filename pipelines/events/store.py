"""The ``events`` collection: one document per event, pointing at its article.

``replace_events(db, article_doc, events)`` swaps an article's events for new ones and
refreshes the summary on the article document; running it twice with the same input
leaves the same documents (ids are derived from the article URL and the event's place
in the list). ``reprocess(db, since=...)`` re-runs the extractor over stored articles.
``EventsCollection`` is the article store's event sink: the crawl writes an article's
events in the same batch as the article (the store itself never imports this module).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, IndexModel, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError

from pipelines.events.extractor import EXTRACTOR_VERSION, extract_events
from pipelines.storage.documents import article_key
from pipelines.storage.names import DUPLICATE_KEY

log = logging.getLogger(__name__)

EVENTS = "events"
ARTICLES = "articles"
INDEXES = [
    IndexModel([("article_url", ASCENDING)], name="article_url"),
    IndexModel([("date", ASCENDING)], name="date"),
    IndexModel([("location.admin1", ASCENDING), ("date", ASCENDING)], name="admin1_date"),
    IndexModel([("location.admin3", ASCENDING), ("date", ASCENDING)], name="admin3_date"),
    IndexModel([("event_type", ASCENDING), ("sub_event_type", ASCENDING), ("date", ASCENDING)],
               name="type_date"),
    IndexModel([("actor1.name", ASCENDING)], name="actor1"),
    IndexModel([("actor2.name", ASCENDING)], name="actor2"),
    IndexModel([("location.country", ASCENDING), ("date", ASCENDING)], name="country_date"),
]


def ensure_event_indexes(db) -> None:
    """Create the ``events`` indexes (idempotent)."""
    db[EVENTS].create_indexes(INDEXES)


def _article_url(article_doc: Mapping[str, Any]) -> str:
    url = article_doc.get("url") or article_doc.get("final_url") or article_doc.get("fetched_url")
    if not isinstance(url, str) or not url:
        raise ValueError("the article document has no url to attach events to")
    return url


def event_id(article_url: str, index: int) -> str:
    """Stable id of the index-th event of an article."""
    return hashlib.sha1(article_url.encode("utf-8")).hexdigest()[:16] + f"-{index:03d}"


def event_day(value: Any) -> dt.datetime | None:
    """The event's ``YYYY-MM-DD`` date as a BSON-ready UTC midnight (None when unreadable)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def geo_point(location: Any) -> dict | None:
    """A GeoJSON point for the event's place (None without both coordinates)."""
    if not isinstance(location, Mapping):
        return None
    lat, lon = location.get("lat"), location.get("lon")
    if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)) or isinstance(lat, bool):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"type": "Point", "coordinates": [float(lon), float(lat)]}


def event_documents(article_doc: Mapping[str, Any], events: Iterable[Mapping[str, Any]]) -> list[dict]:
    """The ``events`` documents for one article (plain dicts, ready to insert)."""
    url = _article_url(article_doc)
    docs = []
    for i, ev in enumerate(events):
        if not isinstance(ev, Mapping):
            continue
        doc = {k: v for k, v in ev.items() if k != "_id"}
        doc.update({
            "_id": event_id(url, i),
            "article_id": article_doc.get("_id"),
            "article_url": url,
            "source": article_doc.get("source"),
            "article_title": article_doc.get("title"),
            "article_published": article_doc.get("published"),
            # query-friendly copies: `date` stays the ACLED-style string
            "date_utc": event_day(ev.get("date")),
            "geo": geo_point(ev.get("location")),
        })
        docs.append(doc)
    return docs


def replace_events(db, article_doc: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> int:
    """Replace the stored events of an article by ``events``; returns how many are stored.

    Also sets the summary fields of the article document (``event_count``,
    ``event_types``, ``events_version``, ``events_error`` None).
    """
    url = _article_url(article_doc)
    docs = event_documents(article_doc, events)
    coll = db[EVENTS]
    keep = [d["_id"] for d in docs]
    for d in docs:
        coll.replace_one({"_id": d["_id"]}, d, upsert=True)
    coll.delete_many({"article_url": url, "_id": {"$nin": keep}})
    types = sorted({t for d in docs if isinstance(t := d.get("event_type"), str)})
    db[ARTICLES].update_one({"url": url}, {"$set": {
        "event_count": len(docs), "event_types": types,
        "events_version": EXTRACTOR_VERSION, "events_error": None}})
    return len(docs)


def replace_events_many(db, articles: Sequence[tuple[Mapping[str, Any], Sequence[Any]]], *,
                        fresh: Collection[str] = ()) -> int:
    """Batched ``replace_events`` for many articles at once (the crawl's write path):
    three round trips per batch however many articles and events it holds.

    ``fresh``: URLs of articles the caller has just inserted with their events summary
    already in the document (``pipelines.archive``'s ``article_fields``). Their events
    are inserted rather than upserted (on SecantusDB an upsert costs about four times an
    insert) and their summary is not written again; an event id that exists after all
    falls back to the replace."""
    ops, inserts, summaries, urls, keep = [], [], [], [], []
    for article_doc, events in articles:
        url = _article_url(article_doc)
        docs = event_documents(article_doc, [e for e in events if isinstance(e, Mapping)])
        urls.append(url)
        keep += [d["_id"] for d in docs]
        if url in fresh:
            inserts += docs
            continue
        ops += [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs]
        types = sorted({t for d in docs if isinstance(t := d.get("event_type"), str)})
        summaries.append(UpdateOne({"url": url}, {"$set": {
            "event_count": len(docs), "event_types": types,
            "events_version": EXTRACTOR_VERSION, "events_error": None}}))
    if not urls:
        return 0
    if inserts:
        try:
            db[EVENTS].insert_many(inserts, ordered=False)
        except BulkWriteError as exc:
            ops += [ReplaceOne({"_id": inserts[e["index"]]["_id"]}, inserts[e["index"]], upsert=True)
                    for e in exc.details.get("writeErrors", []) if e.get("code") == DUPLICATE_KEY]
            if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                raise
    if ops:
        db[EVENTS].bulk_write(ops, ordered=False)
    db[EVENTS].delete_many({"article_url": {"$in": urls}, "_id": {"$nin": keep}})
    if summaries:
        db[ARTICLES].bulk_write(summaries, ordered=False)
    return len(keep)


def replace_events_for_record(db, record: Mapping[str, Any]) -> int:
    """For the crawl pipeline: store ``record["events"]`` for an article record that the
    article store has written (or is about to write) under its usual key."""
    key = article_key(record)
    if not key:
        raise ValueError("the record has no URL")
    article = db[ARTICLES].find_one({"url": key}, {"_id": 1, "url": 1, "source": 1, "title": 1,
                                                   "published": 1}) \
        or {"url": key, "source": record.get("source"), "title": record.get("title")}
    events = record.get("events") or []
    return replace_events(db, article, [e for e in events if isinstance(e, Mapping)])


def _local_published(article: Mapping[str, Any]) -> str | None:
    local = article.get("published_local")
    if isinstance(local, str) and local:
        return local
    utc = article.get("published")
    if isinstance(utc, dt.datetime):
        if utc.tzinfo is None:
            utc = utc.replace(tzinfo=dt.UTC)
        return utc.isoformat()
    return None


def _since_filter(since: str | None) -> dict:
    if not since:
        return {}
    try:
        day = dt.datetime.fromisoformat(since.strip()[:10]).replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise ValueError(f"--since wants a date like 2024-01-31, not {since!r}") from exc
    return {"published": {"$gte": day}}


def reprocess(db, since: str | None = None,
              extractor: Callable[..., list[dict]] = extract_events) -> dict[str, int]:
    """Re-run the extractor over stored articles (published on or after ``since``) and
    replace their events. Returns counts."""
    ensure_event_indexes(db)
    query = {"is_article": {"$ne": False}, "duplicate_of": None, **_since_filter(since)}
    counts = {"articles": 0, "events": 0, "errors": 0}
    fields = {"url": 1, "text": 1, "published": 1, "published_local": 1, "timezone": 1,
              "source": 1, "title": 1}
    for article in db[ARTICLES].find(query, fields):
        text = article.get("text")
        if not isinstance(text, str) or not text.strip():
            continue
        try:
            events = extractor(text, published=_local_published(article), timezone=article.get("timezone"),
                               source=article.get("source"))
            counts["events"] += replace_events(db, article, events)
            counts["articles"] += 1
        except Exception as exc:  # noqa: BLE001 - one bad article must not stop the rest
            counts["errors"] += 1
            log.warning("events for %s failed: %s", article.get("url"), exc)
            db[ARTICLES].update_one({"_id": article["_id"]}, {"$set": {"events_error": str(exc)[:500]}})
    return counts


class EventsCollection:
    """The ``events`` collection as the ``EventSink`` of ``pipelines.storage.ArticleStore``."""

    def ensure_indexes(self, db: Any) -> None:
        ensure_event_indexes(db)

    def replace_many(self, db: Any, articles: Sequence[tuple[Mapping[str, Any], Sequence[Any]]], *,
                     fresh: Collection[str] = ()) -> int:
        return replace_events_many(db, articles, fresh=fresh)

    def after_batch(self, db: Any, keys: Sequence[str]) -> Mapping[str, int]:
        """Nothing derived here (``pipelines.archive`` adds stories and merged events)."""
        return {}


def check_since(since: str | None) -> None:
    """Raise ``ValueError`` with a message for the user when ``since`` is not a date."""
    _since_filter(since)
