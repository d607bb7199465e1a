"""Group near-duplicate articles (syndicated copies) into stories.

``assign_stories(db, articles)`` runs after a batch of articles is stored. For each
article it computes the MinHash sketch of the folded text, stores it in
``story_sketches`` (one document per article key, with its LSH band keys), looks up
candidates by band keys (indexed equality queries), keeps those whose estimated similarity
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

import numpy as np
from pymongo import ASCENDING, DeleteOne, IndexModel, ReplaceOne, UpdateMany, UpdateOne
from pymongo.errors import BulkWriteError

from pipelines.storage.names import DUPLICATE_KEY
from pipelines.storage.sole_writer import with_index

from .band_index import BandIndex
from .sketch import SKETCH_VERSION, band_keys, signature

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


def _refresh_ops(db, sids: Iterable[str], index: BandIndex | None = None) -> tuple[list, list]:
    """Story documents and article flags for these stories, recomputed from their members
    (one indexed read per story, or none from ``index``, the sketches in memory; the
    writes are returned for one bulk each)."""
    story_ops: list = []
    flags: dict[str, tuple[str, bool]] = {}      # article key -> (story, story_original) it should carry
    for sid in sorted(set(sids)):
        members = index.members(sid) if index is not None else \
            list(db[SKETCHES].find({"story": sid}, {"published": 1, "first_seen": 1, "source": 1}))
        if not members:
            story_ops.append(DeleteOne({"_id": sid}))
            continue
        for m in members:
            m["url"] = m["_id"]
        original = min(members, key=_order_key)
        story_ops.append(ReplaceOne({"_id": sid}, {
            "_id": sid, "original": original["url"], "original_published": original.get("published"),
            "size": len(members),
            "sources": sorted({m.get("source") for m in members if m.get("source")}),
            "sketch_version": SKETCH_VERSION}, upsert=True))
        for m in members:
            flags[m["url"]] = (sid, m["url"] == original["url"])
    # Only the articles whose flags change are written: an update of an article document
    # rewrites its index entries (search tokens), and most members of a story keep theirs.
    if flags:
        for a in db[ARTICLES].find({"url": {"$in": sorted(flags)}}, {"url": 1, "story": 1, "story_original": 1}):
            if flags.get(a.get("url")) == (a.get("story"), a.get("story_original")):
                del flags[a["url"]]
    groups: dict[tuple[str, bool], list[str]] = {}
    for url, flag in flags.items():
        groups.setdefault(flag, []).append(url)
    article_ops: list = []
    for (sid, original_flag), urls in sorted(groups.items()):
        update = {"$set": {"story": sid, "story_original": original_flag}}
        article_ops.append(UpdateOne({"url": urls[0]}, update) if len(urls) == 1
                           else UpdateMany({"url": {"$in": sorted(urls)}}, update))
    return story_ops, article_ops


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
                                       {"url": 1, "text": 1, "published": 1, "first_seen": 1, "source": 1,
                                        "story": 1}))
    return docs


def assign_stories(db, articles: Iterable[Mapping[str, Any]], *, force: bool = False,
                   index: BandIndex | None = None) -> dict[str, int]:
    """Give each of the just-stored ``articles`` (documents with at least ``url``; ``text``,
    ``published``, ``first_seen``, ``source`` read from the store when absent) its story.
    Returns counts: ``articles``, ``joined`` (matched an existing story), ``new``,
    ``merged`` (stories fused), ``left`` (articles that moved out of their story).

    ``force`` looks again at articles whose text is unchanged (a rebuild).

    Round trips: one read of the batch's previous sketches; per article whose text changed
    or is new, one equality query per band key (the candidates, read whole); one
    read per story touched, one read of their members' flags, and three bulk writes (an
    article whose flags already hold is not written); an article whose sketch is unchanged
    costs nothing more.

    ``index``: the archive's sketches in memory (``band_index``), for a caller that is
    their only writer; the candidates then come from it instead of the band queries. It
    is dropped (and read again next time) when anything here fails."""
    return with_index(index, db, lambda held: _assign(db, articles, force, held))


def _assign(db, articles: Iterable[Mapping[str, Any]], force: bool, index: BandIndex | None) -> dict[str, int]:
    counts = {"articles": 0, "joined": 0, "new": 0, "merged": 0, "left": 0}
    arts = []
    for a in _article_fields(db, articles):
        sig = signature(a.get("text") or "")
        if sig:
            arts.append((a, sig))
    if not arts:
        return counts
    urls = [a["url"] for a, _ in arts]
    previous = {d["_id"]: d for d in db[SKETCHES].find({"_id": {"$in": urls}},
                                                       {"story": 1, "bands": 1, "version": 1})}
    lookups = [(a, sig, band_keys(sig)) for a, sig in arts]
    batch: dict[str, dict] = {}            # sketches written by this call, not yet in the store
    by_band: dict[str, set[str]] = {}
    touched: set[str] = set()
    for art, sig, keys in lookups:
        url = art["url"]
        counts["articles"] += 1
        prev = previous.get(url)
        old_sid = prev.get("story") if prev else None
        if not force and prev and prev.get("bands") == keys and prev.get("version") == SKETCH_VERSION \
                and old_sid:
            if art.get("story") != old_sid:    # the article document lost its flags: rewrite them
                touched.add(old_sid)
            continue                       # the same text as before: its story stands
        # this batch's own sketches replace their stored versions
        stored = index.candidates(keys, url) if index is not None else _stored_candidates(db, keys, url)
        found = {c["_id"]: c for c in stored if c["_id"] not in batch}
        for k in keys:
            for other in by_band.get(k, ()):
                if other != url:
                    found[other] = batch[other]
        matched = _matching_stories(sig, found.values())
        if matched:
            counts["joined"] += old_sid not in matched
            sid = _pick_story(db, matched, batch)
            for other in matched - {sid}:
                db[SKETCHES].update_many({"story": other}, {"$set": {"story": sid}})
                if index is not None:
                    index.restory(other, sid)
                for doc in batch.values():
                    if doc["story"] == other:
                        doc["story"] = sid
                touched.add(other)
                counts["merged"] += 1
        else:
            sid = old_sid if old_sid and _alone(db, old_sid, url, batch) else story_id(url)
            if sid == old_sid and not _alone(db, old_sid, url, batch):
                # it founded a story it no longer matches: the others keep the id
                sid = story_id(f"{url}|{keys[0]}")
            if sid != old_sid:
                counts["new"] += 1
        if old_sid and old_sid != sid and old_sid not in matched:
            counts["left"] += 1
        batch[url] = {"_id": url, "sig": sig, "bands": keys, "story": sid, "source": art.get("source"),
                      "published": art.get("published"), "first_seen": art.get("first_seen"),
                      "version": SKETCH_VERSION}
        for k in keys:
            by_band.setdefault(k, set()).add(url)
        touched.add(sid)
        if old_sid:
            touched.add(old_sid)
    if batch:
        _write_sketches(db, batch, set(previous))
        if index is not None:
            for u, d in batch.items():
                index.put(u, d["sig"], d["bands"], d["story"], d)
    story_ops, article_ops = _refresh_ops(db, touched, index)
    if story_ops:
        db[STORIES].bulk_write(story_ops, ordered=False)
    if article_ops:
        db[ARTICLES].bulk_write(article_ops, ordered=False)
    return counts


def _write_sketches(db, batch: Mapping[str, dict], stored: set[str]) -> None:
    """Sketches not stored before are inserted (on SecantusDB an upsert costs about four
    times an insert); a duplicate key (another writer came first) falls back to the
    replace, as the stored ones are written."""
    fresh = [d for u, d in batch.items() if u not in stored]
    ops = [ReplaceOne({"_id": u}, d, upsert=True) for u, d in batch.items() if u in stored]
    if fresh:
        try:
            db[SKETCHES].insert_many(fresh, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            ops += [ReplaceOne({"_id": fresh[e["index"]]["_id"]}, fresh[e["index"]], upsert=True) for e in errors]
    if ops:
        db[SKETCHES].bulk_write(ops, ordered=False)


def _stored_candidates(db, keys: list[str], url: str) -> list[dict]:
    """The stored sketches (but ``url``'s) sharing a band key with ``keys``: one equality
    query per key. SecantusDB checks each document an ``$in`` finds against the whole
    list, which made one ``$in`` of the 32 keys cost about 2.6 times these, and a read by
    ``_id`` of the ids found 1.6 times (bench_incidents.py --hook)."""
    found: dict[str, dict] = {}
    for k in keys:
        for c in db[SKETCHES].find({"bands": k}, {"sig": 1, "story": 1}):
            found.setdefault(c["_id"], c)
    found.pop(url, None)
    return list(found.values())


def _matching_stories(sig: list[int], found: Iterable[Mapping[str, Any]]) -> set[str]:
    """Stories of the candidates whose estimated similarity to ``sig`` reaches ``THRESHOLD``."""
    cands = [c for c in found if c.get("story") and c.get("sig") is not None and len(c["sig"]) == len(sig)]
    if not cands:
        return set()
    mat = np.array([c["sig"] for c in cands], dtype=np.int64)
    same = (mat == np.array(sig, dtype=np.int64)).sum(axis=1)
    # similarity() is same / len(sig); compared on the counts, exactly
    return {c["story"] for c, n in zip(cands, same.tolist(), strict=True) if n / len(sig) >= THRESHOLD}


def _alone(db, sid: str, url: str, batch: Mapping[str, dict]) -> bool:
    """Whether ``url`` is the only member of story ``sid`` (it may keep the id)."""
    if any(u != url and d["story"] == sid for u, d in batch.items()):
        return False
    return not any(d["_id"] != url and batch.get(d["_id"], {"story": sid})["story"] == sid
                   for d in db[SKETCHES].find({"story": sid}, {"_id": 1}).limit(2))


def _pick_story(db, sids: set[str], batch: Mapping[str, dict]) -> str:
    """Of several matched stories, the one whose original is earliest keeps its id (a
    story made in this batch has no stored document yet: its members' dates count)."""
    stories = {s["_id"]: s for s in db[STORIES].find({"_id": {"$in": sorted(sids)}})}
    earliest: dict[str, dt.datetime] = {}
    for d in batch.values():
        t = _aware(d.get("published")) or _FAR_FUTURE
        if d["story"] in sids and t < earliest.get(d["story"], _FAR_FUTURE):
            earliest[d["story"]] = t

    def key(sid: str) -> tuple:
        stored = _aware((stories.get(sid) or {}).get("original_published")) or _FAR_FUTURE
        return (min(stored, earliest.get(sid, _FAR_FUTURE)), sid)
    return min(sids, key=key)
