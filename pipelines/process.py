"""One fetched page through every stage: decode → dates → extraction → events.

``process_page`` is the one composition of the stages: the crawler's item pipeline calls
it (in a worker process), and so do the WARC backfill and the reprocessing of stored
raw pages (``pipelines.archive.reprocess_pages``). It never raises: a ``Page`` becomes
an ``Article`` or a ``Drop`` with its reason (``pipelines.records``).
"""
from __future__ import annotations

import dataclasses
import logging
import time
import traceback
from collections.abc import Mapping
from typing import Any

from pipelines.dates import find_publication_date
from pipelines.events import analyse
from pipelines.extract import ExtractionError, decode_html, extract_article, parse_html
from pipelines.records import Article, Drop, DropReason, Page, build_article

log = logging.getLogger(__name__)


def process_page(page: Page | Mapping[str, Any], *, with_events: bool = True) -> Article | Drop:
    """Turn a page into an ``Article`` or a ``Drop`` (a dict is read as a ``Page``)."""
    if not isinstance(page, Page):
        page = Page.from_mapping(page)
    try:
        return _process(page, with_events)
    except Exception as exc:  # a bug on one page must not end the crawl
        log.exception("processing failed for %s", page.url)
        return Drop.for_page(page, DropReason.INTERNAL_ERROR,
                             f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")


def timed_process_page(page: Page, with_events: bool = True) -> tuple[Article | Drop, float]:
    """``process_page`` and the CPU milliseconds it took (in the process that ran it)."""
    started = time.process_time()
    result = process_page(page, with_events=with_events)
    return result, (time.process_time() - started) * 1000


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def _drop_reason(code: str | None) -> DropReason:
    reason, _ = DropReason.from_code(code or DropReason.NOT_ARTICLE.value)
    return DropReason.NOT_ARTICLE if reason is DropReason.UNKNOWN else reason


def _process(page: Page, with_events: bool) -> Article | Drop:
    url = page.location
    try:
        html, encoding = decode_html(page.body, page.content_type)
        tree = parse_html(html)
        # Dates read the untouched tree; extraction may prune it afterwards.
        dates = find_publication_date(tree, url=url, timezone=page.timezone,
                                      hints=dict(page.hints), fetched_at=page.fetched_at,
                                      date_xpath=(page.xpaths or {}).get("date"))
        extraction = extract_article(tree, url=url, language=page.language,
                                     xpaths=dict(page.xpaths) if page.xpaths else None,
                                     site_hosts=page.source_hosts)
    except ExtractionError as exc:
        return Drop.for_page(page, _drop_reason(exc.reason), exc.detail)
    status = 200 if page.status is None else page.status
    if status >= 400:
        # Error pages are never articles; only a recognised challenge gets its own reason.
        challenge = extraction.get("drop_reason") == DropReason.CHALLENGE_PAGE
        return Drop.for_page(page, DropReason.CHALLENGE_PAGE if challenge else DropReason.HTTP_STATUS,
                             f"HTTP {status}, title={extraction.get('title')!r}")
    if not extraction.get("is_article"):
        # The classifier's signals name why; title and language help whoever reads the drop.
        return dataclasses.replace(
            Drop.for_page(page, _drop_reason(extraction.get("drop_reason")),
                          f"{extraction.get('classifier') or ''}; title={extraction.get('title')!r}"),
            title=_optional_text(extraction.get("title")),
            language=_optional_text(extraction.get("language")))
    article = build_article(page, extraction, dates, encoding=encoding)
    if with_events:
        return _with_events(article)
    return article


def _with_events(article: Article) -> Article:
    try:
        found = analyse(article.text, published=article.published_local,
                        timezone=article.timezone, source=article.source)
    except Exception as exc:  # events are an addition; the article is still kept
        log.exception("event extraction failed for %s", article.final_url or article.url)
        return dataclasses.replace(article, events_error=f"{type(exc).__name__}: {exc}")
    # Candidates that are not events (planned, negated, recalled, ...) are kept for audit.
    return dataclasses.replace(article, events=tuple(found.events), event_mentions=tuple(found.mentions))
