"""The offline base map: country and first-level boundaries read from a GeoPackage.

The default file is Natural Earth's 1:10m Admin-0 and Admin-1 boundaries (public domain),
generalised by the QGIS project and shipped by Debian's ``qgis-common`` package as
``/usr/share/qgis/resources/data/world_map.gpkg`` (layers ``countries`` and
``states_provinces``). ``MARSAD_BASEMAP`` names another GeoPackage with the same layers.
Nothing is fetched: without the file the map draws the events on a plain background.

The layers are turned into compact JSON for the browser's own map code: coordinates in
hundredths of a degree, rings as flat ``[lon, lat, lon, lat, ...]`` integer lists.
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import threading
from pathlib import Path
from typing import Any

DEFAULT_GPKG = Path("/usr/share/qgis/resources/data/world_map.gpkg")
SCALE = 100  # coordinates in 1/100 degree: ~1 km, finer than the map ever shows
LICENCE = (
    "Boundaries: Natural Earth (public domain), generalised by the QGIS project "
    "(Debian package qgis-common, world_map.gpkg)"
)


def gpkg_path() -> Path | None:
    """The GeoPackage in use, or None when there is none."""
    path = Path(os.environ.get("MARSAD_BASEMAP") or DEFAULT_GPKG)
    return path if path.is_file() else None


def _wkb_polygons(buf: bytes, pos: int = 0) -> tuple[list[list[list[tuple[float, float]]]], int]:
    """Polygons of a WKB (Multi)Polygon starting at ``pos``: [[ring, ...], ...]."""
    order = "<" if buf[pos] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", buf, pos + 1)
    pos += 5
    kind %= 1000
    if kind == 3:
        (nrings,) = struct.unpack_from(order + "I", buf, pos)
        pos += 4
        rings = []
        for _ in range(nrings):
            (npts,) = struct.unpack_from(order + "I", buf, pos)
            pos += 4
            coords = struct.unpack_from(order + f"{2 * npts}d", buf, pos)
            pos += 16 * npts
            rings.append(list(zip(coords[0::2], coords[1::2], strict=True)))
        return [rings], pos
    if kind == 6:
        (npolys,) = struct.unpack_from(order + "I", buf, pos)
        pos += 4
        polys = []
        for _ in range(npolys):
            poly, pos = _wkb_polygons(buf, pos)
            polys += poly
        return polys, pos
    return [], pos


def _gpkg_geometry(blob: bytes) -> list[list[list[tuple[float, float]]]]:
    if not blob or blob[:2] != b"GP":
        return []
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 7, 0)
    return _wkb_polygons(blob, 8 + envelope)[0]


def _compact(polys: list[list[list[tuple[float, float]]]]) -> list[list[int]]:
    rings = []
    for poly in polys:
        for ring in poly:
            flat: list[int] = []
            last = None
            for lon, lat in ring:
                point = (round(lon * SCALE), round(lat * SCALE))
                if point != last:
                    flat += point
                    last = point
            if len(flat) >= 6:
                rings.append(flat)
    return rings


class BaseMap:
    """Countries (all) and first-level divisions (per country, on demand), cached in memory."""

    def __init__(self, path: Path | None = None):
        self.path = path if path is not None else gpkg_path()
        self._countries: bytes | None = None
        self._admin1: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self.path is not None and self.path.is_file()

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        assert self.path is not None
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as conn:
            return conn.execute(sql, args).fetchall()

    def countries(self) -> bytes:
        """``{"licence", "features": [{"iso", "name", "rings"}]}`` as JSON bytes."""
        with self._lock:
            if self._countries is None:
                features: list[dict[str, Any]] = []
                if self.available:
                    for iso, name, geom in self._rows("SELECT iso_a2, NAME, geom FROM countries"):
                        features.append(
                            {"iso": iso or "", "name": name or "", "rings": _compact(_gpkg_geometry(geom))}
                        )
                self._countries = json.dumps(
                    {"licence": LICENCE, "features": features}, separators=(",", ":")
                ).encode()
            return self._countries

    def admin1(self, iso2: str) -> bytes:
        """First-level divisions of one country (ISO 3166 alpha-2)."""
        iso2 = iso2.upper()
        with self._lock:
            if iso2 not in self._admin1:
                features: list[dict[str, Any]] = []
                if self.available and len(iso2) == 2 and iso2.isalpha():
                    for name, geom in self._rows(
                        "SELECT name, geom FROM states_provinces WHERE iso_a2 = ?", (iso2,)
                    ):
                        features.append({"name": name or "", "rings": _compact(_gpkg_geometry(geom))})
                self._admin1[iso2] = json.dumps(
                    {"licence": LICENCE, "features": features}, separators=(",", ":")
                ).encode()
            return self._admin1[iso2]
