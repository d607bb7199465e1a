"""Article and drop records -> MongoDB documents (pure functions, no I/O).

The records are ``pipelines.records.Article`` / ``Drop`` in their flat ``to_dict`` form
(what the spool keeps). The schema is written down in README.md, "Stored documents";
``SCHEMA_VERSION`` changes with it.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import math
from collections.abc import Mapping
from typing import Any

from pipelines.arabic import text_hash
from pipelines.tokens import search_tokens
from pipelines.urls import canonical_url

from .safety import cap_string, clean_string, sanitise

SCHEMA_VERSION = 1

MAX_TITLE = 1_000
MAX_TEXT = 1_000_000          # characters; ~2 MB of Arabic UTF-8, far below BSON's 16 MB
MAX_DESCRIPTION = 5_000
MAX_SHORT = 2_000             # URLs, names, raw date strings
MAX_NAMES = 100               # authors, tags, categories

# Fields an extraction decides. A stored article only takes them from a record whose
# extraction is at least as good (see store.py); bookkeeping fields are always updated.
CONTENT_FIELDS = (
    "schema_version", "fetched_url", "final_url", "canonical_url", "source", "status",
    "content_type", "encoding", "title", "text", "text_length", "text_hash",
    "paragraph_count", "authors", "language", "sitename", "categories", "tags", "image",
    "description", "captions", "classifier", "is_article", "quality", "extractor_version",
    "published", "published_local", "published_precision", "published_source",
    "published_raw", "published_zone_corrected", "modified", "modified_local", "timezone",
    "fetched_at", "hints",
    "event_count", "event_types", "events_error", "event_mentions", "raw_sha256", "raw_size",
    "duplicate_of", "sanitised", "search_tokens",
)


def _local(record: Mapping[str, Any], field: str) -> Any:
    """``<field>_local`` of a record; records spooled by earlier versions named it ``<field>``."""
    name = f"{field}_local"
    return record[name] if name in record else record.get(field)


def article_key(record: Mapping[str, Any]) -> str:
    """The storage key: canonical form of the page's canonical URL, else the final, else
    the requested URL."""
    for field in ("canonical_url", "final_url", "url"):
        value = record.get(field)
        if isinstance(value, str) and value.strip():
            return canonical_url(value)
    return ""


def to_utc_datetime(value: Any) -> _dt.datetime | None:
    """An ISO 8601 string (or datetime) as an aware UTC datetime at BSON's millisecond
    precision; None when absent or unreadable. Naive values are taken as UTC."""
    if isinstance(value, _dt.datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = _dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    try:
        moment = moment.astimezone(_dt.UTC)
    except (OverflowError, ValueError):
        return None
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _short(value: Any, flags: set[str], field: str, limit: int = MAX_SHORT) -> str | None:
    if value is None:
        return None
    text = clean_string(value if isinstance(value, str) else str(value), flags, single_line=True)
    return cap_string(text, limit, f"{field}_truncated", flags) or None


def _names(value: Any, flags: set[str], field: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, set)):
        return []
    names = []
    for item in list(value)[:MAX_NAMES]:
        name = _short(item, flags, field, 300)
        if name and name not in names:
            names.append(name)
    if len(value) > MAX_NAMES:
        flags.add(f"{field}_truncated")
    return names


def _mentions(value: Any, flags: set[str]) -> list[Any]:
    """Non-event candidates, for audit: at most MAX_NAMES, each sanitised like metadata."""
    if not isinstance(value, (list, tuple)):
        return []
    if len(value) > MAX_NAMES:
        flags.add("event_mentions_truncated")
    return [sanitise(m, flags, max_string=MAX_SHORT) for m in value[:MAX_NAMES] if isinstance(m, Mapping)]


def _captions(value: Any, flags: set[str]) -> list[str]:
    if not isinstance(value, (list, tuple)):
        return []
    out = [c for c in (_short(v, flags, "captions") for v in value[:MAX_NAMES]) if c]
    if len(value) > MAX_NAMES:
        flags.add("captions_truncated")
    return out


def _quality(value: Any) -> float:
    try:
        q = float(value)
    except (TypeError, ValueError):
        return 0.0
    # Rounded so float noise in the extractor's score cannot decide which extraction wins.
    return round(min(max(q, 0.0), 1.0), 4) if math.isfinite(q) else 0.0


def _events_summary(events: Any) -> tuple[int, list[str]]:
    if not isinstance(events, (list, tuple)):
        return 0, []
    types = set()
    for event in events:
        if isinstance(event, Mapping):
            kind = event.get("type") or event.get("event_type")
            if isinstance(kind, str) and kind.strip():
                types.add(clean_string(kind, single_line=True)[:100])
    return len(events), sorted(types)


def _status(status: Any) -> int | None:
    """An HTTP status as stored: an int of three digits at most (BSON has no larger ints
    than 8 bytes; a hostile value must not fail the write)."""
    return status if isinstance(status, int) and not isinstance(status, bool) and 0 <= status < 1000 else None


def raw_bytes(record: Mapping[str, Any]) -> bytes | None:
    raw = record.get("raw_html")
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if isinstance(raw, (bytes, bytearray, memoryview)) and len(raw):
        return bytes(raw)
    return None


def build_document(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``articles`` document for an article record, without the bookkeeping fields
    the store sets in the write (first_seen, last_seen, fetch_count, revision) and with
    ``duplicate_of`` None (the store fills it). Never raises on odd field values."""
    flags: set[str] = set()
    text = record.get("text")
    if not isinstance(text, str):
        text = "\n".join(p for p in record.get("paragraphs") or [] if isinstance(p, str))
    text = cap_string(clean_string(text, flags), MAX_TEXT, "text_truncated", flags)
    title = _short(record.get("title"), flags, "title", MAX_TITLE)
    description = _short(record.get("description"), flags, "description", MAX_DESCRIPTION)
    raw = raw_bytes(record)
    event_count, event_types = _events_summary(record.get("events"))
    status = record.get("status")
    hints = record.get("hints")
    doc = {
        "url": article_key(record),
        "schema_version": SCHEMA_VERSION,
        "fetched_url": _short(record.get("url"), flags, "url"),
        "final_url": _short(record.get("final_url"), flags, "url"),
        "canonical_url": _short(record.get("canonical_url"), flags, "url"),
        "source": _short(record.get("source"), flags, "source", 200),
        "status": _status(status),
        "content_type": _short(record.get("content_type"), flags, "content_type", 300),
        "encoding": _short(record.get("encoding"), flags, "encoding", 100),
        "title": title,
        "text": text,
        "text_length": len(text),
        "text_hash": text_hash(text) if text.strip() else None,
        "paragraph_count": len([p for p in text.split("\n") if p.strip()]),
        # SecantusDB has no $text: folded words for article search (pipelines/search.py)
        "search_tokens": search_tokens(title, text),
        "authors": _names(record.get("authors"), flags, "authors"),
        "language": _short(record.get("language"), flags, "language", 20),
        "sitename": _short(record.get("sitename"), flags, "sitename", 300),
        "categories": _names(record.get("categories"), flags, "categories"),
        "tags": _names(record.get("tags"), flags, "tags"),
        "image": _short(record.get("image"), flags, "image"),
        "description": description,
        "captions": _captions(record.get("captions"), flags),
        "classifier": _short(record.get("classifier"), flags, "classifier", MAX_SHORT),
        "is_article": bool(record.get("is_article", True)),
        "quality": _quality(record.get("quality")),
        "extractor_version": _short(record.get("extractor_version"), flags, "extractor_version", 100),
        "published": to_utc_datetime(record.get("published_utc")),
        "published_local": _short(_local(record, "published"), flags, "published", 100),
        "published_precision": _short(record.get("published_precision"), flags, "published", 20),
        "published_source": _short(record.get("published_source"), flags, "published", 40),
        "published_raw": _short(record.get("published_raw"), flags, "published_raw"),
        "published_zone_corrected": bool(record.get("published_zone_corrected")),
        "modified": to_utc_datetime(record.get("modified_utc")),
        "modified_local": _short(_local(record, "modified"), flags, "modified", 100),
        "timezone": _short(record.get("timezone"), flags, "timezone", 64),
        "fetched_at": to_utc_datetime(record.get("fetched_at")),
        "hints": sanitise(hints, flags) if isinstance(hints, Mapping) else None,
        "event_count": event_count,
        "event_types": event_types,
        "events_error": _short(record.get("events_error"), flags, "events_error"),
        "event_mentions": _mentions(record.get("event_mentions"), flags),
        "raw_sha256": hashlib.sha256(raw).hexdigest() if raw else None,
        "raw_size": len(raw) if raw else 0,
        "duplicate_of": None,
    }
    # Other keys this article was fetched under (the requested URL and the one after
    # redirects, when they differ from the stored key): incremental crawls treat them
    # as known, and they are only written together with the article itself.
    doc["aliases"] = sorted({canonical_url(u) for u in (record.get("url"), record.get("final_url"))
                             if isinstance(u, str) and u} - {doc["url"], ""})
    stage_flags = record.get("flags")  # what the processing stages noted (records.Article.flags)
    if isinstance(stage_flags, (list, tuple)):
        flags |= {f[:100] for f in stage_flags if isinstance(f, str)}
    doc["sanitised"] = sorted(flags)
    return doc


def build_drop_document(drop: Mapping[str, Any]) -> dict[str, Any]:
    """The ``drops`` fields of a drop record (the store adds first_seen/last_seen/count)."""
    flags: set[str] = set()
    url = drop.get("url")
    status = drop.get("status")
    detail = drop.get("detail")
    return {
        "url": canonical_url(url) if isinstance(url, str) else "",
        "fetched_url": _short(url, flags, "url"),
        "source": _short(drop.get("source"), flags, "source", 200),
        "reason": _short(drop.get("reason"), flags, "reason", 100) or "unknown",
        "detail": sanitise(detail, flags, max_string=MAX_SHORT) if detail is not None else None,
        "status": _status(status),
        "fetched_at": to_utc_datetime(drop.get("fetched_at")),
        "title": _short(drop.get("title"), flags, "title", MAX_TITLE),
        "language": _short(drop.get("language"), flags, "language", 20),
        "sanitised": sorted(flags),
    }
