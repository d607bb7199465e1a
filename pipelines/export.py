"""Export stored events: ``python -m pipelines.export --format acled-csv|jsonl|geojson
[--since DATE] [--until DATE] [--output FILE]``.

``acled-csv`` uses ACLED's column names, so the file can sit next to ACLED's own tables;
``jsonl`` writes the stored event documents; ``geojson`` a FeatureCollection of points.
The archive: ``--mongo-uri``/``--database``/``--data-dir`` (environment MONGO_URI,
MONGO_DATABASE, MARSAD_DATA_DIR; ``pipelines.config``).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from pipelines.config import add_archive_options
from pipelines.storage import StorageError, open_database

ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
]
FORMATS = ("acled-csv", "jsonl", "geojson")
_COUNTRIES = Path(__file__).parent / "events" / "data" / "countries.csv"


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict]:
    with open(_COUNTRIES, encoding="utf-8", newline="") as fh:
        return {r["country"]: r for r in csv.DictReader(line for line in fh if not line.startswith("#"))}


def _check_date(value: str | None, flag: str) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        raise ValueError(f"{flag} wants a date like 2024-01-31, not {value!r}") from None


def iter_events(db, since: str | None = None, until: str | None = None) -> Iterator[dict]:
    """Stored events with ``since <= date <= until`` (ISO dates), oldest first."""
    query: dict[str, Any] = {}
    rng = {}
    if since:
        rng["$gte"] = _check_date(since, "--since")
    if until:
        rng["$lte"] = _check_date(until, "--until")
    if rng:
        query["date"] = rng
    yield from db["events"].find(query).sort([("date", 1), ("_id", 1)])


def _inter(actor: Any) -> Any:
    """The actor's ACLED inter code, or "" when it has none."""
    value = actor.get("inter") if isinstance(actor, Mapping) else None
    return "" if value is None else value


def acled_row(ev: Mapping[str, Any], timestamp: int | None = None) -> dict[str, Any]:
    """One ACLED-shaped row for a stored event."""
    loc = ev.get("location") or {}
    country = loc.get("country") or ""
    cinfo = _countries().get(country, {})
    a1, a2 = ev.get("actor1") or {}, ev.get("actor2") or {}
    i1, i2 = _inter(a1), _inter(a2)
    interaction: int | str = ""
    if i1 != "":
        interaction = int(f"{min(i1, i2)}{max(i1, i2)}") if i2 != "" else int(f"{i1}0")
    date = ev.get("date") or ""
    notes = (ev.get("evidence") or {}).get("text") or ""
    if ev.get("article_url"):
        notes = f"{notes} [{ev['article_url']}]".strip()
    tags = [f"modality={ev.get('modality')}"] if ev.get("modality") else []
    if ev.get("extractor_version"):
        tags.append(f"extractor={ev['extractor_version']}")
    if ev.get("confidence") is not None:
        tags.append(f"confidence={ev['confidence']}")
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
        "source": ev.get("attributed_source") or ev.get("source") or "",
        "source_scale": "",
        "notes": notes,
        "fatalities": ev.get("fatalities") or 0,
        "tags": "; ".join(tags),
        "timestamp": timestamp if timestamp is not None else int(time.time()),
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def write_events(events: Iterator[Mapping[str, Any]], fmt: str, out: IO[str]) -> int:
    """Write events in one of FORMATS to ``out``; returns how many were written."""
    n = 0
    if fmt == "acled-csv":
        w = csv.DictWriter(out, fieldnames=ACLED_COLUMNS, lineterminator="\n")
        w.writeheader()
        stamp = int(time.time())
        for ev in events:
            w.writerow(acled_row(ev, stamp))
            n += 1
    elif fmt == "jsonl":
        for ev in events:
            out.write(json.dumps(dict(ev), ensure_ascii=False, default=_json_default) + "\n")
            n += 1
    elif fmt == "geojson":
        out.write('{"type": "FeatureCollection", "features": [')
        for ev in events:
            loc = ev.get("location") or {}
            geometry = {"type": "Point", "coordinates": [loc["lon"], loc["lat"]]} \
                if loc.get("lat") is not None and loc.get("lon") is not None else None
            props = {k: v for k, v in ev.items() if k != "_id"}
            feature = {"type": "Feature", "id": str(ev.get("_id")), "geometry": geometry,
                       "properties": props}
            text = json.dumps(feature, ensure_ascii=False, default=_json_default)
            out.write(("," if n else "") + "\n" + text)
            n += 1
        out.write("\n]}\n")
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipelines.export",
                                 description="Export stored conflict events.")
    ap.add_argument("--format", required=True, choices=FORMATS)
    ap.add_argument("--since", help="first event date to include (YYYY-MM-DD)")
    ap.add_argument("--until", help="last event date to include (YYYY-MM-DD)")
    ap.add_argument("--output", help="file to write (default: standard output)")
    add_archive_options(ap)
    args = ap.parse_args(argv)
    try:
        _check_date(args.since, "--since")
        _check_date(args.until, "--until")
        with open_database(args.mongo_uri, args.database, args.data_dir) as conn:
            events = iter_events(conn.db, args.since, args.until)
            if args.output:
                with open(args.output, "w", encoding="utf-8", newline="") as fh:
                    n = write_events(events, args.format, fh)
            else:
                out = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="", closefd=False)
                n = write_events(events, args.format, out)
                out.flush()
    except (StorageError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{n} events written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
