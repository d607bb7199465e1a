"""Merged events as ACLED rows and GeoJSON features: one row per real-world event.

``source`` lists the publications behind the event as ACLED does ("; "-separated: the
outlets, then the organisations they cite, such as the Syrian Observatory), and
``source_scale`` follows from the outlets' scales (``source_scale``). The per-report rows
stay what ``pipelines.export`` writes today; ``write_incidents`` is the per-event
counterpart of ``pipelines.export.write_events``.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from pipelines.export import ACLED_COLUMNS, acled_row

from .merge import INCIDENTS
from .rules import rules

FORMATS = ("acled-csv", "jsonl", "geojson")


def iter_incidents(db, since: str | None = None, until: str | None = None) -> Iterator[dict]:
    """Stored merged events with ``since <= date <= until`` (ISO dates), oldest first."""
    rng: dict[str, str] = {}
    if since:
        rng["$gte"] = since
    if until:
        rng["$lte"] = until
    yield from db[INCIDENTS].find({"date": rng} if rng else {}).sort([("date", 1), ("_id", 1)])


def source_scale(sources: Iterable[str], scales: Mapping[str, str]) -> str:
    """ACLED source_scale for an event reported by ``sources`` (outlet ids)."""
    order = rules()["source_scale_order"]
    found = {str(scales[s]) if scales.get(s) in order else "Other" for s in sources}
    if not found:
        return ""
    ranked = sorted(found, key=order.index)
    return ranked[0] if len(ranked) == 1 else f"{ranked[0]}-{ranked[-1]}"


def source_list(inc: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """The publications behind the event: outlets (by name), then cited organisations."""
    outlets = [names.get(s, s) for s in inc.get("sources") or []]
    cited = [a for a in inc.get("attributed_sources") or [] if a not in outlets]
    return "; ".join(sorted(set(outlets)) + sorted(set(cited)))


def incident_row(inc: Mapping[str, Any], *, scales: Mapping[str, str] | None = None,
                 names: Mapping[str, str] | None = None, timestamp: int | None = None) -> dict[str, Any]:
    """One ACLED-shaped row for a merged event."""
    scales, names = scales or {}, names or {}
    as_event = {k: inc.get(k) for k in (
        "date", "time_precision", "disorder_type", "event_type", "sub_event_type", "actor1", "actor2",
        "assoc_actor_1", "assoc_actor_2", "location", "fatalities")}
    as_event["_id"] = inc.get("_id")
    row = acled_row(as_event, timestamp)
    reports = inc.get("reports") or []
    first = reports[0] if reports else {}
    notes = first.get("evidence") or ""
    urls = sorted({r.get("article_url") for r in reports if r.get("article_url")})
    row["notes"] = (f"{notes} [{len(reports)} reports from {inc.get('source_count', 0)} sources: "
                    f"{' '.join(urls)}]").strip()
    row["source"] = source_list(inc, names)
    row["source_scale"] = source_scale(inc.get("sources") or [], scales)
    tags = [f"merge_confidence={inc.get('merge_confidence')}", f"reports={len(reports)}",
            f"fatalities_reported={'/'.join(str(f) for f in inc.get('fatalities_reported') or [])}"]
    if inc.get("version"):
        tags.append(f"merger={inc['version']}")
    row["tags"] = "; ".join(tags)
    return row


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def incident_feature(inc: Mapping[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature for a merged event: its point (None without coordinates), its
    merged fields, and its reports side by side."""
    loc = inc.get("location") or {}
    geometry = {"type": "Point", "coordinates": [loc["lon"], loc["lat"]]} \
        if loc.get("lat") is not None and loc.get("lon") is not None else None
    props = {k: v for k, v in inc.items() if k not in ("_id", "days", "report_ids", "place_key", "family")}
    return {"type": "Feature", "id": str(inc.get("_id")), "geometry": geometry, "properties": props}


def write_incidents(incidents: Iterable[Mapping[str, Any]], fmt: str, out: IO[str], *,
                    scales: Mapping[str, str] | None = None, names: Mapping[str, str] | None = None) -> int:
    """Write merged events in one of FORMATS; returns how many were written."""
    n = 0
    if fmt == "acled-csv":
        w = csv.DictWriter(out, fieldnames=ACLED_COLUMNS, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        stamp = int(time.time())
        for inc in incidents:
            w.writerow(incident_row(inc, scales=scales, names=names, timestamp=stamp))
            n += 1
    elif fmt == "jsonl":
        for inc in incidents:
            out.write(json.dumps(dict(inc), ensure_ascii=False, default=_json_default) + "\n")
            n += 1
    elif fmt == "geojson":
        out.write('{"type": "FeatureCollection", "features": [')
        for inc in incidents:
            out.write(("," if n else "") + "\n"
                      + json.dumps(incident_feature(inc), ensure_ascii=False, default=_json_default))
            n += 1
        out.write("\n]}\n")
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return n


def scales_from_registry(entries: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Outlet scales from source-registry entries that carry a ``scale`` field."""
    return {e["id"]: e["scale"] for e in entries if e.get("id") and e.get("scale")}


def names_from_registry(entries: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Outlet display names from source-registry entries (``name``)."""
    return {e["id"]: e["name"] for e in entries if e.get("id") and e.get("name")}
