"""The ``incidents`` collection: real-world events, each linking the event reports
(``events`` documents, one per article mention) that describe it.

``merge_reports(db, event_docs)`` runs after a batch of events is stored, and again over
everything on reprocess (``reprocess_incidents``). For each report:

- if it already belongs to an incident and is still compatible with the other reports
  there, it stays (its copy is refreshed);
- otherwise it leaves (an incident left empty is deleted) and looks for candidates: the
  incidents of its merge family in the same governorate (``place_key``) whose days meet
  its date interval, one indexed query (``family`` + ``place_key`` + ``days``), so the
  cost per report does not grow with the size of the archive;
- it joins the candidate it agrees with best (complete link: compatible with every
  report there, ``rules.join_score``), or starts a new incident.

Reports of the batch's articles that no longer exist (the extractor found fewer events
after a reprocess) are taken out of their incidents first.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ASCENDING, IndexModel

from . import rules as R

INCIDENTS = "incidents"
EVENTS = "events"
ARTICLES = "articles"
INCIDENTS_VERSION = "marsad-incidents-0.1.0"

NO_PLACE = "-"        # place_key of an incident whose reports have no place (indexable, unlike null)
INDEXES = [
    IndexModel([("family", ASCENDING), ("place_key", ASCENDING), ("days", ASCENDING)],
               name="family_place_days"),
    IndexModel([("family", ASCENDING), ("days", ASCENDING)], name="family_days"),
    IndexModel([("story_ids", ASCENDING)], name="story_ids"),
    IndexModel([("report_ids", ASCENDING)], name="report_ids"),
    IndexModel([("article_urls", ASCENDING)], name="article_urls"),
    IndexModel([("date", ASCENDING)], name="date"),
    IndexModel([("location.admin1", ASCENDING), ("date", ASCENDING)], name="admin1_date"),
]


def ensure_incident_indexes(db) -> None:
    """Create the ``incidents`` indexes (idempotent)."""
    db[INCIDENTS].create_indexes(INDEXES)


def place_key(report: Mapping[str, Any]) -> str | None:
    """Governorate of the report's place (the look-up key); None without a place."""
    loc = report.get("location") or {}
    if not loc:
        return None
    return f"{loc.get('country') or '?'}/{loc.get('admin1') or '?'}"


def incident_document(iid: str, reports: list[dict[str, Any]]) -> dict[str, Any]:
    """The stored incident for a set of reports (all derived fields recomputed)."""
    reports = sorted(reports, key=R._first_time)
    merged = R.merged_fields(reports)
    days = sorted({d for r in reports for d in R.days(r)})
    keys = sorted(k for k in (place_key(r) for r in reports) if k)
    return {
        "_id": iid,
        "version": INCIDENTS_VERSION,
        "family": R.family(reports[0].get("sub_event_type"), reports[0].get("event_type")),
        "place_key": keys[0] if keys else NO_PLACE,
        "days": days,
        **merged,
        "reports": reports,
        "report_ids": [r["event_id"] for r in reports],
        "article_urls": sorted({r["article_url"] for r in reports if r.get("article_url")}),
        "story_ids": sorted({r["story"] for r in reports if r.get("story")}),
        "updated_at": dt.datetime.now(dt.UTC),
    }


def _new_id(db, report: Mapping[str, Any]) -> str:
    base = "ev-" + hashlib.sha1(str(report["event_id"]).encode()).hexdigest()[:16]
    iid, n = base, 1
    while db[INCIDENTS].count_documents({"_id": iid}, limit=1):
        n += 1
        iid = f"{base}-{n}"
    return iid


def _save(db, iid: str, reports: list[dict[str, Any]]) -> None:
    if reports:
        db[INCIDENTS].replace_one({"_id": iid}, incident_document(iid, reports), upsert=True)
    else:
        db[INCIDENTS].delete_one({"_id": iid})


def _stories(db, urls: set[str]) -> dict[str, str]:
    if not urls:
        return {}
    found = db[ARTICLES].find({"url": {"$in": sorted(urls)}}, {"url": 1, "story": 1})
    return {a["url"]: a["story"] for a in found if a.get("story")}


def _prune(db, urls: set[str], current_ids: set[str]) -> int:
    """Take out of their incidents the reports of these articles that no longer exist."""
    removed = 0
    if not urls:
        return 0
    for inc in db[INCIDENTS].find({"article_urls": {"$in": sorted(urls)}}):
        keep = [r for r in inc["reports"] if r.get("article_url") not in urls or r["event_id"] in current_ids]
        if len(keep) != len(inc["reports"]):
            removed += len(inc["reports"]) - len(keep)
            _save(db, inc["_id"], keep)
    return removed


