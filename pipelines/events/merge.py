"""Merging mentions of one event: same type, place, date and compatible actors."""
from __future__ import annotations

import re
from functools import lru_cache

from pipelines.events.candidate import Candidate
from pipelines.events.lexicon import actors

_MERGEABLE = {frozenset({"Remote explosive/landmine/IED", "Suicide bomb"}),
              frozenset({"Remote explosive/landmine/IED", "Air/drone strike"}),
              frozenset({"Air/drone strike", "Chemical weapon"})}
_SUB_RANK = {"Chemical weapon": 3, "Suicide bomb": 3, "Air/drone strike": 2,
             "Remote explosive/landmine/IED": 1, "Shelling/artillery/missile attack": 1}


@lru_cache(maxsize=1)
def _generic_re() -> re.Pattern:
    """Names of vague actors («فصائل المعارضة», «القوات الحكومية») after {country} is filled."""
    parts = []
    for a in actors():
        if a.get("generic"):
            parts.append(re.escape(a["name"]).replace(re.escape("{country}"), "[^()]+")
                         .replace(re.escape(" ({country})"), "( \\([^()]+\\))?"))
    return re.compile("^(?:" + "|".join(parts) + ")$")


@lru_cache(maxsize=1)
def _generic_bare() -> frozenset[str]:
    return frozenset(a["name"].replace(" ({country})", "").replace(" of {country}", "")
                     for a in actors() if a.get("generic"))


def _is_generic(actor: dict) -> bool:
    return actor["name"] in _generic_bare() or bool(_generic_re().match(actor["name"]))


