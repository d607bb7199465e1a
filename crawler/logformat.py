"""Log lines that name the page, not the whole item.

Page and article records carry the raw HTML; Scrapy's default formatter would print it
in every drop and pipeline-error line.
"""
from __future__ import annotations

from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


def _describe(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("final_url") or item.get("url") or "<no url>")
    url = getattr(item, "final_url", None) or getattr(item, "url", None)
    return f"{type(item).__name__} {url}" if url else type(item).__name__


class QuietLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any,
                spider: Any = None) -> LogFormatterResult:
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped: %(exception)s"
        entry["args"] = {"exception": exception}
        return entry

    def item_error(self, item: Any, exception: BaseException, response: Any,
                   spider: Any = None) -> LogFormatterResult:
        entry = super().item_error(item, exception, response, spider)
        entry["msg"] = "Error processing %(item)s"
        entry["args"] = {"item": _describe(item)}
        return entry

    def scraped(self, item: Any, response: Any, spider: Any = None) -> LogFormatterResult:
        entry = super().scraped(item, response, spider)
        args = entry.get("args")
        entry["args"] = {**(args if isinstance(args, dict) else {}), "item": _describe(item)}
        return entry