def merge_reports(db, event_docs: Iterable[Mapping[str, Any]], *,
                  article_urls: Iterable[str] = ()) -> dict[str, int]:
    """Merge just-stored ``events`` documents into incidents. ``article_urls`` names
    further articles whose events were replaced (by none, possibly), so that their old
    reports leave. Idempotent. Returns counts: ``reports``, ``new``, ``joined``,
    ``stayed``, ``moved`` (left an incident for another), ``removed`` (no longer exist),
    ``unplaced`` (no location: kept as an incident of their own)."""
    docs = [d for d in event_docs if isinstance(d, Mapping) and d.get("_id") is not None]
    urls = {d["article_url"] for d in docs if d.get("article_url")} | set(article_urls)
    stories: dict[str, str] = _stories(db, urls)
    counts = {"reports": 0, "new": 0, "joined": 0, "stayed": 0, "moved": 0, "removed": 0, "unplaced": 0}
    counts["removed"] = _prune(db, urls, {d["_id"] for d in docs})
    reports = sorted((R.report_from_event(d, stories.get(str(d.get("article_url")))) for d in docs),
                     key=R._first_time)
    for rep in reports:
        counts["reports"] += 1
        current = db[INCIDENTS].find_one({"report_ids": rep["event_id"]})
        if current is not None:
            others = [r for r in current["reports"] if r["event_id"] != rep["event_id"]]
            if not others or R.join_score(rep, others) is not None:
                _save(db, current["_id"], others + [rep])
                counts["stayed"] += 1
                continue
            _save(db, current["_id"], others)
            counts["moved"] += 1
        best = _best_candidate(db, rep, current["_id"] if current is not None else None)
        if place_key(rep) is None:
            counts["unplaced"] += 1
        if best is not None:
            _save(db, best["_id"], best["reports"] + [rep])
            counts["joined"] += 1
        else:
            _save(db, _new_id(db, rep), [rep])
            counts["new"] += 1
    return counts


def _candidates(db, rep: Mapping[str, Any], exclude: str | None) -> list[dict]:
    """Incidents that may hold the report's event: same family, days meeting its date,
    and the same governorate (or no place yet) or a report of the same story. Indexed
    look-ups only."""
    fam = R.family(rep.get("sub_event_type"), rep.get("event_type"))
    days = R.days(rep)
    if not days:
        return []
    key = place_key(rep)
    # A placed report also looks at incidents of reports without a place. One query per
    # key: SecantusDB's planner uses the compound index for equality there, not for $in.
    queries = [{"family": fam, "place_key": k, "days": {"$in": days}} for k in (key, NO_PLACE)] if key else \
        [{"family": fam, "days": {"$in": days}}]
    if rep.get("story"):
        queries.append({"story_ids": rep["story"], "family": fam, "days": {"$in": days}})
    found: dict[str, dict] = {}
    for q in queries:
        for cand in db[INCIDENTS].find(q, {"reports": 1}):
            if cand["_id"] != exclude:
                found[cand["_id"]] = cand
    return [found[k] for k in sorted(found)]


def _best_candidate(db, rep: Mapping[str, Any], exclude: str | None) -> dict | None:
    """The incident the report agrees with best (ties: the smaller id), or None. A report
    without a place needs a single compatible incident with an actor in agreement."""
    scored = []
    for cand in _candidates(db, rep, exclude):
        score = R.join_score(rep, cand["reports"])
        if score is None:
            continue
        unplaced = place_key(rep) is None or all(place_key(m) is None for m in cand["reports"])
        if unplaced and not any(R.actors_agree(rep, m) for m in cand["reports"]):
            continue
        scored.append((score, cand))
    if place_key(rep) is None:
        return scored[0][1] if len(scored) == 1 else None
    if not scored:
        return None
    top = max(s for s, _ in scored)
    return next(c for s, c in scored if s == top)


def reprocess_incidents(db, since: str | None = None, chunk: int = 500) -> dict[str, int]:
    """Merge again every stored event (dated on or after ``since``), oldest report first,
    after dropping from incidents the reports whose events are gone."""
    ensure_incident_indexes(db)
    totals: dict[str, int] = {}
    gone = 0
    for inc in db[INCIDENTS].find({}, {"report_ids": 1, "reports": 1}):
        alive = {e["_id"] for e in db[EVENTS].find({"_id": {"$in": inc["report_ids"]}}, {"_id": 1})}
        if len(alive) != len(inc["report_ids"]):
            gone += len(inc["report_ids"]) - len(alive)
            _save(db, inc["_id"], [r for r in inc["reports"] if r["event_id"] in alive])
    query: dict[str, Any] = {"date": {"$gte": since}} if since else {}
    batch: list[dict] = []
    for ev in db[EVENTS].find(query).sort([("article_published", 1), ("_id", 1)]):
        batch.append(ev)
        if len(batch) >= chunk:
            for k, v in merge_reports(db, batch).items():
                totals[k] = totals.get(k, 0) + v
            batch = []
    if batch:
        for k, v in merge_reports(db, batch).items():
            totals[k] = totals.get(k, 0) + v
    totals["removed"] = totals.get("removed", 0) + gone
    return totals
