"""Actor mentions: lexicon matches resolved by date and country to ACLED-style actors."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from pipelines.arabic import fold_text
from pipelines.events.lexicon import Match, actor_index, actors, cue_index, cues, function_words, payloads
from pipelines.events.text import Doc

INTER = {"State forces": 1, "Rebel group": 2, "Political militia": 3, "Identity militia": 4,
         "Rioters": 5, "Protesters": 6, "Civilians": 7, "External/Other forces": 8}


@dataclass
class ActorMention:
    start: int
    end: int
    entries: list[dict]
    role: str | None = None            # "agent", "target", "support", "member", "source", "holder"
    assoc_of: int | None = None        # index of the mention this one supports
    members: list[int] = field(default_factory=list)


def find_actors(doc: Doc, matches: list | None = None) -> list[ActorMention]:
    ms = matches if matches is not None else actor_index().find_all(doc.tokens)
    national = _force_nationality(doc, ms)
    covered = {i for m in national for i in range(m.start, m.end)}
    ms = sorted([m for m in ms if not any(i in covered for i in range(m.start, m.end))] + national,
                key=lambda m: m.start)
    out: list[ActorMention] = []
    ms = list(ms)
    for k, m in enumerate(ms):
        a = ActorMention(m.start, m.end, payloads(m))
        nxt = ms[k + 1] if k + 1 < len(ms) else None
        gap = nxt.start - m.end if nxt is not None else -1
        # «مسلحون من تنظيم داعش»: «من» may stand between the vague word and the name
        if nxt is not None and (gap == 0 or (gap == 1 and doc.tokens[m.end].text in function_words("from"))) and \
                all(e.get("generic") for e in a.entries) and \
                not any(e.get("generic") for e in payloads(nxt)) and \
                ({e["type"] for e in a.entries} & {e["type"] for e in payloads(nxt)}
                 or any(e["name"].startswith("Unidentified") for e in a.entries)):
            continue        # «فصائل الجبهة الشامية»: the vague word introduces the name
        # «قوات سوريا الديمقراطية (قسد)»: an abbreviation right after the name is the same mention.
        if out and 0 <= a.start - out[-1].end <= 1 and \
                {(e["name"], e.get("nation")) for e in a.entries} & \
                {(e["name"], e.get("nation")) for e in out[-1].entries}:
            continue
        out.append(a)
    return out


def _force_nationality(doc: Doc, known: list) -> list[Match]:
    """«الطائرات الحربية الروسية»: a force noun and, within two words, a nationality."""
    # A vague «الجيش» does not stop «الجيش الأردني» from naming the Jordanian army.
    taken = {i for m in known if not all(e.get("generic") for e in payloads(m))
             for i in range(m.start, m.end)}
    toks = doc.tokens
    nations = _nationalities()
    out = []
    for m in cue_index("force_nouns").find_all(toks):
        if m.start in taken:
            continue
        for j in range(m.end, min(m.end + 2, len(toks))):
            if j in taken or toks[j].clause != toks[m.start].clause:
                break
            country = nations.get(toks[j].text)
            if country:
                entry = {"name": "Military Forces of {nation}", "nation": country, "type": "State forces",
                         "country": country, "aliases": [m.phrase], "from": None}
                out.append(Match(m.start, j + 1, entry, ""))
                break
    return out


@lru_cache(maxsize=1)
def _nationalities() -> dict[str, str]:
    return {fold_text(k): v for k, v in cues()["nationality_forces"].items()}


def _by_name() -> dict[str, dict]:
    global _NAMES
    if _NAMES is None:
        _NAMES = {a["name"]: a for a in actors()}
    return _NAMES


_NAMES: dict[str, dict] | None = None


def _predecessors() -> dict[str, dict]:
    global _PREV
    if _PREV is None:
        _PREV = {a["successor"]: a for a in actors() if a.get("successor")}
    return _PREV


_PREV: dict[str, dict] | None = None


def _date(v) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        return None


def resolve_entry(entries: list[dict], when: dt.date | None, country: str | None) -> dict | None:
    """The actor an alias means at a date in a country (following renamings)."""
    if len(entries) == 1 and entries[0].get("nation"):
        return army_of(entries[0]["nation"], when)
    cands = [e for e in entries if not e.get("countries") or country is None or country in e["countries"]]
    if not cands:
        return None
    if when is not None:
        current = [e for e in cands
                   if (_date(e.get("from")) or dt.date.min) <= when < (_date(e.get("to")) or dt.date.max)]
        if current:
            return current[0]
        # A name used after its group was renamed: follow the successors.
        for e in cands:
            seen = 0
            while e.get("successor") and (_date(e.get("to")) or dt.date.max) <= when and seen < 5:
                nxt = _by_name().get(e["successor"])
                if nxt is None:
                    break
                e, seen = nxt, seen + 1
            if (_date(e.get("from")) or dt.date.min) <= when < (_date(e.get("to")) or dt.date.max):
                return e
        # A newer name used for an earlier date: walk back to the name of that time.
        for e in cands:
            seen = 0
            while (_date(e.get("from")) or dt.date.min) > when and seen < 5:
                prev = _predecessors().get(e["name"])
                if prev is None:
                    break
                e, seen = prev, seen + 1
            if (_date(e.get("from")) or dt.date.min) <= when < (_date(e.get("to")) or dt.date.max):
                return e
        # Every reading of the alias is from a later period: it did not mean them yet
        # («الأمن العام» in 2022 is not the post-2024 security service).
        if all((_date(e.get("from")) or dt.date.min) > when for e in cands):
            return None
    return cands[0]


def national_forces(entry: dict, when: dt.date | None, country: str | None) -> dict:
    """«الجيش» in a Syrian report is the Syrian army of that date, not a vague army."""
    if entry.get("name") != "Military Forces of {country}" or not country:
        return entry
    own = [e for e in actors() if e.get("country") == country and e["type"] == "State forces"
           and e["name"].startswith("Military Forces of")]
    return resolve_entry(own, when, country) or entry if own else entry


def army_of(country: str, when: dt.date | None) -> dict:
    """The military of a country at a date (its own entry when the lexicon has one)."""
    own = [e for e in actors() if e.get("country") == country and e["type"] == "State forces"
           and e["name"].startswith("Military Forces of")]
    found = resolve_entry(own, when, country) if own else None
    return found or {"name": f"Military Forces of {country}", "type": "State forces", "country": country,
                     "aliases": []}


def actor_dict(entry: dict, surface: str | None, country: str | None) -> dict:
    name = entry["name"]
    if "{country}" in name:
        name = name.replace("{country}", country) if country else \
            name.replace(" ({country})", "").replace(" of {country}", "")
    typ = entry["type"]
    home = entry.get("country")
    if typ == "State forces" and home and country and home != country:
        typ = "External/Other forces"
    return {"name": name, "surface": surface, "type": typ, "inter": INTER.get(typ)}
