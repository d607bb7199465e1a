"""A learned second opinion on the rule extractor's violent and protest events.

The rules find candidates with high recall and poor precision on real newswire: recalls of
earlier events, trials, funerals, other senses of trigger words. A logistic regression over
hashed character and word n-grams of the evidence sentence, plus the rules' own decisions
(type, modality, whether an actor, a place, casualties were found), gives every such event a
probability; that becomes its ``confidence``, and events under the model's threshold are
set aside as ``low_confidence`` mentions.

The model file (``data/scorer_model.npz``) holds weights and thresholds only: features are
hashed, so no n-gram or sentence is stored. ``scripts/train_event_scorer.py`` trains it.
``MARSAD_EVENT_SCORER`` points to another model file, or turns the scorer off with ``off``.
"""
from __future__ import annotations

import json
import logging
import math
import os
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipelines.arabic import fold_text

log = logging.getLogger(__name__)

DEFAULT_MODEL = Path(__file__).with_name("data") / "scorer_model.npz"
ENV_VAR = "MARSAD_EVENT_SCORER"
FEATURE_VERSION = 2
N_FEATURES = 1 << 18
# The text block is normalised to this length: at 1 its hundreds of n-grams weigh less than
# the dozen rule features, and the model hardly reads the sentence.
TEXT_NORM = 3.0

VIOLENT_TYPES = frozenset({"Battles", "Explosions/Remote violence", "Violence against civilians"})
PROTEST_TYPES = frozenset({"Protests", "Riots"})
FAMILIES = ("violent", "protest")

_WORD_RE = re.compile(r"[^\W\d_]+|\d+")
# Rule outputs that are short category strings: each value is one feature when present.
_CATEGORY_FIELDS = ("event_type", "sub_event_type", "modality", "decision", "factuality",
                    "factuality_cue", "cue", "time_precision")


def family_of(event: dict) -> str | None:
    et = event.get("event_type")
    if et in VIOLENT_TYPES:
        return "violent"
    if et in PROTEST_TYPES:
        return "protest"
    return None


def _tokens(folded: str) -> list[str]:
    return _WORD_RE.findall(folded)


def _bucket(x: float, edges: tuple[float, ...]) -> int:
    return sum(x >= e for e in edges)


def _word_features(t: str) -> list[str]:
    padded = f" {t} "
    out = ["w:" + t]
    for n in (2, 3, 4, 5):
        out.extend("c:" + padded[i:i + n] for i in range(len(padded) - n + 1))
    return out


def text_features(sentence: str) -> list[str]:
    """Words, word bigrams and character 2-5-grams of each word of the folded sentence."""
    toks = _tokens(fold_text(sentence or ""))
    out: list[str] = []
    for t in toks:
        out.extend(_word_features(t))
    out.extend("b:" + a + " " + b for a, b in zip(toks, toks[1:], strict=False))
    return out


def rule_features(sentence: str, event: dict) -> list[str]:
    """The rules' decisions about one event, and the words framing its trigger."""
    toks = _tokens(fold_text(sentence or ""))
    # Words around the trigger say how the sentence frames it («محاكمة منفذي الهجوم»).
    trig = _tokens(fold_text(event.get("trigger") or ""))
    rule: list[str] = []
    if trig:
        rule.append("tr:" + " ".join(trig))
        k = next((i for i in range(len(toks)) if toks[i:i + len(trig)] == trig), -1)
        if k >= 0:
            for off in (-3, -2, -1):
                if k + off >= 0:
                    rule.append(f"t{off}:{toks[k + off]}")
                    rule.append("tl:" + toks[k + off])
            end = k + len(trig)
            for off in (0, 1, 2):
                if end + off < len(toks):
                    rule.append(f"t+{off + 1}:{toks[end + off]}")
                    rule.append("tr_r:" + toks[end + off])
            rule.append(f"tpos:{_bucket(k / max(1, len(toks)), (0.15, 0.4, 0.7))}")
    fam = family_of(event) or "other"
    for f in _CATEGORY_FIELDS:
        v = event.get(f)
        if isinstance(v, (str, int)) and not isinstance(v, bool) and v != "":
            rule.append(f"f:{f}={v}")
    for role in ("actor1", "actor2"):
        a = event.get(role)
        if isinstance(a, dict):
            rule.append(f"f:{role}")
            rule.append(f"f:{role}_type={a.get('type')}")
            if not a.get("surface"):
                rule.append(f"f:{role}_implied")
        else:
            rule.append(f"f:no_{role}")
    loc = event.get("location")
    if isinstance(loc, dict):
        rule.append("f:place")
        rule.append(f"f:geo={loc.get('geo_precision')}")
    else:
        rule.append("f:no_place")
    for count in ("fatalities", "injured", "captured"):
        n = event.get(count)
        if isinstance(n, int) and n > 0:
            rule.append(f"f:{count}")
            rule.append(f"f:{count}_b{_bucket(n, (2, 5, 20))}")
    if event.get("attributed_source"):
        rule.append("f:attributed")
    conf = event.get("confidence")
    if isinstance(conf, (int, float)):
        rule.append(f"f:conf_b{_bucket(float(conf), (0.5, 0.6, 0.7, 0.8, 0.9))}")
    rule.append(f"f:len_b{_bucket(len(toks), (8, 15, 30, 50))}")
    return [fam + "|" + r for r in rule] + rule


def _index(name: str) -> tuple[int, float]:
    h = zlib.crc32(name.encode("utf-8"))
    return h & (N_FEATURES - 1), (1.0 if h & 0x80000000 else -1.0)


