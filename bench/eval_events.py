"""Score the event extractor on the gold set, per field, and print a table.

    .venv/bin/python bench/eval_events.py [--gold tests/gold/events/gold.yaml] [--show]

Matching: within an article, predicted and gold events are paired greedily by agreement
(sub-event type, event type, location, actor1); a pair needs the same event type or the
same location. Per field, a gold value reproduced is a true positive, a wrong or extra
value a false positive, a wrong or missing one a false negative. Gold events marked
``optional`` are neither required nor false alarms. Locations agree when their names are
equal or their coordinates lie within 10 km.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.events import extract_events  # noqa: E402
from pipelines.events.lexicon import gazetteer  # noqa: E402

FIELDS = ("event_type", "sub_event_type", "actor1", "actor2", "location", "date", "fatalities")
GOLD = ROOT / "tests" / "gold" / "events" / "gold.yaml"


def load_gold(path: Path = GOLD) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    arts = data["articles"]
    for a in arts:
        if "text_file" in a:
            a["text"] = (path.parent / a["text_file"]).read_text(encoding="utf-8")
    return arts


def _coords() -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for r in gazetteer():
        out.setdefault(r["name_en"], (r["lat"], r["lon"]))
    return out


_COORDS: dict[str, tuple[float, float]] | None = None


def location_agrees(pred: dict | None, gold_name: str | None) -> bool:
    global _COORDS
    if pred is None or gold_name is None:
        return pred is None and gold_name is None
    if pred["name_en"] == gold_name:
        return True
    if _COORDS is None:
        _COORDS = _coords()
    g = _COORDS.get(gold_name)
    if g is None or pred.get("lat") is None:
        return False
    dlat = math.radians(pred["lat"] - g[0])
    dlon = math.radians(pred["lon"] - g[1]) * math.cos(math.radians(g[0]))
    return 6371 * math.hypot(dlat, dlon) <= 10


def value(ev: dict, field: str):
    v = ev.get(field)
    if field in ("actor1", "actor2"):
        return v["name"] if isinstance(v, dict) else None
    return v


def agrees(pred: dict, gold: dict, field: str) -> bool:
    if field == "location":
        return location_agrees(pred.get("location"), gold.get("location"))
    return value(pred, field) == gold.get(field)


def pair_score(p: dict, g: dict) -> int:
    s = 0
    s += 3 if p["sub_event_type"] == g.get("sub_event_type") else 0
    s += 2 if p["event_type"] == g.get("event_type") else 0
    s += 2 if "location" in g and agrees(p, g, "location") else 0
    s += 1 if "actor1" in g and agrees(p, g, "actor1") else 0
    return s


def match(preds: list[dict], golds: list[dict]) -> list[tuple[int, int]]:
    pairs = []
    for i, p in enumerate(preds):
        for j, g in enumerate(golds):
            if p["event_type"] == g.get("event_type") or ("location" in g and agrees(p, g, "location")):
                pairs.append((pair_score(p, g), i, j))
    pairs.sort(reverse=True)
    used_p, used_g, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


def evaluate(articles: list[dict], show: bool = False) -> dict:
    counts = {f: [0, 0, 0] for f in FIELDS + ("event",)}      # tp, fp, fn
    central_found, central_total, violations = 0, 0, []
    for a in articles:
        preds = extract_events(a["text"], published=a.get("published"), timezone=a.get("timezone"))
        golds = a.get("events") or []
        pairs = match(preds, golds)
        matched_p = {i for i, _ in pairs}
        matched_g = {j for _, j in pairs}
        for i, j in pairs:
            g = golds[j]
            if g.get("optional"):
                continue
            counts["event"][0] += 1
            for f in FIELDS:
                if f not in g:
                    continue
                gv, pv = g.get(f), (preds[i].get("location") if f == "location" else value(preds[i], f))
                if agrees(preds[i], g, f):
                    if gv is not None:
                        counts[f][0] += 1
                else:
                    if pv is not None:
                        counts[f][1] += 1
                    if gv is not None:
                        counts[f][2] += 1
            if g.get("central"):
                ok = all(agrees(preds[i], g, f) for f in ("sub_event_type", "location") if f in g)
                central_found += ok
        for j, g in enumerate(golds):
            if g.get("central"):
                central_total += 1
            if j not in matched_g and not g.get("optional"):
                counts["event"][2] += 1
                for f in FIELDS:
                    if g.get(f) is not None:
                        counts[f][2] += 1
        for i, p in enumerate(preds):
            if i not in matched_p:
                counts["event"][1] += 1
                for f in FIELDS:
                    if (p.get(f) if f != "location" else p.get("location")) is not None:
                        counts[f][1] += 1
        for ne in a.get("not_events", []):
            for p in preds:
                if p["sub_event_type"] == ne.get("sub_event_type") and p.get("location") and \
                        p["location"]["name_en"] == ne.get("location"):
                    violations.append((a["id"], ne))
        if show:
            print(f"== {a['id']}: {len(preds)} predicted, {len(golds)} gold")
            for p in preds:
                print("   ", p["sub_event_type"], "|", value(p, "actor1"), "|", value(p, "actor2"), "|",
                      p["location"] and p["location"]["name_en"], "|", p["date"], "| fat", p["fatalities"],
                      "|", p["modality"])
    return {"counts": counts, "central": (central_found, central_total), "violations": violations}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--show", action="store_true", help="print every predicted event")
    args = ap.parse_args(argv)
    arts = load_gold(args.gold)
    res = evaluate(arts, args.show)
    print(f"{len(arts)} articles, {sum(len([e for e in a.get('events') or [] if not e.get('optional')]) for a in arts)} required gold events")
    print(f"{'field':16} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn")
    for f in ("event",) + FIELDS:
        tp, fp, fn = res["counts"][f]
        p, r, f1 = prf(tp, fp, fn)
        print(f"{f:16} {p:6.3f} {r:6.3f} {f1:6.3f}  {tp:3d} {fp:3d} {fn:3d}")
    cf, ct = res["central"]
    print(f"seed central events found: {cf}/{ct}; recalled events wrongly coded: {len(res['violations'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
