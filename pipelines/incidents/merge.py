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

from pymongo import ASCENDING, DeleteOne, IndexModel, ReplaceOne

from pipelines.storage.sole_writer import with_index

from . import rules as R
from .key_index import INCIDENTS, NO_PLACE, IncidentIndex

EVENTS = "events"
ARTICLES = "articles"
INCIDENTS_VERSION = "marsad-incidents-0.1.0"

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


class _Batch:
    """The incidents one ``merge_reports`` call reads and changes, written back at the end
    in one bulk write. Candidate look-ups still go to the store (indexed), and what this
    call changed or created is matched in memory against the same keys. With ``index``
    (the incidents' keys in memory, for their sole writer) the look-ups go there instead
    and only the candidates are read."""

    def __init__(self, db, index: IncidentIndex | None = None) -> None:
        self.db = db
        self.index = index
        self.reports: dict[str, list[dict[str, Any]]] = {}   # incident id -> reports
        self.dirty: set[str] = set()
        self.where: dict[str, str] = {}                        # report id -> incident id

    def load(self, incs: Iterable[Mapping[str, Any]]) -> None:
        for inc in incs:
            if inc["_id"] not in self.reports:
                self.reports[inc["_id"]] = list(inc["reports"])
                for r in inc["reports"]:
                    self.where[r["event_id"]] = inc["_id"]

    def save(self, iid: str, reports: list[dict[str, Any]]) -> None:
        self.reports[iid] = reports
        self.dirty.add(iid)
        for r in reports:
            self.where[r["event_id"]] = iid

    def new_id(self, report: Mapping[str, Any]) -> str:
        base = "ev-" + hashlib.sha1(str(report["event_id"]).encode()).hexdigest()[:16]
        iid, n = base, 1
        while iid in self.reports or self._stored(iid):
            n += 1
            iid = f"{base}-{n}"
        return iid

    def _stored(self, iid: str) -> bool:
        if self.index is not None:
            return iid in self.index
        return bool(self.db[INCIDENTS].count_documents({"_id": iid}, limit=1))

    def flush(self) -> None:
        ops: list = []
        docs: dict[str, dict[str, Any] | None] = {}
        for iid in sorted(self.dirty):
            reports = self.reports[iid]
            docs[iid] = incident_document(iid, reports) if reports else None
            ops.append(ReplaceOne({"_id": iid}, docs[iid], upsert=True) if reports else DeleteOne({"_id": iid}))
        if ops:
            self.db[INCIDENTS].bulk_write(ops, ordered=False)
        if self.index is not None:
            for iid, doc in docs.items():
                if doc is None:
                    self.index.drop(iid)
                else:
                    self.index.put(iid, doc["family"], doc["place_key"], doc["days"], doc["story_ids"])
        self.dirty.clear()


def _stories(db, urls: set[str]) -> dict[str, str]:
    if not urls:
        return {}
    found = db[ARTICLES].find({"url": {"$in": sorted(urls)}}, {"url": 1, "story": 1})
    return {a["url"]: a["story"] for a in found if a.get("story")}


def _prune(db, batch: _Batch, urls: set[str], current_ids: set[str]) -> int:
    """Take out of their incidents the reports of these articles that no longer exist."""
    removed = 0
    if not urls:
        return 0
    batch.load(db[INCIDENTS].find({"article_urls": {"$in": sorted(urls)}}, {"reports": 1}))
    for iid, reports in list(batch.reports.items()):
        keep = [r for r in reports if r.get("article_url") not in urls or r["event_id"] in current_ids]
        if len(keep) != len(reports):
            removed += len(reports) - len(keep)
            batch.save(iid, keep)
    return removed


def merge_reports(db, event_docs: Iterable[Mapping[str, Any]], *,
                  article_urls: Iterable[str] = (), index: IncidentIndex | None = None) -> dict[str, int]:
    """Merge just-stored ``events`` documents into incidents. ``article_urls`` names
    further articles whose events were replaced (by none, possibly), so that their old
    reports leave. Idempotent. Returns counts: ``reports``, ``new``, ``joined``,
    ``stayed``, ``moved`` (left an incident for another), ``removed`` (no longer exist),
    ``unplaced`` (no location: kept as an incident of their own).

    Round trips: a few reads for the whole call, then per report one or two indexed
    candidate queries (none with ``index``, the incidents' keys in memory for a caller
    that is their only writer: dropped, and read again next time, when anything here
    fails); all writes go in one bulk write at the end."""
    return with_index(index, db, lambda held: _merge(db, event_docs, article_urls, held))


