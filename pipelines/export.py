"""Export stored events and articles.

    python -m pipelines.export --format acled-csv|jsonl|geojson|articles-jsonl|articles-csv
        [--per-report] [--since DATE] [--until DATE] [--source ID] [--country NAME]
        [--admin1 NAME] [--event-type TYPE] [--sub-event-type TYPE] [--actor TEXT]
        [--min-confidence X] [--with-unlocated] [--output FILE]

By default the event formats have one row per *merged* event (``incidents``: one
real-world event and every report of it; ``pipelines.incidents``): ``source`` lists the
publications behind it as ACLED does, ``source_scale`` follows from their scales, and
Marsad's columns after ACLED's say how sure the merge is and which articles it rests on.
A stored event that is in no merged event yet (an archive from before merging, until
``python -m pipelines.incidents --reprocess``) is written as an event of one report.
Filters on merged rows test the row's own (merged) fields, except ``--source`` (any of
its reports is from the source) and ``--min-confidence`` (its best report reaches it).
``--per-report`` writes one row per stored event report instead, as described next.

Per report, ``acled-csv`` has ACLED's columns first (``source`` names the publication, with the
source the article quotes after it; ``source_scale`` comes from the registry's
``source_scale``; ``notes`` says in one sentence what happened), then Marsad's own:
the evidence sentence, the article, the confidence and the latest review. ``jsonl``
writes the stored event documents with their reviews; ``geojson`` a FeatureCollection
of points whose properties are flat columns (QGIS shows them as a table), leaving out
events without coordinates unless ``--with-unlocated``. ``articles-jsonl`` and
``articles-csv`` export articles (``--source``, ``--since``, ``--until`` on the
publication date). Reads MONGO_URI (or the embedded store in MARSAD_DATA_DIR),
MONGO_DATABASE, and MARSAD_SOURCES for the publications' names and scales.
The archive: ``--mongo-uri``/``--database``/``--data-dir`` (environment MONGO_URI,
MONGO_DATABASE, MARSAD_DATA_DIR; ``pipelines.config``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import heapq
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import yaml

from pipelines.config import add_archive_options
from pipelines.incidents.merge import INCIDENTS, incident_document
from pipelines.incidents.rules import report_from_event
from pipelines.incidents.rules import rules as merge_rules
from pipelines.storage import StorageError, open_database

ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
# Marsad's columns after ACLED's: what the row rests on and what a reviewer said of it.
EXTRA_COLUMNS = [
    "evidence",
    "article_url",
    "article_title",
    "source_id",
    "confidence",
    "modality",
    "review_verdict",
    "review_corrections",
    "reviewed_by",
    "reviewed_at",
]
CSV_COLUMNS = ACLED_COLUMNS + EXTRA_COLUMNS
# Marsad's columns after ACLED's on a merged event's row.
INCIDENT_EXTRA_COLUMNS = [
    "incident_id",
    "merge_confidence",
    "report_count",
    "source_count",
    "source_ids",
    "first_report",
    "fatalities_reported",
    "fatalities_rule",
    "evidence",
    "article_urls",
]
INCIDENT_CSV_COLUMNS = ACLED_COLUMNS + INCIDENT_EXTRA_COLUMNS
ARTICLE_COLUMNS = ["url", "source", "title", "published", "text", "event_count"]
EVENT_FORMATS = ("acled-csv", "jsonl", "geojson")
ARTICLE_FORMATS = ("articles-jsonl", "articles-csv")
FORMATS = EVENT_FORMATS + ARTICLE_FORMATS
REVIEWS = "event_reviews"
_COUNTRIES = Path(__file__).parent / "events" / "data" / "countries.csv"
_NOTES = Path(__file__).parent / "data" / "export_notes.yaml"
_REGISTRY = Path(__file__).resolve().parent.parent / "crawler" / "sources.yaml"
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict]:
    with open(_COUNTRIES, encoding="utf-8", newline="") as fh:
        return {r["country"]: r for r in csv.DictReader(line for line in fh if not line.startswith("#"))}


@lru_cache(maxsize=1)
def _notes_table() -> dict[str, Any]:
    return yaml.safe_load(_NOTES.read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def publications(registry: str | None = None) -> dict[str, dict[str, str]]:
    """``{source id: {name, source_scale}}`` read from a registry file (MARSAD_SOURCES or
    crawler/sources.yaml); empty when the file cannot be read."""
    path = Path(registry or os.environ.get("MARSAD_SOURCES") or _REGISTRY)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    entries = data.get("sources") if isinstance(data, dict) else data
    out = {}
    for entry in entries or []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            out[entry["id"]] = {
                "name": str(entry.get("name") or entry["id"]),
                "source_scale": str(entry.get("source_scale") or ""),
            }
    return out


def _check_date(value: str | None, flag: str) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        raise ValueError(f"{flag} wants a date like 2024-01-31, not {value!r}") from None


@dataclass(frozen=True)
class EventFilter:
    """Which events an export (or the workbench) covers. Empty fields select everything;
    ``source`` and the place and type fields may hold several values separated by commas."""

    since: str | None = None
    until: str | None = None
    source: str | None = None
    country: str | None = None
    admin1: str | None = None
    event_type: str | None = None
    sub_event_type: str | None = None
    actor: str | None = None
    min_confidence: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", _check_date(self.since or None, "--since"))
        object.__setattr__(self, "until", _check_date(self.until or None, "--until"))
        if self.min_confidence is not None:
            try:
                value = float(self.min_confidence)
            except (TypeError, ValueError):
                raise ValueError(
                    f"--min-confidence wants a number from 0 to 1, not {self.min_confidence!r}"
                ) from None
            if not 0 <= value <= 1:
                raise ValueError(f"--min-confidence wants a number from 0 to 1, not {value}")
            object.__setattr__(self, "min_confidence", value)
        for name in ("source", "country", "admin1", "event_type", "sub_event_type", "actor"):
            value = getattr(self, name)
            object.__setattr__(
                self, name, value.strip() if isinstance(value, str) and value.strip() else None
            )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> EventFilter:
        """From a mapping such as a URL query (unknown keys are ignored)."""
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in values.items() if k in names and v not in (None, "")}
        return cls(**kwargs)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @staticmethod
    def values(value: str | None) -> list[str]:
        return [v.strip() for v in (value or "").split(",") if v.strip()]

    def query(self) -> dict[str, Any]:
        """The MongoDB filter on ``events``."""
        query: dict[str, Any] = {}
        rng = {}
        if self.since:
            rng["$gte"] = self.since
        if self.until:
            rng["$lte"] = self.until + "\uffff"  # a date with a time of day still counts
        if rng:
            query["date"] = rng
        for name, path in (
            ("source", "source"),
            ("country", "location.country"),
            ("admin1", "location.admin1"),
            ("event_type", "event_type"),
            ("sub_event_type", "sub_event_type"),
        ):
            wanted = self.values(getattr(self, name))
            if wanted:
                query[path] = wanted[0] if len(wanted) == 1 else {"$in": wanted}
        if self.min_confidence is not None:
            query["confidence"] = {"$gte": self.min_confidence}
        if self.actor:
            pattern = {"$regex": re.escape(self.actor), "$options": "i"}
            query["$or"] = [
                {"actor1.name": pattern},
                {"actor2.name": pattern},
                {"assoc_actor_1": pattern},
                {"assoc_actor_2": pattern},
            ]
        return query

    def incident_query(self) -> dict[str, Any]:
        """The MongoDB filter on ``incidents``: the same fields of the merged event, except
        ``source`` (any of its reports is from it) and ``min_confidence`` (some report of
        it has that confidence or more)."""
        query = self.query()
        if "source" in query:
            query["sources"] = query.pop("source")
        if "confidence" in query:
            query["reports.confidence"] = query.pop("confidence")
        return query


def actor_names(ev: Mapping[str, Any]) -> list[str]:
    """Every actor name of an event (what ``--actor`` searches)."""
    names = []
    for key in ("actor1", "actor2"):
        actor = ev.get(key)
        if isinstance(actor, Mapping) and isinstance(actor.get("name"), str):
            names.append(actor["name"])
    for key in ("assoc_actor_1", "assoc_actor_2"):
        names += [a for a in ev.get(key) or [] if isinstance(a, str)]
    return names


def iter_events(
    db, since: str | None = None, until: str | None = None, flt: EventFilter | None = None
) -> Iterator[dict]:
    """Stored events matching ``flt`` (or ``since <= date <= until``), oldest first."""
    if flt is None:
        flt = EventFilter(since=since, until=until)
    yield from db["events"].find(flt.query()).sort([("date", 1), ("_id", 1)])


def latest_reviews(db, event_ids: Iterable[str] | None = None) -> dict[str, dict]:
    """The latest review of each reviewed event: ``{event_id: review}``."""
    query: dict[str, Any] = {}
    if event_ids is not None:
        query["event_id"] = {"$in": list(event_ids)}
    out: dict[str, dict] = {}
    for review in db[REVIEWS].find(query).sort([("created_at", 1), ("_id", 1)]):
        out[review["event_id"]] = review
    return out


def with_reviews(db, events: Iterable[Mapping[str, Any]], chunk: int = 1000) -> Iterator[dict]:
    """Events with ``reviews`` (every review of each, oldest first) attached; the stored
    event is left as the extractor wrote it."""
    batch: list[dict] = []

    def flush() -> Iterator[dict]:
        by_event: dict[str, list[dict]] = {}
        for review in (
            db[REVIEWS]
            .find({"event_id": {"$in": [e.get("_id") for e in batch]}})
            .sort([("created_at", 1), ("_id", 1)])
        ):
            review = {k: v for k, v in review.items() if k != "_id"}
            by_event.setdefault(review["event_id"], []).append(review)
        for ev in batch:
            yield {**ev, "reviews": by_event.get(str(ev.get("_id")), [])}

    for ev in events:
        batch.append(dict(ev))
        if len(batch) >= chunk:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def _inter(actor: Any) -> Any:
    return actor.get("inter") if isinstance(actor, Mapping) and actor.get("inter") is not None else ""


def _long_date(date: str) -> str:
    try:
        day = dt.date.fromisoformat(date[:10])
    except ValueError:
        return date
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def acled_notes(ev: Mapping[str, Any]) -> str:
    """ACLED-style notes: what happened, in a sentence (English, from the event's fields)."""
    table = _notes_table()
    sub = ev.get("sub_event_type") or ev.get("event_type") or "Other"
    phrases = (table.get("sub_event_types") or {}).get(sub) or table["default"]
    a1 = (ev.get("actor1") or {}).get("name") if isinstance(ev.get("actor1"), Mapping) else None
    a2 = (ev.get("actor2") or {}).get("name") if isinstance(ev.get("actor2"), Mapping) else None
    verb = (phrases["with_target"] if a2 else phrases["alone"]).format(a2=a2 or "", sub=sub.lower())
    loc = ev.get("location") or {}
    place = ""
    if loc.get("name_en"):
        place = f" in {loc['name_en']}"
        region = [x for x in (loc.get("admin1"), loc.get("country")) if x and x != loc["name_en"]]
        if region:
            place += f" ({', '.join(region)})"
    date = ev.get("date") or ""
    sentence = f"On {_long_date(date)}, " if date else ""
    sentence += f"{a1 or table['unknown_actor']} {verb}{place}."
    sentence = sentence[0].upper() + sentence[1:]
    fatalities = ev.get("fatalities") or 0
    if fatalities:
        sentence += f" {fatalities} {'fatality' if fatalities == 1 else 'fatalities'}."
    if ev.get("injured"):
        sentence += f" {ev['injured']} injured."
    return sentence


def _review_columns(review: Mapping[str, Any] | None) -> dict[str, Any]:
    if not review:
        return {"review_verdict": "", "review_corrections": "", "reviewed_by": "", "reviewed_at": ""}
    at = review.get("created_at")
    return {
        "review_verdict": review.get("verdict") or "",
        "review_corrections": json.dumps(review.get("corrections") or {}, ensure_ascii=False, sort_keys=True)
        if review.get("corrections")
        else "",
        "reviewed_by": review.get("reviewer") or "",
        "reviewed_at": at.isoformat() if isinstance(at, dt.datetime) else (at or ""),
    }


def acled_row(
    ev: Mapping[str, Any], timestamp: int | None = None, pubs: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, Any]:
    """One ACLED-shaped row for a stored event, with Marsad's columns after ACLED's."""
    loc = ev.get("location") or {}
    country = loc.get("country") or ""
    cinfo = _countries().get(country, {})
    a1, a2 = ev.get("actor1") or {}, ev.get("actor2") or {}
    i1, i2 = _inter(a1), _inter(a2)
    interaction: int | str = ""
    if i1 != "":
        interaction = int(f"{min(i1, i2)}{max(i1, i2)}") if i2 != "" else int(f"{i1}0")
    date = ev.get("date") or ""
    tags = [f"modality={ev.get('modality')}"] if ev.get("modality") else []
    if ev.get("extractor_version"):
        tags.append(f"extractor={ev['extractor_version']}")
    if ev.get("confidence") is not None:
        tags.append(f"confidence={ev['confidence']}")
    pub = (pubs if pubs is not None else publications()).get(ev.get("source") or "", {})
    named = [x for x in (pub.get("name") or ev.get("source"), ev.get("attributed_source")) if x]
    reviews = ev.get("reviews") or []
    return {
        "event_id_cnty": f"{cinfo.get('iso3', 'XXX')}{ev.get('_id', '')}",
        "event_date": date,
        "year": date[:4] if date else "",
        "time_precision": ev.get("time_precision") or "",
        "disorder_type": ev.get("disorder_type") or "",
        "event_type": ev.get("event_type") or "",
        "sub_event_type": ev.get("sub_event_type") or "",
        "actor1": a1.get("name", ""),
        "assoc_actor_1": "; ".join(ev.get("assoc_actor_1") or []),
        "inter1": i1,
        "actor2": a2.get("name", ""),
        "assoc_actor_2": "; ".join(ev.get("assoc_actor_2") or []),
        "inter2": i2,
        "interaction": interaction,
        "civilian_targeting": "Civilian targeting" if a2.get("type") == "Civilians" else "",
        "iso": loc.get("iso") or cinfo.get("iso", ""),
        "region": cinfo.get("region", ""),
        "country": country,
        "admin1": loc.get("admin1") or "",
        "admin2": loc.get("admin2") or "",
        "admin3": loc.get("admin3") or "",
        "location": loc.get("name_en") or "",
        "latitude": loc.get("lat", ""),
        "longitude": loc.get("lon", ""),
        "geo_precision": loc.get("geo_precision") or "",
        "source": "; ".join(dict.fromkeys(named)),
        "source_scale": pub.get("source_scale", ""),
        "notes": acled_notes(ev),
        "fatalities": ev.get("fatalities") or 0,
        "tags": "; ".join(tags),
        "timestamp": timestamp if timestamp is not None else int(time.time()),
        "evidence": (ev.get("evidence") or {}).get("text") or "",
        "article_url": ev.get("article_url") or "",
        "article_title": ev.get("article_title") or "",
        "source_id": ev.get("source") or "",
        "confidence": ev.get("confidence") if ev.get("confidence") is not None else "",
        "modality": ev.get("modality") or "",
        **_review_columns(reviews[-1] if reviews else None),
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _point(loc: Mapping[str, Any]) -> dict | None:
    lat, lon = loc.get("lat"), loc.get("lon")
    return {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None


def geojson_feature(ev: Mapping[str, Any], timestamp: int, pubs: Mapping[str, Mapping[str, str]]) -> dict:
    """A GeoJSON feature with flat properties (the CSV's columns)."""
    loc = ev.get("location") or {}
    props = acled_row(ev, timestamp, pubs)
    props["id"] = str(ev.get("_id", ""))
    props["injured"] = ev.get("injured") if ev.get("injured") is not None else ""
    props["location_arabic"] = loc.get("surface") or ""
    return {"type": "Feature", "id": props["id"], "geometry": _point(loc), "properties": props}


# --- merged events ----------------------------------------------------------------------


def iter_incidents(db, flt: EventFilter | None = None) -> Iterator[dict]:
    """Merged events matching ``flt``, oldest first (by date, then id). Stored events that
    are in no merged event (not merged yet) come as merged events of one report each, so
    that the export never loses an event."""
    flt = flt or EventFilter()
    merged_ids: set[str] = set()
    for inc in db[INCIDENTS].find({}, {"report_ids": 1}):
        merged_ids.update(str(r) for r in inc.get("report_ids") or [])
    incidents = db[INCIDENTS].find(flt.incident_query()).sort([("date", 1), ("_id", 1)])
    unmerged = (
        incident_document(f"ev-{ev['_id']}", [report_from_event(ev)])
        for ev in iter_events(db, flt=flt)
        if str(ev.get("_id")) not in merged_ids
    )
    yield from heapq.merge(incidents, unmerged, key=lambda i: (str(i.get("date") or ""), str(i["_id"])))


def _scales(value: str) -> list[str]:
    # a registry scale may itself join two (ACLED's "National-International")
    order = merge_rules()["source_scale_order"]
    parts = [p.strip() for p in value.split("-") if p.strip()]
    return [p for p in parts if p in order] or ["Other"]


def incident_scale(sources: Iterable[str], pubs: Mapping[str, Mapping[str, str]]) -> str:
    """ACLED ``source_scale`` of an event reported by ``sources`` (source ids), from their
    registry scales: one scale, or the nearest and farthest joined by "-" (a source of no
    known scale counts as "Other")."""
    order = merge_rules()["source_scale_order"]
    found = {s for sid in sources for s in _scales(str((pubs.get(sid) or {}).get("source_scale") or ""))}
    if not found:
        return ""
    ranked = sorted(found, key=order.index)
    return ranked[0] if len(ranked) == 1 else f"{ranked[0]}-{ranked[-1]}"


def incident_sources(inc: Mapping[str, Any], pubs: Mapping[str, Mapping[str, str]]) -> str:
    """ACLED's ``source`` of a merged event: the publications (by name, in the order they
    first reported it), then the organisations they cite, "; "-separated."""
    order = [r.get("source") for r in inc.get("reports") or [] if r.get("source")]
    order += [s for s in inc.get("sources") or [] if s not in order]
    names = [str((pubs.get(s) or {}).get("name") or s) for s in dict.fromkeys(order)]
    cited = [a for a in inc.get("attributed_sources") or [] if a not in names]
    return "; ".join(dict.fromkeys(names + cited))


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, (dt.datetime, dt.date)) else str(value or "")


def incident_row(
    inc: Mapping[str, Any], timestamp: int | None = None, pubs: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, Any]:
    """One ACLED-shaped row for a merged event, with Marsad's merge columns after ACLED's."""
    pubs = publications() if pubs is None else pubs
    as_event = {
        k: inc.get(k)
        for k in (
            "_id",
            "date",
            "time_precision",
            "disorder_type",
            "event_type",
            "sub_event_type",
            "actor1",
            "actor2",
            "assoc_actor_1",
            "assoc_actor_2",
            "location",
            "fatalities",
            "injured",
        )
    }
    base = acled_row(as_event, timestamp, pubs)
    row = {k: base[k] for k in ACLED_COLUMNS}
    reports = list(inc.get("reports") or [])
    sources = list(inc.get("sources") or [])
    row["source"] = incident_sources(inc, pubs)
    row["source_scale"] = incident_scale(sources, pubs)
    row["notes"] = f"{base['notes']} [{len(reports)} reports from {len(sources)} sources]"
    figures = "/".join(str(f) for f in inc.get("fatalities_reported") or [])
    tags = [f"merge_confidence={inc.get('merge_confidence')}", f"reports={len(reports)}"]
    if figures:
        tags.append(f"fatalities_reported={figures}")
    if inc.get("version"):
        tags.append(f"merger={inc['version']}")
    row["tags"] = "; ".join(tags)
    first = reports[0] if reports else {}
    row.update(
        {
            "incident_id": str(inc.get("_id") or ""),
            "merge_confidence": inc.get("merge_confidence", ""),
            "report_count": len(reports),
            "source_count": len(sources),
            "source_ids": "; ".join(sources),
            "first_report": _iso(inc.get("first_report")),
            "fatalities_reported": figures,
            "fatalities_rule": inc.get("fatalities_rule") or "",
            "evidence": first.get("evidence") or "",
            "article_urls": " ".join(dict.fromkeys(r["article_url"] for r in reports if r.get("article_url"))),
        }
    )
    return row


def _report_summary(r: Mapping[str, Any]) -> dict[str, Any]:
    loc = r.get("location") or {}
    return {
        "event_id": r.get("event_id"),
        "article_url": r.get("article_url"),
        "article_title": r.get("article_title"),
        "source": r.get("source"),
        "report_time": _iso(r.get("report_time")),
        "sub_event_type": r.get("sub_event_type"),
        "date": r.get("date"),
        "location": loc.get("name_en") or loc.get("surface"),
        "fatalities": r.get("fatalities"),
        "actor1": (r.get("actor1") or {}).get("name"),
        "actor2": (r.get("actor2") or {}).get("name"),
        "evidence": r.get("evidence"),
    }


def incident_feature(inc: Mapping[str, Any], timestamp: int, pubs: Mapping[str, Mapping[str, str]]) -> dict:
    """A GeoJSON feature for a merged event: the row's columns as flat properties, and
    ``reports``, each report's own fields side by side."""
    loc = inc.get("location") or {}
    props = incident_row(inc, timestamp, pubs)
    props["id"] = str(inc.get("_id", ""))
    props["injured"] = inc.get("injured") if inc.get("injured") is not None else ""
    props["location_arabic"] = loc.get("surface") or ""
    props["reports"] = [_report_summary(r) for r in inc.get("reports") or []]
    return {"type": "Feature", "id": props["id"], "geometry": _point(loc), "properties": props}


def write_events(
    events: Iterable[Mapping[str, Any]],
    fmt: str,
    out: IO[str],
    *,
    with_unlocated: bool = False,
    pubs: Mapping[str, Mapping[str, str]] | None = None,
    merged: bool = False,
) -> int:
    """Write events in one of EVENT_FORMATS to ``out``; returns how many were written.
    ``merged``: the items are merged events (``iter_incidents``), else event reports.
    GeoJSON leaves out events without coordinates unless ``with_unlocated``."""
    pubs = publications() if pubs is None else pubs
    stamp = int(time.time())
    row, feature = (incident_row, incident_feature) if merged else (acled_row, geojson_feature)
    n = 0
    if fmt == "acled-csv":
        w = csv.DictWriter(out, fieldnames=INCIDENT_CSV_COLUMNS if merged else CSV_COLUMNS, lineterminator="\n")
        w.writeheader()
        for ev in events:
            w.writerow(row(ev, stamp, pubs))
            n += 1
    elif fmt == "jsonl":
        for ev in events:
            out.write(json.dumps(dict(ev), ensure_ascii=False, default=_json_default) + "\n")
            n += 1
    elif fmt == "geojson":
        out.write('{"type": "FeatureCollection", "features": [')
        for ev in events:
            feat = feature(ev, stamp, pubs)
            if feat["geometry"] is None and not with_unlocated:
                continue
            out.write(("," if n else "") + "\n" + json.dumps(feat, ensure_ascii=False, default=_json_default))
            n += 1
        out.write("\n]}\n")
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(EVENT_FORMATS)}")
    return n


def write_incidents(
    incidents: Iterable[Mapping[str, Any]],
    fmt: str,
    out: IO[str],
    *,
    with_unlocated: bool = False,
    pubs: Mapping[str, Mapping[str, str]] | None = None,
) -> int:
    """``write_events`` for merged events (``iter_incidents``)."""
    return write_events(incidents, fmt, out, with_unlocated=with_unlocated, pubs=pubs, merged=True)


def iter_articles(
    db, since: str | None = None, until: str | None = None, source: str | None = None
) -> Iterator[dict]:
    """Stored articles (copies of another left out) published in [since, until], oldest first."""
    query: dict[str, Any] = {"duplicate_of": None}
    rng: dict[str, Any] = {}
    if since:
        day = dt.date.fromisoformat(_check_date(since, "--since") or "")
        rng["$gte"] = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    if until:
        day = dt.date.fromisoformat(_check_date(until, "--until") or "") + dt.timedelta(days=1)
        rng["$lt"] = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    if rng:
        query["published"] = rng
    wanted = EventFilter.values(source)
    if wanted:
        query["source"] = wanted[0] if len(wanted) == 1 else {"$in": wanted}
    projection = {
        "_id": 0,
        "url": 1,
        "source": 1,
        "title": 1,
        "published": 1,
        "published_local": 1,
        "text": 1,
        "event_count": 1,
    }
    yield from db["articles"].find(query, projection).sort([("published", 1), ("url", 1)])


def write_articles(articles: Iterable[Mapping[str, Any]], fmt: str, out: IO[str]) -> int:
    """Articles as JSON lines or CSV (url, source, title, published, text, event_count)."""
    n = 0
    writer = None
    if fmt == "articles-csv":
        writer = csv.DictWriter(out, fieldnames=ARTICLE_COLUMNS, lineterminator="\n")
        writer.writeheader()
    elif fmt != "articles-jsonl":
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(ARTICLE_FORMATS)}")
    for art in articles:
        published = art.get("published_local") or art.get("published")
        row = {
            "url": art.get("url") or "",
            "source": art.get("source") or "",
            "title": art.get("title") or "",
            "published": published.isoformat() if isinstance(published, dt.datetime) else (published or ""),
            "text": art.get("text") or "",
            "event_count": int(art.get("event_count") or 0),
        }
        if writer is not None:
            writer.writerow(row)
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n


