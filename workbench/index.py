"""An in-memory index of the events for the workbench's map, timeline and list.

A filter change must answer in well under a second with 100,000 events, which a scan of
the ``events`` collection through the embedded store cannot do; so the few fields the
views need are loaded once into flat columns and filtered here. The semantics are those
of ``pipelines.export.EventFilter`` (the export of the current view runs that filter on
the database, and the tests check both select the same events). The index reloads itself
when the collection changes (its count or the store's last flush).
"""
from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pipelines.export import EventFilter, actor_names

FIELDS = {"_id": 1, "date": 1, "event_type": 1, "sub_event_type": 1, "source": 1, "confidence": 1,
          "location.country": 1, "location.admin1": 1, "location.name_en": 1, "location.surface": 1,
          "location.lat": 1, "location.lon": 1, "actor1.name": 1, "actor2.name": 1, "assoc_actor_1": 1,
          "assoc_actor_2": 1, "fatalities": 1, "article_title": 1}
CLUSTER_PX = 48  # a cluster gathers the events within about this many screen pixels


@dataclass
class Row:
    __slots__ = ("id", "date", "type", "sub", "source", "conf", "country", "admin1", "place", "place_ar",
                 "lat", "lon", "actors", "actor1", "fatalities", "title", "week", "mx", "my")
    id: str
    date: str
    type: str
    sub: str
    source: str
    conf: float
    country: str
    admin1: str
    place: str
    place_ar: str
    lat: float | None
    lon: float | None
    actors: str      # lower-cased actor names joined by \n, for the actor filter
    actor1: str
    fatalities: int
    title: str
    week: str        # Monday of the event's week, precomputed: the timeline groups by it
    mx: float        # Web Mercator position at zoom 0 (0..256), precomputed for clustering
    my: float


def _row(ev: dict[str, Any]) -> Row:
    loc = ev.get("location") or {}
    lat, lon = loc.get("lat"), loc.get("lon")
    located = isinstance(lat, (int, float)) and isinstance(lon, (int, float))
    a1 = ev.get("actor1") or {}
    conf = ev.get("confidence")
    return Row(
        id=str(ev.get("_id")), date=str(ev.get("date") or "")[:10], type=ev.get("event_type") or "",
        sub=ev.get("sub_event_type") or "", source=ev.get("source") or "",
        conf=float(conf) if isinstance(conf, (int, float)) else 0.0,
        country=loc.get("country") or "", admin1=loc.get("admin1") or "", place=loc.get("name_en") or "",
        place_ar=loc.get("surface") or "", lat=float(lat) if located else None,
        lon=float(lon) if located else None, actors="\n".join(actor_names(ev)).lower(),
        actor1=a1.get("name") or "" if isinstance(a1, dict) else "",
        fatalities=int(ev.get("fatalities") or 0) if isinstance(ev.get("fatalities"), (int, float)) else 0,
        title=ev.get("article_title") or "",
        week=_week(str(ev.get("date") or "")[:10]),
        mx=_mercator(float(lat), float(lon), 0)[0] if located else 0.0,
        my=_mercator(float(lat), float(lon), 0)[1] if located else 0.0,
    )


def _week(date: str) -> str:
    try:
        return week_start(date)
    except ValueError:
        return ""


def week_start(date: str) -> str:
    day = dt.date.fromisoformat(date)
    return (day - dt.timedelta(days=day.weekday())).isoformat()


def _mercator(lat: float, lon: float, zoom: float) -> tuple[float, float]:
    size = 256 * 2 ** zoom
    lat = max(min(lat, 85.0), -85.0)
    siny = math.sin(math.radians(lat))
    return (lon + 180) / 360 * size, (0.5 - math.log((1 + siny) / (1 - siny)) / (4 * math.pi)) * size


