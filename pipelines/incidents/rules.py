"""When two event reports describe one real-world event, and what the merged event says.

Pure functions over *reports*: the event fields of one ``events`` document plus where it
came from (see ``report_from_event``). The thresholds and families are data
(``data/rules.yaml``). ``pair_score`` is None for reports that cannot be the same event
and otherwise a score in (0, 1]: the product of the type, date, place and actor scores.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipelines.arabic import fold_text

RULES_FILE = Path(__file__).parent / "data" / "rules.yaml"


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    with open(RULES_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    data["family_of"] = {sub: fam for fam, subs in data["families"].items() for sub in subs}
    data["generic"] = {prefix: set(inters) for prefix, inters in data["generic_actors"].items()}
    return data


def family(sub_event_type: str | None, event_type: str | None = None) -> str:
    """The merge family of a sub-event type (the type itself when it has none)."""
    fam = rules()["family_of"].get(sub_event_type or "")
    return fam or (sub_event_type or event_type or "?")


def _aware(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return None


def _actor_name(actor: Any) -> str | None:
    return actor.get("name") if isinstance(actor, Mapping) and actor.get("name") else None


def report_from_event(ev: Mapping[str, Any], story: str | None = None) -> dict[str, Any]:
    """The report kept in a merged event for one ``events`` document."""
    loc = ev.get("location") if isinstance(ev.get("location"), Mapping) else None
    evidence: Mapping[str, Any] = ev["evidence"] if isinstance(ev.get("evidence"), Mapping) else {}
    return {
        "event_id": ev.get("_id"),
        "article_url": ev.get("article_url"),
        "article_title": ev.get("article_title"),
        "source": ev.get("source"),
        "story": story,
        "report_time": _aware(ev.get("article_published")),
        "event_type": ev.get("event_type"),
        "sub_event_type": ev.get("sub_event_type"),
        "disorder_type": ev.get("disorder_type"),
        "date": ev.get("date"),
        "time_precision": ev.get("time_precision") or 1,
        "location": dict(loc) if loc else None,
        "actor1": dict(ev["actor1"]) if isinstance(ev.get("actor1"), Mapping) else None,
        "actor2": dict(ev["actor2"]) if isinstance(ev.get("actor2"), Mapping) else None,
        "assoc_actor_1": list(ev.get("assoc_actor_1") or []),
        "assoc_actor_2": list(ev.get("assoc_actor_2") or []),
        "fatalities": ev.get("fatalities") if isinstance(ev.get("fatalities"), int) else 0,
        "injured": ev.get("injured") if isinstance(ev.get("injured"), int) else None,
        "modality": ev.get("modality"),
        "attributed_source": ev.get("attributed_source"),
        "confidence": ev.get("confidence"),
        "evidence": evidence.get("text"),
        "place_weak": bool(loc and loc.get("surface") and isinstance(evidence.get("text"), str)
                           and _folded(loc["surface"]) not in _folded(evidence["text"])),
    }


def _folded(text: str) -> str:
    return fold_text(text)


# --- dates -------------------------------------------------------------------------------

def interval(date: str | None, precision: int | None) -> tuple[dt.date, dt.date] | None:
    """The days a report's date may stand for, given its ACLED time precision."""
    try:
        day = dt.date.fromisoformat(str(date)[:10])
    except (TypeError, ValueError):
        return None
    tol = rules()["date_tolerance_days"].get(int(precision or 1), 0)
    return day - dt.timedelta(days=tol), day + dt.timedelta(days=tol)


def days(report: Mapping[str, Any]) -> list[str]:
    """ISO days covered by the report's date interval (the candidate look-up keys)."""
    span = interval(report.get("date"), report.get("time_precision"))
    if span is None:
        return []
    lo, hi = span
    return [(lo + dt.timedelta(days=i)).isoformat() for i in range((hi - lo).days + 1)]


def date_score(a: Mapping[str, Any], b: Mapping[str, Any]) -> float | None:
    ia = interval(a.get("date"), a.get("time_precision"))
    ib = interval(b.get("date"), b.get("time_precision"))
    if ia is None or ib is None or ia[0] > ib[1] or ib[0] > ia[1]:
        return None
    return 1.0 if a.get("date") == b.get("date") else 0.8


# --- places ------------------------------------------------------------------------------

def distance_km(la: Mapping[str, Any], lb: Mapping[str, Any]) -> float | None:
    try:
        lat1, lon1, lat2, lon2 = (math.radians(float(v))
                                  for v in (la["lat"], la["lon"], lb["lat"], lb["lon"]))
    except (KeyError, TypeError, ValueError):
        return None
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _precision(report: Mapping[str, Any]) -> int:
    loc = report.get("location") or {}
    gp = int(loc.get("geo_precision") or 1)
    return max(gp, int(rules()["weak_place_precision"])) if report.get("place_weak") else gp