def export(
    db,
    fmt: str,
    out: IO[str],
    flt: EventFilter | None = None,
    *,
    with_unlocated: bool = False,
    per_report: bool = False,
) -> int:
    """Export what ``fmt`` names from ``db`` to ``out`` under ``flt``; returns the count.
    Events: one row per merged event, or per stored report with ``per_report``."""
    flt = flt or EventFilter()
    if fmt in ARTICLE_FORMATS:
        return write_articles(iter_articles(db, flt.since, flt.until, flt.source), fmt, out)
    if fmt not in EVENT_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    # a merged event names every outlet of its reports, not only those the filter selects
    pubs = site_names(db, db["events"].distinct("source", flt.query() if per_report else {}), publications())
    if per_report:
        return write_events(
            with_reviews(db, iter_events(db, flt=flt)), fmt, out, with_unlocated=with_unlocated, pubs=pubs
        )
    return write_incidents(iter_incidents(db, flt), fmt, out, with_unlocated=with_unlocated, pubs=pubs)


def site_names(
    db, sources: Iterable[Any], pubs: Mapping[str, Mapping[str, str]]
) -> dict[str, Mapping[str, str]]:
    """``pubs`` plus, for sources the registry does not name, the site name their articles
    declare (so a publication is named even when its registry is not at hand)."""
    out = dict(pubs)
    for sid in sources:
        if not isinstance(sid, str) or sid in out:
            continue
        art = db["articles"].find_one({"source": sid, "sitename": {"$nin": [None, ""]}}, {"sitename": 1})
        if art:
            out[sid] = {"name": art["sitename"], "source_scale": ""}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m pipelines.export", description="Export stored conflict events or articles."
    )
    ap.add_argument("--format", required=True, choices=FORMATS)
    ap.add_argument(
        "--per-report",
        action="store_true",
        help="one row per stored event report (default: one per merged event)",
    )
    ap.add_argument("--since", help="first date to include (YYYY-MM-DD)")
    ap.add_argument("--until", help="last date to include (YYYY-MM-DD)")
    ap.add_argument("--source", help="source id(s) from the registry, comma-separated")
    ap.add_argument("--country", help="country name(s) as exported, e.g. Syria")
    ap.add_argument("--admin1", help="first-level division(s), e.g. Idleb")
    ap.add_argument("--event-type", help="ACLED event type(s), e.g. 'Explosions/Remote violence'")
    ap.add_argument("--sub-event-type", help="ACLED sub-event type(s), e.g. 'Air/drone strike'")
    ap.add_argument("--actor", help="text in an actor's name (case-insensitive)")
    ap.add_argument("--min-confidence", type=float, help="lowest extractor confidence (0..1)")
    ap.add_argument(
        "--with-unlocated",
        action="store_true",
        help="GeoJSON: also write events without coordinates (null geometry)",
    )
    ap.add_argument("--output", help="file to write (default: standard output)")
    add_archive_options(ap)
    args = ap.parse_args(argv)
    try:
        flt = EventFilter(
            since=args.since,
            until=args.until,
            source=args.source,
            country=args.country,
            admin1=args.admin1,
            event_type=args.event_type,
            sub_event_type=args.sub_event_type,
            actor=args.actor,
            min_confidence=args.min_confidence,
        )
        if args.format in ARTICLE_FORMATS and (
            flt.country
            or flt.admin1
            or flt.event_type
            or flt.actor
            or flt.sub_event_type
            or flt.min_confidence is not None
        ):
            raise ValueError("article exports take only --source, --since and --until")
        if args.format in ARTICLE_FORMATS and args.per_report:
            raise ValueError("--per-report is for event exports")
        with open_database(args.mongo_uri, args.database, args.data_dir) as conn:
            if args.output:
                with open(args.output, "w", encoding="utf-8", newline="") as fh:
                    n = export(
                        conn.db,
                        args.format,
                        fh,
                        flt,
                        with_unlocated=args.with_unlocated,
                        per_report=args.per_report,
                    )
            else:
                out = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="", closefd=False)
                n = export(
                    conn.db, args.format, out, flt, with_unlocated=args.with_unlocated, per_report=args.per_report
                )
                out.flush()
    except (StorageError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    what = "articles" if args.format in ARTICLE_FORMATS else "reports" if args.per_report else "merged events"
    print(f"{n} {what} written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
