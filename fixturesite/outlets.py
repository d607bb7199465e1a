"""The outlets set: 30 events reported by five extra fixture outlets (content/outlets.yaml).

``outlet_articles()`` gives one dict per article, with its ground truth: ``event`` (the
real-world event it reports) and ``story`` (the id of the article it copies, through
``copy_of`` chains, or its own id). Wire copies are built here from their original, so the
copy and the truth cannot drift apart.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .data import FixtureDataError

OUTLETS_FILE = Path(__file__).with_name("content") / "outlets.yaml"
# the sets of this layout: the development set, and a held-out one written after the
# merge rules were last changed (never used to change them)
SETS = {"outlets": OUTLETS_FILE, "holdout": OUTLETS_FILE.with_name("outlets_holdout.yaml")}


@lru_cache(maxsize=4)
def _load(name: str = "outlets") -> dict[str, Any]:
    with open(SETS[name], encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def outlets() -> list[dict[str, Any]]:
    """The outlets: ``id``, ``name``, ``style``, ``timezone``, ``scale``."""
    return [dict(o) for o in _load()["outlets"]]


def _body(rep: dict[str, Any], by_id: dict[str, dict[str, Any]], seen: tuple[str, ...] = ()) -> list[str]:
    """Paragraphs of a report, the dateline joined to the first one."""
    if rep["id"] in seen:
        raise FixtureDataError(f"outlets.yaml: copy_of loop at {rep['id']}")
    if rep.get("copy_of"):
        orig = by_id.get(rep["copy_of"])
        if orig is None:
            raise FixtureDataError(f"outlets.yaml: {rep['id']} copies unknown {rep['copy_of']}")
        paras = list(orig.get("paragraphs") or _body(orig, by_id, seen + (rep["id"],)))
        dateline = rep.get("dateline", orig.get("dateline"))
        for old, new in rep.get("edits") or []:
            if not any(old in p for p in paras):
                raise FixtureDataError(f"outlets.yaml: {rep['id']}: edit {old!r} matches nothing")
            paras = [" ".join(p.replace(old, new).split()) for p in paras]
        paras += list(rep.get("append") or [])
    else:
        paras = list(rep["paragraphs"])
        dateline = rep.get("dateline")
    if dateline:
        paras[0] = f"{dateline} {paras[0]}"
    return paras


def _root(rep: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> str:
    while rep.get("copy_of"):
        rep = by_id[rep["copy_of"]]
    return rep["id"]


@lru_cache(maxsize=4)
def _articles(name: str = "outlets") -> tuple[dict[str, Any], ...]:
    data = _load(name)
    known = {o["id"] for o in data["outlets"]}
    tz = {o["id"]: o["timezone"] for o in data["outlets"]}
    by_id: dict[str, dict[str, Any]] = {}
    for ev in data["events"]:
        for rep in ev["reports"]:
            if rep["id"] in by_id:
                raise FixtureDataError(f"outlets.yaml: report id {rep['id']} twice")
            if rep["outlet"] not in known:
                raise FixtureDataError(f"outlets.yaml: {rep['id']}: unknown outlet {rep['outlet']}")
            by_id[rep["id"]] = rep
    out = []
    for ev in data["events"]:
        for rep in ev["reports"]:
            published = datetime.fromisoformat(str(rep["published"]))
            if published.tzinfo is None:
                raise FixtureDataError(f"outlets.yaml: {rep['id']}: published needs an offset")
            paras = _body(rep, by_id)
            out.append({
                "id": rep["id"], "outlet": rep["outlet"], "source": rep["outlet"],
                "timezone": tz[rep["outlet"]], "published": published, "title": rep["title"],
                "paragraphs": paras, "text": "\n".join(paras),
                "event": ev["id"], "story": _root(rep, by_id), "copy_of": rep.get("copy_of"),
            })
    return tuple(out)


def outlet_articles(name: str = "outlets") -> list[dict[str, Any]]:
    """Every article of a set (``SETS``) with its ground truth (fresh dicts)."""
    return [dict(a, paragraphs=list(a["paragraphs"])) for a in _articles(name)]
