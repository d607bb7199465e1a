"""Syria's sub-districts (nahiya, ACLED admin3): gazetteer rows and the admin3 of places."""
from __future__ import annotations

import csv
import math
from pathlib import Path

from pipelines.arabic import fold_text

FILE = Path(__file__).with_name("data") / "gazetteer_subdistricts.csv"

# A place row takes a nahiya's admin3 only when it lies this close to the nahiya's seat:
# village names repeat within a governorate, and a namesake farther away is another place.
SEAT_RADIUS_KM = 12.0


def _key(name: str) -> str:
    return fold_text(name).replace(" ", "")


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))


def read_subdistricts(path: Path = FILE) -> list[dict]:
    """The file's rows as dicts (lat/lon floats, towns_ar a list); [] when the file is absent."""
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    out = []
    for r in rows:
        try:
            r["lat"], r["lon"] = float(r["lat"]), float(r["lon"])
        except (TypeError, ValueError):
            continue
        r["towns_ar"] = [t for t in (r.get("towns_ar") or "").split("|") if t]
        out.append(r)
    return out


def gazetteer_rows(subdistricts: list[dict]) -> list[dict]:
    """Rows in the gazetteer's shape, kind ``subdistrict``, admin3 their own name.

    ``hand`` stays False so that a bare one-word seat name needs a place context
    («في X») like any other one-word name; «ناحية X» is two words and always counts."""
    return [{"name_en": s["name_en"], "names_ar": s["names_ar"], "kind": "subdistrict",
             "country": "Syria", "iso": 760, "admin1": s["admin1"], "admin2": s["admin2"],
             "admin3": s["name_en"], "lat": s["lat"], "lon": s["lon"], "population": 0,
             "source": "subdistricts", "hand": False} for s in subdistricts]


def assign_admin3(rows: list[dict], subdistricts: list[dict]) -> None:
    """Set ``admin3`` on every row in place: the nahiya whose seat (or listed town) the
    place is, same governorate and near the seat; else "". A place that is a nahiya's
    seat also takes the nahiya's district, the official one, over a nearest-seat guess."""
    by_name: dict[str, list[dict]] = {}
    for s in subdistricts:
        for name in [s["seat_ar"], *s["towns_ar"]]:
            by_name.setdefault(_key(name), []).append(s)
    for r in rows:
        r.setdefault("admin3", "")
        if r["kind"] != "place" or r["country"] != "Syria":
            continue
        for name in r["names_ar"].split("|"):
            found = [s for s in by_name.get(_key(name), ()) if s["admin1"] == r["admin1"]
                     and _km(r["lat"], r["lon"], s["lat"], s["lon"]) <= SEAT_RADIUS_KM]
            if found:
                s = min(found, key=lambda s: _km(r["lat"], r["lon"], s["lat"], s["lon"]))
                r["admin3"], r["admin2"] = s["name_en"], s["admin2"]
                break