def _merge(db, event_docs: Iterable[Mapping[str, Any]], article_urls: Iterable[str],
           index: IncidentIndex | None) -> dict[str, int]:
    docs = list({d["_id"]: d for d in event_docs
                 if isinstance(d, Mapping) and d.get("_id") is not None}.values())
    urls = {d["article_url"] for d in docs if d.get("article_url")} | set(article_urls)
    stories: dict[str, str] = _stories(db, urls)
    counts = {"reports": 0, "new": 0, "joined": 0, "stayed": 0, "moved": 0, "removed": 0, "unplaced": 0}
    batch = _Batch(db, index)
    counts["removed"] = _prune(db, batch, urls, {d["_id"] for d in docs})
    ids = [d["_id"] for d in docs]
    if ids:
        batch.load(db[INCIDENTS].find({"report_ids": {"$in": ids}}, {"reports": 1}))
    reports = sorted((R.report_from_event(d, stories.get(str(d.get("article_url")))) for d in docs),
                     key=R._first_time)
    for rep in reports:
        counts["reports"] += 1
        cur = batch.where.get(rep["event_id"])
        if cur is not None and rep["event_id"] in {r["event_id"] for r in batch.reports[cur]}:
            others = [r for r in batch.reports[cur] if r["event_id"] != rep["event_id"]]
            if not others or R.join_score(rep, others) is not None:
                if _changed(batch.reports[cur], rep):
                    batch.save(cur, others + [rep])
                counts["stayed"] += 1
                continue
            batch.save(cur, others)
            counts["moved"] += 1
        else:
            cur = None
        best = _best_candidate(db, batch, rep, cur)
        if place_key(rep) is None:
            counts["unplaced"] += 1
        if best is not None:
            batch.save(best, batch.reports[best] + [rep])
            counts["joined"] += 1
        else:
            batch.save(batch.new_id(rep), [rep])
            counts["new"] += 1
    batch.flush()
    return counts


def _changed(reports: list[dict[str, Any]], rep: Mapping[str, Any]) -> bool:
    """Whether the stored copy of the report differs from ``rep`` (else no write)."""
    old = next((r for r in reports if r["event_id"] == rep["event_id"]), None)
    return old != rep


def _incident_keys(reports: list[dict[str, Any]]) -> tuple[str, str, set[str], set[str]]:
    """The look-up keys ``incident_document`` stores for these reports."""
    fam = R.family(reports[0].get("sub_event_type"), reports[0].get("event_type"))
    keys = sorted(k for k in (place_key(r) for r in reports) if k)
    days = {d for r in reports for d in R.days(r)}
    return fam, keys[0] if keys else NO_PLACE, days, {r["story"] for r in reports if r.get("story")}


def _candidates(db, batch: _Batch, rep: Mapping[str, Any], exclude: str | None) -> list[str]:
    """Incidents that may hold the report's event: same family, days meeting its date,
    and the same governorate (or no place yet) or a report of the same story. Indexed
    look-ups in the store, and the same keys over what this call already changed."""
    fam = R.family(rep.get("sub_event_type"), rep.get("event_type"))
    days = R.days(rep)
    if not days:
        return []
    key = place_key(rep)
    found: set[str] = set()
    if batch.index is not None:
        found = batch.index.candidates(fam, key, days, rep.get("story"))
        unread = sorted(i for i in found if i not in batch.reports)
        if unread:
            batch.load(db[INCIDENTS].find({"_id": {"$in": unread}}, {"reports": 1}))
        return _matching(batch, found, fam, key, days, rep.get("story"), exclude)
    # A placed report also looks at incidents of reports without a place. One query per
    # key: SecantusDB's planner uses the compound index for equality there, not for $in.
    queries = [{"family": fam, "place_key": k, "days": {"$in": days}} for k in (key, NO_PLACE)] if key else \
        [{"family": fam, "days": {"$in": days}}]
    if rep.get("story"):
        queries.append({"story_ids": rep["story"], "family": fam, "days": {"$in": days}})
    for q in queries:
        incs = list(db[INCIDENTS].find(q, {"reports": 1}))
        batch.load(incs)            # keeps this call's own version of those it already holds
        found.update(c["_id"] for c in incs)
    return _matching(batch, found, fam, key, days, rep.get("story"), exclude)


def _matching(batch: _Batch, found: set[str], fam: str, key: str | None, days: list[str],
              story: str | None, exclude: str | None) -> list[str]:
    """The incidents found, and those this call changed, that meet the keys as this call
    holds them (the stored version of one it changed may not)."""
    wanted = set(days)
    found = found | {i for i in batch.dirty if batch.reports[i]}
    found = {i for i in found if batch.reports.get(i) and i != exclude}
    return sorted(i for i in found if _still_matches(batch.reports[i], fam, key, wanted, story))


def _still_matches(reports: list[dict[str, Any]], fam: str, key: str | None, days: set[str],
                   story: str | None) -> bool:
    f, pk, ds, sts = _incident_keys(reports)
    if f != fam or not ds & days:
        return False
    return key is None or pk in (key, NO_PLACE) or (story is not None and story in sts)


def _best_candidate(db, batch: _Batch, rep: Mapping[str, Any], exclude: str | None) -> str | None:
    """The incident the report agrees with best (ties: the smaller id), or None. A report
    without a place needs a single compatible incident with an actor in agreement."""
    scored = []
    for iid in _candidates(db, batch, rep, exclude):
        members = batch.reports[iid]
        score = R.join_score(rep, members)
        if score is None:
            continue
        unplaced = place_key(rep) is None or all(place_key(m) is None for m in members)
        if unplaced and not any(R.actors_agree(rep, m) for m in members):
            continue
        scored.append((score, iid))
    if place_key(rep) is None:
        return scored[0][1] if len(scored) == 1 else None
    if not scored:
        return None
    top = max(sc for sc, _ in scored)
    return next(i for sc, i in scored if sc == top)


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
            keep = [r for r in inc["reports"] if r["event_id"] in alive]
            if keep:
                db[INCIDENTS].replace_one({"_id": inc["_id"]}, incident_document(inc["_id"], keep))
            else:
                db[INCIDENTS].delete_one({"_id": inc["_id"]})
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
