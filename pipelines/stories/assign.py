"""Group near-duplicate articles (syndicated copies) into stories.

``assign_stories(db, articles)`` runs after a batch of articles is stored. For each
article it computes the MinHash sketch of the folded text, stores it in
``story_sketches`` (one document per article key, with its LSH band keys), looks up
candidates by band keys (one indexed query), keeps those whose estimated similarity
reaches ``THRESHOLD`` and puts the article in their story. An article that matches
nobody starts its own story. When an article bridges two stories, they become one (the
story whose original is earliest keeps its id). When an article's text changed so that
it no longer matches its story, it leaves it.

Articles carry ``story`` (id, indexed) and ``story_original`` (true on the earliest
published copy: ``published``, then ``first_seen``, then the key). ``stories`` holds
one document per story: ``original``, ``size``, ``sources``.

Idempotent: running it again over the same articles changes nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ASCENDING, IndexModel

from .sketch import SKETCH_VERSION, band_keys, signature, similarity

ARTICLES = "articles"
SKETCHES = "story_sketches"
STORIES = "stories"
THRESHOLD = 0.5       # estimated Jaccard of word 3-shingles
MIN_WORDS = 0         # every non-empty text gets a story (short ones mostly alone)

INDEXES: dict[str, list[IndexModel]] = {
    SKETCHES: [
        IndexModel([("bands", ASCENDING)], name="bands"),
        IndexModel([("story", ASCENDING)], name="story"),
    ],
    ARTICLES: [IndexModel([("story", ASCENDING)], name="story")],
}

_FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def ensure_story_indexes(db) -> None:
    """Create the indexes stories need (idempotent)."""
    for coll, models in INDEXES.items():
        db[coll].create_indexes(models)


def story_id(url: str) -> str:
    """Id of the story an article starts."""
    return "st-" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


def _aware(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return None


def _order_key(doc: Mapping[str, Any]) -> tuple:
    """Earliest published first; then earliest seen; then the key (deterministic)."""
    return (_aware(doc.get("published")) or _FAR_FUTURE, _aware(doc.get("first_seen")) or _FAR_FUTURE,
            doc.get("url") or doc.get("_id") or "")


def _refresh_story(db, sid: str) -> None:
    """Recompute a story's original and size from its members (indexed on ``story``)."""
    members = list(db[SKETCHES].find({"story": sid}, {"published": 1, "first_seen": 1, "source": 1}))
    if not members:
        db[STORIES].delete_one({"_id": sid})
        return
    for m in members:
        m["url"] = m["_id"]
    original = min(members, key=_order_key)
    db[STORIES].replace_one({"_id": sid}, {
        "_id": sid, "original": original["url"], "original_published": original.get("published"),
        "size": len(members), "sources": sorted({m.get("source") for m in members if m.get("source")}),
        "sketch_version": SKETCH_VERSION}, upsert=True)
    urls = [m["url"] for m in members]
    db[ARTICLES].update_many({"url": {"$in": urls}, "$or": [
        {"story": {"$ne": sid}}, {"story_original": {"$ne": False}}]},
        {"$set": {"story": sid, "story_original": False}})
    db[ARTICLES].update_one({"url": original["url"]}, {"$set": {"story_original": True}})


def _article_fields(db, articles: Iterable[Mapping[str, Any]]) -> list[dict]:
    """The fields needed, reading from the store what the given documents lack."""
    docs, missing = [], []
    for a in articles:
        if not isinstance(a, Mapping) or not a.get("url"):
            continue
        if isinstance(a.get("text"), str):
            docs.append(dict(a))
        else:
            missing.append(a["url"])
    if missing:
        docs += list(db[ARTICLES].find({"url": {"$in": missing}},
                                       {"url": 1, "text": 1, "published": 1, "first_seen": 1, "source": 1}))
    return docs


def assign_stories(db, articles: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Give each of the just-stored ``articles`` (documents with at least ``url``; ``text``,
    ``published``, ``first_seen``, ``source`` read from the store when absent) its story.
    Returns counts: ``articles``, ``joined`` (matched an existing story), ``new``,
    ``merged`` (stories fused), ``left`` (articles that moved out of their story)."""
    counts = {"articles": 0, "joined": 0, "new": 0, "merged": 0, "left": 0}
    for art in _article_fields(db, articles):
        url = art["url"]
        sig = signature(art.get("text") or "")
        if not sig:
            continue
        counts["articles"] += 1
        keys = band_keys(sig)
        previous = db[SKETCHES].find_one({"_id": url}, {"story": 1})
        old_sid = previous.get("story") if previous else None
        candidates = db[SKETCHES].find({"bands": {"$in": keys}, "_id": {"$ne": url}},
                                       {"sig": 1, "story": 1, "published": 1, "first_seen": 1})
        matched = {c["story"] for c in candidates
                   if c.get("story") and similarity(sig, c["sig"]) >= THRESHOLD}
        if matched:
            counts["joined"] += old_sid not in matched
            sid = _pick_story(db, matched)
            for other in matched - {sid}:
                db[SKETCHES].update_many({"story": other}, {"$set": {"story": sid}})
                db[STORIES].delete_one({"_id": other})
                counts["merged"] += 1
        else:
            sid = old_sid if old_sid and _alone(db, old_sid, url) else story_id(url)
            if sid == old_sid and not _alone(db, old_sid, url):
                # it founded a story it no longer matches: the others keep the id
                sid = story_id(f"{url}|{keys[0]}")
            if sid != old_sid:
                counts["new"] += 1
        if old_sid and old_sid != sid and old_sid not in matched:
            counts["left"] += 1
        db[SKETCHES].replace_one({"_id": url}, {
            "_id": url, "sig": sig, "bands": keys, "story": sid, "source": art.get("source"),
            "published": art.get("published"), "first_seen": art.get("first_seen"),
            "version": SKETCH_VERSION}, upsert=True)
        _refresh_story(db, sid)
        if old_sid and old_sid != sid:
            _refresh_story(db, old_sid)
    return counts


def _alone(db, sid: str, url: str) -> bool:
    """Whether ``url`` is the only member of story ``sid`` (it may keep the id)."""
    return db[SKETCHES].count_documents({"story": sid, "_id": {"$ne": url}}, limit=1) == 0


def _pick_story(db, sids: set[str]) -> str:
    """Of several matched stories, the one whose original is earliest keeps its id."""
    stories = {s["_id"]: s for s in db[STORIES].find({"_id": {"$in": sorted(sids)}})}

    def key(sid: str) -> tuple:
        s = stories.get(sid) or {}
        return (_aware(s.get("original_published")) or _FAR_FUTURE, sid)
    return min(sids, key=key)