class EventIndex:
    def __init__(self, db, refresh_seconds: float = 10.0):
        self.db = db
        self.refresh_seconds = refresh_seconds
        self.rows: list[Row] = []
        self._stamp: tuple | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.loaded_in = 0.0
        self._facets: dict[str, Any] | None = None
        self._views: dict[tuple, dict[str, Any]] = {}

    def _current_stamp(self) -> tuple:
        meta = self.db["marsad_meta"].find_one({"_id": "article_store"}, {"last_flush": 1, "flushes": 1}) or {}
        return (self.db["events"].estimated_document_count(), meta.get("flushes"), meta.get("last_flush"))

    def load(self) -> None:
        started = time.perf_counter()
        stamp = self._current_stamp()
        rows = [_row(ev) for ev in self.db["events"].find({}, FIELDS).batch_size(5000)]
        rows.sort(key=lambda r: (r.date, r.id), reverse=True)
        with self._lock:
            self.rows, self._stamp, self._facets, self._views = rows, stamp, None, {}
            self._checked = time.monotonic()
        # the first view (no filter, the page's default zoom) is ready before anyone asks
        self.facets()
        self.view(EventFilter(), zoom=4)
        self.loaded_in = time.perf_counter() - started

    def fresh(self) -> list[Row]:
        """The rows, reloaded first when the collection changed since the last check."""
        now = time.monotonic()
        if self._stamp is None or now - self._checked > self.refresh_seconds:
            self._checked = now
            if self._stamp is None or self._current_stamp() != self._stamp:
                self.load()
        return self.rows

    # -- filtering ------------------------------------------------------------------

    @staticmethod
    def matcher(flt: EventFilter, with_dates: bool = True):
        sources = set(flt.values(flt.source))
        countries = set(flt.values(flt.country))
        admin1 = set(flt.values(flt.admin1))
        types = set(flt.values(flt.event_type))
        subs = set(flt.values(flt.sub_event_type))
        actor = flt.actor.lower() if flt.actor else None
        since = flt.since if with_dates else None
        until = flt.until if with_dates else None
        conf = flt.min_confidence

        def ok(r: Row) -> bool:
            return not (
                (since and r.date < since) or (until and r.date > until)
                or (sources and r.source not in sources) or (countries and r.country not in countries)
                or (admin1 and r.admin1 not in admin1) or (types and r.type not in types)
                or (subs and r.sub not in subs) or (conf is not None and r.conf < conf)
                or (actor and actor not in r.actors))
        return ok

    def select(self, flt: EventFilter, with_dates: bool = True) -> list[Row]:
        active = flt.as_dict()
        if not with_dates:
            active.pop("since", None)
            active.pop("until", None)
        if not active:
            return self.fresh()
        ok = self.matcher(flt, with_dates)
        return [r for r in self.fresh() if ok(r)]

    # -- views ----------------------------------------------------------------------

    def view(self, flt: EventFilter, zoom: float = 3, bucket: str = "auto", limit: int = 200) -> dict[str, Any]:
        """Everything the main view shows for a filter: count, counts by type, the
        timeline (the filter without its dates, so a period can be chosen on it), map
        clusters at ``zoom`` and the newest events."""
        rows = self.select(flt)
        cache_key = (tuple(sorted(flt.as_dict().items())), zoom, bucket, limit, id(self.rows))
        cached = self._views.get(cache_key)
        if cached is not None:
            return cached
        undated = self.select(flt, with_dates=False) if (flt.since or flt.until) else rows
        if bucket not in ("day", "week"):
            # rows are newest first; undated ones ("" sorts first in reverse order: skip them)
            dated = [r.date for r in (undated[:50] + undated[-50:]) if len(r.date) == 10]
            try:
                span = (dt.date.fromisoformat(max(dated)) - dt.date.fromisoformat(min(dated))).days if dated else 0
            except ValueError:
                span = 0
            bucket = "day" if span <= 120 else "week"
        timeline: dict[str, Counter] = {}
        for r in undated:
            key = r.date if bucket == "day" else r.week
            if len(key) != 10:
                continue
            counter = timeline.get(key)
            if counter is None:
                counter = timeline[key] = Counter()
            counter[r.type] += 1
        if timeline and len(timeline) < 3000:  # empty periods shown as gaps, not left out
            step = dt.timedelta(days=1 if bucket == "day" else 7)
            day, last = dt.date.fromisoformat(min(timeline)), dt.date.fromisoformat(max(timeline))
            while day < last and len(timeline) < 3000:
                timeline.setdefault(day.isoformat(), Counter())
                day += step
        by_type: Counter = Counter()
        fatalities = unlocated = 0
        for r in rows:
            by_type[r.type] += 1
            fatalities += r.fatalities
            if r.lat is None:
                unlocated += 1
        result = {
            "count": len(rows),
            "total": len(self.rows),
            "by_type": dict(by_type.most_common()),
            "fatalities": fatalities,
            "unlocated": unlocated,
            "bucket": bucket,
            "timeline": [[k, dict(v)] for k, v in sorted(timeline.items())],
            "clusters": self.clusters(rows, zoom),
            "zoom": zoom,
            "events": [self.brief(r) for r in rows[:limit]],
        }
        if len(self._views) > 64:
            self._views.clear()
        self._views[cache_key] = result
        return result

    @staticmethod
    def brief(r: Row) -> dict[str, Any]:
        return {"id": r.id, "date": r.date, "event_type": r.type, "sub_event_type": r.sub, "place": r.place,
                "place_ar": r.place_ar, "admin1": r.admin1, "country": r.country, "actor1": r.actor1,
                "fatalities": r.fatalities, "title": r.title, "source": r.source, "confidence": r.conf}

    @staticmethod
    def clusters(rows: list[Row], zoom: float) -> list[dict[str, Any]]:
        cells: dict[tuple[int, int], list] = {}
        factor = 2 ** zoom / CLUSTER_PX
        for r in rows:
            if r.lat is None or r.lon is None:
                continue
            key = (int(r.mx * factor), int(r.my * factor))
            cell = cells.get(key)
            if cell is None:
                cells[key] = [1, r.lat, r.lon, Counter({r.type: 1}), r.id]
            else:
                cell[0] += 1
                cell[1] += r.lat
                cell[2] += r.lon
                cell[3][r.type] += 1
        out = []
        for n, lat, lon, types, first in cells.values():
            out.append({"n": n, "lat": round(lat / n, 4), "lon": round(lon / n, 4), "types": dict(types),
                        "id": first if n == 1 else None})
        out.sort(key=lambda c: -c["n"])
        return out

    def facets(self) -> dict[str, Any]:
        rows = self.fresh()
        cached = self._facets
        if cached is not None:
            return cached
        self._facets = self._compute_facets(rows)
        return self._facets

    @staticmethod
    def _compute_facets(rows: list[Row]) -> dict[str, Any]:
        admin1: dict[str, Counter] = {}
        subs: dict[str, Counter] = {}
        for r in rows:
            if r.admin1:
                admin1.setdefault(r.country, Counter())[r.admin1] += 1
            if r.sub:
                subs.setdefault(r.type, Counter())[r.sub] += 1
        dates = [r.date for r in rows if len(r.date) == 10]
        return {
            "total": len(rows),
            "sources": sorted(Counter(r.source for r in rows if r.source)),
            "countries": [c for c, _ in Counter(r.country for r in rows if r.country).most_common()],
            "admin1": {c: sorted(v) for c, v in admin1.items()},
            "event_types": [t for t, _ in Counter(r.type for r in rows if r.type).most_common()],
            "sub_event_types": {t: sorted(v) for t, v in subs.items()},
            "first_date": min(dates) if dates else None,
            "last_date": max(dates) if dates else None,
        }
