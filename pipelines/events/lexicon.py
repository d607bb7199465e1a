"""Phrase lexicons over folded tokens, and loading of the data files."""
from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipelines.arabic import fold_text
from pipelines.events.morph import clitic_forms, prefix_forms, strip_article, token_forms
from pipelines.events.subdistricts import assign_admin3, gazetteer_rows, read_subdistricts
from pipelines.events.text import Token

DATA = Path(__file__).with_name("data")


@dataclass
class Match:
    start: int          # token index, inclusive
    end: int            # token index, exclusive
    payload: Any
    phrase: str
    exact: bool = True  # matched without stripping a suffix


class _Multi(list):
    """Several payloads for one ambiguous phrase (an alias of two actors, a name of two places)."""


def payloads(m: Match) -> list[Any]:
    return list(m.payload) if isinstance(m.payload, _Multi) else [m.payload]


def phrase_words(phrase: str, keep_article: bool = False) -> tuple[str, ...]:
    words = fold_text(phrase).split()
    return tuple(words) if keep_article else tuple(strip_article(w) for w in words)


class PhraseIndex:
    """Longest lexicon phrases over tokens.

    ``forms`` gives the candidate base forms of a text token: ``token_forms`` for words that
    inflect (triggers, cues), ``prefix_forms`` for actor names and function words,
    ``clitic_forms`` (with ``keep_article``) for place names and calendar words, whose
    article is part of them.
    """

    def __init__(self, forms: Callable[[str], frozenset[str]] = token_forms,
                 keep_article: bool = False) -> None:
        self.forms = forms
        self.keep_article = keep_article
        self.first: dict[str, list[tuple[tuple[str, ...], Any, str]]] = {}

    def add(self, phrase: str, payload: Any) -> None:
        words = phrase_words(phrase, self.keep_article)
        if words:
            self.first.setdefault(words[0], []).append((words, payload, phrase))

    def match_at(self, tokens: list[Token], i: int) -> list[Match]:
        """All phrases starting at token i, longest (then unstripped) first."""
        exact = prefix_forms(tokens[i].text)
        out: list[Match] = []
        for form in self.forms(tokens[i].text):
            for words, payload, phrase in self.first.get(form, ()):
                n = len(words)
                if i + n <= len(tokens) and all(words[j] in self.forms(tokens[i + j].text)
                                                for j in range(1, n)):
                    out.append(Match(i, i + n, payload, phrase, form in exact or form in clitic_forms(tokens[i].text)))
        out.sort(key=lambda m: (m.start - m.end, not m.exact))
        return out

    def find_all(self, tokens: list[Token]) -> list[Match]:
        return scan(tokens, [self])[0]


def select(per_start: dict[int, list[Match]]) -> list[Match]:
    """Non-overlapping longest matches, left to right; equal rivals kept together."""
    out: list[Match] = []
    taken_to = -1
    for i in sorted(per_start):
        if i < taken_to:
            continue
        ms = per_start[i]
        ms.sort(key=lambda m: (m.start - m.end, not m.exact))
        best = ms[0]
        rivals = [m for m in ms if m.end == best.end and m.exact == best.exact]
        if len(rivals) > 1:
            best = Match(best.start, best.end, _Multi(m.payload for m in rivals), best.phrase, best.exact)
        out.append(best)
        taken_to = best.end
    return out


_COMBINED: dict[tuple[int, ...], dict[str, list[tuple[int, int, tuple[str, ...], Any, str]]]] = {}


_KIND: dict[object, int] = {token_forms: 0, prefix_forms: 1, clitic_forms: 2}


def scan(tokens: list[Token], indexes: list[PhraseIndex]) -> list[list[Match]]:
    """Longest matches of several indexes in one pass over the tokens (the costly part)."""
    key = tuple(id(x) for x in indexes)
    combined = _COMBINED.get(key)
    if combined is None:
        combined = {}
        for k, idx in enumerate(indexes):
            kind = _KIND.get(idx.forms, 0)
            for first, entries in idx.first.items():
                for words, payload, phrase in entries:
                    combined.setdefault(first, []).append((k, kind, words, payload, phrase))
        _COMBINED[key] = combined
    n_tok = len(tokens)
    forms = [(token_forms(t.text), prefix_forms(t.text), clitic_forms(t.text)) for t in tokens]
    per: list[dict[int, list[Match]]] = [{} for _ in indexes]
    keys = combined.keys()
    for i in range(n_tok):
        tf, pf, cf = forms[i]
        if keys.isdisjoint(tf):
            continue
        for form in tf:
            found = combined.get(form)
            if not found:
                continue
            # Exact: the token itself or without و/ف; «لبنان» is Lebanon, not ل + «بنان».
            text = tokens[i].text
            exact = form == text or (text[:1] in "وف" and form == text[1:])
            for k, kind, words, payload, phrase in found:
                if kind and form not in forms[i][kind]:
                    continue
                n = len(words)
                if n > 1:
                    if i + n > n_tok:
                        continue
                    ok = True
                    for j in range(1, n):
                        if words[j] not in forms[i + j][kind]:
                            ok = False
                            break
                    if not ok:
                        continue
                per[k].setdefault(i, []).append(Match(i, i + n, payload, phrase, exact))
    return [select(per[k]) if per[k] else [] for k in range(len(indexes))]


def _yaml(name: str) -> dict:
    with open(DATA / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=1)
