"""An in-memory index of the events for the workbench's map, timeline and list.

A filter change must answer in well under a second with 100,000 events, which a scan of
the ``events`` collection through the embedded store cannot do; so the few fields the
views need are loaded once into numpy columns (categories as integer codes) and
filtered and counted there. The semantics are those
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

import numpy as np

from pipelines.export import EventFilter, actor_names

FIELDS = {
    "_id": 1,
    "date": 1,
    "event_type": 1,
    "sub_event_type": 1,
    "source": 1,
    "confidence": 1,
    "location.country": 1,
    "location.admin1": 1,
    "location.name_en": 1,
    "location.surface": 1,
    "location.lat": 1,
    "location.lon": 1,
    "actor1.name": 1,
    "actor2.name": 1,
    "assoc_actor_1": 1,
    "assoc_actor_2": 1,
    "fatalities": 1,
    "article_title": 1,
}
CLUSTER_PX = 48  # a cluster gathers the events within about this many screen pixels
CLUSTER_SAMPLE = 8  # events of a cluster listed in its pop-up


@dataclass
class Row:
    __slots__ = (
        "id",
        "date",
        "type",
        "sub",
        "source",
        "conf",
        "country",
        "admin1",
        "place",
        "place_ar",
        "lat",
        "lon",
        "actors",
        "actor1",
        "fatalities",
        "title",
        "mx",
        "my",
    )
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
    actors: str  # lower-cased actor names joined by \n, for the actor filter
    actor1: str
    fatalities: int
    title: str
    mx: float  # Web Mercator position at zoom 0 (0..256), precomputed for clustering
    my: float


def _row(ev: dict[str, Any]) -> Row:
    loc = ev.get("location") or {}
    lat, lon = loc.get("lat"), loc.get("lon")
    located = isinstance(lat, (int, float)) and isinstance(lon, (int, float))
    a1 = ev.get("actor1") or {}
    conf = ev.get("confidence")
    mx, my = _mercator(float(lat), float(lon), 0) if located else (0.0, 0.0)  # type: ignore[arg-type]
    return Row(
        id=str(ev.get("_id")),
        date=str(ev.get("date") or "")[:10],
        type=ev.get("event_type") or "",
        sub=ev.get("sub_event_type") or "",
        source=ev.get("source") or "",
        conf=float(conf) if isinstance(conf, (int, float)) else 0.0,
        country=loc.get("country") or "",
        admin1=loc.get("admin1") or "",
        place=loc.get("name_en") or "",
        place_ar=loc.get("surface") or "",
        lat=float(lat) if located else None,  # type: ignore[arg-type]
        lon=float(lon) if located else None,  # type: ignore[arg-type]
        actors="\n".join(actor_names(ev)).lower(),
        actor1=a1.get("name") or "" if isinstance(a1, dict) else "",
        fatalities=int(ev.get("fatalities") or 0) if isinstance(ev.get("fatalities"), (int, float)) else 0,
        title=ev.get("article_title") or "",
        mx=mx,
        my=my,
    )


def _mercator(lat: float, lon: float, zoom: float) -> tuple[float, float]:
    size = 256 * 2**zoom
    lat = max(min(lat, 85.0), -85.0)
    siny = math.sin(math.radians(lat))
    return (lon + 180) / 360 * size, (0.5 - math.log((1 + siny) / (1 - siny)) / (4 * math.pi)) * size


class _Codes:
    """Integer codes of one categorical column."""

    def __init__(self, values: list[str]):
        self.names: list[str] = []
        index: dict[str, int] = {}
        codes = np.empty(len(values), dtype=np.int32)
        for i, value in enumerate(values):
            code = index.get(value)
            if code is None:
                code = index[value] = len(self.names)
                self.names.append(value)
            codes[i] = code
        self.index = index
        self.codes = codes

    def of(self, wanted: list[str]) -> np.ndarray:
        return np.array([self.index[w] for w in wanted if w in self.index], dtype=np.int32)


def _ordinal(date: str) -> int:
    try:
        return dt.date.fromisoformat(date).toordinal() if len(date) == 10 else -1
    except ValueError:
        return -1


class EventIndex:
    def __init__(self, db, refresh_seconds: float = 10.0):
        self.db = db
        self.refresh_seconds = refresh_seconds
        self.rows: list[Row] = []
        self._stamp: tuple | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._reload = threading.Lock()
        self.loaded_in = 0.0
        self._facets: dict[str, Any] | None = None
        self._views: dict[tuple, dict[str, Any]] = {}
        self._columns(self.rows)

    def _current_stamp(self) -> tuple:
        meta = (
            self.db["marsad_meta"].find_one({"_id": "article_store"}, {"last_flush": 1, "flushes": 1}) or {}
        )
        return (self.db["events"].estimated_document_count(), meta.get("flushes"), meta.get("last_flush"))

    def _columns(self, rows: list[Row]) -> None:
        self.c_type = _Codes([r.type for r in rows])
        self.c_sub = _Codes([r.sub for r in rows])
        self.c_source = _Codes([r.source for r in rows])
        self.c_country = _Codes([r.country for r in rows])
        self.c_admin1 = _Codes([r.admin1 for r in rows])
        self.c_actors = _Codes([r.actors for r in rows])
        self.day = np.array([_ordinal(r.date) for r in rows], dtype=np.int64)
        self.conf = np.array([r.conf for r in rows], dtype=np.float64)
        self.located = np.array([r.lat is not None for r in rows], dtype=bool)
        self.lat = np.array([r.lat if r.lat is not None else 0.0 for r in rows], dtype=np.float64)
        self.lon = np.array([r.lon if r.lon is not None else 0.0 for r in rows], dtype=np.float64)
        self.mx = np.array([r.mx for r in rows], dtype=np.float64)
        self.my = np.array([r.my for r in rows], dtype=np.float64)
        self.fatalities = np.array([r.fatalities for r in rows], dtype=np.int64)

    def load(self) -> None:
        started = time.perf_counter()
        stamp = self._current_stamp()
        rows = [_row(ev) for ev in self.db["events"].find({}, FIELDS).batch_size(5000)]
        rows.sort(key=lambda r: (r.date, r.id), reverse=True)
        with self._lock:
            self.rows, self._stamp, self._facets, self._views = rows, stamp, None, {}
            self._columns(rows)
            self._checked = time.monotonic()
        # the first view (no filter, the page's default zoom) is ready before anyone asks
        self.facets()
        self.view(EventFilter(), zoom=4)
        self.loaded_in = time.perf_counter() - started

    def fresh(self) -> list[Row]:
        """The rows, reloaded first when the collection changed since the last check."""
        now = time.monotonic()
        if (self._stamp is None or now - self._checked > self.refresh_seconds) and self._reload.acquire(
            blocking=self._stamp is None
        ):
            # one request reloads; the others go on with the rows they have
            try:
                self._checked = now
                if self._stamp is None or self._current_stamp() != self._stamp:
                    self.load()
            finally:
                self._reload.release()
        return self.rows

    # -- filtering ------------------------------------------------------------------

    def select_idx(self, flt: EventFilter, with_dates: bool = True) -> np.ndarray:
        """Positions (newest first) of the rows that ``flt`` selects."""
        self.fresh()
        n = len(self.rows)
        mask = np.ones(n, dtype=bool)
        if with_dates and (flt.since or flt.until):
            mask &= self.day >= 0  # a date filter leaves out events without a readable date
            if flt.since:
                mask &= self.day >= dt.date.fromisoformat(flt.since).toordinal()
            if flt.until:
                mask &= self.day <= dt.date.fromisoformat(flt.until).toordinal()
        for value, codes in (
            (flt.source, self.c_source),
            (flt.country, self.c_country),
            (flt.admin1, self.c_admin1),
            (flt.event_type, self.c_type),
            (flt.sub_event_type, self.c_sub),
        ):
            wanted = flt.values(value)
            if wanted:
                mask &= np.isin(codes.codes, codes.of(wanted))
        if flt.min_confidence is not None:
            mask &= self.conf >= flt.min_confidence
        if flt.actor:
            needle = flt.actor.lower()
            hits = np.array(
                [i for i, name in enumerate(self.c_actors.names) if needle in name], dtype=np.int32
            )
            mask &= np.isin(self.c_actors.codes, hits)
        return np.flatnonzero(mask)

    def select(self, flt: EventFilter, with_dates: bool = True) -> list[Row]:
        rows = self.fresh()
        return [rows[i] for i in self.select_idx(flt, with_dates)]

    # -- views ----------------------------------------------------------------------

    def view(
        self, flt: EventFilter, zoom: float = 3, bucket: str = "auto", limit: int = 200
    ) -> dict[str, Any]:
        """Everything the main view shows for a filter: count, counts by type, the
        timeline (the filter without its dates, so a period can be chosen on it), map
        clusters at ``zoom`` and the newest events."""
        self.fresh()
        cache_key = (tuple(sorted(flt.as_dict().items())), zoom, bucket, limit, id(self.rows))
        cached = self._views.get(cache_key)
        if cached is not None:
            return cached
        idx = self.select_idx(flt)
        undated = self.select_idx(flt, with_dates=False) if (flt.since or flt.until) else idx
        days = self.day[undated]
        days = days[days >= 0]
        if bucket not in ("day", "week"):
            bucket = "day" if days.size and int(days.max() - days.min()) <= 120 else "week"
        timeline: list[list[Any]] = []
        ntypes = max(len(self.c_type.names), 1)
        if days.size:
            types = self.c_type.codes[undated][self.day[undated] >= 0]
            if bucket == "week":
                # Monday of the week: ordinal 1 (0001-01-01) was a Monday
                days = days - (days - 1) % 7
            step = 1 if bucket == "day" else 7
            first = int(days.min())
            slot = (days - first) // step
            nslots = int(slot.max()) + 1
            counts = np.bincount(slot * ntypes + types, minlength=nslots * ntypes).reshape(nslots, ntypes)
            names = self.c_type.names
            for i in range(nslots):
                row = counts[i]
                timeline.append(
                    [
                        dt.date.fromordinal(first + i * step).isoformat(),
                        {names[t]: int(row[t]) for t in np.flatnonzero(row)},
                    ]
                )
        by_type = (
            np.bincount(self.c_type.codes[idx], minlength=ntypes) if idx.size else np.zeros(0, dtype=np.int64)
        )
        order = np.argsort(-by_type, kind="stable")
        result = {
            "count": int(idx.size),
            "total": len(self.rows),
            "by_type": {self.c_type.names[t]: int(by_type[t]) for t in order if by_type[t]},
            "fatalities": int(self.fatalities[idx].sum()),
            "unlocated": int(idx.size - self.located[idx].sum()),
            "bucket": bucket,
            "timeline": timeline,
            "clusters": self.clusters(idx, zoom),
            "zoom": zoom,
            "events": [self.brief(self.rows[i]) for i in idx[:limit]],
        }
        with self._lock:
            if len(self._views) > 64:
                self._views.clear()
            self._views[cache_key] = result
        return result

    @staticmethod
    def brief(r: Row) -> dict[str, Any]:
        return {
            "id": r.id,
            "date": r.date,
            "event_type": r.type,
            "sub_event_type": r.sub,
            "place": r.place,
            "place_ar": r.place_ar,
            "admin1": r.admin1,
            "country": r.country,
            "actor1": r.actor1,
            "fatalities": r.fatalities,
            "title": r.title,
            "source": r.source,
            "confidence": r.conf,
        }

    def clusters(self, idx: np.ndarray, zoom: float) -> list[dict[str, Any]]:
        """Events gathered in cells of about CLUSTER_PX screen pixels at ``zoom``."""
        idx = idx[self.located[idx]]
        if not idx.size:
            return []
        factor = 2**zoom / CLUSTER_PX
        key = (self.mx[idx] * factor).astype(np.int64) * (1 << 32) + (self.my[idx] * factor).astype(np.int64)
        cells, first, inverse, counts = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
        lat = np.bincount(inverse, weights=self.lat[idx]) / counts
        lon = np.bincount(inverse, weights=self.lon[idx]) / counts
        ntypes = max(len(self.c_type.names), 1)
        by_type = np.bincount(
            inverse * ntypes + self.c_type.codes[idx], minlength=cells.size * ntypes
        ).reshape(cells.size, ntypes)
        names = self.c_type.names
        # members of each cell, newest first (idx is newest first and the sort is stable)
        members = idx[np.argsort(inverse, kind="stable")]
        starts = np.cumsum(counts) - counts
        out = []
        for c in np.argsort(-counts, kind="stable"):
            n = int(counts[c])
            sample = [self.rows[i] for i in members[starts[c] : starts[c] + min(n, CLUSTER_SAMPLE)]]
            out.append(
                {
                    "n": n,
                    "lat": round(float(lat[c]), 4),
                    "lon": round(float(lon[c]), 4),
                    "types": {names[t]: int(by_type[c, t]) for t in np.flatnonzero(by_type[c])},
                    "id": self.rows[idx[first[c]]].id if n == 1 else None,
                    # the newest events of the cell, listed when it is clicked
                    "sample": [
                        {"id": r.id, "date": r.date, "event_type": r.type, "place": r.place_ar or r.place}
                        for r in sample
                    ],
                }
            )
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