def _actor_compatible(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return True
    if a["name"] == b["name"]:
        return True
    return a["type"] == b["type"] and (_is_generic(a) or _is_generic(b))


def _more_specific(a: dict | None, b: dict | None) -> dict | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if _is_generic(a) and not _is_generic(b) and a["type"] == b["type"] else a


def _same_event(x: Candidate, y: Candidate) -> bool:
    if x.twin_of is not None or y.twin_of is not None:
        return False            # listed towns stay apart
    ex, ey = x.event, y.event
    if (x.definite or y.definite) and _same_deed_told_again(x, y):
        # «وأسفر الانفجار عن ...», «وتبنت الجماعة عملية الخطف»: a consequence or a claim told
        # of the deed already reported (its own date is that of the telling)
        return True
    if ex["date"] != ey["date"]:
        return False
    subs = frozenset({ex["sub_event_type"], ey["sub_event_type"]})
    lx, ly = ex["location"], ey["location"]
    if (x.headline or y.headline) and lx and ly and lx["admin1"] == ly["admin1"] and \
            (len(subs) == 1 or lx["name_en"] == ly["name_en"]):
        # The headline announces the event the body then places (and names) precisely.
        return _actor_compatible(ex["actor1"], ey["actor1"])
    if len(subs) == 1 and lx and ly and lx["admin1"] == ly["admin1"] and \
            (_coarse(lx) or _coarse(ly)) and lx["name_en"] != ly["name_en"]:
        # «سيطرت على المستشفى بريف إدلب» and «... في جسر الشغور»: the governorate-level
        # mention is the same deed told less precisely.
        return _actor_compatible(ex["actor1"], ey["actor1"]) and _actor_compatible(ex["actor2"], ey["actor2"])
    territory = {"Government regains territory", "Non-state actor overtakes territory"}
    if len(subs) > 1 and subs not in _MERGEABLE and not subs <= territory:
        return False
    if len(subs) > 1 and subs in _MERGEABLE and abs(x.sent - y.sent) > 1:
        return False
    if x.sent == y.sent and len(subs) == 1:
        # One sentence tells one fight: «اشتباكات ... قرب المشيرفة ... على مناطق الاشتباك».
        return _actor_compatible(ex["actor1"], ey["actor1"]) or _actor_compatible(ex["actor1"], ey["actor2"])
    if lx and ly and lx["name_en"] != ly["name_en"] and not (x.inherited_location or y.inherited_location):
        return False
    if lx and ly and lx["name_en"] != ly["name_en"] and abs(x.sent - y.sent) > 1:
        return False
    return _actor_compatible(ex["actor1"], ey["actor1"]) and _actor_compatible(ex["actor2"], ey["actor2"])


def _same_deed_told_again(x: Candidate, y: Candidate) -> bool:
    ex, ey = x.event, y.event
    subs = frozenset({ex["sub_event_type"], ey["sub_event_type"]})
    if len(subs) > 1 and subs not in _MERGEABLE:
        return False
    lx, ly = ex["location"], ey["location"]
    places_agree = lx is None or ly is None or x.inherited_location or y.inherited_location or \
        lx["name_en"] == ly["name_en"] or (lx["admin1"] == ly["admin1"] and (_coarse(lx) or _coarse(ly)))
    return places_agree and _actor_compatible(ex["actor1"], ey["actor1"]) and \
        _actor_compatible(ex["actor2"], ey["actor2"])


def _coarse(loc: dict) -> bool:
    """A location known only at governorate (admin1) or region level."""
    return loc.get("geo_precision") == 3 or loc.get("name_en") == loc.get("admin1")


def merge_events(events: list[Candidate]) -> list[Candidate]:
    out: list[Candidate] = []
    for c in events:
        for k in out:
            if _same_event(k, c):
                _absorb(k, c)
                break
        else:
            out.append(c)
    return out


def _absorb(k: Candidate, c: Candidate) -> None:
    ek, ec = k.event, c.event
    k.mentions += 1
    if _SUB_RANK.get(ec["sub_event_type"], 0) > _SUB_RANK.get(ek["sub_event_type"], 0):
        ek["sub_event_type"] = ec["sub_event_type"]
    other = {"actor1": ec["actor1"], "actor2": ec["actor2"],
             "assoc_actor_1": ec["assoc_actor_1"], "assoc_actor_2": ec["assoc_actor_2"]}
    if not _actor_compatible(ek["actor1"], ec["actor1"]) or \
            (ek["actor1"] and ec["actor2"] and ek["actor1"]["name"] == ec["actor2"]["name"]):
        # The other mention names the sides the other way round.
        other = {"actor1": ec["actor2"], "actor2": ec["actor1"],
                 "assoc_actor_1": ec["assoc_actor_2"], "assoc_actor_2": ec["assoc_actor_1"]}
    for role, assoc in (("actor1", "assoc_actor_1"), ("actor2", "assoc_actor_2")):
        ek[role] = _more_specific(ek[role], other[role])
        for n in other[assoc]:
            if n not in ek[assoc] and (ek[role] is None or n != ek[role]["name"]):
                ek[assoc].append(n)
    if ek["sub_event_type"] in ("Government regains territory", "Non-state actor overtakes territory") \
            and ek["actor1"] is not None:
        state = ek["actor1"]["type"] in ("State forces", "External/Other forces")
        ek["sub_event_type"] = "Government regains territory" if state else "Non-state actor overtakes territory"
    if k.headline and ec["sub_event_type"] != ek["sub_event_type"] and not c.yields:
        # the body names the deed the headline announced; a toll («قتل عشرة») names none
        ek["sub_event_type"] = ec["sub_event_type"]
    # The event type always follows the sub-event type it ended with.
    if ek["sub_event_type"] == ec["sub_event_type"]:
        ek["event_type"], ek["disorder_type"] = ec["event_type"], ec["disorder_type"]
    if k.headline and ec["location"] and (not ek["location"] or
                                          ec["location"]["geo_precision"] <= ek["location"]["geo_precision"]):
        ek["location"] = ec["location"]
        if not c.inherited_location:
            # the body's sentence names the place; one placed only by the article's main
            # place («ويأتي القصف بعد ...») leaves the headline its own evidence
            ek["evidence"] = ec["evidence"]
        k.headline = False
    elif ek["location"] and ec["location"] and _coarse(ek["location"]) and not _coarse(ec["location"]):
        ek["location"] = ec["location"]       # the precise place wins
    elif k.inherited_location and not c.inherited_location and ec["location"]:
        ek["location"] = ec["location"]
        k.inherited_location = False
    elif ek["location"] and ec["location"] and ek["location"]["name_en"] == ec["location"]["name_en"]:
        ek["location"]["geo_precision"] = min(ek["location"]["geo_precision"], ec["location"]["geo_precision"])
    ek["fatalities"] = max(ek["fatalities"] or 0, ec["fatalities"] or 0)
    for f in ("injured", "captured", "defected"):
        if ec[f] is not None:
            ek[f] = max(ek[f] or 0, ec[f])
    if ek["attributed_source"] is None:
        ek["attributed_source"] = ec["attributed_source"]
    if ek["modality"] == "reported" and ec["modality"] == "claimed":
        ek["modality"] = "claimed"
    if ek["actor1"] and ek["actor2"] and ek["actor1"]["name"] == ek["actor2"]["name"]:
        ek["actor2"] = None
    ek["confidence"] = max(ek["confidence"], ec["confidence"])

