"""Place mentions: gazetteer matches, their qualifiers and ACLED geo_precision."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pipelines.arabic import fold_text
from pipelines.events.lexicon import Match, cue_index, cues, payloads, phrase_words, place_index, word_set
from pipelines.events.morph import clitic_forms
from pipelines.events.text import Doc

_KIND_ORDER = {"place": 0, "subdistrict": 1, "region": 2, "admin2": 3, "admin1": 4, "country": 5}


@dataclass
class PlaceMention:
    start: int
    end: int
    rows: list[dict]
    qualifier: str | None      # "near", "exact", "region" or None
    row: dict | None = None    # chosen after the document's country is known
    weak: bool = False         # a one-word GeoNames name that is also an ordinary word

    @property
    def kind(self) -> str:
        return self.row["kind"] if self.row else self.rows[0]["kind"]


def _qualifier(doc: Doc, start: int) -> str | None:
    """The location word in the three words before a name (same clause): «قرب قرية X» is near."""
    toks = doc.tokens
    found: dict[str, int] = {}
    for back in (1, 2, 3):
        i = start - back
        if i < 0 or toks[i].clause != toks[start].clause:
            break
        for kind, key in (("near", "location_near"), ("exact", "location_exact"), ("region", "location_region"),
                          ("road", "location_road")):
            if kind not in found and any(m.end <= start for m in cue_index(key).match_at(toks, i)):
                found[kind] = back
    if "near" in found:
        return "near"          # «قرب قرية X»: near, whatever word names the place kind
    if "road" in found and found["road"] <= 2:
        return "road"
    if found:
        return min(found, key=lambda w: found[w])   # «مبنى المحافظة في مدينة X»: the nearest word wins
    return None


@lru_cache(maxsize=1)
def _preps() -> frozenset[str]:
    return frozenset(fold_text(w) for w in cues()["prepositions_place"])


@lru_cache(maxsize=1)
def _core() -> frozenset[str]:
    return frozenset(cues()["core_countries"])


@lru_cache(maxsize=1)
def _features() -> frozenset[str]:
    return frozenset(fold_text(w) for w in cues()["feature_words"])


def find_places(doc: Doc, blocked: set[int], matches: list[Match] | None = None) -> list[PlaceMention]:
    """Place names outside ``blocked`` token positions (actor and source names)."""
    ambiguous = word_set("ambiguous_places")
    preps = _preps()
    out: list[PlaceMention] = []
    for m in matches if matches is not None else place_index().find_all(doc.tokens):
        if any(i in blocked for i in range(m.start, m.end)):
            continue
        rows = payloads(m)
        q = _qualifier(doc, m.start)
        words = phrase_words(m.phrase, True)
        # Single-word names from GeoNames' alternate names are often ordinary words:
        # they need a place context unless the place is large or hand-curated.
        core = _core()
        weak = words in ambiguous or (len(words) == 1 and not any(
            r["hand"] or r["population"] >= 100000 or r["kind"] not in ("place", "subdistrict") for r in rows)) \
            or not any(r["country"] in core or r["hand"] for r in rows)
        prev = doc.tokens[m.start - 1].text if m.start else ""
        if weak and q is None:
            first = doc.tokens[m.start].text
            glued = first[:1] in "بل" and first[1:] in clitic_forms(first)
            if not (prev in preps or glued):
                continue
        if weak and prev and clitic_forms(prev) & _features():
            continue            # «دوار الكرامة» is a roundabout, not the village of al-Karama
        out.append(PlaceMention(m.start, m.end, rows, q, weak=weak))
    return out


def choose_rows(mentions: list[PlaceMention], votes: dict[str, float] | None = None) -> str | None:
    """Pick one gazetteer row per mention; return the document's main country."""
    votes = dict(votes or {})
    for pm in mentions:
        countries = {r["country"] for r in pm.rows}
        if len(countries) == 1:
            c = next(iter(countries))
            votes[c] = votes.get(c, 0) + (0.5 if pm.rows[0]["kind"] == "country" else 1)
    country = max(votes, key=lambda c: votes[c]) if votes else None
    for pm in mentions:
        want_region = pm.qualifier == "region"

        def score(r: dict, want_region: bool = want_region) -> tuple:
            kind_rank = _KIND_ORDER.get(r["kind"], 5)
            if want_region:
                kind_rank = -kind_rank if r["kind"] in ("admin1", "admin2") else kind_rank
            # homonyms («طرابلس»): the country the article is about, then the next most named
            return (r["country"] != country, -votes.get(r["country"], 0), kind_rank, not r["hand"],
                    -r["population"])
        pm.row = min(pm.rows, key=score)
    return country


def geo_precision(pm: PlaceMention) -> int:
    kind = pm.kind
    if kind in ("admin1", "admin2", "region", "country"):
        return 3
    if kind == "subdistrict":
        return 2           # «ناحية X»: a part of a district, coded at its seat
    return 2 if pm.qualifier in ("near", "road") else 1


def location_dict(pm: PlaceMention, surface: str) -> dict:
    r = pm.row or pm.rows[0]
    return {"name_en": r["name_en"], "surface": surface, "admin1": r["admin1"] or None,
            "admin2": r["admin2"] or None, "admin3": r.get("admin3") or None,
            "country": r["country"], "iso": r["iso"],
            "lat": r["lat"], "lon": r["lon"], "geo_precision": geo_precision(pm)}