def _hash_all(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    pairs = [_index(n) for n in names]
    return (np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs)),
            np.fromiter((p[1] for p in pairs), dtype=np.float64, count=len(pairs)))


@lru_cache(maxsize=100_000)
def _word_hashes(t: str) -> tuple[np.ndarray, np.ndarray]:
    """A word's hashed features; words repeat across texts, so they are remembered."""
    return _hash_all(_word_features(t))


Vector = tuple[np.ndarray, np.ndarray]     # feature indices, values (an index may repeat)


def _text_vector(sentence: str) -> Vector:
    toks = _tokens(fold_text(sentence or ""))
    parts = [_word_hashes(t) for t in toks]
    parts.append(_hash_all(["b:" + a + " " + b for a, b in zip(toks, toks[1:], strict=False)]))
    idx = np.concatenate([p[0] for p in parts])
    sign = np.concatenate([p[1] for p in parts])
    uniq, inv = np.unique(idx, return_inverse=True)
    vals = np.bincount(inv, weights=sign, minlength=len(uniq))
    norm = math.sqrt(float(vals @ vals)) or 1.0
    return uniq, vals * (TEXT_NORM / norm)


def hashed(sentence: str, event: dict, text_vec: Vector | None = None) -> Vector:
    """Feature vector: the text block L2-normalised, each rule feature worth 1."""
    idx, vals = text_vec if text_vec is not None else _text_vector(sentence)
    ridx, rvals = _hash_all(rule_features(sentence, event))
    return np.concatenate([idx, ridx]), np.concatenate([vals, rvals])


@dataclass(frozen=True)
class ScorerModel:
    coef: dict[str, np.ndarray]
    intercept: dict[str, float]
    threshold: dict[str, float]
    meta: dict

    def probability(self, family: str, vec: Vector) -> float:
        z = self.intercept[family] + float(self.coef[family][vec[0]] @ vec[1])
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def save_model(path: Path, coef: dict[str, np.ndarray], intercept: dict[str, float],
               threshold: dict[str, float], meta: dict) -> None:
    arrays: dict[str, np.ndarray] = {}
    for fam in coef:
        arrays[f"{fam}_coef"] = coef[fam].astype(np.float32)
    meta = {**meta, "feature_version": FEATURE_VERSION, "n_features": N_FEATURES,
            "intercept": intercept, "threshold": threshold, "families": sorted(coef)}
    arrays["meta"] = np.array(json.dumps(meta, ensure_ascii=False))
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]


@lru_cache(maxsize=4)
def load_model(path: str) -> ScorerModel:
    """A model file; pickles are refused (allow_pickle=False), so the file is only numbers."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        if meta.get("feature_version") != FEATURE_VERSION or meta.get("n_features") != N_FEATURES:
            raise ValueError(f"{path}: model made for other features ({meta.get('feature_version')})")
        coef = {fam: np.asarray(z[f"{fam}_coef"], dtype=np.float64) for fam in meta["families"]}
    return ScorerModel(coef, {k: float(v) for k, v in meta["intercept"].items()},
                       {k: float(v) for k, v in meta["threshold"].items()}, meta)


_warned: set[str] = set()


def active_model() -> ScorerModel | None:
    """The model the environment asks for: ``MARSAD_EVENT_SCORER`` = a path, ``off``, or unset
    (the shipped file). A missing or unreadable file disables the scorer, with one warning."""
    setting = os.environ.get(ENV_VAR, "").strip()
    if setting.lower() in ("off", "0", "none", "false", "disabled"):
        return None
    path = setting or str(DEFAULT_MODEL)
    try:
        return load_model(path)
    except (OSError, ValueError, KeyError) as exc:
        if path not in _warned:
            _warned.add(path)
            log.warning("event scorer disabled: cannot load %s (%s)", path, exc)
        return None


def evidence_sentence(event: dict, text: str) -> str:
    ev = event.get("evidence")
    if isinstance(ev, dict):
        if isinstance(ev.get("text"), str):
            return ev["text"]
        s, e = ev.get("start"), ev.get("end")
        if isinstance(s, int) and isinstance(e, int):
            return text[s:e]
    return text[:400]


def score_event(model: ScorerModel, event: dict, text: str,
                cache: dict[str, Vector] | None = None) -> float | None:
    """The model's probability that the event happened; None for a family it does not score."""
    fam = family_of(event)
    if fam is None or fam not in model.coef:
        return None
    sentence = evidence_sentence(event, text)
    if cache is None:
        cache = {}
    if sentence not in cache:
        cache[sentence] = _text_vector(sentence)   # events of one sentence share its n-grams
    return model.probability(fam, hashed(sentence, event, cache[sentence]))


def apply_scorer(events: list[dict], text: str,
                 model: ScorerModel | None = None) -> tuple[list[dict], list[dict]]:
    """(kept events, set-aside mentions). Violent and protest events get the model's
    probability as ``confidence``; those under the family threshold are set aside with
    ``decision`` = ``low_confidence``. Other event types pass unchanged."""
    if model is None:
        model = active_model()
        if model is None:
            return events, []
    kept: list[dict] = []
    low: list[dict] = []
    cache: dict[str, Vector] = {}
    for ev in events:
        p = score_event(model, ev, text, cache)
        if p is None:
            kept.append(ev)
            continue
        ev["confidence"] = round(p, 3)
        if p < model.threshold[family_of(ev) or ""]:
            low.append({**ev, "decision": "low_confidence"})
        else:
            kept.append(ev)
    return kept, low