def place_score(a: Mapping[str, Any], b: Mapping[str, Any]) -> float | None:
    """None when the reports' places cannot be one event's; else how well they agree."""
    la, lb = a.get("location"), b.get("location")
    r = rules()
    scores = r["place_scores"]
    if not la or not lb:
        return scores["unplaced"]
    if la.get("country") and lb.get("country") and la["country"] != lb["country"]:
        return None
    if a.get("story") and a.get("story") == b.get("story"):
        return scores["story"]
    pa, pb = _precision(a), _precision(b)
    coarse = max(pa, pb)
    if la.get("name_en") and la.get("name_en") == lb.get("name_en"):
        if coarse == 1:
            return scores["same_name"]
    km = distance_km(la, lb)
    if km is not None and km <= r["same_place_km"]:
        return scores["near"] if coarse == 1 else scores["same_admin2"]
    if coarse >= 2:
        if la.get("admin2") and la.get("admin2") == lb.get("admin2"):
            return scores["same_admin2"]
        if km is not None and km <= r["max_km"][2]:
            return scores["same_admin2"]
    if coarse >= 3:
        if la.get("admin1") and lb.get("admin1"):
            return scores["same_admin1"] if la["admin1"] == lb["admin1"] else None
        if km is not None and km <= r["max_km"][3]:
            return scores["same_admin1"]
    return None


# --- actors and types --------------------------------------------------------------------

def _vague_towards(actor: Mapping[str, Any]) -> set[int] | None:
    """The inter codes a vague actor may stand for; None for a named actor."""
    name = actor.get("name") or ""
    for prefix, inters in rules()["generic"].items():
        if name.startswith(prefix):
            return inters
    return None


def _role_agreement(x: Any, y: Any) -> str:
    if not _actor_name(x) or not _actor_name(y):
        return "neutral"
    vx, vy = _vague_towards(x), _vague_towards(y)
    if vx is None and vy is None:
        return "agree" if x["name"] == y["name"] else "conflict"
    if vx is not None and vy is not None:
        return "neutral" if vx & vy else "conflict"
    vague: set[int] = vx if vx is not None else (vy or set())
    named = y if vx is not None else x
    inter = named.get("inter")
    return "neutral" if inter is None or inter in vague else "conflict"


def actor_score(a: Mapping[str, Any], b: Mapping[str, Any]) -> float | None:
    """Per role: agree, neutral (missing or vague) or conflict, in whichever order of the
    two roles agrees more (word order can swap them). Conflicts with nothing in agreement
    block the merge; otherwise the score is the mean over the two roles."""
    scores = rules()["actor_scores"]
    a1, a2, b1, b2 = a.get("actor1"), a.get("actor2"), b.get("actor1"), b.get("actor2")
    straight = [_role_agreement(a1, b1), _role_agreement(a2, b2)]
    swapped = [_role_agreement(a1, b2), _role_agreement(a2, b1)]

    if swapped.count("agree") > straight.count("agree"):
        straight = swapped
    if "conflict" in straight and "agree" not in straight:
        return None
    return sum(scores[s] for s in straight) / 2


