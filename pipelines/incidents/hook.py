"""The one call the article store makes after a batch is written: group the batch's
articles into stories and merge their event reports into incidents.

``after_batch(db, urls)`` reads what it needs back from the store (the articles as
stored, their events as stored), so it follows the stored extraction, never a worse one
that was not kept. A failure here is logged and counted, never lost data: the articles
and events are already written, and ``python -m pipelines.incidents --reprocess``
rebuilds stories and incidents from them. An unreachable database is re-raised so that
the store treats the batch as unwritten (writing it again is idempotent).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from pymongo.errors import ConnectionFailure

from pipelines.stories import BandIndex, assign_stories, ensure_story_indexes

from .key_index import IncidentIndex
from .merge import ensure_incident_indexes, merge_reports

log = logging.getLogger(__name__)
_INDEXED: set[tuple[int, str]] = set()

ARTICLE_FIELDS = {"url": 1, "text": 1, "published": 1, "first_seen": 1, "source": 1, "story": 1}


def ensure_indexes(db) -> None:
    """Story and incident indexes, created once per process and database."""
    key = (id(db.client), db.name)
    if key not in _INDEXED:
        ensure_story_indexes(db)
        ensure_incident_indexes(db)
        _INDEXED.add(key)


def after_batch(db, urls: Iterable[str], *, band_index: BandIndex | None = None,
                incident_index: IncidentIndex | None = None) -> dict[str, int]:
    """Stories and incidents for the articles just written under ``urls``
    (``band_index``, ``incident_index``: the sketches and the incidents' keys in memory,
    when this process is their only writer)."""
    keys = sorted({u for u in urls if isinstance(u, str) and u})
    if not keys:
        return {}
    counts: dict[str, int] = {}
    try:
        ensure_indexes(db)
        articles = list(db["articles"].find({"url": {"$in": keys}}, ARTICLE_FIELDS))
        stories = assign_stories(db, articles, index=band_index)
        events = list(db["events"].find({"article_url": {"$in": keys}}))
        merged = merge_reports(db, events, article_urls=keys, index=incident_index)
        counts = {"stories_new": stories["new"], "stories_joined": stories["joined"],
                  "incidents_new": merged["new"], "incidents_joined": merged["joined"]}
    except ConnectionFailure:
        raise
    except Exception:  # noqa: BLE001 - stories and incidents are derived; the batch is stored
        log.exception("stories/incidents for a batch of %d articles failed", len(keys))
        counts = {"incidents_errors": 1}
    return counts


def reprocess_all(db, since: str | None = None, chunk: int = 500) -> dict[str, int]:
    """Stories for every stored article, then incidents for every stored event."""
    from .merge import reprocess_incidents

    ensure_indexes(db)
    totals = {"articles": 0}
    batch: list[dict] = []
    query = {"is_article": {"$ne": False}}
    for art in db["articles"].find(query, ARTICLE_FIELDS).sort([("published", 1), ("_id", 1)]):
        batch.append(art)
        if len(batch) >= chunk:
            totals["articles"] += assign_stories(db, batch, force=True)["articles"]
            batch = []
    if batch:
        totals["articles"] += assign_stories(db, batch, force=True)["articles"]
    for k, v in reprocess_incidents(db, since=since, chunk=chunk).items():
        totals[k] = totals.get(k, 0) + v
    return totals
