"""Reviews of extracted events: a collection of their own, never written into ``events``.

One document per review (``event_reviews``): ``event_id``, ``article_url``, ``verdict``
(``correct``, ``wrong`` or ``corrected``), ``corrections`` (any of ``event_type``,
``sub_event_type``, ``place``, ``admin1``, ``fatalities``), ``was`` (the extractor's values
of the corrected fields when the review was made), ``reviewer``, ``note``,
``created_at``. The latest review of an event is the one that counts in exports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING, IndexModel

from pipelines.export import REVIEWS

VERDICTS = ("correct", "wrong", "corrected")
EVENT_TYPES = (
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
    "Protests",
    "Riots",
    "Strategic developments",
)
_TEXT_FIELDS = {"sub_event_type": 100, "place": 200, "admin1": 200}


class ReviewError(ValueError):
    """A review that cannot be stored; the message says which field is wrong."""


def ensure_review_indexes(db) -> None:
    db[REVIEWS].create_indexes(
        [IndexModel([("event_id", ASCENDING), ("created_at", ASCENDING)], name="event_created")]
    )


def _was(event: Mapping[str, Any], field: str) -> Any:
    loc = event.get("location") or {}
    return {
        "event_type": event.get("event_type"),
        "sub_event_type": event.get("sub_event_type"),
        "place": loc.get("name_en"),
        "admin1": loc.get("admin1"),
        "fatalities": event.get("fatalities"),
    }.get(field)


def validate(payload: Mapping[str, Any], event: Mapping[str, Any]) -> dict[str, Any]:
    """The review document for a posted payload (raises ReviewError)."""
    verdict = payload.get("verdict")
    if verdict not in VERDICTS:
        raise ReviewError(f"verdict must be one of {', '.join(VERDICTS)}")
    reviewer = payload.get("reviewer")
    if not isinstance(reviewer, str) or not reviewer.strip() or len(reviewer) > 100:
        raise ReviewError("reviewer: a name of 1 to 100 characters is required")
    note = payload.get("note") or ""
    if not isinstance(note, str) or len(note) > 2000:
        raise ReviewError("note: at most 2000 characters")
    raw = payload.get("corrections") or {}
    if not isinstance(raw, Mapping):
        raise ReviewError("corrections must be an object")
    corrections: dict[str, Any] = {}
    for key, value in raw.items():
        if value in (None, ""):
            continue
        if key == "event_type":
            if value not in EVENT_TYPES:
                raise ReviewError(f"event_type must be one of {', '.join(EVENT_TYPES)}")
            corrections[key] = value
        elif key == "fatalities":
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise ReviewError("fatalities must be a whole number") from None
            if not 0 <= number <= 1_000_000 or str(value).strip().lstrip("0") not in (str(number), ""):
                raise ReviewError("fatalities must be a whole number from 0")
            corrections[key] = number
        elif key in _TEXT_FIELDS:
            if not isinstance(value, str) or len(value) > _TEXT_FIELDS[key]:
                raise ReviewError(f"{key}: text of at most {_TEXT_FIELDS[key]} characters")
            corrections[key] = value.strip()
        else:
            raise ReviewError(f"unknown correction {key!r}")
    if verdict == "corrected" and not corrections:
        raise ReviewError("a correction needs at least one corrected field")
    if verdict != "corrected" and corrections:
        raise ReviewError("corrections go with the verdict 'corrected'")
    return {
        "event_id": event["_id"],
        "article_url": event.get("article_url"),
        "verdict": verdict,
        "corrections": corrections,
        "was": {k: _was(event, k) for k in corrections},
        "reviewer": reviewer.strip(),
        "note": note.strip(),
        "created_at": dt.datetime.now(dt.UTC).replace(microsecond=0),
    }


def add_review(db, event_id: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """Store a review of a stored event; returns the stored document."""
    event = db["events"].find_one({"_id": event_id})
    if event is None:
        raise ReviewError(f"no event {event_id!r}")
    doc = validate(payload, event)
    ensure_review_indexes(db)
    db[REVIEWS].insert_one(doc)
    return doc


def reviews_of(db, event_id: str) -> list[dict[str, Any]]:
    return list(db[REVIEWS].find({"event_id": event_id}, {"_id": 0}).sort([("created_at", 1)]))