def cues() -> dict:
    return _yaml("cues.yaml")


@lru_cache(maxsize=1)
def triggers() -> dict:
    return _yaml("triggers.yaml")


@lru_cache(maxsize=1)
def actors() -> list[dict]:
    return _yaml("actors.yaml")["actors"]


def _csv_rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@lru_cache(maxsize=1)
def gazetteer() -> list[dict]:
    """Hand-curated rows first: they carry Marsad's admin2 and news spellings; then the
    GeoNames rows, then Syria's sub-districts (every row gets an ``admin3``, maybe ""); last
    the worldwide layer (``world_places.csv``), under every name the others use."""
    rows = []
    for name in ("gazetteer_hand.csv", "gazetteer_geonames.csv", "world_places.csv"):
        for r in _csv_rows(name):
            if not r.get("lat") or not r.get("lon"):
                continue
            r["lat"], r["lon"] = float(r["lat"]), float(r["lon"])
            r["population"] = int(r["population"] or 0)
            r["iso"] = int(r["iso"])
            r["hand"] = r["source"] == "hand"
            r["world"] = name == "world_places.csv"
            rows.append(r)
    base = [r for r in rows if not r["world"]]
    nawahi = read_subdistricts()
    assign_admin3(base, nawahi)
    curated = base + gazetteer_rows(nawahi)
    return curated + _below(curated, [r for r in rows if r["world"]])


def _below(curated: list[dict], world: list[dict]) -> list[dict]:
    """The worldwide layer under the curated rows: a name the curated rows use is theirs."""
    taken = {phrase_words(n, True) for r in curated for n in r["names_ar"].split("|") if n}
    out = []
    for r in world:
        names = [n for n in r["names_ar"].split("|") if n and phrase_words(n, True) not in taken]
        if names:
            r["names_ar"] = "|".join(names)
            out.append(r)
    return out


# Cue lists of function words and names: no suffix stripping for them («عليه» is not «على»).
_PREFIX_ONLY = {"force_nouns", "subordinate_gap", "agent_verbs", "agent_before", "target_before", "support_before",
                "member_before", "between",
                "location_near", "location_exact", "location_region", "location_road", "person_singular",
                "person_dual", "temporal_subordinators", "attribution_before", "motion"}


@cache
def cue_index(key: str, sub: str | None = None) -> PhraseIndex:
    """A PhraseIndex over one list of cues.yaml (optionally a sub-key)."""
    data = cues()[key]
    if sub is not None:
        data = data[sub]
    if key == "numbers":
        idx = PhraseIndex(clitic_forms, keep_article=True)
    else:
        idx = PhraseIndex(prefix_forms if key in _PREFIX_ONLY else token_forms)
    items = data.items() if isinstance(data, dict) else ((w, w) for w in data)
    for k, v in items:
        idx.add(str(k), v)
    return idx


@lru_cache(maxsize=1)
def trigger_index() -> PhraseIndex:
    idx = PhraseIndex(token_forms)
    for t in triggers()["types"]:
        weak = {phrase_words(w) for w in t.get("weak_terms", [])}
        req = {phrase_words(k): [phrase_words(x)[0] for x in v]
               for k, v in (t.get("requires_after_for") or {}).items()}
        nxt = {phrase_words(w) for w in t.get("requires_next", [])}
        deadly = {phrase_words(w) for w in t.get("implies_death", [])}
        yields = {phrase_words(w) for w in t.get("yields_terms", [])}
        for term in t["terms"]:
            w = phrase_words(term)
            idx.add(term, {"type": t, "weak": w in weak, "requires": req.get(w),
                           "window": 1 if w in nxt else 4, "deadly": w in deadly, "yields": w in yields})
    return idx


@lru_cache(maxsize=1)
def actor_index() -> PhraseIndex:
    idx = PhraseIndex(prefix_forms)
    for a in actors():
        for alias in a["aliases"]:
            idx.add(alias, a)
    return idx


@lru_cache(maxsize=1)
def place_index() -> PhraseIndex:
    idx = PhraseIndex(clitic_forms, keep_article=True)
    blocked = {phrase_words(w, True) for w in cues()["not_places"]}
    seen: set[tuple] = set()
    for r in gazetteer():
        for name in r["names_ar"].split("|"):
            words = phrase_words(name, True)
            key = (words, r["name_en"], r["kind"])
            if name and key not in seen and words not in blocked:
                seen.add(key)
                idx.add(name, r)
    return idx


@lru_cache(maxsize=1)
def source_index() -> PhraseIndex:
    idx = PhraseIndex(prefix_forms)
    for s in cues()["sources"]:
        for alias in s["aliases"]:
            idx.add(alias, s["name"])
    return idx


@lru_cache(maxsize=1)
def air_index() -> PhraseIndex:
    idx = PhraseIndex(token_forms)
    for w in triggers().get("air_cues", []):
        idx.add(w, w)
    return idx


@cache
def word_set(key: str, keep_article: bool = True) -> frozenset[tuple[str, ...]]:
    """A cues.yaml list as a set of folded word tuples."""
    return frozenset(phrase_words(w, keep_article) for w in cues()[key])


@cache
def function_words(name: str) -> frozenset[str]:
    """A list of cues.yaml ``function_words``, folded, compared with tokens as written."""
    return frozenset(fold_text(w) for w in cues()["function_words"][name])
