"""Measure merging against ground truth: pairwise precision and recall.

``run_batches(db, articles, batch_size)`` stores articles the way a crawl does (article
documents, stories, the current event extractor, the ``events`` collection, merging),
batch after batch; ``pairwise(truth, predicted)`` scores any grouping of the same items.
Used by ``bench/bench_incidents.py`` and the tests.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

from pipelines.events import extract_events
from pipelines.events.store import ensure_event_indexes, replace_events_many
from pipelines.stories import assign_stories, ensure_story_indexes

from .merge import INCIDENTS, ensure_incident_indexes, merge_reports


def _pairs(groups: Mapping[Hashable, Iterable[Hashable]]) -> set[frozenset]:
    out: set[frozenset] = set()
    for members in groups.values():
        out.update(frozenset(p) for p in combinations(sorted(set(members), key=str), 2))
    return out


def pairwise(truth: Mapping[Hashable, Hashable], predicted: Mapping[Hashable, Iterable[Hashable]]) -> dict:
    """Pairwise precision/recall of a grouping. ``truth``: item -> true group;
    ``predicted``: item -> the predicted groups it is in (an article can be in several
    incidents when it reports several events). Only items in ``truth`` count."""
    true_groups: dict[Hashable, list] = defaultdict(list)
    for item, g in truth.items():
        true_groups[g].append(item)
    pred_groups: dict[Hashable, list] = defaultdict(list)
    for item, gs in predicted.items():
        if item in truth:
            for g in gs:
                pred_groups[g].append(item)
    t, p = _pairs(true_groups), _pairs(pred_groups)
    tp = len(t & p)
    return {"true_pairs": len(t), "predicted_pairs": len(p), "correct_pairs": tp,
            "precision": tp / len(p) if p else 1.0, "recall": tp / len(t) if t else 1.0}


def article_document(a: Mapping[str, Any], seen_at: dt.datetime) -> dict[str, Any]:
    """An ``articles`` document with the fields stories and events read."""
    published = a["published"]
    return {"url": a["url"], "source": a["source"], "title": a.get("title"), "text": a["text"],
            "published": published.astimezone(dt.UTC), "published_local": published.isoformat(),
            "timezone": a.get("timezone"), "first_seen": seen_at, "is_article": True, "duplicate_of": None}


def run_batches(db, articles: Sequence[Mapping[str, Any]], batch_size: int = 10) -> dict[str, int]:
    """Store ``articles`` (dicts with url, source, title, text, published aware, timezone)
    batch by batch as the crawl would, then stories, events and incidents per batch."""
    ensure_story_indexes(db)
    ensure_event_indexes(db)
    ensure_incident_indexes(db)
    totals: dict[str, int] = defaultdict(int)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(0, len(articles), batch_size):
        batch = articles[i:i + batch_size]
        docs = [article_document(a, start + dt.timedelta(minutes=i + k)) for k, a in enumerate(batch)]
        for d in docs:
            db["articles"].replace_one({"url": d["url"]}, d, upsert=True)
        stored = list(db["articles"].find({"url": {"$in": [d["url"] for d in docs]}}))
        assign_stories(db, stored)
        pairs: list[tuple[Mapping[str, Any], list[Mapping[str, Any]]]] = []
        for d in stored:
            found = extract_events(d["text"], published=d["published_local"], timezone=d.get("timezone"),
                                   source=d.get("source"))
            pairs.append((d, list(found)))
        replace_events_many(db, pairs)
        events = list(db["events"].find({"article_url": {"$in": [d["url"] for d in stored]}}))
        for k, v in merge_reports(db, events).items():
            totals[k] += v
    return dict(totals)


def predicted_incidents(db) -> dict[str, set[str]]:
    """article URL -> ids of the incidents that hold one of its reports."""
    out: dict[str, set[str]] = defaultdict(set)
    for inc in db[INCIDENTS].find({}, {"article_urls": 1}):
        for url in inc["article_urls"]:
            out[url].add(inc["_id"])
    return dict(out)


def predicted_stories(db) -> dict[str, set[str]]:
    """article URL -> its story id (as a one-element set)."""
    found = db["articles"].find({"story": {"$ne": None}}, {"url": 1, "story": 1})
    return {a["url"]: {a["story"]} for a in found}