def actors_agree(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether some role agrees on a named actor (in either order)."""
    pairs = [("actor1", "actor1"), ("actor2", "actor2"), ("actor1", "actor2"), ("actor2", "actor1")]
    return any(_role_agreement(a.get(x), b.get(y)) == "agree" for x, y in pairs)


def fatality_score(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    fs = rules()["fatality_scores"]
    fa, fb = a.get("fatalities") or 0, b.get("fatalities") or 0
    if not fa or not fb:
        return fs["unknown"]
    return fs["equal"] if fa == fb else fs["differ"]


def type_score(a: Mapping[str, Any], b: Mapping[str, Any]) -> float | None:
    fa = family(a.get("sub_event_type"), a.get("event_type"))
    if fa != family(b.get("sub_event_type"), b.get("event_type")):
        return None
    return 1.0 if a.get("sub_event_type") == b.get("sub_event_type") else float(rules()["cross_type_score"])


def pair_score(a: Mapping[str, Any], b: Mapping[str, Any]) -> float | None:
    """How sure we are that reports ``a`` and ``b`` describe one event (None: they don't).
    Two events of one article are never one (the extractor already merged its mentions)."""
    if a.get("article_url") and a.get("article_url") == b.get("article_url"):
        return None
    total = 1.0
    for part in (type_score, date_score, actor_score):
        s = part(a, b)
        if s is None:
            return None
        total *= s
    p = place_score(a, b)
    if p is None:
        return None
    return round(total * p * fatality_score(a, b), 4)


def join_score(report: Mapping[str, Any], members: Sequence[Mapping[str, Any]]) -> float | None:
    """Complete link: the report must be compatible with every member (no chaining of
    neighbouring events); the score is its mean agreement with them."""
    if not members:
        return None
    scores = []
    for m in members:
        s = pair_score(report, m)
        if s is None:
            return None
        scores.append(s)
    mean = sum(scores) / len(scores)
    return mean if mean >= rules()["min_score"] else None


# --- merged fields -----------------------------------------------------------------------

def _support(reports: Iterable[Mapping[str, Any]], value) -> Counter:
    """Distinct sources (outlets) behind each value."""
    seen: dict[Any, set] = defaultdict(set)
    for r in reports:
        v = value(r)
        if v is not None:
            seen[v].add(r.get("source") or r.get("article_url"))
    return Counter({v: len(s) for v, s in seen.items()})


def _first_time(r: Mapping[str, Any]) -> tuple:
    t = _aware(r.get("report_time"))
    return (t is None, t or dt.datetime.max.replace(tzinfo=dt.UTC), r.get("event_id") or "")


def merged_fatalities(reports: Sequence[Mapping[str, Any]]) -> tuple[int, str]:
    """ACLED's rule: the most conservative figure among credible reports. Figures from
    reports of the allowed modalities and confidence (all reports when none qualifies);
    the lowest figure given by >= well_supported_sources outlets, else the lowest one."""
    r = rules()
    known = [x for x in reports if (x.get("fatalities") or 0) > 0]
    credible = [x for x in known if x.get("modality") in r["fatality_modalities"]
                and (x.get("confidence") or 0) >= r["fatality_min_confidence"]] or known
    if not credible:
        return 0, "none reported"
    support = _support(credible, lambda x: x.get("fatalities"))
    well = [v for v, n in support.items() if n >= r["well_supported_sources"]]
    if well:
        return min(well), f"lowest figure given by {r['well_supported_sources']}+ sources"
    return min(support), "lowest figure reported"


def _best(reports: Sequence[Mapping[str, Any]], value, prefer=None):
    """The value with most distinct sources; ties go to ``prefer`` (lower is better), then
    to the earliest report."""
    support = _support(reports, value)
    if not support:
        return None
    order: dict[Any, int] = {}
    for r in sorted(reports, key=_first_time):
        order.setdefault(value(r), len(order))

    def key(v):
        return (-support[v], prefer(v) if prefer else 0, order.get(v, 0))
    return min(support, key=key)


def _is_vague_name(name: str) -> bool:
    return _vague_towards({"name": name}) is not None


def merged_fields(reports: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The merged event's own fields, by the stated rules."""
    reports = sorted(reports, key=_first_time)
    sub = _best(reports, lambda r: r.get("sub_event_type"))
    typed = next(r for r in reports if r.get("sub_event_type") == sub) if sub else reports[0]
    best_tp = min(int(r.get("time_precision") or 1) for r in reports)
    dated = [r for r in reports if int(r.get("time_precision") or 1) == best_tp and r.get("date")]
    date = _best(dated, lambda r: r.get("date"), prefer=lambda d: d) if dated else None
    placed = [r for r in reports if r.get("location")]
    location = None
    if placed:
        best_gp = min(_precision(r) for r in placed)
        precise = [r for r in placed if _precision(r) == best_gp]
        name = _best(precise, lambda r: r["location"].get("name_en") or r["location"].get("surface"))
        location = next(r["location"] for r in precise
                        if (r["location"].get("name_en") or r["location"].get("surface")) == name)
    actors: dict[str, Any] = {}
    for role in ("actor1", "actor2"):
        name = _best(reports, lambda r, role=role: _actor_name(r.get(role)), prefer=_is_vague_name)
        actors[role] = next((dict(r[role]) for r in reports if _actor_name(r.get(role)) == name), None) \
            if name else None
        assoc = sorted({a for r in reports if _actor_name(r.get(role)) == name
                        for a in r.get(f"assoc_{role[:5]}_{role[-1]}") or []})
        actors[f"assoc_actor_{role[-1]}"] = assoc
    fatalities, rule = merged_fatalities(reports)
    figures = sorted({int(r["fatalities"]) for r in reports if (r.get("fatalities") or 0) > 0})
    injured = [r["injured"] for r in reports if isinstance(r.get("injured"), int) and r["injured"] > 0]
    times = [t for t in (_aware(r.get("report_time")) for r in reports) if t]
    return {
        "event_type": typed.get("event_type"),
        "sub_event_type": sub,
        "disorder_type": typed.get("disorder_type"),
        "date": date,
        "time_precision": best_tp,
        "location": location,
        **actors,
        "fatalities": fatalities,
        "fatalities_rule": rule,
        "fatalities_reported": figures,
        "injured": min(injured) if injured else None,
        "attributed_sources": sorted({r["attributed_source"] for r in reports if r.get("attributed_source")}),
        "first_report": min(times) if times else None,
        "last_report": max(times) if times else None,
        "sources": sorted({r["source"] for r in reports if r.get("source")}),
        "source_count": len({r["source"] for r in reports if r.get("source")}),
        "story_count": len({r.get("story") or r.get("article_url") for r in reports}),
        "report_count": len(reports),
        "merge_confidence": merge_confidence(reports),
    }


def merge_confidence(reports: Sequence[Mapping[str, Any]]) -> float:
    """How sure the merge is: the mean pairwise score of the reports (1.0 for a single
    report: nothing was merged)."""
    if len(reports) < 2:
        return 1.0
    scores = []
    for i, a in enumerate(reports):
        for b in reports[i + 1:]:
            s = pair_score(a, b)
            scores.append(s if s is not None else 0.0)
    return round(sum(scores) / len(scores), 3)
