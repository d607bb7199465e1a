#!/usr/bin/env python3
"""Train the event scorer (pipelines/events/scorer.py) and measure it honestly.

    .venv/bin/python scripts/train_event_scorer.py [--evaldata ../shared/evaldata/events]

1. Runs the rule extractor (scorer off) over the development half of the Arabic event gold
   standard and over the project's own labelled sentences (data/scorer_sentences.csv).
   It also runs over the development gold articles (tests/gold/events/gold.yaml, written for
   Marsad), whose candidates are labelled by the gold events; the held-out sets stay out.
2. Grouped k-fold cross-validation by document, through the full pipeline: for each fold a
   model is trained on the other folds (plus all own sentences), its threshold is chosen by
   an inner grouped CV on those folds only, and ``extract_events`` is run with that model on
   the held-out sentences, scored as the corpus's score.py does. The printed figures are
   these cross-validated ones; no row is scored by a model that saw it.
3. Trains the final model on everything, with the threshold that maximises F1 over the
   out-of-fold probabilities, and writes data/scorer_model.npz and data/scorer_model.json.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import logging
import math
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.events import extract_events  # noqa: E402
from pipelines.events.lexicon import gazetteer  # noqa: E402
from pipelines.events.scorer import (  # noqa: E402
    DEFAULT_MODEL,
    ENV_VAR,
    N_FEATURES,
    Vector,
    family_of,
    hashed,
    load_model,
    save_model,
)

PUBLISHED = "2008-06-15T12:00:00+03:00"
TIMEZONE = "Asia/Riyadh"
KIND_FAMILY = {"A": "violent", "P": "protest"}
OWN = ROOT / "pipelines" / "events" / "data" / "scorer_sentences.csv"
GOLD = ROOT / "tests" / "gold" / "events" / "gold.yaml"


@dataclass
class Row:
    kind: str              # "A" (ASSAULT file) or "P" (PROTEST file)
    gold: bool
    text: str
    group: str             # document id: no document is on both sides of a fold
    own: bool              # written by the project (trains every fold, never scored)
    events: list[dict] = field(default_factory=list)
    published: str = PUBLISHED
    timezone: str = TIMEZONE
    gold_events: list[dict] | None = None   # a gold article: each event is judged on its own
    rid: str = ""


def load_rows(evaldata: Path) -> list[Row]:
    rows = []
    for name, kind in (("assault_gsr.csv", "A"), ("protest_gsr.csv", "P")):
        with open(evaldata / name, encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                if r["label"] in ("yes", "easy no", "difficult no"):
                    group = re.sub(r"[-_]\d+$", "", r["id"])
                    rows.append(Row(kind, r["label"] == "yes", r["text"], group, False, rid=r["id"]))
    return rows


def load_own() -> list[Row]:
    rows = []
    with open(OWN, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(line for line in fh if not line.startswith("#")):
            kind = "A" if r["family"] == "violent" else "P"
            rows.append(Row(kind, r["label"] == "1", r["text"], "own:" + r["id"], True))
    return rows


def load_articles() -> list[Row]:
    """The project's development gold articles (tests/gold/events/gold.yaml, written for
    Marsad): each candidate the rules find is a positive when a gold event of its family sits
    at its place, a negative otherwise. The held-out gold sets are not used."""
    data = yaml.safe_load(GOLD.read_text(encoding="utf-8"))
    rows = []
    for a in data["articles"]:
        text = (GOLD.parent / a["text_file"]).read_text(encoding="utf-8") if "text_file" in a else a["text"]
        rows.append(Row("G", False, text, "gold:" + a["id"], True, published=a["published"],
                        timezone=a.get("timezone") or TIMEZONE, gold_events=a.get("events") or []))
    return rows


@lru_cache(maxsize=1)
def _coords() -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for r in gazetteer():
        out.setdefault(r["name_en"], (r["lat"], r["lon"]))
    return out


def _near(pred: dict | None, gold_name: str | None) -> bool:
    if gold_name is None:
        return True
    if pred is None:
        return False
    if pred["name_en"] == gold_name:
        return True
    g = _coords().get(gold_name)
    if g is None or pred.get("lat") is None:
        return False
    dy = (pred["lat"] - g[0]) * 111.0
    dx = (pred["lon"] - g[1]) * 111.0 * math.cos(math.radians(g[0]))
    return math.hypot(dx, dy) <= 10.0


def article_label(row: Row, ev: dict) -> bool:
    fam = family_of(ev)
    return any(family_of(g) == fam and _near(ev.get("location"), g.get("location"))
               for g in row.gold_events or [])


def run_extractor(rows: list[Row], model_path: str) -> list[list[dict]]:
    old = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = model_path
    try:
        return [extract_events(r.text, published=r.published, timezone=r.timezone) for r in rows]
    finally:
        if old is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = old


def family_events(row: Row, events: list[dict]) -> list[dict]:
    return [e for e in events if family_of(e) == KIND_FAMILY[row.kind]]


def matrix(vecs: list[Vector]) -> sp.csr_matrix:
    indptr = np.cumsum([0] + [len(v[0]) for v in vecs])
    indices = np.concatenate([v[0] for v in vecs]) if vecs else np.zeros(0, dtype=np.int64)
    data = np.concatenate([v[1] for v in vecs]) if vecs else np.zeros(0)
    m = sp.csr_matrix((data, indices, indptr), shape=(len(vecs), N_FEATURES))
    m.sum_duplicates()
    return m


class Examples:
    """One example per (row, family event), with its vector cached."""

    def __init__(self, rows: list[Row]) -> None:
        self.by_family: dict[str, list[tuple[int, Vector, bool]]] = defaultdict(list)
        for ri, row in enumerate(rows):
            if row.gold_events is not None:
                for ev in row.events:
                    fam = family_of(ev)
                    if fam is not None:
                        vec = hashed(ev["evidence"]["text"], ev)
                        self.by_family[fam].append((ri, vec, article_label(row, ev)))
                continue
            for ev in family_events(row, row.events):
                self.by_family[KIND_FAMILY[row.kind]].append(
                    (ri, hashed(ev["evidence"]["text"], ev), row.gold))

    def select(self, fam: str, keep: set[int]):
        ex = [e for e in self.by_family[fam] if e[0] in keep]
        return [e[0] for e in ex], [e[1] for e in ex], np.array([e[2] for e in ex], dtype=int)


def fit(vecs, y, c: float) -> tuple[np.ndarray, float]:
    if len(set(y.tolist())) < 2:
        return np.zeros(N_FEATURES), (5.0 if y.size and y[0] else -5.0)
    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="liblinear")
    lr.fit(matrix(vecs), y)
    return lr.coef_[0].astype(np.float64), float(lr.intercept_[0])


def sentence_probs(row_ids, probs) -> dict[int, float]:
    """A sentence's score is its best event's: score.py counts a sentence with any event."""
    best: dict[int, float] = {}
    for ri, p in zip(row_ids, probs, strict=True):
        best[ri] = max(best.get(ri, 0.0), p)
    return best


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def best_threshold(best: dict[int, float], rows: list[Row], scored: list[int],
                   articles: list[tuple[float, bool]]) -> float:
    """The threshold with the best mean of two F1s: the development sentences' (a sentence
    counts once, by its best event; one with no candidate is a miss at any threshold) and
    the gold articles' candidate events' (their share of real events is far higher, so a
    threshold tuned on the sentences alone would drop too many real events in articles)."""
    pos = sum(rows[i].gold for i in scored)
    cands = sorted({round(p, 4) for p in best.values()} | {round(p, 4) for p, _ in articles})
    top = (-1.0, 0.5)
    for t in cands:
        tp = sum(1 for i, p in best.items() if p >= t and rows[i].gold)
        fp = sum(1 for i, p in best.items() if p >= t and not rows[i].gold)
        score = _f1(tp, fp, pos - tp)
        if articles:
            atp = sum(1 for p, y in articles if p >= t and y)
            afp = sum(1 for p, y in articles if p >= t and not y)
            afn = sum(1 for p, y in articles if p < t and y)
            score = (score + _f1(atp, afp, afn)) / 2
        if score > top[0] + 1e-9:
            top = (score, t)
    return top[1]


def prf(rows: list[Row], preds: dict[int, bool], kind: str) -> tuple[float, float, float, int, int, int]:
    tp = fp = fn = 0
    for i, p in preds.items():
        if rows[i].kind != kind:
            continue
        g = rows[i].gold
        tp += p and g
        fp += p and not g
        fn += g and not p
    P = tp / (tp + fp) if tp + fp else 0.0
    R = tp / (tp + fn) if tp + fn else 0.0
    return P, R, (2 * P * R / (P + R) if P + R else 0.0), tp, fp, fn


def linear_prob(coef: np.ndarray, b: float, v: Vector) -> float:
    z = b + float(coef[v[0]] @ v[1])
    return float(1 / (1 + np.exp(-z)))


def train_family(ex: Examples, fam: str, rows: list[Row], train_rows: set[int], c: float,
                 inner_folds: int, seed: int) -> tuple[np.ndarray, float, float]:
    """Weights on ``train_rows`` and a threshold from an inner grouped CV over them."""
    eval_rows = sorted(i for i in train_rows if not rows[i].own and KIND_FAMILY.get(rows[i].kind) == fam)
    art_rows = sorted(i for i in train_rows if rows[i].gold_events is not None)
    fixed = {i for i in train_rows if rows[i].own and rows[i].gold_events is None}
    split_rows = eval_rows + art_rows
    oof_ids: list[int] = []
    oof_p: list[float] = []
    art_oof: list[tuple[float, bool]] = []
    labels = [f"{rows[i].kind}{int(rows[i].gold)}" for i in split_rows]
    groups = [rows[i].group for i in split_rows]
    inner = StratifiedGroupKFold(inner_folds, shuffle=True, random_state=seed)
    for tr, te in inner.split(split_rows, labels, groups):
        keep = {split_rows[k] for k in tr} | fixed
        _, vecs, y = ex.select(fam, keep)
        w, b = fit(vecs, y, c)
        held = {split_rows[k] for k in te}
        ids, tvecs, ty = ex.select(fam, held)
        for ri, v, yy in zip(ids, tvecs, ty, strict=True):
            p = linear_prob(w, b, v)
            if rows[ri].gold_events is not None:
                art_oof.append((p, bool(yy)))
            else:
                oof_ids.append(ri)
                oof_p.append(p)
    threshold = best_threshold(sentence_probs(oof_ids, oof_p), rows, eval_rows, art_oof)
    _, vecs, y = ex.select(fam, train_rows)
    w, b = fit(vecs, y, c)
    return w, b, threshold


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--evaldata", type=Path, default=ROOT.parent / "shared" / "evaldata" / "events")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--inner-folds", type=int, default=4)
    ap.add_argument("--C", type=float, default=2.0, dest="c")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--no-write", action="store_true", help="cross-validate only")
    ap.add_argument("--errors", type=Path, help="write the ids of cross-validated false positives and "
                    "negatives there (ids only: keep the corpus's text out of the repository)")
    args = ap.parse_args()
    if not (args.evaldata / "assault_gsr.csv").exists():
        print(f"no development data at {args.evaldata}", file=sys.stderr)
        return 2
    # The rules log their own failures; the figures are what matters here.
    logging.getLogger("pipelines.events").setLevel(logging.CRITICAL)
    t0 = time.perf_counter()
    rows = load_rows(args.evaldata) + load_own() + load_articles()
    for row, evs in zip(rows, run_extractor(rows, "off"), strict=True):
        row.events = evs
    ex = Examples(rows)
    eval_idx = [i for i, r in enumerate(rows) if not r.own]
    art_idx = [i for i, r in enumerate(rows) if r.gold_events is not None]
    own_idx = {i for i, r in enumerate(rows) if r.own and r.gold_events is None}
    print(f"{len(eval_idx)} development sentences, {len(own_idx)} own sentences, "
          f"{len(art_idx)} gold articles; "
          f"candidate events: " + ", ".join(f"{f} {len(v)}" for f, v in ex.by_family.items()))

    rule_preds = {i: bool(family_events(rows[i], rows[i].events)) for i in eval_idx}
    split_idx = eval_idx + art_idx
    strat = [f"{rows[i].kind}{int(rows[i].gold)}" for i in split_idx]
    groups = [rows[i].group for i in split_idx]
    cv_preds: dict[int, bool] = {}
    oof_ids: dict[str, list[int]] = defaultdict(list)
    oof_p: dict[str, list[float]] = defaultdict(list)
    art_oof: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    thresholds: dict[str, list[float]] = defaultdict(list)
    splitter = StratifiedGroupKFold(args.folds, shuffle=True, random_state=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        for k, (tr, te) in enumerate(splitter.split(split_idx, strat, groups)):
            train_rows = {split_idx[j] for j in tr} | own_idx
            test_rows = [split_idx[j] for j in te if rows[split_idx[j]].gold_events is None]
            test_arts = {split_idx[j] for j in te if rows[split_idx[j]].gold_events is not None}
            coef, icpt, thr = {}, {}, {}
            for fam in ("violent", "protest"):
                coef[fam], icpt[fam], thr[fam] = train_family(ex, fam, rows, train_rows, args.c,
                                                              args.inner_folds, args.seed + k)
                thresholds[fam].append(thr[fam])
                ids, vecs, _ = ex.select(fam, set(test_rows))
                oof_ids[fam] += ids
                oof_p[fam] += [linear_prob(coef[fam], icpt[fam], v) for v in vecs]
                _, avecs, ay = ex.select(fam, test_arts)
                art_oof[fam] += [(linear_prob(coef[fam], icpt[fam], v), bool(y))
                                 for v, y in zip(avecs, ay, strict=True)]
            path = os.path.join(tmp, f"fold{k}.npz")
            save_model(Path(path), coef, icpt, thr, {"fold": k})
            # The held-out sentences go through the whole extractor with this fold's model.
            held_out = [rows[i] for i in test_rows]
            for i, evs in zip(test_rows, run_extractor(held_out, path), strict=True):
                cv_preds[i] = bool(family_events(rows[i], evs))
    figures = {}
    print(f"{'':8} {'rules only':>28}   {'rules + scorer, ' + str(args.folds) + '-fold CV':>28}")
    for kind, name in (("A", "ASSAULT"), ("P", "PROTEST")):
        b = prf(rows, rule_preds, kind)
        s = prf(rows, cv_preds, kind)
        figures[name] = {"P": round(s[0], 3), "R": round(s[1], 3), "F1": round(s[2], 3),
                         "tp": s[3], "fp": s[4], "fn": s[5]}
        print(f"{name:8} P {b[0]:.3f} R {b[1]:.3f} F1 {b[2]:.3f}   P {s[0]:.3f} R {s[1]:.3f} F1 {s[2]:.3f}"
              f" (tp {s[3]} fp {s[4]} fn {s[5]})")
    for fam, pairs in art_oof.items():
        # Candidate events of the gold articles, judged by the fold thresholds' mean: a rough
        # view of what the scorer costs on articles (rule-missed gold events not counted).
        t = float(np.mean(thresholds[fam]))
        tp = sum(1 for p, y in pairs if p >= t and y)
        fp = sum(1 for p, y in pairs if p >= t and not y)
        fn = sum(1 for p, y in pairs if p < t and y)
        pos = sum(1 for _, y in pairs if y)
        print(f"gold articles, {fam} candidates (CV): {len(pairs)} ({pos} real), kept real {tp}/{pos}, "
              f"kept false {fp}/{len(pairs) - pos}, F1 {_f1(tp, fp, fn):.3f}")
    print("fold thresholds: " + "; ".join(f"{f} " + " ".join(f"{t:.2f}" for t in ts)
                                          for f, ts in thresholds.items()))

    if args.errors:
        with open(args.errors, "w", encoding="utf-8") as fh:
            for i, pred in sorted(cv_preds.items()):
                if pred != rows[i].gold:
                    fh.write(f"{'FP' if pred else 'FN'}\t{rows[i].kind}\t{rows[i].rid}"
                             f"\trules:{int(rule_preds[i])}\n")
    if args.no_write:
        print(f"done in {time.perf_counter() - t0:.1f} s (not written)")
        return 0
    all_rows = set(range(len(rows)))
    coef, icpt, thr = {}, {}, {}
    n_ex = {}
    for fam in ("violent", "protest"):
        scored = [i for i in eval_idx if KIND_FAMILY[rows[i].kind] == fam]
        thr[fam] = best_threshold(sentence_probs(oof_ids[fam], oof_p[fam]), rows, scored, art_oof[fam])
        _, vecs, y = ex.select(fam, all_rows)
        coef[fam], icpt[fam] = fit(vecs, y, args.c)
        n_ex[fam] = {"events": int(y.size), "positive": int(y.sum())}
    meta = {
        "name": "marsad-event-scorer",
        "trained": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "model": f"logistic regression (scikit-learn {sklearn.__version__}, liblinear, C={args.c}, "
                 "balanced classes) over hashed (CRC-32) character 2-5-grams, words and word "
                 "bigrams of the evidence sentence, trigger context words and the rule fields",
        "training_data": [
            "development half of the Open Event Data Alliance Arabic event gold standard "
            "(PLOVER ASSAULT and PROTEST sentences), MIT licence; sentences are not stored",
            "pipelines/events/data/scorer_sentences.csv, written by the Marsad project, MIT licence",
            "tests/gold/events/gold.yaml (the development gold articles, written for the Marsad project); "
            "the held-out gold sets are not used",
        ],
        "licence": "MIT",
        "examples": n_ex,
        "cross_validated": {"folds": args.folds, "grouped_by": "document", "seed": args.seed, **figures},
    }
    save_model(args.out, coef, icpt, thr, meta)
    side = args.out.with_suffix(".json")
    with open(side, "w", encoding="utf-8") as fh:
        json.dump({**meta, "threshold": thr, "file": args.out.name,
                   "note": "weights only: features are hashed, no n-gram or sentence is stored"},
                  fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    load_model.cache_clear()
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1e6:.2f} MB), thresholds "
          + ", ".join(f"{f} {t:.3f}" for f, t in thr.items()) + f"; done in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
