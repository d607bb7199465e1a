"""One fetched page through every stage: decode → dates → extraction → events.

``process_page`` is what the crawler's item pipeline calls (in a worker process), and
what backfill tools call on stored HTML or WARC records. It never raises: a page either
becomes an article record or a drop record with its reason.
"""
from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from pipelines.dates import find_publication_date
from pipelines.extract import ExtractionError, decode_html, extract_article, parse_html

log = logging.getLogger(__name__)

_PAGE_FIELDS = ("url", "final_url", "status", "content_type", "source", "fetched_at", "hints")


def _drop(page: dict, reason: str, detail: str = "") -> dict:
    return {"kind": "drop", "record": {
        "url": page.get("final_url") or page.get("url"), "source": page.get("source"),
        "reason": reason, "detail": detail[:1000], "status": page.get("status"),
        "fetched_at": page.get("fetched_at"),
    }}


def _status(value: Any) -> int:
    """The HTTP status as an int; a missing or unreadable one counts as 200."""
    try:
        return int(value) if value is not None and not isinstance(value, bool) else 200
    except (TypeError, ValueError, OverflowError):
        return 200


def _events(record: dict) -> Any:
    """Events and non-event mentions of an article (``pipelines.events.Extraction``), or None
    when the events stage is not installed. An extractor bug raises (see the caller)."""
    try:
        from pipelines.events import analyse
    except ImportError:
        return None
    return analyse(record.get("text") or "", published=record.get("published"),
                   timezone=record.get("timezone"), source=record.get("source"))


def process_page(page: dict, *, with_events: bool = True) -> dict[str, Any]:
    """Turn a page record into ``{"kind": "article", "record": ...}`` or
    ``{"kind": "drop", "record": ...}``, with ``cpu_ms`` spent on it."""
    started = time.process_time()
    result = _process(page, with_events)
    result["cpu_ms"] = (time.process_time() - started) * 1000
    return result


def _process(page: dict, with_events: bool) -> dict[str, Any]:
    try:
        body = page.get("body") or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        url = page.get("final_url") or page.get("url")
        html, encoding = decode_html(body, page.get("content_type"))
        tree = parse_html(html)
        # Dates read the untouched tree; extraction may prune it afterwards.
        dates = find_publication_date(tree, url=url, timezone=page.get("timezone"),
                                      hints=page.get("hints"), fetched_at=page.get("fetched_at"),
                                      date_xpath=(page.get("xpaths") or {}).get("date"))
        article = extract_article(tree, url=url, language=page.get("language") or "ar",
                                  xpaths=page.get("xpaths"))
    except ExtractionError as exc:
        return _drop(page, exc.reason, exc.detail)
    except Exception as exc:  # a bug on one page must not end the crawl
        log.exception("processing failed for %s", page.get("url"))
        return _drop(page, "internal_error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")
    status = _status(page.get("status"))
    if status >= 400:
        # Error pages are never articles; only a recognised challenge gets its own reason.
        reason = "challenge_page" if article.get("drop_reason") == "challenge_page" else f"http_{status}"
        return _drop(page, reason, f"HTTP {status}, title={article.get('title')!r}")
    if not article.get("is_article"):
        return _drop(page, article.get("drop_reason") or "not_article",
                     f"title={article.get('title')!r}")
    record = {k: page.get(k) for k in _PAGE_FIELDS}
    record.update(article)
    record.update(dates)
    record.update(raw_html=body, encoding=encoding, timezone=page.get("timezone"))
    if with_events:
        try:
            events = _events(record)
        except Exception as exc:  # events are an addition; the article is still kept
            log.exception("event extraction failed for %s", url)
            record["events_error"] = f"{type(exc).__name__}: {exc}"
        else:
            if events is not None:
                # [events helper, issue 15] candidates that are not events, kept for audit
                record["events"] = events.events
                record["event_mentions"] = events.mentions
    return {"kind": "article", "record": record}
