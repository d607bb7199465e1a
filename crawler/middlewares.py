"""Spider and downloader middlewares."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Iterable

from scrapy.spidermiddlewares.httperror import HttpError

log = logging.getLogger(__name__)


class RecordSpiderErrors:
    """A callback that raises on one page becomes a recorded drop, not a lost page.

    Scrapy already keeps the crawl going after a callback error; this makes sure the page
    also reaches the archive's `drops` collection with its reason.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> "RecordSpiderErrors":
        return cls(crawler)

    def process_spider_exception(self, response: Any, exception: BaseException) -> Iterable[dict] | None:
        if isinstance(exception, HttpError):
            return None  # the request's errback records these
        return self._record(response, exception)

    def _record(self, response: Any, exception: BaseException) -> Iterable[dict]:
        log.error("callback failed on %s: %r", response.url, exception)
        self.crawler.stats.inc_value("marsad/fetch_errors/spider_error")
        yield {"kind": "failure", "url": response.url, "source": response.meta.get("source"),
               "reason": "spider_error", "detail": f"{type(exception).__name__}: {exception}"[:1000],
               "status": response.status,
               "fetched_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
